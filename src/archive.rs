//! Safe extraction: the only place that unpacks downloaded artifacts.
//! (Being written in a separate branch; this stub fixes the interface.)

use anyhow::Result;
use std::path::Path;

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

/// Unpacks the verified file `archive` into the empty directory `dest`.
/// A single top-level directory is stripped; a `Binary` is installed as
/// `dest/bin/<binary_name>` with mode 0755. Hostile entries are refused.
pub fn unpack(archive: &Path, format: Format, dest: &Path, binary_name: &str) -> Result<()> {
    let _ = (archive, format, dest, binary_name);
    anyhow::bail!("archive extraction is not built yet")
}
