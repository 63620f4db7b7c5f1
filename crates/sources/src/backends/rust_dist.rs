//! The `rust-dist` source: Rust toolchains from the official channel
//! manifests (`<mirror>/dist/channel-rust-stable.toml`,
//! `channel-rust-1.83.toml`, `channel-rust-1.83.0.toml`), the files rustup
//! reads. The mirror is `DEVENV_RUST_MIRROR` or `[settings]
//! mirrors.rust-dist`.
//!
//! A toolchain is its component tarballs for the platform — `rustc`,
//! `cargo`, `rust-std`, plus the tool's `components` (`clippy`, `rustfmt`,
//! `rust-src`...; renamed through the manifest's `[renames]`) and the
//! `rust-std` of each extra `targets` entry — each pinned with the
//! manifest's sha256 (`xz_hash`, else `hash`) and merged into one store
//! entry (the `rust-installer` layout). The manifest's own GPG signature
//! is not checked. Linux toolchains are the `-gnu` host builds.

use super::{Found, Opening, Source};
use anyhow::{Result, anyhow, bail};
use devenv_model::archive::Format;
use devenv_model::digest::Digest;
use devenv_model::lock::Part;
use devenv_model::platform::{Libc, Platform};
use devenv_model::version::{Release, Scheme, Version};
use devenv_net::fetch::Fetcher;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The `rust-dist` backend's registration.
pub(crate) const OPEN: super::Open = |o| Ok(Box::new(RustDist::open(o)?));

/// Components every toolchain has.
const BASE: [&str; 3] = ["rustc", "cargo", "rust-std"];

/// A channel manifest (`manifest-version = "2"`).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Manifest {
    #[serde(rename = "manifest-version")]
    pub(crate) manifest_version: String,
    #[serde(default)]
    pub(crate) date: String,
    pub(crate) pkg: BTreeMap<String, Pkg>,
    #[serde(default)]
    pub(crate) renames: BTreeMap<String, Rename>,
}

/// One package of a manifest.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Pkg {
    pub(crate) version: String,
    #[serde(default)]
    pub(crate) target: BTreeMap<String, Target>,
}

/// A package's build for one target (`*` for target-independent ones).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Target {
    pub(crate) available: bool,
    #[serde(default)]
    pub(crate) url: Option<String>,
    #[serde(default)]
    pub(crate) hash: Option<String>,
    #[serde(default)]
    pub(crate) xz_url: Option<String>,
    #[serde(default)]
    pub(crate) xz_hash: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Rename {
    pub(crate) to: String,
}

/// Which manifest answers a constraint: `stable`/`latest`, `1.83`, `1.83.0`.
pub(crate) fn channel_of(constraint: &str) -> Result<String> {
    let c = constraint.trim();
    if matches!(c, "stable" | "latest") {
        return Ok("stable".into());
    }
    let numeric = c.split('.').count() <= 3
        && c.split('.')
            .all(|p| !p.is_empty() && p.chars().all(|ch| ch.is_ascii_digit()));
    if numeric && c.starts_with("1.") {
        return Ok(c.to_string());
    }
    bail!(
        "a Rust toolchain is asked for as `stable`, a minor version (`1.83`) or an exact one (`1.83.0`), not `{c}`"
    )
}

/// Parses a channel manifest fetched from `url`.
pub(crate) fn parse_manifest(text: &str, url: &str) -> Result<Manifest> {
    let m: Manifest = toml::from_str(text)
        .map_err(|e| anyhow!("{url} is not a Rust channel manifest: {}", e.message()))?;
    if m.manifest_version != "2" {
        bail!(
            "{url} has manifest-version {}, and devenv reads version 2",
            m.manifest_version
        );
    }
    Ok(m)
}

impl Manifest {
    /// The release's version: `1.83.0` of `1.83.0 (90b35a623 2024-11-26)`.
    pub(crate) fn version(&self) -> Result<String> {
        let v = self
            .pkg
            .get("rust")
            .or_else(|| self.pkg.get("rustc"))
            .and_then(|p| p.version.split_whitespace().next())
            .ok_or_else(|| anyhow!("the channel manifest has no `rust` package"))?;
        Ok(v.to_string())
    }

    /// The archive of `component` for `target` (`*` tried second).
    fn part(&self, component: &str, target: &str, platform: Platform) -> Result<Part> {
        let name = self
            .renames
            .get(component)
            .map_or(component, |r| r.to.as_str());
        let pkg = self.pkg.get(name).ok_or_else(|| {
            let mut known: Vec<&str> = self.pkg.keys().map(String::as_str).collect();
            known.retain(|k| *k != "rust");
            anyhow!(
                "Rust has no component `{component}`; components are {}",
                known.join(", ")
            )
        })?;
        let t = pkg
            .target
            .get(target)
            .or_else(|| pkg.target.get("*"))
            .filter(|t| t.available)
            .ok_or_else(|| {
                anyhow!("the Rust component `{component}` is not available for {target} (needed for {platform})")
            })?;
        let (url, hash) = match (&t.xz_url, &t.xz_hash, &t.url, &t.hash) {
            (Some(u), Some(h), _, _) | (_, _, Some(u), Some(h)) => (u, h),
            _ => bail!("the Rust component `{component}` for {target} has no URL and hash"),
        };
        let digest = Digest::sha256_from_hex(hash)
            .ok_or_else(|| anyhow!("the sha256 of {url} is malformed: `{hash}`"))?;
        Ok(Part {
            url: url.clone(),
            digest,
            format: Format::from_url(url),
        })
    }
}

/// One channel manifest, opened.
pub(crate) struct RustDist {
    manifest: Manifest,
    base: String,
    releases: Vec<Release>,
    components: Vec<String>,
    targets: Vec<String>,
}

impl RustDist {
    pub(crate) fn open(o: &Opening) -> Result<RustDist> {
        let channel = channel_of(&o.tool.version)?;
        let url = format!("{}/dist/channel-rust-{channel}.toml", o.base);
        let text = o.fetcher.get_text(&url).map_err(|e| {
            let missing = e
                .downcast_ref::<devenv_net::fetch::FetchError>()
                .is_some_and(|f| f.status == Some(404));
            if missing {
                anyhow!("there is no Rust release `{channel}` ({url} does not exist); write `stable`, a minor version such as `1.83`, or an exact one")
            } else {
                e
            }
        })?;
        let manifest = parse_manifest(&text, &url)?;
        let version = manifest.version()?;
        let v = Version::parse(Scheme::Semver, &version)
            .ok_or_else(|| anyhow!("{url} names the version `{version}`, which is not one"))?;
        Ok(RustDist {
            manifest,
            base: o.base.clone(),
            releases: vec![Release::new(v)],
            components: o.tool.components.clone(),
            targets: o.tool.targets.clone(),
        })
    }
}

impl Source for RustDist {
    fn releases(&self) -> &[Release] {
        &self.releases
    }

    fn pin(
        &self,
        _release: &Release,
        platforms: &[Platform],
        _fetcher: &Fetcher,
    ) -> Result<BTreeMap<Platform, Found>> {
        let official = devenv_model::backend::Backend::RustDist.def().default_url;
        let mirror = |u: String| match u.strip_prefix(official) {
            Some(rest) if self.base != official => format!("{}{rest}", self.base),
            _ => u,
        };
        let mut out = BTreeMap::new();
        for &platform in platforms {
            let host = platform.rust_target(Libc::Gnu);
            let mut parts = Vec::new();
            for c in BASE
                .iter()
                .copied()
                .chain(self.components.iter().map(String::as_str))
            {
                if !parts.iter().any(|(n, _)| n == c) {
                    parts.push((c.to_string(), self.manifest.part(c, &host, platform)?));
                }
            }
            for t in &self.targets {
                if *t != host {
                    parts.push((
                        format!("rust-std-{t}"),
                        self.manifest.part("rust-std", t, platform)?,
                    ));
                }
            }
            let mut parts: Vec<Part> = parts
                .into_iter()
                .map(|(_, mut p)| {
                    p.url = mirror(p.url);
                    p
                })
                .collect();
            let main = parts.remove(0);
            let found = Found {
                url: main.url,
                digest: main.digest,
                format: main.format,
                bin: vec!["bin".into()],
                digest_from: Some(
                    format!("channel manifest {}", self.manifest.date)
                        .trim_end()
                        .to_string(),
                ),
                home: None,
                parts,
                layout: Some("rust-installer".into()),
                declared: None,
            };
            out.insert(platform, found);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_from_constraints() {
        assert_eq!(channel_of("stable").unwrap(), "stable");
        assert_eq!(channel_of("1.83").unwrap(), "1.83");
        assert_eq!(channel_of("1.83.0").unwrap(), "1.83.0");
        let err = channel_of("^1.80").unwrap_err().to_string();
        assert!(err.contains("`stable`, a minor version"), "{err}");
    }
}
