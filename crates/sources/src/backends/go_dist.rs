//! Go's download index: `<mirror>/dl/?mode=json&include=all` lists every
//! release and each file with its sha256; files download from
//! `<mirror>/dl/<filename>`. The mirror is `DEVENV_GO_MIRROR` or
//! `[settings] mirrors.go-dist`.

use super::{Found, Source, parse_json};
use anyhow::{Result, anyhow};
use devenv_model::digest::Digest;
use devenv_model::platform::Platform;
use devenv_model::version::{Release, Scheme};
use devenv_net::fetch::Fetcher;
use serde::Deserialize;
use std::collections::BTreeMap;

/// One release of the index.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GoRelease {
    /// `go1.23.4`.
    pub(crate) version: String,
    #[serde(default)]
    pub(crate) files: Vec<GoFile>,
}

/// One file of a release.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GoFile {
    pub(crate) filename: String,
    pub(crate) os: String,
    pub(crate) arch: String,
    pub(crate) sha256: String,
    /// `archive`, `installer` or `source`.
    pub(crate) kind: String,
}

/// Go's name for a platform: (`linux`|`darwin`, `amd64`|`arm64`).
pub(crate) fn go_names(platform: Platform) -> (&'static str, &'static str) {
    platform.names(devenv_model::platform::Dialect::Go)
}

/// The index's releases (`go1.21rc2` → `1.21rc2`, a pre-release).
pub(crate) fn parse_index(text: &str, url: &str) -> Result<BTreeMap<String, GoRelease>> {
    let list: Vec<GoRelease> = parse_json(text, url)?;
    Ok(list
        .into_iter()
        .map(|r| (r.version.trim_start_matches("go").to_string(), r))
        .collect())
}

/// The archive of `release` for each platform.
pub(crate) fn pin_release(
    base: &str,
    release: &GoRelease,
    platforms: &[Platform],
) -> Result<BTreeMap<Platform, Found>> {
    let mut out = BTreeMap::new();
    for &platform in platforms {
        let (os, arch) = go_names(platform);
        let file = release
            .files
            .iter()
            .find(|f| f.os == os && f.arch == arch && f.kind == "archive")
            .ok_or_else(|| {
                anyhow!(
                    "Go {} has no archive for {platform} ({os}-{arch}) in the index",
                    release.version
                )
            })?;
        let digest = Digest::sha256_from_hex(&file.sha256)
            .ok_or_else(|| anyhow!("the sha256 of {} is malformed", file.filename))?;
        let url = format!("{base}/dl/{}", file.filename);
        out.insert(platform, Found::at(url, digest, &["bin"]));
    }
    Ok(out)
}

/// Go's index, opened.
pub(crate) struct GoDist {
    base: String,
    index: BTreeMap<String, GoRelease>,
    releases: Vec<Release>,
}

impl GoDist {
    pub(crate) fn open(base: &str, fetcher: &Fetcher) -> Result<GoDist> {
        let url = format!("{base}/dl/?mode=json&include=all");
        let index = parse_index(&fetcher.get_text(&url)?, &url)?;
        let releases = super::releases_named(index.keys(), Scheme::Semver);
        Ok(GoDist {
            base: base.to_string(),
            index,
            releases,
        })
    }
}

impl Source for GoDist {
    fn releases(&self) -> &[Release] {
        &self.releases
    }

    fn pin(
        &self,
        release: &Release,
        platforms: &[Platform],
        _fetcher: &Fetcher,
    ) -> Result<BTreeMap<Platform, Found>> {
        let r = &self.index[release.version.as_str()];
        pin_release(&self.base, r, platforms)
    }
}

/// The `go-dist` backend's registration.
pub(crate) const OPEN: super::Open = |o| Ok(Box::new(GoDist::open(&o.base, o.fetcher)?));

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape of go.dev/dl/?mode=json&include=all (abridged).
    pub(super) const INDEX: &str = r#"[
     {"version": "go1.23.4", "stable": true, "files": [
       {"filename": "go1.23.4.src.tar.gz", "os": "", "arch": "", "version": "go1.23.4", "sha256": "ad345ac421e90814293a9699cca19dd5238251c3f687980bbcae28495b263531", "size": 28160187, "kind": "source"},
       {"filename": "go1.23.4.darwin-arm64.pkg", "os": "darwin", "arch": "arm64", "version": "go1.23.4", "sha256": "1111111111111111111111111111111111111111111111111111111111111111", "size": 1, "kind": "installer"},
       {"filename": "go1.23.4.darwin-arm64.tar.gz", "os": "darwin", "arch": "arm64", "version": "go1.23.4", "sha256": "87d2bb0ad4fe24d2a0685a55df321e0efe4296419a9b3de03369dbe60b8acd3a", "size": 71796541, "kind": "archive"},
       {"filename": "go1.23.4.linux-amd64.tar.gz", "os": "linux", "arch": "amd64", "version": "go1.23.4", "sha256": "6924efde5de86fe277676e929dc9917d466efa02fb934197bc2eba35d5680971", "size": 73645009, "kind": "archive"}
     ]},
     {"version": "go1.24rc1", "stable": false, "files": []},
     {"version": "go1.20", "stable": false, "files": []}
    ]"#;

    #[test]
    fn pins_archives_from_the_index() {
        let index = parse_index(INDEX, "u").unwrap();
        assert!(index.contains_key("1.24rc1") && index.contains_key("1.20"));
        let lx: Platform = "linux-x86_64".parse().unwrap();
        let ma: Platform = "macos-aarch64".parse().unwrap();
        let pins = pin_release("https://go.dev", &index["1.23.4"], &[lx, ma]).unwrap();
        assert_eq!(
            pins[&ma].url,
            "https://go.dev/dl/go1.23.4.darwin-arm64.tar.gz"
        );
        assert_eq!(
            pins[&lx].digest.to_string(),
            "sha256:6924efde5de86fe277676e929dc9917d466efa02fb934197bc2eba35d5680971"
        );
        let la: Platform = "linux-aarch64".parse().unwrap();
        let err = pin_release("b", &index["1.23.4"], &[la])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("no archive for linux-aarch64 (linux-arm64)"),
            "{err}"
        );
    }
}
