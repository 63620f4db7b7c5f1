//! `DEVENV_HOME`: the layout of all machine-wide state, and the store's
//! atomic commit and per-key locks.
//!
//! This module is the only code that knows where things live under
//! `DEVENV_HOME`; everything else asks it for "the entry for this key",
//! "a staging directory", "the lock for this key", "the trust directory".
//!
//! ```text
//! store/<key>-<name>-<version>/   read-only toolchain trees
//! store/.tmp/                     staging; anything here is garbage
//! store/.locks/                   per-key install locks (flock)
//! roots/                          one file per project that uses the store
//! trust/                          allowed manifests
//! stamps/                         the shell hook's mtime references
//! projects/<id>/generations/      every lock the project has used
//! projects/<id>/watch.lock        held by the project's `devenv watch` (its pid)
//! projects/<id>/watch.status      what that watcher is doing
//! logs/watch-<id>.log             what that watcher did
//! ```
//!
//! `DEVENV_CACHE_DIR` moves `store/` (entries, staging and key locks: all
//! that must be shared by the processes sharing the entries) elsewhere, so
//! CI can cache exactly the toolchains and nothing machine-specific: no
//! trust records, no GC roots naming paths of a previous runner.

use crate::archive::FileHashes;
use anyhow::{Context, Result};
use devenv_model::digest::{Algorithm, Hasher, hex};
use devenv_model::error::IoContext;
use serde::{Deserialize, Serialize};
use std::fs::{self, File};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The machine-wide state directory.
#[derive(Debug, Clone)]
pub struct Store {
    home: PathBuf,
    /// The toolchain entries: `home/store` unless `DEVENV_CACHE_DIR` says otherwise.
    store: PathBuf,
    /// How much one archive may unpack to in an entry.
    unpack: crate::archive::Limits,
    /// How large a record (or a recorded lock) devenv reads back.
    limits: devenv_model::files::Limits,
}

/// A lock on one store key, or on the whole store, released on drop.
pub struct KeyLock {
    _file: File,
}

/// What the store remembers about an entry, kept beside it (in
/// `store/.meta/`) so the tree itself stays exactly as unpacked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntryMeta {
    pub name: String,
    pub version: String,
    pub url: String,
    pub digest: String,
    pub format: String,
    pub bin: Vec<String>,
    /// [`tree_hash`] of the tree at commit time.
    pub tree: String,
    /// Bytes of the unpacked tree.
    pub size: u64,
    /// How `parts` were joined into the entry, for multi-archive entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layout: Option<String>,
    /// The other archives of a multi-archive entry.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<MetaPart>,
    /// Every package of a dependency tree (an npm or Python application),
    /// so the entry's name can be derived again from its record.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<devenv_model::lock::Member>,
    /// The npm packages whose install scripts ran in the tree.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_scripts: Vec<String>,
    /// How a built entry was made (see [`devenv_model::lock::Build`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub build: Option<devenv_model::lock::Build>,
}

/// One more archive of an entry, as recorded beside it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetaPart {
    pub url: String,
    pub digest: String,
    pub format: String,
}

/// Where devenv keeps its store without `DEVENV_HOME`, on the system
/// Rust calls `os`: the platform's data directory — macOS's
/// `~/Library/Application Support/devenv`; elsewhere `$XDG_DATA_HOME/devenv`
/// when that is an absolute path (the XDG rule: a relative one is
/// ignored), else `~/.local/share/devenv`.
fn default_home(
    os: &str,
    home: Option<&Path>,
    xdg_data_home: Option<&std::ffi::OsStr>,
) -> Option<PathBuf> {
    if os == "macos" {
        return home.map(|h| h.join("Library/Application Support/devenv"));
    }
    match xdg_data_home.map(Path::new) {
        Some(xdg) if xdg.is_absolute() => Some(xdg.join("devenv")),
        _ => home.map(|h| h.join(".local/share/devenv")),
    }
}

impl Store {
    /// The store `config` names: at `$DEVENV_HOME`, or the platform data
    /// directory, with its entries in `$DEVENV_CACHE_DIR` when that is set,
    /// unpacking and reading under the configured limits.
    pub fn open(config: &devenv_model::config::Config) -> Result<Store> {
        let home = match config.home.clone() {
            Some(h) => h,
            None => default_home(
                std::env::consts::OS,
                dirs::home_dir().as_deref(),
                devenv_model::config::outer_var_os("XDG_DATA_HOME").as_deref(),
            )
            .context("could not find a data directory for devenv's store; set DEVENV_HOME to a directory")?,
        };
        let store = Store {
            unpack: config.unpack.clone(),
            limits: config.file_limits(),
            ..Store::at(home)
        };
        Ok(match config.cache_dir.clone() {
            Some(dir) => store.with_store_dir(dir),
            None => store,
        })
    }

    /// The store rooted at `home` (created on first write).
    pub fn at(home: impl Into<PathBuf>) -> Store {
        let home = home.into();
        Store {
            store: home.join("store"),
            home,
            unpack: crate::archive::Limits::default(),
            limits: devenv_model::files::Limits::default(),
        }
    }

    /// The same state, with the toolchain entries kept in `dir`.
    pub(crate) fn with_store_dir(self, dir: impl Into<PathBuf>) -> Store {
        Store {
            store: dir.into(),
            ..self
        }
    }

    /// How much one archive may unpack to.
    pub fn unpack_limits(&self) -> &crate::archive::Limits {
        &self.unpack
    }

    /// How large a file devenv reads back from its state.
    pub fn limits(&self) -> devenv_model::files::Limits {
        self.limits
    }

    pub fn home(&self) -> &Path {
        &self.home
    }

    /// The directory of the toolchain entries (with their staging area and
    /// install locks): the one directory a CI system should cache.
    pub fn store_dir(&self) -> PathBuf {
        self.store.clone()
    }

    /// Where the entry named `name` lives, whether or not it is installed.
    /// Names come from [`devenv_model::lock::Artifact::entry_name`], derived from
    /// content; anything but one plain path component is refused here too,
    /// so no name can point outside the store.
    pub fn entry_path(&self, name: &str) -> PathBuf {
        let plain = !name.is_empty()
            && !name.starts_with('.')
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._+-".contains(c));
        assert!(plain, "store entry names are derived and plain: {name:?}");
        self.store_dir().join(name)
    }

    /// Every committed entry's directory, for gc and verify.
    pub fn entries(&self) -> Result<Vec<PathBuf>> {
        let dir = self.store_dir();
        let read = match fs::read_dir(&dir) {
            Ok(r) => r,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e).io_context("list", &dir),
        };
        let mut out: Vec<PathBuf> = read
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| !n.to_string_lossy().starts_with('.'))
            })
            .collect();
        out.sort();
        Ok(out)
    }

    /// Takes the install lock of `key`, waiting for another process that
    /// holds it. Anything staged for this key by a process that died is
    /// garbage once we hold the lock, so it is removed here.
    pub fn lock_key(&self, key: &str) -> Result<KeyLock> {
        let (file, path) = self.open_key_lock(key)?;
        file.lock().io_context("lock", &path)?;
        self.remove_staged(key)?;
        Ok(KeyLock { _file: file })
    }

    /// Removes what dead processes left in staging, without waiting for
    /// installs in progress: staging whose key lock is free has no live
    /// owner. Returns how many staging directories were removed.
    pub fn clean_staging(&self) -> Result<usize> {
        let Ok(read) = fs::read_dir(self.tmp_dir()) else {
            return Ok(0);
        };
        let keys: std::collections::BTreeSet<String> = read
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                name.split_once('.').map(|(key, _)| key.to_string())
            })
            .collect();
        let mut removed = 0;
        for key in &keys {
            let (file, _) = self.open_key_lock(key)?;
            if file.try_lock().is_ok() {
                removed += self.remove_staged(key)?;
            }
        }
        Ok(removed)
    }

    fn open_key_lock(&self, key: &str) -> Result<(File, PathBuf)> {
        // Beside the entries, so every process sharing them (even with
        // a different DEVENV_HOME each and one DEVENV_CACHE_DIR) shares the locks.
        open_lock(&self.store_dir().join(".locks"), &format!("{key}.lock"))
    }

    /// Removes everything staged for `key`, returning how many directories;
    /// only call it holding the key's lock.
    fn remove_staged(&self, key: &str) -> Result<usize> {
        let mut removed = 0;
        let tmp = self.tmp_dir();
        if let Ok(read) = fs::read_dir(&tmp) {
            for entry in read.flatten() {
                if entry
                    .file_name()
                    .to_string_lossy()
                    .starts_with(&format!("{key}."))
                {
                    remove_tree(&entry.path())?;
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }

    fn tmp_dir(&self) -> PathBuf {
        self.store_dir().join(".tmp")
    }

    /// A fresh, empty staging directory for `key`, on the same file system
    /// as the store so that commit is one `rename`.
    pub fn staging_dir(&self, key: &str) -> Result<PathBuf> {
        let tmp = self.tmp_dir();
        fs::create_dir_all(&tmp).io_context("create", &tmp)?;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = tmp.join(format!("{key}.{}.{nanos}", std::process::id()));
        fs::create_dir(&dir).io_context("create", &dir)?;
        Ok(dir)
    }

    /// Makes `staged` read-only, flushes it to disk, and renames it to
    /// `entry` in one step, then flushes the store directory: the entry is
    /// either complete or absent, after a kill or a power loss alike.
    ///
    /// The flush covers the entry's own files and directories (`fsync` of
    /// each, `jobs` at a time), never the rest of the file system: every
    /// byte and every directory entry of the tree is on disk before the
    /// rename is issued, so no power cut can leave a committed entry with
    /// missing bytes.
    pub fn commit(&self, staged: &Path, entry: &Path, jobs: usize) -> Result<()> {
        make_read_only(staged)?;
        devenv_model::files::sync_tree(staged, jobs).io_context("flush to disk", staged)?;
        fs::rename(staged, entry).io_context("commit the store entry", entry)?;
        let dir = entry.parent().unwrap_or(Path::new("/"));
        devenv_model::files::sync_dir(dir).io_context("flush to disk", dir)
    }

    /// Shared lock held while installing, exclusive while collecting
    /// garbage: gc never deletes an entry an install is about to use.
    pub fn lock_store(&self, exclusive: bool) -> Result<KeyLock> {
        let (file, path) = open_lock(&self.store_dir().join(".locks"), "store.lock")?;
        if exclusive {
            file.lock()
        } else {
            file.lock_shared()
        }
        .io_context("lock", &path)?;
        Ok(KeyLock { _file: file })
    }

    /// [`Store::lock_store`] without waiting: `Ok(None)` when another
    /// process holds the lock in a way that conflicts. The error is the
    /// lock file's path, for a message saying what is waited for.
    pub(crate) fn try_lock_store(
        &self,
        exclusive: bool,
    ) -> Result<std::result::Result<KeyLock, PathBuf>> {
        let (file, path) = open_lock(&self.store_dir().join(".locks"), "store.lock")?;
        let got = if exclusive {
            file.try_lock()
        } else {
            file.try_lock_shared()
        };
        match got {
            Ok(()) => Ok(Ok(KeyLock { _file: file })),
            Err(fs::TryLockError::WouldBlock) => Ok(Err(path)),
            Err(fs::TryLockError::Error(e)) => Err(e).io_context("lock", &path),
        }
    }

    /// An exclusive lock named `name` (under `locks/` in DEVENV_HOME), for
    /// the per-machine state other modules keep there.
    pub(crate) fn lock_named(&self, name: &str) -> Result<KeyLock> {
        let (file, path) = open_lock(&self.home.join("locks"), name)?;
        file.lock().io_context("lock", &path)?;
        Ok(KeyLock { _file: file })
    }

    fn meta_path(&self, entry: &Path) -> PathBuf {
        let name = entry
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        self.store_dir().join(".meta").join(format!("{name}.toml"))
    }

    /// Records `meta` for `entry` (before the entry is committed: a record
    /// without an entry is harmless, an entry without one is not verifiable).
    pub fn write_meta(&self, entry: &Path, meta: &EntryMeta) -> Result<()> {
        let path = self.meta_path(entry);
        fs::create_dir_all(path.parent().expect("meta dir")).io_context("create", &path)?;
        devenv_model::files::write_atomic(
            &path,
            toml::to_string(meta).expect("meta serializes").as_bytes(),
        )
    }

    /// The record of `entry`: `Ok(None)` when it has none, an error when
    /// the record cannot be read or is garbled.
    pub fn read_meta(&self, entry: &Path) -> Result<Option<EntryMeta>> {
        let path = self.meta_path(entry);
        let Some(text) = devenv_model::files::read_bounded(
            &path,
            self.limits.of(devenv_model::files::MAX_RECORD),
            "the record",
        )?
        else {
            return Ok(None);
        };
        toml::from_str(&text).map(Some).map_err(|e| {
            anyhow::anyhow!("its record {} is garbled: {}", path.display(), e.message())
        })
    }

    /// Deletes a committed entry and its record.
    pub fn remove_entry(&self, entry: &Path) -> Result<()> {
        // Bytecode Python compiled from the entry, kept outside the store
        // (see `pypi_tree`): a cache, so failing to remove it is harmless.
        if let Some(cache) = pycache_of(entry) {
            let _ = remove_tree(&cache);
        }
        remove_tree(entry)?;
        let _ = fs::remove_file(self.meta_path(entry));
        Ok(())
    }

    /// Removes staging leftovers and records of entries that are gone.
    /// Only safe while holding the store lock exclusively.
    pub(crate) fn clear_garbage(&self) -> Result<()> {
        if let Ok(read) = fs::read_dir(self.tmp_dir()) {
            for entry in read.flatten() {
                remove_tree(&entry.path())?;
            }
        }
        if let Ok(read) = fs::read_dir(self.store_dir().join(".meta")) {
            for meta in read.flatten() {
                let name = meta
                    .file_name()
                    .to_string_lossy()
                    .trim_end_matches(".toml")
                    .to_string();
                if !self.store_dir().join(&name).is_dir() {
                    let _ = fs::remove_file(meta.path());
                }
            }
        }
        Ok(())
    }

    /// Where trust records live.
    pub(crate) fn trust_dir(&self) -> PathBuf {
        self.home.join("trust")
    }

    /// Where the shell hook's stamp files live: empty files whose mtime
    /// is the newest mtime of a project's watched files when devenv read them.
    pub fn stamp_dir(&self) -> PathBuf {
        self.home.join("stamps")
    }

    /// Where the shell hook keeps a state too large for one variable
    /// (`__DEVENV_STATE` then holds `@` and its SHA-256).
    pub fn state_dir(&self) -> PathBuf {
        self.home.join("states")
    }

    /// Where GC roots live.
    pub(crate) fn roots_dir(&self) -> PathBuf {
        self.home.join("roots")
    }

    /// Per-project state (generations), by project id.
    pub fn project_dir(&self, id: &str) -> PathBuf {
        self.home.join("projects").join(id)
    }

    /// Where background jobs (watch) write their logs.
    pub fn log_dir(&self) -> PathBuf {
        self.home.join("logs")
    }
}

/// Opens (creating it and its directory) the lock file `dir/name`.
fn open_lock(dir: &Path, name: &str) -> Result<(File, PathBuf)> {
    fs::create_dir_all(dir).io_context("create", dir)?;
    let path = dir.join(name);
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .io_context("open", &path)?;
    Ok((file, path))
}

/// Removes write permission from every file and directory under `root`,
/// keeping the execute bits.
pub(crate) fn make_read_only(root: &Path) -> Result<()> {
    let meta = fs::symlink_metadata(root).io_context("read", root)?;
    if meta.file_type().is_symlink() {
        return Ok(());
    }
    if meta.is_dir() {
        for entry in fs::read_dir(root).io_context("list", root)? {
            make_read_only(&entry.io_context("list", root)?.path())?;
        }
    }
    let mode = meta.permissions().mode() & 0o555;
    fs::set_permissions(root, fs::Permissions::from_mode(mode)).io_context("make read-only", root)
}

/// Writes the store entry `entry` as a gzipped tarball at `dest` (its
/// files under one top directory, which unpacking strips; links kept as
/// links), for a team cache. Returns the tarball's size.
pub fn pack_entry(entry: &Path, dest: &Path) -> Result<u64> {
    let file = File::create(dest).io_context("create", dest)?;
    let gz = flate2::write::GzEncoder::new(file, flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    tar.follow_symlinks(false);
    tar.mode(tar::HeaderMode::Deterministic);
    tar.append_dir_all("entry", entry)
        .io_context("pack", entry)?;
    let gz = tar.into_inner().io_context("pack", entry)?;
    let file = gz.finish().io_context("write", dest)?;
    file.sync_all().io_context("write", dest)?;
    Ok(fs::metadata(dest).io_context("read", dest)?.len())
}

/// Deletes a tree even when it was made read-only.
pub fn remove_tree(root: &Path) -> Result<()> {
    let Ok(meta) = fs::symlink_metadata(root) else {
        return Ok(());
    };
    if meta.is_dir() {
        let _ = fs::set_permissions(root, fs::Permissions::from_mode(0o755));
        for entry in fs::read_dir(root).io_context("list", root)?.flatten() {
            remove_tree(&entry.path())?;
        }
        fs::remove_dir(root).io_context("remove", root)
    } else {
        fs::remove_file(root).io_context("remove", root)
    }
}

/// Total size in bytes of the files under `root` (symlinks count as 0).
pub fn tree_size(root: &Path) -> u64 {
    let Ok(meta) = fs::symlink_metadata(root) else {
        return 0;
    };
    if meta.is_dir() {
        fs::read_dir(root)
            .map(|r| r.flatten().map(|e| tree_size(&e.path())).sum())
            .unwrap_or(0)
    } else if meta.is_file() {
        meta.len()
    } else {
        0
    }
}

/// A hash of a tree's paths, kinds, executable bits, contents and link
/// targets — independent of timestamps, owners and extraction order — so
/// two machines that unpack the same artifact get the same value.
pub fn tree_hash(root: &Path) -> Result<String> {
    Ok(tree_summary(root, &FileHashes::default())?.0)
}

/// [`tree_hash`] and [`tree_size`] in one walk, taking the contents of the
/// files in `known` from it (what unpacking hashed on the way to the
/// disk) rather than reading them back; a file whose size differs from
/// the one recorded is read.
pub fn tree_summary(root: &Path, known: &FileHashes) -> Result<(String, u64)> {
    let mut h = Hasher::new(Algorithm::Sha256);
    let mut size = 0;
    hash_dir(root, Path::new(""), &mut h, known, &mut size)?;
    Ok((h.finish().to_string(), size))
}

fn hash_dir(
    dir: &Path,
    rel: &Path,
    h: &mut Hasher,
    known: &FileHashes,
    size: &mut u64,
) -> Result<()> {
    let mut names: Vec<_> = fs::read_dir(dir)
        .io_context("list", dir)?
        .flatten()
        .map(|e| e.file_name())
        .collect();
    names.sort();
    for name in names {
        let path = dir.join(&name);
        let rel = rel.join(&name);
        let meta = fs::symlink_metadata(&path).io_context("read", &path)?;
        let shown = rel.to_string_lossy();
        if meta.file_type().is_symlink() {
            let target = fs::read_link(&path).io_context("read the link", &path)?;
            h.update(format!("link {shown}\0{}\0", target.to_string_lossy()).as_bytes());
        } else if meta.is_dir() {
            h.update(format!("dir {shown}\0").as_bytes());
            hash_dir(&path, &rel, h, known, size)?;
        } else if !meta.is_file() {
            // Archives never create these (they are refused when unpacked),
            // but an install script may: reading a FIFO would hang.
            anyhow::bail!(
                "{} is {}: a store entry holds only files, directories and links (an install script may have left it)",
                path.display(),
                devenv_model::files::kind_of(&meta)
            );
        } else {
            let exec = if meta.permissions().mode() & 0o111 != 0 {
                "x"
            } else {
                "-"
            };
            *size += meta.len();
            let content = match known.get(&rel) {
                Some((len, digest)) if *len == meta.len() => hex(&digest.bytes),
                _ => hex(&file_digest(&path)?.bytes),
            };
            h.update(format!("file {shown}\0{exec}\0{content}\0").as_bytes());
        }
    }
    Ok(())
}

fn file_digest(path: &Path) -> Result<devenv_model::digest::Digest> {
    let mut file_hash = Hasher::new(Algorithm::Sha256);
    let mut f = File::open(path).io_context("open", path)?;
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = std::io::Read::read(&mut f, &mut buf).io_context("read", path)?;
        if n == 0 {
            break;
        }
        file_hash.update(&buf[..n]);
    }
    Ok(file_hash.finish())
}

/// Where the launchers keep compiled bytecode, under the user's cache
/// directory (`$XDG_CACHE_HOME`, else `~/.cache`).
pub(crate) const PYCACHE: &str = "devenv/pycache";

/// The bytecode cache of the store entry `entry`, for the user running
/// devenv: what `gc` removes with the entry.
pub(crate) fn pycache_of(entry: &Path) -> Option<PathBuf> {
    let cache = devenv_model::config::outer_var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|c| c.is_absolute())
        .or_else(|| dirs::home_dir().map(|h| h.join(".cache")))?;
    // Python names the sources by the real path the launcher found.
    let real = entry.canonicalize().ok()?;
    let relative = real.strip_prefix("/").ok()?;
    Some(cache.join(PYCACHE).join(relative))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_home_is_the_systems_data_directory() {
        let home = Some(Path::new("/Users/ada"));
        let xdg = Some(std::ffi::OsStr::new("/data"));
        assert_eq!(
            default_home("macos", home, xdg).unwrap(),
            Path::new("/Users/ada/Library/Application Support/devenv")
        );
        assert_eq!(
            default_home("linux", home, xdg).unwrap(),
            Path::new("/data/devenv")
        );
        assert_eq!(
            default_home("linux", home, Some(std::ffi::OsStr::new("rel"))).unwrap(),
            Path::new("/Users/ada/.local/share/devenv"),
            "a relative XDG_DATA_HOME is ignored"
        );
        assert_eq!(
            default_home("linux", home, None).unwrap(),
            Path::new("/Users/ada/.local/share/devenv")
        );
        assert_eq!(default_home("macos", None, xdg), None);
    }
    use std::io::Write;

    /// A .tar.gz holding `entries` (path, contents, mode), and hard links.
    fn tar_gz(entries: &[(&str, &[u8], u32)], links: &[(&str, &str)]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (path, data, mode) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(*mode);
            h.set_entry_type(tar::EntryType::Regular);
            builder.append_data(&mut h, path, *data).unwrap();
        }
        for (path, target) in links {
            let mut h = tar::Header::new_gnu();
            h.set_size(0);
            h.set_entry_type(tar::EntryType::Link);
            h.set_mode(0o644);
            builder.append_link(&mut h, path, target).unwrap();
        }
        let tar = builder.into_inner().unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&tar).unwrap();
        gz.finish().unwrap()
    }

    #[test]
    fn hashing_on_the_way_in_gives_the_hash_of_reading_back() {
        // A top directory that is hoisted, a file replaced by a later entry
        // of the same name, a hard link, an executable.
        let archive = tar_gz(
            &[
                ("top/bin/tool", b"#!/bin/sh\necho 1\n", 0o755),
                ("top/share/a.txt", b"first", 0o644),
                ("top/share/a.txt", b"second, longer", 0o644),
                ("top/share/b.txt", b"b", 0o644),
            ],
            &[("top/share/c.txt", "top/share/b.txt")],
        );
        let dir = tempfile::tempdir().unwrap();
        let tree = dir.path().join("tree");
        let known = crate::archive::unpack_stream(
            &mut archive.as_slice(),
            crate::archive::Format::TarGz,
            &tree,
            "tool",
            &crate::archive::Limits::default(),
        )
        .unwrap();
        assert_eq!(known.len(), 4, "{known:?}");
        assert!(known.get(Path::new("share/c.txt")).is_some());
        let (hash, size) = tree_summary(&tree, &known).unwrap();
        assert_eq!(hash, tree_hash(&tree).unwrap());
        assert_eq!(size, tree_size(&tree));
    }

    #[test]
    fn known_contents_are_not_read_back_unless_the_size_changed() {
        let dir = tempfile::tempdir().unwrap();
        let tree = dir.path().join("tree");
        fs::create_dir(&tree).unwrap();
        devenv_model::files::write_scratch(&tree.join("f"), b"on disk").unwrap();
        let read_back = tree_hash(&tree).unwrap();
        let other = Hasher::new(Algorithm::Sha256).finish();
        let mut files = std::collections::HashMap::new();
        files.insert(PathBuf::from("f"), (7, other.clone()));
        let known = FileHashes::from_map(files);
        // The recorded digest is used as is: the file is not read.
        assert_ne!(tree_summary(&tree, &known).unwrap().0, read_back);
        // A recorded size that is not the file's: read back.
        let mut files = std::collections::HashMap::new();
        files.insert(PathBuf::from("f"), (3, other));
        let stale = FileHashes::from_map(files);
        assert_eq!(tree_summary(&tree, &stale).unwrap().0, read_back);
    }
}
