//! A project: its manifest, its lock, and the one routine every command
//! uses to get a lock that matches the manifest ("lock if needed, unless
//! frozen") and the tools it pins into the store.

use crate::activate::{self, Environment};
use crate::fetch::Fetcher;
use crate::gc;
use crate::generations::History;
use crate::install::{self, Report};
use crate::lock::{self, Lock};
use crate::manifest::{self, Manifest};
use crate::platform::Platform;
use crate::resolve::{self, Update};
use crate::store::Store;
use crate::ui;
use anyhow::{Result, bail};
use std::path::{Path, PathBuf};

/// A located project.
pub struct Project {
    pub manifest: Manifest,
}

/// What commands share: the store, the HTTP client, and `--frozen`.
pub struct Context {
    pub store: Store,
    pub fetcher: Fetcher,
    pub frozen: bool,
}

impl Context {
    pub fn from_env(frozen: bool) -> Result<Context> {
        let frozen =
            frozen || std::env::var("DEVENV_FROZEN").is_ok_and(|v| !v.is_empty() && v != "0");
        Ok(Context {
            store: Store::from_env()?,
            fetcher: Fetcher::from_env(),
            frozen,
        })
    }
}

impl Project {
    /// The project containing `dir` (the nearest `devenv.toml` upward).
    pub fn find(dir: &Path) -> Result<Project> {
        let Some(root) = manifest::find_root(dir) else {
            bail!(
                "no {} in {} or any parent directory; run `devenv init` to create one",
                manifest::FILE_NAME,
                dir.display()
            );
        };
        Ok(Project {
            manifest: Manifest::load(&root)?,
        })
    }

    /// A stable id for per-project state: see [`gc::project_id`].
    pub fn id(&self) -> String {
        gc::project_id(self.root())
    }

    pub fn root(&self) -> &Path {
        &self.manifest.root
    }

    pub fn lock_path(&self) -> PathBuf {
        lock::path_in(self.root())
    }

    pub fn read_lock(&self) -> Result<Option<Lock>> {
        Lock::read(&self.lock_path())
    }

    /// The platforms the lock must cover: `settings.platforms`, or else the
    /// platforms the existing lock covers plus this machine's.
    pub fn platforms(&self, existing: Option<&Lock>) -> Vec<Platform> {
        if let Some(p) = &self.manifest.settings.platforms {
            return p.clone();
        }
        let mut p = existing.map(|l| l.platforms.clone()).unwrap_or_default();
        if !p.contains(&Platform::current()) {
            p.push(Platform::current());
        }
        p.sort();
        p
    }

    /// A lock that matches the manifest. Frozen: the existing one or an
    /// error naming what differs. Otherwise: re-resolves what changed and
    /// writes the lock if its bytes change.
    pub fn ensure_lock(&self, cx: &Context, update: &Update) -> Result<Lock> {
        let existing = self.read_lock()?;
        let platforms = self.platforms(existing.as_ref());
        if cx.frozen {
            let Some(lock) = existing else {
                bail!(
                    "--frozen: there is no devenv.lock in {}; run `devenv lock` and commit it",
                    self.root().display()
                );
            };
            if let Some(reasons) = lock.staleness(&self.manifest, &platforms) {
                bail!(
                    "--frozen: devenv.lock does not match devenv.toml:\n  - {}\nrun `devenv lock` and commit the new lock",
                    reasons.join("\n  - ")
                );
            }
            return Ok(lock);
        }
        if matches!(update, Update::Nothing)
            && let Some(lock) = &existing
            && lock.staleness(&self.manifest, &platforms).is_none()
        {
            return Ok(lock.clone());
        }
        let lock = resolve::resolve(
            &self.manifest,
            &platforms,
            existing.as_ref(),
            &cx.fetcher,
            update,
        )?;
        if lock.write(&self.lock_path())? {
            ui::info(format!("wrote {}", self.lock_path().display()));
        }
        Ok(lock)
    }

    /// Records `lock` as this project's next generation (if it differs
    /// from the newest) and registers the project as a GC root.
    pub fn record_generation(&self, cx: &Context, lock: &Lock, reason: &str) -> Result<()> {
        gc::register_project(&cx.store, self.root())?;
        if let Some(g) = History::open(&cx.store, &self.id()).record(lock, reason)? {
            ui::verbose(format!("recorded generation {}: {}", g.number, g.summary));
        }
        Ok(())
    }

    /// Locks if needed (unless frozen) and installs what is missing. When
    /// something was installed, the project is registered as a GC root and
    /// its lock recorded as a generation (a lock that arrived by `git pull`
    /// is one too).
    pub fn ensure_installed(&self, cx: &Context) -> Result<(Lock, Report)> {
        let lock = self.ensure_lock(cx, &Update::Nothing)?;
        // Registered before installing, so a gc that runs the moment the
        // install releases the store lock already sees this project's lock.
        gc::register_project(&cx.store, self.root())?;
        let report = install::install_lock(&lock, Platform::current(), &cx.store, &cx.fetcher)?;
        if !report.fetched.is_empty() {
            self.record_generation(cx, &lock, "install")?;
        }
        Ok((lock, report))
    }

    /// The environment of this project with `lock`'s tools, interpolating
    /// from the process environment.
    pub fn environment(&self, lock: Option<&Lock>, store: &Store) -> Result<Environment> {
        activate::compute(&self.manifest, lock, store, Platform::current(), &|v| {
            std::env::var(v).ok()
        })
    }
}
