//! npm install scripts run only for the packages the manifest names in
//! `allow_scripts`: at install time, in dependency order, inside the
//! staged tree (a failure leaves no entry), with the project's `node`; a
//! lock can never grant script execution by itself.

use crate::common;
use common::archives::{Entry, npm_tarball, tar_gz};
use common::server::FixtureServer;
use common::{World, publish_npm};
use std::path::{Path, PathBuf};

/// `lib`'s postinstall: builds `built.txt` saying which node ran it and
/// with what lifecycle variables, logs its turn in `$INIT_CWD/scripts.log`,
/// and drops a marker in `$HOME` as an attack would.
const LIB_BUILD: &str = r#"const fs = require('fs');
const e = process.env;
fs.writeFileSync('built.txt', `lib built by ${e.FIXTURE_NODE || 'the host node'} (${e.npm_lifecycle_event} of ${e.npm_package_name}@${e.npm_package_version})\n`);
fs.appendFileSync(e.INIT_CWD + '/scripts.log', 'lib\n');
fs.writeFileSync(e.HOME + '/marker-lib', 'lib ran\n');
"#;

/// `lib`'s command `lib-stamp` (published not executable, as npm
/// tarballs often are): logs who called it.
const LIB_STAMP: &str = r#"#!/usr/bin/env node
require('fs').appendFileSync(process.env.INIT_CWD + '/scripts.log', 'lib-stamp for ' + process.argv[2] + '\n');
"#;

/// `app`'s postinstall: records what it saw of `lib`'s build (so it shows
/// whether `lib`'s script ran first), and the same marker.
const APP_BUILD: &str = r#"const fs = require('fs'), path = require('path');
let lib = 'lib not built';
try { lib = fs.readFileSync(path.join(path.dirname(require.resolve('lib/package.json')), 'built.txt'), 'utf8').trim(); } catch {}
fs.writeFileSync('app-built.txt', 'app saw: ' + lib + '\n');
fs.appendFileSync(process.env.INIT_CWD + '/scripts.log', 'app\n');
fs.writeFileSync(process.env.HOME + '/marker-app', 'app ran\n');
"#;

/// `app`'s command: prints what `lib`'s build left, if anything.
const APP_BIN: &str = r#"#!/usr/bin/env node
const fs = require('fs'), path = require('path');
let built = 'lib is not built';
try { built = fs.readFileSync(path.join(path.dirname(require.resolve('lib/package.json')), 'built.txt'), 'utf8').trim(); } catch {}
console.log('app 1.0.0: ' + built);
"#;

fn tarball(package_json: &str, files: &[(&str, &str)]) -> Vec<u8> {
    let mut all = vec![("package.json", package_json)];
    all.extend_from_slice(files);
    npm_tarball(&all)
}

/// `app` 1.0.0 (postinstall) depends on `lib` 1.0.0 (postinstall) and on
/// `plain` 1.0.0 (no script); `flaky` 1.0.0 stands alone and its
/// postinstall fails until `$HOME/libfoo` exists.
fn registry() -> FixtureServer {
    let s = FixtureServer::start();
    let scripts = r#""scripts": {"postinstall": "node build.js"}"#;
    let lib_bin = r#""bin": {"lib-stamp": "stamp.js"}"#;
    publish_npm(
        &s,
        "lib",
        &[(
            "1.0.0",
            &tarball(
                &format!(r#"{{"name": "lib", "version": "1.0.0", {lib_bin}, {scripts}}}"#),
                &[
                    ("index.js", "module.exports = 'lib';\n"),
                    ("build.js", LIB_BUILD),
                    ("stamp.js", LIB_STAMP),
                ],
            ),
        )],
        &format!("{lib_bin}, {scripts},"),
    );
    // `app`'s script calls `lib`'s command, as scripts call node-gyp-build.
    let scripts = r#""scripts": {"postinstall": "lib-stamp app && node build.js"}"#;
    publish_npm(
        &s,
        "plain",
        &[(
            "1.0.0",
            &tarball(
                r#"{"name": "plain", "version": "1.0.0"}"#,
                &[("index.js", "module.exports = 'plain';\n")],
            ),
        )],
        "",
    );
    let deps = r#""dependencies": {"lib": "^1.0.0", "plain": "^1.0.0"}"#;
    publish_npm(
        &s,
        "app",
        &[(
            "1.0.0",
            &tarball(
                &format!(
                    r#"{{"name": "app", "version": "1.0.0", "bin": {{"app": "bin/app.js"}}, {deps}, {scripts}}}"#
                ),
                &[("bin/app.js", APP_BIN), ("build.js", APP_BUILD)],
            ),
        )],
        &format!(r#""bin": {{"app": "bin/app.js"}}, {deps}, {scripts},"#),
    );
    let flaky_scripts = r#""scripts": {"postinstall": "sh build.sh"}"#;
    let build_sh = "echo checking for libfoo\ni=1\nwhile [ $i -le 30 ]; do echo \"noise line $i\"; i=$((i+1)); done\nif [ ! -f \"$HOME/libfoo\" ]; then echo 'error: libfoo is not installed' >&2; exit 3; fi\necho built > built.txt\n";
    publish_npm(
        &s,
        "flaky",
        &[(
            "1.0.0",
            &tarball(
                &format!(
                    r#"{{"name": "flaky", "version": "1.0.0", "bin": {{"flaky": "bin/flaky.js"}}, {flaky_scripts}}}"#
                ),
                &[
                    ("build.sh", build_sh),
                    (
                        "bin/flaky.js",
                        "#!/usr/bin/env node\nconsole.log(require('fs').readFileSync(__dirname + '/../built.txt', 'utf8').trim());\n",
                    ),
                ],
            ),
        )],
        &format!(r#""bin": {{"flaky": "bin/flaky.js"}}, {flaky_scripts},"#),
    );
    s
}

/// A `node` tool for the project: `bin/node` runs the host's node with
/// `FIXTURE_NODE` set, so a script shows which node ran it.
fn node_tool(s: &FixtureServer) -> String {
    let host = which::which("node").expect("node must be installed for these tests (.ci/run)");
    let archive = tar_gz(&[Entry::file(
        "node-v22.0.0/bin/node",
        format!(
            "#!/bin/sh\nFIXTURE_NODE=\"the project's node\" exec {} \"$@\"\n",
            host.display()
        )
        .as_bytes(),
        0o755,
    )]);
    s.add("/dist/node-v22.0.0.tar.gz", archive.clone());
    format!(
        "node = {{ version = \"22.0.0\", url = \"{}\", sha256 = \"{}\" }}\n",
        s.url("/dist/node-v22.0.0.tar.gz"),
        common::sha256_hex(&archive)
    )
}

fn world(s: &FixtureServer, tools: &str) -> World {
    let w = World::new()
        .with_env("DEVENV_NPM_REGISTRY", &s.base())
        .with_env("DEVENV_PLATFORM", &common::platform());
    w.manifest(&format!("[tools]\n{tools}"));
    w
}

/// The one store entry whose name says it holds `tool`.
fn entry(w: &World, tool: &str) -> PathBuf {
    let found: Vec<PathBuf> = w
        .store_entries()
        .into_iter()
        .filter(|e| e.file_name().unwrap().to_string_lossy().contains(tool))
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    found[0].clone()
}

fn user_home(w: &World) -> PathBuf {
    w.root.join("user-home")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

#[test]
fn scripts_the_manifest_does_not_allow_never_run() {
    let s = registry();
    let w = world(&s, "\"npm:app\" = \"1\"\n");
    w.run(&["lock"])
        .ok()
        .stderr_has("npm:app 1.0.0: the install scripts of app, lib are not run")
        .stderr_has("`allow_scripts = [\"app\", \"lib\"]`");
    w.run(&["install"]).ok();
    let app = entry(&w, "app");
    assert!(app.join("node_modules/lib/package.json").is_file());
    assert!(!app.join("node_modules/lib/built.txt").exists());
    assert!(!app.join("node_modules/app/app-built.txt").exists());
    assert!(!app.join("scripts.log").exists());
    assert!(!user_home(&w).join("marker-lib").exists());
    assert!(!user_home(&w).join("marker-app").exists());
    w.run(&["exec", "--", "app"])
        .ok()
        .stdout_has("app 1.0.0: lib is not built");
    assert!(!w.run(&["install"]).ok().stderr.contains("running"));
}

#[test]
fn only_the_allowed_packages_script_runs_with_the_projects_node() {
    let s = registry();
    let w = world(
        &s,
        &format!(
            "{}\"npm:app\" = {{ version = \"1\", allow_scripts = [\"lib\"] }}\n",
            node_tool(&s)
        ),
    );
    let out = w
        .run(&["install"])
        .ok()
        .stderr_has("the install scripts of app are not run")
        .stderr_has("running postinstall of lib 1.0.0");
    assert!(!out.stderr.contains("postinstall of app"), "{}", out.stderr);
    assert!(w.lockfile().contains("allow_scripts = [\"lib\"]"));
    let app = entry(&w, "app");
    assert_eq!(
        read(&app.join("node_modules/lib/built.txt")),
        "lib built by the project's node (postinstall of lib@1.0.0)\n"
    );
    assert!(!app.join("node_modules/app/app-built.txt").exists());
    assert!(!user_home(&w).join("marker-app").exists());
    assert_eq!(read(&app.join("scripts.log")), "lib\n");
    w.run(&["exec", "--", "app"])
        .ok()
        .stdout_has("app 1.0.0: lib built by the project's node (postinstall of lib@1.0.0)");
    w.run(&["store", "verify"]).ok();
}

#[test]
fn a_dependencys_script_runs_before_its_dependents() {
    let s = registry();
    // No `node` tool: the host's runs them, and devenv says so.
    let w = world(
        &s,
        "\"npm:app\" = { version = \"1\", allow_scripts = [\"app\", \"lib\"] }\n",
    );
    let out = w
        .run(&["install"])
        .ok()
        .stderr_has("the project has no `node` tool, so the install scripts of app, lib run with the node found on PATH");
    assert!(
        !out.stderr.contains("are not run"),
        "every script is allowed: {}",
        out.stderr
    );
    let lib_at = out.stderr.find("running postinstall of lib 1.0.0").unwrap();
    let app_at = out.stderr.find("running postinstall of app 1.0.0").unwrap();
    assert!(lib_at < app_at, "{}", out.stderr);
    let app = entry(&w, "app");
    assert_eq!(
        read(&app.join("scripts.log")),
        "lib\nlib-stamp for app\napp\n"
    );
    assert_eq!(
        read(&app.join("node_modules/app/app-built.txt")),
        "app saw: lib built by the host node (postinstall of lib@1.0.0)\n"
    );
    w.run(&["store", "verify"]).ok();
}

#[test]
fn an_allowed_name_without_a_script_in_the_tree_is_a_located_error() {
    let s = registry();
    for (name, says) in [
        (
            "left-pad",
            "which is not a package of the tree of npm:app 1.0.0",
        ),
        (
            "plain",
            "which has no install script in the tree of npm:app 1.0.0",
        ),
    ] {
        let line = format!("\"npm:app\" = {{ version = \"1\", allow_scripts = [\"{name}\"] }}");
        let w = world(&s, &format!("{line}\n"));
        let column = line.find(&format!("\"{name}\"")).unwrap() + 1;
        w.run(&["lock"])
            .fails(1)
            .stderr_has(&format!("devenv.toml:2:{column}"))
            .stderr_has(&format!("`allow_scripts` names `{name}`, {says}"))
            .stderr_has("the packages of that tree with install scripts are: app, lib");
        assert!(!w.project.join("devenv.lock").exists());
    }
}

#[test]
fn a_failing_script_installs_nothing_and_says_why() {
    let s = registry();
    let w = world(
        &s,
        "\"npm:flaky\" = { version = \"1\", allow_scripts = [\"flaky\"] }\n",
    );
    let out = w
        .run(&["install"])
        .fails(1)
        .stderr_has("running postinstall of flaky 1.0.0")
        .stderr_has("the postinstall script of flaky 1.0.0 (node_modules/flaky) failed with exit status 3, so `npm:flaky` was not installed")
        .stderr_has("command: sh build.sh")
        .stderr_has("error: libfoo is not installed")
        .stderr_has("noise line 12\n")
        .stderr_has("remove \"flaky\" from `allow_scripts`");
    assert!(
        !out.stderr.contains("noise line 11\n"),
        "only the last lines: {}",
        out.stderr
    );
    assert!(w.store_entries().is_empty(), "{:?}", w.store_entries());
    assert!(w.staging_leftovers().is_empty());
    // The script's need met, the same pin installs.
    std::fs::write(user_home(&w).join("libfoo"), "").unwrap();
    w.run(&["install"])
        .ok()
        .stderr_has("installed npm:flaky 1.0.0 (1 package, ");
    w.run(&["exec", "--", "flaky"]).ok().stdout_has("built");
}

#[test]
fn a_lone_package_with_an_install_script_installs_without_it_and_says_how_to_allow_it() {
    let s = registry();
    let w = world(&s, "\"npm:flaky\" = \"1\"\n");
    w.run(&["install"])
        .ok()
        .stderr_has("npm:flaky 1.0.0 has an install script (postinstall), which devenv does not run unless the manifest allows it; it is installed without it")
        .stderr_has("add `allow_scripts = [\"flaky\"]` to its table in [tools]");
    // The script did not run: nothing it builds exists, and no marker.
    let tree = entry(&w, "flaky");
    assert!(!tree.join("built.txt").exists());
    assert!(w.run(&["exec", "--", "flaky"]).code != 0);
}

#[test]
fn a_lock_cannot_allow_scripts_the_manifest_does_not() {
    let s = registry();
    let w = world(&s, "\"npm:app\" = \"1\"\n");
    w.run(&["lock"]).ok();
    let honest = w.lockfile();
    // What a hostile change to the lock would do: allow `app`'s script,
    // with the store key derived as devenv derives it.
    let mut lock = devenv_model::lock::Lock::parse(&honest).unwrap();
    for artifact in lock
        .tools
        .get_mut("npm:app")
        .unwrap()
        .artifacts
        .values_mut()
    {
        artifact.allow_scripts = vec!["app".into()];
        artifact.key = artifact.derived_key("npm:app");
    }
    w.write("devenv.lock", lock.render());
    w.run(&["install", "--frozen"])
        .fails(1)
        .stderr_has("devenv.lock contradicts devenv.toml, so it was not used")
        .stderr_has("allows the install scripts of none, the lock allows app");
    assert!(w.store_entries().is_empty());
    w.run(&["install"])
        .ok()
        .stderr_has("allows the install scripts of none, the lock allows app");
    assert_eq!(w.lockfile(), honest);
    assert!(
        !entry(&w, "app")
            .join("node_modules/app/app-built.txt")
            .exists()
    );
    assert!(!user_home(&w).join("marker-app").exists());
}

#[test]
fn allow_scripts_outside_npm_or_of_the_wrong_shape_is_a_located_error() {
    let cases = [
        (
            "\"pypi:ruff\" = { version = \"0.7\", allow_scripts = [\"ruff\"] }",
            "allow_scripts",
            "`allow_scripts` only applies to npm packages, and `pypi:ruff` is not one",
        ),
        (
            "t = { version = \"1.0.0\", url = \"https://example.com/t.tgz\", allow_scripts = [\"t\"] }",
            "allow_scripts",
            "`allow_scripts` only applies to npm packages, and `t` is not one",
        ),
        (
            "ruff = { version = \"0.7\", allow_scripts = [\"ruff\"] }",
            "allow_scripts",
            "`allow_scripts` only applies to npm packages, and `ruff` comes from pypi",
        ),
        (
            "\"npm:app\" = { version = \"1\", allow_scripts = \"lib\" }",
            "\"lib\"",
            "`allow_scripts` must be an array of strings, not a string",
        ),
        (
            "\"npm:app\" = { version = \"1\", allow_scripts = [\"lib\", \"../../etc\"] }",
            "\"../../etc\"",
            "`../../etc` is not an npm package name",
        ),
    ];
    for (line, at, says) in cases {
        let w = World::new();
        w.manifest(&format!("[tools]\n{line}\n"));
        let column = line.find(at).unwrap() + 1;
        w.run(&["lock"])
            .fails(1)
            .stderr_has(&format!("devenv.toml:2:{column}"))
            .stderr_has(says);
    }
}

#[test]
fn a_catalog_entry_from_npm_takes_allow_scripts_too() {
    let s = registry();
    let w = world(
        &s,
        "myapp = { version = \"1\", allow_scripts = [\"lib\"] }\n\n[catalog.myapp]\nbackend = \"npm\"\npackage = \"app\"\n",
    );
    w.run(&["install"])
        .ok()
        .stderr_has("running postinstall of lib 1.0.0");
    w.run(&["exec", "--", "app"])
        .ok()
        .stdout_has("app 1.0.0: lib built by the host node (postinstall of lib@1.0.0)");
}

#[test]
fn an_install_script_that_leaves_a_fifo_fails_the_install_instead_of_hanging_it() {
    let s = registry();
    let scripts = r#""scripts": {"postinstall": "mkfifo pipe && echo built > built.txt"}"#;
    let bin = r#""bin": {"piper": "bin/piper.js"}"#;
    publish_npm(
        &s,
        "piper",
        &[(
            "1.0.0",
            &tarball(
                &format!(r#"{{"name": "piper", "version": "1.0.0", {bin}, {scripts}}}"#),
                &[(
                    "bin/piper.js",
                    "#!/usr/bin/env node\nconsole.log('piper');\n",
                )],
            ),
        )],
        &format!("{bin}, {scripts},"),
    );
    let w = world(
        &s,
        "\"npm:piper\" = { version = \"1\", allow_scripts = [\"piper\"] }\n",
    );
    let out = w.run_within(w.cmd(&["install"]), 60).fails(1);
    assert!(
        out.stderr.contains("`npm:piper` 1.0.0 was not installed")
            && out.stderr.contains("node_modules/piper/pipe is a FIFO")
            && out.stderr.contains("install script"),
        "{}",
        out.stderr
    );
    assert!(w.store_entries().is_empty(), "{:?}", w.store_entries());
    assert!(w.staging_leftovers().is_empty());
}
