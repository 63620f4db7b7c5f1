//! Credentials by host: the one place that decides whether a request
//! carries one.
//!
//! Like Docker's `config.json` auths and git's credential helpers, a
//! credential belongs to hosts, and only the user ties it to one, through
//! their own environment:
//!
//! - `GITHUB_TOKEN` (or `GH_TOKEN`) goes to the GitHub API the user set
//!   with `DEVENV_GITHUB_API`, else to `api.github.com`, and to the hosts of
//!   `DEVENV_GITHUB_TOKEN_HOSTS`;
//! - `DEVENV_CACHE_TOKEN` goes to the hosts of the user's `DEVENV_CACHES`
//!   and of `DEVENV_CACHE_TOKEN_HOSTS`;
//! - the `auths` of Docker's `config.json` go to the host each is keyed by
//!   (`docker login` is the user tying them).
//!
//! A repository may name mirrors (`[settings] mirrors`), caches and
//! registries, but naming a host ties nothing to it. And no credential
//! travels over plain http, except to this machine (loopback). When a
//! credential is withheld, one line says so, once per credential and host.
//! Redirects never carry one either: the HTTP client drops
//! `Authorization` on every redirect.

use devenv_model::config::hosts::{HostPort, Origin};
use devenv_model::config::{Config, vars};
use devenv_model::ui;
use std::collections::BTreeSet;
use std::sync::Mutex;

/// A credential of the user's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Secret {
    /// `GITHUB_TOKEN` or `GH_TOKEN`, for a GitHub API.
    GitHubToken,
    /// `DEVENV_CACHE_TOKEN`, for registry caches.
    CacheToken,
    /// An `auths` entry of Docker's `config.json`.
    DockerAuth,
}

/// Why a credential stays home.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Withheld {
    /// Plain http to another machine: anyone on the way could read it.
    PlainHttp,
    /// The user tied the credential to other hosts only.
    NotTied,
}

/// Whether `secret` may go to `origin`, given the hosts the user tied it to.
pub fn decide(origin: &Origin, tied: &[HostPort]) -> Result<(), Withheld> {
    if origin.is_plain_remote() {
        return Err(Withheld::PlainHttp);
    }
    if !tied.contains(&origin.host) {
        return Err(Withheld::NotTied);
    }
    Ok(())
}

/// The user's credentials and the hosts each is tied to, read once from
/// the configuration. No `Debug`: nothing here is ever printed.
#[derive(Default)]
pub struct Keyring {
    /// The token and the variable it came from.
    github: Option<(String, &'static str)>,
    github_hosts: Vec<HostPort>,
    cache_token: Option<String>,
    cache_hosts: Vec<HostPort>,
    /// What has been said already: (credential, host).
    told: Mutex<BTreeSet<(Secret, String)>>,
}

/// The public GitHub API, where `GITHUB_TOKEN` goes unless the user set
/// `DEVENV_GITHUB_API`.
pub const GITHUB_API: &str = "https://api.github.com";

impl Keyring {
    /// The credentials of `config` (and the `GITHUB_TOKEN`/`GH_TOKEN` of
    /// the environment), with the hosts the user tied each to.
    pub fn new(config: &Config) -> Keyring {
        let github = ["GITHUB_TOKEN", "GH_TOKEN"].into_iter().find_map(|v| {
            devenv_model::config::outer_var(v)
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .map(|t| (t, v))
        });
        let api = config
            .var(&vars::GITHUB_API)
            .filter(|v| !v.trim().is_empty())
            .unwrap_or(GITHUB_API);
        let mut github_hosts: Vec<HostPort> = Origin::of_url(api.trim())
            .map(|o| o.host)
            .into_iter()
            .collect();
        github_hosts.extend(config.github_token_hosts.iter().cloned());
        let cache_token = config
            .var(&vars::CACHE_TOKEN)
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty());
        let mut cache_hosts: Vec<HostPort> = config
            .var(&vars::CACHES)
            .unwrap_or("")
            .split(',')
            .filter_map(|entry| {
                match devenv_model::cache_spec::Spec::parse(entry, std::path::Path::new("")) {
                    Ok(devenv_model::cache_spec::Spec::Registry { scheme, host, .. }) => {
                        Origin::of_url(&format!("{scheme}://{host}/")).map(|o| o.host)
                    }
                    _ => None,
                }
            })
            .collect();
        cache_hosts.extend(config.cache_token_hosts.iter().cloned());
        Keyring {
            github,
            github_hosts,
            cache_token,
            cache_hosts,
            told: Mutex::new(BTreeSet::new()),
        }
    }

    /// Whether the user has a GitHub token at all (for advice in errors).
    pub fn has_github_token(&self) -> bool {
        self.github.is_some()
    }

    /// The `Authorization` value for a GitHub API request to `url`, when
    /// the user has a token tied to its host; else `None`, saying once why
    /// a token was withheld.
    pub(crate) fn github_authorization(&self, url: &str) -> Option<String> {
        let (token, var) = self.github.as_ref()?;
        self.allowed(Secret::GitHubToken, var, url, &self.github_hosts)
            .then(|| format!("Bearer {token}"))
    }

    /// `DEVENV_CACHE_TOKEN`, when the user tied it to the cache at `base`
    /// (`scheme://host[:port]`); else `None`, saying once why.
    pub(crate) fn cache_token(&self, base: &str) -> Option<String> {
        let token = self.cache_token.as_ref()?;
        self.allowed(
            Secret::CacheToken,
            "DEVENV_CACHE_TOKEN",
            base,
            &self.cache_hosts,
        )
        .then(|| token.clone())
    }

    /// Whether Docker's credentials for the host of `base` may be sent
    /// there: `docker login` tied them to that host, so only plain http to
    /// another machine is refused.
    pub(crate) fn docker_auth_allowed(&self, base: &str) -> bool {
        let Some(origin) = Origin::of_url(base) else {
            return false;
        };
        let tied = [origin.host.clone()];
        self.allowed(Secret::DockerAuth, "your Docker credentials", base, &tied)
    }

    fn allowed(&self, secret: Secret, name: &str, url: &str, tied: &[HostPort]) -> bool {
        let Some(origin) = Origin::of_url(url) else {
            return false;
        };
        let why = match decide(&origin, tied) {
            Ok(()) => return true,
            Err(why) => why,
        };
        let first = self
            .told
            .lock()
            .expect("not poisoned")
            .insert((secret, origin.host.to_string()));
        if first {
            ui::warn(withheld_message(secret, name, &origin, &why));
        }
        false
    }
}

/// The one line that says a credential was withheld, and how to send it.
pub fn withheld_message(secret: Secret, name: &str, origin: &Origin, why: &Withheld) -> String {
    let host = &origin.host;
    match why {
        Withheld::PlainHttp => format!(
            "{name} was not sent to {host}: it is plain http to another machine, and devenv sends credentials over http only to loopback hosts; use https"
        ),
        Withheld::NotTied => {
            let how = match secret {
                Secret::GitHubToken => {
                    "it goes only to the GitHub API you set (DEVENV_GITHUB_API, else api.github.com); to send it to this host too, add it to DEVENV_GITHUB_TOKEN_HOSTS"
                }
                Secret::CacheToken => {
                    "it goes only to the caches of your own DEVENV_CACHES; to send it to this host too, add it to DEVENV_CACHE_TOKEN_HOSTS"
                }
                Secret::DockerAuth => "it goes only to the host of its `auths` entry",
            };
            format!("{name} was not sent to {host}, which you did not tie it to; {how}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn origin(url: &str) -> Origin {
        Origin::of_url(url).unwrap()
    }

    fn hp(s: &str) -> HostPort {
        devenv_model::config::hosts::parse_host_port(s, 443).unwrap()
    }

    #[test]
    fn plain_http_carries_credentials_only_to_loopback() {
        let tied = [
            hp("ghe.example.com:80"),
            hp("127.0.0.1:8080"),
            hp("localhost:80"),
        ];
        assert_eq!(
            decide(&origin("http://ghe.example.com/api/v3"), &tied),
            Err(Withheld::PlainHttp),
            "tied, but in clear text over the network"
        );
        assert_eq!(decide(&origin("http://127.0.0.1:8080/api"), &tied), Ok(()));
        assert_eq!(decide(&origin("http://localhost/api"), &tied), Ok(()));
        assert_eq!(
            decide(&origin("http://10.0.0.1:8080/api"), &[hp("10.0.0.1:8080")]),
            Err(Withheld::PlainHttp)
        );
        assert_eq!(
            decide(
                &origin("https://ghe.example.com/api/v3"),
                &[hp("ghe.example.com")]
            ),
            Ok(())
        );
    }

    #[test]
    fn only_hosts_the_user_tied_receive_a_credential() {
        let tied = [hp("api.github.com")];
        assert_eq!(
            decide(&origin("https://api.github.com/repos/a/b"), &tied),
            Ok(())
        );
        for other in [
            "https://mirror.example/repos/a/b",
            "https://api.github.com:8443/repos",
            "https://api.github.com.evil.example/",
            "https://api.github.com@evil.example/",
            "http://127.0.0.1:9999/api",
        ] {
            assert_eq!(
                decide(&origin(other), &tied),
                Err(Withheld::NotTied),
                "{other}"
            );
        }
    }

    fn config(vars: &[(&str, &str)]) -> Config {
        let vars: BTreeMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_vars(&vars, false).unwrap()
    }

    #[test]
    fn the_users_own_settings_tie_the_hosts() {
        let mut k = Keyring::new(&config(&[
            ("DEVENV_GITHUB_API", "https://ghe.example.com/api/v3"),
            ("DEVENV_GITHUB_TOKEN_HOSTS", "mirror.example"),
            (
                "DEVENV_CACHES",
                "oci://reg.example/team/cache, oci-layout:/srv/c",
            ),
            ("DEVENV_CACHE_TOKEN", "ct"),
            ("DEVENV_CACHE_TOKEN_HOSTS", "127.0.0.1:5000"),
        ]));
        k.github = Some(("gt".into(), "GITHUB_TOKEN"));
        assert_eq!(
            k.github_authorization("https://ghe.example.com/api/v3/repos/a/b/releases")
                .as_deref(),
            Some("Bearer gt")
        );
        assert!(k.github_authorization("https://mirror.example/x").is_some());
        assert!(
            k.github_authorization("https://api.github.com/repos/a/b")
                .is_none(),
            "the public API is not the one the user set"
        );
        assert_eq!(k.cache_token("https://reg.example").as_deref(), Some("ct"));
        assert!(k.cache_token("http://127.0.0.1:5000").is_some());
        assert!(k.cache_token("https://repo-chosen.example").is_none());
        assert!(k.docker_auth_allowed("https://repo-chosen.example"));
        assert!(!k.docker_auth_allowed("http://repo-chosen.example"));
    }

    #[test]
    fn the_withheld_line_names_the_credential_host_and_remedy() {
        let msg = withheld_message(
            Secret::GitHubToken,
            "GITHUB_TOKEN",
            &origin("https://mirror.example/api"),
            &Withheld::NotTied,
        );
        assert_eq!(
            msg,
            "GITHUB_TOKEN was not sent to mirror.example:443, which you did not tie it to; it goes only to the GitHub API you set (DEVENV_GITHUB_API, else api.github.com); to send it to this host too, add it to DEVENV_GITHUB_TOKEN_HOSTS"
        );
        assert!(!msg.contains('\n'));
    }
}
