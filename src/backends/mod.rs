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

pub mod exposes;
pub mod go_dist;
pub mod node_dist;
pub mod npm;
pub mod npm_tree;
pub mod pypi;
pub mod python_dist;
pub mod url;
pub mod wheel;
pub mod zig_dist;

use crate::archive::Format;
use crate::catalog::{Backend, Catalog, SourceSpec};
use crate::digest::Digest;
use crate::fetch::Fetcher;
use crate::lock::{Artifact, LockedTool, request_key};
use crate::manifest::{Manifest, RegistryTool, Request};
use crate::platform::Platform;
use crate::version::{Constraint, Release};
use anyhow::{Context, Result, anyhow};
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
        .find_map(|c| c.downcast_ref::<crate::fetch::FetchError>());
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
                Mirrors::env_var(spec.backend)
            )
        }
        _ => e.context(format!("could not read the releases of {label}")),
    }
}

/// What to download for one platform, as a backend found it.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub url: String,
    pub digest: Digest,
    pub format: Format,
    /// The backend's default bin paths (`DIR` or `NAME=FILE`).
    pub bin: Vec<String>,
}

/// The releases named by `versions`, skipping what `scheme` cannot read.
pub fn releases_named<'a>(
    versions: impl Iterator<Item = &'a String>,
    scheme: crate::version::Scheme,
) -> Vec<Release> {
    versions
        .filter_map(|v| crate::version::Version::parse(scheme, v))
        .map(Release::new)
        .collect()
}

impl Found {
    /// An artifact whose format follows from its URL's file name.
    pub fn at(url: String, digest: Digest, bin: &[&str]) -> Found {
        Found {
            format: Format::from_url(&url),
            url,
            digest,
            bin: bin.iter().map(|b| b.to_string()).collect(),
        }
    }
}

/// One package at one source, opened: its releases and how to pin them.
pub trait Source: Send {
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

    /// Why some versions may be missing (said when nothing matches).
    fn note(&self) -> Option<String> {
        None
    }

    /// For an application with dependencies: the members of its tree on
    /// each of `platforms` (the pinned package among them). `None` when
    /// the artifact stands alone.
    fn tree(
        &self,
        _release: &Release,
        _platforms: &[Platform],
    ) -> Result<Option<BTreeMap<Platform, Vec<crate::lock::Member>>>> {
        Ok(None)
    }
}

/// The base URL of each backend's registry: environment variable, else
/// `[settings] mirrors`, else the public default.
#[derive(Debug, Clone, Default)]
pub struct Mirrors {
    settings: BTreeMap<String, String>,
}

impl Mirrors {
    /// The environment variable overriding `backend`'s base URL.
    pub fn env_var(backend: Backend) -> &'static str {
        match backend {
            Backend::Npm => "DEVENV_NPM_REGISTRY",
            Backend::Pypi => "DEVENV_PYPI_URL",
            Backend::NodeDist => "DEVENV_NODE_MIRROR",
            Backend::GoDist => "DEVENV_GO_MIRROR",
            Backend::ZigDist => "DEVENV_ZIG_MIRROR",
            Backend::PythonDist => "DEVENV_PYTHON_MIRROR",
        }
    }

    /// The public default base URL of `backend`.
    pub fn default_url(backend: Backend) -> &'static str {
        match backend {
            Backend::Npm => "https://registry.npmjs.org",
            Backend::Pypi => "https://pypi.org",
            Backend::NodeDist => "https://nodejs.org/dist",
            Backend::GoDist => "https://go.dev",
            Backend::ZigDist => "https://ziglang.org",
            Backend::PythonDist => python_dist::DEFAULT_BASE,
        }
    }

    pub fn for_manifest(manifest: &Manifest) -> Mirrors {
        Mirrors {
            settings: manifest.settings.mirrors.clone(),
        }
    }

    /// The base URL to use for `backend`, without a trailing `/`.
    pub fn base(&self, backend: Backend) -> String {
        let url = std::env::var(Mirrors::env_var(backend))
            .ok()
            .filter(|v| !v.is_empty())
            .or_else(|| self.settings.get(backend.as_str()).cloned())
            .unwrap_or_else(|| Mirrors::default_url(backend).to_string());
        url.trim_end_matches('/').to_string()
    }
}

/// Opens the package `spec` names for `platforms`.
pub fn open(
    spec: &SourceSpec,
    platforms: &[Platform],
    fetcher: &Fetcher,
    mirrors: &Mirrors,
) -> Result<Box<dyn Source>> {
    let base = mirrors.base(spec.backend);
    let package = || spec.package.clone().unwrap_or_default();
    Ok(match spec.backend {
        Backend::Npm => Box::new(npm::Npm::open(&base, &package(), platforms, fetcher)?),
        Backend::Pypi => Box::new(pypi::Pypi::open(&base, &package(), fetcher)?),
        Backend::NodeDist => Box::new(node_dist::NodeDist::open(&base, fetcher)?),
        Backend::GoDist => Box::new(go_dist::GoDist::open(&base, fetcher)?),
        Backend::ZigDist => Box::new(zig_dist::ZigDist::open(&base, fetcher)?),
        Backend::PythonDist => Box::new(python_dist::PythonDist::open(&base, fetcher)?),
    })
}

/// A registry tool, looked up: where it comes from, what was asked, and
/// what its source offers.
pub struct Lookup {
    pub spec: SourceSpec,
    pub constraint: Constraint,
    pub source: Box<dyn Source>,
}

impl Lookup {
    /// Finds where `name` comes from and opens that source.
    pub fn open(
        name: &str,
        tool: &RegistryTool,
        manifest: &Manifest,
        platforms: &[Platform],
        fetcher: &Fetcher,
    ) -> Result<Lookup> {
        let catalog = Catalog::for_manifest(manifest)?;
        let spec = catalog.source_for(name, tool.source.as_deref())?;
        let constraint: Constraint = tool.version.parse().map_err(|e: String| anyhow!(e))?;
        let source = open(&spec, platforms, fetcher, &Mirrors::for_manifest(manifest))
            .map_err(|e| explain_unreadable(e, name, &spec, &catalog))?;
        Ok(Lookup {
            spec,
            constraint,
            source,
        })
    }

    /// The newest release the constraint allows.
    pub fn wanted(&self) -> Result<&Release> {
        self.constraint
            .select(self.source.releases())
            .map_err(|e| match self.source.note() {
                Some(note) => anyhow!("{}: {e} ({note})", self.spec.label()),
                None => anyhow!("{}: {e}", self.spec.label()),
            })
    }

    /// The newest stable release, whatever the constraint.
    pub fn latest(&self) -> Option<&Release> {
        let latest: Constraint = "latest".parse().expect("`latest` is a constraint");
        latest.select(self.source.releases()).ok()
    }
}

/// Pins a catalog or `backend:package` tool for every platform.
pub fn resolve_registry(
    name: &str,
    tool: &RegistryTool,
    manifest: &Manifest,
    platforms: &[Platform],
    fetcher: &Fetcher,
) -> Result<LockedTool> {
    if tool.source.as_deref() == Some("system") {
        return crate::system::resolve(name, tool);
    }
    let lookup = Lookup::open(name, tool, manifest, platforms, fetcher)?;
    let release = lookup.wanted()?;
    let version = release.version.as_str();
    let found = lookup
        .source
        .pin(release, platforms, fetcher)
        .with_context(|| format!("{} {version} cannot be pinned", lookup.spec.label()))?;
    if lookup.spec.backend == Backend::Npm {
        npm::warn_if_needs_node(name, &found, manifest);
    }
    let mut trees = lookup
        .source
        .tree(release, platforms)
        .with_context(|| format!("{} {version} cannot be pinned", lookup.spec.label()))?;
    let artifacts: BTreeMap<Platform, Artifact> = found
        .into_iter()
        .map(|(platform, f)| {
            let bin = tool
                .bin
                .clone()
                .or_else(|| lookup.spec.bin.clone())
                .unwrap_or(f.bin);
            let artifact = Artifact::new(name, version, f.url, f.digest, f.format, bin);
            let artifact = match trees.as_mut().and_then(|t| t.remove(&platform)) {
                Some(members) => artifact.with_members(name, version, members),
                None => artifact,
            };
            (platform, artifact)
        })
        .collect();
    check_exposes(name, version, lookup.spec.backend, &artifacts, fetcher)?;
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
                    let contents = wheel::contents(&a.url, fetcher).with_context(|| {
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
        Backend::NodeDist | Backend::GoDist | Backend::ZigDist | Backend::PythonDist => Ok(()),
    }
}

/// `rel` resolved against the URL `base` it was found in (registries and
/// mirrors may answer with relative links).
pub fn join_url(base: &str, rel: &str) -> String {
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
pub fn node_names(platform: Platform) -> (&'static str, &'static str) {
    use crate::platform::{Arch, Os};
    let os = match platform.os {
        Os::Linux => "linux",
        Os::Macos => "darwin",
    };
    let arch = match platform.arch {
        Arch::X86_64 => "x64",
        Arch::Aarch64 => "arm64",
    };
    (os, arch)
}

/// Parses registry JSON, naming the URL when it is not what was expected.
pub fn parse_json<T: serde::de::DeserializeOwned>(text: &str, url: &str) -> Result<T> {
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
        };
        assert_eq!(m.base(Backend::ZigDist), "https://m.example/zig");
        assert_eq!(m.base(Backend::GoDist), "https://go.dev");
    }
}
