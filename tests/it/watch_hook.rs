//! `settings.watch = true`: the shell hook starts `devenv watch`, never
//! waits for it, says once that the environment is still being prepared,
//! and activates the prepared environment at the first prompt after the
//! watcher finishes.

use crate::common;
use common::server::FixtureServer;
use common::shell::{Sandbox, Sh};
use common::{archives, url_tool_manifest};

#[test]
fn the_hook_starts_a_watcher_and_activates_what_it_prepared() {
    let server = FixtureServer::start();
    let tool = archives::tar_gz(&[archives::Entry::file(
        "w-1/bin/wtool",
        b"#!/bin/sh\necho wtool 1\n",
        0o755,
    )]);
    server.add("/wtool.tar.gz", tool.clone());
    let sb = Sandbox::new();
    let manifest = format!(
        "{}\n[env]\nW = \"on\"\n\n[settings]\nwatch = true\n",
        url_tool_manifest("wtool", "1", &server.url("/wtool.tar.gz"), &tool)
    );
    let p = sb.allowed_project("p", &manifest);
    // The first prompt starts the watcher and does not wait for it; the
    // loop then waits (outside the hook) until the watcher says it is
    // ready, and the next prompt picks the prepared environment up.
    let script = format!(
        "cd {p}\nprompt\nshow W\nfor i in $(seq 1 600); do\n  grep -q ready \"$DEVENV_HOME\"/projects/*/watch.status 2>/dev/null && break\n  sleep 0.1\ndone\nprompt\ncommand -v wtool\nwtool\n",
        p = sb.q(&p)
    );
    let run = sb.run(Sh::BASH, &script);
    let out = run.ok();
    assert!(out.starts_with("W=[on]\n"), "{out}\n{}", run.stderr);
    assert!(
        out.contains("/store/") && out.ends_with("wtool 1\n"),
        "{out}\n{}",
        run.stderr
    );
    assert_eq!(run.count_stderr("still preparing p"), 1, "{}", run.stderr);
    assert_eq!(server.hits("/wtool.tar.gz"), 1);
    assert!(
        !run.stderr.contains("run `devenv install`"),
        "{}",
        run.stderr
    );
}
