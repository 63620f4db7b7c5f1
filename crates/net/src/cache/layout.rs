//! A cache in an OCI image layout directory (`oci-layout:DIR`), the format
//! skopeo, oras and crane read and write: `oci-layout`, `index.json` (one
//! entry per artifact manifest, its tag in
//! `org.opencontainers.image.ref.name`) and `blobs/sha256/<hex>`.
//!
//! Writers hold an exclusive lock on the `oci-layout` file while they
//! rewrite `index.json`; every file appears by rename, so a reader never
//! sees half of one.

use super::CacheError;
use super::oci::{self, Descriptor, Index};
use super::registry::{CopyError, copy_bounded};
use devenv_model::digest::{Algorithm, Digest};
use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};

const LAYOUT_FILE: &str = "oci-layout";
const LAYOUT_TEXT: &str = "{\"imageLayoutVersion\":\"1.0.0\"}";
/// The largest `index.json` read: one entry is about 300 bytes.
const MAX_INDEX_BYTES: u64 = 64 * 1024 * 1024;

/// An OCI image layout directory.
pub struct Layout {
    /// `oci-layout:DIR`, for messages.
    pub(crate) display: String,
    dir: PathBuf,
    /// The largest layer read (`DEVENV_MAX_DOWNLOAD_MB`), whatever a
    /// manifest claims.
    max_bytes: u64,
}

impl Layout {
    /// The layout at `dir` (which need not exist yet: reads then fail,
    /// saying so), reading no layer larger than `max_bytes`.
    pub fn new(dir: PathBuf, max_bytes: u64) -> Layout {
        Layout {
            display: format!("oci-layout:{}", dir.display()),
            dir,
            max_bytes,
        }
    }

    /// Makes `dir` a layout if it is not one yet (for `cache export`).
    pub fn create(&self) -> Result<(), CacheError> {
        fs::create_dir_all(self.dir.join("blobs/sha256"))
            .map_err(|e| self.local("create", &self.dir, e))?;
        let marker = self.dir.join(LAYOUT_FILE);
        if !marker.exists() {
            write_atomic(&marker, LAYOUT_TEXT.as_bytes())
                .map_err(|e| self.local("write", &marker, e))?;
        }
        let index = self.dir.join("index.json");
        if !index.exists() {
            let bytes = serde_json::to_vec(&Index::default()).expect("an index serializes");
            write_atomic(&index, &bytes).map_err(|e| self.local("write", &index, e))?;
        }
        Ok(())
    }

    fn local(&self, what: &str, path: &Path, e: std::io::Error) -> CacheError {
        CacheError::Local(format!(
            "could not {what} {}: {}",
            path.display(),
            devenv_model::error::io_reason(&e)
        ))
    }

    /// Checks that the directory is a layout devenv can read.
    fn check(&self) -> Result<(), CacheError> {
        let marker = self.dir.join(LAYOUT_FILE);
        let text = read_bounded(&marker, 4096).map_err(|_| {
            CacheError::Down(format!(
                "{}: {} is not an OCI image layout (it has no readable `oci-layout` file)",
                self.display,
                self.dir.display()
            ))
        })?;
        let json: serde_json::Value = serde_json::from_slice(&text).unwrap_or_default();
        match json.get("imageLayoutVersion").and_then(|v| v.as_str()) {
            Some(v) if v.starts_with("1.") => Ok(()),
            _ => Err(CacheError::Down(format!(
                "{}: its `oci-layout` file does not name a layout version 1.x",
                self.display
            ))),
        }
    }

    fn index(&self) -> Result<Index, CacheError> {
        self.check()?;
        let path = self.dir.join("index.json");
        let bytes =
            read_bounded(&path, MAX_INDEX_BYTES).map_err(|e| self.local("read", &path, e))?;
        serde_json::from_slice(&bytes).map_err(|e| {
            CacheError::Invalid(format!(
                "{}: index.json is not an OCI index ({e})",
                self.display
            ))
        })
    }

    fn find(&self, tag: &str) -> Result<Option<Descriptor>, CacheError> {
        Ok(self.index()?.manifests.into_iter().find(|d| {
            d.annotations.get(oci::REF_NAME).map(String::as_str) == Some(tag)
                && d.media_type == oci::MANIFEST_MEDIA_TYPE
        }))
    }

    fn blob_path(&self, digest: &str) -> Result<PathBuf, CacheError> {
        if !oci::is_sha256(digest) {
            return Err(CacheError::Invalid(format!(
                "{}: `{}` is not a sha256 digest",
                self.display,
                super::printable(digest)
            )));
        }
        Ok(self
            .dir
            .join("blobs/sha256")
            .join(&digest["sha256:".len()..]))
    }

    /// Whether the layout holds the artifact tagged `tag`.
    pub(crate) fn has(&self, tag: &str) -> Result<bool, CacheError> {
        Ok(self.find(tag)?.is_some())
    }

    /// Copies the artifact tagged `tag` into `dest`, hashed as `expected`
    /// is; `Ok(None)` when the layout does not have it.
    pub(crate) fn pull(
        &self,
        tag: &str,
        want: oci::Want<'_>,
        dest: &Path,
        progress: &mut dyn FnMut(u64, Option<u64>),
    ) -> Result<Option<(Digest, u64)>, CacheError> {
        let Some(desc) = self.find(tag)? else {
            return Ok(None);
        };
        if desc.size > oci::MAX_MANIFEST_BYTES {
            return Err(CacheError::Invalid("its manifest is too large".into()));
        }
        let path = self.blob_path(&desc.digest)?;
        let bytes = read_bounded(&path, oci::MAX_MANIFEST_BYTES)
            .map_err(|e| self.local("read", &path, e))?;
        if Digest::of(Algorithm::Sha256, &bytes).to_string() != desc.digest {
            return Err(CacheError::Invalid(
                "its manifest does not match its digest in index.json".into(),
            ));
        }
        let layer =
            oci::check_manifest(&bytes, want, self.max_bytes).map_err(CacheError::Invalid)?;
        let blob = self.blob_path(&layer.digest)?;
        // A regular file only: a FIFO would hang, a device never end.
        let file =
            devenv_model::files::open_regular(&blob).map_err(|e| self.local("open", &blob, e))?;
        let mut out = File::create(dest).map_err(|e| self.local("create", dest, e))?;
        let got =
            copy_bounded(file, layer.size, &mut out, want.algorithm(), progress).map_err(|e| {
                match e {
                    CopyError::Read(e) => self.local("read", &blob, e),
                    CopyError::Write(e) => self.local("write", dest, e),
                    CopyError::Size(n) => CacheError::Invalid(format!(
                        "its layer has {n} bytes where its manifest says {}",
                        layer.size
                    )),
                }
            })?;
        want.check_layer(&layer, &got.0)
            .map_err(CacheError::Invalid)?;
        Ok(Some(got))
    }

    /// Adds one artifact: its layer, the empty config, its manifest, and
    /// the index entry naming `tag`. Returns the bytes written.
    pub(crate) fn push(
        &self,
        tag: &str,
        manifest: &[u8],
        layer: &Path,
        layer_digest: &str,
        size: u64,
    ) -> Result<u64, CacheError> {
        self.check()?;
        let mut written = 0;
        let config = self.blob_path(oci::EMPTY_DIGEST)?;
        if !config.exists() {
            write_atomic(&config, oci::EMPTY_BLOB).map_err(|e| self.local("write", &config, e))?;
        }
        let blob = self.blob_path(layer_digest)?;
        if !blob.exists() {
            devenv_model::files::replace_file(&blob, |file| {
                std::io::copy(&mut devenv_model::files::open_regular(layer)?, file).map(drop)
            })
            .map_err(|e| self.local("write", &blob, e))?;
            written += size;
        }
        let manifest_digest = Digest::of(Algorithm::Sha256, manifest).to_string();
        let path = self.blob_path(&manifest_digest)?;
        if !path.exists() {
            write_atomic(&path, manifest).map_err(|e| self.local("write", &path, e))?;
        }
        written += manifest.len() as u64;
        let marker = self.dir.join(LAYOUT_FILE);
        let lock = File::open(&marker).map_err(|e| self.local("open", &marker, e))?;
        lock.lock().map_err(|e| self.local("lock", &marker, e))?;
        let mut index = self.index()?;
        index
            .manifests
            .retain(|d| d.annotations.get(oci::REF_NAME).map(String::as_str) != Some(tag));
        index.manifests.push(Descriptor {
            media_type: oci::MANIFEST_MEDIA_TYPE.into(),
            digest: manifest_digest,
            size: manifest.len() as u64,
            data: None,
            annotations: BTreeMap::from([(oci::REF_NAME.into(), tag.into())]),
        });
        index.manifests.sort_by(|a, b| {
            a.annotations
                .get(oci::REF_NAME)
                .cmp(&b.annotations.get(oci::REF_NAME))
        });
        let bytes = serde_json::to_vec(&index).expect("an index serializes");
        let path = self.dir.join("index.json");
        write_atomic(&path, &bytes).map_err(|e| self.local("write", &path, e))?;
        Ok(written)
    }
}

fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    devenv_model::files::replace_file(path, |file| std::io::Write::write_all(file, bytes))
}

fn read_bounded(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    let file = devenv_model::files::open_regular(path)?;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(std::io::Error::other(format!(
            "larger than {} KiB",
            limit / 1024
        )));
    }
    Ok(bytes)
}
