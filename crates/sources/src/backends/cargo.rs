//! The Rust crate registry: `cargo:NAME` tools, built from their crates.
//!
//! A registry's sparse index (`DEVENV_CARGO_INDEX`, `[settings] mirrors`
//! `cargo`, else the public one) serves `config.json`, whose `dl` says
//! where `.crate` files are, and one file per crate at a path made of the
//! name (`1/a`, `2/ab`, `3/a/abc`, `ab/cd/abcd…`): one JSON object per line
//! and version, with its sha256 (`cksum`) and whether it was yanked.
//! Yanked versions are never chosen. A crate is pinned by that checksum;
//! what its build makes is only known once it is built, so the lock says
//! it is built (see [`devenv_model::lock::Build`]) and `install` builds it.

use super::{Found, Opening, Source, parse_json};
use anyhow::{Result, anyhow, bail};
use devenv_model::archive::Format;
use devenv_model::digest::Digest;
use devenv_model::lock::TOOLCHAIN_SYSTEM;
use devenv_model::manifest::RegistryTool;
use devenv_model::platform::Platform;
use devenv_model::version::{Release, Scheme, Version};
use devenv_net::fetch::Fetcher;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The `cargo` backend's registration.
pub(crate) const OPEN: super::Open = |o| Ok(Box::new(Crate::open(o)?));

/// The largest index file read (the biggest real ones are a few MiB).
const MAX_INDEX_BYTES: usize = 32 << 20;
/// The most versions one crate may list.
const MAX_VERSIONS: usize = 50_000;
/// The longest crate name the registry allows.
const MAX_NAME: usize = 64;

/// What a crate's build exposes: `cargo install --root` puts the binaries
/// in `bin/`.
pub(crate) const BIN: &str = "bin";

/// `config.json` of a sparse index.
#[derive(Debug, Deserialize)]
struct Config {
    dl: String,
}

/// One line of an index file: one version of the crate.
#[derive(Debug, Deserialize)]
struct Line {
    name: String,
    vers: String,
    cksum: String,
    #[serde(default)]
    yanked: bool,
}

/// One crate at one registry, opened.
pub(crate) struct Crate {
    name: String,
    dl: String,
    /// Each version's checksum, by version text.
    sums: BTreeMap<String, Digest>,
    releases: Vec<Release>,
    yanked: usize,
}

/// Whether `name` is a crate name: ASCII letters, digits, `-` and `_`,
/// starting with a letter, at most 64 characters.
pub(crate) fn valid_name(name: &str) -> bool {
    name.len() <= MAX_NAME
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The directory of the index that holds `name`'s file, in the name's
/// own case: `1`, `2`, `3/a`, `ab/cd`. (`name` is a valid crate name, so
/// ASCII.)
fn prefix(name: &str) -> String {
    match name.len() {
        1 => "1".into(),
        2 => "2".into(),
        3 => format!("3/{}", &name[..1]),
        _ => format!("{}/{}", &name[..2], &name[2..4]),
    }
}

/// Where the index keeps the file of `name` (lowercased): `1/a`, `2/ab`,
/// `3/a/abc`, `ab/cd/abcd`.
pub(crate) fn index_path(name: &str) -> String {
    let name = name.to_ascii_lowercase();
    format!("{}/{name}", prefix(&name))
}

/// The download URL of `name` at `version` from the index's `dl`: its
/// markers replaced, or `/{crate}/{version}/download` appended when it
/// has none (as cargo does).
pub(crate) fn download_url(dl: &str, name: &str, version: &str, cksum: &Digest) -> String {
    let markers = [
        "{crate}",
        "{version}",
        "{prefix}",
        "{lowerprefix}",
        "{sha256-checksum}",
    ];
    if !markers.iter().any(|m| dl.contains(m)) {
        return format!("{}/{name}/{version}/download", dl.trim_end_matches('/'));
    }
    dl.replace("{crate}", name)
        .replace("{version}", version)
        .replace("{prefix}", &prefix(name))
        .replace("{lowerprefix}", &prefix(&name.to_ascii_lowercase()))
        .replace(
            "{sha256-checksum}",
            &devenv_model::digest::hex(&cksum.bytes),
        )
}

/// The versions of `name` an index file lists: each with its checksum,
/// yanked ones counted but not offered. Lines of other crates, malformed
/// lines and versions that are not semver are refused by name.
fn parse_index(text: &str, name: &str, url: &str) -> Result<(BTreeMap<String, Digest>, usize)> {
    if text.len() > MAX_INDEX_BYTES {
        bail!(
            "{url} is larger than {} MiB, more than any crate's index file",
            MAX_INDEX_BYTES >> 20
        );
    }
    let mut sums = BTreeMap::new();
    let mut yanked = 0;
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        if n >= MAX_VERSIONS {
            bail!("{url} lists more than {MAX_VERSIONS} versions");
        }
        let entry: Line = serde_json::from_str(line)
            .map_err(|e| anyhow!("{url} line {}: not an index entry ({e})", n + 1))?;
        if !entry.name.eq_ignore_ascii_case(name) {
            bail!(
                "{url} line {}: it describes the crate `{}`, not `{name}`",
                n + 1,
                devenv_model::ui::escape_controls(&entry.name)
            );
        }
        let hex_ok = entry.cksum.len() == 64
            && entry
                .cksum
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !hex_ok {
            bail!(
                "{url} line {}: the checksum of {} is not a sha256 in hex",
                n + 1,
                devenv_model::ui::escape_controls(&entry.vers)
            );
        }
        if entry.yanked {
            yanked += 1;
            continue;
        }
        if Version::parse(Scheme::Semver, &entry.vers).is_none() || entry.vers.len() > 128 {
            continue;
        }
        let digest: Digest = format!("sha256:{}", entry.cksum)
            .parse()
            .map_err(|e: String| anyhow!("{url} line {}: {e}", n + 1))?;
        sums.insert(entry.vers, digest);
    }
    Ok((sums, yanked))
}

/// The toolchain a crate tool is built by, as the lock names it: this
/// machine's `rustc` with `source = "system"` (its version asked now),
/// else the project's `rust`, whose version [`crate::resolve`] fills in
/// once every tool is pinned.
pub(crate) fn toolchain(name: &str, tool: &RegistryTool) -> Result<String> {
    if tool.source.as_deref() != Some("system") {
        return Ok(PROJECT_RUST.to_string());
    }
    let path = devenv_model::config::outer_var("PATH").unwrap_or_default();
    let version = host_rustc(&path).ok_or_else(|| {
        anyhow!(
            "`{name}` is built with this machine's cargo (`source = \"system\"`), and no working `rustc` is on PATH; install Rust, or drop `source = \"system\"` and add `rust = \"1\"` to [tools] to build it with a pinned toolchain"
        )
    })?;
    Ok(format!("{TOOLCHAIN_SYSTEM}{version}"))
}

/// The toolchain of a crate built by the project's `rust`, before its
/// version is known.
pub(crate) const PROJECT_RUST: &str = "rust";

/// The version of the `rustc` that `path` (a PATH value) finds, if it runs.
/// Asked from `/`, where builds run too: rustup then picks its default
/// toolchain (or `RUSTUP_TOOLCHAIN`), never one a directory's
/// `rust-toolchain.toml` names.
pub fn host_rustc(path: &str) -> Option<String> {
    let rustc = which::which_in("rustc", Some(path), "/").ok()?;
    let out = std::process::Command::new(rustc)
        .arg("-V")
        .env("PATH", path)
        .current_dir("/")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    // `rustc 1.91.0 (f8297e351 2025-10-28)`
    let text = String::from_utf8(out.stdout).ok()?;
    let version = text.strip_prefix("rustc ")?.split_whitespace().next()?;
    Version::parse(Scheme::Semver, version).map(|_| version.to_string())
}

impl Crate {
    pub(crate) fn open(o: &Opening) -> Result<Crate> {
        let name = o.package;
        if !valid_name(name) {
            bail!(
                "`{}` is not a crate name (ASCII letters, digits, `-` and `_`, starting with a letter, at most {MAX_NAME})",
                devenv_model::ui::escape_controls(name)
            );
        }
        let config_url = format!("{}/config.json", o.base);
        let config: Config = parse_json(&o.fetcher.get_text(&config_url)?, &config_url)?;
        let dl_ok = (config.dl.starts_with("https://") || config.dl.starts_with("http://"))
            && config.dl.len() <= 2048
            && !config.dl.contains(char::is_whitespace);
        if !dl_ok {
            bail!(
                "{config_url} names `{}` as where crates are downloaded from, which is not an http(s) URL",
                devenv_model::ui::escape_controls(&config.dl)
            );
        }
        let url = format!("{}/{}", o.base, index_path(name));
        let text = o.fetcher.get_text(&url)?;
        let (sums, yanked) = parse_index(&text, name, &url)?;
        let releases = super::releases_named(sums.keys(), Scheme::Semver);
        Ok(Crate {
            name: name.to_string(),
            dl: config.dl,
            sums,
            releases,
            yanked,
        })
    }
}

impl Source for Crate {
    fn releases(&self) -> &[Release] {
        &self.releases
    }

    fn note(&self) -> Option<String> {
        (self.yanked > 0).then(|| {
            format!(
                "{} yanked by its authors, never chosen",
                devenv_model::ui::plural(self.yanked, "version was", "versions were")
            )
        })
    }

    /// The same crate for every platform: it is built on the machine that
    /// installs it, for its target (which resolution records).
    fn pin(
        &self,
        release: &Release,
        platforms: &[Platform],
        _fetcher: &Fetcher,
    ) -> Result<BTreeMap<Platform, Found>> {
        let version = release.version.as_str();
        let digest = self
            .sums
            .get(version)
            .ok_or_else(|| anyhow!("the index lists no checksum for {version}"))?;
        let url = download_url(&self.dl, &self.name, version, digest);
        Ok(platforms
            .iter()
            .map(|p| {
                let mut found = Found::at(url.clone(), digest.clone(), &[BIN]);
                found.format = Format::TarGz;
                (*p, found)
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_paths_follow_the_registry_layout() {
        assert_eq!(index_path("a"), "1/a");
        assert_eq!(index_path("ab"), "2/ab");
        assert_eq!(index_path("abc"), "3/a/abc");
        assert_eq!(index_path("cargo-nextest"), "ca/rg/cargo-nextest");
        assert_eq!(index_path("Serde"), "se/rd/serde");
    }

    #[test]
    fn crate_names_are_checked_before_any_url_is_made() {
        for good in ["ripgrep", "cargo-nextest", "a", "x_y2"] {
            assert!(valid_name(good), "{good}");
        }
        for bad in ["", "../x", "a/b", "1abc", "-x", "a b", &"a".repeat(65), "é"] {
            assert!(!valid_name(bad), "{bad}");
        }
    }

    #[test]
    fn download_urls_fill_the_markers_or_append_the_default_path() {
        let sum: Digest = format!("sha256:{}", "ab".repeat(32)).parse().unwrap();
        assert_eq!(
            download_url("https://dl.example/crates/", "hello", "1.0.0", &sum),
            "https://dl.example/crates/hello/1.0.0/download"
        );
        assert_eq!(
            download_url(
                "https://m.example/{prefix}/{crate}/{crate}-{version}.crate",
                "Hello",
                "1.0.0",
                &sum
            ),
            "https://m.example/He/ll/Hello/Hello-1.0.0.crate"
        );
        assert_eq!(
            download_url(
                "https://m.example/{lowerprefix}/{sha256-checksum}",
                "Hello",
                "1.0.0",
                &sum
            ),
            format!("https://m.example/he/ll/{}", "ab".repeat(32))
        );
    }

    #[test]
    fn yanked_versions_are_counted_and_never_offered() {
        let sum = "0".repeat(64);
        let text = format!(
            "{{\"name\":\"hello\",\"vers\":\"0.1.0\",\"deps\":[],\"cksum\":\"{sum}\",\"features\":{{}},\"yanked\":false}}\n\
             {{\"name\":\"hello\",\"vers\":\"0.2.0\",\"deps\":[],\"cksum\":\"{sum}\",\"features\":{{}},\"yanked\":true,\"rust_version\":\"1.70\"}}\n"
        );
        let (sums, yanked) = parse_index(&text, "hello", "u").unwrap();
        assert_eq!(sums.keys().collect::<Vec<_>>(), ["0.1.0"]);
        assert_eq!(yanked, 1);
        let other = text.replace("\"hello\"", "\"evil\"");
        let err = parse_index(&other, "hello", "u").unwrap_err().to_string();
        assert!(err.contains("describes the crate `evil`"), "{err}");
        let bad = text.replace(&sum, "zz");
        let err = parse_index(&bad, "hello", "u").unwrap_err().to_string();
        assert!(err.contains("not a sha256"), "{err}");
        let err = parse_index("{", "hello", "u").unwrap_err().to_string();
        assert!(err.contains("line 1: not an index entry"), "{err}");
    }
}
