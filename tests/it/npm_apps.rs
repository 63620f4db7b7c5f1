//! npm applications with dependencies: npm's resolver (the `npm` on PATH)
//! decides the tree against the fixture registry, devenv pins every
//! package with its integrity per platform, downloads and verifies each,
//! and runs the application with the tree in place.

use crate::common;
use common::archives::{Entry, npm_tarball, tar_gz};
use common::server::FixtureServer;
use common::{World, publish_npm};

const THREE: &str =
    "\n[settings]\nplatforms = [\"linux-x86_64\", \"linux-aarch64\", \"macos-aarch64\"]\n";

/// A package tarball: `package/package.json` and `package/index.js`
/// exporting `text`, plus more files.
fn package(name: &str, version: &str, text: &str, more: &[(&str, &str)]) -> Vec<u8> {
    let json = format!(r#"{{"name": "{name}", "version": "{version}", "main": "index.js"}}"#);
    let index = format!("module.exports = {text:?};\n");
    let mut files = vec![
        ("package.json", json.as_str()),
        ("index.js", index.as_str()),
    ];
    files.extend_from_slice(more);
    npm_tarball(&files)
}

/// Publishes `app` 1.0.0: depends on `dep@^2` and `other@^1` (which needs
/// `dep@^1`, so npm nests it), and on one optional package per platform;
/// it has a postinstall script devenv must not run.
fn registry() -> FixtureServer {
    let s = FixtureServer::start();
    publish_npm(
        &s,
        "dep",
        &[("1.0.0", &package("dep", "1.0.0", "dep 1.0.0", &[]))],
        "",
    );
    publish_npm(
        &s,
        "dep",
        &[
            ("1.0.0", &package("dep", "1.0.0", "dep 1.0.0", &[])),
            ("2.1.0", &package("dep", "2.1.0", "dep 2.1.0", &[])),
        ],
        "",
    );
    let other = tar_gz(&[
        Entry::file(
            "package/package.json",
            br#"{"name": "other", "version": "1.0.0", "dependencies": {"dep": "^1.0.0"}}"#,
            0o644,
        ),
        Entry::file(
            "package/index.js",
            b"module.exports = 'other (' + require('dep') + ')';\n",
            0o644,
        ),
    ]);
    publish_npm(
        &s,
        "other",
        &[("1.0.0", &other)],
        r#""dependencies": {"dep": "^1.0.0"},"#,
    );
    for (plat, os, cpu) in [
        ("linux-x64", "linux", "x64"),
        ("linux-arm64", "linux", "arm64"),
        ("darwin-arm64", "darwin", "arm64"),
    ] {
        let name = format!("@app/{plat}");
        publish_npm(
            &s,
            &name,
            &[("1.0.0", &package(&name, "1.0.0", plat, &[]))],
            &format!(r#""os": ["{os}"], "cpu": ["{cpu}"],"#),
        );
    }
    let app = tar_gz(&[
        Entry::file(
            "package/package.json",
            br#"{"name": "app", "version": "1.0.0", "bin": {"app": "bin/app.js"}}"#,
            0o644,
        ),
        Entry::file(
            "package/bin/app.js",
            b"#!/usr/bin/env node\nconst plat = ['linux-x64', 'linux-arm64', 'darwin-arm64'].map(p => { try { return require('@app/' + p); } catch { return null; } }).filter(Boolean);\nconsole.log(['app 1.0.0', require('dep'), require('other'), ...plat].join(', '));\n",
            0o644,
        ),
    ]);
    publish_npm(
        &s,
        "app",
        &[("1.0.0", &app)],
        r#""bin": {"app": "bin/app.js"}, "scripts": {"postinstall": "node install.js"},
           "dependencies": {"dep": "^2.0.0", "other": "^1.0.0"},
           "optionalDependencies": {"@app/linux-x64": "1.0.0", "@app/linux-arm64": "1.0.0", "@app/darwin-arm64": "1.0.0"},"#,
    );
    s
}

fn project(s: &FixtureServer) -> World {
    let w = World::new().with_env("DEVENV_NPM_REGISTRY", &s.base());
    w.manifest(&format!("[tools]\n\"npm:app\" = \"1\"\n{THREE}"));
    w
}

/// The member paths of `platform`'s artifact in the lock text.
fn members(lock: &str, platform: &str) -> Vec<String> {
    let parsed: toml::Table = lock.parse().unwrap();
    parsed["tools"]["npm:app"]["artifacts"][platform]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["path"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_tree_is_locked_per_platform_with_each_packages_integrity() {
    let s = registry();
    let p = project(&s);
    p.run(&["lock"])
        .ok()
        .stderr_has("npm:app 1.0.0: the install scripts of app are not run");
    let lock = p.lockfile();
    let common = [
        "node_modules/app",
        "node_modules/dep",
        "node_modules/other",
        "node_modules/other/node_modules/dep",
    ];
    for (platform, own) in [
        ("linux-x86_64", "node_modules/@app/linux-x64"),
        ("linux-aarch64", "node_modules/@app/linux-arm64"),
        ("macos-aarch64", "node_modules/@app/darwin-arm64"),
    ] {
        let mut expected: Vec<String> = common.iter().map(|s| s.to_string()).collect();
        expected.push(own.to_string());
        expected.sort();
        assert_eq!(members(&lock, platform), expected, "{lock}");
    }
    assert!(
        lock.contains(&common::sri_sha512(&package(
            "dep",
            "2.1.0",
            "dep 2.1.0",
            &[]
        ))),
        "{lock}"
    );
    assert!(
        lock.contains("bin = [\"app=node_modules/app/bin/app.js\"]"),
        "{lock}"
    );
    // Relocking keeps every pin without asking npm or the registry again.
    s.stop();
    p.run(&["lock"]).ok();
    assert_eq!(p.lockfile(), lock);
}

#[test]
fn the_application_runs_with_its_whole_tree() {
    let s = registry();
    let p = project(&s).with_env("DEVENV_PLATFORM", "linux-x86_64");
    p.run(&["install"]).ok().stderr_has("(5 packages,");
    p.run(&["exec", "--", "app"])
        .ok()
        .stdout_has("app 1.0.0, dep 2.1.0, other (dep 1.0.0), linux-x64");
    // The install script did not run: it would have failed (no install.js).
    assert_eq!(p.store_entries().len(), 1);
    // The entry's record names every member, so its name can be checked.
    p.run(&["store", "verify"]).ok();
}

#[test]
fn a_digest_mismatch_deep_in_the_tree_installs_nothing() {
    let s = registry();
    let p = project(&s).with_env("DEVENV_PLATFORM", "linux-x86_64");
    p.run(&["lock"]).ok();
    s.add(
        "/dep/-/dep-1.0.0.tgz",
        package("dep", "1.0.0", "tampered", &[]),
    );
    p.run(&["install"])
        .fails(1)
        .stderr_has("node_modules/other/node_modules/dep of the tree of `npm:app`")
        .stderr_has("does not match the lock")
        .stderr_has(&s.url("/dep/-/dep-1.0.0.tgz"));
    assert!(p.store_entries().is_empty());
    assert!(p.staging_leftovers().is_empty());
}

#[test]
fn a_dependency_npm_cannot_resolve_is_reported_with_npms_words() {
    let s = FixtureServer::start();
    publish_npm(
        &s,
        "big",
        &[("1.0.0", &package("big", "1.0.0", "big", &[]))],
        r#""bin": {"big": "index.js"}, "dependencies": {"missing-dep": "^5"},"#,
    );
    let p = World::new().with_env("DEVENV_NPM_REGISTRY", &s.base());
    p.manifest("[tools]\n\"npm:big\" = \"1\"\n");
    p.run(&["lock"])
        .fails(1)
        .stderr_has("npm could not resolve the dependencies of big@1.0.0")
        .stderr_has("missing-dep");
}

#[test]
fn a_lock_with_a_member_outside_the_tree_is_refused() {
    let s = registry();
    let p = project(&s);
    p.run(&["lock"]).ok();
    let lock = p.lockfile();
    let hostile = lock.replacen(
        "path = \"node_modules/dep\"",
        "path = \"node_modules/../../../etc\"",
        1,
    );
    assert_ne!(hostile, lock);
    p.write("devenv.lock", hostile);
    p.run(&["install"])
        .fails(1)
        .stderr_has("`node_modules/../../../etc` is not a path inside the tree");
}

#[test]
fn locking_a_tree_without_npm_says_npm_is_needed() {
    let s = registry();
    let p = project(&s);
    p.run_env(&["lock"], &[("PATH", "/nonexistent")])
        .fails(1)
        .stderr_has("npm:app 1.0.0 has dependencies, and npm's own resolver decides them: devenv needs `npm` on PATH");
}
