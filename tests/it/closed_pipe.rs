//! Every command that prints ends quietly when its reader goes away
//! (`devenv list --json | head -1`): no panic, no exit 101.

use crate::common;
use common::World;
use common::server::FixtureServer;
use std::os::unix::process::ExitStatusExt;

/// Runs devenv with `args` writing into a pipe whose reading end is
/// already closed, so the first write fails.
fn run_into_closed_pipe(w: &World, args: &[&str]) {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut cmd = w.cmd(args);
    cmd.stdout(writer);
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{args:?} panicked:\n{stderr}");
    assert_ne!(out.status.code(), Some(101), "{args:?}:\n{stderr}");
    // Either it had nothing to print, or SIGPIPE ended it, as for `cat`.
    assert!(
        out.status.success() || out.status.signal() == Some(libc_sigpipe()),
        "{args:?}: {:?}\n{stderr}",
        out.status
    );
}

fn libc_sigpipe() -> i32 {
    13
}

#[test]
fn printing_commands_end_quietly_on_a_closed_pipe() {
    let s = FixtureServer::start();
    s.add(
        "/-/v1/search?text=zig&size=10",
        r#"{"objects": [], "total": 0, "time": "now"}"#,
    );
    s.add_with_status("/pypi/zig/json", 404, "not found");
    let w = World::new()
        .with_env("DEVENV_NPM_REGISTRY", &s.base())
        .with_env("DEVENV_PYPI_URL", &s.base());
    w.manifest("[env]\nA = \"1\"\n\n[tasks]\nt = \"true\"\n");
    w.run(&["lock"]).ok();
    for args in [
        &["list", "--json"][..],
        &["list"],
        &["status"],
        &["status", "--json"],
        &["generations"],
        &["generations", "--json"],
        &["gc", "--dry-run"],
        &["gc", "--dry-run", "--json"],
        &["outdated", "--json"],
        &["outdated"],
        &["search", "zig"],
        &["search", "zig", "--json"],
        &["run"],
        &["run", "--json"],
        &["env", "--format", "json"],
        &["hook", "bash"],
        &["completions", "fish"],
        &["--help"],
    ] {
        run_into_closed_pipe(&w, args);
    }
}
