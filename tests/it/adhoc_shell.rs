//! `devenv shell TOOL@VER... [-- CMD]`: tools without a manifest.

use crate::common;
use common::server::FixtureServer;
use common::{World, npm_tarball, npm_tarball_executable, publish_npm};

fn registry() -> FixtureServer {
    let server = FixtureServer::start();
    let bin = r#""bin": {"hello": "bin/hello"},"#;
    publish_npm(
        &server,
        "hello",
        &[
            ("1.0.0", &npm_tarball("hello", "1.0.0")),
            ("2.0.0", &npm_tarball("hello", "2.0.0")),
        ],
        bin,
    );
    server
}

#[test]
fn runs_a_command_with_the_tools_and_needs_no_manifest() {
    let server = registry();
    let w = World::new().with_env("DEVENV_NPM_REGISTRY", &server.base());
    assert!(!w.project.join("devenv.toml").exists());
    w.run(&["shell", "npm:hello@1", "--", "hello"])
        .ok()
        .stdout_has("hello 1.0.0");
    w.run(&["shell", "npm:hello", "--", "hello"])
        .ok()
        .stdout_has("hello 2.0.0");
    assert!(
        !w.project.join("devenv.lock").exists(),
        "an ad-hoc shell wrote a lock into the directory"
    );
    // The resolution is cached: a second run needs no registry at all.
    server.stop();
    w.run(&["shell", "npm:hello@1", "--", "hello"])
        .ok()
        .stdout_has("hello 1.0.0");
}

#[test]
fn starts_the_users_shell_with_the_tools_on_path() {
    let server = registry();
    let w = World::new().with_env("DEVENV_NPM_REGISTRY", &server.base());
    let out = w
        .run_env(&["shell", "npm:hello@2"], &[("SHELL", "/usr/bin/env")])
        .ok();
    let path = out.stdout.lines().find(|l| l.starts_with("PATH=")).unwrap();
    assert!(
        path.contains("/store/") && path.ends_with(":/usr/local/bin:/usr/bin:/bin"),
        "{path}"
    );
    out.stderr_has("entering a shell with npm:hello 2.0.0");
}

#[test]
fn ad_hoc_tools_are_collected_once_the_shell_is_gone() {
    let server = registry();
    let w = World::new().with_env("DEVENV_NPM_REGISTRY", &server.base());
    w.run(&["shell", "npm:hello@1", "--", "hello"]).ok();
    assert_eq!(w.store_entries().len(), 1);
    w.run(&["gc"]).ok();
    assert!(
        w.store_entries().is_empty(),
        "an ad-hoc tool outlived its shell"
    );
}

#[test]
fn bad_specs_and_unknown_tools_are_explained() {
    let server = registry();
    let w = World::new().with_env("DEVENV_NPM_REGISTRY", &server.base());
    w.run(&["shell", "npm:hello@9", "--", "hello"])
        .fails(1)
        .stderr_has("no version matches `9`");
    w.run(&["shell", "nosuchtool@1", "--", "x"])
        .fails(1)
        .stderr_has("`nosuchtool` is not in the catalog");
    w.run(&["shell"]).fails(2);
}

#[test]
fn source_picks_a_catalog_entrys_alternative_source() {
    let server = FixtureServer::start();
    let bin = r#""bin": {"node": "bin/node"},"#;
    // The catalog's npm source is `node-{os}-{arch}` (npm's spelling).
    let os = if cfg!(target_os = "macos") {
        "darwin"
    } else {
        "linux"
    };
    let arch = if cfg!(target_arch = "aarch64") {
        "arm64"
    } else {
        "x64"
    };
    publish_npm(
        &server,
        &format!("node-{os}-{arch}"),
        &[("22.1.0", &npm_tarball_executable("node", "22.1.0"))],
        bin,
    );
    let w = World::new().with_env("DEVENV_NPM_REGISTRY", &server.base());
    // node's default source is Node.js's own index (not served here);
    // `--source npm` takes the npm package instead.
    w.run(&[
        "shell", "--source", "npm", "node@22", "--", "printenv", "PATH",
    ])
    .ok()
    .stdout_has("-node-22.1.0/bin:");
    w.run(&["shell", "--source", "pip", "node@22", "--", "node"])
        .fails(1)
        .stderr_has("`node` has no source `pip`");
}
