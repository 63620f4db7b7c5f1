//! Reading the files a repository hands devenv, and writing the files devenv
//! keeps, safely.
//!
//! Everything beside a manifest is untrusted input: `devenv.lock` or `.env`
//! can be a symlink to `/dev/stdin` (which would hang the prompt and swallow
//! what the user types next), to `/dev/zero` (which would read until memory
//! runs out), or a FIFO. [`read_bounded`] reads a file only when it is a
//! regular file, opened without blocking, and only up to a size limit.
//!
//! [`write_atomic`] is the one way devenv replaces a file: a unique temporary
//! name beside it, written and fsynced, renamed over the target, and the
//! directory fsynced, so a reader (or a crash, or a power loss) sees the old
//! bytes or the new ones, never a mix.

use crate::error::io_reason;
use anyhow::{Result, anyhow, bail};
use std::io::{Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// The largest `devenv.toml` devenv reads.
pub const MAX_MANIFEST: u64 = 1 << 20;
/// The largest `devenv.lock` devenv reads: a lock of thousands of pinned
/// packages for several platforms stays far below it.
pub const MAX_LOCK: u64 = 32 << 20;
/// The largest dotenv file devenv reads.
pub const MAX_DOTENV: u64 = 1 << 20;
/// The largest record devenv keeps for itself (trust, store metadata).
pub const MAX_RECORD: u64 = 1 << 20;

/// How large a file of each kind devenv reads: each kind's default, or
/// `DEVENV_MAX_FILE_MB` for every kind when the configuration sets it.
/// Carried by what reads files for a project (the [`crate::manifest::Manifest`],
/// the [`crate::store::Store`]), from the one [`crate::config::Config`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    max_file: Option<u64>,
}

impl Limits {
    /// Every kind's limit replaced by `max_file` bytes, when set.
    pub(crate) fn new(max_file: Option<u64>) -> Limits {
        Limits { max_file }
    }

    /// The limit for a kind of file whose own limit is `default`.
    pub fn of(self, default: u64) -> u64 {
        self.max_file.unwrap_or(default)
    }
}

/// Reads the regular file at `path` (following symlinks) as UTF-8 text, at
/// most `limit` bytes. `Ok(None)` when it does not exist. `what` names the
/// file in errors ("the lock", "dotenv file").
///
/// A FIFO, a device, a socket or a directory is refused without being
/// opened for reading in a way that could block; a file over the limit is
/// refused with the limit in the message (see [`Limits`] for how a caller
/// honours `DEVENV_MAX_FILE_MB`).
pub fn read_bounded(path: &Path, limit: u64, what: &str) -> Result<Option<String>> {
    let file = match open_nonblocking(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => bail!(
            "could not read {what} {}: {}",
            path.display(),
            io_reason(&e)
        ),
    };
    let meta = file.metadata().map_err(|e| {
        anyhow!(
            "could not read {what} {}: {}",
            path.display(),
            io_reason(&e)
        )
    })?;
    if !meta.is_file() {
        bail!(
            "{what} {} is not a regular file (it is {}); devenv reads only regular files there",
            path.display(),
            kind_of(&meta)
        );
    }
    if meta.len() > limit {
        bail!(
            "{what} {} is {}, more than the {} devenv reads; is it the right file? (DEVENV_MAX_FILE_MB raises the limit)",
            path.display(),
            crate::ui::human_bytes(meta.len()),
            crate::ui::human_bytes(limit)
        );
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // The file may grow while it is read: never read past the limit.
    file.take(limit + 1).read_to_end(&mut bytes).map_err(|e| {
        anyhow!(
            "could not read {what} {}: {}",
            path.display(),
            io_reason(&e)
        )
    })?;
    if bytes.len() as u64 > limit {
        bail!(
            "{what} {} grew past the {} devenv reads while it was read",
            path.display(),
            crate::ui::human_bytes(limit)
        );
    }
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| anyhow!("{what} {} is not UTF-8 text", path.display()))
}

/// Opens `path` for reading only if it is a regular file (after links):
/// a FIFO, a device or a socket is refused at once, never waited on (a
/// FIFO opened for reading blocks until a writer comes; `/dev/zero` never
/// ends). The error is an I/O error whose message says what the file is.
pub fn open_regular(path: &Path) -> std::io::Result<std::fs::File> {
    let file = open_nonblocking(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::other(format!(
            "it is {}, which is not a regular file",
            kind_of(&meta)
        )));
    }
    Ok(file)
}

/// The most bytes [`read_text`] and [`read_bytes`] read.
pub const MAX_READ: u64 = 64 << 20;

/// `std::fs::read`, for a regular file only ([`open_regular`]) and at most
/// [`MAX_READ`] bytes: what devenv reads of its own records and of
/// repositories when no tighter limit applies.
pub fn read_bytes(path: impl AsRef<Path>) -> std::io::Result<Vec<u8>> {
    let file = open_regular(path.as_ref())?;
    let mut bytes = Vec::new();
    file.take(MAX_READ + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_READ {
        return Err(std::io::Error::other(format!(
            "it is larger than {}",
            crate::ui::human_bytes(MAX_READ)
        )));
    }
    Ok(bytes)
}

/// `std::fs::read_to_string`, as [`read_bytes`] reads.
pub fn read_text(path: impl AsRef<Path>) -> std::io::Result<String> {
    String::from_utf8(read_bytes(path)?)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "it is not UTF-8 text"))
}

/// Opens `path` for reading without waiting: opening a FIFO for reading
/// blocks until a writer appears, and a terminal must not become ours.
/// Callers check what they opened before reading it.
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
}

/// Marks the regular file `path` as used now, if it is one: never through
/// a link (whose target is not devenv's to touch) and never on a FIFO or
/// a device (opening one for writing may block). Whether it was marked.
pub fn touch_regular(path: &Path) -> bool {
    let Ok(file) = std::fs::OpenOptions::new()
        .append(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY | libc::O_NOFOLLOW)
        .open(path)
    else {
        return false;
    };
    file.metadata().is_ok_and(|m| m.is_file())
        && file.set_modified(std::time::SystemTime::now()).is_ok()
}

/// What kind of file `meta` describes, for messages.
pub fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

/// Writes `bytes` to `path` inside a directory that is itself committed
/// whole or thrown away (a store entry's staging directory, a scratch
/// directory of a resolver), where [`write_atomic`]'s temporary file and
/// flushes would buy nothing.
#[allow(
    clippy::disallowed_methods,
    reason = "the directory, not the file, is what is committed atomically"
)]
pub fn write_scratch(path: &Path, bytes: impl AsRef<[u8]>) -> Result<()> {
    std::fs::write(path, bytes)
        .map_err(|e| anyhow!("could not write {}: {}", path.display(), io_reason(&e)))
}

/// Replaces the file at `path` with `bytes` atomically and durably: a
/// unique temporary file in the same directory, fsynced, renamed over
/// `path`, then the directory fsynced. Concurrent writers never share a
/// temporary file, a crash leaves the old content or the new, and a file
/// that existed keeps its permissions.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    replace_file(path, |file| file.write_all(bytes))
        .map_err(|e| anyhow!("could not write {}: {}", path.display(), io_reason(&e)))
}

/// Replaces the file at `path` with `bytes` atomically but not durably:
/// [`write_atomic`] without its flushes, for records that mean something
/// only while the process that wrote them runs (a shell's live GC root).
/// A reader sees the old content or the new, never a part; after a power
/// cut the record may be gone or old, which cannot matter, since the
/// process it describes is gone too. Saves the two fsyncs that made
/// moving between projects cost tens of milliseconds on a busy disk.
pub fn write_volatile(path: &Path, bytes: &[u8]) -> Result<()> {
    write_via_temporary(path, false, |file| file.write_all(bytes))
        .map_err(|e| anyhow!("could not write {}: {}", path.display(), io_reason(&e)))
}

/// [`write_atomic`] for content that is written by `fill` (a copy of a
/// large file, say), with the bare I/O error for callers that have their
/// own error type. The temporary file is removed when anything fails.
pub fn replace_file(
    path: &Path,
    fill: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> std::io::Result<()> {
    write_via_temporary(path, true, fill)
}

/// A unique temporary file beside `path`, filled by `fill`, renamed over
/// `path`; with `durable`, the file is flushed before the rename and the
/// directory after it.
fn write_via_temporary(
    path: &Path,
    durable: bool,
    fill: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.{}.tmp", std::process::id(), unique()));
    let result = (|| -> std::io::Result<()> {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o644)
            .open(&tmp)?;
        if let Ok(meta) = std::fs::metadata(path) {
            file.set_permissions(meta.permissions())?;
        }
        fill(&mut file)?;
        if durable {
            file.sync_all()?;
        }
        std::fs::rename(&tmp, path)?;
        if durable { sync_dir(dir) } else { Ok(()) }
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Flushes every file and directory of the tree at `root` to disk (symlinks
/// are not followed), so that a rename that publishes the tree publishes
/// complete files even after a power loss.
///
/// Each file and directory is fsynced, `jobs` at a time: only the tree's
/// own data is waited for, never other processes' dirty pages (which a
/// `syncfs` of the whole file system would write too), and concurrent
/// fsyncs share the file system's journal commits. The store's unpacker
/// starts each file's writeback as it writes it, so this mostly waits for
/// what is already under way. On macOS see [`Flush`].
pub fn sync_tree(root: &Path, jobs: usize) -> std::io::Result<()> {
    let mut paths = Vec::new();
    collect_tree(root, &mut paths)?;
    // Files first, then directories deepest first: a directory's entries
    // are flushed after what they name.
    paths.sort_by_key(|(path, is_dir)| (*is_dir, std::cmp::Reverse(path.components().count())));
    let (files, dirs): (Vec<_>, Vec<_>) = paths.into_iter().partition(|(_, is_dir)| !is_dir);
    let plan = Flush::of(std::env::consts::OS);
    for batch in [files, dirs] {
        let results = crate::parallel::map(jobs, &batch, |(path, _)| {
            // Read-only files and directories can still be opened for
            // reading, which is all fsync needs.
            let file = std::fs::File::open(path)?;
            match plan {
                Flush::Each => file.sync_all(),
                Flush::EachThenBarrier => fsync_only(&file),
            }
        });
        results.into_iter().collect::<std::io::Result<Vec<()>>>()?;
    }
    if plan == Flush::EachThenBarrier {
        // std's `sync_all` is `F_FULLFSYNC` on Apple systems.
        std::fs::File::open(root)?.sync_all()?;
    }
    Ok(())
}

/// How [`sync_tree`] makes a tree durable on an operating system.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flush {
    /// Linux: `fsync` of each file and directory reaches the disk (the
    /// kernel flushes the drive's cache as part of it).
    Each,
    /// macOS: `fsync` only hands the data to the drive, whose cache may
    /// lose it at a power cut; `F_FULLFSYNC` flushes that cache, for
    /// everything written before it, and costs a whole cache flush each
    /// time. So: `fsync` each file and directory (ordering them into the
    /// drive), then one `F_FULLFSYNC`, on the tree's root, before the
    /// entry is published.
    EachThenBarrier,
}

impl Flush {
    /// The plan for the system Rust calls `os`.
    pub fn of(os: &str) -> Flush {
        if matches!(os, "macos" | "ios") {
            Flush::EachThenBarrier
        } else {
            Flush::Each
        }
    }
}

/// A plain `fsync(2)`: on Apple systems std's `sync_all` is the much
/// costlier `F_FULLFSYNC`, which [`sync_tree`] issues once at the end.
#[cfg(target_vendor = "apple")]
fn fsync_only(file: &std::fs::File) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    // SAFETY: the descriptor is open for the whole call (borrowed from
    // `file`), and fsync touches no memory of this process.
    if unsafe { libc::fsync(file.as_raw_fd()) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_vendor = "apple"))]
fn fsync_only(file: &std::fs::File) -> std::io::Result<()> {
    file.sync_all()
}

/// Every file and directory under `root` (itself included), with whether
/// it is a directory.
fn collect_tree(root: &Path, out: &mut Vec<(std::path::PathBuf, bool)>) -> std::io::Result<()> {
    let meta = std::fs::symlink_metadata(root)?;
    if meta.is_dir() {
        for entry in std::fs::read_dir(root)? {
            collect_tree(&entry?.path(), out)?;
        }
        out.push((root.to_path_buf(), true));
    } else if meta.is_file() {
        out.push((root.to_path_buf(), false));
    }
    Ok(())
}

/// Flushes a directory's entries (a rename into it) to disk.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

/// A number no other temporary file of this process uses.
fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() as u64);
    (NEXT.fetch_add(1, Ordering::Relaxed) << 32) | nanos
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macos_flushes_the_drive_cache_once_per_tree() {
        assert_eq!(Flush::of("linux"), Flush::Each);
        assert_eq!(Flush::of("macos"), Flush::EachThenBarrier);
        // And the tree is flushed here, read-only parts included.
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("t");
        std::fs::create_dir_all(root.join("a/b")).unwrap();
        write_scratch(&root.join("a/b/f"), b"x").unwrap();
        let mut ro = std::fs::metadata(root.join("a/b/f")).unwrap().permissions();
        ro.set_readonly(true);
        std::fs::set_permissions(root.join("a/b/f"), ro).unwrap();
        sync_tree(&root, 4).unwrap();
        assert!(sync_tree(&tmp.path().join("missing"), 4).is_err());
    }

    #[test]
    fn refuses_what_is_not_a_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join(".env");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        let err = read_bounded(&link, 100, "dotenv file").unwrap_err();
        assert!(
            err.to_string()
                .contains("is not a regular file (it is a character device)"),
            "{err}"
        );
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: `c` is a NUL-terminated path that outlives the call.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        let err = read_bounded(&fifo, 100, "the lock").unwrap_err();
        assert!(err.to_string().contains("(it is a FIFO)"), "{err}");
        assert!(
            read_bounded(&dir.path().join("none"), 1, "x")
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn refuses_files_over_the_limit_and_reads_those_under() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, "0123456789").unwrap();
        assert_eq!(read_bounded(&path, 10, "x").unwrap().unwrap(), "0123456789");
        let err = read_bounded(&path, 9, "the lock").unwrap_err().to_string();
        assert!(err.contains("more than the 9 B devenv reads"), "{err}");
    }

    #[test]
    fn atomic_writes_replace_and_leave_no_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "two");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn trees_are_flushed_read_only_files_included() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let tree = dir.path().join("tree");
        std::fs::create_dir_all(tree.join("bin")).unwrap();
        std::fs::write(tree.join("bin/tool"), "x").unwrap();
        std::os::unix::fs::symlink("/nowhere", tree.join("link")).unwrap();
        for p in [tree.join("bin/tool"), tree.join("bin")] {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o555)).unwrap();
        }
        sync_tree(&tree, 4).unwrap();
        assert!(sync_tree(&dir.path().join("missing"), 4).is_err());
        std::fs::set_permissions(tree.join("bin"), std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    #[test]
    fn atomic_writes_keep_the_permissions_of_the_file_they_replace() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("devenv.toml");
        std::fs::write(&path, "a").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        write_atomic(&path, b"b").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        // A failing writer leaves the old content and no temporary file.
        let err = replace_file(&path, |_| Err(std::io::Error::other("disk full"))).unwrap_err();
        assert_eq!(err.to_string(), "disk full");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "b");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
