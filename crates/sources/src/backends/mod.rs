//! Sources of toolchains. A backend answers two questions — which versions
//! exist, and for a version and platform, what artifact to download — and
//! never writes files.
//!
//! Every backend reads a registry or index over HTTP (through the one
//! [`Fetcher`]) and parses it with pure functions, so the parsing and
//! selection are unit-tested on fixture text. A backend is opened for one
//! package ([`open`]), lists its [`Release`]s, and pins one release for
//! every platform at once ([`Source::pin`]), so a lock for several
//! platforms is made from any one machine.

pub(crate) mod adoptium;
pub mod aqua;
pub mod cargo;
pub mod checksums;
pub(crate) mod exposes;
pub(crate) mod github;
pub(crate) mod go_dist;
pub(crate) mod hashicorp;
pub(crate) mod node_dist;
pub mod npm;
pub mod npm_tree;
pub mod pypi;
pub mod pypi_tree;
pub(crate) mod python_dist;
pub(crate) mod rust_dist;
pub(crate) mod url;
pub(crate) mod wheel;
pub(crate) mod zig_dist;

use anyhow::{Context, Result, anyhow};
use devenv_model::archive::Format;
use devenv_model::catalog::{Catalog, SourceSpec};
use devenv_model::config::Config;
use devenv_model::config::vars::{self, Var};
use devenv_model::digest::Digest;
use devenv_model::lock::{Artifact, LockedTool, request_key};
use devenv_model::manifest::{Manifest, RegistryTool, Request};
use devenv_model::platform::Platform;
use devenv_model::version::{Constraint, Release};
use devenv_net::fetch::Fetcher;
use std::collections::BTreeMap;

/// Turns "the registry could not be read" into what the user can do: a
/// package that does not exist is named as such; an unreachable registry
/// points at the mirror setting and at the entry's other sources.
fn explain_unreadable(
    e: anyhow::Error,
    name: &str,
    spec: &SourceSpec,
    catalog: &Catalog,
) -> anyhow::Error {
    let label = spec.label();
    let fetch = e
        .chain()
        .find_map(|c| c.downcast_ref::<devenv_net::fetch::FetchError>());
    match (fetch, &spec.package) {
        (Some(f), Some(package)) if f.status == Some(404) => anyhow!(
            "{} has no package named `{package}` ({f}); check the spelling, or look the name up with `devenv search`",
            spec.backend
        ),
        (Some(f), _) if f.unreachable => {
            let mut others: Vec<String> = catalog
                .entries
                .get(name)
                .map(|entry| {
                    entry
                        .sources
                        .keys()
                        .filter(|s| **s != spec.name)
                        .map(|s| format!("`source = \"{s}\"`"))
                        .collect()
                })
                .unwrap_or_default();
            if name == "python" {
                // A host interpreter needs no server at all.
                others.push("`source = \"system\"` (this machine's Python)".into());
            }
            let alternatives = if others.is_empty() {
                String::new()
            } else {
                format!(", or use another source: {}", others.join(", "))
            };
            anyhow!(
                "could not read the releases of {label}: {f}\nThe {} server is not reachable from here; point {} (or `[settings] mirrors`) at a mirror{alternatives}",
                spec.backend,
                Mirrors::env_var(spec.backend).name
            )
        }
        _ => e.context(format!("could not read the releases of {label}")),
    }
}

/// What to download for one platform, as a backend found it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Found {
    pub(crate) url: String,
    pub(crate) digest: Digest,
    pub(crate) format: Format,
    /// The backend's default bin paths (`DIR` or `NAME=FILE`).
    pub(crate) bin: Vec<String>,
    /// Where the digest came from, when the lock should say so (see
    /// [`Artifact::digest_from`]).
    pub(crate) digest_from: Option<String>,
    /// The tool's home inside the unpacked tree, when it is not the root
    /// (a macOS JDK's `Contents/Home`): what `{root}` means in the catalog
    /// entry's `env`.
    pub(crate) home: Option<String>,
    /// More archives merged into the same entry, and how (see
    /// [`Artifact::with_parts`]).
    pub(crate) parts: Vec<devenv_model::lock::Part>,
    pub(crate) layout: Option<String>,
    /// The signature material its definition declares (aqua packages),
    /// or its release publishes beside it (GitHub releases), located: for
    /// lock time to fetch and verify.
    pub(crate) declared: Option<Box<aqua::declared::Declared>>,
}

/// The releases named by `versions`, skipping what `scheme` cannot read.
pub(crate) fn releases_named<'a>(
    versions: impl Iterator<Item = &'a String>,
    scheme: devenv_model::version::Scheme,
) -> Vec<Release> {
    versions
        .filter_map(|v| devenv_model::version::Version::parse(scheme, v))
        .map(Release::new)
        .collect()
}

impl Found {
    /// An artifact whose format follows from its URL's file name.
    pub(crate) fn at(url: String, digest: Digest, bin: &[&str]) -> Found {
        Found {
            format: Format::from_url(&url),
            url,
            digest,
            bin: bin.iter().map(|b| b.to_string()).collect(),
            digest_from: None,
            home: None,
            parts: Vec::new(),
            layout: None,
            declared: None,
        }
    }
}

/// What pinning a release found.
pub(crate) enum Pinned {
    /// Its artifact on each platform.
    Artifacts(BTreeMap<Platform, Found>),
    /// Its artifacts need an interpreter: an application, whose tree is
    /// resolved with the project's Python.
    Application,
}

/// One package at one source, opened: its releases and how to pin them.
pub(crate) trait Source: Send {
    /// Every release offered for all the platforms it was opened for.
    fn releases(&self) -> &[Release];

    /// The artifact of `release` for each of `platforms`; an error names
    /// the platform that has none.
    fn pin(
        &self,
        release: &Release,
        platforms: &[Platform],
        fetcher: &Fetcher,
    ) -> Result<BTreeMap<Platform, Found>>;

    /// `release` for each of `platforms`, or — when its artifacts are not
    /// programs but need an interpreter (a Python application) — that it
    /// is an application, whose dependency tree resolution pins instead.
    fn pin_or_application(
        &self,
        release: &Release,
        platforms: &[Platform],
        fetcher: &Fetcher,
    ) -> Result<Pinned> {
        self.pin(release, platforms, fetcher).map(Pinned::Artifacts)
    }

    /// The Python versions `release` supports (its `Requires-Python`,
    /// PEP 440 specifiers), where the source states them.
    fn requires_python(&self, _release: &Release) -> Option<&str> {
        None
    }

    /// Why some versions may be missing (said when nothing matches).
    fn note(&self) -> Option<String> {
        None
    }

    /// The release the registry itself calls the latest (npm's `latest`
    /// dist-tag), when it says; `latest` then means this one rather than
    /// the highest version.
    fn tagged_latest(&self) -> Option<&Release> {
        None
    }

    /// For an application with dependencies: the members of its tree on
    /// each of `platforms` (the pinned package among them). `None` when
    /// the artifact stands alone.
    fn tree(
        &self,
        _release: &Release,
        _platforms: &[Platform],
    ) -> Result<Option<BTreeMap<Platform, Vec<devenv_model::lock::Member>>>> {
        Ok(None)
    }
}

pub use devenv_model::backend::Backend;
/// Why a GitHub API answer failed, and what to do (rate limits included).
pub use github::api_failure as github_api_failure;

/// How a backend opens one package (or its one tool) for some platforms.
pub(crate) type Open = fn(&Opening) -> Result<Box<dyn Source>>;

/// The implementation of each backend: one arm per [`Backend`], so a
/// backend declared in `devenv-model` without one does not compile.
fn opener(backend: Backend) -> Open {
    match backend {
        Backend::Npm => npm::OPEN,
        Backend::Pypi => pypi::OPEN,
        Backend::NodeDist => node_dist::OPEN,
        Backend::GoDist => go_dist::OPEN,
        Backend::ZigDist => zig_dist::OPEN,
        Backend::Github => github::OPEN,
        Backend::Aqua => aqua::OPEN,
        Backend::Hashicorp => hashicorp::OPEN,
        Backend::Adoptium => adoptium::OPEN,
        Backend::RustDist => rust_dist::OPEN,
        Backend::PythonDist => python_dist::OPEN,
        Backend::Cargo => cargo::OPEN,
    }
}

/// Everything a backend may need to open a package.
pub(crate) struct Opening<'a> {
    /// The package (`prettier`, `cli/cli`), empty for single-tool backends.
    pub(crate) package: &'a str,
    /// The base URL of the backend's server (mirror or default).
    pub(crate) base: String,
    pub(crate) platforms: &'a [Platform],
    pub(crate) fetcher: &'a Fetcher,
    /// The C library of the machine installing (for backends whose Linux
    /// builds differ by it).
    pub(crate) libc: devenv_model::platform::Libc,
    /// Every mirror setting, for backends that reach other servers too.
    pub(crate) mirrors: &'a Mirrors,
    /// The tool as the manifest asked for it (e.g. an `asset` template).
    pub(crate) tool: &'a RegistryTool,
    /// The catalog in force (aqua packages are catalog data).
    pub(crate) catalog: &'a Catalog,
}

/// The base URL of each backend's registry: environment variable, else
/// `[settings] mirrors`, else the public default.
#[derive(Debug, Clone, Default)]
pub struct Mirrors {
    settings: BTreeMap<String, String>,
    /// Each backend's mirror variable that the configuration sets
    /// (`DEVENV_PYPI_URL`...), by backend name.
    env: BTreeMap<&'static str, String>,
    /// `DEVENV_URL_MIRRORS` as the configuration has it.
    url_env: Option<String>,
}

impl Mirrors {
    /// The environment variable overriding `backend`'s base URL.
    pub(crate) fn env_var(backend: Backend) -> &'static Var {
        backend.def().mirror_var
    }

    /// The public default base URL of `backend`.
    pub(crate) fn default_url(backend: Backend) -> &'static str {
        backend.def().default_url
    }

    /// The mirrors `config`'s variables set, then `manifest`'s
    /// `[settings] mirrors` (none without a project).
    pub fn new(config: &Config, manifest: Option<&Manifest>) -> Mirrors {
        Mirrors {
            settings: manifest
                .map(|m| m.settings.mirrors.clone())
                .unwrap_or_default(),
            env: Backend::all()
                .filter_map(|b| {
                    let url = config.var(Mirrors::env_var(b)).filter(|v| !v.is_empty())?;
                    Some((b.as_str(), url.to_string()))
                })
                .collect(),
            url_env: config.var(&vars::URL_MIRRORS).map(str::to_string),
        }
    }

    /// The base URL to use for `backend`, without a trailing `/`.
    pub fn base(&self, backend: Backend) -> String {
        let url = self
            .env
            .get(backend.as_str())
            .cloned()
            .or_else(|| self.settings.get(backend.as_str()).cloned())
            .unwrap_or_else(|| Mirrors::default_url(backend).to_string());
        url.trim_end_matches('/').to_string()
    }

    /// `url` with its longest mirrored prefix replaced: `[settings] mirrors`
    /// keys that are URLs (`"https://dl.k8s.io" = "https://mirror/k8s"`),
    /// and `DEVENV_URL_MIRRORS` (`FROM=TO` pairs separated by `;`), which
    /// wins. How downloads from arbitrary hosts (aqua's `http` packages)
    /// are redirected to a mirror.
    pub(crate) fn rewrite(&self, url: &str) -> String {
        let env_pairs = self
            .url_env
            .iter()
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.split_once('='))
            .map(|(a, b)| (a.trim(), b.trim()));
        let setting_pairs = self
            .settings
            .iter()
            .filter(|(k, _)| k.contains("://"))
            .map(|(a, b)| (a.as_str(), b.as_str()));
        let best = env_pairs
            .chain(setting_pairs)
            .filter(|(from, _)| !from.is_empty() && url.starts_with(from))
            .max_by_key(|(from, _)| from.len());
        match best {
            Some((from, to)) => format!(
                "{}{}",
                to.trim_end_matches('/'),
                &url[from.trim_end_matches('/').len()..]
            ),
            None => url.to_string(),
        }
    }
}

/// Opens the package `spec` names for `platforms`.
pub(crate) fn open(
    spec: &SourceSpec,
    tool: &RegistryTool,
    catalog: &Catalog,
    platforms: &[Platform],
    cx: &crate::Cx<'_>,
    mirrors: &Mirrors,
) -> Result<Box<dyn Source>> {
    let opening = Opening {
        package: spec.package.as_deref().unwrap_or_default(),
        base: mirrors.base(spec.backend),
        platforms,
        fetcher: cx.fetcher,
        libc: cx.config.libc(),
        mirrors,
        tool,
        catalog,
    };
    opener(spec.backend)(&opening)
}

/// A registry tool, looked up: where it comes from, what was asked, and
/// what its source offers.
pub struct Lookup {
    pub(crate) spec: SourceSpec,
    /// The base URL of the source's server (mirror or default).
    pub(crate) base: String,
    pub(crate) constraint: Constraint,
    pub(crate) source: Box<dyn Source>,
}

impl Lookup {
    /// Finds where `name` comes from and opens that source.
    pub fn open(
        name: &str,
        tool: &RegistryTool,
        manifest: &Manifest,
        platforms: &[Platform],
        cx: &crate::Cx<'_>,
    ) -> Result<Lookup> {
        let fetcher = &cx.fetcher;
        let mirrors = Mirrors::new(cx.config, Some(manifest));
        let catalog = aqua::load_catalog(manifest, fetcher, &mirrors)?;
        // `cargo:NAME` with `source = "system"` names the compiler, not
        // where the crate comes from.
        let source = tool
            .source
            .as_deref()
            .filter(|s| !(name.starts_with("cargo:") && *s == "system"));
        let spec = catalog
            .source_for(name, source)
            .map_err(|e| locate_source_error(e, name, tool, manifest, &catalog))?;
        check_options(name, tool, &spec, manifest)?;
        let constraint: Constraint = tool.version.parse().map_err(|e: String| anyhow!(e))?;
        let source = open(&spec, tool, &catalog, platforms, cx, &mirrors)
            .map_err(|e| explain_unreadable(e, name, &spec, &catalog))?;
        Ok(Lookup {
            base: mirrors.base(spec.backend),
            spec,
            constraint,
            source,
        })
    }

    /// The newest release the constraint allows.
    pub fn wanted(&self) -> Result<&Release> {
        if self.constraint.is_latest()
            && let Some(tagged) = self.source.tagged_latest()
        {
            return Ok(tagged);
        }
        self.constraint
            .select(self.source.releases())
            .map_err(|e| match self.source.note() {
                Some(note) => anyhow!("{}: {e} ({note})", self.spec.label()),
                None => anyhow!("{}: {e}", self.spec.label()),
            })
    }

    /// The release the constraint picks among those whose
    /// `Requires-Python` admits `python` (the project's pinned Python):
    /// `latest` is the newest such release, not the newest overall. When
    /// the constraint matches only releases that need a newer Python, the
    /// error says so and names what they need.
    pub(crate) fn wanted_for_python(&self, python: &str) -> Result<&Release> {
        let all = self.source.releases();
        let admits = |r: &Release| {
            self.source
                .requires_python(r)
                .and_then(|spec| devenv_model::version::pep440_admits(spec, python))
                .unwrap_or(true)
        };
        let fitting: Vec<Release> = all.iter().filter(|r| admits(r)).cloned().collect();
        match self.constraint.select(&fitting) {
            Ok(pick) => Ok(all
                .iter()
                .find(|r| r.version.as_str() == pick.version.as_str())
                .expect("the pick is one of the releases")),
            Err(_) => {
                let wanted = self.wanted()?;
                let needs = self
                    .source
                    .requires_python(wanted)
                    .unwrap_or("another Python");
                // Below a lower bound is "too old"; above an upper one
                // (`<3.12`, a package not yet ported) is "too new".
                let too_old = needs.split(',').any(|part| {
                    part.trim().starts_with('>')
                        && devenv_model::version::pep440_admits(part, python) == Some(false)
                });
                let (label, v) = (self.spec.label(), wanted.version.as_str());
                let (what, change) = if too_old {
                    (format!("Python too old for {label} {v}"), "Raise")
                } else {
                    (format!("Python {python} too new for {label} {v}"), "Lower")
                };
                Err(anyhow!(
                    "{what} (needs {}): the project's python is {python}; {} `python` in [tools], or pin a release of {label} that supports Python {python}",
                    needs_text(needs),
                    change.to_lowercase()
                ))
            }
        }
    }

    /// The newest stable release, whatever the constraint.
    pub fn latest(&self) -> Option<&Release> {
        if let Some(tagged) = self.source.tagged_latest() {
            return Some(tagged);
        }
        let latest: Constraint = "latest".parse().expect("`latest` is a constraint");
        latest.select(self.source.releases()).ok()
    }
}

/// `e` ("what; how to fix it") shown at the version of tool `name` in
/// the manifest, where it can be found.
fn at_version(e: anyhow::Error, name: &str, manifest: &Manifest) -> anyhow::Error {
    let (message, help) = devenv_model::manifest::split_help(&e.to_string());
    manifest
        .value_error(
            &["tools", name, "version"],
            None,
            message.clone(),
            help.clone(),
        )
        .or_else(|| manifest.value_error(&["tools", name], None, message, help))
        .map_or(e, Into::into)
}

/// `>=3.12` as people read it: `≥ 3.12`.
fn needs_text(spec: &str) -> String {
    spec.split(',')
        .map(|part| {
            let part = part.trim();
            match part.strip_prefix(">=") {
                Some(v) => format!("≥ {}", v.trim()),
                None => part.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A tool the catalog cannot place, shown where the manifest says it: at
/// its `source` when that is what is wrong, else at its name.
fn locate_source_error(
    e: anyhow::Error,
    name: &str,
    tool: &RegistryTool,
    manifest: &Manifest,
    catalog: &Catalog,
) -> anyhow::Error {
    let (message, mut help) = devenv_model::manifest::split_help(&format!("{e:#}"));
    let located = match (&tool.source, catalog.entries.get(name)) {
        (Some(source), Some(entry)) if !entry.sources.contains_key(source) => {
            let names: Vec<&str> = entry.sources.keys().map(String::as_str).collect();
            if let Some(s) = devenv_model::manifest::suggest(source, &names) {
                help = Some(format!("did you mean `{s}`? {}", help.unwrap_or_default()));
            }
            manifest.value_error(&["tools", name, "source"], None, message, help)
        }
        (Some(_), None) if name.contains(':') => {
            manifest.value_error(&["tools", name, "source"], None, message, help)
        }
        _ => manifest.key_error(&["tools", name], message, help),
    };
    match located {
        Some(m) => m.into(),
        None => e,
    }
}

/// Refuses tool options the tool's source would ignore, at the option in
/// devenv.toml.
fn check_options(
    name: &str,
    tool: &RegistryTool,
    spec: &SourceSpec,
    manifest: &Manifest,
) -> Result<()> {
    let misplaced = [
        ("asset", tool.asset.is_some()),
        ("components", !tool.components.is_empty()),
        ("targets", !tool.targets.is_empty()),
        ("extras", !tool.extras.is_empty()),
        ("allow_scripts", !tool.allow_scripts.is_empty()),
        ("features", !tool.features.is_empty()),
    ];
    for (key, given) in misplaced {
        let owner = Backend::reading(key).map_or("", Backend::as_str);
        if given && !spec.backend.def().options.contains(&key) {
            let message = if key == "allow_scripts" {
                format!(
                    "`allow_scripts` only applies to npm packages, and `{name}` comes from {}",
                    spec.label()
                )
            } else {
                format!(
                    "`{key}` only applies to tools from the `{owner}` backend, and `{name}` comes from {}",
                    spec.label()
                )
            };
            let help = "remove it".to_string();
            return Err(
                match manifest.key_error(&["tools", name, key], message.clone(), Some(help)) {
                    Some(located) => located.into(),
                    None => anyhow!("{message}; remove it"),
                },
            );
        }
    }
    Ok(())
}

/// Pins a catalog or `backend:package` tool for every platform.
pub(crate) fn resolve_registry(
    name: &str,
    tool: &RegistryTool,
    manifest: &Manifest,
    platforms: &[Platform],
    cx: &crate::Cx<'_>,
) -> Result<LockedTool> {
    let crate_tool = name.starts_with("cargo:");
    if tool.source.as_deref() == Some("system") && !crate_tool {
        return crate::system::resolve(name, tool);
    }
    let fetcher = &cx.fetcher;
    let lookup = Lookup::open(name, tool, manifest, platforms, cx)?;
    // A crate (`cargo:NAME`, or a catalog entry of the crate registry) is
    // built, by a toolchain named in the lock.
    let toolchain = if lookup.spec.backend == Backend::Cargo {
        Some(cargo::toolchain(name, tool)?)
    } else {
        None
    };
    let release = lookup.wanted()?;
    let version = release.version.as_str();
    // The project's Python, pinned, once asked: only a release that
    // Python runs depends on it.
    let python = std::cell::OnceCell::new();
    let python = || {
        python
            .get_or_init(|| pypi_tree::project_python(manifest, cx))
            .as_deref()
    };
    // A Python application: uv resolves its tree, the project's python
    // runs it, so the release is the one the constraint picks among those
    // whose Requires-Python admits that Python. Its errors say what went
    // wrong in the tree (Python too old, uv could not resolve, no
    // commands), not again that it is one.
    let tree = || -> Result<LockedTool> {
        let release = match python() {
            Some(python) => lookup
                .wanted_for_python(python)
                .map_err(|e| at_version(e, name, manifest))?,
            None => release,
        };
        let label = lookup.spec.label();
        let package = lookup
            .spec
            .package
            .clone()
            .unwrap_or_else(|| name.to_string());
        let app = pypi_tree::Application {
            package: &package,
            extras: &tool.extras,
            label: &label,
            version: release.version.as_str(),
            bin: tool.bin.as_deref(),
        };
        let mut locked = pypi_tree::resolve(name, &app, manifest, platforms, cx)?;
        locked.requested = request_key(&Request::Registry(tool.clone()));
        Ok(locked)
    };
    // Extras are optional dependencies: only a tree has them.
    if !tool.extras.is_empty() {
        return tree();
    }
    let found = match lookup
        .source
        .pin_or_application(release, platforms, fetcher)
        .with_context(|| format!("{} {version} cannot be pinned", lookup.spec.label()))?
    {
        Pinned::Artifacts(found) => found,
        Pinned::Application => return tree(),
    };
    if lookup.spec.backend == Backend::Npm {
        npm::warn_if_needs_node(name, &found, manifest);
    }
    let mut trees = lookup.source.tree(release, platforms).map_err(|e| {
        let located = e.downcast_ref::<npm::NotAllowable>().and_then(|n| {
            let (message, help) = devenv_model::manifest::split_help(&n.to_string());
            let needle = format!("\"{}\"", n.name);
            manifest.value_error(
                &["tools", name, "allow_scripts"],
                Some(&needle),
                message,
                help,
            )
        });
        match located {
            Some(m) => m.into(),
            None => e.context(format!(
                "{} {version} cannot be pinned",
                lookup.spec.label()
            )),
        }
    })?;
    let artifacts: BTreeMap<Platform, Artifact> = found
        .into_iter()
        .map(|(platform, f)| {
            let bin = tool
                .bin
                .clone()
                .or_else(|| lookup.spec.bin.clone())
                .unwrap_or(f.bin);
            let mut artifact = Artifact::new(name, version, f.url, f.digest, f.format, bin);
            if let Some(members) = trees.as_mut().and_then(|t| t.remove(&platform)) {
                artifact = artifact.with_members(name, members);
                if !tool.allow_scripts.is_empty() {
                    artifact = artifact.with_scripts(name, tool.allow_scripts.clone());
                }
            }
            if let Some(layout) = &f.layout {
                artifact = artifact.with_parts(name, layout, f.parts);
            }
            if let Some(toolchain) = &toolchain {
                let build = devenv_model::lock::Build {
                    by: devenv_model::lock::BUILD_BY_CARGO.into(),
                    toolchain: toolchain.clone(),
                    target: platform.rust_target(cx.config.libc()),
                    index: format!("sparse+{}/", lookup.base),
                    features: tool.features.clone(),
                };
                artifact = artifact.with_build(name, build);
            }
            artifact.digest_from = f.digest_from;
            if let Some(declared) = f.declared {
                cx.installer.declared(&artifact, *declared);
            }
            let root = match &f.home {
                Some(home) => format!("{{root}}/{home}"),
                None => "{root}".to_string(),
            };
            artifact.env = lookup
                .spec
                .env
                .iter()
                .map(|(k, v)| (k.clone(), v.replace("{root}", &root)))
                .collect();
            (platform, artifact)
        })
        .collect();
    if let Err(e) = check_exposes(name, version, lookup.spec.backend, &artifacts, fetcher) {
        // A platform wheel whose commands are console scripts (cmake's
        // `cmake`): with the project's Python they run as an application's,
        // as pipx and `uv tool` run them.
        let entry_points = |a: &Artifact| {
            wheel::contents(&a.url, fetcher, false).is_ok_and(|c| !c.entry_points.is_empty())
        };
        let by_python = lookup.spec.backend == Backend::Pypi
            && tool.bin.is_none()
            && lookup.spec.bin.is_none()
            && python().is_some()
            && artifacts.values().next().is_some_and(entry_points);
        return if by_python { tree() } else { Err(e) };
    }
    Ok(LockedTool {
        version: version.to_string(),
        requested: request_key(&Request::Registry(tool.clone())),
        source: lookup.spec.label(),
        artifacts,
    })
}

/// Refuses pins that would put nothing (or not everything they name) on
/// PATH, where that can be known before installing: a wheel's file list is
/// read from its zip directory for every platform; an npm package must
/// declare a `bin`. (Tarballs are checked when unpacked.)
fn check_exposes(
    name: &str,
    version: &str,
    backend: Backend,
    artifacts: &BTreeMap<Platform, Artifact>,
    fetcher: &Fetcher,
) -> Result<()> {
    match backend {
        Backend::Pypi => {
            let mut read: BTreeMap<&str, wheel::Contents> = BTreeMap::new();
            for (platform, a) in artifacts {
                if !read.contains_key(a.url.as_str()) {
                    let contents = wheel::contents(&a.url, fetcher, false).with_context(|| {
                        format!(
                            "could not read what the wheel of {name} {version} for {platform} holds"
                        )
                    })?;
                    read.insert(&a.url, contents);
                }
                exposes::check_wheel(
                    name,
                    version,
                    *platform,
                    &a.url,
                    &a.bin,
                    &read[a.url.as_str()],
                )?;
            }
            Ok(())
        }
        Backend::Npm => {
            if let Some((platform, _)) = artifacts.iter().find(|(_, a)| a.bin.is_empty()) {
                anyhow::bail!(
                    "{name} {version} would expose nothing on {platform}: its package.json declares no `bin`, so it provides no command. If the package holds an executable, name it with `bin`, e.g. `{} = {{ version = \"{version}\", bin = [\"NAME=path/in/package\"] }}` in [tools]; a library is installed by the project's own npm instead",
                    exposes::toml_key(name)
                );
            }
            Ok(())
        }
        // Other sources' archives are checked when unpacked.
        _ => Ok(()),
    }
}

/// `rel` resolved against the URL `base` it was found in (registries and
/// mirrors may answer with relative links).
pub(crate) fn join_url(base: &str, rel: &str) -> String {
    if rel.contains("://") {
        return rel.to_string();
    }
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let (scheme, rest) = base.split_at(scheme_end);
    let host_end = rest.find('/').unwrap_or(rest.len());
    let (host, path) = rest.split_at(host_end);
    if let Some(r) = rel.strip_prefix("//") {
        return format!("{}{r}", &scheme);
    }
    let mut segments: Vec<&str> = if rel.starts_with('/') {
        Vec::new()
    } else {
        let path = path.split(['?', '#']).next().unwrap_or("");
        let dir = &path[..path.rfind('/').map_or(0, |i| i + 1)];
        dir.split('/').filter(|s| !s.is_empty()).collect()
    };
    let (rel_path, query) = match rel.find(['?', '#']) {
        Some(i) => rel.split_at(i),
        None => (rel, ""),
    };
    for seg in rel_path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let trailing = if rel_path.ends_with('/') { "/" } else { "" };
    format!("{scheme}{host}/{}{trailing}{query}", segments.join("/"))
}

/// A platform's name in npm's and Node.js's vocabulary: (`linux`|`darwin`, `x64`|`arm64`).
pub(crate) fn node_names(platform: Platform) -> (&'static str, &'static str) {
    platform.names(devenv_model::platform::Dialect::Node)
}

/// Parses registry JSON, naming the URL when it is not what was expected.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(text: &str, url: &str) -> Result<T> {
    serde_json::from_str(text)
        .map_err(|e| anyhow!("{url} did not answer with the expected JSON: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_relative_urls_like_a_browser() {
        let base = "https://pypi.example/pypi/ruff/0.7.0/json";
        assert_eq!(
            join_url(base, "../../../packages/ab/ruff.whl"),
            "https://pypi.example/packages/ab/ruff.whl"
        );
        assert_eq!(
            join_url(base, "/files/x.whl"),
            "https://pypi.example/files/x.whl"
        );
        assert_eq!(
            join_url(base, "//cdn.example/x.whl"),
            "https://cdn.example/x.whl"
        );
        assert_eq!(join_url(base, "https://o.example/x"), "https://o.example/x");
        assert_eq!(
            join_url("http://127.0.0.1:9/a/b", "c.tgz#sha256=1"),
            "http://127.0.0.1:9/a/c.tgz#sha256=1"
        );
    }

    #[test]
    fn mirrors_prefer_settings_over_defaults() {
        let m = Mirrors {
            settings: BTreeMap::from([(
                "zig-dist".to_string(),
                "https://m.example/zig/".to_string(),
            )]),
            env: BTreeMap::new(),
            url_env: None,
        };
        assert_eq!(m.base(Backend::ZigDist), "https://m.example/zig");
        assert_eq!(m.base(Backend::GoDist), "https://go.dev");
    }

    #[test]
    fn mirror_variables_of_the_configuration_beat_the_manifest() {
        let config = Config::from_vars(
            &BTreeMap::from([
                (
                    "DEVENV_ZIG_MIRROR".to_string(),
                    "http://127.0.0.1:9/zig/".to_string(),
                ),
                ("DEVENV_GO_MIRROR".to_string(), String::new()),
            ]),
            false,
        )
        .unwrap();
        let manifest = devenv_model::manifest::Manifest::parse(
            std::path::Path::new("/p/devenv.toml"),
            "[settings.mirrors]\nzig-dist = \"https://m.example/zig\"\ngo-dist = \"https://m.example/go\"\n".into(),
        )
        .unwrap();
        let m = Mirrors::new(&config, Some(&manifest));
        assert_eq!(m.base(Backend::ZigDist), "http://127.0.0.1:9/zig");
        // An empty variable is unset: the manifest's mirror is used.
        assert_eq!(m.base(Backend::GoDist), "https://m.example/go");
        let none = Mirrors::new(&Config::defaults(), None);
        assert_eq!(none.base(Backend::GoDist), "https://go.dev");
    }

    #[test]
    fn url_mirrors_replace_the_longest_prefix() {
        let m = Mirrors {
            settings: BTreeMap::from([(
                "https://dl.example".to_string(),
                "https://m.example/dl/".to_string(),
            )]),
            env: BTreeMap::new(),
            url_env: Some("https://dl.example/v2=http://127.0.0.1:9/v2x; junk".into()),
        };
        assert_eq!(
            m.rewrite("https://dl.example/v1/tool"),
            "https://m.example/dl/v1/tool"
        );
        assert_eq!(
            m.rewrite("https://dl.example/v2/tool"),
            "http://127.0.0.1:9/v2x/tool"
        );
        assert_eq!(m.rewrite("https://other/x"), "https://other/x");
    }
}
