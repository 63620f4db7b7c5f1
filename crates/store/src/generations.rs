//! Generations: every lock a project has used, numbered, so that going back
//! is a file copy and never a download.
//!
//! Each generation is up to three files under the project's state
//! directory: `generations/NNNNNN.lock` (the lock's exact bytes),
//! `generations/NNNNNN.manifest` (`devenv.toml`'s exact bytes when the
//! generation was recorded, so that `devenv rollback` can restore its
//! `[tools]` and `[env]`; generations recorded by older devenv versions have
//! none) and `generations/NNNNNN.toml` (when, why, and a one-line summary of
//! what changed against the generation before).

use crate::store::Store;
use anyhow::{Context, Result, bail};
use devenv_model::error::IoContext;
use devenv_model::files;
use devenv_model::lock::Lock;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fs;
use std::path::PathBuf;

/// One recorded generation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Generation {
    pub number: u32,
    /// UTC, RFC 3339.
    pub time: String,
    /// Why it was recorded: `lock`, `update`, `rollback to 3`...
    pub reason: String,
    /// What changed against the previous generation.
    pub summary: String,
    /// Whether the project's files (manifest, lock, dotenv files) were
    /// allowed for the shell hook when this generation was recorded; a
    /// rollback to it keeps an allowed project allowed only then.
    #[serde(default)]
    pub allowed: bool,
}

/// What one generation records: the lock, and the manifest it came from.
pub struct Record<'a> {
    pub lock: &'a Lock,
    /// `devenv.toml`'s exact content, when known.
    pub manifest: Option<&'a str>,
    /// Whether the project's files were allowed (see [`Generation::allowed`]).
    pub allowed: bool,
    /// Why it is recorded: `lock`, `update`, `install`, `rollback to 3`...
    pub reason: &'a str,
}

/// The generations of one project.
pub struct History {
    dir: PathBuf,
    store: Store,
    id: String,
}

impl History {
    /// The history of the project with id `id` (see `Project::id`).
    pub fn open(store: &Store, id: &str) -> History {
        History {
            dir: store.project_dir(id).join("generations"),
            store: store.clone(),
            id: id.to_string(),
        }
    }

    /// The directory holding this project's generations.
    pub(crate) fn dir(&self) -> PathBuf {
        self.dir.clone()
    }

    /// All generations, oldest first.
    pub fn list(&self) -> Result<Vec<Generation>> {
        let read = match fs::read_dir(&self.dir) {
            Ok(r) => r,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e).io_context("list", &self.dir),
        };
        let mut out = Vec::new();
        for entry in read.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "toml") {
                let text = devenv_model::files::read_text(&path).io_context("read", &path)?;
                let g: Generation = toml::from_str(&text).map_err(|e| {
                    anyhow::anyhow!("{} is damaged: {}", path.display(), e.message())
                })?;
                out.push(g);
            }
        }
        out.sort_by_key(|g| g.number);
        Ok(out)
    }

    fn lock_path(&self, number: u32) -> PathBuf {
        self.dir.join(format!("{number:06}.lock"))
    }

    /// The lock of generation `number`.
    pub fn lock(&self, number: u32) -> Result<Lock> {
        let path = self.lock_path(number);
        Lock::read(&path, self.store.limits())?
            .with_context(|| format!("generation {number} has no lock file ({})", path.display()))
    }

    fn manifest_path(&self, number: u32) -> PathBuf {
        self.dir.join(format!("{number:06}.manifest"))
    }

    /// The exact bytes of the `devenv.toml` generation `number` was made
    /// from; `None` for a generation recorded before devenv kept manifests.
    pub fn manifest(&self, number: u32) -> Result<Option<String>> {
        files::read_bounded(
            &self.manifest_path(number),
            self.store.limits().of(files::MAX_MANIFEST),
            "the recorded manifest",
        )
    }

    /// The exact bytes of generation `number`'s lock.
    pub(crate) fn lock_text(&self, number: u32) -> Result<String> {
        let path = self.lock_path(number);
        devenv_model::files::read_text(&path).io_context("read", &path)
    }

    /// Records `record` as the next generation, unless its lock is
    /// byte-identical to the newest one's. Returns the new generation, if
    /// one was recorded.
    pub fn record(&self, record: &Record) -> Result<Option<Generation>> {
        let lock = record.lock;
        // Concurrent installs of one project must not number two generations alike.
        let _guard = self
            .store
            .lock_named(&format!("generations-{}.lock", self.id))?;
        let text = lock.render();
        let list = self.list()?;
        let previous = match list.last() {
            Some(g) => {
                if self.lock_text(g.number).ok().as_deref() == Some(text.as_str()) {
                    return Ok(None);
                }
                self.lock(g.number).ok()
            }
            None => None,
        };
        fs::create_dir_all(&self.dir).io_context("create", &self.dir)?;
        let number = list.last().map_or(1, |g| g.number + 1);
        let generation = Generation {
            number,
            time: now_rfc3339(),
            reason: record.reason.to_string(),
            summary: summarize(previous.as_ref(), lock),
            allowed: record.allowed,
        };
        // The metadata goes last: a generation exists once its `.toml` does.
        files::write_atomic(&self.lock_path(number), text.as_bytes())?;
        if let Some(manifest) = record.manifest {
            files::write_atomic(&self.manifest_path(number), manifest.as_bytes())?;
        }
        let meta = toml::to_string(&generation).expect("generation serializes");
        files::write_atomic(&self.dir.join(format!("{number:06}.toml")), meta.as_bytes())?;
        Ok(Some(generation))
    }

    /// The generation the project's current lock is (the newest one with
    /// the same bytes), if any.
    pub fn current(&self, lock: Option<&Lock>) -> Result<Option<u32>> {
        match lock {
            Some(lock) => self.matching(lock),
            None => Ok(None),
        }
    }

    /// The generation whose lock is byte-identical to `lock`, newest first.
    pub(crate) fn matching(&self, lock: &Lock) -> Result<Option<u32>> {
        let text = lock.render();
        for g in self.list()?.iter().rev() {
            if self.lock_text(g.number).ok().as_deref() == Some(text.as_str()) {
                return Ok(Some(g.number));
            }
        }
        Ok(None)
    }
}

/// "node 22.11.0 → 22.12.0, +ruff 0.7.4, -go 1.23.1", or "initial: node 22.11.0".
pub(crate) fn summarize(old: Option<&Lock>, new: &Lock) -> String {
    let Some(old) = old else {
        let tools: Vec<String> = new
            .tools
            .iter()
            .map(|(n, t)| format!("{n} {}", t.version))
            .collect();
        return if tools.is_empty() {
            "no tools".into()
        } else {
            tools.join(", ")
        };
    };
    let names: BTreeSet<&String> = old.tools.keys().chain(new.tools.keys()).collect();
    let mut parts = Vec::new();
    for name in names {
        match (old.tools.get(name), new.tools.get(name)) {
            (Some(a), Some(b)) if a.version != b.version => {
                parts.push(format!("{name} {} → {}", a.version, b.version))
            }
            (Some(a), Some(b)) if a != b => {
                parts.push(format!("{name} {} (artifacts changed)", b.version))
            }
            (None, Some(b)) => parts.push(format!("+{name} {}", b.version)),
            (Some(a), None) => parts.push(format!("-{name} {}", a.version)),
            _ => {}
        }
    }
    if old.platforms != new.platforms {
        parts.push("platforms changed".into());
    }
    if parts.is_empty() {
        "no tool changes".into()
    } else {
        parts.join(", ")
    }
}

pub use devenv_model::time::{now_rfc3339, rfc3339};

/// Refuses a generation number that does not exist, listing what does.
pub fn check_exists(list: &[Generation], number: u32) -> Result<()> {
    if list.iter().any(|g| g.number == number) {
        return Ok(());
    }
    match (list.first(), list.last()) {
        (Some(first), Some(last)) => bail!(
            "there is no generation {number}; this project's generations go from {} to {} (see `devenv generations`)",
            first.number,
            last.number
        ),
        _ => bail!(
            "this project has no generations yet; they are recorded each time devenv writes devenv.lock"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_795_000_000), "2026-11-18T11:06:40Z");
    }
}
