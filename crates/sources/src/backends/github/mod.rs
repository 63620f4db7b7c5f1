//! The `github` source: a repository's releases, read through the GitHub
//! REST API (`GET {api}/repos/{owner}/{repo}/releases`, 100 a page,
//! following the `Link: rel="next"` header, at most [`MAX_PAGES`] pages).
//!
//! The API base is `DEVENV_GITHUB_API` or `[settings] mirrors.github`
//! (GitHub Enterprise: `https://ghe.example.com/api/v3`). The user's token
//! (`GITHUB_TOKEN` or `GH_TOKEN`) is attached by the HTTP layer, only to a
//! host the user tied it to (see `devenv_net::credentials`): never to the
//! download URLs, never to a mirror the repository names, and never
//! printed.
//!
//! Each platform's asset is chosen by [`select_asset`]'s rules, or by the
//! tool's `asset = "..."` template. Its digest comes, in this order, from a
//! checksum file of the same release (`<asset>.sha256`, `checksums.txt`,
//! `SHA256SUMS`...), from the API's own `digest` of the asset, or — trusted
//! on first use, as for URL tools — from downloading it once; the lock's
//! `digest_from` says which.

mod assets;

pub(crate) use assets::{matches_template, select_asset};

use super::checksums;
use super::{Found, Opening, Source, parse_json};
use anyhow::{Result, anyhow, bail};
use devenv_model::digest::{Algorithm, Digest};
use devenv_model::platform::Platform;
use devenv_model::ui;
use devenv_model::version::{Release, Scheme, Version};
use devenv_net::fetch::Fetcher;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// How many pages of 100 releases are read at most.
pub(crate) const MAX_PAGES: usize = 30;

/// The `github` backend's registration.
pub(crate) const OPEN: super::Open = |o| Ok(Box::new(Github::open(o)?));

/// One release as the API describes it.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GhRelease {
    pub(crate) tag_name: String,
    #[serde(default)]
    pub(crate) draft: bool,
    #[serde(default)]
    pub(crate) prerelease: bool,
    #[serde(default)]
    pub(crate) assets: Vec<GhAsset>,
}

/// One file of a release.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GhAsset {
    pub(crate) name: String,
    pub(crate) browser_download_url: String,
    /// `sha256:<hex>`, on assets uploaded since GitHub started computing it.
    #[serde(default)]
    pub(crate) digest: Option<String>,
}

/// The API of one GitHub (or GitHub Enterprise, or mirror) server.
pub(crate) struct Api {
    pub(crate) base: String,
}

impl Api {
    /// The API at `base`.
    pub(crate) fn new(base: &str) -> Api {
        Api {
            base: base.trim_end_matches('/').to_string(),
        }
    }

    /// Every release of `repo` (`owner/name`), newest first, drafts left out.
    pub(crate) fn releases(&self, repo: &str, fetcher: &Fetcher) -> Result<Vec<GhRelease>> {
        let all: Vec<GhRelease> = self.list(repo, "releases", fetcher)?;
        Ok(all.into_iter().filter(|r| !r.draft).collect())
    }

    /// The repository's tags, as releases without assets: the versions of
    /// a package whose files are not release assets (aqua's
    /// `version_source: github_tag`, with `http` or archive downloads).
    pub(crate) fn tags(&self, repo: &str, fetcher: &Fetcher) -> Result<Vec<GhRelease>> {
        #[derive(Deserialize)]
        struct Tag {
            name: String,
        }
        let tags: Vec<Tag> = self.list(repo, "tags", fetcher)?;
        Ok(tags
            .into_iter()
            .map(|t| GhRelease {
                tag_name: t.name,
                draft: false,
                prerelease: false,
                assets: Vec::new(),
            })
            .collect())
    }

    /// Every page of `/repos/REPO/WHAT` (`releases`, `tags`), following the
    /// `Link` header, at most [`MAX_PAGES`] pages.
    fn list<T: serde::de::DeserializeOwned>(
        &self,
        repo: &str,
        what: &str,
        fetcher: &Fetcher,
    ) -> Result<Vec<T>> {
        check_repo(repo)?;
        let mut url = format!("{}/repos/{repo}/{what}?per_page=100", self.base);
        let mut all = Vec::new();
        for _ in 0..MAX_PAGES {
            let headers = [
                ("Accept", "application/vnd.github+json".to_string()),
                ("X-GitHub-Api-Version", "2022-11-28".to_string()),
            ];
            let answer = fetcher.get_github_api(&url, &headers)?;
            match answer.status {
                200 => {}
                404 => bail!(
                    "GitHub has no repository `{repo}` at {} (or it is private{}); check the spelling",
                    self.base,
                    if answer.authorized {
                        " and the token cannot see it"
                    } else if fetcher.keyring().has_github_token() {
                        ": your token was not sent to this host, see above"
                    } else {
                        ": set GITHUB_TOKEN to reach private repositories"
                    }
                ),
                _ => bail!("{}", api_failure(&answer, &url, fetcher)),
            }
            let page: Vec<T> = parse_json(&answer.body, &url)?;
            all.extend(page);
            match answer.header("link").and_then(next_link) {
                Some(next) => url = next,
                None => return Ok(all),
            }
        }
        Ok(all)
    }
}

/// Why an answer of the GitHub API at `url` other than 200 or 404 failed,
/// and what to do: a used-up rate limit says when it resets and how a
/// token raises it; anything else gives the API's own message.
pub fn api_failure(answer: &devenv_net::fetch::Answer, url: &str, fetcher: &Fetcher) -> String {
    let rate_limited = answer.status == 429
        || (answer.status == 403 && answer.header("x-ratelimit-remaining") == Some("0"));
    if rate_limited {
        let mut message = rate_limit_message(answer, answer.authorized, now());
        if !answer.authorized && fetcher.keyring().has_github_token() {
            message.push_str(
                " (your token was not sent to this host, see above: tie it with DEVENV_GITHUB_TOKEN_HOSTS if this host should have it)",
            );
        }
        return message;
    }
    format!(
        "{url} answered {}: {}",
        answer.status,
        api_message(&answer.body).unwrap_or_else(|| "no explanation".into())
    )
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// `owner/name`, each part a plain GitHub name.
fn check_repo(repo: &str) -> Result<()> {
    if !devenv_model::names::github_repo(repo) {
        bail!(
            "`{repo}` is not a GitHub repository; write it as `owner/name`, e.g. `github:cli/cli`"
        );
    }
    Ok(())
}

/// The `message` of a GitHub error body.
fn api_message(body: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct E {
        message: String,
    }
    serde_json::from_str::<E>(body)
        .ok()
        .map(|e| printable(&e.message))
}

/// Server text made safe to print: control characters replaced, bounded.
fn printable(s: &str) -> String {
    s.chars()
        .take(300)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// What to tell a user who ran out of API requests.
pub(crate) fn rate_limit_message(
    answer: &devenv_net::fetch::Answer,
    has_token: bool,
    now: i64,
) -> String {
    let when = answer
        .header("x-ratelimit-reset")
        .and_then(|v| v.trim().parse::<i64>().ok())
        .map(|reset| {
            let minutes = ((reset - now).max(0) + 59) / 60;
            format!(
                "; it resets at {} (in {minutes} min)",
                devenv_model::time::rfc3339(reset)
            )
        })
        .or_else(|| {
            answer
                .header("retry-after")
                .map(|s| format!("; retry after {} s", printable(s)))
        })
        .unwrap_or_default();
    let limit = answer
        .header("x-ratelimit-limit")
        .map(|l| format!(" ({} requests an hour)", printable(l)))
        .unwrap_or_default();
    let advice = if has_token {
        "wait, or use a token with a higher limit"
    } else {
        "set GITHUB_TOKEN (or GH_TOKEN) to a GitHub token to get 5000 requests an hour instead of 60 (any token works, no scopes needed for public repositories)"
    };
    format!("GitHub's API rate limit is used up{limit}{when}; {advice}")
}

/// The `rel="next"` URL of a `Link` header.
fn next_link(header: &str) -> Option<String> {
    header.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        params
            .split(';')
            .any(|p| p.trim() == "rel=\"next\"")
            .then(|| {
                url.trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string()
            })
    })
}

/// The version a tag names: `v2.63.0` → `2.63.0`, `jq-1.7.1` → `1.7.1`.
pub(crate) fn version_of_tag(tag: &str) -> Option<Version> {
    let start = tag.find(|c: char| c.is_ascii_digit())?;
    let prefix = &tag[..start];
    // Only a name-like prefix (`v`, `jq-`, `release-`), not `1.0-2.0`.
    if !prefix
        .chars()
        .all(|c| c.is_ascii_alphabetic() || "-_/".contains(c))
    {
        return None;
    }
    Version::parse(Scheme::Semver, &tag[start..])
}

/// Finds each asset's digest in a release, reading each checksum file once.
pub(crate) struct Digests<'a> {
    release: &'a GhRelease,
    fetcher: &'a Fetcher,
    files: Mutex<BTreeMap<String, String>>,
}

impl<'a> Digests<'a> {
    pub(crate) fn new(release: &'a GhRelease, fetcher: &'a Fetcher) -> Digests<'a> {
        Digests {
            release,
            fetcher,
            files: Mutex::new(BTreeMap::new()),
        }
    }

    /// The text of the release's checksum asset `name`.
    pub(crate) fn file(&self, asset: &GhAsset) -> Result<String> {
        if let Some(t) = self.files.lock().expect("not poisoned").get(&asset.name) {
            return Ok(t.clone());
        }
        let text = self.fetcher.get_text(&asset.browser_download_url)?;
        self.files
            .lock()
            .expect("not poisoned")
            .insert(asset.name.clone(), text.clone());
        Ok(text)
    }

    /// The digest of `asset`, and where it came from.
    pub(crate) fn of(&self, asset: &GhAsset, label: &str) -> Result<(Digest, String)> {
        // `<asset>.sha256` first, then the release's combined files.
        let mut candidates: Vec<&GhAsset> = self
            .release
            .assets
            .iter()
            .filter(|a| a.name != asset.name && checksums::is_checksum_file(&a.name))
            .collect();
        candidates.sort_by_key(|a| (!a.name.starts_with(&asset.name), a.name.clone()));
        for file in candidates {
            let text = self.file(file)?;
            if let Some(d) = checksums::sha256_for(&text, &file.name, &asset.name)? {
                return Ok((d, format!("checksum file {}", file.name)));
            }
        }
        if let Some(d) = asset
            .digest
            .as_deref()
            .and_then(|d| d.parse::<Digest>().ok())
        {
            return Ok((d, "release API digest".into()));
        }
        let d = self
            .fetcher
            .digest_of(&asset.browser_download_url, Algorithm::Sha256)?;
        ui::info(format!(
            "{label}: the release publishes no checksum for {}, so the download was trusted on first use and its digest {d} recorded in devenv.lock",
            asset.name
        ));
        Ok((d, "trust on first use".into()))
    }
}

/// What `r` publishes beside `asset` to sign it (see
/// [`super::aqua::declared::published`]), and beside the checksum file
/// its digest came from (`from`, as the lock's `digest_from` says it).
pub(crate) fn published(
    r: &GhRelease,
    repo: &str,
    asset: &str,
    from: &str,
) -> super::aqua::declared::Declared {
    let assets: Vec<(&str, &str)> = r
        .assets
        .iter()
        .map(|a| (a.name.as_str(), a.browser_download_url.as_str()))
        .collect();
    let checksums = from.strip_prefix("checksum file ");
    super::aqua::declared::published(&assets, repo, asset, checksums)
}

/// A repository's releases, opened.
pub(crate) struct Github {
    repo: String,
    releases: Vec<Release>,
    by_version: BTreeMap<String, GhRelease>,
    asset: Option<String>,
    bin: Option<Vec<String>>,
    /// The installing machine's C library: which Linux asset fits.
    libc: devenv_model::platform::Libc,
}

impl Github {
    pub(crate) fn open(o: &Opening) -> Result<Github> {
        let api = Api::new(&o.base);
        let list = api.releases(o.package, o.fetcher)?;
        let mut by_version = BTreeMap::new();
        let mut releases = Vec::new();
        for r in list {
            let Some(v) = version_of_tag(&r.tag_name) else {
                continue;
            };
            if by_version.contains_key(v.as_str()) {
                continue;
            }
            let mut release = Release::new(v.clone());
            // A release its publisher marked as a pre-release is only
            // chosen when asked for exactly.
            release.yanked = r.prerelease && !v.as_str().contains('-');
            by_version.insert(v.as_str().to_string(), r);
            releases.push(release);
        }
        Ok(Github {
            repo: o.package.to_string(),
            releases,
            by_version,
            asset: o.tool.asset.clone(),
            bin: None,
            libc: o.libc,
        })
    }
}

impl Source for Github {
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
        let libc = self.libc;
        let mut out = BTreeMap::new();
        for &platform in platforms {
            let asset = match &self.asset {
                Some(t) => r
                    .assets
                    .iter()
                    .find(|a| matches_template(t, &a.name, version, platform)),
                None => select_asset(&r.assets, platform, libc),
            };
            let Some(asset) = asset else {
                if let Some(installer) = assets::installer_only(&r.assets, platform, libc) {
                    return Err(anyhow!(
                        "{} {} publishes only a macOS installer for {platform} (`{}`), and devenv does not run installers: they write outside devenv's store, as an administrator. Take the tool from another source (`devenv search {}`), name an archive with `asset = \"...\"` if the release has one, or leave {platform} out of `[settings] platforms`",
                        self.repo,
                        version,
                        installer.name,
                        self.repo.rsplit('/').next().unwrap_or(&self.repo)
                    ));
                }
                let names: Vec<&str> = r.assets.iter().map(|a| a.name.as_str()).collect();
                let how = match &self.asset {
                    Some(t) => format!("matches `asset = \"{t}\"`"),
                    None => "names it".into(),
                };
                return Err(anyhow!(
                    "no asset of {} {} ({}) {how} for {platform}; its assets are {}. Name the right one with `asset = \"...{{version}}...{{os}}...{{arch}}...\"`",
                    self.repo,
                    version,
                    r.tag_name,
                    if names.is_empty() {
                        "none".into()
                    } else {
                        names.join(", ")
                    }
                ));
            };
            let (digest, from) = digests.of(asset, &format!("github:{} {version}", self.repo))?;
            let mut found = Found::at(asset.browser_download_url.clone(), digest, &[]);
            found.bin = self.bin.clone().unwrap_or_default();
            found.declared = Some(Box::new(published(r, &self.repo, &asset.name, &from)));
            found.digest_from = Some(from);
            out.insert(platform, found);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_pagination_and_rate_limits() {
        assert_eq!(version_of_tag("v2.63.0").unwrap().as_str(), "2.63.0");
        assert_eq!(version_of_tag("jq-1.7.1").unwrap().as_str(), "1.7.1");
        assert!(version_of_tag("nightly").is_none());
        let link = r#"<https://api.github.com/repositories/1/releases?per_page=100&page=2>; rel="next", <https://api.github.com/repositories/1/releases?per_page=100&page=4>; rel="last""#;
        assert_eq!(
            next_link(link).unwrap(),
            "https://api.github.com/repositories/1/releases?per_page=100&page=2"
        );
        assert_eq!(next_link(r#"<https://a/x?page=1>; rel="prev""#), None);
        let answer = devenv_net::fetch::Answer {
            status: 403,
            headers: vec![
                ("x-ratelimit-limit".into(), "60".into()),
                ("x-ratelimit-remaining".into(), "0".into()),
                ("x-ratelimit-reset".into(), "1732624200".into()),
            ],
            body: String::new(),
            authorized: false,
        };
        let msg = rate_limit_message(&answer, false, 1732624200 - 600);
        assert!(msg.contains("(60 requests an hour)"), "{msg}");
        assert!(
            msg.contains("resets at 2024-11-26T12:30:00Z (in 10 min)"),
            "{msg}"
        );
        assert!(msg.contains("set GITHUB_TOKEN"), "{msg}");
    }
}
