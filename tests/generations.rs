//! Generations and rollback: every lock a project used is kept, and going
//! back is instant and offline.

mod common;
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

#[test]
fn each_lock_change_is_a_generation_and_rollback_restores_it_offline() {
    let server = FixtureServer::start();
    let w = World::new();
    let pin = versions(&server, &w, &["1.0.0", "1.1.0", "2.0.0"]);
    pin("1.0.0");
    w.run(&["install"]).ok();
    let lock_v1 = w.read("devenv.lock");
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

    // Rollback needs no network: everything is in the store.
    server.stop();
    w.run(&["rollback"])
        .ok()
        .stderr_has("rolled back to generation 2")
        .stderr_has("generation 4");
    assert!(w.read("devenv.lock").contains("version = \"1.1.0\""));
    w.run(&["rollback", "1"]).ok();
    assert_eq!(w.read("devenv.lock"), lock_v1);
    // The lock is back, but devenv.toml still asks for 2.0.0: frozen says so.
    w.run(&["exec", "--frozen", "--", "tool"])
        .fails(1)
        .stderr_has("`tool` changed");
    // Pin the manifest back: the rolled-back lock is fresh and its tool runs offline.
    pin("1.0.0");
    w.run(&["exec", "--frozen", "--", "tool"])
        .ok()
        .stdout_has("tool 1.0.0");
    let json: serde_json::Value =
        serde_json::from_str(&w.run(&["generations", "--json"]).ok().stdout).unwrap();
    let list = json.as_array().unwrap();
    assert_eq!(list.len(), 5);
    assert_eq!(list[4]["reason"], "rollback to 1");
    assert_eq!(list[4]["current"], true);
    // The rollback itself can be undone.
    w.run(&["rollback", "4"]).ok();
    assert!(w.read("devenv.lock").contains("version = \"1.1.0\""));
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
