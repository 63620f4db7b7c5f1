//! Node.js's own download index: `<mirror>/index.json` lists every release
//! (with its LTS codename), and `<mirror>/v<version>/SHASUMS256.txt` holds
//! the sha256 of each file of a release. The mirror is `DEVENV_NODE_MIRROR`
//! or `[settings] mirrors.node-dist`.

use super::{Found, Source, node_names, parse_json};
use anyhow::{Result, anyhow, bail};
use devenv_model::digest::Digest;
use devenv_model::platform::Platform;
use devenv_model::version::{Release, Scheme, Version};
use devenv_net::fetch::Fetcher;
use serde::Deserialize;
use std::collections::BTreeMap;

/// One entry of `index.json`.
#[derive(Debug, Deserialize)]
pub(crate) struct IndexEntry {
    /// `v22.11.0`.
    pub(crate) version: String,
    #[serde(default)]
    pub(crate) files: Vec<String>,
    /// `false`, or the LTS line's codename (`"Jod"`).
    #[serde(default)]
    pub(crate) lts: serde_json::Value,
}

/// The key `index.json` uses in `files` for a platform's tarball.
pub(crate) fn files_key(platform: Platform) -> String {
    match node_names(platform) {
        ("darwin", arch) => format!("osx-{arch}-tar"),
        (os, arch) => format!("{os}-{arch}"),
    }
}

/// Version → the platform keys of the files published for it.
pub(crate) type Files = BTreeMap<String, Vec<String>>;

/// Releases from `index.json`, with `lts` marked; also the files each has.
pub(crate) fn parse_index(text: &str, url: &str) -> Result<(Vec<Release>, Files)> {
    let entries: Vec<IndexEntry> = parse_json(text, url)?;
    let mut releases = Vec::new();
    let mut files = BTreeMap::new();
    for e in entries {
        let bare = e.version.trim_start_matches('v');
        let Some(v) = Version::parse(Scheme::Semver, bare) else {
            continue;
        };
        let mut r = Release::new(v);
        r.lts = Some(matches!(&e.lts, serde_json::Value::String(_)));
        files.insert(bare.to_string(), e.files);
        releases.push(r);
    }
    Ok((releases, files))
}

/// `SHASUMS256.txt`: file name → sha256.
pub(crate) fn parse_shasums(text: &str) -> BTreeMap<String, Digest> {
    text.lines()
        .filter_map(|line| {
            let (hex, name) = line.split_once(char::is_whitespace)?;
            let name = name.trim().trim_start_matches('*');
            Some((name.to_string(), Digest::sha256_from_hex(hex)?))
        })
        .collect()
}

/// Pins `version` for `platforms` from its file list and checksums:
/// `.tar.xz` where published, else `.tar.gz`.
pub(crate) fn pin_release(
    base: &str,
    version: &str,
    files: &[String],
    sums: &BTreeMap<String, Digest>,
    platforms: &[Platform],
) -> Result<BTreeMap<Platform, Found>> {
    let mut out = BTreeMap::new();
    for &platform in platforms {
        let key = files_key(platform);
        if !files.contains(&key) {
            bail!("Node.js {version} was not built for {platform} (its index lists no `{key}`)");
        }
        let (os, arch) = node_names(platform);
        let stem = format!("node-v{version}-{os}-{arch}");
        let (name, digest) = [".tar.xz", ".tar.gz"]
            .iter()
            .find_map(|ext| {
                let name = format!("{stem}{ext}");
                sums.get(&name).map(|d| (name, d.clone()))
            })
            .ok_or_else(|| {
                anyhow!("SHASUMS256.txt of Node.js {version} has no {stem}.tar.xz or .tar.gz")
            })?;
        let url = format!("{base}/v{version}/{name}");
        out.insert(platform, Found::at(url, digest, &["bin"]));
    }
    Ok(out)
}

/// Node.js's index, opened.
pub(crate) struct NodeDist {
    base: String,
    releases: Vec<Release>,
    files: Files,
}

impl NodeDist {
    pub(crate) fn open(base: &str, fetcher: &Fetcher) -> Result<NodeDist> {
        let url = format!("{base}/index.json");
        let (releases, files) = parse_index(&fetcher.get_text(&url)?, &url)?;
        Ok(NodeDist {
            base: base.to_string(),
            releases,
            files,
        })
    }
}

impl Source for NodeDist {
    fn releases(&self) -> &[Release] {
        &self.releases
    }

    fn pin(
        &self,
        release: &Release,
        platforms: &[Platform],
        fetcher: &Fetcher,
    ) -> Result<BTreeMap<Platform, Found>> {
        let version = release.version.as_str();
        let url = format!("{}/v{version}/SHASUMS256.txt", self.base);
        let sums = parse_shasums(&fetcher.get_text(&url)?);
        let files = self.files.get(version).map_or(&[][..], Vec::as_slice);
        pin_release(&self.base, version, files, &sums, platforms)
    }
}

/// The `node-dist` backend's registration.
pub(crate) const OPEN: super::Open = |o| Ok(Box::new(NodeDist::open(&o.base, o.fetcher)?));

#[cfg(test)]
mod tests {
    use super::*;
    use devenv_model::archive::Format;

    /// The shape of nodejs.org/dist/index.json (abridged entries).
    const INDEX: &str = r#"[
      {"version":"v23.3.0","date":"2024-11-20","files":["aix-ppc64","headers","linux-arm64","linux-x64","osx-arm64-tar","osx-x64-tar","src","win-x64-zip"],"npm":"10.9.0","v8":"12.9.202.28","uv":"1.49.1","zlib":"1.3.0.1-motley-82a5fec","openssl":"3.0.15+quic","modules":"131","lts":false,"security":false},
      {"version":"v22.11.0","date":"2024-10-29","files":["headers","linux-arm64","linux-x64","osx-arm64-tar","osx-x64-tar","src"],"npm":"10.9.0","lts":"Jod","security":false},
      {"version":"v22.10.0","date":"2024-10-16","files":["linux-arm64","linux-x64","osx-arm64-tar","osx-x64-tar"],"lts":false,"security":false},
      {"version":"v0.1.14","date":"2011-08-26","files":["src"],"lts":false,"security":false}
    ]"#;

    fn p(s: &str) -> Platform {
        s.parse().unwrap()
    }

    #[test]
    fn reads_versions_and_lts() {
        let (releases, _) = parse_index(INDEX, "u").unwrap();
        let c: devenv_model::version::Constraint = "lts".parse().unwrap();
        assert_eq!(c.select(&releases).unwrap().version.as_str(), "22.11.0");
        let c: devenv_model::version::Constraint = "latest".parse().unwrap();
        assert_eq!(c.select(&releases).unwrap().version.as_str(), "23.3.0");
    }

    #[test]
    fn pins_tarballs_with_shasums() {
        let (_, files) = parse_index(INDEX, "u").unwrap();
        let sums = parse_shasums(&format!(
            "{a}  node-v22.11.0-darwin-arm64.tar.gz\n{b}  node-v22.11.0-darwin-arm64.tar.xz\n{a}  node-v22.11.0-linux-x64.tar.gz\n",
            a = "1".repeat(64),
            b = "2".repeat(64)
        ));
        let pins = pin_release(
            "https://nodejs.org/dist",
            "22.11.0",
            &files["22.11.0"],
            &sums,
            &[p("linux-x86_64"), p("macos-aarch64")],
        )
        .unwrap();
        let mac = &pins[&p("macos-aarch64")];
        assert_eq!(
            mac.url,
            "https://nodejs.org/dist/v22.11.0/node-v22.11.0-darwin-arm64.tar.xz"
        );
        assert_eq!(mac.format, Format::TarXz);
        assert_eq!(mac.digest.to_string(), format!("sha256:{}", "2".repeat(64)));
        assert_eq!(pins[&p("linux-x86_64")].format, Format::TarGz);
        let err = pin_release(
            "b",
            "0.1.14",
            &files["0.1.14"],
            &sums,
            &[p("linux-aarch64")],
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("not built for linux-aarch64"), "{err}");
    }
}
