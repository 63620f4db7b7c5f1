//! The grammar of a team cache's name (`oci://HOST/REPO`, `oci-layout:DIR`),
//! as `[settings] caches` and `DEVENV_CACHES` write it: a format, checked
//! when the manifest is read, long before any cache is reached.

use std::path::{Path, PathBuf};

/// One configured cache.
#[derive(Debug, Clone, PartialEq)]
pub enum Spec {
    /// An OCI registry repository.
    Registry {
        /// As written: `oci://host[:port]/repo` (or `oci+http(s)://…`).
        display: String,
        /// `https`, or `http` for loopback hosts and `oci+http://`.
        scheme: &'static str,
        /// `host[:port]`.
        host: String,
        repo: String,
    },
    /// An OCI image layout directory.
    Layout(PathBuf),
}

impl Spec {
    /// Parses one entry: `oci://HOST[:PORT]/REPO` (https; plain http for
    /// loopback hosts), `oci+https://…`, `oci+http://…` (plain http,
    /// explicitly), or `oci-layout:DIR` (relative to `base`).
    pub fn parse(text: &str, base: &Path) -> Result<Spec, String> {
        let text = text.trim();
        if let Some(dir) = text.strip_prefix("oci-layout:") {
            if dir.is_empty() {
                return Err(
                    "`oci-layout:` needs a directory, e.g. `oci-layout:/srv/devenv-cache`".into(),
                );
            }
            return Ok(Spec::Layout(base.join(dir)));
        }
        let (prefix, scheme, rest) = if let Some(r) = text.strip_prefix("oci://") {
            ("oci://", None, r)
        } else if let Some(r) = text.strip_prefix("oci+https://") {
            ("oci+https://", Some("https"), r)
        } else if let Some(r) = text.strip_prefix("oci+http://") {
            ("oci+http://", Some("http"), r)
        } else {
            return Err(format!(
                "`{}` is not a cache: use `oci://HOST/REPOSITORY` (an OCI registry) or `oci-layout:DIR`",
                printable(text)
            ));
        };
        let (host, repo) = rest.split_once('/').unwrap_or((rest, ""));
        if host.contains('@') {
            return Err(
                "credentials do not belong in a cache URL (it is committed and printed): use `docker login` (~/.docker/config.json) or DEVENV_CACHE_TOKEN".into(),
            );
        }
        if !valid_host(host) {
            return Err(format!("`{}` has no valid host name", printable(text)));
        }
        let repo = repo.trim_end_matches('/');
        if !valid_repository(repo) {
            return Err(format!(
                "`{}` needs a repository path of lowercase letters, digits and `._-` separators, e.g. `oci://{host}/acme/devenv-cache`",
                printable(text)
            ));
        }
        let scheme = scheme.unwrap_or(if is_loopback(host) { "http" } else { "https" });
        Ok(Spec::Registry {
            display: format!("{prefix}{host}/{repo}"),
            scheme,
            host: host.to_string(),
            repo: repo.to_string(),
        })
    }

    /// How messages name this cache.
    pub fn display(&self) -> String {
        match self {
            Spec::Registry { display, .. } => display.clone(),
            Spec::Layout(dir) => format!("oci-layout:{}", dir.display()),
        }
    }
}

fn valid_host(host: &str) -> bool {
    let name = match host.rsplit_once(':') {
        Some((name, port)) if !host.ends_with(']') => {
            if port.parse::<u16>().is_err() {
                return false;
            }
            name
        }
        _ => host,
    };
    if let Some(inner) = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
        return inner.parse::<std::net::Ipv6Addr>().is_ok();
    }
    !name.is_empty()
        && name.len() <= 253
        && name
            .split('.')
            .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

/// The distribution spec's repository name grammar.
fn valid_repository(repo: &str) -> bool {
    !repo.is_empty()
        && repo.len() <= 255
        && repo.split('/').all(|part| {
            let b = part.as_bytes();
            !b.is_empty()
                && b.first()
                    .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                && b.last()
                    .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                && b.iter()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || b"._-".contains(c))
        })
}

/// `localhost`, `127.x.x.x` and `[::1]`: the only hosts reached over plain
/// http without asking.
pub fn is_loopback(host: &str) -> bool {
    let name = match host.rsplit_once(':') {
        Some((name, _)) if !host.ends_with(']') => name,
        _ => host,
    };
    name == "localhost"
        || name == "[::1]"
        || name
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A string from a cache or a user, safe to print on a terminal.
pub fn printable(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}
