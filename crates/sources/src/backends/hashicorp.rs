//! HashiCorp's release index: `<mirror>/<product>/index.json` lists every
//! version and its builds (os, arch, filename, url); each version's
//! `<product>_<version>_SHA256SUMS` gives the digests. The mirror is
//! `DEVENV_HASHICORP_MIRROR` or `[settings] mirrors.hashicorp`; downloads
//! are taken from the mirror too (`<mirror>/<product>/<version>/<file>`).
//! The SHA256SUMS file's GPG signature is not checked.

use super::{Found, Opening, Source, checksums, parse_json};
use anyhow::{Result, anyhow, bail};
use devenv_model::platform::{Dialect, Platform};
use devenv_model::version::{Release, Scheme};
use devenv_net::fetch::Fetcher;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The `hashicorp` backend's registration.
pub(crate) const OPEN: super::Open = |o| Ok(Box::new(Hashicorp::open(o)?));

/// `index.json` of one product.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Index {
    #[serde(default)]
    pub(crate) versions: BTreeMap<String, IndexVersion>,
}

/// One version of the index.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct IndexVersion {
    pub(crate) version: String,
    /// The name of the version's SHA256SUMS file.
    #[serde(default)]
    pub(crate) shasums: Option<String>,
    #[serde(default)]
    pub(crate) builds: Vec<Build>,
}

/// One build of a version.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Build {
    pub(crate) os: String,
    pub(crate) arch: String,
    pub(crate) filename: String,
}

/// A product's releases, opened.
pub(crate) struct Hashicorp {
    base: String,
    product: String,
    index: Index,
    releases: Vec<Release>,
}

impl Hashicorp {
    pub(crate) fn open(o: &Opening) -> Result<Hashicorp> {
        let product = o.package;
        if product.is_empty()
            || !product
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            bail!("`{product}` is not a HashiCorp product name (such as `terraform`)");
        }
        let url = format!("{}/{product}/index.json", o.base);
        let index: Index = parse_json(&o.fetcher.get_text(&url)?, &url)?;
        let releases = super::releases_named(index.versions.keys(), Scheme::Semver);
        Ok(Hashicorp {
            base: o.base.clone(),
            product: product.to_string(),
            index,
            releases,
        })
    }
}

impl Source for Hashicorp {
    fn releases(&self) -> &[Release] {
        &self.releases
    }

    fn pin(
        &self,
        release: &Release,
        platforms: &[Platform],
        fetcher: &Fetcher,
    ) -> Result<BTreeMap<Platform, Found>> {
        let v = &self.index.versions[release.version.as_str()];
        let sums_name = v
            .shasums
            .clone()
            .unwrap_or_else(|| format!("{}_{}_SHA256SUMS", self.product, v.version));
        let dir = format!("{}/{}/{}", self.base, self.product, v.version);
        let sums = fetcher.get_text(&format!("{dir}/{sums_name}"))?;
        let mut out = BTreeMap::new();
        for &platform in platforms {
            let (os, arch) = platform.names(Dialect::Go);
            let build = v
                .builds
                .iter()
                .find(|b| b.os == os && b.arch == arch)
                .ok_or_else(|| {
                    anyhow!(
                        "{} {} has no build for {platform} ({os}_{arch}) in the index",
                        self.product,
                        v.version
                    )
                })?;
            let digest = checksums::sha256_for(&sums, &sums_name, &build.filename)?
                .ok_or_else(|| anyhow!("{sums_name} lists no sha256 for {}", build.filename))?;
            let mut found = Found::at(format!("{dir}/{}", build.filename), digest, &[]);
            found.bin = vec![format!("{}={}", self.product, self.product)];
            found.digest_from = Some(sums_name.clone());
            out.insert(platform, found);
        }
        Ok(out)
    }
}
