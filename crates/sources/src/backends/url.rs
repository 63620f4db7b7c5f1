//! The `url` source: a URL template with `{version}`, `{os}`, `{arch}`.
//!
//! The version is exact, so resolution is only rendering the template for
//! each platform and finding the digest: declared in the manifest, or
//! — trusted on first use — the digest of the download itself.

use anyhow::{Result, bail};
use devenv_model::archive::Format;
use devenv_model::digest::Algorithm;
use devenv_model::lock::{Artifact, LockedTool, request_key};
use devenv_model::manifest::{Request, Sha256Spec, UrlTool};
use devenv_model::platform::Platform;
use devenv_model::ui;
use std::collections::BTreeMap;

pub(crate) use devenv_model::manifest::render_url as render;

/// Pins `tool` (named `name`) for every platform in `platforms`.
pub(crate) fn resolve(
    name: &str,
    tool: &UrlTool,
    platforms: &[Platform],
    cx: &crate::Cx<'_>,
) -> Result<LockedTool> {
    let fetcher = &cx.fetcher;
    let mut artifacts = BTreeMap::new();
    for &platform in platforms {
        let url = render(tool, platform);
        let declared = match &tool.sha256 {
            Sha256Spec::None => None,
            Sha256Spec::Current(d) if platform == cx.platform() => Some(d.clone()),
            Sha256Spec::Current(_) => None,
            Sha256Spec::PerPlatform(map) => match map.get(&platform) {
                Some(d) => Some(d.clone()),
                None if map.is_empty() => None,
                None => bail!(
                    "tool `{name}` lists sha256 digests, but none for {platform}; add `{platform} = \"...\"` to its sha256 table or remove {platform} from settings.platforms"
                ),
            },
        };
        let digest = match declared {
            Some(d) => d,
            None => {
                let d = fetcher.digest_of(&url, Algorithm::Sha256)?;
                ui::info(format!(
                    "{name} {} ({platform}): no sha256 in devenv.toml, so the download was trusted on first use and its digest {d} recorded in devenv.lock",
                    tool.version
                ));
                d
            }
        };
        let bin = tool.bin.clone().unwrap_or_default();
        artifacts.insert(
            platform,
            Artifact::new(
                name,
                &tool.version,
                url.clone(),
                digest,
                Format::from_url(&url),
                bin,
            ),
        );
    }
    Ok(LockedTool {
        version: tool.version.clone(),
        requested: request_key(&Request::Url(tool.clone())),
        source: "url".into(),
        artifacts,
    })
}
