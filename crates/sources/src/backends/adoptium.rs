//! The `adoptium` source: Eclipse Temurin JDKs through the Adoptium API v3.
//! `<api>/v3/info/available_releases` names the feature versions (and which
//! are LTS); `<api>/v3/assets/feature_releases/<feature>/ga` lists a
//! feature's releases with every platform's binaries, each with its sha256.
//! The API base is `DEVENV_ADOPTIUM_API` or `[settings] mirrors.adoptium`;
//! download links go through the URL mirrors (`DEVENV_URL_MIRRORS`).
//!
//! Only the feature the constraint names is listed (`21`, `21.0.5`), or
//! the newest LTS for `lts` and the newest feature for `latest`, so a lock
//! asks the API two questions. A JDK's home is its top directory on Linux
//! and `Contents/Home` on macOS: that is what `{root}` means in the catalog
//! entry's `env` (`JAVA_HOME = "{root}"`).

use super::{Found, Opening, Source, parse_json};
use anyhow::{Result, anyhow, bail};
use devenv_model::digest::Digest;
use devenv_model::platform::{Dialect, Os, Platform};
use devenv_model::version::{Release, Scheme, Version};
use devenv_net::fetch::Fetcher;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The `adoptium` backend's registration.
pub(crate) const OPEN: super::Open = |o| Ok(Box::new(Adoptium::open(o)?));

/// How many releases of a feature are listed (newest first).
const PAGE_SIZE: usize = 50;

/// `/v3/info/available_releases`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Available {
    pub(crate) available_lts_releases: Vec<u32>,
    pub(crate) available_releases: Vec<u32>,
    pub(crate) most_recent_feature_release: u32,
    pub(crate) most_recent_lts: u32,
}

/// One release of `/v3/assets/feature_releases/...`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct AssetRelease {
    pub(crate) release_name: String,
    pub(crate) version_data: VersionData,
    #[serde(default)]
    pub(crate) binaries: Vec<Binary>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct VersionData {
    pub(crate) major: u32,
    #[serde(default)]
    pub(crate) minor: u32,
    #[serde(default)]
    pub(crate) security: u32,
    #[serde(default)]
    pub(crate) build: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Binary {
    pub(crate) architecture: String,
    pub(crate) os: String,
    pub(crate) image_type: String,
    pub(crate) jvm_impl: String,
    #[serde(default)]
    pub(crate) heap_size: Option<String>,
    pub(crate) package: Option<Package>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Package {
    pub(crate) name: String,
    pub(crate) link: String,
    pub(crate) checksum: String,
}

impl VersionData {
    /// `21.0.5+11`, as devenv writes a JDK's version.
    pub(crate) fn text(&self) -> String {
        let mut v = format!("{}.{}.{}", self.major, self.minor, self.security);
        if let Some(b) = self.build {
            v.push_str(&format!("+{b}"));
        }
        v
    }
}

/// The feature version a constraint is about, if it names one.
fn feature_of(constraint: &str, available: &Available) -> Result<u32> {
    let c = constraint
        .trim()
        .trim_start_matches(['^', '~', '=', '>', '<', ' ']);
    match c {
        "latest" => Ok(available.most_recent_feature_release),
        "lts" => Ok(available.most_recent_lts),
        _ => {
            let digits: String = c.chars().take_while(char::is_ascii_digit).collect();
            let feature: u32 = digits.parse().map_err(|_| {
                anyhow!("a JDK is asked for by its feature version, such as `java = \"21\"` or `\"21.0.5\"`, or `lts` or `latest`; `{constraint}` names none")
            })?;
            if !available.available_releases.contains(&feature) {
                bail!(
                    "Adoptium has no JDK {feature}; its feature versions are {}",
                    available
                        .available_releases
                        .iter()
                        .map(u32::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            Ok(feature)
        }
    }
}

/// One feature's JDKs, opened.
pub(crate) struct Adoptium {
    releases: Vec<Release>,
    by_version: BTreeMap<String, AssetRelease>,
    mirrors: super::Mirrors,
}

impl Adoptium {
    pub(crate) fn open(o: &Opening) -> Result<Adoptium> {
        let url = format!("{}/v3/info/available_releases", o.base);
        let available: Available = parse_json(&o.fetcher.get_text(&url)?, &url)?;
        let feature = feature_of(&o.tool.version, &available)?;
        let url = format!(
            "{}/v3/assets/feature_releases/{feature}/ga?image_type=jdk&jvm_impl=hotspot&vendor=eclipse&heap_size=normal&page_size={PAGE_SIZE}&sort_order=DESC",
            o.base
        );
        let list: Vec<AssetRelease> = parse_json(&o.fetcher.get_text(&url)?, &url)?;
        let lts = available.available_lts_releases.contains(&feature);
        let mut by_version = BTreeMap::new();
        let mut releases = Vec::new();
        for r in list {
            let text = r.version_data.text();
            let Some(v) = Version::parse(Scheme::Semver, &text) else {
                continue;
            };
            if by_version.contains_key(&text) {
                continue;
            }
            let mut release = Release::new(v);
            release.lts = Some(lts);
            releases.push(release);
            by_version.insert(text, r);
        }
        Ok(Adoptium {
            releases,
            by_version,
            mirrors: o.mirrors.clone(),
        })
    }
}

impl Source for Adoptium {
    fn releases(&self) -> &[Release] {
        &self.releases
    }

    fn pin(
        &self,
        release: &Release,
        platforms: &[Platform],
        _fetcher: &Fetcher,
    ) -> Result<BTreeMap<Platform, Found>> {
        let r = &self.by_version[release.version.as_str()];
        let mut out = BTreeMap::new();
        for &platform in platforms {
            let (os, arch) = platform.names(Dialect::Adoptium);
            let package = r
                .binaries
                .iter()
                .filter(|b| {
                    b.os == os
                        && b.architecture == arch
                        && b.image_type == "jdk"
                        && b.jvm_impl == "hotspot"
                        && b.heap_size.as_deref().is_none_or(|h| h == "normal")
                })
                .filter_map(|b| b.package.as_ref())
                .find(|p| p.name.ends_with(".tar.gz"))
                .ok_or_else(|| {
                    anyhow!(
                        "Temurin {} has no JDK archive for {platform} ({os} {arch})",
                        r.release_name
                    )
                })?;
            let digest = Digest::sha256_from_hex(&package.checksum).ok_or_else(|| {
                anyhow!(
                    "the Adoptium API gives `{}` as the sha256 of {}, which is not one",
                    package.checksum,
                    package.name
                )
            })?;
            let home = if platform.os == Os::Macos {
                "Contents/Home"
            } else {
                ""
            };
            let bin = if home.is_empty() {
                "bin".to_string()
            } else {
                format!("{home}/bin")
            };
            let mut found = Found::at(self.mirrors.rewrite(&package.link), digest, &[&bin]);
            found.home = (!home.is_empty()).then(|| home.to_string());
            found.digest_from = Some("Adoptium API checksum".into());
            out.insert(platform, found);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_and_features() {
        let v = VersionData {
            major: 21,
            minor: 0,
            security: 5,
            build: Some(11),
        };
        assert_eq!(v.text(), "21.0.5+11");
        assert!(Version::parse(Scheme::Semver, &v.text()).is_some());
        let a = Available {
            available_lts_releases: vec![17, 21],
            available_releases: vec![17, 21, 23],
            most_recent_feature_release: 23,
            most_recent_lts: 21,
        };
        assert_eq!(feature_of("21", &a).unwrap(), 21);
        assert_eq!(feature_of("^17.0.2", &a).unwrap(), 17);
        assert_eq!(feature_of("lts", &a).unwrap(), 21);
        assert_eq!(feature_of("latest", &a).unwrap(), 23);
        let err = feature_of("19", &a).unwrap_err().to_string();
        assert!(
            err.contains("no JDK 19; its feature versions are 17, 21, 23"),
            "{err}"
        );
        assert!(feature_of("x", &a).is_err());
    }
}
