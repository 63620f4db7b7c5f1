//! Pins → store entries: fetch, verify, extract, commit (invariants 1–4).
//!
//! For each artifact: take the key's lock, look again (another process may
//! have installed it meanwhile), download into a fresh staging directory
//! while hashing, refuse a digest mismatch, unpack, and commit with one
//! rename. Independent tools install in parallel.

pub(crate) mod build;
pub(crate) mod parts;
pub(crate) mod python;
pub(crate) mod scripts;
pub(crate) mod stream;

use anyhow::{Context, Result, bail};
use devenv_model::lock::{Artifact, Lock};
use devenv_model::platform::Platform;
use devenv_model::ui;
use devenv_net::cache::Downloads;
use devenv_store::archive;
use devenv_store::store::{self, Store};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

pub(crate) use devenv_model::digest::DigestMismatch;

/// A pinned artifact that is not in the store.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Missing {
    pub(crate) tool: String,
    pub(crate) version: String,
    pub(crate) url: String,
}

/// Offline, some pinned artifacts are not in the store: each is named.
#[derive(Debug)]
pub(crate) struct OfflineMissing {
    pub(crate) missing: Vec<Missing>,
    pub(crate) store: PathBuf,
}

impl std::fmt::Display for OfflineMissing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "devenv is offline and {} not in the store ({}):",
            match self.missing.len() {
                1 => "1 pinned artifact is".to_string(),
                n => format!("{n} pinned artifacts are"),
            },
            self.store.display()
        )?;
        for m in &self.missing {
            writeln!(f, "  - {} {} from {}", m.tool, m.version, m.url)?;
        }
        write!(
            f,
            "run `devenv install` once with network access, or restore the store from a cache (DEVENV_CACHE_DIR)"
        )
    }
}

impl std::error::Error for OfflineMissing {}

impl Missing {
    /// `name version`, for lists in messages.
    pub(crate) fn label(&self) -> String {
        format!("{} {}", self.tool, self.version)
    }
}

/// The artifacts of `lock` for `platform` that are not in the store.
/// A tool with no artifact for `platform` is left to [`install_lock`] to explain.
pub(crate) fn missing(lock: &Lock, platform: Platform, store: &Store) -> Vec<Missing> {
    lock.tools
        .iter()
        .filter_map(|(name, tool)| {
            let artifact = tool.artifacts.get(&platform)?;
            let installed = store
                .entry_path(&artifact.entry_name(name, &tool.version))
                .is_dir();
            (!installed).then(|| Missing {
                tool: name.clone(),
                version: tool.version.clone(),
                url: artifact.url.clone(),
            })
        })
        .collect()
}

/// What one `install` did.
#[derive(Debug, Default)]
pub(crate) struct Report {
    /// Tools that were downloaded now: (name, version, bytes).
    pub(crate) fetched: Vec<(String, String, u64)>,
    /// Tools already in the store.
    pub(crate) present: usize,
    /// How many of the fetched artifacts each team cache served, in the
    /// caches' order (the rest came from upstream).
    pub(crate) from_caches: Vec<(String, usize)>,
}

impl Report {
    /// This report with `more` of the same run added.
    fn add(&mut self, more: Report) {
        self.fetched.extend(more.fetched);
        self.present += more.present;
        if !more.from_caches.is_empty() {
            self.from_caches = more.from_caches;
        }
    }

    /// How many fetched artifacts came from upstream rather than a cache.
    pub(crate) fn upstream_count(&self) -> usize {
        let cached: usize = self.from_caches.iter().map(|(_, n)| n).sum();
        self.fetched.len().saturating_sub(cached)
    }
}

/// One tool to make present.
pub(crate) struct Job<'a> {
    pub(crate) name: &'a str,
    pub(crate) version: &'a str,
    pub(crate) artifact: &'a Artifact,
    /// For a tree whose install scripts run: the bin directories of the
    /// environment's `node` (installed first); empty when there is none.
    pub(crate) node_bin: Vec<PathBuf>,
    /// For a built entry: the toolchain that builds it (`None` where a
    /// command cannot build, such as repairing the store).
    pub(crate) toolchain: Option<build::Toolchain>,
}

/// The store path of each tool of `lock` on `platform`, and whether it is installed.
pub(crate) fn entries(
    lock: &Lock,
    platform: Platform,
    store: &Store,
) -> Vec<(String, String, Option<PathBuf>)> {
    lock.tools
        .iter()
        .map(|(name, t)| {
            let path = t
                .artifacts
                .get(&platform)
                .map(|a| store.entry_path(&a.entry_name(name, &t.version)));
            (name.clone(), t.version.clone(), path)
        })
        .collect()
}

/// Makes every tool of `lock` present in the store for `platform`. Trees
/// whose install scripts run are installed last, once the environment's
/// `node` (which runs them) is in the store.
pub(crate) fn install_lock(
    lock: &Lock,
    platform: Platform,
    store: &Store,
    downloads: &Downloads,
) -> Result<Report> {
    let mut jobs = Vec::new();
    let mut scripted = Vec::new();
    let mut built = Vec::new();
    for (name, tool) in &lock.tools {
        // A system pin, or a lock that claims one: the check names it.
        if crate::system::interpreter(tool).is_some() || tool.source.starts_with("system:") {
            crate::system::install(store, name, tool)?;
            continue;
        }
        let artifact = tool.artifacts.get(&platform).with_context(|| {
            format!("the lock has no artifact of `{name}` for {platform}; add \"{platform}\" to settings.platforms in devenv.toml and run `devenv lock`")
        })?;
        let job = Job {
            name,
            version: &tool.version,
            artifact,
            node_bin: Vec::new(),
            toolchain: None,
        };
        if artifact.build.is_some() {
            built.push(job);
        } else if artifact.allow_scripts.is_empty() {
            jobs.push(job);
        } else {
            scripted.push(job);
        }
    }
    let mut report = install(&jobs, store, downloads)?;
    if !scripted.is_empty() {
        let node_bin = node_bin(lock, platform, store);
        for job in &mut scripted {
            job.node_bin = node_bin.clone();
        }
        report.add(install(&scripted, store, downloads)?);
    }
    if !built.is_empty() {
        for job in &mut built {
            job.toolchain = Some(build::toolchain(lock, platform, store, job.artifact));
        }
        report.add(install(&built, store, downloads)?);
    }
    Ok(report)
}

/// The bin directories of the lock's `node` (the catalog's `node`, or a
/// `npm:node-{os}-{arch}` package) in the store, for install scripts.
fn node_bin(lock: &Lock, platform: Platform, store: &Store) -> Vec<PathBuf> {
    let node = lock.tools.get_key_value("node").or_else(|| {
        lock.tools
            .iter()
            .find(|(name, _)| name.starts_with("npm:node-"))
    });
    let Some((name, tool)) = node else {
        return Vec::new();
    };
    let Some(artifact) = tool.artifacts.get(&platform) else {
        return Vec::new();
    };
    let entry = store.entry_path(&artifact.entry_name(name, &tool.version));
    crate::activate::bin_dirs(&entry, &artifact.bin)
}

/// Installs `jobs`, `DEVENV_JOBS` at a time; the first failure is returned
/// after all finish.
pub(crate) fn install(jobs: &[Job<'_>], store: &Store, downloads: &Downloads) -> Result<Report> {
    // The hot path (exec, env): everything present means no locks, no threads.
    if jobs.iter().all(|j| {
        store
            .entry_path(&j.artifact.entry_name(j.name, j.version))
            .is_dir()
    }) {
        return Ok(Report {
            present: jobs.len(),
            ..Report::default()
        });
    }
    let _shared = store.lock_store(false)?;
    let bars = Bars::new();
    let parallel = downloads.fetcher.settings().jobs;
    let results: Vec<Result<Option<u64>>> =
        devenv_model::parallel::map(parallel, jobs, |job| ensure(job, store, downloads, &bars));
    let mut report = Report::default();
    let mut first_err = None;
    for (job, r) in jobs.iter().zip(results) {
        match r {
            Ok(Some(bytes)) => {
                report
                    .fetched
                    .push((job.name.to_string(), job.version.to_string(), bytes))
            }
            Ok(None) => report.present += 1,
            Err(e) => {
                if first_err.is_none() {
                    first_err = Some(e);
                } else {
                    ui::warn(format!("{e:#}"));
                }
            }
        }
    }
    if let Some(caches) = downloads.caches() {
        report.from_caches = caches.hits();
    }
    match first_err {
        Some(e) => Err(e),
        None => Ok(report),
    }
}

/// Makes one entry present; returns the bytes downloaded, or `None` when it
/// was already there.
pub(crate) fn ensure(
    job: &Job<'_>,
    store: &Store,
    downloads: &Downloads,
    bars: &Bars,
) -> Result<Option<u64>> {
    let key = job.artifact.derived_key(job.name);
    let entry = store.entry_path(&job.artifact.entry_name(job.name, job.version));
    if entry.is_dir() {
        return Ok(None);
    }
    let _lock = store.lock_key(&key)?;
    if entry.is_dir() {
        ui::verbose(format!(
            "{} {} was installed by another process",
            job.name, job.version
        ));
        return Ok(None);
    }
    let staging = store.staging_dir(&key)?;
    let result = stage(job, &staging, downloads, store.unpack_limits(), bars).and_then(|staged| {
        let Staged { bytes, hashes } = staged;
        let tree = staging.join("tree");
        let (tree_hash, size) = store::tree_summary(&tree, &hashes)
            .with_context(|| format!("`{}` {} was not installed", job.name, job.version))?;
        let a = job.artifact;
        let meta = store::EntryMeta {
            name: job.name.to_string(),
            version: job.version.to_string(),
            url: a.url.clone(),
            digest: a.digest.to_string(),
            format: a.format.as_str().to_string(),
            bin: a.bin.clone(),
            tree: tree_hash,
            size,
            layout: a.layout.clone(),
            parts: a
                .parts
                .iter()
                .map(|p| store::MetaPart {
                    url: p.url.clone(),
                    digest: p.digest.to_string(),
                    format: p.format.as_str().to_string(),
                })
                .collect(),
            members: a.members.clone(),
            allow_scripts: a.allow_scripts.clone(),
            build: a.build.clone(),
        };
        store.write_meta(&entry, &meta)?;
        store.commit(&tree, &entry, downloads.fetcher.settings().jobs)?;
        Ok(bytes)
    });
    let cleaned = store::remove_tree(&staging);
    after_cleanup(result, cleaned, &staging).map(Some)
}

/// The outcome of an install once its staging directory was removed: what
/// went wrong installing (a digest mismatch, say) is the error even when
/// the clean-up fails too, and a clean-up failure after a commit is only a
/// warning (staging is garbage that the next install or `gc` removes).
fn after_cleanup<T>(result: Result<T>, cleaned: Result<()>, staging: &Path) -> Result<T> {
    if let Err(c) = cleaned {
        ui::warn(format!(
            "could not remove the staging directory {}: {c:#}; the next install or `devenv gc` removes it",
            staging.display()
        ));
    }
    result
}

/// Downloads every member of a tree, `DEVENV_JOBS` at a time, verifies each against its
/// digest, and unpacks each at its path (parents first, so a package's own
/// `node_modules` lands inside it); returns the bytes downloaded.
fn stage_tree(
    job: &Job<'_>,
    staging: &Path,
    tree: &Path,
    downloads: &Downloads,
    limits: &archive::Limits,
) -> Result<u64> {
    let members = &job.artifact.members;
    let started = Instant::now();
    let indices: Vec<usize> = (0..members.len()).collect();
    let results = devenv_model::parallel::map(downloads.fetcher.settings().jobs, &indices, |&i| {
        let m = &members[i];
        let file = staging.join(format!("member-{i}"));
        downloads
            .fetcher
            .download(&m.url, &file, m.digest.algorithm, &mut |_, _| {})
            .and_then(|(actual, bytes)| {
                if actual != m.digest {
                    bail!(DigestMismatch {
                        tool: job.name.to_string(),
                        url: m.url.clone(),
                        expected: m.digest.clone(),
                        actual
                    });
                }
                Ok(bytes)
            })
            .with_context(|| format!("{} of the tree of `{}`", m.path, job.name))
    });
    let mut bytes = 0;
    for r in results {
        bytes += r?;
    }
    let downloaded = started.elapsed();
    let mut order: Vec<usize> = (0..members.len()).collect();
    order.sort_by(|&a, &b| members[a].path.cmp(&members[b].path));
    if let Some(minor) = devenv_model::lock::layout::layout_minor(job.artifact.layout.as_deref()) {
        let wheels: Vec<_> = order
            .iter()
            .map(|&i| (&members[i], staging.join(format!("member-{i}"))))
            .collect();
        crate::install::python::install(job, minor, &wheels, staging, tree, limits)
            .with_context(|| format!("could not install the Python tree of `{}`", job.name))?;
        return Ok(bytes);
    }
    for i in order {
        let m = &members[i];
        devenv_model::lock::Member::check_path(&m.path)?;
        let dest = tree.join(&m.path);
        let name = m.path.rsplit('/').next().unwrap_or(&m.path);
        archive::unpack_with(
            &staging.join(format!("member-{i}")),
            devenv_store::archive::Format::from_url(&m.url),
            &dest,
            name,
            limits,
        )
        .with_context(|| {
            format!(
                "could not unpack {} of `{}` from {}",
                m.path, job.name, m.url
            )
        })?;
    }
    ui::verbose(format!(
        "{}: {} downloaded and verified in {:.2} s, unpacked in {:.2} s",
        job.name,
        ui::plural(members.len(), "package", "packages"),
        downloaded.as_secs_f64(),
        (started.elapsed() - downloaded).as_secs_f64()
    ));
    Ok(bytes)
}

/// What staging produced: the bytes downloaded, and the files whose
/// contents were hashed on the way to the disk (the rest are read back).
struct Staged {
    bytes: u64,
    hashes: archive::FileHashes,
}

/// Downloads, verifies and unpacks into `staging/tree`.
fn stage(
    job: &Job<'_>,
    staging: &Path,
    downloads: &Downloads,
    limits: &archive::Limits,
    bars: &Bars,
) -> Result<Staged> {
    let started = Instant::now();
    // Said once the entry is staged, whichever way its bytes came.
    let installed = |staged: Staged| -> Result<Staged> {
        bars.println(format!(
            "installed {} {} ({}, {:.1} s)",
            job.name,
            job.version,
            ui::human_bytes(staged.bytes),
            started.elapsed().as_secs_f64()
        ));
        Ok(staged)
    };
    let a = job.artifact;
    if let Some(build) = &a.build {
        let bytes = build::stage(job, build, staging, downloads, limits)?;
        return Ok(Staged {
            bytes,
            hashes: archive::FileHashes::default(),
        });
    }
    if !a.members.is_empty() {
        let tree = staging.join("tree");
        fs::create_dir(&tree)
            .map_err(|e| anyhow::anyhow!("could not create {}: {e}", tree.display()))?;
        let bytes = stage_tree(job, staging, &tree, downloads, limits)?;
        // Before the commands are checked: a script may build them.
        crate::install::scripts::run(&crate::install::scripts::Scripts {
            tool: job.name,
            tree: &tree,
            work: staging,
            members: &a.members,
            allowed: &a.allow_scripts,
            node_bin: &job.node_bin,
        })?;
        link_bins(&tree, &a.bin)
            .with_context(|| format!("could not expose the commands of `{}`", job.name))?;
        check_exposed(&tree, &a.bin).with_context(|| {
            format!(
                "`{}` {} was not installed: it would not provide the commands its pin names",
                job.name, job.version
            )
        })?;
        ui::info(format!(
            "installed {} {} ({}, {}, {:.1} s)",
            job.name,
            job.version,
            ui::plural(a.members.len(), "package", "packages"),
            ui::human_bytes(bytes),
            started.elapsed().as_secs_f64()
        ));
        return Ok(Staged {
            bytes,
            hashes: archive::FileHashes::default(),
        });
    }
    let bar = bars.add(job.name, job.version);
    let mut sized = false;
    let mut progress = |done, total| {
        if let Some(bar) = &bar {
            if !sized {
                // The size is known once the answer arrives; until then
                // the bar says it is waiting rather than showing `0 B/0 B`.
                sized = true;
                Bars::downloading(bar, total);
            }
            bar.set_position(done);
        }
    };
    // Upstream archives are unpacked as they arrive. Zip archives (whose
    // index is at their end) and team caches (whose bytes are verified
    // before anything is made of them, so a bad one can give way to the
    // next) go through a downloaded file.
    if archive::streams(a.format) && downloads.caches().is_none() {
        match stream_verified(job, staging, downloads, limits, &mut progress) {
            Err(e)
                if e.downcast_ref::<devenv_net::fetch::FetchError>()
                    .is_some_and(|f| f.interrupted) =>
            {
                ui::verbose(format!(
                    "{e:#}; downloading {} {} again",
                    job.name, job.version
                ));
                store::remove_tree(&staging.join("tree"))?;
            }
            result => {
                if let Some(bar) = &bar {
                    bar.finish_and_clear();
                }
                return installed(result?);
            }
        }
    }
    let download = staging.join("download");
    // The team caches first (each verified against the lock), then upstream.
    let downloaded = downloads.download(job.name, job.version, a, &download, &mut progress);
    let (actual, bytes) = match downloaded {
        Ok(r) => r,
        Err(e) => {
            if let Some(bar) = &bar {
                bar.finish_and_clear();
            }
            return Err(e);
        }
    };
    if let Some(bar) = &bar {
        Bars::unpacking(bar);
    }
    let result = unpack_verified(job, staging, &download, actual, bytes, downloads, limits);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    installed(result?)
}

/// Downloads and unpacks into `staging/tree` in one pass, then checks the
/// digest of every byte received: the tree is the caller's to commit only
/// when it is the pinned one.
fn stream_verified(
    job: &Job<'_>,
    staging: &Path,
    downloads: &Downloads,
    limits: &archive::Limits,
    progress: &mut dyn FnMut(u64, Option<u64>),
) -> Result<Staged> {
    let a = job.artifact;
    let tree = staging.join("tree");
    fs::create_dir(&tree)
        .map_err(|e| anyhow::anyhow!("could not create {}: {e}", tree.display()))?;
    let exe_name = exe_name(job);
    let streamed =
        stream::download_and_unpack(&downloads.fetcher, a, &tree, exe_name, limits, progress);
    let (actual, bytes) = streamed.fetched?;
    check_digest(job, actual)?;
    let hashes = streamed
        .unpacked
        .with_context(|| format!("could not unpack `{}` from {}", job.name, a.url))?;
    let bytes = finish_tree(job, staging, &tree, bytes, downloads, limits)?;
    Ok(Staged { bytes, hashes })
}

/// Refuses bytes whose digest is not the pinned one.
fn check_digest(job: &Job<'_>, actual: devenv_model::digest::Digest) -> Result<()> {
    let a = job.artifact;
    if actual != a.digest {
        bail!(DigestMismatch {
            tool: job.name.to_string(),
            url: a.url.clone(),
            expected: a.digest.clone(),
            actual
        });
    }
    Ok(())
}

/// Checks the digest of the download, then unpacks it into `staging/tree`.
fn unpack_verified(
    job: &Job<'_>,
    staging: &Path,
    download: &Path,
    actual: devenv_model::digest::Digest,
    bytes: u64,
    downloads: &Downloads,
    limits: &archive::Limits,
) -> Result<Staged> {
    let a = job.artifact;
    check_digest(job, actual)?;
    let tree = staging.join("tree");
    fs::create_dir(&tree)
        .map_err(|e| anyhow::anyhow!("could not create {}: {e}", tree.display()))?;
    let exe_name = exe_name(job);
    let hashes = archive::unpack_file(download, a.format, &tree, exe_name, limits)
        .with_context(|| format!("could not unpack `{}` from {}", job.name, a.url))?;
    // The archive is garbage once unpacked: free its space before the flush.
    let _ = fs::remove_file(download);
    let bytes = finish_tree(job, staging, &tree, bytes, downloads, limits)?;
    Ok(Staged { bytes, hashes })
}

/// The name a bare binary is installed under, `bin/<name>`: the one its
/// first bin entry points at (`nodeadm=bin/nodeadm`, when a definition
/// names the command), else the tool's name.
fn exe_name<'a>(job: &'a Job<'_>) -> &'a str {
    let named = job.artifact.bin.first().and_then(|entry| {
        let (_, file) = entry.split_once('=')?;
        let name = file.strip_prefix("bin/")?;
        (job.artifact.format == devenv_model::archive::Format::Binary
            && !name.is_empty()
            && !name.contains('/')
            && name != "."
            && name != "..")
            .then_some(name)
    });
    named.unwrap_or_else(|| devenv_model::lock::binary_name(job.name))
}

/// Joins the entry's other archives (its layout's parts) into the unpacked
/// tree and exposes its commands; returns the bytes downloaded in all.
fn finish_tree(
    job: &Job<'_>,
    staging: &Path,
    tree: &Path,
    bytes: u64,
    downloads: &Downloads,
    limits: &archive::Limits,
) -> Result<u64> {
    let a = job.artifact;
    let bytes = match &a.layout {
        Some(layout) => {
            bytes
                + crate::install::parts::assemble(
                    job.name,
                    a,
                    layout,
                    staging,
                    &downloads.fetcher,
                    limits,
                )?
        }
        None => bytes,
    };
    link_bins(tree, &a.bin)
        .with_context(|| format!("could not expose the commands of `{}`", job.name))?;
    check_exposed(tree, &a.bin).with_context(|| {
        format!(
            "`{}` {} was not installed: it would not provide the commands its pin names",
            job.name, job.version
        )
    })?;
    Ok(bytes)
}

/// Makes each `NAME=FILE` bin entry a command: a relative symlink
/// `LINK_DIR/NAME` → `FILE`, and `FILE` executable (npm tarballs do not
/// always mark their scripts so; npm itself sets the bit on install).
fn link_bins(tree: &Path, bin: &[String]) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    for entry in bin {
        let Some((name, file)) = entry.split_once('=') else {
            continue;
        };
        let plain_name = !name.is_empty() && !name.contains('/') && name != "." && name != "..";
        let inside = !file.is_empty()
            && Path::new(file)
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)));
        if !plain_name || !inside {
            bail!("`{entry}` is not a valid bin entry (NAME=FILE, FILE inside the tool)");
        }
        // Paths written against the archive's own layout (aqua's `src`)
        // may still name the single top directory that unpacking stripped.
        let stripped = Path::new(file)
            .components()
            .skip(1)
            .collect::<std::path::PathBuf>();
        let found = [Path::new(file).to_path_buf(), stripped]
            .into_iter()
            .filter(|f| !f.as_os_str().is_empty())
            .find_map(|f| {
                tree.join(&f)
                    .canonicalize()
                    .ok()
                    .filter(|r| {
                        r.starts_with(tree.canonicalize().unwrap_or_default()) && r.is_file()
                    })
                    .map(|r| (f, r))
            });
        let Some((file, real)) = found else {
            bail!("`{file}` (for the command `{name}`) is not a file in the unpacked artifact");
        };
        let mut perms = fs::metadata(&real)
            .map_err(|e| anyhow::anyhow!("could not read {}: {e}", real.display()))?
            .permissions();
        perms.set_mode(perms.mode() | 0o755);
        fs::set_permissions(&real, perms)
            .map_err(|e| anyhow::anyhow!("could not make {} executable: {e}", real.display()))?;
        let dir = tree.join(devenv_model::lock::LINK_DIR);
        fs::create_dir_all(&dir)
            .map_err(|e| anyhow::anyhow!("could not create {}: {e}", dir.display()))?;
        let link = dir.join(name);
        std::os::unix::fs::symlink(Path::new("..").join(&file), &link)
            .map_err(|e| anyhow::anyhow!("could not create {}: {e}", link.display()))?;
    }
    Ok(())
}

/// Refuses an unpacked tree whose PATH directories are missing or hold no
/// executable (a `NAME=FILE` entry was checked by [`link_bins`]); with no
/// bin entries, the default (`bin/`, else the root) must hold one.
fn check_exposed(tree: &Path, bin: &[String]) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let dirs = crate::activate::bin_dirs(tree, bin);
    for dir in dirs {
        let shown = dir
            .strip_prefix(tree)
            .ok()
            .filter(|r| !r.as_os_str().is_empty())
            .map_or_else(
                || "the artifact's top directory".to_string(),
                |r| format!("`{}`", r.display()),
            );
        if !dir.is_dir() {
            bail!("{shown}, which goes on PATH, is not a directory in the unpacked artifact");
        }
        let executable = fs::read_dir(&dir)
            .map_err(|e| anyhow::anyhow!("could not list {}: {e}", dir.display()))?
            .filter_map(|e| e.ok())
            .any(|e| {
                fs::metadata(e.path())
                    .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
            });
        if !executable {
            bail!("{shown}, which goes on PATH, holds no executable file");
        }
    }
    Ok(())
}

/// Progress bars on a terminal; nothing elsewhere.
pub(crate) struct Bars {
    multi: Option<indicatif::MultiProgress>,
}

impl Bars {
    pub(crate) fn new() -> Bars {
        Bars {
            multi: ui::progress_enabled().then(indicatif::MultiProgress::new),
        }
    }

    fn add(&self, name: &str, version: &str) -> Option<indicatif::ProgressBar> {
        let multi = self.multi.as_ref()?;
        let bar = multi.add(indicatif::ProgressBar::no_length());
        bar.set_style(Self::style("{msg:24} {spinner} connecting"));
        bar.set_message(format!("{name} {version}"));
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        Some(bar)
    }

    fn style(template: &str) -> indicatif::ProgressStyle {
        indicatif::ProgressStyle::with_template(template).expect("valid template")
    }

    /// Bytes against the size when the server said it, else bytes alone.
    fn downloading(bar: &indicatif::ProgressBar, total: Option<u64>) {
        match total {
            Some(t) => {
                bar.set_length(t);
                bar.set_style(Self::style(
                    "{msg:24} {bar:30} {bytes:>10}/{total_bytes:10} {bytes_per_sec:>12}",
                ));
            }
            None => bar.set_style(Self::style(
                "{msg:24} {spinner} {bytes:>10} {bytes_per_sec:>12}",
            )),
        }
    }

    /// The phase after the download: a large wheel takes a while to unpack.
    fn unpacking(bar: &indicatif::ProgressBar) {
        bar.set_style(Self::style("{msg:24} {spinner} verifying and unpacking"));
    }

    /// A line printed above the live bars (on a terminal), so no bar is
    /// left frozen on screen; an ordinary message elsewhere.
    pub(crate) fn println(&self, msg: String) {
        match &self.multi {
            Some(multi) if ui::level() >= 1 => {
                let _ = multi.println(format!("devenv: {msg}"));
            }
            _ => ui::info(msg),
        }
    }
}

impl Default for Bars {
    fn default() -> Self {
        Bars::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cleanup_failure_never_hides_why_the_install_failed() {
        let mismatch = || -> Result<u64> {
            Err(anyhow::anyhow!(DigestMismatch {
                tool: "t".into(),
                url: "https://example.com/t.tgz".into(),
                expected: devenv_model::digest::Digest::of(
                    devenv_model::digest::Algorithm::Sha256,
                    b"a"
                ),
                actual: devenv_model::digest::Digest::of(
                    devenv_model::digest::Algorithm::Sha256,
                    b"b"
                ),
            }))
        };
        let cleanup = || -> Result<()> { Err(anyhow::anyhow!("permission denied")) };
        let staging = Path::new("/store/.tmp/k.1");
        let err = after_cleanup(mismatch(), cleanup(), staging).unwrap_err();
        assert!(err.downcast_ref::<DigestMismatch>().is_some(), "{err:#}");
        assert_eq!(after_cleanup(Ok(7), cleanup(), staging).unwrap(), 7);
        assert!(after_cleanup(mismatch(), Ok(()), staging).is_err());
    }
}
