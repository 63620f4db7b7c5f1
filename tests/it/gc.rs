//! Garbage collection: frees exactly what no project, recent generation or
//! running shell uses; the store verifies itself and repairs.

use crate::common;
use common::server::FixtureServer;
use common::{World, tool_tar_gz, url_tool_manifest};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn serve(server: &FixtureServer, name: &str, version: &str) -> String {
    let bytes = tool_tar_gz(name, version);
    let path = format!("/{name}-{version}.tar.gz");
    server.add(&path, bytes.clone());
    url_tool_manifest(name, version, &server.url(&path), &bytes)
}

/// A second project directory sharing `w`'s DEVENV_HOME.
fn other_project(w: &World, name: &str, manifest: &str) -> std::path::PathBuf {
    let dir = w.root.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("devenv.toml"), manifest).unwrap();
    dir
}

/// A bash with the hook, entered into `w`'s project, that then sleeps:
/// a running shell the hook registered.
fn hooked_shell(w: &World) -> std::process::Child {
    let script = format!(
        "eval \"$({bin} hook bash)\"; cd {dir}; __devenv_hook; exec sleep 60",
        bin = common::bin(),
        dir = w.project.display()
    );
    std::process::Command::new("bash")
        .args(["--noprofile", "--norc", "-c", &script])
        .env("DEVENV_HOME", &w.home)
        .env("PATH", "/usr/bin:/bin")
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

fn run_in(w: &World, dir: &Path, args: &[&str]) -> common::Output {
    let mut cmd = w.cmd(args);
    cmd.current_dir(dir);
    w.run_cmd(cmd)
}

#[test]
fn gc_frees_entries_of_deleted_projects_and_old_generations() {
    let server = FixtureServer::start();
    let w = World::new();
    w.manifest(&(serve(&server, "keep", "1.0") + "\n[settings]\nkeep_generations = 2\n"));
    w.run(&["install"]).ok();
    let gone = other_project(&w, "gone", &serve(&server, "gone", "1.0"));
    run_in(&w, &gone, &["install"]).ok();
    assert_eq!(w.store_entries().len(), 2);

    // Three more versions of `keep`: generations 1..4, of which gc keeps the newest 2.
    for v in ["2.0", "3.0", "4.0"] {
        w.manifest(&(serve(&server, "keep", v) + "\n[settings]\nkeep_generations = 2\n"));
        w.run(&["install"]).ok();
    }
    std::fs::remove_dir_all(&gone).unwrap();
    assert_eq!(w.store_entries().len(), 5);

    let dry = w.run(&["gc", "--dry-run"]).ok();
    assert!(
        dry.stdout.contains("would free") && dry.stdout.contains("-gone-1.0"),
        "{}",
        dry.stdout
    );
    assert_eq!(w.store_entries().len(), 5, "--dry-run deleted something");

    let out = w.run(&["gc"]).ok();
    assert!(
        out.stderr.contains("freed") && out.stderr.contains("in 3 entries"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("dropped the root of"), "{}", out.stderr);
    let names: Vec<String> = w
        .store_entries()
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(
        names.iter().any(|n| n.ends_with("-keep-4.0"))
            && names.iter().any(|n| n.ends_with("-keep-3.0")),
        "{names:?}"
    );

    // Rolling back to a collected generation works and says what to install.
    w.run(&["rollback", "1"])
        .ok()
        .stderr_has("no longer in the store")
        .stderr_has("devenv install");
    w.manifest(&(serve(&server, "keep", "1.0") + "\n[settings]\nkeep_generations = 2\n"));
    w.run(&["exec", "--", "keep"]).ok().stdout_has("keep 1.0");
}

#[test]
fn running_shells_keep_their_entries() {
    let server = FixtureServer::start();
    let w = World::new();
    w.manifest(&serve(&server, "live", "1.0"));
    w.run(&["install"]).ok();
    let entry = w.store_entries()[0].clone();
    // A shell still uses the entry after the project moved on.
    let mut sleeper = std::process::Command::new("sleep")
        .arg("60")
        .spawn()
        .unwrap();
    let live = w.home.join("roots/live");
    std::fs::create_dir_all(&live).unwrap();
    std::fs::write(
        live.join(sleeper.id().to_string()),
        format!("{}\n", entry.display()),
    )
    .unwrap();
    w.manifest(&serve(&server, "live", "2.0"));
    w.run(&["install"]).ok();
    w.manifest(&(serve(&server, "live", "2.0") + "\n[settings]\nkeep_generations = 1\n"));
    w.run(&["gc"]).ok();
    assert!(entry.is_dir(), "gc deleted an entry a running shell uses");
    sleeper.kill().unwrap();
    sleeper.wait().unwrap();
    w.run(&["gc"]).ok();
    assert!(!entry.exists(), "the entry outlived its shell");
    assert!(
        !live.join(sleeper.id().to_string()).exists(),
        "dead live record kept"
    );
}

#[test]
fn gc_without_roots_refuses_to_guess() {
    let server = FixtureServer::start();
    let w = World::new();
    w.manifest(&serve(&server, "orphan", "1.0"));
    w.run(&["install"]).ok();
    std::fs::remove_dir_all(w.home.join("roots")).unwrap();
    w.run(&["gc"])
        .fails(1)
        .stderr_has("no project is registered")
        .stderr_has("devenv install");
    assert_eq!(w.store_entries().len(), 1);
}

#[test]
fn gc_refuses_when_a_projects_lock_or_generations_cannot_be_read() {
    let server = FixtureServer::start();
    let w = World::new();
    w.manifest(&serve(&server, "kept", "1.0"));
    w.run(&["install"]).ok();
    // Another project's tool, no longer used by anything: garbage.
    let other = other_project(&w, "other", &serve(&server, "old", "1.0"));
    run_in(&w, &other, &["install"]).ok();
    std::fs::write(
        other.join("devenv.toml"),
        serve(&server, "new", "1.0") + "\n[settings]\nkeep_generations = 1\n",
    )
    .unwrap();
    run_in(&w, &other, &["install"]).ok();
    assert_eq!(w.store_entries().len(), 3);

    // A damaged lock protects nothing, so gc deletes nothing.
    let lock = w.read("devenv.lock");
    w.write("devenv.lock", "version = [\n");
    let out = w.run(&["gc"]).fails(1);
    let lock_path = w.project.join("devenv.lock");
    out.stderr_has(&format!("gc cannot read {}", lock_path.display()))
        .stderr_has("nothing was deleted")
        .stderr_has("then run `devenv gc` again");
    assert_eq!(w.store_entries().len(), 3);
    w.write("devenv.lock", lock);

    // Nor does a generation record it cannot read.
    let generations: Vec<_> = std::fs::read_dir(w.home.join("projects"))
        .unwrap()
        .flatten()
        .map(|p| p.path().join("generations"))
        .filter(|g| g.join("000001.toml").is_file())
        .collect();
    assert_eq!(generations.len(), 2);
    let record = generations[0].join("000001.toml");
    let saved = std::fs::read(&record).unwrap();
    std::fs::write(&record, "number = \"one\"").unwrap();
    w.run(&["gc"])
        .fails(1)
        .stderr_has(&format!("gc cannot read {}", generations[0].display()))
        .stderr_has("000001.toml is damaged");
    assert_eq!(w.store_entries().len(), 3);
    std::fs::write(&record, saved).unwrap();
    w.run(&["gc"]).ok().stdout_has("-old-1.0");
    assert_eq!(w.store_entries().len(), 2);
}

#[test]
fn verify_detects_changes_and_repair_restores() {
    let server = FixtureServer::start();
    let w = World::new();
    w.manifest(&serve(&server, "ver", "1.0"));
    w.run(&["install"]).ok();
    w.run(&["store", "verify"])
        .ok()
        .stderr_has("all 1 store entries match");
    let entry = w.store_entries()[0].clone();
    let exe = entry.join("bin/ver");
    std::fs::set_permissions(entry.join("bin"), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(&exe, "#!/bin/sh\necho tampered\n").unwrap();
    let out = w.run(&["store", "verify"]).fails(1);
    assert!(out.stdout.contains("changed  ver 1.0"), "{}", out.stdout);
    w.run(&["store", "verify", "--repair"])
        .ok()
        .stderr_has("repaired ver 1.0");
    w.run(&["exec", "--", "ver"]).ok().stdout_has("ver 1.0");
    w.run(&["store", "verify"]).ok();
}

#[test]
fn the_same_lock_gives_the_same_tree_on_two_machines() {
    let server = FixtureServer::start();
    let a = World::new();
    let b = World::new();
    let manifest = serve(&server, "repro", "1.0");
    a.manifest(&manifest);
    b.manifest(&manifest);
    a.run(&["install"]).ok();
    std::fs::copy(a.project.join("devenv.lock"), b.project.join("devenv.lock")).unwrap();
    b.run(&["install", "--frozen"]).ok();
    let meta = |w: &World| {
        let dir = w.home.join("store/.meta");
        let file = std::fs::read_dir(dir)
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        let text = std::fs::read_to_string(file).unwrap();
        text.lines()
            .find(|l| l.starts_with("tree"))
            .unwrap()
            .to_string()
    };
    assert_eq!(meta(&a), meta(&b));
    assert!(meta(&a).contains("sha256:"));
}

#[test]
fn store_path_names_the_entry() {
    let server = FixtureServer::start();
    let w = World::new();
    w.manifest(&serve(&server, "where", "1.0"));
    w.run(&["install"]).ok();
    let out = w.run(&["store", "path", "where"]).ok();
    assert_eq!(out.stdout.trim(), w.store_entries()[0].to_string_lossy());
    w.run(&["store", "path", "wher"])
        .fails(1)
        .stderr_has("did you mean `where`?");
}

#[test]
fn gc_waits_for_a_running_install_and_keeps_what_it_installed() {
    let server = FixtureServer::start();
    let w = World::new();
    // Another project keeps the store non-empty, so gc has roots to read.
    let other = other_project(&w, "other", &serve(&server, "other", "1.0"));
    run_in(&w, &other, &["install"]).ok();
    let bytes = tool_tar_gz("slow", "1.0");
    server.stall("/slow-1.0.tar.gz", 1000);
    w.manifest(&url_tool_manifest(
        "slow",
        "1.0",
        &server.url("/slow-1.0.tar.gz"),
        &bytes,
    ));
    w.run(&["lock"]).ok();
    let install = w
        .cmd(&["install"])
        .env("DEVENV_HTTP_TIMEOUT", "3")
        .spawn()
        .unwrap();
    common::wait_until("the install's download", || {
        server.hits("/slow-1.0.tar.gz") > 0
    });
    let mut gc = w
        .cmd(&["gc"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // gc says what it waits for; that line is the event the test waits on.
    let mut stderr = std::io::BufReader::new(gc.stderr.take().unwrap());
    let mut first = String::new();
    std::io::BufRead::read_line(&mut stderr, &mut first).unwrap();
    assert!(
        first.contains("waiting for the store lock")
            && first.contains("store.lock")
            && first.contains("another devenv is installing"),
        "{first}"
    );
    assert!(
        gc.try_wait().unwrap().is_none(),
        "gc ran while an install held the store"
    );
    // The stalled download times out and its retry gets the real archive.
    server.add("/slow-1.0.tar.gz", bytes);
    let out = install.wait_with_output().unwrap();
    assert!(out.status.success());
    assert!(gc.wait().unwrap().success());
    w.run(&["exec", "--", "slow"]).ok().stdout_has("slow 1.0");
    assert_eq!(
        server.hits("/slow-1.0.tar.gz"),
        2,
        "gc deleted the fresh entry and it was fetched again"
    );
}

#[test]
fn a_shell_with_the_hook_active_keeps_its_entries() {
    let server = FixtureServer::start();
    let w = World::new();
    w.manifest(&serve(&server, "hooked", "1.0"));
    w.run(&["install"]).ok();
    w.run(&["allow"]).ok();
    let entry = w.store_entries()[0].clone();
    let mut shell = hooked_shell(&w);
    let live = w.home.join("roots/live").join(shell.id().to_string());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let stamps = || {
        std::fs::read_dir(w.home.join("stamps"))
            .map(|r| r.count())
            .unwrap_or(0)
    };
    // The hook-env run registers the shell, then writes its stamp.
    while !live.exists() || stamps() == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the hook never registered the shell"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    w.manifest(&(serve(&server, "hooked", "2.0") + "\n[settings]\nkeep_generations = 1\n"));
    w.run(&["install"]).ok();
    w.run(&["gc"]).ok();
    assert!(entry.is_dir(), "gc deleted what an open shell has on PATH");
    assert_eq!(stamps(), 0, "gc keeps the hook's stamps forever");
    shell.kill().unwrap();
    shell.wait().unwrap();
    w.run(&["gc"]).ok();
    assert!(!entry.exists());
}

/// Issue 14: shell states too large for the variable live in `states/`.
/// gc keeps the one a running shell names (however old) and recent ones (a
/// subshell may have inherited them), and frees the rest; once the shell
/// has exited, its state goes too.
#[test]
fn gc_frees_shell_states_no_shell_uses() {
    let w = World::new();
    // A thousand variables: the state no longer fits the variable.
    let env: String = (0..1000)
        .map(|i| format!("LONG_VARIABLE_NAME_{i} = \"value {i}\"\n"))
        .collect();
    w.manifest(&format!("[env]\n{env}"));
    w.run(&["allow"]).ok();
    let mut shell = hooked_shell(&w);
    let states = w.home.join("states");
    let live = w.home.join("roots/live").join(shell.id().to_string());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    // The hook-env run writes the state, then names it in the shell's record.
    let named = || {
        std::fs::read_to_string(&live)
            .unwrap_or_default()
            .contains("/states/")
    };
    while !named() {
        assert!(
            std::time::Instant::now() < deadline,
            "the hook never named its state in the shell's live record"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let used: Vec<_> = std::fs::read_dir(&states)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(used.len(), 1, "{used:?}");
    let used = used[0].clone();
    let backdate = |path: &Path, days: u64| {
        let when = std::time::SystemTime::now() - std::time::Duration::from_secs(days * 24 * 3600);
        std::fs::File::options()
            .append(true)
            .open(path)
            .unwrap()
            .set_modified(when)
            .unwrap();
    };
    let old = states.join("a".repeat(64));
    let recent = states.join("b".repeat(64));
    std::fs::write(&old, "old state").unwrap();
    std::fs::write(&recent, "recent state").unwrap();
    backdate(&old, 40);
    backdate(&used, 40);

    let dry = w.run(&["gc", "--dry-run", "--json"]).ok();
    let report: serde_json::Value = serde_json::from_str(&dry.stdout).unwrap();
    assert_eq!(
        report["states"][0]["path"],
        old.display().to_string(),
        "{}",
        dry.stdout
    );
    assert!(old.exists(), "--dry-run deleted a state");
    let out = w.run(&["gc"]).ok();
    assert!(
        out.stderr.contains("1 shell state unused for 30 days"),
        "{}",
        out.stderr
    );
    assert!(!old.exists(), "an old state nobody names was kept");
    assert!(
        recent.exists(),
        "a recent state (maybe inherited) was deleted"
    );
    assert!(used.exists(), "gc deleted the state of a running shell");

    shell.kill().unwrap();
    shell.wait().unwrap();
    w.run(&["gc"]).ok();
    assert!(!used.exists(), "the state of an exited shell was kept");
    assert!(recent.exists());
}
