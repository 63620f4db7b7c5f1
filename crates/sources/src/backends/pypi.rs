//! PyPI's JSON API: `/pypi/<name>/json` lists the releases,
//! `/pypi/<name>/<version>/json` the files of one; devenv pins, for each
//! platform, the best binary wheel by its tags, with its sha256.
//!
//! Only wheels that need no Python are candidates: ABI tag `none` and a
//! Python tag `py3`/`py2.py3`... (tools such as ruff, uv, cmake and zig
//! are published that way). Among the platform tags a platform accepts,
//! "best" means the widest reach: manylinux (glibc) before musllinux, the
//! oldest glibc or macOS a wheel supports, a macOS wheel for the exact
//! architecture before `universal2`; ties are broken by file name, so the
//! choice never depends on the machine that locks.

use super::{Found, Source, join_url, parse_json};
use anyhow::{Result, anyhow, bail};
use devenv_model::archive::Format;
use devenv_model::digest::Digest;
use devenv_model::platform::{Arch, Os, Platform};
use devenv_model::version::{Release, Scheme, Version};
use devenv_net::fetch::Fetcher;
use serde::Deserialize;
use std::collections::BTreeMap;

/// `/pypi/<name>/json` (the parts devenv reads).
#[derive(Debug, Deserialize)]
pub(crate) struct Project {
    pub(crate) info: Info,
    #[serde(default)]
    pub(crate) releases: BTreeMap<String, Vec<File>>,
}

/// `/pypi/<name>/<version>/json` (the parts devenv reads).
#[derive(Debug, Deserialize)]
pub(crate) struct VersionDoc {
    #[serde(default)]
    pub(crate) urls: Vec<File>,
}

#[derive(Debug, Deserialize)]
pub struct Info {
    pub name: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub summary: Option<String>,
}

/// One distribution file of a release.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct File {
    pub(crate) filename: String,
    pub(crate) url: String,
    #[serde(default)]
    pub(crate) packagetype: String,
    #[serde(default)]
    pub(crate) digests: BTreeMap<String, String>,
    #[serde(default)]
    pub(crate) yanked: bool,
    /// The Python versions the release supports (`>=3.9`), as uploaded.
    #[serde(default)]
    pub(crate) requires_python: Option<String>,
}

/// A wheel file name's parts: `{dist}-{version}(-{build})?-{py}-{abi}-{plat}.whl`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WheelName {
    pub dist: String,
    pub version: String,
    pub(crate) python: Vec<String>,
    pub(crate) abi: Vec<String>,
    pub(crate) platforms: Vec<String>,
}

impl WheelName {
    pub fn parse(filename: &str) -> Option<WheelName> {
        let stem = filename.strip_suffix(".whl")?;
        let parts: Vec<&str> = stem.split('-').collect();
        if !(parts.len() == 5 || parts.len() == 6) {
            return None;
        }
        let n = parts.len();
        let split = |s: &str| s.split('.').map(str::to_string).collect();
        Some(WheelName {
            dist: parts[0].to_string(),
            version: parts[1].to_string(),
            python: split(parts[n - 3]),
            abi: split(parts[n - 2]),
            platforms: split(parts[n - 1]),
        })
    }

    /// Runs without a Python interpreter of a particular version.
    fn needs_no_python(&self) -> bool {
        self.abi.iter().any(|a| a == "none") && self.python.iter().any(|p| p.starts_with("py"))
    }

    /// Where the wheel keeps its executables: `{dist}-{version}.data/scripts`.
    pub(crate) fn scripts_dir(&self) -> String {
        format!("{}-{}.data/scripts", self.dist, self.version)
    }

    /// How well the wheel suits `platform`, higher is better; `None` if not at all.
    pub(crate) fn score(&self, platform: Platform) -> Option<(u8, i64)> {
        if !self.needs_no_python() {
            return None;
        }
        self.platforms
            .iter()
            .filter_map(|tag| tag_score(tag, platform))
            .max()
    }
}

/// The score of one platform tag for `platform`: (kind, -minimum OS version).
fn tag_score(tag: &str, platform: Platform) -> Option<(u8, i64)> {
    let arch = match platform.arch {
        Arch::X86_64 => "x86_64",
        Arch::Aarch64 => "aarch64",
    };
    let level = |major: u64, minor: u64| -((major * 1000 + minor) as i64);
    match platform.os {
        Os::Linux => {
            let legacy = [
                ("manylinux1_", (2, 5)),
                ("manylinux2010_", (2, 12)),
                ("manylinux2014_", (2, 17)),
            ];
            for (prefix, (maj, min)) in legacy {
                if tag.strip_prefix(prefix) == Some(arch) {
                    return Some((2, level(maj, min)));
                }
            }
            for (prefix, kind) in [("manylinux_", 2), ("musllinux_", 1)] {
                if let Some(rest) = tag.strip_prefix(prefix)
                    && let Some(ver) = rest.strip_suffix(arch).and_then(|v| v.strip_suffix('_'))
                    && let Some((maj, min)) = ver.split_once('_')
                    && let (Ok(maj), Ok(min)) = (maj.parse(), min.parse())
                {
                    return Some((kind, level(maj, min)));
                }
            }
            None
        }
        Os::Macos => {
            let rest = tag.strip_prefix("macosx_")?;
            let mut it = rest.splitn(3, '_');
            let (maj, min, tag_arch) = (it.next()?, it.next()?, it.next()?);
            let (maj, min): (u64, u64) = (maj.parse().ok()?, min.parse().ok()?);
            let kind = match (platform.arch, tag_arch) {
                (Arch::X86_64, "x86_64") | (Arch::Aarch64, "arm64") => 2,
                (_, "universal2") => 1,
                (Arch::X86_64, "intel" | "universal") => 1,
                _ => return None,
            };
            Some((kind, level(maj, min)))
        }
    }
}

/// The best wheel among `files` for `platform` (see the module docs).
pub(crate) fn best_wheel(files: &[File], platform: Platform) -> Option<(&File, WheelName)> {
    files
        .iter()
        .filter(|f| f.packagetype == "bdist_wheel" || f.filename.ends_with(".whl"))
        .filter_map(|f| WheelName::parse(&f.filename).map(|w| (f, w)))
        .filter_map(|(f, w)| w.score(platform).map(|s| (s, f, w)))
        .max_by(|(sa, fa, _), (sb, fb, _)| sa.cmp(sb).then_with(|| fb.filename.cmp(&fa.filename)))
        .map(|(_, f, w)| (f, w))
}

/// The releases of a project document: PEP 440 versions with any file;
/// a release whose files are all yanked is yanked.
pub(crate) fn releases_of(project: &Project) -> Vec<Release> {
    project
        .releases
        .iter()
        .filter(|(_, files)| !files.is_empty())
        .filter_map(|(v, files)| {
            let mut r = Release::new(Version::parse(Scheme::Pep440, v)?);
            r.yanked = files.iter().all(|f| f.yanked);
            Some(r)
        })
        .collect()
}

/// A release whose every wheel needs a Python interpreter: a Python
/// application, which [`super::pypi_tree`] installs with its dependencies.
#[derive(Debug, thiserror::Error)]
#[error(
    "pypi:{package} {version} is a Python package, not a standalone program: every wheel it publishes needs a Python interpreter (such as {example})"
)]
pub(crate) struct NeedsPython {
    pub(crate) package: String,
    pub(crate) version: String,
    /// One of its wheels, for the message.
    pub(crate) example: String,
}

impl Pypi {
    /// The files of `release` that may be pinned, and the document that
    /// listed them.
    fn files(&self, release: &Release, fetcher: &Fetcher) -> Result<(Vec<File>, String)> {
        let version = release.version.as_str();
        // The project document lists every release's files; the per-version
        // document is only read where it does not (PyPI may drop `releases`
        // from the project document, and some mirrors serve only one of them).
        let (files, url) = match self.project.releases.get(version) {
            Some(files) if !files.is_empty() => (files.clone(), self.url.clone()),
            _ => {
                let url = format!("{}/pypi/{}/{version}/json", self.base, self.package);
                let doc: VersionDoc = parse_json(&fetcher.get_text(&url)?, &url)?;
                (doc.urls, url)
            }
        };
        let files = files
            .into_iter()
            .filter(|f| !f.yanked || release.yanked)
            .collect();
        Ok((files, url))
    }
}

/// Whether `files` make an application rather than a program: some
/// platform has no wheel of its own, and every wheel needs a Python
/// interpreter.
fn needs_python(
    package: &str,
    version: &str,
    files: &[File],
    platforms: &[Platform],
) -> Option<NeedsPython> {
    let wheels: Vec<&str> = files
        .iter()
        .filter(|f| f.filename.ends_with(".whl"))
        .map(|f| f.filename.as_str())
        .collect();
    let lacking = platforms.iter().any(|&p| best_wheel(files, p).is_none());
    let all_need_python = wheels
        .iter()
        .filter_map(|w| WheelName::parse(w))
        .all(|w| !w.needs_no_python() || w.platforms.iter().all(|p| p == "any"));
    (lacking && !wheels.is_empty() && all_need_python).then(|| NeedsPython {
        package: package.to_string(),
        version: version.to_string(),
        example: wheels[0].to_string(),
    })
}

/// Pins `files` (one release's) for every platform.
pub(crate) fn pin_files(
    package: &str,
    version: &str,
    files: &[File],
    doc_url: &str,
    platforms: &[Platform],
) -> Result<BTreeMap<Platform, Found>> {
    let mut out = BTreeMap::new();
    for &platform in platforms {
        let Some((file, wheel)) = best_wheel(files, platform) else {
            let wheels: Vec<&str> = files
                .iter()
                .filter(|f| f.filename.ends_with(".whl"))
                .map(|f| f.filename.as_str())
                .collect();
            let offered = if wheels.is_empty() {
                "it publishes no wheels at all (only source archives, which devenv does not build)"
                    .to_string()
            } else {
                if let Some(why) = needs_python(package, version, files, &[platform]) {
                    bail!(why);
                }
                let shown = if wheels.len() > 8 {
                    format!("{}, … ({} in all)", wheels[..8].join(", "), wheels.len())
                } else {
                    wheels.join(", ")
                };
                format!("its wheels are {shown}")
            };
            bail!(
                "pypi:{package} {version} has no binary wheel for {platform}: {offered}. Remove {platform} from settings.platforms, or choose another version or source"
            );
        };
        let hex = file.digests.get("sha256").ok_or_else(|| {
            anyhow!(
                "PyPI lists no sha256 for {}, so it cannot be verified",
                file.filename
            )
        })?;
        let digest = Digest::sha256_from_hex(hex)
            .ok_or_else(|| anyhow!("the sha256 of {} is malformed: `{hex}`", file.filename))?;
        out.insert(
            platform,
            Found {
                url: join_url(doc_url, &file.url),
                digest,
                format: Format::Zip,
                bin: vec![wheel.scripts_dir()],
                digest_from: None,
                parts: Vec::new(),
                layout: None,
                home: None,
                declared: None,
            },
        );
    }
    Ok(out)
}

/// The project JSON URL.
pub(crate) fn project_url(base: &str, package: &str) -> String {
    format!("{base}/pypi/{package}/json")
}

/// The name, newest version and summary of the project called exactly
/// `package`; `None` when PyPI has no such project.
pub fn summary(base: &str, package: &str, fetcher: &Fetcher) -> Result<Option<Info>> {
    let url = project_url(base, package);
    match fetcher.get_text(&url) {
        Ok(text) => Ok(Some(parse_json::<Project>(&text, &url)?.info)),
        // PyPI answers 404 for an unknown name; that is an answer, not a failure.
        Err(e) if devenv_net::fetch::status_of(&e) == Some(404) => Ok(None),
        Err(e) => Err(e),
    }
}

/// A PyPI project, opened.
pub(crate) struct Pypi {
    base: String,
    package: String,
    url: String,
    project: Project,
    releases: Vec<Release>,
}

impl Pypi {
    pub(crate) fn open(base: &str, package: &str, fetcher: &Fetcher) -> Result<Pypi> {
        let url = project_url(base, package);
        let project: Project = parse_json(&fetcher.get_text(&url)?, &url)?;
        Ok(Pypi {
            base: base.to_string(),
            package: package.to_string(),
            releases: releases_of(&project),
            url,
            project,
        })
    }
}

impl Source for Pypi {
    fn releases(&self) -> &[Release] {
        &self.releases
    }

    fn requires_python(&self, release: &Release) -> Option<&str> {
        self.project
            .releases
            .get(release.version.as_str())?
            .iter()
            .filter(|f| !f.yanked)
            .find_map(|f| f.requires_python.as_deref())
            .filter(|r| !r.trim().is_empty())
    }

    fn pin(
        &self,
        release: &Release,
        platforms: &[Platform],
        fetcher: &Fetcher,
    ) -> Result<BTreeMap<Platform, Found>> {
        let (files, url) = self.files(release, fetcher)?;
        pin_files(
            &self.package,
            release.version.as_str(),
            &files,
            &url,
            platforms,
        )
    }

    fn pin_or_application(
        &self,
        release: &Release,
        platforms: &[Platform],
        fetcher: &Fetcher,
    ) -> Result<super::Pinned> {
        let (files, url) = self.files(release, fetcher)?;
        let version = release.version.as_str();
        if needs_python(&self.package, version, &files, platforms).is_some() {
            return Ok(super::Pinned::Application);
        }
        pin_files(&self.package, version, &files, &url, platforms).map(super::Pinned::Artifacts)
    }
}

/// The `pypi` backend's registration.
pub(crate) const OPEN: super::Open = |o| Ok(Box::new(Pypi::open(&o.base, o.package, o.fetcher)?));

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Platform {
        s.parse().unwrap()
    }

    fn file(name: &str) -> File {
        File {
            filename: name.into(),
            url: format!("https://files.pythonhosted.org/packages/ab/cd/{name}"),
            packagetype: "bdist_wheel".into(),
            digests: BTreeMap::from([("sha256".into(), "a".repeat(64))]),
            yanked: false,
            requires_python: None,
        }
    }

    /// The wheels ruff 0.7.0 really publishes (abridged).
    const RUFF: &[&str] = &[
        "ruff-0.7.0-py3-none-linux_armv6l.whl",
        "ruff-0.7.0-py3-none-macosx_10_12_x86_64.whl",
        "ruff-0.7.0-py3-none-macosx_11_0_arm64.whl",
        "ruff-0.7.0-py3-none-manylinux_2_17_aarch64.manylinux2014_aarch64.whl",
        "ruff-0.7.0-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "ruff-0.7.0-py3-none-musllinux_1_2_aarch64.whl",
        "ruff-0.7.0-py3-none-musllinux_1_2_x86_64.whl",
        "ruff-0.7.0-py3-none-win_amd64.whl",
    ];

    fn best(names: &[&str], platform: &str) -> Option<String> {
        let files: Vec<File> = names.iter().map(|n| file(n)).collect();
        best_wheel(&files, p(platform)).map(|(f, _)| f.filename.clone())
    }

    #[test]
    fn picks_a_wheel_per_platform_by_tags() {
        assert_eq!(
            best(RUFF, "linux-x86_64").unwrap(),
            "ruff-0.7.0-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
        );
        assert_eq!(
            best(RUFF, "linux-aarch64").unwrap(),
            "ruff-0.7.0-py3-none-manylinux_2_17_aarch64.manylinux2014_aarch64.whl"
        );
        assert_eq!(
            best(RUFF, "macos-x86_64").unwrap(),
            "ruff-0.7.0-py3-none-macosx_10_12_x86_64.whl"
        );
        assert_eq!(
            best(RUFF, "macos-aarch64").unwrap(),
            "ruff-0.7.0-py3-none-macosx_11_0_arm64.whl"
        );
    }

    #[test]
    fn prefers_oldest_glibc_then_musl_and_exact_mac_arch() {
        let names = &[
            "t-1-py3-none-manylinux_2_28_x86_64.whl",
            "t-1-py3-none-manylinux1_x86_64.whl",
            "t-1-py3-none-musllinux_1_1_x86_64.whl",
            "t-1-py3-none-macosx_10_9_universal2.whl",
            "t-1-py3-none-macosx_12_0_arm64.whl",
        ];
        assert_eq!(
            best(names, "linux-x86_64").unwrap(),
            "t-1-py3-none-manylinux1_x86_64.whl"
        );
        assert_eq!(
            best(names, "macos-aarch64").unwrap(),
            "t-1-py3-none-macosx_12_0_arm64.whl"
        );
        assert_eq!(
            best(names, "macos-x86_64").unwrap(),
            "t-1-py3-none-macosx_10_9_universal2.whl"
        );
        assert_eq!(
            best(&["t-1-py3-none-musllinux_1_2_x86_64.whl"], "linux-x86_64").unwrap(),
            "t-1-py3-none-musllinux_1_2_x86_64.whl"
        );
        assert!(best(&["t-1-py3-none-manylinux_2_17_x86_64.whl"], "linux-aarch64").is_none());
    }

    #[test]
    fn wheels_that_need_python_are_not_tools() {
        assert!(
            best(
                &["t-1-cp312-cp312-manylinux_2_17_x86_64.whl"],
                "linux-x86_64"
            )
            .is_none()
        );
        assert!(best(&["t-1-py3-none-any.whl"], "linux-x86_64").is_none());
        assert!(
            best(
                &["t-1-py2.py3-none-manylinux_2_17_x86_64.whl"],
                "linux-x86_64"
            )
            .is_some()
        );
        let w = WheelName::parse("ziglang-0.13.0-1-py3-none-macosx_11_0_arm64.whl").unwrap();
        assert_eq!((w.dist.as_str(), w.version.as_str()), ("ziglang", "0.13.0"));
        assert_eq!(w.scripts_dir(), "ziglang-0.13.0.data/scripts");
    }

    #[test]
    fn pins_sha256_and_scripts_dir_and_names_a_missing_platform() {
        let files: Vec<File> = RUFF.iter().map(|n| file(n)).collect();
        let all = [p("linux-x86_64"), p("macos-aarch64")];
        let pins = pin_files(
            "ruff",
            "0.7.0",
            &files,
            "https://pypi.org/pypi/ruff/0.7.0/json",
            &all,
        )
        .unwrap();
        let f = &pins[&p("macos-aarch64")];
        assert_eq!(f.bin, vec!["ruff-0.7.0.data/scripts"]);
        assert_eq!(f.format, Format::Zip);
        assert_eq!(f.digest.to_string(), format!("sha256:{}", "a".repeat(64)));
        let mac_only: Vec<File> = files[1..3].to_vec();
        let err = pin_files("ruff", "0.7.0", &mac_only, "u", &all)
            .unwrap_err()
            .to_string();
        assert!(err.contains("no binary wheel for linux-x86_64"), "{err}");
        let python_only = vec![
            file("black-24.10.0-py3-none-any.whl"),
            file("black-24.10.0-cp312-cp312-manylinux_2_17_x86_64.whl"),
        ];
        let black = pin_files("black", "24.10.0", &python_only, "u", &all)
            .unwrap_err()
            .to_string();
        assert!(
            black.contains("pypi:black 24.10.0 is a Python package, not a standalone program")
                && !black.contains("Remove linux-x86_64"),
            "{black}"
        );
        assert!(
            err.contains("ruff-0.7.0-py3-none-macosx_11_0_arm64.whl"),
            "{err}"
        );
    }

    #[test]
    fn reads_the_project_document() {
        let doc = r#"{"info": {"name": "ruff", "version": "0.7.1", "summary": "linter"},
          "last_serial": 1, "urls": [],
          "releases": {"0.7.0": [{"filename": "ruff-0.7.0.tar.gz", "url": "u", "packagetype": "sdist",
                                   "digests": {"sha256": "x"}, "yanked": false}],
                       "0.7.1": [{"filename": "ruff-0.7.1.tar.gz", "url": "u", "packagetype": "sdist",
                                   "digests": {"sha256": "x"}, "yanked": true, "yanked_reason": "broken"}],
                       "0.0.1": [], "not-pep440!": [{"filename": "f", "url": "u"}]}}"#;
        let project: Project = serde_json::from_str(doc).unwrap();
        let r = releases_of(&project);
        let listed: Vec<(String, bool)> = r
            .iter()
            .map(|r| (r.version.to_string(), r.yanked))
            .collect();
        assert_eq!(
            listed,
            vec![("0.7.0".into(), false), ("0.7.1".into(), true)]
        );
    }
}
