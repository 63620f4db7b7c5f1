//! Sources of toolchains. A backend answers two questions — which versions
//! exist, and for a version and platform, what artifact to download — and
//! never writes files.

pub mod url;

use crate::fetch::Fetcher;
use crate::lock::LockedTool;
use crate::manifest::{Manifest, RegistryTool};
use crate::platform::Platform;
use anyhow::{Result, bail};

/// Pins a catalog or `backend:package` tool for every platform.
pub fn resolve_registry(
    name: &str,
    tool: &RegistryTool,
    manifest: &Manifest,
    platforms: &[Platform],
    fetcher: &Fetcher,
) -> Result<LockedTool> {
    let _ = (tool, manifest, platforms, fetcher);
    bail!(
        "unknown tool `{name}`; pin it by URL: `{name} = {{ version = \"...\", url = \"https://...\" }}`"
    )
}
