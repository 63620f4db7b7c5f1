//! `--offline` / `DEVENV_OFFLINE=1`: no network at all. Resolution uses only
//! the lock, installation only the store; what is missing is named before
//! any download is tried.

use crate::common;
use common::server::FixtureServer;
use common::{World, sha256_hex, tool_tar_gz, url_tool_manifest};

fn hello_world(server: &FixtureServer) -> World {
    let w = World::new();
    let bytes = tool_tar_gz("hello", "1.2.3");
    server.add("/hello.tar.gz", bytes.clone());
    w.manifest(&url_tool_manifest(
        "hello",
        "1.2.3",
        &server.url("/hello.tar.gz"),
        &bytes,
    ));
    w
}

#[test]
fn a_complete_store_works_with_the_server_stopped() {
    let server = FixtureServer::start();
    let w = hello_world(&server);
    w.run(&["install"]).ok();
    server.stop();
    w.run(&["--offline", "exec", "--", "hello", "there"])
        .ok()
        .stdout_has("hello 1.2.3 there");
    w.run_env(&["install"], &[("DEVENV_OFFLINE", "1")])
        .ok()
        .stderr_has("already installed");
    w.run(&["--offline", "lock"]).ok();
    w.run(&["--offline", "env", "--format", "json"])
        .ok()
        .stdout_has("DEVENV_ROOT");
}

#[test]
fn a_missing_store_entry_is_named_without_touching_the_network() {
    let server = FixtureServer::start();
    let w = hello_world(&server);
    w.run(&["lock"]).ok();
    let out = w.run(&["--offline", "install"]).fails(1);
    assert!(out.stderr.contains("offline"), "{}", out.stderr);
    assert!(
        out.stderr
            .contains(&format!("hello 1.2.3 from {}", server.url("/hello.tar.gz"))),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("devenv install"), "{}", out.stderr);
    assert_eq!(server.hits("/hello.tar.gz"), 0, "offline must not download");
    assert!(w.store_entries().is_empty());
    w.run_env(&["exec", "--", "hello"], &[("DEVENV_OFFLINE", "1")])
        .fails(1)
        .stderr_has("hello 1.2.3 from");
    // DEVENV_OFFLINE=0 is not offline.
    w.run_env(&["install"], &[("DEVENV_OFFLINE", "0")]).ok();
}

#[test]
fn a_stale_lock_names_the_tool_and_cannot_re_resolve() {
    let server = FixtureServer::start();
    let w = hello_world(&server);
    w.run(&["install"]).ok();
    let before = w.read("devenv.lock");
    let newer = tool_tar_gz("hello", "2.0.0");
    server.add("/hello-2.tar.gz", newer.clone());
    w.manifest(&url_tool_manifest(
        "hello",
        "2.0.0",
        &server.url("/hello-2.tar.gz"),
        &newer,
    ));
    let out = w.run(&["--offline", "install"]).fails(1);
    assert!(
        out.stderr.contains("cannot re-resolve `hello`"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("`hello` changed"), "{}", out.stderr);
    assert_eq!(server.hits("/hello-2.tar.gz"), 0);
    assert_eq!(w.read("devenv.lock"), before);
    w.run_env(&["lock"], &[("DEVENV_OFFLINE", "yes")])
        .fails(1)
        .stderr_has("cannot re-resolve `hello`");
}

#[test]
fn no_lock_offline_cannot_resolve() {
    let server = FixtureServer::start();
    let w = hello_world(&server);
    w.run(&["--offline", "install"])
        .fails(1)
        .stderr_has("cannot re-resolve `hello`")
        .stderr_has("no devenv.lock yet");
    assert!(!w.project.join("devenv.lock").exists());
}

#[test]
fn dropping_a_tool_needs_no_network() {
    let server = FixtureServer::start();
    let w = World::new();
    let a = tool_tar_gz("alpha", "1.0");
    let b = tool_tar_gz("beta", "1.0");
    server.add("/alpha.tar.gz", a.clone());
    server.add("/beta.tar.gz", b.clone());
    let alpha = format!(
        "alpha = {{ version = \"1.0\", url = \"{}\", sha256 = \"{}\" }}\n",
        server.url("/alpha.tar.gz"),
        sha256_hex(&a)
    );
    let beta = format!(
        "beta = {{ version = \"1.0\", url = \"{}\", sha256 = \"{}\" }}\n",
        server.url("/beta.tar.gz"),
        sha256_hex(&b)
    );
    w.manifest(&format!("[tools]\n{alpha}{beta}"));
    w.run(&["install"]).ok();
    server.stop();
    w.manifest(&format!("[tools]\n{alpha}"));
    w.run(&["--offline", "exec", "--", "alpha"])
        .ok()
        .stdout_has("alpha 1.0");
    assert!(!w.read("devenv.lock").contains("beta"));
}
