//! `devenv watch`: edits to the manifest are prepared in the background
//! with no other command; bad edits keep the previous lock; one watcher per
//! project; SIGTERM and deleting the project stop it.

use crate::common;
use common::server::FixtureServer;
use common::{World, sha256_hex, tool_tar_gz, url_tool_manifest};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Generous: these wait for a background process, never measure it.
const DEADLINE: Duration = Duration::from_secs(60);

/// A running `devenv watch`, killed if a test fails before stopping it.
struct Watcher {
    child: Child,
    log: PathBuf,
    /// Where this watcher's lines start: earlier watchers of the project
    /// wrote to the same log.
    offset: usize,
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Watcher {
    fn start(w: &World) -> Watcher {
        let id = &sha256_hex(w.project.as_os_str().as_encoded_bytes())[..16];
        let log = w.home.join("logs").join(format!("watch-{id}.log"));
        let offset = std::fs::read_to_string(&log).map_or(0, |t| t.len());
        // The watcher prepares only what was allowed.
        w.run(&["allow"]).ok();
        let stderr = std::fs::File::create(w.root.join("watch.stderr")).unwrap();
        let child = w
            .cmd(&["watch"])
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("spawn devenv watch");
        let watcher = Watcher { child, log, offset };
        watcher.wait_for("the first build", |log| log.contains("ready:"));
        watcher
    }

    /// What this watcher has logged so far.
    fn log(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        text.get(self.offset..).unwrap_or_default().to_string()
    }

    /// Polls until `done(log)` holds, or fails showing the log.
    #[track_caller]
    fn wait_for(&self, what: &str, done: impl Fn(&str) -> bool) {
        let start = Instant::now();
        while !done(&self.log()) {
            assert!(
                start.elapsed() < DEADLINE,
                "timed out waiting for {what}; log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits for the process to end on its own; its exit status.
    #[track_caller]
    fn wait_exit(&mut self) -> std::process::ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                start.elapsed() < DEADLINE,
                "devenv watch did not stop; log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Saves `text` as the manifest the way many editors do: write a new file,
/// then rename it over the old one.
fn save_by_rename(w: &World, text: &str) {
    let tmp = w.project.join(".devenv.toml.swp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, w.project.join("devenv.toml")).unwrap();
}

#[test]
fn edits_are_prepared_in_the_background() {
    let server = FixtureServer::start();
    let w = World::new();
    w.manifest("[env]\nGREETING = \"hi\"\n");
    let mut watcher = Watcher::start(&w);

    // Add a tool: the watcher locks and installs it, no other command needed.
    let bytes = tool_tar_gz("zig", "0.13.0");
    server.add("/zig.tar.gz", bytes.clone());
    save_by_rename(
        &w,
        &url_tool_manifest("zig", "0.13.0", &server.url("/zig.tar.gz"), &bytes),
    );
    w.run(&["allow"]).ok();
    watcher.wait_for("zig to be installed", |log| {
        log.contains("installed zig 0.13.0")
    });
    assert_eq!(w.store_entries().len(), 1);
    assert!(w.read("devenv.lock").contains("[tools.zig]"));
    server.stop();
    w.run(&["--offline", "exec", "--frozen", "--", "zig"])
        .ok()
        .stdout_has("zig 0.13.0");

    // An invalid edit is logged, and the lock and store stay as they were.
    let lock_before = w.read("devenv.lock");
    let ready_before = watcher.log().matches("ready:").count();
    w.manifest("[tool]\nzig = \"1\"\n");
    watcher.wait_for("the manifest error", |log| {
        log.contains("unknown key `tool`")
    });
    assert!(
        watcher.log().contains("did you mean `tools`?"),
        "{}",
        watcher.log()
    );
    assert!(
        watcher.log().contains("keeping the previous lock"),
        "{}",
        watcher.log()
    );
    assert_eq!(w.read("devenv.lock"), lock_before);
    assert_eq!(w.store_entries().len(), 1);
    assert_eq!(watcher.log().matches("ready:").count(), ready_before);

    // Only one watcher per project.
    let pid = watcher.child.id();
    let out = w.run(&["watch"]).ok();
    assert!(
        out.stderr.contains(&format!(
            "already watching {} (pid {pid})",
            w.project.display()
        )),
        "{}",
        out.stderr
    );

    // SIGTERM stops it cleanly.
    let killed = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = watcher.wait_exit();
    assert!(status.success(), "{status:?}");
    assert!(
        watcher.log().contains("stopped: SIGTERM"),
        "{}",
        watcher.log()
    );
    // And the project can be watched again.
    w.manifest("[env]\nGREETING = \"again\"\n");
    let mut again = Watcher::start(&w);
    Command::new("kill")
        .args(["-INT", &again.child.id().to_string()])
        .status()
        .unwrap();
    assert!(again.wait_exit().success());
    assert!(again.log().contains("stopped: SIGINT"), "{}", again.log());
}

#[test]
fn dotenv_changes_are_watched_too() {
    let w = World::new();
    w.manifest("[env]\ndotenv = [\"config/dev.env\"]\n");
    let watcher = Watcher::start(&w);
    let changed = |log: &str| log.matches("(config/dev.env changed)").count();
    // Its directory does not exist yet: creating it is seen, then the file,
    // whose content is not what was allowed.
    w.write("config/dev.env", "A=1\n");
    watcher.wait_for("a build after the dotenv file appeared", |log| {
        changed(log) == 1
    });
    let ready = watcher.log().matches("ready:").count();
    w.run(&["allow"]).ok();
    watcher.wait_for("a build after the allow", |log| {
        log.matches("ready:").count() > ready
    });
    w.write("config/dev.env", "A=2\n");
    watcher.wait_for("a build after the dotenv file changed", |log| {
        log.contains("dev.env: preparing") && changed(log) == 2
    });
}

#[test]
fn deleting_the_project_stops_the_watcher() {
    let w = World::new();
    w.manifest("[env]\nA = \"1\"\n");
    let mut watcher = Watcher::start(&w);
    std::fs::remove_dir_all(&w.project).unwrap();
    assert!(watcher.wait_exit().success());
    assert!(
        watcher
            .log()
            .contains("stopped: the project directory was deleted"),
        "{}",
        watcher.log()
    );
}

#[test]
fn the_watcher_prepares_only_what_was_allowed() {
    let server = FixtureServer::start();
    let bytes = tool_tar_gz("zig", "0.13.0");
    server.add("/zig.tar.gz", bytes.clone());
    let w = World::new();
    w.manifest("[env]\nA = \"1\"\n");
    let watcher = Watcher::start(&w);

    // Denied, then edited to fetch something: nothing is fetched.
    w.run(&["deny"]).ok();
    save_by_rename(
        &w,
        &url_tool_manifest("zig", "0.13.0", &server.url("/zig.tar.gz"), &bytes),
    );
    watcher.wait_for("the refusal after deny", |log| {
        log.contains("is denied, so nothing was prepared")
    });
    // Allowed again, then edited by someone else: still nothing.
    w.manifest("[env]\nA = \"2\"\n");
    w.run(&["allow"]).ok();
    watcher.wait_for("a build of the allowed manifest", |log| {
        log.matches("ready:").count() == 2
    });
    save_by_rename(
        &w,
        &url_tool_manifest("zig", "0.13.0", &server.url("/zig.tar.gz"), &bytes),
    );
    watcher.wait_for("the refusal of the unreviewed edit", |log| {
        log.contains("not allowed as it is (devenv.toml changed)")
    });
    assert_eq!(server.hits("/zig.tar.gz"), 0, "{}", watcher.log());
    assert!(w.store_entries().is_empty());
}
