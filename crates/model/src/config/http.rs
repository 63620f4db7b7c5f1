//! How devenv's HTTP client behaves, as the configuration sets it: a
//! value the network layer is built from, checked where it is read.

use super::vars;
use anyhow::{Result, anyhow};
use std::time::Duration;

/// How downloads are made, from `DEVENV_OFFLINE`, `DEVENV_HTTP_TIMEOUT`,
/// `DEVENV_HTTP_RETRIES` and `DEVENV_HTTP_BACKOFF_MS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Refuse every network access (`file://` URLs still work).
    pub offline: bool,
    /// The connect timeout, and the longest wait for the next bytes.
    pub timeout: Duration,
    /// How many times a transient failure is retried.
    pub retries: u32,
    /// The first pause before a retry; each later pause doubles.
    pub backoff: Duration,
    /// The largest body devenv downloads (`DEVENV_MAX_DOWNLOAD_MB`).
    pub max_bytes: u64,
    /// The slowest transfer tolerated, in bytes per second, averaged over
    /// each `timeout` (`DEVENV_HTTP_MIN_SPEED`): a server that trickles
    /// bytes fails within the timeout instead of keeping devenv for hours.
    pub min_speed: u64,
    /// How many downloads, installs and registry look-ups run at once
    /// (`DEVENV_JOBS`): the one bound on devenv's parallelism.
    pub jobs: usize,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            offline: false,
            timeout: Duration::from_secs(30),
            retries: 3,
            backoff: Duration::from_millis(200),
            max_bytes: 4096 << 20,
            min_speed: 1024,
            jobs: 8,
        }
    }
}

impl Settings {
    /// Settings from the variables `var` looks up; unset or empty means the
    /// default, a malformed number is an error naming the variable.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Settings> {
        let get = |name: &str| {
            var(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let number = |name: &str, unit: &str| -> Result<Option<u64>> {
            get(name)
                .map(|v| {
                    v.parse::<u64>().map_err(|_| {
                        anyhow!("{name} is `{v}`, but it must be a whole number of {unit}")
                    })
                })
                .transpose()
        };
        let default = Settings::default();
        let offline = get(vars::OFFLINE.name).is_some_and(|v| super::parse_flag(&v) == Some(true));
        let timeout = number(vars::HTTP_TIMEOUT.name, "seconds")?;
        if timeout == Some(0) {
            anyhow::bail!(
                "{} is `0`, but it must be at least 1 second",
                vars::HTTP_TIMEOUT.name
            );
        }
        let retries = number(vars::HTTP_RETRIES.name, "retries")?;
        let backoff = number(vars::HTTP_BACKOFF_MS.name, "milliseconds")?;
        let max_mb = number(vars::MAX_DOWNLOAD_MB.name, "MiB")?;
        if max_mb == Some(0) {
            anyhow::bail!(
                "{} is `0`, but it must be at least 1 MiB",
                vars::MAX_DOWNLOAD_MB.name
            );
        }
        let min_speed = number(vars::HTTP_MIN_SPEED.name, "bytes per second")?;
        let jobs = number(vars::JOBS.name, "parallel jobs")?;
        if jobs == Some(0) {
            anyhow::bail!("{} is `0`, but it must be at least 1", vars::JOBS.name);
        }
        Ok(Settings {
            offline,
            timeout: timeout.map_or(default.timeout, Duration::from_secs),
            retries: retries.map_or(default.retries, |r| r.min(100) as u32),
            backoff: backoff.map_or(default.backoff, Duration::from_millis),
            max_bytes: max_mb.map_or(default.max_bytes, |m| m.saturating_mul(1 << 20)),
            min_speed: min_speed.unwrap_or(default.min_speed),
            jobs: jobs.map_or(default.jobs, |j| j.min(256) as usize),
        })
    }
}
