//! A project: its manifest, its lock, and the one routine every command
//! uses to get a lock that matches the manifest ("lock if needed, unless
//! frozen") and the tools it pins into the store.

use crate::activate::{self, Environment};
use crate::install::{self, Report};
use anyhow::{Result, bail};
use devenv_model::config::Config;
use devenv_model::lock::{self, Lock};
use devenv_model::manifest::{self, Manifest};
use devenv_model::platform::Platform;
use devenv_model::ui;
use devenv_net::fetch::Fetcher;
use devenv_sources::resolve::{self, Update};
use devenv_store::gc;
use devenv_store::generations::History;
use devenv_store::store::Store;
use devenv_store::trust;
use std::path::{Path, PathBuf};

/// The current directory, or an error that says why it cannot be read.
pub(crate) fn cwd() -> Result<PathBuf> {
    std::env::current_dir().map_err(|e| {
        anyhow::anyhow!(
            "cannot read the current directory: {}",
            devenv_model::error::io_reason(&e)
        )
    })
}

/// A located project.
pub(crate) struct Project {
    pub(crate) manifest: Manifest,
}

/// What commands share: the configuration, and the store, the HTTP client,
/// `--frozen` and `--offline` it gives.
pub(crate) struct Context {
    /// The one configuration, as the command line resolved it.
    pub(crate) config: Config,
    pub(crate) store: Store,
    pub(crate) fetcher: Fetcher,
    pub(crate) frozen: bool,
    /// What the environment says about team caches (`DEVENV_CACHES`,
    /// credentials); combined with `[settings] caches` per project.
    pub(crate) caches: devenv_net::cache::Env,
    /// What the definitions of artifacts pinned by this command declare
    /// about their signatures (aqua packages), or what their release
    /// publishes beside them (`github:` assets, aqua packages declaring
    /// nothing), by URL and digest: handed over by resolution, checked at
    /// lock time.
    pub(crate) declared: std::sync::Mutex<
        std::collections::BTreeMap<
            (String, String),
            devenv_sources::backends::aqua::declared::Declared,
        >,
    >,
}

impl Context {
    /// The context of `config`, frozen when `frozen` (the command's
    /// `--frozen`) or `DEVENV_FROZEN`.
    pub(crate) fn new(config: &Config, frozen: bool) -> Result<Context> {
        Ok(Context {
            store: Store::open(config)?,
            fetcher: Fetcher::new(config.http.clone())
                .with_keyring(devenv_net::credentials::Keyring::new(config)),
            frozen: frozen || config.frozen,
            caches: devenv_net::cache::Env::new(config),
            config: config.clone(),
            declared: std::sync::Mutex::default(),
        })
    }

    /// The platform this command installs for.
    pub(crate) fn platform(&self) -> Platform {
        self.config.platform()
    }

    /// No network at all (`--offline`, `DEVENV_OFFLINE=1`): resolution uses
    /// only the lock, installation only the store. Checked before the
    /// fetcher is asked, so errors name what is missing instead of a URL
    /// that could not be reached.
    pub(crate) fn offline(&self) -> bool {
        self.config.offline
    }

    /// What resolution is given: this command's configuration and client,
    /// this store as the place a resolution engine (uv) is installed, and
    /// its cache directory.
    pub(crate) fn sources(&self) -> devenv_sources::Cx<'_> {
        devenv_sources::Cx {
            config: &self.config,
            fetcher: &self.fetcher,
            installer: self,
            cache: self.store.home().join("cache"),
        }
    }
}

impl devenv_sources::Installer for Context {
    fn install(
        &self,
        name: &str,
        version: &str,
        artifact: &devenv_model::lock::Artifact,
    ) -> Result<PathBuf> {
        let job = install::Job {
            name,
            version,
            artifact,
            node_bin: Vec::new(),
            toolchain: None,
        };
        install::ensure(
            &job,
            &self.store,
            &devenv_net::cache::Downloads::upstream(&self.fetcher),
            &install::Bars::new(),
        )?;
        Ok(self.store.entry_path(&artifact.entry_name(name, version)))
    }

    fn declared(
        &self,
        artifact: &devenv_model::lock::Artifact,
        material: devenv_sources::backends::aqua::declared::Declared,
    ) {
        // A poisoned map only loses declarations: those artifacts stay
        // "not checked", which `provenance = "required"` refuses.
        if let Ok(mut map) = self.declared.lock() {
            map.insert(
                (artifact.url.clone(), artifact.digest.to_string()),
                material,
            );
        }
    }
}

/// Says, one warning a name, which built-in catalog names the project's
/// own registry files replace (`allow`, `lock` and `install` do).
pub(crate) fn warn_replaced_names(manifest: &Manifest) {
    for line in devenv_sources::backends::aqua::replacements(manifest) {
        ui::warn(line);
    }
}

/// The root of the project containing `dir` (the nearest directory upward
/// with a `devenv.toml`), without reading the manifest; an error says how
/// to start one.
pub(crate) fn find_root(dir: &Path) -> Result<PathBuf> {
    match manifest::find_root(dir) {
        Some(root) => Ok(root),
        None => bail!(
            "no {} in {} or any parent directory; run `devenv init` to create one",
            manifest::FILE_NAME,
            dir.display()
        ),
    }
}

impl Project {
    /// The project containing `dir` (the nearest `devenv.toml` upward),
    /// its files read under `config`'s limits.
    pub(crate) fn find(dir: &Path, config: &Config) -> Result<Project> {
        let root = find_root(dir)?;
        Ok(Project {
            manifest: manifest::workspace::locate(&root, config.file_limits())?,
        })
    }

    /// The project of `dir`, or with `member` (`-p`) the named member of
    /// the workspace `dir` is in; an unknown member is an error listing
    /// the members.
    pub(crate) fn find_member(
        dir: &Path,
        member: Option<&str>,
        config: &Config,
    ) -> Result<Project> {
        let project = Project::find(dir, config)?;
        let Some(name) = member else {
            return Ok(project);
        };
        let Some(place) = &project.manifest.place else {
            bail!(
                "-p {name}: {} is not in a workspace (no devenv.toml above it has [workspace])",
                project.root().display()
            );
        };
        let root = Manifest::load(&place.root, config.file_limits())?;
        let mut members = manifest::workspace::members(&root)?;
        let rel = name.trim_end_matches('/');
        if let Some(i) = members.iter().position(|m| {
            m.place.as_ref().and_then(|p| p.member.as_deref()) == Some(rel)
                || m.project_name() == rel
        }) {
            return Ok(Project {
                manifest: members.swap_remove(i),
            });
        }
        let names: Vec<String> = members
            .iter()
            .filter_map(|m| m.place.as_ref().and_then(|p| p.member.clone()))
            .collect();
        bail!(
            "-p {name}: the workspace at {} has no member `{name}`; its members are: {}",
            place.root.display(),
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            }
        )
    }

    /// The workspace member this project is, as a path relative to the
    /// workspace root; `None` outside workspaces and for the root.
    pub(crate) fn member(&self) -> Option<&str> {
        self.manifest.place.as_ref()?.member.as_deref()
    }

    /// In a workspace: the root's own manifest and every member's merged
    /// one, read now.
    pub(crate) fn workspace(&self) -> Result<Option<(Manifest, Vec<Manifest>)>> {
        let Some(place) = &self.manifest.place else {
            return Ok(None);
        };
        let root = manifest::workspace::locate(&place.root, self.manifest.limits)?;
        let members = manifest::workspace::members(&root)?;
        Ok(Some((root, members)))
    }

    /// A stable id for per-project state: see [`gc::project_id`].
    pub(crate) fn id(&self) -> String {
        gc::project_id(self.root())
    }

    pub(crate) fn root(&self) -> &Path {
        &self.manifest.root
    }

    /// `devenv.lock`: the workspace root's in a workspace.
    pub(crate) fn lock_path(&self) -> PathBuf {
        lock::path_in(self.manifest.lock_root())
    }

    /// The lock as this project uses it: in a workspace, the part of the
    /// workspace's lock that pins this environment's tools.
    pub(crate) fn read_lock(&self) -> Result<Option<Lock>> {
        Ok(self.read_whole_lock()?.map(|l| self.own_view(l)))
    }

    /// The part of `lock` (the one on disk) this project's environment
    /// uses: in a workspace its own pins and the root's; elsewhere all of it.
    pub(crate) fn own_view(&self, lock: Lock) -> Lock {
        match &self.manifest.place {
            Some(_) => lock.view(self.member(), &self.manifest),
            None => lock,
        }
    }

    /// `devenv.lock` as it is on disk (every member's pins, in a workspace).
    pub(crate) fn read_whole_lock(&self) -> Result<Option<Lock>> {
        Lock::read(&self.lock_path(), self.manifest.limits)
    }

    /// The platforms the lock must cover: `settings.platforms`, or else the
    /// platforms the existing lock covers plus `host`, the one installed for.
    pub(crate) fn platforms(&self, existing: Option<&Lock>, host: Platform) -> Vec<Platform> {
        if let Some(p) = &self.manifest.settings.platforms {
            return p.clone();
        }
        let mut p = existing.map(|l| l.platforms.clone()).unwrap_or_default();
        if !p.contains(&host) {
            p.push(host);
        }
        p.sort();
        p
    }

    /// A lock that matches the manifest. Frozen: the existing one or an
    /// error naming what differs. Otherwise: re-resolves what changed and
    /// writes the lock if its bytes change.
    pub(crate) fn ensure_lock(&self, cx: &Context, update: &Update) -> Result<Lock> {
        let reason = if matches!(update, Update::Nothing) {
            "lock"
        } else {
            "update"
        };
        self.ensure_lock_as(cx, update, reason)
    }

    /// [`Project::ensure_lock`], recording a new generation under `reason`
    /// (`add`, `remove`...): what `devenv generations` shows for it.
    pub(crate) fn ensure_lock_as(
        &self,
        cx: &Context,
        update: &Update,
        reason: &str,
    ) -> Result<Lock> {
        if self.manifest.place.is_some() {
            return self.ensure_workspace_lock(cx, update, reason, false);
        }
        let existing = self.read_lock()?;
        let platforms = self.platforms(existing.as_ref(), cx.platform());
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
            self.check_agrees(&lock)?;
            crate::provenance::check_policy(&self.manifest, &lock)?;
            return Ok(lock);
        }
        let mut existing = existing;
        if let Some(lock) = &mut existing {
            // The manifest's pins win: a tool whose lock entry contradicts
            // them is resolved again from devenv.toml, never trusted.
            let wrong = lock::validate::disagreements(lock, &self.manifest);
            if !wrong.is_empty() {
                ui::warn(format!(
                    "devenv.lock contradicts devenv.toml, so these tools are resolved again from devenv.toml:\n  - {}",
                    wrong
                        .iter()
                        .map(|(_, m)| m.as_str())
                        .collect::<Vec<_>>()
                        .join("\n  - ")
                ));
                for (name, _) in &wrong {
                    lock.tools.remove(name);
                }
                lock.manifest.clear();
            }
        }
        if matches!(update, Update::Nothing)
            && let Some(lock) = &existing
            && lock.staleness(&self.manifest, &platforms).is_none()
        {
            crate::provenance::check_policy(&self.manifest, lock)?;
            return Ok(lock.clone());
        }
        if cx.offline() {
            self.check_resolvable_offline(existing.as_ref(), &platforms, update)?;
        }
        let lock = resolve::resolve(
            &self.manifest,
            &platforms,
            existing.as_ref(),
            &cx.sources(),
            update,
        )?;
        let lock = crate::provenance::attach(&self.manifest, existing.as_ref(), lock, cx)?;
        if self.write_lock(cx, &lock)? {
            ui::info(format!("wrote {}", self.lock_path().display()));
            self.record_generation(cx, &lock, reason)?;
        }
        Ok(lock)
    }

    /// In a workspace: a lock that matches every member (`whole`, what
    /// `lock`, `update` and `install` ask) or at least this environment
    /// (what `exec`, `run` and `enter` ask: they never read the other
    /// members while this one's pins are fresh). Re-resolving always covers
    /// the whole workspace, so the one lock stays whole. Returns this
    /// environment's view of it.
    pub(crate) fn ensure_workspace_lock(
        &self,
        cx: &Context,
        update: &Update,
        reason: &str,
        whole: bool,
    ) -> Result<Lock> {
        let existing = self.read_whole_lock()?;
        let platforms = self.platforms(existing.as_ref(), cx.platform());
        let view = existing
            .as_ref()
            .map(|l| l.view(self.member(), &self.manifest));
        let view_fresh = view
            .as_ref()
            .is_some_and(|v| v.staleness(&self.manifest, &platforms).is_none());
        if !whole && matches!(update, Update::Nothing) && view_fresh {
            let view = view.expect("fresh");
            self.check_agrees(&view)?;
            return Ok(view);
        }
        let (root, members) = self.workspace()?.expect("a workspace project");
        let fresh = existing
            .as_ref()
            .is_some_and(|l| l.manifest == lock::workspace_hash(&root, &members, &platforms));
        if cx.frozen || (matches!(update, Update::Nothing) && fresh) {
            let Some(lock) = existing else {
                bail!(
                    "--frozen: there is no devenv.lock in {}; run `devenv lock` and commit it",
                    self.manifest.lock_root().display()
                );
            };
            if !fresh {
                let mut reasons = Vec::new();
                for m in std::iter::once(&root).chain(&members) {
                    let v = lock.view(m.place.as_ref().and_then(|p| p.member.as_deref()), m);
                    let at = m
                        .place
                        .as_ref()
                        .and_then(|p| p.member.as_deref())
                        .unwrap_or(".");
                    for r in v.staleness(m, &platforms).unwrap_or_default() {
                        reasons.push(format!("{at}: {r}"));
                    }
                }
                if reasons.is_empty() {
                    reasons.push("the workspace's members or [catalog] changed".into());
                }
                bail!(
                    "--frozen: devenv.lock does not match the workspace's devenv.toml files:\n  - {}\nrun `devenv lock` and commit the new lock",
                    reasons.join("\n  - ")
                );
            }
            let view = lock.view(self.member(), &self.manifest);
            self.check_agrees(&view)?;
            return Ok(view);
        }
        if cx.offline() {
            bail!(
                "devenv is offline, so it cannot resolve the workspace's tools again: devenv.lock does not match its devenv.toml files; run `devenv lock` with network access (and commit the lock)"
            );
        }
        let lock = resolve::resolve_workspace(
            &root,
            &members,
            &platforms,
            existing.as_ref(),
            &cx.sources(),
            update,
        )?;
        if self.write_lock(cx, &lock)? {
            ui::info(format!("wrote {}", self.lock_path().display()));
            self.record_generation(cx, &lock, reason)?;
        }
        Ok(lock.view(self.member(), &self.manifest))
    }

    /// Refuses `lock` when it contradicts a pin of the manifest (a
    /// `sha256`, an exact version or URL, a version range, a source, `bin`),
    /// naming both sides.
    pub(crate) fn check_agrees(&self, lock: &Lock) -> Result<()> {
        let wrong = lock::validate::disagreements(lock, &self.manifest);
        if wrong.is_empty() {
            return Ok(());
        }
        bail!(
            "devenv.lock contradicts devenv.toml, so it was not used:\n  - {}\nThe lock was edited by hand or by someone else. Review the change; then run `devenv lock` (without --frozen) to pin these tools again from devenv.toml",
            wrong
                .iter()
                .map(|(_, m)| m.as_str())
                .collect::<Vec<_>>()
                .join("\n  - ")
        )
    }

    /// Writes `lock` as this project's `devenv.lock`; returns whether the
    /// bytes changed. When the project's files were allowed before the
    /// write, the trust record follows the new lock: devenv derived it from
    /// allowed input (see [`devenv_store::trust`]).
    pub(crate) fn write_lock(&self, cx: &Context, lock: &Lock) -> Result<bool> {
        let before = self.full_snapshot().ok().filter(|s| {
            trust::check(&cx.store, &self.manifest.trust_path(), s) == trust::Trust::Allowed
        });
        let changed = lock.write(&self.lock_path())?;
        if changed && let Some(mut snapshot) = before {
            snapshot.lock = Some(lock.render());
            trust::allow(&cx.store, &self.manifest.trust_path(), &snapshot)?;
        }
        Ok(changed)
    }

    /// Every file the trust record covers: in a workspace, the root's and
    /// every member's; else this project's.
    pub(crate) fn full_snapshot(&self) -> Result<trust::Snapshot> {
        match self.workspace()? {
            Some((root, members)) => trust::Snapshot::read_workspace(&root, &members),
            None => trust::Snapshot::read(&self.manifest),
        }
    }

    /// After an edit the user asked devenv for (`add`, `remove`): when the
    /// project was allowed before it (`was_allowed`), the trust record
    /// follows the files as they are now — the only change is the one the
    /// user typed — and says so.
    pub(crate) fn keep_allowed(cx: &Context, path: &Path, was_allowed: bool) -> Result<()> {
        if !was_allowed {
            return Ok(());
        }
        let root = path.parent().unwrap_or(Path::new("."));
        let project = Project {
            manifest: manifest::workspace::locate(root, cx.config.file_limits())?,
        };
        trust::allow(
            &cx.store,
            &project.manifest.trust_path(),
            &project.full_snapshot()?,
        )?;
        ui::info(format!(
            "the project stays allowed: this change to {} is the one you asked for",
            manifest::FILE_NAME
        ));
        Ok(())
    }

    /// Whether the shell hook may apply this project's files as they are
    /// now on disk (see [`devenv_store::trust`]).
    pub(crate) fn allowed(&self, cx: &Context) -> bool {
        trust::Snapshot::read(&self.manifest).is_ok_and(|s| {
            trust::check(&cx.store, &self.manifest.trust_path(), &s) == trust::Trust::Allowed
        })
    }

    /// Records `lock` (with the manifest) as this project's next generation
    /// if it differs from the newest, and registers the project as a GC
    /// root. Returns the generation recorded, if any.
    pub(crate) fn record_generation(
        &self,
        cx: &Context,
        lock: &Lock,
        reason: &str,
    ) -> Result<Option<devenv_store::generations::Generation>> {
        gc::register_project(&cx.store, self.manifest.lock_root())?;
        let record = devenv_store::generations::Record {
            lock,
            manifest: Some(&self.manifest.source),
            allowed: self.allowed(cx),
            reason,
        };
        if let Some(g) = History::open(&cx.store, &self.id()).record(&record)? {
            ui::verbose(format!("recorded generation {}: {}", g.number, g.summary));
            return Ok(Some(g));
        }
        Ok(None)
    }

    /// Offline, a lock can still follow the manifest when every tool keeps
    /// its pin (a tool was removed, or a platform dropped); a tool that needs
    /// resolving needs the network, so this names it and stops.
    fn check_resolvable_offline(
        &self,
        existing: Option<&Lock>,
        platforms: &[Platform],
        update: &Update,
    ) -> Result<()> {
        let needed = resolve::needs_resolving(&self.manifest, platforms, existing, update);
        if needed.is_empty() {
            return Ok(());
        }
        let names = needed
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let reasons = existing
            .and_then(|l| l.staleness(&self.manifest, platforms))
            .unwrap_or_else(|| vec!["there is no devenv.lock yet".into()]);
        bail!(
            "devenv is offline, so it cannot re-resolve {names}: devenv.lock does not match devenv.toml:\n  - {}\n\
             run `devenv lock` with network access (and commit the lock), or undo the change to devenv.toml",
            reasons.join("\n  - ")
        )
    }

    /// Locks if needed (unless frozen) and installs what is missing; a
    /// project without tools and without a lock stays without one. When
    /// something was installed, the project is registered as a GC root and
    /// its lock recorded as a generation (a lock that arrived by `git pull`
    /// is one too). Offline, every missing store entry is named before any
    /// download is tried.
    pub(crate) fn ensure_installed(&self, cx: &Context) -> Result<(Lock, Report)> {
        if !cx.frozen && self.manifest.tools.is_empty() && self.read_lock()?.is_none() {
            // Nothing to pin: a project of variables only gets no
            // devenv.lock from commands that only use its environment
            // (`devenv lock` still writes one when asked, and --frozen
            // still wants one, as CI does).
            let lock = resolve::resolve(
                &self.manifest,
                &self.platforms(None, cx.platform()),
                None,
                &cx.sources(),
                &Update::Nothing,
            )?;
            return Ok((lock, Report::default()));
        }
        let lock = self.ensure_lock(cx, &Update::Nothing)?;
        if cx.offline() {
            // `file://` artifacts are local: offline is no reason to miss them.
            let mut missing = install::missing(&lock, cx.platform(), &cx.store);
            missing.retain(|m| !m.url.starts_with("file://"));
            if !missing.is_empty() {
                bail!(install::OfflineMissing {
                    missing,
                    store: cx.store.store_dir()
                });
            }
        }
        // Registered before installing, so a gc that runs the moment the
        // install releases the store lock already sees this project's lock.
        gc::register_project(&cx.store, self.manifest.lock_root())?;
        // Caches are opened (credentials read, clients built) only when
        // something is missing: `exec` with everything installed stays fast.
        let downloads = if install::missing(&lock, cx.platform(), &cx.store).is_empty() {
            devenv_net::cache::Downloads::upstream(&cx.fetcher)
        } else {
            self.downloads(cx)?
        };
        let report = install::install_lock(&lock, cx.platform(), &cx.store, &downloads)?;
        if !report.fetched.is_empty() {
            self.record_generation(cx, &lock, "install")?;
            self.warn_shadowed(&lock, cx);
        }
        Ok((lock, report))
    }

    /// Where this project's pinned artifacts come from: its team caches
    /// (`DEVENV_CACHES`, else `[settings] caches`) before upstream; offline,
    /// no cache is consulted.
    pub(crate) fn downloads(&self, cx: &Context) -> Result<devenv_net::cache::Downloads> {
        let caches = devenv_net::cache::Caches::configure(
            &self.manifest.settings.caches,
            self.manifest.lock_root(),
            &cx.caches,
            &cx.fetcher,
        )?;
        Ok(devenv_net::cache::Downloads::with_caches(
            &cx.fetcher,
            caches,
        ))
    }

    /// Warns about each command two tools provide, naming the one that
    /// runs (the first in devenv.toml).
    pub(crate) fn warn_shadowed(&self, lock: &Lock, cx: &Context) {
        for (command, winner, hidden) in
            activate::shadowed_commands(&self.manifest, lock, &cx.store, cx.platform())
        {
            ui::warn(format!(
                "`{command}` is provided by `{winner}` and by {}; `{winner}` runs because it comes first in devenv.toml (reorder [tools] to change that)",
                hidden
                    .iter()
                    .map(|h| format!("`{h}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }

    /// The environment of this project with `lock`'s tools, interpolating
    /// from the process environment.
    pub(crate) fn environment(
        &self,
        lock: Option<&Lock>,
        store: &Store,
        platform: Platform,
    ) -> Result<Environment> {
        let dotenv = activate::read_dotenv(&self.manifest)?;
        activate::compute(&self.manifest, lock, &dotenv, store, platform, &|v| {
            devenv_model::config::outer_var(v)
        })
    }
}
