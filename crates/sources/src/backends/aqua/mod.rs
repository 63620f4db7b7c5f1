//! The `aqua` source: packages described in the format of the aqua
//! registry (`registry.yaml`: a list of `packages`), resolved to GitHub
//! release assets (`type: github_release`) or plain URLs (`type: http`).
//!
//! What is read of a package definition: `name`, `repo_owner`,
//! `repo_name`, `description`, `search_words`, `aliases`, `type`
//! (`github_release`, `http`, `github_archive`, `github_content`; Go and
//! cargo packages are refused by name), `asset`, `url`, `path`, `format`,
//! `files`, `replacements`, `overrides` (by `goos`, `goarch` and the libc
//! `variants`), `supported_envs`, `rosetta2`, `vars`, `version_prefix`,
//! `version_filter`, `version_constraint` with `version_overrides`, and
//! `checksum` (`type` `github_release` or `http`). Templates are read by
//! `devenv_model::aqua::template`, expressions by
//! `devenv_model::aqua::expr`. The cosign, SLSA, minisign and GitHub
//! attestation declarations are rendered and located here ([`declared`])
//! and handed to lock time, which fetches and verifies them.
//!
//! Versions are the repository's GitHub releases, read through the
//! `github` backend's API (and its mirror setting); `http` downloads go
//! through the URL mirrors of [`super::Mirrors::rewrite`].

#[cfg(test)]
mod corpus;
pub mod declared;
mod resolve;

pub(crate) use devenv_model::aqua::{Package, Registry};
pub(crate) use resolve::{Resolved, refused_kind, resolve};

use super::github::{Api, Digests, GhRelease, version_of_tag};
use super::{Backend, Found, Mirrors, Opening, Source, checksums};
use anyhow::{Context, bail};
use anyhow::{Result, anyhow};
use devenv_model::aqua::MAX_REGISTRY_BYTES;
use devenv_model::digest::{Algorithm, Digest};
use devenv_model::manifest::Manifest;
use devenv_model::platform::Platform;
use devenv_model::ui;
use devenv_model::version::{Release, Version};
use devenv_net::fetch::Fetcher;
use std::collections::BTreeMap;

/// The `aqua` backend's registration. Its "server" is GitHub's API (the
/// registry itself is data: built in, or `[settings] registries`).
pub(crate) const OPEN: super::Open = |o| Ok(Box::new(Aqua::open(o)?));

/// An aqua package, opened: its definition and its releases.
pub(crate) struct Aqua {
    package: Package,
    releases: Vec<Release>,
    /// Version → the release (its tag and assets).
    by_version: BTreeMap<String, GhRelease>,
    mirrors: Mirrors,
}

impl Aqua {
    pub(crate) fn open(o: &Opening) -> Result<Aqua> {
        let package = o
            .catalog
            .aqua
            .find(o.package)
            .ok_or_else(|| {
                anyhow!(
                    "the aqua registry has no package `{}`; look for it with `devenv search`, or add a registry with `[settings] registries = [\"registry.yaml\"]`",
                    o.package
                )
            })?;
        if package.version_overrides.is_empty()
            && let Some(why) = refused_kind(&package, &package.fields)
        {
            bail!("{why}");
        }
        let repo = package.repo().ok_or_else(|| {
            anyhow!(
                "aqua:{} names no repo_owner and repo_name, so devenv cannot list its versions",
                o.package
            )
        })?;
        let api = Api::new(&o.mirrors.base(Backend::Github));
        let mut by_version = BTreeMap::new();
        let mut releases = Vec::new();
        let filter = package
            .version_filter
            .as_deref()
            .map(devenv_model::aqua::expr::parse)
            .transpose()?;
        let listed = if package.version_source.as_deref() == Some("github_tag") {
            api.tags(&repo, o.fetcher)?
        } else {
            api.releases(&repo, o.fetcher)?
        };
        for r in listed {
            let prefix = package.version_prefix.as_deref().unwrap_or("");
            if let Some(f) = &filter {
                let semver = r.tag_name.strip_prefix(prefix).unwrap_or(&r.tag_name);
                let env = devenv_model::aqua::expr::Env {
                    version: &r.tag_name,
                    semver,
                };
                // A tag the filter cannot judge (not a version) is no version.
                if !f
                    .eval(&env)
                    .is_ok_and(|v| v == devenv_model::aqua::expr::Value::Bool(true))
                {
                    continue;
                }
            }
            let Some(rest) = r.tag_name.strip_prefix(prefix) else {
                continue;
            };
            let Some(v) = (if prefix.is_empty() {
                version_of_tag(rest)
            } else {
                Version::parse(
                    devenv_model::version::Scheme::Semver,
                    rest.trim_start_matches('v'),
                )
            }) else {
                continue;
            };
            if by_version.contains_key(v.as_str()) {
                continue;
            }
            let mut release = Release::new(v.clone());
            release.yanked = r.prerelease && !v.as_str().contains('-');
            by_version.insert(v.as_str().to_string(), r);
            releases.push(release);
        }
        Ok(Aqua {
            package,
            releases,
            by_version,
            mirrors: o.mirrors.clone(),
        })
    }

    fn label(&self, version: &str) -> String {
        format!("aqua:{} {version}", self.package.full_name())
    }
}

impl Source for Aqua {
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
        let r = &self.by_version[version];
        let digests = Digests::new(r, fetcher);
        let mut out = BTreeMap::new();
        for &platform in platforms {
            let res = resolve(&self.package, &r.tag_name, platform)?;
            let found = match res.kind.as_str() {
                "github_release" => self.pin_asset(&res, r, &digests, version)?,
                _ => self.pin_http(&res, r, version, fetcher)?,
            };
            out.insert(platform, found);
        }
        Ok(out)
    }
}

impl Aqua {
    fn pin_asset(
        &self,
        res: &Resolved,
        r: &GhRelease,
        digests: &Digests,
        version: &str,
    ) -> Result<Found> {
        let asset = r
            .assets
            .iter()
            .find(|a| a.name == res.target)
            .ok_or_else(|| {
                anyhow!(
                    "{}: the release {} has no asset `{}`",
                    self.label(version),
                    r.tag_name,
                    res.target
                )
            })?;
        let (digest, from) = match &res.checksum {
            Some(c) if c.kind == "github_release" && c.algorithm == "sha256" => {
                let file = &c.target;
                let sums = r.assets.iter().find(|a| &a.name == file).ok_or_else(|| {
                    anyhow!(
                        "{}: the checksum file `{file}` its definition names is not in the release {}",
                        self.label(version),
                        r.tag_name
                    )
                })?;
                let text = digests.file(sums)?;
                let d = checksums::sha256_for(&text, file, &asset.name)?.ok_or_else(|| {
                    anyhow!(
                        "{}: {file} lists no sha256 for {}",
                        self.label(version),
                        asset.name
                    )
                })?;
                (d, format!("checksum file {file}"))
            }
            // A checksum of another algorithm, or published elsewhere:
            // the release's own digests.
            _ => digests.of(asset, &self.label(version))?,
        };
        Ok(Found {
            url: asset.browser_download_url.clone(),
            digest,
            format: res.format,
            bin: res.bin.clone(),
            digest_from: Some(from.clone()),
            home: None,
            parts: Vec::new(),
            layout: None,
            declared: match self.package.repo() {
                // Nothing declared: what the release publishes beside
                // the asset, and its GitHub attestations, as for `github:`.
                Some(repo) if !res.declared.any() => Some(Box::new(super::github::published(
                    r,
                    &repo,
                    &asset.name,
                    &from,
                ))),
                _ => self.locate(res, r),
            },
        })
    }

    /// The declared signature material of `res` (possibly none: lock time
    /// then records that nothing is published), each release asset it
    /// names found among `r`'s assets (one not there stays named by its
    /// name, for lock time to report), URLs through the mirrors.
    fn locate(&self, res: &Resolved, r: &GhRelease) -> Option<Box<declared::Declared>> {
        let mut d = res.declared.clone();
        d.repo = self.package.repo();
        // A URL of this release's own asset (`--signature
        // https://github.com/O/R/releases/download/TAG/x.sig`) is that asset.
        let own = self.package.repo().map(|repo| {
            format!(
                "https://github.com/{repo}/releases/download/{}/",
                r.tag_name
            )
        });
        for place in d.places_mut() {
            if let (declared::Place::Url(url), Some(own)) = (&*place, &own)
                && let Some(name) = url.strip_prefix(own.as_str())
                && !name.contains('/')
            {
                *place = declared::Place::Asset(name.to_string());
            }
            *place = match place {
                declared::Place::Asset(name) => match r.assets.iter().find(|a| &a.name == name) {
                    Some(a) => declared::Place::Url(a.browser_download_url.clone()),
                    None => declared::Place::Asset(name.clone()),
                },
                declared::Place::Url(url) => declared::Place::Url(self.mirrors.rewrite(url)),
            };
        }
        Some(Box::new(d))
    }

    fn pin_http(
        &self,
        res: &Resolved,
        r: &GhRelease,
        version: &str,
        fetcher: &Fetcher,
    ) -> Result<Found> {
        let url = self.mirrors.rewrite(&res.target);
        let (digest, from): (Digest, String) = match &res.checksum {
            Some(c) if c.kind == "http" && c.algorithm == "sha256" => {
                let sums_url = self.mirrors.rewrite(&c.target);
                let text = fetcher.get_text(&sums_url)?;
                let file = sums_url.rsplit('/').next().unwrap_or(&sums_url);
                let asset = res.target.rsplit('/').next().unwrap_or(&res.target);
                let d = checksums::sha256_for(&text, file, asset)?.ok_or_else(|| {
                    anyhow!(
                        "{}: {sums_url} lists no sha256 for {asset}",
                        self.label(version)
                    )
                })?;
                (d, format!("checksum file {file}"))
            }
            _ => {
                let d = fetcher.digest_of(&url, Algorithm::Sha256)?;
                ui::info(format!(
                    "{}: its definition names no checksum, so the download was trusted on first use and its digest {d} recorded in devenv.lock",
                    self.label(version)
                ));
                (d, "trust on first use".into())
            }
        };
        Ok(Found {
            url,
            digest,
            format: res.format,
            bin: res.bin.clone(),
            digest_from: Some(from),
            home: None,
            parts: Vec::new(),
            layout: None,
            declared: self.locate(res, r),
        })
    }
}

/// Loads `[settings] registries` (files relative to `root`, or URLs),
/// in order.
pub(crate) fn load_registries(
    extra: &[String],
    root: &std::path::Path,
    fetcher: &Fetcher,
    mirrors: &Mirrors,
) -> Result<Registry> {
    let mut packages = Vec::new();
    for place in extra {
        let text = if place.starts_with("https://") || place.starts_with("http://") {
            let (url, pinned) = split_pin(place)?;
            let text = fetcher
                .get_text(&mirrors.rewrite(url))
                .with_context(|| format!("could not read the aqua registry {url}"))?;
            if let Some(expected) = pinned {
                let actual = Digest::of(Algorithm::Sha256, text.as_bytes());
                if actual != expected {
                    bail!(
                        "the aqua registry {url} is not the one devenv.toml pins: expected {expected}, got {actual}; if the new content is intended, review it and update the `#sha256=` in [settings] registries"
                    );
                }
            }
            text
        } else {
            let path = root.join(place);
            read_file(&path).with_context(|| {
                format!("could not read the aqua registry {place} (from `[settings] registries`)")
            })?
        };
        packages.extend(Registry::parse(&text, place)?.packages);
    }
    Ok(Registry {
        packages,
        builtin: false,
    })
}

/// A registry URL and the sha256 its `#sha256=<hex>` suffix pins, if any.
pub fn split_pin(place: &str) -> Result<(&str, Option<Digest>)> {
    match place.split_once("#sha256=") {
        None => Ok((place, None)),
        Some((url, hex)) => {
            let digest: Digest = format!("sha256:{hex}").parse().map_err(|_| {
                anyhow!(
                    "`{place}` in [settings] registries: `#sha256=` takes the 64 hex digits of the file's sha256"
                )
            })?;
            Ok((url, Some(digest)))
        }
    }
}

/// One line for each name of the built-in catalog that `manifest`'s own
/// registry files (`[settings] registries`, local files) replace, read
/// without the network; a file that cannot be read or parsed is left to
/// resolution to report.
pub fn replacements(manifest: &Manifest) -> Vec<String> {
    let local: Vec<&String> = manifest
        .settings
        .registries
        .iter()
        .filter(|p| !p.starts_with("https://") && !p.starts_with("http://"))
        .collect();
    if local.is_empty() {
        return Vec::new();
    }
    let Ok(catalog) = devenv_model::catalog::Catalog::for_manifest(manifest) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for place in local {
        let Ok(text) = read_file(&manifest.root.join(place)) else {
            continue;
        };
        let Ok(registry) = Registry::parse(&text, place) else {
            continue;
        };
        for (name, builtin, theirs) in catalog.replaced_by(&registry) {
            out.push(format!(
                "the project's registry {place} replaces the built-in `{name}` ({builtin}) with its own definition of {theirs}"
            ));
        }
    }
    out
}

/// A registry file: a regular file under the size limit.
fn read_file(path: &std::path::Path) -> Result<String> {
    let meta = std::fs::metadata(path)
        .map_err(|e| anyhow!("{}: {}", path.display(), devenv_model::error::io_reason(&e)))?;
    if !meta.is_file() || meta.len() > MAX_REGISTRY_BYTES as u64 {
        bail!(
            "{} is not a regular file under {MAX_REGISTRY_BYTES} bytes",
            path.display()
        );
    }
    std::fs::read_to_string(path)
        .map_err(|e| anyhow!("{}: {}", path.display(), devenv_model::error::io_reason(&e)))
}

/// The catalog of `manifest`: built in, its `[settings] registries`
/// (read from files or fetched), and its `[catalog]` tables.
pub fn load_catalog(
    manifest: &Manifest,
    fetcher: &Fetcher,
    mirrors: &Mirrors,
) -> Result<devenv_model::catalog::Catalog> {
    let mut catalog = devenv_model::catalog::Catalog::for_manifest(manifest)?;
    if !manifest.settings.registries.is_empty() {
        let project = load_registries(
            &manifest.settings.registries,
            &manifest.root,
            fetcher,
            mirrors,
        )?;
        catalog.add_aqua(project);
    }
    Ok(catalog)
}
