//! GC roots and garbage collection: what keeps a store entry alive.
//!
//! An entry is kept when any of these refers to it:
//! - the current `devenv.lock` of a registered project (`roots/<id>` holds
//!   the project's root path; a project whose `devenv.toml` is gone is
//!   pruned);
//! - one of that project's newest N generations (`keep_generations`,
//!   default 5);
//! - a running process: `roots/live/<pid>` lists the entries a shell, an
//!   `enter` or an ad-hoc `shell` is using, and is ignored once the process
//!   is gone.
//!
//! Ad-hoc environments (`devenv shell`) are kept only while their process
//! lives. Collection holds the store lock exclusively, so it never races an
//! install (which holds it shared).
//!
//! Shell states too large for `__DEVENV_STATE` (kept in `states/`, see
//! [`devenv_shell::state`]) are collected too: one is kept while the live
//! record of the shell that made it names it, and otherwise for
//! [`STATE_GRACE`] after it was last used, because a shell that inherited
//! the variable (a subshell, a new terminal window) uses the file without
//! being registered. Deleting a state a shell still holds would only make
//! that shell unable to restore its variables when it leaves the project.

use crate::generations::History;
use crate::store::{self, Store};
use anyhow::{Result, bail};
use devenv_model::error::IoContext;
use devenv_model::lock::Lock;
use devenv_model::manifest::Manifest;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// Generations whose entries gc keeps when a project does not say.
pub(crate) const DEFAULT_KEEP_GENERATIONS: usize = 5;

/// How long a shell state no live shell names is kept after its last use.
pub const STATE_GRACE: std::time::Duration = std::time::Duration::from_secs(30 * 24 * 3600);

/// The id of a project: 16 hex characters of the sha256 of its canonical root.
pub fn project_id(root: &Path) -> String {
    let canonical = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    devenv_model::digest::sha256_hex(canonical.to_string_lossy().as_bytes())[..16].to_string()
}

/// Registers the project at `root` as a GC root (idempotent, cheap).
pub fn register_project(store: &Store, root: &Path) -> Result<()> {
    let dir = store.roots_dir();
    let path = dir.join(project_id(root));
    let text = root.to_string_lossy();
    if devenv_model::files::read_text(&path).ok().as_deref() == Some(text.as_ref()) {
        return Ok(());
    }
    fs::create_dir_all(&dir).io_context("create", &dir)?;
    devenv_model::files::write_atomic(&path, text.as_bytes())
}

/// Records that process `pid` uses `entries`, until it exits. A record
/// that already says so is left alone: entering a project again from the
/// same shell (every `hook-env` that enters) writes and flushes nothing.
pub fn register_live(store: &Store, pid: u32, entries: &[PathBuf]) -> Result<()> {
    let dir = store.roots_dir().join("live");
    let path = dir.join(pid.to_string());
    let text: String = entries
        .iter()
        .map(|e| format!("{}\n", e.display()))
        .collect();
    if fs::read_to_string(&path).ok().as_deref() == Some(text.as_str()) {
        return Ok(());
    }
    fs::create_dir_all(&dir).io_context("create", &dir)?;
    // Volatile: the record protects entries from `gc` while process `pid`
    // runs, and no process outlives a power cut.
    devenv_model::files::write_volatile(&path, text.as_bytes())
}

/// Adds `state` (a file of `states/`) to what process `pid`'s live record
/// keeps, once.
pub fn register_state(store: &Store, pid: u32, state: &Path) -> Result<()> {
    let path = store.roots_dir().join("live").join(pid.to_string());
    let mut text = devenv_model::files::read_text(&path).unwrap_or_default();
    let line = state.display().to_string();
    if text.lines().any(|l| l == line) {
        return Ok(());
    }
    fs::create_dir_all(store.roots_dir().join("live")).io_context("create", &path)?;
    text.push_str(&line);
    text.push('\n');
    devenv_model::files::write_volatile(&path, text.as_bytes())
}

fn process_alive(pid: u32) -> bool {
    if Path::new("/proc/self").exists() {
        return Path::new(&format!("/proc/{pid}")).exists();
    }
    std::process::Command::new("kill")
        .args(["-0", &pid.to_string()])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// What a collection would do or did.
#[derive(Debug, Default)]
pub struct Plan {
    /// Entries to delete, with their sizes in bytes.
    pub delete: Vec<(PathBuf, u64)>,
    /// How many entries stay.
    pub kept: usize,
    /// Roots whose project no longer exists.
    pub pruned_roots: Vec<String>,
    /// Registered projects still alive.
    pub projects: usize,
    /// Shell states no live shell names, unused for [`STATE_GRACE`], with
    /// their sizes.
    pub states: Vec<(PathBuf, u64)>,
}

impl Plan {
    /// The bytes the entries and states to delete take.
    pub fn bytes(&self) -> u64 {
        self.delete.iter().chain(&self.states).map(|(_, b)| b).sum()
    }
}

/// The files of `states/` that `keep` does not name and that were last
/// used before `now - STATE_GRACE`.
fn stale_states(store: &Store, keep: &BTreeSet<PathBuf>) -> Vec<(PathBuf, u64)> {
    let now = std::time::SystemTime::now();
    let Ok(read) = fs::read_dir(store.state_dir()) else {
        return Vec::new();
    };
    read.flatten()
        .filter_map(|e| {
            let meta = e.metadata().ok().filter(|m| m.is_file())?;
            let unused = now.duration_since(meta.modified().ok()?).ok()?;
            (unused > STATE_GRACE && !keep.contains(&e.path())).then(|| (e.path(), meta.len()))
        })
        .collect()
}

/// Entries referenced by `lock` (every platform; only this one's exist),
/// a workspace's members' pins included.
fn lock_entries(store: &Store, lock: &Lock, keep: &mut BTreeSet<PathBuf>) {
    for (name, tool) in lock.tools.iter().chain(lock.members.values().flatten()) {
        for artifact in tool.artifacts.values() {
            keep.insert(store.entry_path(&artifact.entry_name(name, &tool.version)));
        }
    }
}

/// The refusal of a collection that cannot tell what a registered project
/// uses: deleting anyway could remove the tools of its lock or generations.
fn unreadable(file: &Path, project: Option<&Path>, e: anyhow::Error) -> anyhow::Error {
    let of = project.map_or(String::new(), |p| {
        format!(" of the registered project {}", p.display())
    });
    anyhow::anyhow!(
        "gc cannot read {}{of}, so it cannot tell which store entries that project uses; nothing was deleted.\n         cause: {e:#}\n         Repair or remove that file (in a project, `devenv lock` writes the lock again), then run `devenv gc` again",
        file.display()
    )
}

/// Works out what to keep and what to delete, deleting nothing.
pub(crate) fn plan(store: &Store) -> Result<Plan> {
    let mut plan = Plan::default();
    let mut keep = BTreeSet::new();
    let roots = store.roots_dir();
    let entries = store.entries()?;
    let mut any_root = false;
    if let Ok(read) = fs::read_dir(&roots) {
        for root in read.flatten() {
            let path = root.path();
            let name = root.file_name().to_string_lossy().into_owned();
            if name == "live" || name.starts_with('.') || !path.is_file() {
                continue;
            }
            any_root = true;
            let project = PathBuf::from(
                devenv_model::files::read_text(&path)
                    .map_err(|e| unreadable(&path, None, e.into()))?
                    .trim(),
            );
            if !project.join(devenv_model::manifest::FILE_NAME).is_file() {
                plan.pruned_roots.push(project.display().to_string());
                continue;
            }
            plan.projects += 1;
            let lock_path = devenv_model::lock::path_in(&project);
            if let Some(lock) = Lock::read(&lock_path, store.limits())
                .map_err(|e| unreadable(&lock_path, Some(&project), e))?
            {
                lock_entries(store, &lock, &mut keep);
            }
            // A manifest that does not load (an edit in progress) cannot
            // say how many generations to keep: keep them all.
            let keep_generations = match Manifest::load(&project, store.limits()) {
                Ok(m) => m
                    .settings
                    .keep_generations
                    .map_or(DEFAULT_KEEP_GENERATIONS, |n| n as usize),
                Err(_) => usize::MAX,
            };
            let history = History::open(store, &name);
            let generations = history.dir();
            let list = history
                .list()
                .map_err(|e| unreadable(&generations, Some(&project), e))?;
            for g in list.iter().rev().take(keep_generations) {
                let lock = history
                    .lock(g.number)
                    .map_err(|e| unreadable(&generations, Some(&project), e))?;
                lock_entries(store, &lock, &mut keep);
            }
        }
    }
    if let Ok(read) = fs::read_dir(roots.join("live")) {
        for live in read.flatten() {
            // A live record, even of a process that has ended, shows the
            // store is in use; only a store nobody registered is a mystery.
            any_root = true;
            let alive = live
                .file_name()
                .to_string_lossy()
                .parse::<u32>()
                .is_ok_and(process_alive);
            if alive {
                let text = devenv_model::files::read_text(live.path()).unwrap_or_default();
                keep.extend(text.lines().map(PathBuf::from));
            }
        }
    }
    if !any_root && !entries.is_empty() {
        bail!(
            "no project is registered with the store at {}, so gc cannot tell which of its {} entries are in use; \
             run `devenv install` in each project you use first (that registers it)",
            store.home().display(),
            entries.len()
        );
    }
    plan.states = stale_states(store, &keep);
    for entry in entries {
        if keep.contains(&entry) {
            plan.kept += 1;
        } else {
            let size = store::tree_size(&entry);
            plan.delete.push((entry, size));
        }
    }
    Ok(plan)
}

/// Collects garbage: deletes unreferenced entries (unless `dry_run`),
/// prunes dead roots and dead live records, and clears staging.
pub fn collect(store: &Store, dry_run: bool) -> Result<Plan> {
    let _exclusive = match store.try_lock_store(true)? {
        Ok(lock) => lock,
        Err(path) => {
            devenv_model::ui::info(format!(
                "waiting for the store lock {}: another devenv is installing into this store (or collecting it); gc starts when it is done",
                path.display()
            ));
            store.lock_store(true)?
        }
    };
    let plan = plan(store)?;
    if dry_run {
        return Ok(plan);
    }
    for (entry, _) in &plan.delete {
        store.remove_entry(entry)?;
    }
    for (state, _) in &plan.states {
        match fs::remove_file(state) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(e).io_context("remove", state);
            }
            _ => {}
        }
    }
    let roots = store.roots_dir();
    if let Ok(read) = fs::read_dir(&roots) {
        for root in read.flatten() {
            let path = root.path();
            if path.is_file() {
                let project = PathBuf::from(
                    devenv_model::files::read_text(&path)
                        .unwrap_or_default()
                        .trim(),
                );
                if !project.join(devenv_model::manifest::FILE_NAME).is_file() {
                    fs::remove_file(&path).io_context("remove", &path)?;
                    let state = store.project_dir(&root.file_name().to_string_lossy());
                    store::remove_tree(&state)?;
                }
            }
        }
    }
    if let Ok(read) = fs::read_dir(roots.join("live")) {
        for live in read.flatten() {
            if !live
                .file_name()
                .to_string_lossy()
                .parse::<u32>()
                .is_ok_and(process_alive)
            {
                let _ = fs::remove_file(live.path());
            }
        }
    }
    store.clear_garbage()?;
    // Hook stamps are per directory and never reclaimed otherwise; removing
    // one only makes a shell that uses it run `devenv hook-env` once more.
    if let Ok(read) = fs::read_dir(store.stamp_dir()) {
        for stamp in read.flatten() {
            let _ = fs::remove_file(stamp.path());
        }
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    #[test]
    fn a_live_record_is_rewritten_only_when_it_changes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::at(dir.path());
        let record = store.roots_dir().join("live/42");
        let a = [PathBuf::from("/store/a")];
        register_live(&store, 42, &a).unwrap();
        let inode = fs::metadata(&record).unwrap().ino();
        // The same entries again (a shell entering the project again): the
        // file is not replaced.
        register_live(&store, 42, &a).unwrap();
        assert_eq!(fs::metadata(&record).unwrap().ino(), inode);
        let b = [PathBuf::from("/store/a"), PathBuf::from("/store/b")];
        register_live(&store, 42, &b).unwrap();
        assert_eq!(fs::read_to_string(&record).unwrap(), "/store/a\n/store/b\n");
    }
}
