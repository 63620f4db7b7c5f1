//! One configuration: the command line's global flags and devenv's
//! environment variables, resolved once when the command starts.
//!
//! Every setting devenv honours (`--offline`, `DEVENV_HOME`,
//! `DEVENV_HTTP_TIMEOUT`, the mirror URLs, …) is read
//! and checked here, in one place, so a malformed value fails the command
//! at once with the variable's name and what it accepts, instead of being
//! ignored (or misread) deep inside. The CLI resolves it right after
//! parsing the arguments and passes the one value down: to each command,
//! and from there inside [`crate::project::Context`] (the store, the HTTP
//! client and the backends' mirrors are made from it), the hook's run and
//! the watcher's builds. There is no process-wide copy and nothing else
//! reads devenv's variables; library callers and tests build their own
//! ([`Config::from_vars`], [`Config::defaults`]).
//!
//! `DEVENV_PLATFORM` is checked here against the machine's detection
//! ([`crate::platform::Platform::detect_host`]); [`Config::host`] answers
//! with the result.
//!
//! What stays outside on purpose: the variables devenv computes on rather
//! than is configured by — `PATH`, `SHELL`, the CI system's variables, the
//! values `[env]` interpolates — and the shell hook's own state.

pub mod hosts;
pub mod http;
pub mod vars;

use crate::archive;
use crate::platform::{Libc, Platform, PlatformError};
use anyhow::Result;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Everything devenv is configured by, resolved once.
#[derive(Debug, Clone)]
pub struct Config {
    /// `DEVENV_HOME`: root of all machine-wide state (default: the
    /// platform data directory).
    pub home: Option<PathBuf>,
    /// `DEVENV_CACHE_DIR`: the store's entries live here instead.
    pub cache_dir: Option<PathBuf>,
    /// `DEVENV_FROZEN`: every command behaves as with `--frozen`.
    pub frozen: bool,
    /// `--offline` or `DEVENV_OFFLINE`: no network at all.
    pub offline: bool,
    /// How downloads are made (`DEVENV_HTTP_*`, `DEVENV_MAX_DOWNLOAD_MB`).
    pub http: http::Settings,
    /// How much an archive may unpack to (`DEVENV_MAX_UNPACKED_MB`,
    /// `DEVENV_MAX_FILES`).
    pub unpack: archive::Limits,
    /// `DEVENV_GITHUB_TOKEN_HOSTS`: hosts besides the GitHub API the user
    /// set that `GITHUB_TOKEN` (or `GH_TOKEN`) may be sent to.
    pub github_token_hosts: Vec<hosts::HostPort>,
    /// `DEVENV_CACHE_TOKEN_HOSTS`: hosts besides those of `DEVENV_CACHES`
    /// that `DEVENV_CACHE_TOKEN` may be sent to.
    pub cache_token_hosts: Vec<hosts::HostPort>,
    /// `DEVENV_MAX_FILE_MB`: the largest manifest, lock, dotenv file or
    /// record devenv reads, replacing each kind's default limit.
    pub(crate) max_file: Option<u64>,
    /// The platform and C library devenv pins and installs for:
    /// `DEVENV_PLATFORM`, else this machine's, or why devenv cannot serve
    /// it (an error only the commands that install report; the hook keeps
    /// working).
    host: std::result::Result<(Platform, Libc), PlatformError>,
    /// Every other non-empty `DEVENV_*` variable as it was at the start
    /// (the mirror URLs, `DEVENV_CACHES`, `DEVENV_CACHE_TOKEN`), for the
    /// module that owns each; see [`Config::var`].
    vars: BTreeMap<String, String>,
}

impl Config {
    /// Resolves the configuration from the process environment and the
    /// `--offline` flag; an error names the malformed variable.
    #[allow(clippy::disallowed_methods, reason = "where the settings are read")]
    pub fn from_env(offline_flag: bool) -> Result<Config> {
        let vars: BTreeMap<String, String> = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .filter(|(k, _)| k.starts_with("DEVENV_"))
            .collect();
        Config::from_vars(&vars, offline_flag)
    }

    /// The configuration the variables `vars` and the `--offline` flag give.
    pub fn from_vars(vars: &BTreeMap<String, String>, offline_flag: bool) -> Result<Config> {
        let get = |name: &str| {
            vars.get(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let flag = |name: &str| -> Result<bool> {
            match get(name) {
                None => Ok(false),
                Some(v) => parse_flag(&v).ok_or_else(|| {
                    anyhow::anyhow!(
                        "{name} is `{v}`, but it must be 1, true, yes or on (or 0, false, no, off, or empty)"
                    )
                }),
            }
        };
        let offline = offline_flag || flag(vars::OFFLINE.name)?;
        let frozen = flag(vars::FROZEN.name)?;
        let mut http = http::Settings::from_vars(|name| vars.get(name).cloned())?;
        http.offline = offline;
        let unpack = archive::Limits::from_vars(|name| vars.get(name).cloned())?;
        let max_file = match get(vars::MAX_FILE_MB.name) {
            None => None,
            Some(v) => match v.parse::<u64>() {
                Ok(n) if n > 0 => Some(n.saturating_mul(1 << 20)),
                _ => anyhow::bail!(
                    "{} is `{v}`, but it must be a whole number of MiB above 0",
                    vars::MAX_FILE_MB.name
                ),
            },
        };
        let list = |name: &str| -> Result<Vec<hosts::HostPort>> {
            get(name).map_or(Ok(Vec::new()), |v| hosts::parse_list(name, &v))
        };
        let github_token_hosts = list(vars::GITHUB_TOKEN_HOSTS.name)?;
        let cache_token_hosts = list(vars::CACHE_TOKEN_HOSTS.name)?;
        let path = |name: &str| vars.get(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        let host = Platform::detect_host(vars.get(vars::PLATFORM.name).map(String::as_str));
        Ok(Config {
            home: path(vars::HOME.name),
            cache_dir: path(vars::CACHE_DIR.name),
            frozen,
            offline,
            http,
            unpack,
            max_file,
            github_token_hosts,
            cache_token_hosts,
            host,
            vars: vars.clone(),
        })
    }

    /// The configuration of an empty environment: every default, for
    /// tests and library callers that configure nothing.
    pub fn defaults() -> Config {
        Config::from_vars(&BTreeMap::new(), false).expect("the defaults are valid")
    }

    /// The platform and C library to pin and install for, or why devenv
    /// cannot serve this machine (or the `DEVENV_PLATFORM` asked for).
    pub fn host(&self) -> std::result::Result<(Platform, Libc), PlatformError> {
        self.host.clone()
    }

    /// The platform to install for. Commands that install check
    /// [`Config::host`] first, so by the time anything asks, the answer is
    /// known to be good; where it is not, `linux-x86_64`.
    pub fn platform(&self) -> Platform {
        self.host.as_ref().map_or(Platform::ALL[0], |(p, _)| *p)
    }

    /// The C library of the platform to install for (glibc unless detected
    /// otherwise).
    pub fn libc(&self) -> Libc {
        self.host.as_ref().map_or(Libc::Gnu, |(_, l)| *l)
    }

    /// How large a manifest, lock, dotenv file or record devenv reads.
    pub fn file_limits(&self) -> crate::files::Limits {
        crate::files::Limits::new(self.max_file)
    }

    /// The setting `var` (an entry of [`vars`]) as it was when the
    /// configuration was resolved; `None` when unset. An empty value is
    /// returned as it is, for the settings where empty means "off".
    pub fn var(&self, var: &vars::Var) -> Option<&str> {
        self.vars.get(var.name).map(String::as_str)
    }
}

/// A boolean setting: `Some(true)` for 1/true/yes/on, `Some(false)` for
/// 0/false/no/off or empty, `None` for anything else.
pub(crate) fn parse_flag(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "" | "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

/// A variable of the environment devenv computes with rather than is
/// configured by: `PATH`, `HOME`, `SHELL`, `PWD`, the CI system's, the
/// values `[env]` interpolates, the shell hook's own state. devenv's
/// settings are never read here: they are [`Config`]'s, read once.
#[allow(
    clippy::disallowed_methods,
    reason = "the one door to the environment outside the configuration"
)]
pub fn outer_var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// [`outer_var`], for a value that may not be UTF-8 (a path).
#[allow(
    clippy::disallowed_methods,
    reason = "the one door to the environment outside the configuration"
)]
pub fn outer_var_os(name: &str) -> Option<std::ffi::OsString> {
    std::env::var_os(name)
}

/// The whole environment of the process, for what passes it on (a child's
/// environment, the shell hook's record of what it changed).
#[allow(
    clippy::disallowed_methods,
    reason = "the one door to the environment outside the configuration"
)]
pub fn outer_vars() -> std::env::VarsOs {
    std::env::vars_os()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(list: &[(&str, &str)]) -> BTreeMap<String, String> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn resolves_every_setting_once() {
        let c = Config::from_vars(
            &vars(&[
                ("DEVENV_HOME", "/h"),
                ("DEVENV_OFFLINE", "yes"),
                ("DEVENV_FROZEN", "0"),
                ("DEVENV_HTTP_TIMEOUT", "7"),
                ("DEVENV_MAX_FILES", "10"),
                ("DEVENV_PLATFORM", "macos-aarch64"),
                ("DEVENV_PYPI_URL", "http://mirror"),
            ]),
            false,
        )
        .unwrap();
        assert_eq!(c.home, Some(PathBuf::from("/h")));
        assert!(c.offline && c.http.offline && !c.frozen);
        assert_eq!(c.http.timeout, std::time::Duration::from_secs(7));
        assert_eq!(c.unpack.max_entries, 10);
        assert_eq!(c.var(&vars::PYPI_URL), Some("http://mirror"));
        assert_eq!(c.platform().to_string(), "macos-aarch64");
        assert_eq!(
            c.file_limits().of(1),
            1,
            "no DEVENV_MAX_FILE_MB: each kind's own"
        );
        let c = Config::from_vars(&vars(&[("DEVENV_MAX_FILE_MB", "3")]), false).unwrap();
        assert_eq!(c.file_limits().of(1), 3 << 20);
        // The flag turns offline on whatever the environment says.
        let c = Config::from_vars(&vars(&[("DEVENV_OFFLINE", "off")]), true).unwrap();
        assert!(c.offline && c.http.offline);
    }

    #[test]
    fn malformed_values_are_errors_naming_the_variable() {
        let err = |list: &[(&str, &str)]| {
            Config::from_vars(&vars(list), false)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err(&[("DEVENV_OFFLINE", "maybe")]),
            "DEVENV_OFFLINE is `maybe`, but it must be 1, true, yes or on (or 0, false, no, off, or empty)"
        );
        assert!(err(&[("DEVENV_FROZEN", "2")]).starts_with("DEVENV_FROZEN is `2`"));
        assert!(err(&[("DEVENV_HTTP_RETRIES", "lots")]).contains("DEVENV_HTTP_RETRIES is `lots`"));
        assert!(err(&[("DEVENV_MAX_FILES", "-1")]).contains("DEVENV_MAX_FILES is `-1`"));
        // A platform devenv cannot serve is not an error until a command
        // that installs asks (the hook keeps working); then it names it.
        let c = Config::from_vars(&vars(&[("DEVENV_PLATFORM", "plan9-mips")]), false).unwrap();
        assert!(
            c.host()
                .unwrap_err()
                .to_string()
                .starts_with("DEVENV_PLATFORM is `plan9-mips`")
        );
    }
}
