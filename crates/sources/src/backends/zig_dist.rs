//! Zig's download index: `<mirror>/download/index.json` maps each release
//! (and `master`, which devenv skips: its builds disappear) to one object
//! per target, `{"tarball": URL, "shasum": sha256, "size": "..."}`. The
//! mirror is `DEVENV_ZIG_MIRROR` or `[settings] mirrors.zig-dist`; tarball
//! URLs on the official host are rewritten to the mirror.

use super::{Found, Source, join_url, parse_json};
use anyhow::{Result, anyhow};
use devenv_model::digest::Digest;
use devenv_model::platform::Platform;
use devenv_model::version::{Release, Scheme};
use devenv_net::fetch::Fetcher;
use serde::Deserialize;
use std::collections::BTreeMap;

/// One target's download.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Target {
    pub(crate) tarball: String,
    pub(crate) shasum: String,
}

/// Zig's name for a platform: `x86_64-linux`, `aarch64-macos`...
pub(crate) fn target_key(platform: Platform) -> String {
    let (os, arch) = platform.names(devenv_model::platform::Dialect::Zig);
    format!("{arch}-{os}")
}

/// The releases of the index: version → its raw object (targets and
/// other fields such as `date` and `docs`).
pub(crate) fn parse_index(
    text: &str,
    url: &str,
) -> Result<BTreeMap<String, BTreeMap<String, serde_json::Value>>> {
    let mut index: BTreeMap<String, BTreeMap<String, serde_json::Value>> = parse_json(text, url)?;
    index.remove("master");
    Ok(index)
}

/// The tarball of `version` for each platform.
pub(crate) fn pin_release(
    base: &str,
    index_url: &str,
    version: &str,
    entry: &BTreeMap<String, serde_json::Value>,
    platforms: &[Platform],
) -> Result<BTreeMap<Platform, Found>> {
    let official = super::Mirrors::default_url(super::Backend::ZigDist);
    let mut out = BTreeMap::new();
    for &platform in platforms {
        let key = target_key(platform);
        let target: Target = entry
            .get(&key)
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .ok_or_else(|| {
                anyhow!("Zig {version} has no build for {platform} (`{key}`) in the index")
            })?;
        let digest = Digest::sha256_from_hex(&target.shasum)
            .ok_or_else(|| anyhow!("the shasum of {} is malformed", target.tarball))?;
        let mut url = join_url(index_url, &target.tarball);
        if base != official
            && let Some(rest) = url.strip_prefix(official)
        {
            url = format!("{base}{rest}");
        }
        out.insert(platform, Found::at(url, digest, &["."]));
    }
    Ok(out)
}

/// Zig's index, opened.
pub(crate) struct ZigDist {
    base: String,
    url: String,
    index: BTreeMap<String, BTreeMap<String, serde_json::Value>>,
    releases: Vec<Release>,
}

impl ZigDist {
    pub(crate) fn open(base: &str, fetcher: &Fetcher) -> Result<ZigDist> {
        let url = format!("{base}/download/index.json");
        let index = parse_index(&fetcher.get_text(&url)?, &url)?;
        let releases = super::releases_named(index.keys(), Scheme::Semver);
        Ok(ZigDist {
            base: base.to_string(),
            url,
            index,
            releases,
        })
    }
}

impl Source for ZigDist {
    fn releases(&self) -> &[Release] {
        &self.releases
    }

    fn pin(
        &self,
        release: &Release,
        platforms: &[Platform],
        _fetcher: &Fetcher,
    ) -> Result<BTreeMap<Platform, Found>> {
        let v = release.version.as_str();
        pin_release(&self.base, &self.url, v, &self.index[v], platforms)
    }
}

/// The `zig-dist` backend's registration.
pub(crate) const OPEN: super::Open = |o| Ok(Box::new(ZigDist::open(&o.base, o.fetcher)?));

#[cfg(test)]
mod tests {
    use super::*;
    use devenv_model::archive::Format;

    /// The shape of ziglang.org/download/index.json (abridged).
    const INDEX: &str = r#"{
      "master": {"version": "0.14.0-dev.2577+271452d22", "date": "2024-12-30",
        "x86_64-linux": {"tarball": "https://ziglang.org/builds/zig-linux-x86_64-0.14.0-dev.2577+271452d22.tar.xz", "shasum": "0000000000000000000000000000000000000000000000000000000000000000", "size": "49000000"}},
      "0.13.0": {"date": "2024-06-07", "docs": "https://ziglang.org/documentation/0.13.0/", "stdDocs": "https://ziglang.org/documentation/0.13.0/std/",
        "src": {"tarball": "https://ziglang.org/download/0.13.0/zig-0.13.0.tar.xz", "shasum": "06c73596beeccb71cc073805bdb9c0e05764128f16478fa53bf17dfabc1d8318", "size": "17220728"},
        "x86_64-linux": {"tarball": "https://ziglang.org/download/0.13.0/zig-linux-x86_64-0.13.0.tar.xz", "shasum": "d45312e61ebcc48032b77bc4cf7fd6915c11fa16e4aad116b66c9468211230ea", "size": "47082308"},
        "aarch64-macos": {"tarball": "https://ziglang.org/download/0.13.0/zig-macos-aarch64-0.13.0.tar.xz", "shasum": "46fae219656545dfaf4dce12fb4e8685cec5b51d721beee9389ab4194d43394c", "size": "42977496"}},
      "0.12.1": {"date": "2024-06-08",
        "x86_64-linux": {"tarball": "https://ziglang.org/download/0.12.1/zig-linux-x86_64-0.12.1.tar.xz", "shasum": "8860fc9725c2d9297a63008f853e9b11e3c5a2441217f99c1e3104cc6fa4a443", "size": "45512024"}}
    }"#;

    #[test]
    fn pins_tarballs_and_rewrites_them_to_the_mirror() {
        let index = parse_index(INDEX, "u").unwrap();
        assert_eq!(index.keys().collect::<Vec<_>>(), vec!["0.12.1", "0.13.0"]);
        let lx: Platform = "linux-x86_64".parse().unwrap();
        let ma: Platform = "macos-aarch64".parse().unwrap();
        let url = "https://ziglang.org/download/index.json";
        let pins = pin_release(
            "https://ziglang.org",
            url,
            "0.13.0",
            &index["0.13.0"],
            &[lx, ma],
        )
        .unwrap();
        assert_eq!(
            pins[&lx].url,
            "https://ziglang.org/download/0.13.0/zig-linux-x86_64-0.13.0.tar.xz"
        );
        assert_eq!(pins[&ma].format, Format::TarXz);
        let mirrored = pin_release(
            "https://m.example/zig",
            url,
            "0.13.0",
            &index["0.13.0"],
            &[lx],
        )
        .unwrap();
        assert_eq!(
            mirrored[&lx].url,
            "https://m.example/zig/download/0.13.0/zig-linux-x86_64-0.13.0.tar.xz"
        );
        let err = pin_release("b", url, "0.12.1", &index["0.12.1"], &[ma])
            .unwrap_err()
            .to_string();
        assert!(err.contains("no build for macos-aarch64"), "{err}");
    }
}
