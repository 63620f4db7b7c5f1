//! devenv's sources of toolchains: the backends, which answer "which
//! versions exist" and "what artifact is that version on each platform",
//! and the resolution that turns a manifest's requests into lock entries.
//! Nothing here installs or lays out files: what a resolution needs
//! installed (uv for PyPI trees, npm for npm trees) comes in as an input.

// Tests write their fixtures and read the machine's variables directly.
#![cfg_attr(test, allow(clippy::disallowed_methods))]

pub mod backends;
pub mod resolve;
pub mod system;

use devenv_model::config::Config;
use devenv_model::lock::Artifact;
use devenv_model::platform::Platform;
use devenv_net::fetch::Fetcher;
use std::path::PathBuf;

/// What resolution is given by the command that runs it: the one
/// configuration, the HTTP client, and a way to have a pinned tool
/// installed (uv, which resolves Python trees) without this crate knowing
/// how installing works.
pub struct Cx<'a> {
    pub config: &'a Config,
    pub fetcher: &'a Fetcher,
    pub installer: &'a (dyn Installer + Sync),
    /// Where resolution's engines may keep their caches (uv's).
    pub cache: PathBuf,
}

impl Cx<'_> {
    /// The platform this command installs for.
    pub(crate) fn platform(&self) -> Platform {
        self.config.platform()
    }
}

/// Installs a pinned artifact for this machine, on resolution's behalf.
pub trait Installer {
    /// Makes sure `artifact` (tool `name` at `version`) is in the store and
    /// returns its entry's directory.
    fn install(&self, name: &str, version: &str, artifact: &Artifact) -> anyhow::Result<PathBuf>;

    /// Keeps what the definition of the freshly pinned `artifact` declares
    /// about its signatures (an aqua package's cosign, SLSA, minisign and
    /// attestation material), for lock time to fetch and verify. Resolution
    /// itself verifies nothing.
    fn declared(&self, _artifact: &Artifact, _material: backends::aqua::declared::Declared) {}
}
