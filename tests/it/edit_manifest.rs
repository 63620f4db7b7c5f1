//! `devenv add` and `devenv remove` edit devenv.toml keeping comments and
//! layout; `devenv update` and `devenv outdated` move within constraints.

use crate::common;
use common::server::FixtureServer;
use common::{World, npm_tarball_executable, publish_npm};

const MANIFEST: &str = r#"# My project's tools.
[tools]
# formatter, pinned loosely
"npm:fmt" = "1"   # keep this comment
"npm:other" = { version = "1.0", bin = ["bin"] }

[env]
RUST_LOG = "debug"   # noisy
"#;

fn registry() -> FixtureServer {
    let s = FixtureServer::start();
    // Executable scripts: `npm:other` exposes its whole `bin` directory.
    let (a, b, c) = (
        npm_tarball_executable("fmt", "1.0.0"),
        npm_tarball_executable("fmt", "1.1.0"),
        npm_tarball_executable("fmt", "2.0.0"),
    );
    publish_npm(
        &s,
        "fmt",
        &[("1.0.0", &a), ("1.1.0", &b), ("2.0.0", &c)],
        r#""bin": {"fmt": "bin/fmt"},"#,
    );
    publish_npm(
        &s,
        "other",
        &[("1.0.0", &a)],
        r#""bin": {"other": "bin/fmt"},"#,
    );
    s
}

#[test]
fn add_changes_only_the_entry_and_keeps_comments() {
    let p = World::new();
    p.manifest(MANIFEST);
    p.run(&[
        "add",
        "--no-lock",
        "npm:fmt@^2",
        "pypi:uv@0.5",
        "npm:other@1.1",
    ])
    .ok();
    let expected = MANIFEST
        .replace(
            r#""npm:fmt" = "1"   # keep"#,
            r#""npm:fmt" = "^2"   # keep"#,
        )
        .replace(r#"version = "1.0", bin"#, r#"version = "1.1", bin"#)
        .replace(
            "bin = [\"bin\"] }\n",
            "bin = [\"bin\"] }\n\"pypi:uv\" = \"0.5\"\n",
        );
    assert_eq!(p.read("devenv.toml"), expected);
}

#[test]
fn remove_deletes_only_the_entry() {
    let s = registry();
    let p = World::new().with_env("DEVENV_NPM_REGISTRY", &s.base());
    p.manifest(MANIFEST);
    p.run(&["lock"]).ok();
    p.run(&["remove", "npm:other"]).ok();
    assert_eq!(
        p.read("devenv.toml"),
        MANIFEST.replace(
            "\"npm:other\" = { version = \"1.0\", bin = [\"bin\"] }\n",
            ""
        )
    );
    assert!(!p.lockfile().contains("npm:other"), "{}", p.lockfile());
    let err = p.run(&["remove", "npm:nothing"]).fails(1).stderr;
    assert!(err.contains("no tool `npm:nothing`"), "{err}");
}

#[test]
fn add_locks_and_an_unresolvable_add_leaves_the_manifest_alone() {
    let s = registry();
    let p = World::new().with_env("DEVENV_NPM_REGISTRY", &s.base());
    p.manifest(MANIFEST);
    p.run(&["add", "npm:fmt@2"]).ok();
    assert!(
        p.lockfile().contains("version = \"2.0.0\""),
        "{}",
        p.lockfile()
    );
    let before = p.read("devenv.toml");
    let err = p.run(&["add", "npm:fmt@7"]).fails(1).stderr;
    assert!(
        err.contains("no version matches `7`") && err.contains("left unchanged"),
        "{err}"
    );
    assert_eq!(p.read("devenv.toml"), before);
}

#[test]
fn update_and_outdated_move_within_the_constraint() {
    let s = registry();
    let p = World::new().with_env("DEVENV_NPM_REGISTRY", &s.base());
    p.manifest("[tools]\n\"npm:fmt\" = \"1\"\n");
    // Lock while only 1.0.0 exists, then publish more.
    // Executable scripts: `npm:other` exposes its whole `bin` directory.
    let (a, b, c) = (
        npm_tarball_executable("fmt", "1.0.0"),
        npm_tarball_executable("fmt", "1.1.0"),
        npm_tarball_executable("fmt", "2.0.0"),
    );
    publish_npm(&s, "fmt", &[("1.0.0", &a)], r#""bin": {"fmt": "bin/fmt"},"#);
    p.run(&["lock"]).ok();
    assert!(p.lockfile().contains("version = \"1.0.0\""));
    publish_npm(
        &s,
        "fmt",
        &[("1.0.0", &a), ("1.1.0", &b), ("2.0.0", &c)],
        r#""bin": {"fmt": "bin/fmt"},"#,
    );
    let table = p.run(&["outdated"]).ok().stdout;
    let row = table.lines().find(|l| l.starts_with("npm:fmt")).unwrap();
    let cols: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(
        cols,
        vec!["npm:fmt", "1", "1.0.0", "1.1.0", "2.0.0"],
        "{table}"
    );
    // A plain relock keeps the pin; update moves it.
    p.run(&["lock"]).ok();
    assert!(p.lockfile().contains("version = \"1.0.0\""));
    p.run(&["update", "npm:fmt"]).ok();
    assert!(
        p.lockfile().contains("version = \"1.1.0\""),
        "{}",
        p.lockfile()
    );
    let err = p.run(&["update", "npm:fmy"]).fails(1).stderr;
    assert!(err.contains("did you mean `npm:fmt`?"), "{err}");
}

#[test]
fn search_lists_catalog_entries() {
    let s = FixtureServer::start();
    s.add(
        "/-/v1/search?text=zig&size=10",
        r#"{"objects": [{"package": {"name": "zig-build", "version": "0.1.0", "description": "build helper"}, "score": {"final": 1}, "searchScore": 1}], "total": 1, "time": "now"}"#,
    );
    s.add("/pypi/zig/json", r#"{"info": {"name": "zig", "version": "0.0.1", "summary": "not the compiler"}, "releases": {}}"#);
    let p = World::new()
        .with_env("DEVENV_NPM_REGISTRY", &s.base())
        .with_env("DEVENV_PYPI_URL", &s.base());
    let out = p.run(&["search", "zig"]).ok().stdout;
    assert!(
        out.contains("catalog:") && out.contains("Zig compiler"),
        "{out}"
    );
    assert!(out.contains("pypi (default): pypi:ziglang"), "{out}");
    assert!(out.contains("zig-build"), "{out}");
    assert!(out.contains("not the compiler"), "{out}");
}

#[test]
fn add_says_changed_for_a_tool_already_there_and_generations_say_add() {
    let s = registry();
    let p = World::new().with_env("DEVENV_NPM_REGISTRY", &s.base());
    p.manifest("[tools]\n\"npm:fmt\" = \"1\"\n");
    p.run(&["lock"]).ok();
    p.run(&["add", "npm:fmt@2"])
        .ok()
        .stderr_has("changed npm:fmt from \"1\" to \"2\" (pinned 2.0.0)");
    p.run(&["add", "npm:other@1"])
        .ok()
        .stderr_has("added npm:other = \"1\" (pinned 1.0.0)");
    p.run(&["remove", "npm:other"]).ok();
    let v: serde_json::Value =
        serde_json::from_str(&p.run(&["generations", "--json"]).ok().stdout).unwrap();
    let reasons: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons, vec!["lock", "add", "add", "remove"], "{v}");
}

#[test]
fn update_and_remove_explain_their_arguments() {
    let p = World::new();
    p.run(&["update", "--help"])
        .ok()
        .stdout_has("The tools to update, by their names in devenv.toml (default: all)");
    p.run(&["remove", "--help"])
        .ok()
        .stdout_has("The tools to remove");
}

#[test]
fn add_interrupted_during_the_relock_leaves_the_manifest_and_lock_as_they_were() {
    let s = registry();
    let p = World::new().with_env("DEVENV_NPM_REGISTRY", &s.base());
    p.manifest(MANIFEST);
    p.run(&["lock"]).ok();
    let lock = p.lockfile();
    // The registry accepts the request for the new tool and never answers.
    s.stall("/slow", 0);
    for args in [
        &["add", "npm:slow@1"][..],
        &["add", "npm:fmt@2", "npm:slow"],
    ] {
        let mut child = p
            .cmd(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let before = s.hits("/slow");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while s.hits("/slow") == before {
            assert!(std::time::Instant::now() < deadline, "no request for /slow");
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        // Ctrl-C in the middle of the re-lock.
        // SAFETY: kill only sends a signal to our own child process.
        assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
        let status = child.wait().unwrap();
        assert!(!status.success());
        assert_eq!(p.read("devenv.toml"), MANIFEST, "{args:?}");
        assert_eq!(p.lockfile(), lock, "{args:?}");
        let leftovers: Vec<_> = std::fs::read_dir(&p.project)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
    // Then an add that succeeds writes the manifest and the lock together.
    p.run(&["add", "npm:fmt@2"]).ok();
    assert!(
        p.read("devenv.toml")
            .contains("\"npm:fmt\" = \"2\"   # keep")
    );
    p.run(&["exec", "--frozen", "--", "fmt"]).ok();
}

#[test]
fn your_own_add_and_remove_keep_an_allowed_project_allowed() {
    let s = registry();
    let p = World::new().with_env("DEVENV_NPM_REGISTRY", &s.base());
    p.manifest(MANIFEST);
    p.run(&["lock"]).ok();
    p.run(&["allow"]).ok();
    let allowed = |w: &World| -> bool {
        let v: serde_json::Value =
            serde_json::from_str(&w.run(&["status", "--json"]).ok().stdout).unwrap();
        v["project"]["allowed"] == true
    };
    assert!(allowed(&p));
    p.run(&["add", "npm:fmt@2"]).ok().stderr_has(
        "the project stays allowed: this change to devenv.toml is the one you asked for",
    );
    assert!(allowed(&p), "add dropped the allow");
    p.run(&["remove", "npm:other"]).ok();
    assert!(allowed(&p), "remove dropped the allow");
    p.run(&["add", "--no-lock", "npm:fmt@1"]).ok();
    assert!(allowed(&p), "add --no-lock dropped the allow");
    // Someone else's edit is not the user's: it still needs an allow, and
    // a later `add` does not launder it.
    let text = p.read("devenv.toml") + "\n[settings]\nauto_install = true\n";
    p.manifest(&text);
    assert!(!allowed(&p));
    let out = p.run(&["add", "npm:fmt@2"]).ok();
    assert!(!out.stderr.contains("stays allowed"), "{}", out.stderr);
    assert!(!allowed(&p));
}

#[test]
fn init_allow_allows_the_manifest_it_writes() {
    let w = World::new();
    w.write(".nvmrc", "20\n");
    w.run(&["init", "--allow"]).ok().stderr_has("allowed ");
    let v: serde_json::Value =
        serde_json::from_str(&w.run(&["status", "--json"]).ok().stdout).unwrap();
    assert_eq!(v["project"]["allowed"], true, "{v}");
}
