//! Background preparation: `devenv watch` keeps a project's environment
//! ready while its files change, so the prompt never waits on the network.
//!
//! One watcher per project, enforced by an exclusive `flock` on
//! `projects/<id>/watch.lock` (which also records its pid). It watches the
//! directories holding the manifest, the lock and the dotenv files —
//! non-recursively, and by directory so that editors that save by writing a
//! new file and renaming it over the old one are seen. Changes are debounced;
//! builds run one at a time on the watcher's main thread; a build re-locks
//! (unless frozen) and installs, exactly as `devenv install` would. A build
//! that fails (an invalid edit, a network error) leaves the previous lock
//! and store untouched and is logged; the next change tries again.
//!
//! What the watcher is doing is published in `projects/<id>/watch.status`
//! for the shell hook, which reads it with [`status`] without forking or
//! waiting: while it says [`Status::Preparing`], the hook keeps the previous
//! environment and says "still preparing".

use crate::install::Report;
use crate::project::{Context, Project};
use anyhow::{Context as _, Result};
use devenv_model::config::Config;
use devenv_model::error::IoContext;
use devenv_model::lock::{self, Lock};
use devenv_store::store::Store;
use devenv_store::trust;
use std::collections::BTreeSet;
use std::fs::{self, File, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

/// How long the files must stay quiet before a build starts.
const DEBOUNCE: Duration = Duration::from_millis(200);
/// The longest a stream of changes can hold a build back.
const DEBOUNCE_MAX: Duration = Duration::from_secs(2);
/// How often the watcher checks that the project directory still exists.
const TICK: Duration = Duration::from_secs(1);
/// How long a signal waits for a running build to finish before leaving.
const STOP_GRACE: Duration = Duration::from_secs(3);

/// What a project's watcher is doing, as the shell hook sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Status {
    /// No watcher runs for the project.
    NotWatching,
    /// A build is under way: keep the previous environment for now.
    Preparing,
    /// The background install of `settings.auto_install` is under way
    /// ([`spawn_installer`]): keep the previous environment for now.
    Installing,
    /// The last build succeeded: the lock matches and every tool is installed.
    Ready,
    /// The last build failed; the message says why. The previous lock and
    /// store entries are untouched.
    Failed(String),
}

/// What the watcher of project `id` is doing. Never blocks and never forks:
/// it probes the watch lock (a watcher that died holds nothing, so a stale
/// status file is ignored) and reads one small file.
pub(crate) fn status(store: &Store, id: &str) -> Status {
    let files = Files::new(store, id);
    let Ok(lock) = File::open(&files.lock) else {
        return Status::NotWatching;
    };
    match lock.try_lock_shared() {
        Err(TryLockError::WouldBlock) => {}
        // Free (we just took it; dropping the file releases it) or unusable.
        Ok(()) | Err(TryLockError::Error(_)) => return Status::NotWatching,
    }
    let Ok(text) = devenv_model::files::read_text(&files.status) else {
        return Status::Preparing;
    };
    let (state, message) = text.split_once('\n').unwrap_or((text.as_str(), ""));
    match state {
        "ready" => Status::Ready,
        "failed" => Status::Failed(message.trim_end().to_string()),
        "installing" => Status::Installing,
        // The background installer is done and only leaving.
        "installed" | "install-failed" => Status::NotWatching,
        _ => Status::Preparing,
    }
}

/// The file a project's watcher rewrites whenever its status changes: the
/// shell hook watches it, so a finished preparation is picked up at the
/// next prompt.
pub(crate) fn status_path(store: &Store, id: &str) -> PathBuf {
    Files::new(store, id).status
}

/// Starts `devenv watch ROOT` detached from the terminal (its output goes
/// to its log), for `settings.watch = true`. A second watcher for the same
/// project exits at once, so calling this twice is harmless.
pub(crate) fn spawn_detached(root: &Path) -> Result<()> {
    use std::os::unix::process::CommandExt;
    let exe = std::env::current_exe()
        .context("could not find the devenv binary to start `devenv watch`")?;
    std::process::Command::new(exe)
        .arg("watch")
        .arg(root)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .process_group(0)
        .spawn()
        .context("could not start `devenv watch`")?;
    Ok(())
}

/// How long a failed background install is left alone before the hook
/// tries again (an edit of the project's files retries at once).
pub(crate) const INSTALL_RETRY: Duration = Duration::from_secs(300);

/// The last background install's failure for project `id`, when no watcher
/// or installer runs: its message and when it was recorded.
pub(crate) fn last_failure(store: &Store, id: &str) -> Option<(String, std::time::SystemTime)> {
    let files = Files::new(store, id);
    let text = devenv_model::files::read_text(&files.status).ok()?;
    let message = text.strip_prefix("install-failed\n")?;
    let when = fs::metadata(&files.status)
        .and_then(|m| m.modified())
        .ok()?;
    Some((message.trim_end().to_string(), when))
}

/// Starts the background install of `settings.auto_install` for the
/// project at `root` (`devenv watch --install-once ROOT`, detached in its
/// own process group, so Ctrl-C at the prompt does not stop it), and
/// returns once it holds the project's watch lock and says "installing" —
/// or has found another watcher or installer there, which then does the
/// job: one background installer per project, never two downloads.
pub(crate) fn spawn_installer(root: &Path) -> Result<()> {
    use std::io::Read;
    use std::os::unix::process::CommandExt;
    let exe = std::env::current_exe()
        .context("could not find the devenv binary to install in the background")?;
    let mut child = std::process::Command::new(exe)
        .args(["-q", "watch", "--install-once"])
        .arg(root)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .process_group(0)
        .spawn()
        .context("could not start the background install")?;
    // The installer closes its stdout once it holds the lock (or exits):
    // a short, bounded wait that never depends on the network.
    if let Some(mut out) = child.stdout.take() {
        let _ = out.read_to_end(&mut Vec::new());
    }
    Ok(())
}

/// Waits until the background install of project `id` (if one runs) has
/// finished; true if there was one.
pub(crate) fn wait_for_installer(store: &Store, id: &str) -> bool {
    if status(store, id) != Status::Installing {
        return false;
    }
    let Ok(lock) = File::open(Files::new(store, id).lock) else {
        return false;
    };
    let _ = lock.lock_shared();
    true
}

/// `devenv watch --install-once`: one build as the project's watcher, for
/// [`spawn_installer`]. Its result stays in the status file for the hook
/// ([`last_failure`]); the lock goes when the process ends.
pub(crate) fn install_once(
    config: &Config,
    root: &Path,
    store: &Store,
    lock: WatchLock,
) -> Result<()> {
    let shared = Shared {
        config: config.clone(),
        files: Files::new(store, &devenv_store::gc::project_id(root)),
        store: store.clone(),
        echo: false,
        building: AtomicBool::new(true),
        stopped: AtomicBool::new(false),
        busy: "installing",
    };
    shared.publish("installing", "");
    release_stdout();
    shared.log(&format!(
        "auto_install: installing {} in the background (pid {})",
        root.display(),
        std::process::id()
    ));
    let state = State {
        root: root.to_path_buf(),
        frozen: false,
        shared: Arc::new(shared),
        files: BTreeSet::new(),
        dirs: BTreeSet::new(),
        missing: BTreeSet::new(),
        fingerprint: None,
    };
    state.build("auto_install");
    drop(lock);
    Ok(())
}

/// Points stdout at /dev/null, which tells [`spawn_installer`] (reading
/// the other end of the pipe) that the installer is under way.
fn release_stdout() {
    use std::os::fd::AsRawFd;
    if let Ok(null) = File::options().write(true).open("/dev/null") {
        // SAFETY: dup2 on two open descriptors this process owns.
        unsafe {
            libc::dup2(null.as_raw_fd(), libc::STDOUT_FILENO);
        }
    }
}

/// Makes `file`'s mtime later than `before`, if it is not already.
fn later_than(file: &Path, before: Option<std::time::SystemTime>) -> bool {
    let Some(before) = before else {
        return true;
    };
    let Ok(f) = File::options().write(true).open(file) else {
        return false;
    };
    match f.metadata().and_then(|m| m.modified()) {
        Ok(now) if now > before => true,
        _ => f.set_modified(before + Duration::from_millis(1)).is_ok(),
    }
}

/// The per-project files of a watcher.
struct Files {
    lock: PathBuf,
    status: PathBuf,
    log: PathBuf,
}

impl Files {
    fn new(store: &Store, id: &str) -> Files {
        let dir = store.project_dir(id);
        Files {
            lock: dir.join("watch.lock"),
            status: dir.join("watch.status"),
            log: store.log_dir().join(format!("watch-{id}.log")),
        }
    }
}

/// Proof that this process is the project's only watcher; released when
/// dropped or when the process ends, however it ends.
pub(crate) struct WatchLock {
    _file: File,
}

/// The outcome of [`acquire`].
pub(crate) enum Acquired {
    /// This process is now the watcher.
    Mine(WatchLock),
    /// Another process watches the project.
    Busy { pid: Option<u32> },
}

/// Becomes the watcher of project `id`, unless another process is.
pub(crate) fn acquire(store: &Store, id: &str) -> Result<Acquired> {
    let files = Files::new(store, id);
    let dir = files.lock.parent().expect("the lock is in a directory");
    fs::create_dir_all(dir).io_context("create", dir)?;
    let mut file = File::options()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&files.lock)
        .io_context("open", &files.lock)?;
    // `status` holds a shared lock for an instant; do not mistake it for a watcher.
    let mut tries = 0;
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(TryLockError::WouldBlock) if tries < 10 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(TryLockError::WouldBlock) => {
                let pid = devenv_model::files::read_text(&files.lock)
                    .ok()
                    .and_then(|t| t.trim().parse().ok());
                return Ok(Acquired::Busy { pid });
            }
            Err(TryLockError::Error(e)) => return Err(e).io_context("lock", &files.lock),
        }
    }
    file.set_len(0).io_context("write", &files.lock)?;
    writeln!(file, "{}", std::process::id()).io_context("write", &files.lock)?;
    Ok(Acquired::Mine(WatchLock { _file: file }))
}

/// Settings of one watcher.
pub(crate) struct Options {
    /// Never write the lock (`--frozen`): only install what it pins.
    pub(crate) frozen: bool,
    /// Also print log lines on stderr (a terminal is attached).
    pub(crate) echo: bool,
}

/// What the watcher's threads share: where to log and publish status, and
/// whether a build is running (a signal lets it finish briefly).
struct Shared {
    /// The configuration every build runs with.
    config: Config,
    files: Files,
    store: Store,
    echo: bool,
    building: AtomicBool,
    stopped: AtomicBool,
    /// What the status file says during a build: "preparing" for a
    /// watcher, "installing" for the background install.
    busy: &'static str,
}

impl Shared {
    /// Appends a timestamped line to the log (one `write` on an append-only
    /// file, so lines from two threads never interleave) and echoes it.
    fn log(&self, msg: &str) {
        let mut text = String::new();
        for (i, line) in msg.lines().enumerate() {
            let sep = if i == 0 { " " } else { "   " };
            text.push_str(&format!(
                "{}{sep}{line}\n",
                devenv_store::generations::now_rfc3339()
            ));
        }
        if let Some(dir) = self.files.log.parent() {
            let _ = fs::create_dir_all(dir);
        }
        if let Ok(mut f) = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.files.log)
        {
            let _ = f.write_all(text.as_bytes());
        }
        if self.echo {
            devenv_model::ui::notice(msg);
        }
    }

    /// Publishes `state` (and a message) atomically for [`status`].
    /// Each status is newer than the one it replaces, even within the
    /// file system's timestamp granularity, because the shell hook notices
    /// a change by the file's mtime.
    fn publish(&self, state: &str, message: &str) {
        // Durable and atomic, and always newer than the status before: the
        // hook notices a change by the file's time.
        let before = fs::metadata(&self.files.status).and_then(|m| m.modified());
        let text = format!("{state}\n{message}");
        let ok = devenv_model::files::write_atomic(&self.files.status, text.as_bytes()).is_ok()
            && later_than(&self.files.status, before.ok());
        if !ok {
            self.log(&format!(
                "warning: could not write {}",
                self.files.status.display()
            ));
        }
    }

    /// Withdraws the status and says why; only the first call does anything.
    fn stop(&self, why: &str) {
        if self.stopped.swap(true, Ordering::SeqCst) {
            return;
        }
        let _ = fs::remove_file(&self.files.status);
        self.log(&format!("stopped: {why}"));
    }
}

enum Msg {
    Fs(notify::Result<notify::Event>),
    Signal(i32),
}

/// Watches the project rooted at `root` until SIGINT, SIGTERM or the
/// project directory disappears. `_lock` must come from [`acquire`].
pub(crate) fn run(
    config: &Config,
    root: &Path,
    store: &Store,
    _lock: WatchLock,
    options: Options,
) -> Result<()> {
    let root = root
        .canonicalize()
        .with_context(|| format!("cannot watch {}", root.display()))?;
    let shared = Arc::new(Shared {
        config: config.clone(),
        files: Files::new(store, &devenv_store::gc::project_id(&root)),
        store: store.clone(),
        echo: options.echo,
        building: AtomicBool::new(false),
        stopped: AtomicBool::new(false),
        busy: "preparing",
    });
    let (tx, rx) = mpsc::channel();
    let fs_tx = tx.clone();
    let mut watcher = notify::recommended_watcher(move |event| {
        let _ = fs_tx.send(Msg::Fs(event));
    })
    .context("could not start watching files")?;
    handle_signals(tx, Arc::clone(&shared))?;

    let mut state = State {
        root,
        frozen: options.frozen,
        shared: Arc::clone(&shared),
        files: BTreeSet::new(),
        dirs: BTreeSet::new(),
        missing: BTreeSet::new(),
        fingerprint: None,
    };
    shared.log(&format!(
        "watching {} (pid {}; log {})",
        state.root.display(),
        std::process::id(),
        shared.files.log.display()
    ));
    // Watch first, then build: a change made meanwhile is either seen by
    // the first build or reported as an event.
    state.changed(&mut watcher, "start");

    let why = loop {
        match next_change(&rx, &state) {
            Next::Build(why) => state.changed(&mut watcher, &why),
            Next::Stop(why) => break why,
        }
    };
    shared.stop(&why);
    Ok(())
}

/// What the main loop does next.
enum Next {
    /// Build, because these files changed.
    Build(String),
    /// Stop, for this reason.
    Stop(String),
}

/// Waits for a change to a watched file, debounced: after the first one,
/// until the files have been quiet for [`DEBOUNCE`] (or [`DEBOUNCE_MAX`]
/// has passed). Checks every [`TICK`] that the project still exists.
fn next_change(rx: &mpsc::Receiver<Msg>, state: &State) -> Next {
    let ended = || Next::Stop("the file watcher ended".into());
    let deleted = || Next::Stop("the project directory was deleted".into());
    let first = loop {
        let msg = match rx.recv_timeout(TICK) {
            Ok(msg) => Some(msg),
            Err(mpsc::RecvTimeoutError::Timeout) => None,
            Err(mpsc::RecvTimeoutError::Disconnected) => return ended(),
        };
        if !state.root.is_dir() {
            return deleted();
        }
        match msg {
            Some(Msg::Signal(sig)) => return Next::Stop(signal_name(sig).into()),
            Some(Msg::Fs(event)) => {
                if let Some(name) = state.relevant(&event) {
                    break name;
                }
            }
            None => {}
        }
    };
    let mut names = BTreeSet::from([first]);
    let started = Instant::now();
    while started.elapsed() < DEBOUNCE_MAX {
        match rx.recv_timeout(DEBOUNCE) {
            Ok(Msg::Fs(event)) => names.extend(state.relevant(&event)),
            Ok(Msg::Signal(sig)) => return Next::Stop(signal_name(sig).into()),
            Err(mpsc::RecvTimeoutError::Timeout) => break,
            Err(mpsc::RecvTimeoutError::Disconnected) => return ended(),
        }
    }
    if !state.root.is_dir() {
        return deleted();
    }
    Next::Build(names.into_iter().collect::<Vec<_>>().join(", "))
}

/// SIGINT and SIGTERM reach the main loop as messages. If a build is
/// running, the signal thread waits briefly for it, then leaves itself:
/// stopping mid-download is safe, because store entries and the lock are
/// committed by `rename` and staging garbage is cleaned by the next install.
fn handle_signals(tx: mpsc::Sender<Msg>, shared: Arc<Shared>) -> Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])
        .context("could not install the signal handlers")?;
    std::thread::spawn(move || {
        if let Some(sig) = signals.forever().next() {
            let _ = tx.send(Msg::Signal(sig));
            let deadline = Instant::now() + STOP_GRACE;
            while shared.building.load(Ordering::SeqCst) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            if shared.building.load(Ordering::SeqCst) {
                shared.stop(&format!("{} during a build", signal_name(sig)));
                std::process::exit(0);
            }
        }
    });
    Ok(())
}

fn signal_name(sig: i32) -> &'static str {
    match sig {
        signal_hook::consts::SIGINT => "SIGINT",
        signal_hook::consts::SIGTERM => "SIGTERM",
        _ => "a signal",
    }
}

/// The main loop's view of the project.
struct State {
    root: PathBuf,
    frozen: bool,
    shared: Arc<Shared>,
    /// Files whose change triggers a build: manifest, lock, dotenv files.
    files: BTreeSet<PathBuf>,
    /// Directories watched (non-recursively): those holding `files`, or for
    /// one that does not exist yet, its nearest existing ancestor.
    dirs: BTreeSet<PathBuf>,
    /// Directories of `files` that do not exist yet: creating one (or one
    /// of its missing parents) is a change, so it gets watched in turn.
    missing: BTreeSet<PathBuf>,
    /// The contents of `files` after the last build: an event that leaves
    /// them as they were (our own lock write, a `touch`) builds nothing.
    fingerprint: Option<String>,
}

impl State {
    /// The name of a watched file `event` changes (or of the root itself,
    /// or of a directory a watched file will live in), if any.
    fn relevant(&self, event: &notify::Result<notify::Event>) -> Option<String> {
        let event = match event {
            Ok(e) => e,
            Err(e) => {
                self.shared.log(&format!("warning: file watching: {e}"));
                return Some("(watch error)".into());
            }
        };
        // Reading a file (as every build does) is not a change.
        if matches!(event.kind, notify::EventKind::Access(_)) {
            return None;
        }
        if event.need_rescan() || event.paths.is_empty() {
            return Some("(rescan)".into());
        }
        event
            .paths
            .iter()
            .find(|p| {
                self.files.contains(*p)
                    || **p == self.root
                    || self.missing.iter().any(|m| m.starts_with(p))
            })
            .map(|p| {
                p.file_name()
                    .map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into())
            })
    }

    /// Watches the files the manifest now names (just the manifest and the
    /// lock when it does not parse), by their directories.
    fn rewatch(&mut self, watcher: &mut impl notify::Watcher) {
        let mut files = BTreeSet::from([
            self.root.join(devenv_model::manifest::FILE_NAME),
            lock::path_in(&self.root),
        ]);
        if let Ok(m) =
            devenv_model::manifest::workspace::locate(&self.root, self.shared.config.file_limits())
        {
            files.extend(m.watched_files());
            files.insert(lock::path_in(m.lock_root()));
            // `devenv allow` and `deny` rewrite it: a build follows either.
            files.insert(trust::record_path(&self.shared.store, &m.trust_path()));
        }
        let mut dirs = BTreeSet::new();
        let mut missing = BTreeSet::new();
        for dir in files.iter().filter_map(|f| f.parent()) {
            match dir.ancestors().find(|a| a.is_dir()) {
                Some(existing) if existing == dir => {
                    dirs.insert(dir.to_path_buf());
                }
                Some(existing) => {
                    dirs.insert(existing.to_path_buf());
                    missing.insert(dir.to_path_buf());
                }
                None => {}
            }
        }
        for gone in self.dirs.difference(&dirs) {
            let _ = watcher.unwatch(gone);
        }
        for new in dirs.difference(&self.dirs) {
            if let Err(e) = watcher.watch(new, notify::RecursiveMode::NonRecursive) {
                self.shared
                    .log(&format!("warning: cannot watch {}: {e}", new.display()));
            }
        }
        self.files = files;
        self.dirs = dirs;
        self.missing = missing;
    }

    fn fingerprint(&self) -> String {
        let mut text = String::new();
        for f in &self.files {
            let content = devenv_model::files::read_bytes(f)
                .map_or_else(|_| "-".into(), |b| devenv_model::digest::sha256_hex(&b));
            text.push_str(&format!("{}\0{content}\n", f.display()));
        }
        text
    }

    /// Something may have changed because of `why`: follow the watched
    /// files, and build if their contents differ from the last build's.
    fn changed(&mut self, watcher: &mut impl notify::Watcher, why: &str) {
        self.rewatch(watcher);
        if self.fingerprint.as_ref() == Some(&self.fingerprint()) {
            return;
        }
        self.build(why);
        // The build may have written the lock, or the manifest may now name
        // other dotenv files: what it saw is what the next change compares to.
        self.rewatch(watcher);
        self.fingerprint = Some(self.fingerprint());
    }

    /// Re-locks and installs once, publishing and logging the outcome.
    fn build(&self, why: &str) {
        let shared = &self.shared;
        shared.building.store(true, Ordering::SeqCst);
        shared.publish(shared.busy, "");
        shared.log(&format!("{why}: preparing…"));
        let started = Instant::now();
        match prepare(&self.shared.config, &self.root, self.frozen) {
            Ok(done) => {
                for (name, version, bytes) in &done.report.fetched {
                    shared.log(&format!(
                        "installed {name} {version} ({})",
                        devenv_model::ui::human_bytes(*bytes)
                    ));
                }
                let relocked = if done.relocked {
                    "devenv.lock updated; "
                } else {
                    ""
                };
                shared.publish(
                    if shared.busy == "installing" {
                        "installed"
                    } else {
                        "ready"
                    },
                    "",
                );
                shared.log(&format!(
                    "ready: {relocked}{} ({:.1} s)",
                    devenv_model::ui::plural(done.lock.tools.len(), "tool", "tools"),
                    started.elapsed().as_secs_f64()
                ));
            }
            Err(e) => {
                let msg = match e.downcast_ref::<devenv_model::manifest::ManifestError>() {
                    Some(m) => m.to_string(),
                    None => format!("{e:#}"),
                };
                let failed = if shared.busy == "installing" {
                    "install-failed"
                } else {
                    "failed"
                };
                shared.publish(failed, &msg);
                shared.log(&format!(
                    "error: {msg}\nkeeping the previous lock and environment; waiting for the next change"
                ));
            }
        }
        shared.building.store(false, Ordering::SeqCst);
    }
}

/// What a successful build did.
struct Prepared {
    lock: Lock,
    report: Report,
    relocked: bool,
}

/// One build: the manifest as it is now, locked (unless frozen) and
/// installed, and its environment computed (so `[env]` errors show here).
fn prepare(config: &Config, root: &Path, frozen: bool) -> Result<Prepared> {
    let cx = Context::new(config, frozen)?;
    // Not `Project::find`: with the manifest gone it would find a parent's.
    let project = Project {
        manifest: devenv_model::manifest::workspace::locate(root, config.file_limits())?,
    };
    // The watcher fetches what the files name: only what the user allowed
    // (invariant 6), re-checked at every build.
    let snapshot = trust::Snapshot::read(&project.manifest)?;
    let trust = trust::check(&cx.store, &project.manifest.trust_path(), &snapshot);
    if trust != trust::Trust::Allowed {
        anyhow::bail!(
            "{} is {}, so nothing was prepared; review it, then run `devenv allow`",
            project.manifest.path.display(),
            match &trust {
                trust::Trust::Changed(files) =>
                    format!("not allowed as it is ({} changed)", files.join(" and ")),
                other => other.describe(),
            }
        );
    }
    let old_lock = devenv_model::files::read_bytes(project.lock_path()).ok();
    let (lock, report) = project.ensure_installed(&cx)?;
    project.environment(Some(&lock), &cx.store, cx.platform())?;
    Ok(Prepared {
        relocked: devenv_model::files::read_bytes(project.lock_path()).ok() != old_lock,
        lock,
        report,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_without_a_watcher_is_not_watching() {
        let tmp = tempfile::tempdir().unwrap();
        let store = Store::at(tmp.path());
        assert_eq!(status(&store, "0123456789abcdef"), Status::NotWatching);
        let Acquired::Mine(lock) = acquire(&store, "0123456789abcdef").unwrap() else {
            panic!("nobody else watches");
        };
        assert_eq!(status(&store, "0123456789abcdef"), Status::Preparing);
        let files = Files::new(&store, "0123456789abcdef");
        fs::write(&files.status, "failed\nbad edit\n").unwrap();
        assert_eq!(
            status(&store, "0123456789abcdef"),
            Status::Failed("bad edit".into())
        );
        drop(lock);
        // A dead watcher's status file is ignored.
        assert_eq!(status(&store, "0123456789abcdef"), Status::NotWatching);
    }

    #[test]
    fn utc_timestamps() {
        let s = devenv_store::generations::now_rfc3339();
        assert_eq!(s.len(), 20, "{s}");
        assert!(s.starts_with("20") && s.ends_with('Z'), "{s}");
    }
}
