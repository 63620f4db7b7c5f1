//! Allow / deny / check: whether the shell hook may activate a manifest.
//!
//! A cloned repository must not change the user's shell just because they
//! `cd` into it (invariant 6). `devenv allow` records the sha256 of the
//! manifest's exact content under the store's trust directory, keyed by a
//! hash of the manifest's canonical path; the hook activates a manifest only
//! while its content still has that hash, so any edit needs a new allow.
//! `devenv deny` rewrites the record rather than deleting it, so that a
//! shell watching the record notices the change at its next prompt.
//!
//! A record is two lines of text: `allow sha256:<hex>` (or `deny`), then
//! the manifest's path, for people reading the directory.

use crate::digest::sha256_hex;
use crate::error::IoContext;
use crate::store::Store;
use anyhow::Result;
use std::path::{Path, PathBuf};

/// What the trust records say about a manifest's current content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trust {
    /// Allowed with exactly this content.
    Allowed,
    /// Never allowed.
    Unknown,
    /// Allowed once, but the content changed since.
    Changed,
    /// Explicitly denied.
    Denied,
}

impl Trust {
    /// A short description, for `status`.
    pub fn describe(self) -> &'static str {
        match self {
            Trust::Allowed => "allowed",
            Trust::Unknown => "not allowed yet",
            Trust::Changed => "changed since it was allowed",
            Trust::Denied => "denied",
        }
    }
}

/// Where the trust record of the manifest at `manifest` lives (it may not
/// exist). The path is canonicalized so that symlinked checkouts share one
/// record.
pub fn record_path(store: &Store, manifest: &Path) -> PathBuf {
    let canonical = std::fs::canonicalize(manifest).unwrap_or_else(|_| manifest.to_path_buf());
    let key = sha256_hex(canonical.as_os_str().as_encoded_bytes());
    store.trust_dir().join(&key[..32])
}

fn content_hash(content: &str) -> String {
    format!("sha256:{}", sha256_hex(content.as_bytes()))
}

/// Whether `content`, the current text of the manifest at `manifest`, may
/// be activated by the hook.
pub fn check(store: &Store, manifest: &Path, content: &str) -> Trust {
    let Ok(record) = std::fs::read_to_string(record_path(store, manifest)) else {
        return Trust::Unknown;
    };
    match record.lines().next().unwrap_or("").split_once(' ') {
        Some(("allow", hash)) if hash == content_hash(content) => Trust::Allowed,
        Some(("allow", _)) => Trust::Changed,
        _ if record.starts_with("deny") => Trust::Denied,
        _ => Trust::Unknown,
    }
}

/// Records that `content` of the manifest at `manifest` may be activated.
pub fn allow(store: &Store, manifest: &Path, content: &str) -> Result<()> {
    write_record(
        store,
        manifest,
        &format!("allow {}\n", content_hash(content)),
    )
}

/// Records that the manifest at `manifest` must not be activated.
pub fn deny(store: &Store, manifest: &Path) -> Result<()> {
    write_record(store, manifest, "deny\n")
}

fn write_record(store: &Store, manifest: &Path, first_line: &str) -> Result<()> {
    let path = record_path(store, manifest);
    let dir = store.trust_dir();
    std::fs::create_dir_all(&dir).io_context("create", &dir)?;
    let text = format!("{first_line}{}\n", manifest.display());
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).io_context("write", &tmp)?;
    std::fs::rename(&tmp, &path).io_context("write", &path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allow_edit_deny() {
        let home = tempfile::tempdir().unwrap();
        let store = Store::at(home.path());
        let manifest = home.path().join("devenv.toml");
        std::fs::write(&manifest, "a").unwrap();
        assert_eq!(check(&store, &manifest, "a"), Trust::Unknown);
        allow(&store, &manifest, "a").unwrap();
        assert_eq!(check(&store, &manifest, "a"), Trust::Allowed);
        assert_eq!(check(&store, &manifest, "b"), Trust::Changed);
        deny(&store, &manifest).unwrap();
        assert_eq!(check(&store, &manifest, "a"), Trust::Denied);
    }
}
