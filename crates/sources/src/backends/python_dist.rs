//! CPython from the python-build-standalone builds (what uv, mise and rye
//! install): relocatable interpreters with pip and venv, one archive per
//! platform, listed with their sha256 in an index in the format of uv's
//! `download-metadata.json` (a JSON object of entries with `name`, `os`,
//! `arch`, `libc`, `major`/`minor`/`patch`/`prerelease`, `url`, `sha256`,
//! and in newer files `variant` and `build`).
//!
//! Which build is pinned, and why:
//! - **glibc (`gnu`) on Linux, not musl.** The musl builds are static
//!   executables that cannot load compiled extension modules, so most of
//!   PyPI's binary wheels (manylinux) would not import; the gnu builds need
//!   a glibc ≥ 2.17, which every mainstream distribution has.
//! - **Baseline x86-64 (no `v2`/`v3`/`v4` variant).** A lock for
//!   `linux-x86_64` must run on every x86-64 machine that uses it; the
//!   faster variants fail with "illegal instruction" on older CPUs.
//! - **The default build only** (no `freethreaded` or `debug` variant).
//!
//! The index is read from `<mirror>/download-metadata.json` where a mirror
//! is set (`DEVENV_PYTHON_MIRROR` or `[settings] mirrors.python-dist`), and
//! each archive from the mirror at the same path below it as below the
//! GitHub release download URL (`<mirror>/<build>/<file>`). Without a
//! mirror, uv's published index and the GitHub release URLs are used.

use super::{Found, Source, parse_json};
use anyhow::{Result, anyhow, bail};
use devenv_model::digest::Digest;
use devenv_model::platform::{Arch, Os, Platform};
use devenv_model::version::{Release, Scheme, Version};
use devenv_net::fetch::Fetcher;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The public default "mirror": where the release archives live.
pub(crate) const DEFAULT_BASE: &str =
    "https://github.com/astral-sh/python-build-standalone/releases/download";
/// uv's published index, read when no mirror is set.
const DEFAULT_INDEX: &str =
    "https://raw.githubusercontent.com/astral-sh/uv/main/crates/uv-python/download-metadata.json";
/// Release URL prefixes the index uses (the project moved between owners).
const UPSTREAM_PREFIXES: &[&str] = &[
    "https://github.com/astral-sh/python-build-standalone/releases/download/",
    "https://github.com/indygreg/python-build-standalone/releases/download/",
];

/// What goes on PATH: `bin/` (python3, python3.X, pip3...), and `python`,
/// which the archives do not all carry.
pub(crate) const BIN: &[&str] = &["bin", "python=bin/python3"];

/// One entry of the index.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Entry {
    pub(crate) name: String,
    pub(crate) os: String,
    pub(crate) arch: ArchField,
    #[serde(default)]
    pub(crate) libc: String,
    pub(crate) major: u64,
    pub(crate) minor: u64,
    pub(crate) patch: u64,
    #[serde(default)]
    pub(crate) prerelease: String,
    pub(crate) url: String,
    #[serde(default)]
    pub(crate) sha256: Option<String>,
    #[serde(default)]
    pub(crate) variant: Option<String>,
}

/// `arch`: a name (older files) or `{"family": "x86_64", "variant": "v3"}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum ArchField {
    Name(String),
    Detailed {
        family: String,
        #[serde(default)]
        variant: Option<String>,
    },
}

impl ArchField {
    /// The architecture, if it is the baseline build of it.
    fn baseline(&self) -> Option<&str> {
        match self {
            ArchField::Name(name) => Some(name),
            ArchField::Detailed { family, variant } => variant
                .as_deref()
                .is_none_or(str::is_empty)
                .then_some(family),
        }
    }
}

/// How the index names `platform`: (os, arch, libc).
pub(crate) fn index_names(platform: Platform) -> (&'static str, &'static str, &'static str) {
    let arch = match platform.arch {
        Arch::X86_64 => "x86_64",
        Arch::Aarch64 => "aarch64",
    };
    match platform.os {
        Os::Linux => ("linux", arch, "gnu"),
        Os::Macos => ("darwin", arch, "none"),
    }
}

/// Version → platform → (url, sha256), for the builds devenv pins.
pub(crate) type Builds = BTreeMap<String, BTreeMap<Platform, (String, Digest)>>;

/// Reads an index: the default CPython builds of every version for every
/// platform devenv knows, archive URLs moved to `base` when it is a mirror.
pub(crate) fn parse_index(text: &str, url: &str, base: &str) -> Result<(Vec<Release>, Builds)> {
    let entries: BTreeMap<String, Entry> = parse_json(text, url)?;
    let mut builds: Builds = BTreeMap::new();
    for e in entries.into_values() {
        if e.name != "cpython" || e.variant.as_deref().is_some_and(|v| !v.is_empty()) {
            continue;
        }
        let Some(arch) = e.arch.baseline() else {
            continue;
        };
        let Some(platform) = Platform::ALL
            .into_iter()
            .find(|p| index_names(*p) == (e.os.as_str(), arch, e.libc.as_str()))
        else {
            continue;
        };
        // Only what can be verified: an entry without a sha256 is skipped.
        let Some(digest) = e.sha256.as_deref().and_then(Digest::sha256_from_hex) else {
            continue;
        };
        let version = format!("{}.{}.{}{}", e.major, e.minor, e.patch, e.prerelease);
        let url = relocate(&e.url, base);
        builds
            .entry(version)
            .or_default()
            .entry(platform)
            .or_insert((url, digest));
    }
    let releases = builds
        .keys()
        .filter_map(|v| Version::parse(Scheme::Pep440, v))
        .map(Release::new)
        .collect();
    Ok((releases, builds))
}

/// An upstream archive URL at the mirror `base` (unchanged without one).
fn relocate(url: &str, base: &str) -> String {
    if base == DEFAULT_BASE {
        return url.to_string();
    }
    UPSTREAM_PREFIXES
        .iter()
        .find_map(|p| url.strip_prefix(p))
        .map_or_else(|| url.to_string(), |rest| format!("{base}/{rest}"))
}

/// The index URL for `base`.
pub(crate) fn index_url(base: &str) -> String {
    if base == DEFAULT_BASE {
        DEFAULT_INDEX.to_string()
    } else {
        format!("{base}/download-metadata.json")
    }
}

/// The python-build-standalone index, opened.
pub(crate) struct PythonDist {
    releases: Vec<Release>,
    builds: Builds,
}

impl PythonDist {
    pub(crate) fn open(base: &str, fetcher: &Fetcher) -> Result<PythonDist> {
        let url = index_url(base);
        let (releases, builds) = parse_index(&fetcher.get_text(&url)?, &url, base)?;
        Ok(PythonDist { releases, builds })
    }
}

impl Source for PythonDist {
    fn releases(&self) -> &[Release] {
        &self.releases
    }

    fn pin(
        &self,
        release: &Release,
        platforms: &[Platform],
        _fetcher: &Fetcher,
    ) -> Result<BTreeMap<Platform, Found>> {
        let version = release.version.as_str();
        let builds = self
            .builds
            .get(version)
            .ok_or_else(|| anyhow!("the index lists no build of CPython {version}"))?;
        let mut out = BTreeMap::new();
        for &platform in platforms {
            let Some((url, digest)) = builds.get(&platform) else {
                let (os, arch, libc) = index_names(platform);
                bail!(
                    "CPython {version} has no build for {platform} in the index (no `cpython-{version}-{os}-{arch}-{libc}` entry); choose another version or remove {platform} from settings.platforms"
                );
            };
            out.insert(platform, Found::at(url.clone(), digest.clone(), BIN));
        }
        Ok(out)
    }

    fn note(&self) -> Option<String> {
        Some("devenv pins the default glibc/macOS builds for baseline CPUs".into())
    }
}

/// How `python-dist` is registered among the backends.
pub(crate) const OPEN: super::Open = |o| Ok(Box::new(PythonDist::open(&o.base, o.fetcher)?));

#[cfg(test)]
mod tests {
    use super::*;
    use devenv_model::archive::Format;

    fn hex(c: char) -> String {
        c.to_string().repeat(64)
    }

    /// The shape of uv's download-metadata.json: older entries with `arch`
    /// as a name, newer ones with `arch` as an object and `variant`/`build`.
    fn index() -> String {
        format!(
            r#"{{
  "cpython-3.13.1-linux-x86_64-gnu": {{"name": "cpython", "arch": {{"family": "x86_64", "variant": null}}, "os": "linux", "libc": "gnu", "major": 3, "minor": 13, "patch": 1, "prerelease": "", "url": "https://github.com/astral-sh/python-build-standalone/releases/download/20241206/cpython-3.13.1%2B20241206-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz", "sha256": "{a}", "variant": null, "build": "20241206"}},
  "cpython-3.13.1-linux-x86_64_v3-gnu": {{"name": "cpython", "arch": {{"family": "x86_64", "variant": "v3"}}, "os": "linux", "libc": "gnu", "major": 3, "minor": 13, "patch": 1, "prerelease": "", "url": "https://github.com/astral-sh/python-build-standalone/releases/download/20241206/cpython-3.13.1%2B20241206-x86_64_v3-unknown-linux-gnu-install_only_stripped.tar.gz", "sha256": "{b}", "variant": null, "build": "20241206"}},
  "cpython-3.13.1+freethreaded-linux-x86_64-gnu": {{"name": "cpython", "arch": {{"family": "x86_64", "variant": null}}, "os": "linux", "libc": "gnu", "major": 3, "minor": 13, "patch": 1, "prerelease": "", "url": "https://github.com/astral-sh/python-build-standalone/releases/download/20241206/cpython-3.13.1%2B20241206-x86_64-unknown-linux-gnu-freethreaded%2Bpgo%2Blto-full.tar.zst", "sha256": "{b}", "variant": "freethreaded", "build": "20241206"}},
  "cpython-3.13.1-linux-x86_64-musl": {{"name": "cpython", "arch": {{"family": "x86_64", "variant": null}}, "os": "linux", "libc": "musl", "major": 3, "minor": 13, "patch": 1, "prerelease": "", "url": "https://github.com/astral-sh/python-build-standalone/releases/download/20241206/cpython-3.13.1%2B20241206-x86_64-unknown-linux-musl-install_only_stripped.tar.gz", "sha256": "{b}", "variant": null, "build": "20241206"}},
  "cpython-3.13.1-darwin-aarch64-none": {{"name": "cpython", "arch": {{"family": "aarch64", "variant": null}}, "os": "darwin", "libc": "none", "major": 3, "minor": 13, "patch": 1, "prerelease": "", "url": "https://github.com/astral-sh/python-build-standalone/releases/download/20241206/cpython-3.13.1%2B20241206-aarch64-apple-darwin-install_only_stripped.tar.gz", "sha256": "{c}", "variant": null, "build": "20241206"}},
  "cpython-3.12.6-linux-x86_64-gnu": {{"name": "cpython", "arch": "x86_64", "os": "linux", "libc": "gnu", "major": 3, "minor": 12, "patch": 6, "prerelease": "", "url": "https://github.com/indygreg/python-build-standalone/releases/download/20240909/cpython-3.12.6%2B20240909-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz", "sha256": "{a}"}},
  "cpython-3.14.0a2-linux-x86_64-gnu": {{"name": "cpython", "arch": "x86_64", "os": "linux", "libc": "gnu", "major": 3, "minor": 14, "patch": 0, "prerelease": "a2", "url": "https://github.com/astral-sh/python-build-standalone/releases/download/20241206/cpython-3.14.0a2%2B20241206-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz", "sha256": "{a}"}},
  "pypy-3.10.14-linux-x86_64-gnu": {{"name": "pypy", "arch": "x86_64", "os": "linux", "libc": "gnu", "major": 3, "minor": 10, "patch": 14, "prerelease": "", "url": "https://downloads.python.org/pypy/pypy3.10-v7.3.17-linux64.tar.bz2", "sha256": "{a}"}},
  "cpython-3.11.10-windows-x86_64-none": {{"name": "cpython", "arch": "x86_64", "os": "windows", "libc": "none", "major": 3, "minor": 11, "patch": 10, "prerelease": "", "url": "https://github.com/indygreg/python-build-standalone/releases/download/20240909/x.tar.gz", "sha256": "{a}"}}
}}"#,
            a = hex('a'),
            b = hex('b'),
            c = hex('c')
        )
    }

    fn p(s: &str) -> Platform {
        s.parse().unwrap()
    }

    #[test]
    fn pins_gnu_baseline_default_builds() {
        let (releases, builds) = parse_index(&index(), "u", DEFAULT_BASE).unwrap();
        let src = PythonDist { releases, builds };
        let c: devenv_model::version::Constraint = "3".parse().unwrap();
        let r = c.select(src.releases()).unwrap();
        assert_eq!(r.version.as_str(), "3.13.1", "pre-releases need asking for");
        let pins = src
            .pin(
                r,
                &[p("linux-x86_64"), p("macos-aarch64")],
                &Fetcher::default(),
            )
            .unwrap();
        let linux = &pins[&p("linux-x86_64")];
        assert!(
            linux
                .url
                .ends_with("x86_64-unknown-linux-gnu-install_only_stripped.tar.gz"),
            "{}",
            linux.url
        );
        assert_eq!(linux.digest.to_string(), format!("sha256:{}", hex('a')));
        assert_eq!(linux.format, Format::TarGz);
        assert_eq!(linux.bin, vec!["bin", "python=bin/python3"]);
        assert!(
            pins[&p("macos-aarch64")]
                .url
                .contains("aarch64-apple-darwin")
        );
    }

    #[test]
    fn a_missing_platform_is_named_with_its_index_key() {
        let (releases, builds) = parse_index(&index(), "u", DEFAULT_BASE).unwrap();
        let src = PythonDist { releases, builds };
        let c: devenv_model::version::Constraint = "3.12".parse().unwrap();
        let r = c.select(src.releases()).unwrap();
        let err = src
            .pin(r, &[p("linux-aarch64")], &Fetcher::default())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("CPython 3.12.6 has no build for linux-aarch64 in the index (no `cpython-3.12.6-linux-aarch64-gnu` entry)"),
            "{err}"
        );
    }

    #[test]
    fn a_mirror_serves_the_archives_at_the_same_paths() {
        let (_, builds) = parse_index(&index(), "u", "https://m.example/pbs").unwrap();
        assert_eq!(
            builds["3.12.6"][&p("linux-x86_64")].0,
            "https://m.example/pbs/20240909/cpython-3.12.6%2B20240909-x86_64-unknown-linux-gnu-install_only_stripped.tar.gz"
        );
        assert_eq!(
            index_url("https://m.example/pbs"),
            "https://m.example/pbs/download-metadata.json"
        );
    }
}
