//! Generations and rollback: every lock a project used is kept, and going
//! back is instant and offline.

use crate::common;
use common::server::FixtureServer;
use common::{World, tool_tar_gz, url_tool_manifest};

/// Serves versions of `tool` and returns a closure that pins one.
fn versions(server: &FixtureServer, w: &World, list: &[&str]) -> impl Fn(&str) {
    for v in list {
        server.add(&format!("/tool-{v}.tar.gz"), tool_tar_gz("tool", v));
    }
    let base = server.url("/tool-");
    let project = w.project.clone();
    move |v: &str| {
        let bytes = tool_tar_gz("tool", v);
        let m = url_tool_manifest("tool", v, &format!("{base}{v}.tar.gz"), &bytes);
        std::fs::write(project.join("devenv.toml"), m).unwrap();
    }
}

/// The trust state `devenv status --json` reports for the project.
fn trust(w: &World) -> String {
    let out = w.run(&["status", "--json"]).ok().stdout;
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    v["project"]["trust"].as_str().unwrap().to_string()
}

#[test]
fn each_lock_change_is_a_generation_and_rollback_restores_it_offline() {
    let server = FixtureServer::start();
    let w = World::new();
    let pin = versions(&server, &w, &["1.0.0", "1.1.0", "2.0.0"]);
    pin("1.0.0");
    w.run(&["install"]).ok();
    let lock_v1 = w.read("devenv.lock");
    let manifest_v1 = w.read("devenv.toml");
    pin("1.1.0");
    w.run(&["install"]).ok();
    pin("2.0.0");
    w.run(&["install"]).ok();
    let out = w.run(&["generations"]).ok().stdout;
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[0].contains("tool 1.0.0"), "{out}");
    assert!(lines[1].contains("tool 1.0.0 → 1.1.0"), "{out}");
    assert!(
        lines[2].contains("tool 1.1.0 → 2.0.0") && lines[2].contains("(current)"),
        "{out}"
    );

    // Rollback needs no network: everything is in the store. It restores
    // the manifest's pin too, so the old environment works at once, frozen.
    server.stop();
    w.run(&["rollback"])
        .ok()
        .stderr_has("rolled back to generation 2 (recorded as generation 4)")
        .stderr_has("restored devenv.lock and the [tools] and [env] of devenv.toml");
    assert!(w.read("devenv.lock").contains("version = \"1.1.0\""));
    assert!(w.read("devenv.toml").contains("version = \"1.1.0\""));
    w.run(&["exec", "--frozen", "--", "tool"])
        .ok()
        .stdout_has("tool 1.1.0");
    w.run(&["rollback", "1"]).ok();
    assert_eq!(w.read("devenv.lock"), lock_v1);
    assert_eq!(w.read("devenv.toml"), manifest_v1);
    w.run(&["exec", "--frozen", "--", "tool"])
        .ok()
        .stdout_has("tool 1.0.0");
    // A plain exec does not re-lock forward either: the manifest asks for 1.0.0.
    w.run(&["exec", "--", "tool"]).ok().stdout_has("tool 1.0.0");
    assert_eq!(w.read("devenv.lock"), lock_v1);
    let json: serde_json::Value =
        serde_json::from_str(&w.run(&["generations", "--json"]).ok().stdout).unwrap();
    let list = json.as_array().unwrap();
    assert_eq!(list.len(), 5);
    assert_eq!(list[4]["reason"], "rollback to 1");
    assert_eq!(list[4]["current"], true);
    // The rollback itself can be undone.
    w.run(&["rollback", "4"]).ok();
    assert!(w.read("devenv.lock").contains("version = \"1.1.0\""));
    w.run(&["exec", "--frozen", "--", "tool"])
        .ok()
        .stdout_has("tool 1.1.0");
}

#[test]
fn rollback_lock_only_leaves_the_manifest_and_says_what_differs() {
    let server = FixtureServer::start();
    let w = World::new();
    let pin = versions(&server, &w, &["1.0.0", "2.0.0"]);
    pin("1.0.0");
    w.run(&["install"]).ok();
    let lock_v1 = w.read("devenv.lock");
    pin("2.0.0");
    w.run(&["install"]).ok();
    let manifest_v2 = w.read("devenv.toml");
    server.stop();
    w.run(&["rollback", "--lock-only"])
        .ok()
        .stderr_has(
            "rolled back to generation 1 (recorded as generation 3): restored devenv.lock\n",
        )
        .stderr_has("devenv.toml asks for something else than the restored lock")
        .stderr_has("without --lock-only");
    assert_eq!(w.read("devenv.lock"), lock_v1);
    assert_eq!(w.read("devenv.toml"), manifest_v2);
    w.run(&["exec", "--frozen", "--", "tool"])
        .fails(1)
        .stderr_has("`tool` changed");
    // Going to the same generation without --lock-only restores the manifest.
    w.run(&["rollback", "1"]).ok();
    w.run(&["exec", "--frozen", "--", "tool"])
        .ok()
        .stdout_has("tool 1.0.0");
}

#[test]
fn rollback_restores_tools_and_env_keeping_comments_and_other_sections() {
    let server = FixtureServer::start();
    let w = World::new();
    server.add("/tool-1.0.0.tar.gz", tool_tar_gz("tool", "1.0.0"));
    server.add("/tool-2.0.0.tar.gz", tool_tar_gz("tool", "2.0.0"));
    let tool = |v: &str| {
        let bytes = tool_tar_gz("tool", v);
        let url = server.url(&format!("/tool-{v}.tar.gz"));
        url_tool_manifest("tool", v, &url, &bytes)
            .trim_end()
            .replace("[tools]\n", "")
    };
    let manifest = |tool_line: &str, env: &str, settings: &str| {
        format!(
            "# The team's environment.\n[tools]\n{tool_line}   # the build tool\n\n[env]\n{env}\n\n[settings]\n{settings}\n"
        )
    };
    w.manifest(&manifest(
        &tool("1.0.0"),
        "MODE = \"old\"",
        "keep_generations = 5",
    ));
    w.run(&["install"]).ok();
    w.manifest(&manifest(
        &tool("2.0.0"),
        "MODE = \"new\"\nEXTRA = \"1\"",
        "keep_generations = 7 # edited since",
    ));
    w.run(&["install"]).ok();
    server.stop();
    w.run(&["rollback"]).ok();
    // [tools] and [env] as they were, comments and [settings] as they are.
    assert_eq!(
        w.read("devenv.toml"),
        manifest(
            &tool("1.0.0"),
            "MODE = \"old\"",
            "keep_generations = 7 # edited since"
        )
    );
    w.run(&[
        "exec",
        "--frozen",
        "--",
        "sh",
        "-c",
        "tool; echo \"$MODE ${EXTRA:-unset}\"",
    ])
    .ok()
    .stdout_has("tool 1.0.0")
    .stdout_has("\nold unset\n");
}

#[test]
fn rollback_keeps_trust_only_for_generations_that_were_allowed() {
    let server = FixtureServer::start();
    let w = World::new();
    let pin = versions(&server, &w, &["1.0.0", "2.0.0", "3.0.0"]);
    // Generation 1 is installed before anyone allowed the project.
    pin("1.0.0");
    w.run(&["install"]).ok();
    pin("2.0.0");
    w.run(&["allow"]).ok();
    w.run(&["install"]).ok();
    assert_eq!(trust(&w), "allowed");
    pin("3.0.0");
    w.run(&["allow"]).ok();
    w.run(&["install"]).ok();
    assert_eq!(trust(&w), "allowed");
    // Generation 2 was allowed when recorded: rolling back keeps it allowed.
    w.run(&["rollback", "2"]).ok();
    assert_eq!(trust(&w), "allowed");
    // Generation 1 never was: the restored manifest needs a new allow.
    w.run(&["rollback", "1"])
        .ok()
        .stderr_has("generation 1 was not allowed for the shell hook when it was recorded");
    assert_eq!(trust(&w), "devenv.toml changed since it was allowed");
    // --lock-only keeps today's rule: the lock of an allowed manifest follows.
    w.run(&["allow"]).ok();
    w.run(&["rollback", "--lock-only", "3"]).ok();
    assert_eq!(trust(&w), "allowed");
}

#[test]
fn rollback_to_a_generation_without_a_recorded_manifest_restores_the_lock() {
    let server = FixtureServer::start();
    let w = World::new();
    let pin = versions(&server, &w, &["1.0.0", "2.0.0"]);
    pin("1.0.0");
    w.run(&["install"]).ok();
    let lock_v1 = w.read("devenv.lock");
    pin("2.0.0");
    w.run(&["install"]).ok();
    // As recorded by a devenv that kept only locks.
    let manifests: Vec<_> = walk(&w.home.join("projects"))
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "manifest"))
        .collect();
    assert_eq!(manifests.len(), 2, "{manifests:?}");
    for m in manifests {
        std::fs::remove_file(m).unwrap();
    }
    w.run(&["rollback"]).ok().stderr_has(
        "generation 1 was recorded without its devenv.toml, so only devenv.lock is restored",
    );
    assert_eq!(w.read("devenv.lock"), lock_v1);
    assert!(w.read("devenv.toml").contains("2.0.0"));
}

#[test]
fn rollback_refuses_a_manifest_that_would_not_load_and_changes_nothing() {
    let server = FixtureServer::start();
    let w = World::new();
    let pin = versions(&server, &w, &["1.0.0", "2.0.0"]);
    pin("1.0.0");
    w.run(&["install"]).ok();
    pin("2.0.0");
    w.run(&["install"]).ok();
    let (lock, manifest) = (w.read("devenv.lock"), w.read("devenv.toml"));
    // A damaged record is refused before anything is written.
    for m in walk(&w.home.join("projects"))
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with("000001.manifest"))
    {
        std::fs::write(m, "[tools\n").unwrap();
    }
    w.run(&["rollback", "1"])
        .fails(1)
        .stderr_has("the recorded devenv.toml of that generation is not valid TOML");
    assert_eq!(w.read("devenv.lock"), lock);
    assert_eq!(w.read("devenv.toml"), manifest);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn rollback_errors() {
    let server = FixtureServer::start();
    let w = World::new();
    let pin = versions(&server, &w, &["1.0.0"]);
    w.manifest("[env]\nA = \"1\"\n");
    w.run(&["rollback"])
        .fails(1)
        .stderr_has("no generations yet");
    pin("1.0.0");
    w.run(&["install"]).ok();
    w.run(&["rollback"])
        .fails(1)
        .stderr_has("generation 1 is the oldest");
    w.run(&["rollback", "9"])
        .fails(1)
        .stderr_has("there is no generation 9; this project's generations go from 1 to 1");
}
