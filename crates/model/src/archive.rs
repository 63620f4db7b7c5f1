//! What the lock and the configuration say about archives: how an artifact
//! is packed ([`Format`]) and how big it may grow when unpacked
//! ([`Limits`]). The unpacking itself is the store's.

use crate::config::vars;
use anyhow::{Result, bail};

/// How an artifact is packed. Spelled in the lock as `tar.gz`, `tar.xz`,
/// `tar.zst`, `zip` or `binary` (a bare executable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    TarGz,
    TarXz,
    TarZst,
    Zip,
    Binary,
}

impl Format {
    /// Guess the format from a URL's file name (`.tgz` and `.whl` included).
    pub fn from_url(url: &str) -> Format {
        let name = url
            .split(['?', '#'])
            .next()
            .unwrap_or(url)
            .to_ascii_lowercase();
        if name.ends_with(".tar.gz") || name.ends_with(".tgz") {
            Format::TarGz
        } else if name.ends_with(".tar.xz") || name.ends_with(".txz") {
            Format::TarXz
        } else if name.ends_with(".tar.zst") || name.ends_with(".tzst") {
            Format::TarZst
        } else if name.ends_with(".zip") || name.ends_with(".whl") {
            Format::Zip
        } else {
            Format::Binary
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::TarGz => "tar.gz",
            Format::TarXz => "tar.xz",
            Format::TarZst => "tar.zst",
            Format::Zip => "zip",
            Format::Binary => "binary",
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        [
            Format::TarGz,
            Format::TarXz,
            Format::TarZst,
            Format::Zip,
            Format::Binary,
        ]
        .into_iter()
        .find(|f| f.as_str() == s)
    }
}
/// How big an unpacked archive may be: a small download must not fill the
/// disk (a "zip bomb") or the inode table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of file content, in all (`DEVENV_MAX_UNPACKED_MB`, default 8 GiB).
    pub max_bytes: u64,
    /// Entries of any kind (`DEVENV_MAX_FILES`, default 500,000).
    pub max_entries: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_bytes: 8 << 30,
            max_entries: 500_000,
        }
    }
}

impl Limits {
    /// The limits from `DEVENV_MAX_UNPACKED_MB` and `DEVENV_MAX_FILES` as
    /// `var` looks them up; a malformed value is an error naming the variable.
    pub(crate) fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Limits> {
        let number = |name: &str| -> Result<Option<u64>> {
            match var(name).filter(|v| !v.trim().is_empty()) {
                None => Ok(None),
                Some(v) => match v.trim().parse::<u64>() {
                    Ok(n) if n > 0 => Ok(Some(n)),
                    _ => bail!("{name} is `{v}`, but it must be a whole number above 0"),
                },
            }
        };
        let default = Limits::default();
        Ok(Limits {
            max_bytes: number(vars::MAX_UNPACKED_MB.name)?
                .map_or(default.max_bytes, |m| m.saturating_mul(1 << 20)),
            max_entries: number(vars::MAX_FILES.name)?.unwrap_or(default.max_entries),
        })
    }
}
