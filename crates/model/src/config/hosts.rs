//! The hosts a user ties a credential to, as their own environment names
//! them: `DEVENV_GITHUB_TOKEN_HOSTS` and `DEVENV_CACHE_TOKEN_HOSTS`
//! (comma-separated `host`, `host:port` or URLs), checked where they are
//! read so a typo fails the command instead of silently withholding a
//! token.

use anyhow::{Result, bail};

/// One host a credential may go to: a lowercase name (or IP literal) and
/// a port.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct HostPort {
    pub host: String,
    pub port: u16,
}

impl std::fmt::Display for HostPort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

/// Where a URL sends its request: the scheme and the host with its port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// `https`, `http` (or whatever the URL says, lowercased).
    pub scheme: String,
    pub host: HostPort,
}

impl Origin {
    /// The origin of `url` (`scheme://[user@]host[:port][/…]`); `None` for
    /// anything that is not an absolute network URL.
    pub fn of_url(url: &str) -> Option<Origin> {
        let (scheme, rest) = url.split_once("://")?;
        let scheme = scheme.to_ascii_lowercase();
        let default = match scheme.as_str() {
            "https" => 443,
            "http" => 80,
            _ => return None,
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        // Userinfo is never a host: `https://api.github.com@evil/` goes to evil.
        let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        Some(Origin {
            scheme,
            host: parse_host_port(authority, default)?,
        })
    }

    /// Plain http to a host other than this machine.
    pub fn is_plain_remote(&self) -> bool {
        self.scheme != "https" && !self.host.is_loopback()
    }
}

impl HostPort {
    /// `localhost`, `127.x.x.x` or `::1`.
    pub fn is_loopback(&self) -> bool {
        self.host == "localhost"
            || self.host == "[::1]"
            || self
                .host
                .parse::<std::net::Ipv4Addr>()
                .is_ok_and(|ip| ip.is_loopback())
    }
}

/// `host`, `host:port`, `[v6]:port`, with `default` as the port when none
/// is written; `None` when it is not a host.
pub fn parse_host_port(text: &str, default: u16) -> Option<HostPort> {
    let text = text.trim();
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (inner, after) = rest.split_once(']')?;
        inner.parse::<std::net::Ipv6Addr>().ok()?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse::<u16>().ok()?,
            None if after.is_empty() => default,
            None => return None,
        };
        (format!("[{inner}]"), port)
    } else {
        let (name, port) = match text.rsplit_once(':') {
            Some((name, p)) => (name, p.parse::<u16>().ok()?),
            None => (text, default),
        };
        let ok = !name.is_empty()
            && name.len() <= 253
            && name.split('.').all(|l| {
                !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            });
        if !ok {
            return None;
        }
        (name.to_ascii_lowercase(), port)
    };
    Some(HostPort { host, port })
}

/// The hosts of a `DEVENV_*_TOKEN_HOSTS` list: each entry a URL (its
/// origin) or `host[:port]` (port 443 when none is written, as for https).
pub fn parse_list(name: &str, value: &str) -> Result<Vec<HostPort>> {
    let mut out = Vec::new();
    for entry in value.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let host = if entry.contains("://") {
            Origin::of_url(entry).map(|o| o.host)
        } else {
            parse_host_port(entry, 443)
        };
        match host {
            Some(h) if !out.contains(&h) => out.push(h),
            Some(_) => {}
            None => bail!(
                "{name} lists `{}`, which is not a host; write `host`, `host:port` or an https URL, separated by commas",
                crate::ui::escape_controls(entry)
            ),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hp(host: &str, port: u16) -> HostPort {
        HostPort {
            host: host.into(),
            port,
        }
    }

    #[test]
    fn origins_of_urls() {
        let o = Origin::of_url("https://API.GitHub.com/repos/x?page=2").unwrap();
        assert_eq!(
            (o.scheme.as_str(), o.host),
            ("https", hp("api.github.com", 443))
        );
        let o = Origin::of_url("http://127.0.0.1:8080/api").unwrap();
        assert_eq!(o.host, hp("127.0.0.1", 8080));
        assert!(!o.is_plain_remote());
        let o = Origin::of_url("http://ghe.example.com/api/v3").unwrap();
        assert_eq!(o.host, hp("ghe.example.com", 80));
        assert!(o.is_plain_remote());
        let o = Origin::of_url("https://api.github.com@evil.example/x").unwrap();
        assert_eq!(o.host, hp("evil.example", 443));
        let o = Origin::of_url("http://[::1]:9/").unwrap();
        assert!(o.host.is_loopback() && o.host.port == 9);
        assert!(Origin::of_url("file:///tmp/x").is_none());
        assert!(Origin::of_url("https://bad host/").is_none());
    }

    #[test]
    fn host_lists() {
        assert_eq!(
            parse_list(
                "V",
                "ghe.example.com, https://mirror.example:8443/api, 127.0.0.1:5000,ghe.example.com"
            )
            .unwrap(),
            vec![
                hp("ghe.example.com", 443),
                hp("mirror.example", 8443),
                hp("127.0.0.1", 5000)
            ]
        );
        let err = parse_list("DEVENV_CACHE_TOKEN_HOSTS", "ok.example, bad/host")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("DEVENV_CACHE_TOKEN_HOSTS lists `bad/host`, which is not a host"),
            "{err}"
        );
    }
}
