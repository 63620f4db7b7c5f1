//! Credentials for registry caches, and the challenges registries answer
//! with.
//!
//! Sources, in order: `DEVENV_CACHE_TOKEN` (sent as a bearer token), then
//! the `auths` entry of Docker's `config.json` for the registry's host
//! (`auth` as base64 `user:password`, or `username` and `password`).
//! Docker credential helpers (`credsStore`, `credHelpers`) and
//! `identitytoken` are not supported. No credential is ever printed: the
//! types here have no `Debug` output that shows them.

use base64::Engine;
use std::path::{Path, PathBuf};

/// How to authenticate to one registry.
#[derive(Clone, PartialEq)]
pub(crate) enum Credentials {
    /// `user:password`, for Basic auth and for token services.
    Basic { user: String, password: String },
    /// A bearer token sent as it is (`DEVENV_CACHE_TOKEN`).
    Token(String),
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Basic { .. } => f.write_str("Basic(<hidden>)"),
            Credentials::Token(_) => f.write_str("Token(<hidden>)"),
        }
    }
}

impl Credentials {
    /// The `Authorization` header value for Basic auth, if these are basic.
    pub(crate) fn basic_header(&self) -> Option<String> {
        match self {
            Credentials::Basic { user, password } => Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
            )),
            Credentials::Token(_) => None,
        }
    }
}

/// The Docker config file: `$DOCKER_CONFIG/config.json`, else
/// `~/.docker/config.json`.
pub(crate) fn docker_config_path(
    docker_config_dir: Option<&str>,
    home: Option<&Path>,
) -> Option<PathBuf> {
    match docker_config_dir.filter(|d| !d.is_empty()) {
        Some(dir) => Some(Path::new(dir).join("config.json")),
        None => home.map(|h| h.join(".docker").join("config.json")),
    }
}

/// The credentials Docker's config file holds for `host` (`name[:port]`):
/// `Ok(None)` when it has none (or there is no file), an error naming the
/// file when it cannot be read.
pub(crate) fn from_docker_config(path: &Path, host: &str) -> Result<Option<Credentials>, String> {
    let text = match devenv_model::files::read_bytes(path) {
        Ok(bytes) if bytes.len() > 4 * 1024 * 1024 => {
            return Err(format!("{} is larger than 4 MiB", path.display()));
        }
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(format!(
                "could not read {}: {}",
                path.display(),
                devenv_model::error::io_reason(&e)
            ));
        }
    };
    let json: serde_json::Value = serde_json::from_slice(&text)
        .map_err(|_| format!("{} is not valid JSON", path.display()))?;
    let Some(auths) = json.get("auths").and_then(|a| a.as_object()) else {
        return Ok(None);
    };
    for (key, entry) in auths {
        if normalize_host(key) != host {
            continue;
        }
        let field = |name: &str| {
            entry
                .get(name)
                .and_then(|v| v.as_str())
                .filter(|s| !s.is_empty())
        };
        if let Some(auth) = field("auth") {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(auth.trim())
                .ok()
                .and_then(|b| String::from_utf8(b).ok());
            let Some((user, password)) = decoded.as_deref().and_then(|d| d.split_once(':')) else {
                return Err(format!(
                    "the `auth` of `{key}` in {} is not base64 of `user:password`",
                    path.display()
                ));
            };
            return Ok(Some(Credentials::Basic {
                user: user.into(),
                password: password.into(),
            }));
        }
        if let (Some(user), Some(password)) = (field("username"), field("password")) {
            return Ok(Some(Credentials::Basic {
                user: user.into(),
                password: password.into(),
            }));
        }
    }
    Ok(None)
}

/// `https://registry.example.com/v1/` → `registry.example.com`.
fn normalize_host(key: &str) -> &str {
    let key = key
        .strip_prefix("https://")
        .or_else(|| key.strip_prefix("http://"))
        .unwrap_or(key);
    key.split('/').next().unwrap_or(key)
}

/// A `WWW-Authenticate` challenge.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Challenge {
    /// Get a token from `realm` for `service` and `scope`.
    Bearer {
        realm: String,
        service: Option<String>,
        scope: Option<String>,
    },
    /// Send Basic credentials.
    Basic,
    /// A scheme devenv does not speak.
    Other(String),
}

/// Parses `Bearer realm="…",service="…",scope="…"` (quoted values may hold
/// commas) or `Basic realm="…"`.
pub(crate) fn parse_challenge(header: &str) -> Challenge {
    let header = header.trim();
    let (scheme, rest) = header.split_once(' ').unwrap_or((header, ""));
    if scheme.eq_ignore_ascii_case("basic") {
        return Challenge::Basic;
    }
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Challenge::Other(scheme.to_string());
    }
    let params = parse_params(rest);
    let get = |k: &str| {
        params
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.clone())
    };
    match get("realm") {
        Some(realm) => Challenge::Bearer {
            realm,
            service: get("service"),
            scope: get("scope"),
        },
        None => Challenge::Other("Bearer without a realm".into()),
    }
}

fn parse_params(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        let key: String =
            std::iter::from_fn(|| chars.next_if(|c| *c != '=' && *c != ',')).collect();
        if key.is_empty() {
            break;
        }
        if chars.next() != Some('=') {
            break;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            value = std::iter::from_fn(|| chars.next_if(|c| *c != ',')).collect();
        }
        out.push((key.trim().to_string(), value.trim().to_string()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_challenges_with_commas_in_scope() {
        let c = parse_challenge(
            r#"Bearer realm="https://auth.example/token",service="registry.example",scope="repository:acme/cache:pull,push""#,
        );
        assert_eq!(
            c,
            Challenge::Bearer {
                realm: "https://auth.example/token".into(),
                service: Some("registry.example".into()),
                scope: Some("repository:acme/cache:pull,push".into()),
            }
        );
        assert_eq!(parse_challenge(r#"Basic realm="x""#), Challenge::Basic);
        assert!(matches!(parse_challenge("Negotiate"), Challenge::Other(_)));
    }

    #[test]
    fn docker_config_entries() {
        let dir = std::env::temp_dir().join(format!("devenv-auth-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.json");
        std::fs::write(
            &path,
            r#"{"auths": {"https://reg.example:5000/v1/": {"auth": "dXNlcjpzM2NyZXQ="},
                          "other.example": {"username": "u", "password": "p"}},
                "credsStore": "desktop"}"#,
        )
        .unwrap();
        let basic = from_docker_config(&path, "reg.example:5000")
            .unwrap()
            .unwrap();
        assert_eq!(
            basic,
            Credentials::Basic {
                user: "user".into(),
                password: "s3cret".into()
            }
        );
        assert!(!format!("{basic:?}").contains("s3cret"));
        assert!(
            from_docker_config(&path, "other.example")
                .unwrap()
                .is_some()
        );
        assert!(from_docker_config(&path, "none.example").unwrap().is_none());
        assert!(
            from_docker_config(&dir.join("absent.json"), "x")
                .unwrap()
                .is_none()
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
