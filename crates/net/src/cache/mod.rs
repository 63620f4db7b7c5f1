//! Team caches: the lock's artifacts in OCI registries (or OCI image
//! layout directories), tried before upstream.
//!
//! `[settings] caches` (or `DEVENV_CACHES`, comma-separated, which wins; an
//! empty value turns caches off) lists caches in order. For every artifact
//! that is not in the store, [`download`] asks each cache for the manifest
//! tagged with the artifact's lock digest ([`oci::tag`]) and streams its
//! one layer; the bytes are hashed as the lock's digest is, and only bytes
//! that match are used, so a cache can never change what runs. A miss
//! (404) moves on; a cache that fails (unreachable, timed out, 5xx,
//! refused credentials) is skipped for the rest of the run after one
//! warning; a cache that serves other bytes than the lock pins gets a loud
//! warning naming it and the artifact. Upstream comes last, verified the
//! same way by the install stage. `--offline` never reaches a cache.

pub(crate) mod auth;
pub mod layout;
pub mod oci;
pub mod push;
pub(crate) mod registry;

use crate::fetch::Fetcher;
use anyhow::{Result, bail};
use devenv_model::config::vars;
use devenv_model::digest::Digest;
use devenv_model::lock::{Artifact, Lock};
use devenv_model::platform::Platform;
use devenv_model::ui;
use layout::Layout;
use registry::Registry;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

/// How long a cache may take to accept a connection or send the next
/// bytes: a cache that is down costs this once per run, not per artifact.
pub(crate) const CACHE_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a cache could not answer.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    /// Unreachable, timed out, or a 5xx: not used again this run.
    #[error("{0}")]
    Down(String),
    /// A definite refusal (401, 403, 413, …), with what to check.
    #[error("{message}")]
    Refused { status: u16, message: String },
    /// What the cache holds is not a usable devenv artifact.
    #[error("{0}")]
    Invalid(String),
    /// A local file could not be read or written.
    #[error("{0}")]
    Local(String),
}

pub use devenv_model::cache_spec::{Spec, is_loopback, printable};

/// What the environment says about caches, read once at the edge.
#[derive(Clone, Default)]
pub struct Env {
    /// `DEVENV_CACHES`: when set, replaces `[settings] caches` (empty: none).
    pub(crate) caches: Option<String>,
    /// Docker's `config.json`, for registry credentials.
    pub(crate) docker_config: Option<PathBuf>,
    /// Where relative `oci-layout:` entries of `DEVENV_CACHES` start.
    pub(crate) cwd: PathBuf,
}

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Env")
            .field("caches", &self.caches)
            .field("docker_config", &self.docker_config)
            .finish()
    }
}

impl Env {
    /// From `config`'s `DEVENV_CACHES`, and Docker's `DOCKER_CONFIG` and
    /// `HOME`. Credentials come from the fetcher's keyring.
    pub fn new(config: &devenv_model::config::Config) -> Env {
        Env {
            caches: config.var(&vars::CACHES).map(str::to_string),
            docker_config: auth::docker_config_path(
                // Docker's own setting, not devenv's: read where Docker reads it.
                devenv_model::config::outer_var("DOCKER_CONFIG").as_deref(),
                dirs::home_dir().as_deref(),
            ),
            cwd: std::env::current_dir().unwrap_or_default(),
        }
    }

    /// The caches in force: `DEVENV_CACHES` when set, else `manifest`'s
    /// (relative layout paths from `root`).
    pub fn specs(&self, manifest: &[String], root: &Path) -> Result<Vec<Spec>> {
        let (entries, base, source): (Vec<&str>, &Path, &str) = match &self.caches {
            Some(list) => (list.split(',').collect(), &self.cwd, vars::CACHES.name),
            None => (
                manifest.iter().map(String::as_str).collect(),
                root,
                "[settings] caches",
            ),
        };
        let mut specs = Vec::new();
        for entry in entries.into_iter().map(str::trim).filter(|e| !e.is_empty()) {
            match Spec::parse(entry, base) {
                Ok(spec) if !specs.contains(&spec) => specs.push(spec),
                Ok(_) => {}
                Err(e) => bail!("{source}: {e}"),
            }
        }
        Ok(specs)
    }
}

/// A cache to talk to.
pub enum Backend {
    Registry(Box<Registry>),
    Layout(Layout),
}

impl Backend {
    /// Opens the cache `spec` describes, with the credentials the user tied
    /// to its host (see [`crate::credentials`]): `DEVENV_CACHE_TOKEN`, else
    /// Docker's `auths` entry for the host.
    pub fn open(spec: &Spec, env: &Env, fetcher: &Fetcher) -> Backend {
        match spec {
            Spec::Layout(dir) => {
                Backend::Layout(Layout::new(dir.clone(), fetcher.settings().max_bytes))
            }
            Spec::Registry {
                display,
                scheme,
                host,
                repo,
            } => {
                let docker = env.docker_config.clone().unwrap_or_default();
                let base = format!("{scheme}://{host}");
                let keyring = fetcher.keyring();
                let creds = match keyring.cache_token(&base) {
                    Some(t) => Some(auth::Credentials::Token(t)),
                    None => auth::from_docker_config(&docker, host)
                        .unwrap_or_else(|e| {
                            ui::warn(format!("{display}: no credentials used: {e}"));
                            None
                        })
                        .filter(|_| keyring.docker_auth_allowed(&base)),
                };
                Backend::Registry(Box::new(Registry::new(
                    display.clone(),
                    base,
                    repo.clone(),
                    fetcher.for_cache(CACHE_TIMEOUT),
                    creds,
                    docker.display().to_string(),
                )))
            }
        }
    }

    /// How messages name this cache.
    pub fn name(&self) -> &str {
        match self {
            Backend::Registry(r) => &r.display,
            Backend::Layout(l) => &l.display,
        }
    }

    /// Whether the cache holds the artifact tagged `tag`.
    pub fn has(&self, tag: &str) -> Result<bool, CacheError> {
        match self {
            Backend::Registry(r) => r.has(tag),
            Backend::Layout(l) => l.has(tag),
        }
    }

    /// Streams the artifact tagged `tag` into `dest` (see [`Registry::pull`]).
    pub(crate) fn pull(
        &self,
        tag: &str,
        want: oci::Want<'_>,
        dest: &Path,
        progress: &mut dyn FnMut(u64, Option<u64>),
    ) -> Result<Option<(Digest, u64)>, CacheError> {
        match self {
            Backend::Registry(r) => r.pull(tag, want, dest, progress),
            Backend::Layout(l) => l.pull(tag, want, dest, progress),
        }
    }

    /// Stores one artifact (see [`Registry::push`]); returns bytes written.
    pub(crate) fn push(
        &self,
        tag: &str,
        manifest: &[u8],
        layer: &Path,
        layer_digest: &str,
        size: u64,
    ) -> Result<u64, CacheError> {
        match self {
            Backend::Registry(r) => r.push(tag, manifest, layer, layer_digest, size),
            Backend::Layout(l) => l.push(tag, manifest, layer, layer_digest, size),
        }
    }
}

struct Entry {
    backend: Backend,
    /// Failed once this run: skipped from now on.
    dead: AtomicBool,
    /// Artifacts served this run.
    hits: AtomicUsize,
}

/// The caches of one run, in order, with what happened to each.
pub struct Caches {
    entries: Vec<Entry>,
    /// Fall back to upstream when no cache has an artifact.
    pub(crate) upstream: bool,
}

impl Caches {
    /// The caches in `backends`, in order.
    pub fn new(backends: Vec<Backend>, upstream: bool) -> Caches {
        Caches {
            entries: backends
                .into_iter()
                .map(|backend| Entry {
                    backend,
                    dead: AtomicBool::new(false),
                    hits: AtomicUsize::new(0),
                })
                .collect(),
            upstream,
        }
    }

    /// The caches a project uses (see [`Env::specs`]), ready to attach to
    /// a fetcher; `None` when there are none or devenv is offline.
    pub fn configure(
        manifest: &[String],
        root: &Path,
        env: &Env,
        fetcher: &Fetcher,
    ) -> Result<Option<Arc<Caches>>> {
        let specs = env.specs(manifest, root)?;
        if specs.is_empty() || fetcher.offline {
            return Ok(None);
        }
        let backends = specs
            .iter()
            .map(|s| Backend::open(s, env, fetcher))
            .collect();
        Ok(Some(Arc::new(Caches::new(backends, true))))
    }

    /// The caches, in order.
    pub(crate) fn backends(&self) -> impl Iterator<Item = &Backend> {
        self.entries.iter().map(|e| &e.backend)
    }

    /// How many artifacts each cache served this run, in order.
    pub fn hits(&self) -> Vec<(String, usize)> {
        self.entries
            .iter()
            .map(|e| (e.backend.name().to_string(), e.hits.load(Ordering::Relaxed)))
            .collect()
    }

    /// Marks `entry` dead for the rest of the run, warning the first time.
    fn fail(&self, entry: &Entry, error: &CacheError) {
        if !entry.dead.swap(true, Ordering::SeqCst) {
            ui::warn(format!(
                "{error}; not using this cache for the rest of this run"
            ));
        }
    }

    /// Fetches `artifact` from the first cache that has it, verified
    /// against the lock; `None` when none could serve it.
    fn pull(
        &self,
        tool: &str,
        version: &str,
        artifact: &Artifact,
        dest: &Path,
        progress: &mut dyn FnMut(u64, Option<u64>),
    ) -> Option<(Digest, u64)> {
        let tag = oci::tag(&artifact.digest);
        for entry in &self.entries {
            if entry.dead.load(Ordering::SeqCst) {
                continue;
            }
            let name = entry.backend.name();
            let want = oci::Want::Pinned(&artifact.digest);
            match entry.backend.pull(&tag, want, dest, progress) {
                Ok(Some((digest, bytes))) if digest == artifact.digest => {
                    entry.hits.fetch_add(1, Ordering::Relaxed);
                    ui::verbose(format!(
                        "{tool} {version}: from {name} ({})",
                        ui::human_bytes(bytes)
                    ));
                    return Some((digest, bytes));
                }
                Ok(Some((digest, _))) => ui::warn(format!(
                    "REFUSED what {name} served for {tool} {version}: it does not match the lock\n  expected: {}\n  actual:   {digest}\n\
                     Nothing from it was installed. Someone or something wrote other bytes under this artifact's tag ({tag}): check who can push to this cache.",
                    artifact.digest
                )),
                Ok(None) => ui::verbose(format!("{tool} {version}: not in {name}")),
                Err(CacheError::Invalid(reason)) => ui::warn(format!(
                    "{name} has an unusable entry for {tool} {version} ({tag}): {reason}; not used"
                )),
                Err(e) => self.fail(entry, &e),
            }
            let _ = std::fs::remove_file(dest);
        }
        None
    }
}

impl Caches {
    /// Fetches the built tree of `artifact` (a tar.gz of the entry) from
    /// the first cache that has its build; `None` when none could serve it.
    fn pull_built(
        &self,
        tool: &str,
        version: &str,
        artifact: &Artifact,
        dest: &Path,
    ) -> Option<u64> {
        let key = artifact.derived_key(tool);
        let tag = oci::build_tag(&key);
        let want = oci::Want::Built {
            source: &artifact.digest,
            key: &key,
        };
        for entry in &self.entries {
            if entry.dead.load(Ordering::SeqCst) {
                continue;
            }
            let name = entry.backend.name();
            match entry.backend.pull(&tag, want, dest, &mut |_, _| {}) {
                Ok(Some((_, bytes))) => {
                    entry.hits.fetch_add(1, Ordering::Relaxed);
                    ui::verbose(format!(
                        "{tool} {version}: its build from {name} ({})",
                        ui::human_bytes(bytes)
                    ));
                    return Some(bytes);
                }
                Ok(None) => ui::verbose(format!("{tool} {version}: no build in {name}")),
                Err(CacheError::Invalid(reason)) => ui::warn(format!(
                    "{name} has an unusable build of {tool} {version} ({tag}): {reason}; not used"
                )),
                Err(e) => self.fail(entry, &e),
            }
            let _ = std::fs::remove_file(dest);
        }
        None
    }
}

/// Where pinned artifacts come from: the team caches (when any are
/// configured), then upstream through the one HTTP client. The install
/// stage is handed one; the client itself knows nothing of caches.
#[derive(Clone)]
pub struct Downloads {
    pub fetcher: Fetcher,
    caches: Option<Arc<Caches>>,
}

impl Downloads {
    /// Upstream only.
    pub fn upstream(fetcher: &Fetcher) -> Downloads {
        Downloads::with_caches(fetcher, None)
    }

    /// `caches` first (when some), then upstream unless they say otherwise.
    pub fn with_caches(fetcher: &Fetcher, caches: Option<Arc<Caches>>) -> Downloads {
        Downloads {
            fetcher: fetcher.clone(),
            caches,
        }
    }

    /// The team caches consulted, if any.
    pub fn caches(&self) -> Option<&Caches> {
        self.caches.as_deref()
    }

    /// The built tree of `artifact` (a built entry) from the first team
    /// cache that has it, as a tar.gz in `dest`; `None` when there are no
    /// caches, devenv is offline, or none has it (then it is built here).
    pub fn built(
        &self,
        tool: &str,
        version: &str,
        artifact: &Artifact,
        dest: &Path,
    ) -> Option<u64> {
        let caches = self
            .caches()
            .filter(|c| !self.fetcher.offline || !c.upstream)?;
        caches.pull_built(tool, version, artifact, dest)
    }

    /// Downloads `artifact` into `dest`: from the first cache that has it
    /// (when there are caches and the client is online), else from
    /// upstream. Returns the digest of the bytes (in the lock digest's
    /// algorithm) and their count; the caller verifies it exactly as for
    /// any download.
    pub fn download(
        &self,
        tool: &str,
        version: &str,
        artifact: &Artifact,
        dest: &Path,
        progress: &mut dyn FnMut(u64, Option<u64>),
    ) -> Result<(Digest, u64)> {
        let fetcher = &self.fetcher;
        // Offline, no cache is touched; caches without upstream are the one
        // explicit exception (`cache import` reads a local layout).
        if let Some(caches) = self.caches().filter(|c| !fetcher.offline || !c.upstream) {
            if let Some(got) = caches.pull(tool, version, artifact, dest, progress) {
                return Ok(got);
            }
            if !caches.upstream {
                let names: Vec<&str> = caches.backends().map(Backend::name).collect();
                bail!(
                    "{tool} {version} ({}) is not in {}",
                    oci::tag_of(tool, artifact),
                    names.join(", ")
                );
            }
        }
        fetcher.download(&artifact.url, dest, artifact.digest.algorithm, progress)
    }
}

/// One artifact of a lock.
#[derive(Debug, Clone, Copy)]
pub struct Item<'a> {
    pub tool: &'a str,
    pub version: &'a str,
    pub platform: Platform,
    pub artifact: &'a Artifact,
}

impl Item<'_> {
    /// `node 22.1.0 (linux-x86_64)`.
    pub fn label(&self) -> String {
        format!("{} {} ({})", self.tool, self.version, self.platform)
    }
}

/// The artifacts of `lock` for `platform` (every platform when `None`),
/// of the tools named (all when empty; an unknown name is an error).
pub fn items<'a>(
    lock: &'a Lock,
    platform: Option<Platform>,
    tools: &[String],
) -> Result<Vec<Item<'a>>> {
    for t in tools {
        if !lock.tools.contains_key(t) {
            let known: Vec<&str> = lock.tools.keys().map(String::as_str).collect();
            bail!(
                "`{t}` is not in devenv.lock (it pins: {})",
                known.join(", ")
            );
        }
    }
    let mut out = Vec::new();
    for (name, tool) in &lock.tools {
        if !tools.is_empty() && !tools.contains(name) {
            continue;
        }
        for (p, artifact) in &tool.artifacts {
            if platform.is_none_or(|want| want == *p) {
                out.push(Item {
                    tool: name,
                    version: &tool.version,
                    platform: *p,
                    artifact,
                });
            }
        }
    }
    Ok(out)
}

/// What an item's manifest records: every platform of its tool in the
/// lock that pins the same bytes is named, so the manifest does not
/// depend on which platform pushed it.
pub(crate) fn info(lock: &Lock, item: &Item) -> oci::ArtifactInfo {
    let platforms: Vec<String> = lock.tools[item.tool]
        .artifacts
        .iter()
        .filter(|(_, a)| oci::tag_of(item.tool, a) == oci::tag_of(item.tool, item.artifact))
        .map(|(p, _)| p.to_string())
        .collect();
    oci::ArtifactInfo {
        tool: item.tool.to_string(),
        version: item.version.to_string(),
        platforms: platforms.join(","),
        url: item.artifact.url.clone(),
        digest: item.artifact.digest.clone(),
        build: item
            .artifact
            .build
            .as_ref()
            .map(|_| item.artifact.derived_key(item.tool)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Spec, String> {
        Spec::parse(s, Path::new("/proj"))
    }

    #[test]
    fn cache_urls() {
        let https = parse("oci://registry.example.com/acme/devenv-cache").unwrap();
        assert!(
            matches!(&https, Spec::Registry { scheme: "https", repo, .. } if repo == "acme/devenv-cache")
        );
        assert!(matches!(
            parse("oci://127.0.0.1:5000/c").unwrap(),
            Spec::Registry { scheme: "http", .. }
        ));
        assert!(matches!(
            parse("oci://localhost:5000/c").unwrap(),
            Spec::Registry { scheme: "http", .. }
        ));
        assert!(matches!(
            parse("oci://[::1]:5000/c").unwrap(),
            Spec::Registry { scheme: "http", .. }
        ));
        assert!(matches!(
            parse("oci://10.0.0.1:5000/c").unwrap(),
            Spec::Registry {
                scheme: "https",
                ..
            }
        ));
        assert!(matches!(
            parse("oci+http://cache.lan:5000/c").unwrap(),
            Spec::Registry { scheme: "http", .. }
        ));
        assert!(matches!(
            parse("oci+https://localhost/c").unwrap(),
            Spec::Registry {
                scheme: "https",
                ..
            }
        ));
        assert_eq!(
            parse("oci-layout:cache").unwrap(),
            Spec::Layout("/proj/cache".into())
        );
        assert!(
            parse("oci://user:pw@host/c")
                .unwrap_err()
                .contains("credentials")
        );
        assert!(parse("oci://host/Upper").is_err());
        assert!(parse("oci://host").is_err());
        assert!(parse("https://host/c").unwrap_err().contains("oci://"));
        assert!(parse("oci://ho st/c").is_err());
    }

    #[test]
    fn devenv_caches_overrides_and_empty_disables() {
        let manifest = vec!["oci://a.example/c".to_string()];
        let env = |v: Option<&str>| Env {
            caches: v.map(str::to_string),
            cwd: "/cwd".into(),
            ..Env::default()
        };
        let root = Path::new("/proj");
        assert_eq!(env(None).specs(&manifest, root).unwrap().len(), 1);
        assert!(env(Some("")).specs(&manifest, root).unwrap().is_empty());
        let both = env(Some("oci://b.example/c, oci-layout:x"))
            .specs(&manifest, root)
            .unwrap();
        assert_eq!(both[0].display(), "oci://b.example/c");
        assert_eq!(both[1], Spec::Layout("/cwd/x".into()));
        assert!(
            env(Some("nope"))
                .specs(&manifest, root)
                .unwrap_err()
                .to_string()
                .contains("DEVENV_CACHES")
        );
    }
}
