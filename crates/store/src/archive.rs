//! Safe extraction: the only place that unpacks downloaded artifacts.
//!
//! Every entry is checked before anything touches the disk: its path must
//! stay inside the extraction directory, links must point inside the tree,
//! and only plain files, directories and links are created. Archives come
//! from the network, so a hostile one must fail with a sentence saying which
//! entry was refused and why, never write outside the staging directory.

use anyhow::{Context, Result, anyhow, bail};
use devenv_model::digest::{Algorithm, Digest, Hasher};
use flate2::read::MultiGzDecoder;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::ffi::OsString;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufReader, Read, Write};
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};
use tar::EntryType;

pub use devenv_model::archive::{Format, Limits};

/// The content digest (SHA-256) and size of every regular file an unpack
/// wrote, by path relative to the extraction directory (after the single
/// top directory is stripped): hashed as the bytes went to disk, so the
/// store computes an entry's tree hash without reading the files back.
#[derive(Debug, Default, Clone)]
pub struct FileHashes {
    files: HashMap<PathBuf, (u64, Digest)>,
}

impl FileHashes {
    /// The size and digest of the file at `rel`, as written.
    pub fn get(&self, rel: &Path) -> Option<&(u64, Digest)> {
        self.files.get(rel)
    }

    /// How many files are known.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    #[cfg(test)]
    pub(crate) fn from_map(files: HashMap<PathBuf, (u64, Digest)>) -> FileHashes {
        FileHashes { files }
    }

    /// The same files with `top/` removed from the front of their paths,
    /// after the directory `top` was hoisted.
    fn hoisted(self, top: &Path) -> FileHashes {
        FileHashes {
            files: self
                .files
                .into_iter()
                .filter_map(|(rel, v)| Some((rel.strip_prefix(top).ok()?.to_path_buf(), v)))
                .collect(),
        }
    }
}

/// How many bytes of a file are written before its writeback is started:
/// the disk works while the rest arrives, so the flush before the commit
/// waits only for the tail.
const WRITEBACK_CHUNK: u64 = 8 << 20;

/// Unpacks the verified file `archive` into the empty directory `dest`.
/// A single top-level directory is stripped; a `Binary` is installed as
/// `dest/bin/<binary_name>` with mode 0755. Hostile entries are refused.
///
/// Guarantees (DESIGN invariant 3): nothing is written outside `dest`; no
/// entry is written through a symlink; every symlink left in the tree
/// resolves inside it; device nodes, FIFOs and setuid/setgid/sticky bits
/// never reach the disk. Files are 0755 if the archive marks them
/// executable (or they sit in a wheel's `*.data/scripts/`), else 0644.
pub fn unpack(archive: &Path, format: Format, dest: &Path, binary_name: &str) -> Result<()> {
    unpack_with(archive, format, dest, binary_name, &Limits::default())
}

/// [`unpack`] within `limits`.
pub fn unpack_with(
    archive: &Path,
    format: Format,
    dest: &Path,
    binary_name: &str,
    limits: &Limits,
) -> Result<()> {
    unpack_file(archive, format, dest, binary_name, limits).map(|_| ())
}

/// [`unpack_with`], returning the digest of every file written.
pub fn unpack_file(
    archive: &Path,
    format: Format,
    dest: &Path,
    binary_name: &str,
    limits: &Limits,
) -> Result<FileHashes> {
    let mut file = File::open(archive)
        .with_context(|| format!("could not open the archive {}", archive.display()))?;
    if format == Format::Zip {
        fs::create_dir_all(dest).with_context(|| format!("could not create {}", dest.display()))?;
        let mut tree = Tree::new(dest, format, limits.clone());
        unpack_zip(file, &mut tree)?;
        return finish(tree);
    }
    unpack_stream(&mut file, format, dest, binary_name, limits)
}

/// Whether [`unpack_stream`] reads `format` (everything but zip, whose
/// index sits at its end).
pub fn streams(format: Format) -> bool {
    format != Format::Zip
}

/// Unpacks the archive read from `reader` as it arrives, with the
/// guarantees of [`unpack`]; returns the digest of every file written.
/// The compressed stream is read to its end, so that a truncated or
/// corrupt one is an error; what the reader holds after it is left unread.
///
/// The bytes are not verified here: the caller hashes what `reader` gives
/// and throws the tree away unless the digest is the pinned one.
pub fn unpack_stream(
    reader: &mut dyn Read,
    format: Format,
    dest: &Path,
    binary_name: &str,
    limits: &Limits,
) -> Result<FileHashes> {
    fs::create_dir_all(dest).with_context(|| format!("could not create {}", dest.display()))?;
    let mut tree = Tree::new(dest, format, limits.clone());
    match format {
        Format::Binary => {
            install_binary(reader, &mut tree, binary_name)?;
            return Ok(tree.hashes);
        }
        Format::TarGz => unpack_tar(MultiGzDecoder::new(BufReader::new(reader)), &mut tree)?,
        Format::TarXz => unpack_tar(crate::decoders::xz(reader), &mut tree)?,
        Format::TarZst => unpack_tar(
            crate::decoders::zstd(reader).map_err(|e| tree.unreadable(e))?,
            &mut tree,
        )?,
        Format::Zip => {
            bail!("a zip archive cannot be unpacked as it arrives: its index is at its end")
        }
    }
    finish(tree)
}

/// Strips a single top directory and checks the links of the final tree.
fn finish(tree: Tree) -> Result<FileHashes> {
    let dest = tree.root;
    let hashes = tree.hashes;
    let hashes = match hoist_single_dir(dest)? {
        Some(top) => hashes.hoisted(Path::new(&top)),
        None => hashes,
    };
    // Checked on the final tree: links created in a sneaky order, or moved by
    // the hoist, are judged by where they really point.
    check_all_links(dest)?;
    Ok(hashes)
}

/// Installs the bytes of `reader` as `bin/<binary_name>`, mode 0755.
fn install_binary(reader: &mut dyn Read, tree: &mut Tree, binary_name: &str) -> Result<()> {
    let mut parts = Path::new(binary_name).components();
    if !matches!(
        (parts.next(), parts.next()),
        (Some(Component::Normal(_)), None)
    ) {
        bail!("\"{binary_name}\" is not a valid executable name (it must be a plain file name)");
    }
    let bin = tree.root.join("bin");
    fs::create_dir_all(&bin).with_context(|| format!("could not create {}", bin.display()))?;
    let rel = Path::new("bin").join(binary_name);
    let full = tree.root.join(&rel);
    let hash = tree.write_file(&full, reader, 0o755, None)?;
    tree.hashes.files.insert(rel, hash);
    Ok(())
}

/// What an archive entry asks to create.
enum Kind {
    /// A regular file; `mtime` is its modification time in seconds since
    /// the epoch, when the archive records one devenv keeps (tar).
    File {
        executable: bool,
        mtime: Option<u64>,
    },
    Dir,
    Symlink(PathBuf),
    Hardlink(PathBuf),
}

/// The tree being extracted, and what has been written into it so far.
struct Tree<'a> {
    root: &'a Path,
    format: Format,
    /// Symlinks created so far, by path relative to `root`, with their targets.
    links: HashMap<PathBuf, PathBuf>,
    /// Regular files written so far: the only valid hardlink targets.
    files: HashSet<PathBuf>,
    limits: Limits,
    /// Entries created and bytes written so far, against `limits`.
    entries: u64,
    bytes: u64,
    /// What each regular file written so far holds.
    hashes: FileHashes,
}

impl<'a> Tree<'a> {
    fn new(root: &'a Path, format: Format, limits: Limits) -> Tree<'a> {
        Tree {
            root,
            format,
            links: HashMap::new(),
            files: HashSet::new(),
            limits,
            entries: 0,
            bytes: 0,
            hashes: FileHashes::default(),
        }
    }

    /// The error for a truncated or corrupt archive.
    fn unreadable(&self, e: impl fmt::Display) -> anyhow::Error {
        anyhow!("could not read the {} archive: {e}", self.format.as_str())
    }

    /// Creates the entry `name` of `kind`, reading a file's contents from `data`.
    fn add(&mut self, name: &Path, kind: Kind, data: &mut dyn Read) -> Result<()> {
        self.entries += 1;
        if self.entries > self.limits.max_entries {
            bail!(
                "the archive has more than {} entries, the most devenv unpacks; if it is right, raise DEVENV_MAX_FILES",
                self.limits.max_entries
            );
        }
        let Some(rel) = safe_relative(name)? else {
            // "./" and the like name the extraction directory itself.
            return match kind {
                Kind::Dir => Ok(()),
                _ => Err(refusal(name, "has an empty name")),
            };
        };
        let full = self.prepare(name, &rel, matches!(kind, Kind::Dir))?;
        match kind {
            Kind::Dir => {
                if !full.is_dir() {
                    fs::create_dir(&full)
                        .with_context(|| format!("could not create {}", full.display()))?;
                }
                set_mode(&full, 0o755)
            }
            Kind::File { executable, mtime } => {
                let executable = executable || is_wheel_script(&rel);
                let hash =
                    self.write_file(&full, data, if executable { 0o755 } else { 0o644 }, mtime)?;
                self.hashes.files.insert(rel.clone(), hash);
                self.files.insert(rel);
                Ok(())
            }
            Kind::Symlink(target) => {
                check_link_target(&self.links, name, &rel, &target)?;
                std::os::unix::fs::symlink(&target, &full)
                    .with_context(|| format!("could not create the symlink {}", full.display()))?;
                self.links.insert(rel, target);
                Ok(())
            }
            Kind::Hardlink(target) => {
                let earlier = safe_relative(&target)
                    .ok()
                    .flatten()
                    .filter(|t| self.files.contains(t));
                let target_rel = earlier.ok_or_else(|| {
                    refusal(
                        name,
                        &format!(
                            "is a hard link to \"{}\", which is not an earlier file of the archive",
                            target.display()
                        ),
                    )
                })?;
                let source = self.root.join(&target_rel);
                fs::hard_link(&source, &full).with_context(|| {
                    format!("could not link {} to {}", full.display(), source.display())
                })?;
                if let Some(hash) = self.hashes.files.get(&target_rel).cloned() {
                    self.hashes.files.insert(rel.clone(), hash);
                }
                self.files.insert(rel);
                Ok(())
            }
        }
    }

    /// Makes room for `rel`: creates its parent directories, refusing to go
    /// through a symlink, and removes an earlier non-directory entry of the
    /// same name (later entries win, as with `tar`). Returns the full path.
    fn prepare(&mut self, name: &Path, rel: &Path, is_dir: bool) -> Result<PathBuf> {
        let mut current = self.root.to_path_buf();
        let mut prefix = PathBuf::new();
        let parents: Vec<_> = rel
            .parent()
            .map(|p| p.components().collect())
            .unwrap_or_default();
        for part in parents {
            current.push(part);
            prefix.push(part);
            match fs::symlink_metadata(&current) {
                Ok(meta) if meta.file_type().is_symlink() => {
                    let why = format!(
                        "would be written through the symlink \"{}\"",
                        prefix.display()
                    );
                    return Err(refusal(name, &why));
                }
                Ok(meta) if meta.is_dir() => {}
                Ok(_) => {
                    let why = format!(
                        "needs \"{}\" to be a directory, but it is a file",
                        prefix.display()
                    );
                    return Err(refusal(name, &why));
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    fs::create_dir(&current)
                        .with_context(|| format!("could not create {}", current.display()))?;
                    set_mode(&current, 0o755)?;
                }
                Err(e) => {
                    return Err(e)
                        .with_context(|| format!("could not inspect {}", current.display()));
                }
            }
        }
        let full = self.root.join(rel);
        match fs::symlink_metadata(&full) {
            Ok(meta) if meta.is_dir() && is_dir => {}
            Ok(meta) if meta.is_dir() => {
                return Err(refusal(name, "would replace a directory of the same name"));
            }
            Ok(_) => {
                fs::remove_file(&full)
                    .with_context(|| format!("could not replace {}", full.display()))?;
                self.links.remove(rel);
                self.files.remove(rel);
                self.hashes.files.remove(rel);
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(e).with_context(|| format!("could not inspect {}", full.display()));
            }
        }
        Ok(full)
    }

    /// Streams `data` into the new file `full` with `mode`, modified at
    /// `mtime` (seconds since the epoch) when given. Keeping the archive's
    /// times keeps what depends on them valid: CPython's shipped `.pyc`
    /// files name their source's mtime, and a mismatch makes Python
    /// recompile the standard library at every start (the store is
    /// read-only) or, as root, rewrite it inside the store. Times are not
    /// part of an entry's tree hash.
    ///
    /// Returns the file's size and SHA-256, hashed on the way to the disk,
    /// and starts its writeback every [`WRITEBACK_CHUNK`] bytes and at the
    /// end, so the flush before the commit has little left to wait for.
    fn write_file(
        &mut self,
        full: &Path,
        data: &mut dyn Read,
        mode: u32,
        mtime: Option<u64>,
    ) -> Result<(u64, Digest)> {
        // `create_new` never follows a symlink at the final component.
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(full)
            .with_context(|| format!("could not create {}", full.display()))?;
        let mut buf = vec![0u8; 64 * 1024];
        let mut hasher = Hasher::new(Algorithm::Sha256);
        let mut size = 0u64;
        let mut started = 0u64;
        loop {
            let n = match data.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(self.unreadable(e)),
            };
            self.bytes += n as u64;
            if self.bytes > self.limits.max_bytes {
                bail!(
                    "the archive unpacks to more than {}, the most devenv unpacks; if it is right, raise DEVENV_MAX_UNPACKED_MB",
                    devenv_model::ui::human_bytes(self.limits.max_bytes)
                );
            }
            file.write_all(&buf[..n])
                .with_context(|| format!("could not write {}", full.display()))?;
            hasher.update(&buf[..n]);
            size += n as u64;
            if size - started >= WRITEBACK_CHUNK {
                start_writeback(&file, started, size - started);
                started = size;
            }
        }
        if size > started {
            start_writeback(&file, started, size - started);
        }
        if let Some(secs) = mtime {
            let when = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs);
            file.set_modified(when)
                .with_context(|| format!("could not set the time of {}", full.display()))?;
        }
        drop(file);
        set_mode(full, mode)?;
        Ok((size, hasher.finish()))
    }
}

/// Asks the kernel to start writing `len` bytes of `file` from `offset`
/// to disk, without waiting: a hint, so a failure is ignored (the flush
/// before the commit is what guarantees durability).
fn start_writeback(file: &File, offset: u64, len: u64) {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: the descriptor is open for the call's duration; the call
        // only schedules I/O on it.
        unsafe {
            libc::sync_file_range(
                file.as_raw_fd(),
                offset as libc::off64_t,
                len as libc::off64_t,
                libc::SYNC_FILE_RANGE_WRITE,
            );
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (file, offset, len);
}

/// The path of an entry relative to the extraction directory, or `None` for
/// the directory itself. Absolute paths and `..` are refused outright.
fn safe_relative(name: &Path) -> Result<Option<PathBuf>> {
    let mut rel = PathBuf::new();
    for part in name.components() {
        match part {
            Component::Normal(part) => rel.push(part),
            Component::CurDir => {}
            Component::ParentDir => return Err(refusal(name, "escapes the extraction directory")),
            Component::RootDir | Component::Prefix(_) => {
                return Err(refusal(name, "has an absolute path"));
            }
        }
    }
    Ok((!rel.as_os_str().is_empty()).then_some(rel))
}

fn refusal(name: &Path, why: &str) -> anyhow::Error {
    anyhow!(
        "archive entry \"{}\" {why}; refusing to install it",
        name.display()
    )
}

/// Python wheels keep console scripts in `<name>-<version>.data/scripts/`,
/// often without exec bits; pip marks them executable on install, so do we.
fn is_wheel_script(rel: &Path) -> bool {
    let parts: Vec<_> = rel.components().map(|c| c.as_os_str()).collect();
    parts
        .windows(3)
        .any(|w| w[0].to_string_lossy().ends_with(".data") && w[1] == "scripts")
}

fn set_mode(path: &Path, mode: u32) -> Result<()> {
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .with_context(|| format!("could not set the permissions of {}", path.display()))
}

/// Refuses the symlink `rel` → `target` unless following it, through the
/// other links of the tree, stays inside the tree.
fn check_link_target(
    links: &HashMap<PathBuf, PathBuf>,
    name: &Path,
    rel: &Path,
    target: &Path,
) -> Result<()> {
    let why = match target.components().next() {
        None => Some("is a symlink with an empty target"),
        Some(Component::RootDir | Component::Prefix(_)) => Some("is a symlink to an absolute path"),
        _ => {
            let dir: Vec<OsString> = rel
                .parent()
                .into_iter()
                .flatten()
                .map(|c| c.to_os_string())
                .collect();
            match resolve(links, dir, target, 0) {
                Ok(_) => None,
                Err(LinkProblem::Escapes) => {
                    Some("is a symlink that points outside the extraction directory")
                }
                Err(LinkProblem::Loops) => Some("is a symlink that loops"),
            }
        }
    };
    match why {
        Some(why) => Err(refusal(name, &format!("{why} (\"{}\")", target.display()))),
        None => Ok(()),
    }
}

enum LinkProblem {
    Escapes,
    Loops,
}

/// Follows `target` from the directory `dir` (components below the root),
/// expanding the tree's own links, and returns where it ends up.
fn resolve(
    links: &HashMap<PathBuf, PathBuf>,
    mut at: Vec<OsString>,
    target: &Path,
    depth: u32,
) -> Result<Vec<OsString>, LinkProblem> {
    // The kernel gives up after 40 links too (ELOOP).
    if depth > 40 {
        return Err(LinkProblem::Loops);
    }
    for part in target.components() {
        match part {
            Component::RootDir | Component::Prefix(_) => return Err(LinkProblem::Escapes),
            Component::CurDir => {}
            Component::ParentDir => {
                at.pop().ok_or(LinkProblem::Escapes)?;
            }
            Component::Normal(part) => {
                at.push(part.to_os_string());
                let here: PathBuf = at.iter().collect();
                if let Some(next) = links.get(&here) {
                    at.pop();
                    at = resolve(links, at, next, depth + 1)?;
                }
            }
        }
    }
    Ok(at)
}

/// Checks every symlink of the finished tree: refuses one that resolves
/// outside `root` (used again after archives are merged into one tree).
pub fn check_all_links(root: &Path) -> Result<()> {
    let mut links = HashMap::new();
    collect_links(root, PathBuf::new(), &mut links)?;
    for (rel, target) in &links {
        check_link_target(&links, rel, rel, target)?;
    }
    Ok(())
}

fn collect_links(root: &Path, rel: PathBuf, links: &mut HashMap<PathBuf, PathBuf>) -> Result<()> {
    let dir = root.join(&rel);
    for entry in fs::read_dir(&dir).with_context(|| format!("could not list {}", dir.display()))? {
        let entry = entry.with_context(|| format!("could not list {}", dir.display()))?;
        let kind = entry
            .file_type()
            .with_context(|| format!("could not inspect {}", entry.path().display()))?;
        let child = rel.join(entry.file_name());
        if kind.is_symlink() {
            let target = fs::read_link(entry.path()).with_context(|| {
                format!("could not read the symlink {}", entry.path().display())
            })?;
            links.insert(child, target);
        } else if kind.is_dir() {
            collect_links(root, child, links)?;
        }
    }
    Ok(())
}

/// If `dest` holds exactly one directory, moves its contents up into
/// `dest`; returns that directory's name.
fn hoist_single_dir(dest: &Path) -> Result<Option<OsString>> {
    let list = |dir: &Path| -> Result<Vec<fs::DirEntry>> {
        fs::read_dir(dir)
            .and_then(|entries| entries.collect::<io::Result<Vec<_>>>())
            .with_context(|| format!("could not list {}", dir.display()))
    };
    let entries = list(dest)?;
    let [only] = entries.as_slice() else {
        return Ok(None);
    };
    if !only
        .file_type()
        .with_context(|| format!("could not inspect {}", only.path().display()))?
        .is_dir()
    {
        return Ok(None);
    }
    // Move the directory aside first, under a name neither it nor its
    // contents use, so a child named like the directory itself can move up.
    let inner: Vec<OsString> = list(&only.path())?.iter().map(|e| e.file_name()).collect();
    let aside = (0..)
        .map(|i| OsString::from(format!(".devenv-hoist-{i}")))
        .find(|n| *n != only.file_name() && !inner.contains(n))
        .expect("an unused name exists");
    let aside = dest.join(aside);
    let rename = |from: &Path, to: &Path| {
        fs::rename(from, to)
            .with_context(|| format!("could not move {} to {}", from.display(), to.display()))
    };
    rename(&only.path(), &aside)?;
    for name in inner {
        rename(&aside.join(&name), &dest.join(&name))?;
    }
    fs::remove_dir(&aside).with_context(|| format!("could not remove {}", aside.display()))?;
    Ok(Some(only.file_name()))
}

fn unpack_tar<R: Read>(reader: R, tree: &mut Tree) -> Result<()> {
    let mut archive = tar::Archive::new(reader);
    for entry in archive.entries().map_err(|e| tree.unreadable(e))? {
        let mut entry = entry.map_err(|e| tree.unreadable(e))?;
        let name = entry.path().map_err(|e| tree.unreadable(e))?.into_owned();
        let link = entry
            .link_name()
            .map_err(|e| tree.unreadable(e))?
            .map(Cow::into_owned);
        let header = entry.header();
        let mode = header.mode().map_err(|e| tree.unreadable(e))?;
        let kind = match header.entry_type() {
            // Old tars mark directories only with a trailing slash.
            EntryType::Regular if entry.path_bytes().ends_with(b"/") => Kind::Dir,
            EntryType::Regular | EntryType::Continuous | EntryType::GNUSparse => Kind::File {
                executable: mode & 0o111 != 0,
                mtime: header.mtime().ok(),
            },
            EntryType::Directory => Kind::Dir,
            EntryType::Symlink => Kind::Symlink(link.unwrap_or_default()),
            EntryType::Link => Kind::Hardlink(link.unwrap_or_default()),
            // Metadata the reader already applied to the following entry.
            EntryType::XGlobalHeader
            | EntryType::XHeader
            | EntryType::GNULongName
            | EntryType::GNULongLink => {
                continue;
            }
            EntryType::Char => return Err(refusal(&name, "is a character device")),
            EntryType::Block => return Err(refusal(&name, "is a block device")),
            EntryType::Fifo => return Err(refusal(&name, "is a FIFO (named pipe)")),
            other => {
                let why = format!(
                    "has the unsupported tar entry type '{}'",
                    other.as_byte().escape_ascii()
                );
                return Err(refusal(&name, &why));
            }
        };
        tree.add(&name, kind, &mut entry)?;
    }
    // Read to the end so a truncated or corrupt compressed stream is noticed
    // even when the tar end marker came through intact.
    io::copy(&mut archive.into_inner(), &mut io::sink()).map_err(|e| tree.unreadable(e))?;
    Ok(())
}

fn unpack_zip(file: File, tree: &mut Tree) -> Result<()> {
    const S_IFMT: u32 = 0o170000;
    const S_IFREG: u32 = 0o100000;
    const S_IFDIR: u32 = 0o040000;
    const S_IFLNK: u32 = 0o120000;
    let mut archive = zip::ZipArchive::new(BufReader::new(file)).map_err(|e| tree.unreadable(e))?;
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(|e| tree.unreadable(e))?;
        // Info-ZIP writes UTF-8 names without flagging them, and the zip
        // crate would then read them as CP437; raw UTF-8 is what was meant.
        let name = match std::str::from_utf8(entry.name_raw()) {
            Ok(raw) => PathBuf::from(raw),
            Err(_) => PathBuf::from(entry.name()),
        };
        let mode = entry.unix_mode().unwrap_or(0);
        let kind = match mode & S_IFMT {
            _ if name.as_os_str().as_encoded_bytes().ends_with(b"/") => Kind::Dir,
            0 | S_IFREG => Kind::File {
                executable: mode & 0o111 != 0,
                mtime: None,
            },
            S_IFDIR => Kind::Dir,
            S_IFLNK => {
                let mut target = Vec::new();
                // A link target longer than PATH_MAX is not a link target.
                (&mut entry)
                    .take(4096)
                    .read_to_end(&mut target)
                    .map_err(|e| tree.unreadable(e))?;
                Kind::Symlink(PathBuf::from(OsString::from_vec(target)))
            }
            0o020000 => return Err(refusal(&name, "is a character device")),
            0o060000 => return Err(refusal(&name, "is a block device")),
            0o010000 => return Err(refusal(&name, "is a FIFO (named pipe)")),
            _ => return Err(refusal(&name, "has an unsupported file type")),
        };
        tree.add(&name, kind, &mut entry)?;
    }
    Ok(())
}
