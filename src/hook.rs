//! The transition `devenv hook-env` (and `devenv enter`) computes: from the
//! state recorded in the shell's environment to the project of the current
//! directory, or to none.
//!
//! It works on a copy of the environment: undo the active project, compute
//! the new one on top of the result (so `${VAR}` reads the user's own
//! values, not the old project's), then emit only the variables whose final
//! value differs from the current one. Any failure while loading the new
//! project leaves the shell exactly as it was, with one notice.
//!
//! Identity: the project is its canonical directory (a project reached
//! through a symlink is the same project, with the same `DEVENV_ROOT`),
//! while `__DEVENV_DIR` keeps the logical directory the shell compares.
//!
//! `settings.watch` (background preparation, issue 7) belongs in
//! [`Run::load`] right after the trust check: start or reuse the project's
//! watcher there, and activate whatever the store holds now; the watcher's
//! install rewrites the lock, a watched file, so the next prompt picks up
//! the finished environment without waiting.

use crate::activate::{self, Environment};
use crate::project::Project;
use anyhow::Result;
use devenv_model::lock::Lock;
use devenv_model::manifest::{self, Manifest};
use devenv_model::platform::Platform;
use devenv_shell::Shell;
use devenv_shell::state::{self, Active, DIR_VAR, STATE_VAR, State, VarChange, Vars, WATCH_VAR};
use devenv_store::gc;
use devenv_store::store::Store;
use devenv_store::trust::{self, Trust};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// Who asks for the transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// The prompt hook: only trusted manifests, errors become notices.
    Hook,
    /// `devenv enter`: the user asked, so no trust check, and errors fail.
    Enter,
}

/// What to change in the shell, and what to tell the user.
#[derive(Debug, Default)]
pub(crate) struct Transition {
    /// Variables to set (`Some`) or unset (`None`), the state variables included.
    pub(crate) changes: BTreeMap<String, Option<String>>,
    /// One-line messages for stderr, without the `devenv: ` prefix.
    pub(crate) messages: Vec<String>,
}

impl Transition {
    /// What `shell` evaluates (or parses) to apply this transition.
    pub(crate) fn script(&self, shell: &Shell) -> String {
        shell.render(&self.changes)
    }
}

/// The nearest directory at or above `pwd` holding a `devenv.toml`, found
/// exactly the way the shell hooks find it (string operations on the
/// logical `$PWD`), so both sides agree on what "the same project" means.
pub(crate) fn find_dir(pwd: &str) -> Option<String> {
    let mut dir = pwd;
    loop {
        if dir.is_empty() {
            let root = Path::new("/").join(manifest::FILE_NAME);
            return root.is_file().then(|| "/".to_string());
        }
        if Path::new(&format!("{dir}/{}", manifest::FILE_NAME)).is_file() {
            return Some(dir.to_string());
        }
        dir = &dir[..dir.rfind('/').unwrap_or(0)];
    }
}

/// Whether a shell whose environment is `current`, in `pwd`, is already
/// up to date: the same project directory, no watched file changed since
/// devenv read it, and PATH as devenv left it. The same test the hooks of
/// shells with builtins for it make before calling devenv; shells without
/// them (tcsh, elvish) call `hook-env` at every prompt, and this keeps that
/// call cheap.
pub(crate) fn unchanged(pwd: &str, current: &Vars) -> bool {
    let dir = find_dir(pwd);
    if dir.as_ref() != current.get(DIR_VAR) {
        return false;
    }
    let Some(dir) = dir else {
        return true;
    };
    let Some(watch) = current.get(WATCH_VAR) else {
        return false;
    };
    let in_dir = |file: &str| {
        if file.starts_with('/') {
            PathBuf::from(file)
        } else {
            Path::new(&dir).join(file)
        }
    };
    let mtime = |p: PathBuf| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let mut lines = watch.lines();
    let Some(stamp) = lines.next().and_then(|s| mtime(in_dir(s))) else {
        return false;
    };
    let path = current.get("PATH").map_or("", String::as_str);
    lines.all(|line| match line.split_at_checked(1) {
        Some(("+", file)) => mtime(in_dir(file)).is_some_and(|m| m <= stamp),
        Some(("-", file)) => std::fs::metadata(in_dir(file)).is_err(),
        Some(("=", kept)) => {
            kept.split_once(' ').map(|(_, print)| print) == Some(&state::fingerprint(path))
        }
        _ => false,
    })
}

/// The logical current directory: `$PWD` when it names the current
/// directory (it keeps the symlinks the user `cd`ed through), else the
/// physical one. When the current directory was deleted: `$PWD` as the
/// shell has it, or `/` when the shell did not pass it on — a deleted
/// directory holds no project, so the hook unloads instead of failing at
/// every prompt.
pub(crate) fn logical_pwd() -> Result<String> {
    let physical = match std::env::current_dir() {
        Ok(p) => p,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(devenv_model::config::outer_var("PWD")
                .filter(|pwd| pwd.starts_with('/') && std::fs::metadata(pwd).is_err())
                .unwrap_or_else(|| "/".to_string()));
        }
        Err(_) => crate::project::cwd()?,
    };
    if let Some(pwd) = devenv_model::config::outer_var("PWD")
        && pwd.starts_with('/')
        && std::fs::canonicalize(&pwd).ok() == std::fs::canonicalize(&physical).ok()
    {
        return Ok(pwd);
    }
    Ok(physical.to_string_lossy().into_owned())
}

/// The canonical form of a project directory found from the logical
/// `$PWD`: one project reached through a symlink has one identity.
fn real_dir(dir: &str) -> String {
    std::fs::canonicalize(dir)
        .map_or_else(|_| dir.to_string(), |p| p.to_string_lossy().into_owned())
}

/// Computes the transition for a shell in `pwd` whose environment is `current`.
pub(crate) fn transition(
    pwd: &str,
    current: &Vars,
    store: &Store,
    platform: Platform,
    mode: Mode,
) -> Result<Transition> {
    let old = current
        .get(STATE_VAR)
        .filter(|s| !s.is_empty())
        .and_then(|s| State::decode_in(s, &store.state_dir()))
        .unwrap_or_default();
    let dir = find_dir(pwd);
    let real = dir.as_deref().map(real_dir);
    // The shell this runs for: the hook's parent, or for `enter` this
    // process, which becomes the shell.
    let shell = match mode {
        Mode::Hook => std::os::unix::process::parent_id(),
        Mode::Enter => std::process::id(),
    };
    let same_dir = old.dir == dir || (real.is_some() && old.dir.as_deref().map(real_dir) == real);
    let mut run = Run {
        store,
        platform,
        mode,
        shown: if same_dir {
            old.notices.clone()
        } else {
            Vec::new()
        },
        messages: Vec::new(),
        preparing: false,
        workspace: None,
    };
    let mut vars = current.clone();
    let mut next = State {
        dir: dir.clone(),
        shell: Some(shell),
        ..State::default()
    };
    let mut watch_text = None;
    if let Some(dir) = &real {
        let mut watch = Watch::default();
        match run.load(dir, &mut watch, old.active.as_ref(), current) {
            Ok(Some((active, new_vars))) => {
                vars = new_vars;
                next.active = Some(active);
            }
            Ok(None) => revert(&old, &mut vars),
            Err(e) if mode == Mode::Hook => {
                run.note(&format!("error:{e:#}"), format!("error: {e:#}"));
                if old.active.as_ref().is_some_and(|a| &a.root == dir) {
                    // A broken edit of the active manifest: keep what works.
                    next.active = old.active.clone();
                } else {
                    revert(&old, &mut vars);
                }
            }
            Err(e) => return Err(e),
        }
        let path = vars.get("PATH").map(String::as_str);
        watch_text = Some(watch.render(store, dir, path, &mut run));
    } else {
        revert(&old, &mut vars);
    }
    // A shell that inherited the state from another one never entered its
    // project: leaving it is not news.
    let inherited = old.shell.is_some_and(|pid| pid != shell) && !same_dir;
    if inherited {
        run.announce(None, next.active.as_ref());
    } else {
        run.announce(old.active.as_ref(), next.active.as_ref());
    }
    next.notices = run.shown.clone();

    let mut t = Transition {
        changes: diff(current, &vars, &old, &next),
        messages: run.messages,
    };
    let encoded = next
        .dir
        .is_some()
        .then(|| next.encode_in(&store.state_dir()));
    if let Some(hash) = encoded.as_deref().and_then(|e| e.strip_prefix('@')) {
        // The shell now needs that file to leave the project: gc keeps it
        // while the shell lives. Failing to say so only shortens its life.
        let _ = gc::register_state(store, shell, &store.state_dir().join(hash));
    }
    let state_vars = [
        (DIR_VAR, dir),
        (WATCH_VAR, watch_text),
        (STATE_VAR, encoded),
    ];
    for (name, value) in state_vars {
        if current.get(name) != value.as_ref() {
            t.changes.insert(name.to_string(), value);
        }
    }
    Ok(t)
}

fn revert(old: &State, vars: &mut Vars) {
    if let Some(active) = &old.active {
        active.revert(vars);
    }
}

/// The variables whose value differs between `before` and `after`, among
/// those either state touches.
fn diff(
    before: &Vars,
    after: &Vars,
    old: &State,
    next: &State,
) -> BTreeMap<String, Option<String>> {
    let mut names: BTreeSet<&str> = BTreeSet::from(["PATH"]);
    for active in [&old.active, &next.active].into_iter().flatten() {
        names.extend(active.vars.iter().map(|c| c.name.as_str()));
    }
    names
        .into_iter()
        .filter(|n| before.get(*n) != after.get(*n))
        .map(|n| (n.to_string(), after.get(n).cloned()))
        .collect()
}

/// One hook-env run: the notices it may still show and the messages so far.
struct Run<'a> {
    store: &'a Store,
    /// The platform whose tools are activated.
    platform: Platform,
    mode: Mode,
    /// Keys of notices shown since the shell entered the directory.
    shown: Vec<String>,
    messages: Vec<String>,
    /// A watcher is preparing this project: notices about a missing lock
    /// or tools would only repeat "still preparing".
    preparing: bool,
    /// The workspace root of the directory's project, if it is in one.
    workspace: Option<String>,
}

impl Run<'_> {
    /// Shows `text` unless the notice `key` was already shown in this directory.
    fn note(&mut self, key: &str, text: String) {
        let key = devenv_model::digest::sha256_hex(key.as_bytes())[..16].to_string();
        if !self.shown.contains(&key) {
            self.shown.push(key);
            self.messages.push(text);
        }
    }

    /// Loads the project in `dir` and applies it on top of `current` with
    /// the old project undone. `Ok(None)`: the project may not be activated.
    fn load(
        &mut self,
        dir: &str,
        watch: &mut Watch,
        old: Option<&Active>,
        current: &Vars,
    ) -> Result<Option<(Active, Vars)>> {
        let root = Path::new(dir);
        let manifest_path = root.join(manifest::FILE_NAME);
        // Stat before reading, so an edit racing with this run is seen next time.
        watch.add(&manifest_path);
        let project = Project {
            manifest: manifest::workspace::locate(root, self.store.limits())?,
        };
        watch.add(&trust::record_path(
            self.store,
            &project.manifest.trust_path(),
        ));
        self.workspace = project
            .manifest
            .place
            .as_ref()
            .map(|p| p.root.to_string_lossy().into_owned());
        watch.add(&project.lock_path());
        for file in project.manifest.watched_files().iter().skip(1) {
            watch.add(file);
        }
        // Read once: the trust check and the environment use the same bytes.
        let snapshot = trust::Snapshot::read(&project.manifest)?;
        if self.mode == Mode::Hook && !self.trusted(&project.manifest, &snapshot) {
            return Ok(None);
        }
        if self.mode == Mode::Hook
            && let Some(keep) = self.watching(&project, watch, old, current)
        {
            return Ok(Some(keep));
        }
        let lock = match &snapshot.lock {
            Some(text) => Some(
                Lock::parse(text)
                    .map_err(|e| {
                        anyhow::anyhow!(
                            "{} is damaged or was edited by hand: {e:#}; delete it and run `devenv lock`",
                            project.lock_path().display()
                        )
                    })
                    .map(|l| project.own_view(l))?,
            ),
            None => None,
        };
        if let Some(lock) = &lock {
            project.check_agrees(lock)?;
        }
        // With auto_install, a missing or stale lock is installed instead.
        let installs = self.mode == Mode::Hook && project.manifest.settings.auto_install;
        if !self.preparing && !installs {
            self.lock_notices(&project, lock.as_ref());
        }

        let mut vars = current.clone();
        if let Some(old) = old {
            old.revert(&mut vars);
        }
        let env = activate::compute(
            &project.manifest,
            lock.as_ref(),
            &snapshot.dotenv,
            self.store,
            self.platform,
            &|v| vars.get(v).cloned(),
        )?;
        let needs_install = (lock.is_none() && !project.manifest.tools.is_empty())
            || lock.as_ref().is_some_and(|l| {
                l.staleness(
                    &project.manifest,
                    &project.platforms(Some(l), self.platform),
                )
                .is_some()
            })
            || !env.missing.is_empty();
        if self.mode == Mode::Hook
            && project.manifest.settings.auto_install
            && needs_install
            && self.install_in_background(&project, watch)
        {
            return Ok(old
                .filter(|a| a.root == project.root().to_string_lossy())
                .map(|a| (a.clone(), current.clone())));
        }
        if !env.missing.is_empty() && !self.preparing {
            let list: Vec<String> = env
                .missing
                .iter()
                .map(|(n, v)| format!("{n} {v}"))
                .collect();
            let list = list.join(", ");
            self.note(
                &format!("missing:{list}"),
                format!("not installed: {list} — run `devenv install`"),
            );
        }
        self.register(&project, lock.as_ref());
        let active = apply(
            &project.manifest,
            lock.as_ref(),
            &env,
            self.platform,
            &mut vars,
        );
        Ok(Some((active, vars)))
    }

    /// `devenv watch` integration. With `settings.watch`, starts the
    /// project's watcher if none runs. While a watcher prepares the
    /// environment, the hook never waits: it keeps the active environment
    /// of this project (if any) and says so once; the watcher's status file
    /// is watched, so the next prompt after it finishes activates the result.
    fn watching(
        &mut self,
        project: &Project,
        watch: &mut Watch,
        old: Option<&Active>,
        current: &Vars,
    ) -> Option<(Active, Vars)> {
        let id = project.id();
        // Stat before reading: a watcher or installer that finishes while
        // this runs rewrites the file after this mtime, so the next prompt
        // sees it (after reading, its change could hide in the stamp).
        watch.add(&crate::watch::status_path(self.store, &id));
        let mut status = crate::watch::status(self.store, &id);
        if project.manifest.settings.watch && status == crate::watch::Status::NotWatching {
            match crate::watch::spawn_detached(project.root()) {
                Ok(()) => status = crate::watch::Status::Preparing,
                Err(e) => self.note("watch:spawn", format!("warning: {e:#}")),
            }
        }
        if status == crate::watch::Status::NotWatching {
            return None;
        }
        let name = project.manifest.project_name();
        match status {
            crate::watch::Status::Installing => {
                self.preparing = true;
                self.note(
                    &format!("install:{}", project.manifest.source),
                    format!("installing {name}… (in the background)"),
                );
                old.filter(|a| a.root == project.root().to_string_lossy())
                    .map(|a| (a.clone(), current.clone()))
            }
            crate::watch::Status::Preparing => {
                self.preparing = true;
                self.note(
                    &format!("watch:preparing:{}", project.manifest.source),
                    format!("still preparing {name}…"),
                );
                old.filter(|a| a.root == project.root().to_string_lossy())
                    .map(|a| (a.clone(), current.clone()))
            }
            crate::watch::Status::Failed(msg) => {
                self.note(
                    &format!("watch:failed:{msg}"),
                    format!("devenv watch could not prepare {name}: {msg}"),
                );
                None
            }
            _ => None,
        }
    }

    /// Activating a project makes it a GC root, and the shell (the hook's
    /// parent; for `enter`, this process, which becomes the shell) a live
    /// root of the entries it now has on PATH. Failing to record either must
    /// not break the prompt, so errors are only notices.
    fn register(&mut self, project: &Project, lock: Option<&Lock>) {
        let pid = match self.mode {
            Mode::Hook => std::os::unix::process::parent_id(),
            Mode::Enter => std::process::id(),
        };
        let entries: Vec<_> = lock
            .map(|l| crate::install::entries(l, self.platform, self.store))
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(_, _, path)| path.filter(|p| p.is_dir()))
            .collect();
        let result = gc::register_project(self.store, project.manifest.lock_root())
            .and_then(|()| gc::register_live(self.store, pid, &entries));
        if let Err(e) = result {
            self.note(&format!("register:{e:#}"), format!("warning: {e:#}"));
        }
    }

    fn trusted(&mut self, manifest: &Manifest, snapshot: &trust::Snapshot) -> bool {
        let state = trust::check(self.store, &manifest.trust_path(), snapshot);
        let shown = format!("{}/{}", manifest.project_name(), manifest::FILE_NAME);
        let text = match &state {
            Trust::Allowed => return true,
            // The user's own `devenv init` (over an allowed manifest, too):
            // nothing to review but their own file, so only the command.
            _ if trust::new_from_init(self.store, &manifest.path, snapshot, &state) => {
                format!("{shown} is new, written by `devenv init` — run `devenv allow` to load it")
            }
            Trust::Unknown => {
                format!("{shown} is not allowed yet — review it, then run `devenv allow`")
            }
            Trust::Changed(files) => format!(
                "{} changed since {shown} was allowed — review the change, then run `devenv allow`",
                files.join(" and ")
            ),
            Trust::Denied => format!("{shown} is denied; run `devenv allow` to use it"),
        };
        let key = format!("trust:{state:?}:{}", manifest.source);
        self.note(&key, text);
        false
    }

    /// `settings.auto_install`, for a trusted project that is not fully
    /// installed: starts the background installer (the prompt never waits
    /// on the network) and returns true, so the shell keeps its current
    /// environment; its status file is watched, so the first prompt after
    /// it finishes activates the result. After a failure, returns false
    /// with one notice, and the installed part activates; it is retried
    /// when a watched file changes or [`crate::watch::INSTALL_RETRY`] has
    /// passed.
    fn install_in_background(&mut self, project: &Project, watch: &mut Watch) -> bool {
        let id = project.id();
        if let Some((msg, when)) = crate::watch::last_failure(self.store, &id) {
            let edited = watch.files.iter().filter_map(|(_, m)| *m).any(|m| m > when);
            let recent = when
                .elapsed()
                .is_ok_and(|e| e < crate::watch::INSTALL_RETRY);
            if recent && !edited {
                self.note(
                    &format!("install-failed:{msg}"),
                    format!("could not install: {msg}"),
                );
                return false;
            }
        }
        if let Err(e) = crate::watch::spawn_installer(project.root()) {
            self.note("install:spawn", format!("warning: {e:#}"));
            return false;
        }
        // The status file was stat'ed before the installer started
        // ([`Run::watching`]): whatever it writes from now on, even a
        // failure within this run, is newer, so the next prompt sees it.
        self.preparing = true;
        self.note(
            &format!("install:{}", project.manifest.source),
            format!(
                "installing {}… (in the background)",
                project.manifest.project_name()
            ),
        );
        true
    }

    fn lock_notices(&mut self, project: &Project, lock: Option<&Lock>) {
        let manifest = &project.manifest;
        match lock {
            None if !manifest.tools.is_empty() => self.note(
                "nolock",
                "devenv.toml pins tools but there is no devenv.lock yet — run `devenv install`"
                    .into(),
            ),
            Some(lock) => {
                if let Some(reasons) =
                    lock.staleness(manifest, &project.platforms(Some(lock), self.platform))
                {
                    let reasons = reasons.join("; ");
                    self.note(
                        &format!("stale:{reasons}"),
                        format!("devenv.lock is out of date ({reasons}) — run `devenv install`"),
                    );
                }
            }
            None => {}
        }
    }

    /// Says what was loaded, unloaded or reloaded.
    fn announce(&mut self, old: Option<&Active>, new: Option<&Active>) {
        match (old, new) {
            (Some(o), Some(n)) if o.root == n.root => {
                if o.vars != n.vars || o.path != n.path || o.tools != n.tools {
                    self.messages.push(format!("reloaded {}", summary(n)));
                }
            }
            // Between two places of one workspace only what differs
            // changed in the shell, and only that is news.
            (Some(o), Some(n)) if self.within_workspace(&o.root) => {
                self.messages.push(format!("moved to {}", delta(o, n)));
            }
            (old, new) => {
                if let Some(o) = old {
                    self.messages.push(format!("unloaded {}", o.name));
                }
                if let Some(n) = new {
                    self.messages.push(format!("loaded {}", summary(n)));
                }
            }
        }
    }
}

impl Run<'_> {
    /// Whether `root` is the workspace root of this run's project or
    /// inside it.
    fn within_workspace(&self, root: &str) -> bool {
        self.workspace
            .as_deref()
            .is_some_and(|w| Path::new(root).starts_with(w))
    }
}

/// The project's own variables of `active`: not devenv's `DEVENV_*`
/// bookkeeping, which no notice names.
fn own_vars(active: &Active) -> impl Iterator<Item = &VarChange> {
    active
        .vars
        .iter()
        .filter(|c| !c.name.starts_with("DEVENV_"))
}

/// `web (+gamma 3.0.0, -alpha 1.1.0) +WEB -API_ONLY ~SHARED`: what moving
/// from `old` to `new` changed — tools and variables (`~` for a value
/// that changed); shared tools and equal values are not named.
fn delta(old: &Active, new: &Active) -> String {
    let mut s = new.name.clone();
    let mut tools: Vec<String> = new
        .tools
        .iter()
        .filter(|t| !old.tools.contains(t))
        .map(|t| format!("+{t}"))
        .collect();
    tools.extend(
        old.tools
            .iter()
            .filter(|t| !new.tools.contains(t))
            .map(|t| format!("-{t}")),
    );
    if !tools.is_empty() {
        s.push_str(&format!(" ({})", tools.join(", ")));
    }
    let own = |a: &Active| -> BTreeMap<String, Option<String>> {
        own_vars(a)
            .map(|c| (c.name.clone(), c.after.clone()))
            .collect()
    };
    let (before, after) = (own(old), own(new));
    for (name, value) in &after {
        match before.get(name) {
            None => s.push_str(&format!(" +{name}")),
            Some(v) if v != value => s.push_str(&format!(" ~{name}")),
            Some(_) => {}
        }
    }
    for name in before.keys().filter(|n| !after.contains_key(*n)) {
        s.push_str(&format!(" -{name}"));
    }
    s
}

/// Applies `env` to `vars`, recording how to undo it.
fn apply(
    manifest: &Manifest,
    lock: Option<&Lock>,
    env: &Environment,
    platform: Platform,
    vars: &mut Vars,
) -> Active {
    let mut active = Active {
        root: manifest.root.to_string_lossy().into_owned(),
        name: manifest.project_name(),
        ..Active::default()
    };
    for (name, value) in &env.vars {
        active.vars.push(VarChange {
            name: name.clone(),
            before: vars.get(name).cloned(),
            after: value.as_deref().map(state::fingerprint),
        });
        state::set(vars, name, value.clone());
    }
    if !env.path.is_empty() {
        active.path_was_unset = !vars.contains_key("PATH");
        active.path = env
            .path
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        let full = env.full_path(vars.get("PATH").map(String::as_str));
        vars.insert("PATH".into(), full);
    }
    if let Some(lock) = lock {
        let missing: BTreeSet<&str> = env.missing.iter().map(|(n, _)| n.as_str()).collect();
        active.tools = lock
            .tools
            .iter()
            .filter(|(name, tool)| {
                !missing.contains(name.as_str())
                    && (tool.artifacts.contains_key(&platform)
                        || crate::system::interpreter(tool).is_some())
            })
            .map(|(name, tool)| format!("{name} {}", tool.version))
            .collect();
    }
    active
}

/// How many tools, and how many variables, the "loaded" notice names
/// before it counts the rest: one short line however big the project.
const SHOWN_TOOLS: usize = 3;
const SHOWN_VARS: usize = 4;

/// `NAME (node 22.11.0, ruff 0.7.4) +PATH +RUST_LOG -OLD_VAR`; past
/// [`SHOWN_TOOLS`] tools or [`SHOWN_VARS`] variables, `NAME (node 22.11.0,
/// python 3.12.4, ruff 0.7.4, +97 more) +PATH +A +B +C +D, 8 more variables —
/// `devenv list` and `devenv env` show all`.
fn summary(active: &Active) -> String {
    let mut s = active.name.clone();
    let (mut tools_cut, mut vars_cut) = (false, false);
    // A list is cut only where that hides more than one name: "+1 more"
    // would be longer than the name it hides.
    let keep = |len: usize, shown: usize| if len > shown + 1 { shown } else { len };
    if !active.tools.is_empty() {
        let take = keep(active.tools.len(), SHOWN_TOOLS);
        let shown = active.tools.iter().take(take).cloned();
        let mut parts: Vec<String> = shown.collect();
        if active.tools.len() > take {
            parts.push(format!("+{} more", active.tools.len() - take));
            tools_cut = true;
        }
        s.push_str(&format!(" ({})", parts.join(", ")));
    }
    if !active.path.is_empty() {
        s.push_str(" +PATH");
    }
    let own: Vec<&VarChange> = own_vars(active).collect();
    let take = keep(own.len(), SHOWN_VARS);
    for change in own.iter().take(take) {
        let sign = if change.after.is_some() { '+' } else { '-' };
        s.push_str(&format!(" {sign}{}", change.name));
    }
    if own.len() > take {
        let more = own.len() - take;
        s.push_str(&format!(", {more} more variables"));
        vars_cut = true;
    }
    match (tools_cut, vars_cut) {
        (true, true) => s.push_str(" — `devenv list` and `devenv env` show all"),
        (true, false) => s.push_str(" — `devenv list` shows all"),
        (false, true) => s.push_str(" — `devenv env` shows all"),
        (false, false) => {}
    }
    s
}

/// The files whose change means the shell must run `hook-env` again, with
/// their mtimes when this run read them.
#[derive(Default)]
struct Watch {
    files: Vec<(PathBuf, Option<SystemTime>)>,
}

impl Watch {
    fn add(&mut self, path: &Path) {
        let mtime = std::fs::metadata(path).and_then(|m| m.modified()).ok();
        self.files.push((path.to_path_buf(), mtime));
    }

    /// The `__DEVENV_WATCH` text (see [`devenv_shell::state`]). Writes the
    /// stamp file: an empty file whose mtime is the newest mtime seen, so
    /// that "`FILE -nt STAMP`" in the shell means "changed since devenv read
    /// it", to the nanosecond. Files in the project directory `dir` are
    /// written relative to it, so a project path with a newline still
    /// fits one line (the shell joins them to the `__DEVENV_DIR` it has).
    /// `path`: PATH as devenv leaves it, as its length in characters and
    /// its [`state::fingerprint`]: `hook-env` checks the fingerprint for
    /// the hooks that call it at every prompt (tcsh, elvish); the others
    /// notice an assignment to PATH themselves, and a new shell, which has
    /// no copy of PATH of its own yet, compares the length.
    fn render(&self, store: &Store, dir: &str, path: Option<&str>, run: &mut Run<'_>) -> String {
        let newest = self
            .files
            .iter()
            .filter_map(|(_, m)| *m)
            .max()
            .unwrap_or(UNIX_EPOCH);
        let nanos = newest
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let prefix = &devenv_model::digest::sha256_hex(dir.as_bytes())[..16];
        let stamp = store.stamp_dir().join(format!("{prefix}-{nanos}"));
        if let Err(e) = write_stamp(&stamp, newest, prefix) {
            run.note(
                "stamp",
                format!("warning: {e:#}; the hook will run devenv at every prompt"),
            );
        }
        let mut lines = vec![stamp.to_string_lossy().into_owned()];
        for (file, mtime) in &self.files {
            let shown = file.strip_prefix(dir).unwrap_or(file).to_string_lossy();
            let sign = if mtime.is_some() { '+' } else { '-' };
            lines.push(format!("{sign}{shown}"));
        }
        let path = path.unwrap_or("");
        lines.push(format!(
            "={} {}",
            path.chars().count(),
            state::fingerprint(path)
        ));
        if lines.iter().any(|l| l.contains('\n')) {
            // A watched file outside the project with a newline in its path
            // (or such a DEVENV_HOME) cannot be one line: `!` tells the hook
            // to ask devenv at every prompt, slower but never stale.
            return "!".to_string();
        }
        lines.join("\n")
    }
}

/// Creates the stamp (if needed) with mtime `newest`, and removes the
/// project's older stamps; a shell still pointing at one of those simply
/// runs `hook-env` once more.
fn write_stamp(stamp: &Path, newest: SystemTime, prefix: &str) -> Result<()> {
    use devenv_model::error::IoContext;
    if std::fs::metadata(stamp)
        .and_then(|m| m.modified())
        .is_ok_and(|m| m == newest)
    {
        return Ok(());
    }
    let dir = stamp.parent().expect("stamps live in a directory");
    std::fs::create_dir_all(dir).io_context("create", dir)?;
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with(prefix) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    let file = std::fs::File::create(stamp).io_context("write", stamp)?;
    file.set_modified(newest)
        .io_context("set the time of", stamp)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The loaded notice cuts a list only where that hides two names or
    /// more: "+1 more" is no shorter than the name.
    #[test]
    fn the_loaded_notice_never_hides_a_single_name() {
        let active = |tools: usize, vars: usize| Active {
            root: "/p".into(),
            name: "p".into(),
            vars: (1..=vars)
                .map(|i| VarChange {
                    name: format!("A{i}"),
                    before: None,
                    after: Some("x".into()),
                })
                .collect(),
            path: vec!["/p/bin".into()],
            path_was_unset: false,
            tools: (1..=tools).map(|i| format!("t{i} 1.0")).collect(),
        };
        assert_eq!(
            summary(&active(4, 5)),
            "p (t1 1.0, t2 1.0, t3 1.0, t4 1.0) +PATH +A1 +A2 +A3 +A4 +A5"
        );
        assert_eq!(
            summary(&active(5, 6)),
            "p (t1 1.0, t2 1.0, t3 1.0, +2 more) +PATH +A1 +A2 +A3 +A4, 2 more variables — `devenv list` and `devenv env` show all"
        );
        assert_eq!(summary(&active(1, 1)), "p (t1 1.0) +PATH +A1");
    }

    #[test]
    fn finds_the_nearest_manifest_like_the_shell() {
        let tmp = tempfile::tempdir().unwrap();
        let top = tmp.path().to_str().unwrap().to_string();
        std::fs::create_dir_all(format!("{top}/a/b/c")).unwrap();
        std::fs::write(format!("{top}/a/devenv.toml"), "").unwrap();
        assert_eq!(find_dir(&format!("{top}/a/b/c")), Some(format!("{top}/a")));
        assert_eq!(find_dir(&format!("{top}/a")), Some(format!("{top}/a")));
        assert_eq!(find_dir(&top), None);
    }

    #[test]
    fn unchanged_means_same_project_and_no_watched_file_newer_or_new() {
        let tmp = tempfile::tempdir().unwrap();
        let top = tmp.path().to_str().unwrap().to_string();
        let (manifest, lock) = (format!("{top}/devenv.toml"), format!("{top}/devenv.lock"));
        std::fs::write(&manifest, "").unwrap();
        let stamp = format!("{top}/stamp");
        let file = std::fs::File::create(&stamp).unwrap();
        let seen = std::fs::metadata(&manifest).unwrap().modified().unwrap();
        file.set_modified(seen).unwrap();
        let mut vars: Vars = [
            (DIR_VAR.to_string(), top.clone()),
            (
                WATCH_VAR.to_string(),
                format!("{stamp}\n+{manifest}\n-{lock}"),
            ),
        ]
        .into_iter()
        .collect();
        assert!(unchanged(&format!("{top}/sub"), &vars));
        assert!(!unchanged("/", &vars), "another directory");
        std::fs::write(&lock, "").unwrap();
        assert!(!unchanged(&top, &vars), "a file appeared");
        std::fs::remove_file(&lock).unwrap();
        let later = seen + std::time::Duration::from_nanos(1);
        std::fs::File::options()
            .write(true)
            .open(&manifest)
            .unwrap()
            .set_modified(later)
            .unwrap();
        assert!(!unchanged(&top, &vars), "a file changed");
        vars.insert(
            WATCH_VAR.to_string(),
            format!(
                "{stamp}\n+devenv.toml\n=15 {}",
                state::fingerprint("/p/bin:/usr/bin")
            ),
        );
        std::fs::File::options()
            .write(true)
            .open(&manifest)
            .unwrap()
            .set_modified(seen)
            .unwrap();
        vars.insert("PATH".to_string(), "/p/bin:/usr/bin".to_string());
        assert!(unchanged(&top, &vars));
        vars.insert("PATH".to_string(), "/usr/bin".to_string());
        assert!(!unchanged(&top, &vars), "PATH is not as devenv left it");
        vars.remove(WATCH_VAR);
        assert!(!unchanged(&top, &vars), "nothing recorded");
    }

    /// Issue 21 item 8: the watch list names the project's files relative
    /// to it, so a newline in the project's path splits no line.
    #[test]
    fn a_newline_in_the_project_path_is_still_unchanged() {
        let tmp = tempfile::tempdir().unwrap();
        let top = format!("{}/new\nline", tmp.path().to_str().unwrap());
        std::fs::create_dir_all(format!("{top}/sub")).unwrap();
        let manifest = format!("{top}/devenv.toml");
        std::fs::write(&manifest, "").unwrap();
        let stamp = format!("{}/stamp", tmp.path().to_str().unwrap());
        let seen = std::fs::metadata(&manifest).unwrap().modified().unwrap();
        std::fs::File::create(&stamp)
            .unwrap()
            .set_modified(seen)
            .unwrap();
        let path = "/usr/bin";
        let watch = format!(
            "{stamp}\n+devenv.toml\n-devenv.lock\n={} {}",
            path.len(),
            state::fingerprint(path)
        );
        let mut vars: Vars = [
            (DIR_VAR.to_string(), top.clone()),
            (WATCH_VAR.to_string(), watch),
            ("PATH".to_string(), path.to_string()),
        ]
        .into_iter()
        .collect();
        assert!(unchanged(&format!("{top}/sub"), &vars));
        std::fs::write(format!("{top}/devenv.lock"), "").unwrap();
        assert!(!unchanged(&top, &vars), "the lock appeared");
        std::fs::remove_file(format!("{top}/devenv.lock")).unwrap();
        vars.insert(WATCH_VAR.to_string(), "!".to_string());
        assert!(!unchanged(&top, &vars), "`!` asks for a transition");
    }
}
