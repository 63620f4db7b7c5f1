//! The npm backend end to end: a fixture registry on 127.0.0.1 serving
//! packuments in the real format, locked for several platforms, installed
//! and verified.

use crate::common;
use common::server::FixtureServer;
use common::{World, npm_tarball, publish_npm, sri_sha512};
use std::time::{Duration, Instant};

const THREE: &str = r#"
[settings]
platforms = ["linux-x86_64", "linux-aarch64", "macos-aarch64"]
"#;

fn registry_with_tool() -> FixtureServer {
    let s = FixtureServer::start();
    let v = |ver: &str| npm_tarball("fmt", ver);
    let (a, b, c, d) = (v("1.0.0"), v("1.1.0"), v("1.2.3"), v("2.0.0-beta.1"));
    publish_npm(
        &s,
        "fmt",
        &[
            ("1.0.0", &a),
            ("1.1.0", &b),
            ("1.2.3", &c),
            ("2.0.0-beta.1", &d),
        ],
        r#""bin": {"fmt": "./bin/fmt"},"#,
    );
    s
}

fn project(server: &FixtureServer, tools: &str) -> World {
    let w = World::new().with_env("DEVENV_NPM_REGISTRY", &server.base());
    w.manifest(&format!("[tools]\n{tools}\n{THREE}"));
    w
}

#[test]
fn locks_every_platform_with_integrity_and_bin_links() {
    let s = registry_with_tool();
    let p = project(&s, r#""npm:fmt" = "^1.1""#);
    p.run(&["lock"]).ok();
    let lock = p.lockfile();
    assert!(lock.contains("version = \"1.2.3\""), "{lock}");
    assert!(lock.contains("source = \"npm:fmt\""), "{lock}");
    for platform in ["linux-x86_64", "linux-aarch64", "macos-aarch64"] {
        assert!(
            lock.contains(&format!("[tools.\"npm:fmt\".artifacts.{platform}]")),
            "{lock}"
        );
    }
    let tarball = npm_tarball("fmt", "1.2.3");
    assert!(lock.contains(&sri_sha512(&tarball)), "{lock}");
    assert!(lock.contains(&s.url("/fmt/-/fmt-1.2.3.tgz")), "{lock}");
    assert!(lock.contains("bin = [\"fmt=bin/fmt\"]"), "{lock}");
}

#[test]
fn relocking_from_scratch_gives_the_same_bytes() {
    let s = registry_with_tool();
    let p = project(&s, r#""npm:fmt" = "1""#);
    p.run(&["lock"]).ok();
    let first = p.lockfile();
    std::fs::remove_file(p.project.join("devenv.lock")).unwrap();
    p.run(&["lock"]).ok();
    assert_eq!(p.lockfile(), first);
}

#[test]
fn platform_packages_are_pinned_per_platform() {
    let s = FixtureServer::start();
    for (os, arch) in [("linux", "x64"), ("linux", "arm64"), ("darwin", "arm64")] {
        let t = npm_tarball("bio", "1.9.4");
        publish_npm(
            &s,
            &format!("@fx/cli-{os}-{arch}"),
            &[("1.9.4", &t)],
            r#""os": ["x"], "cpu": ["y"],"#,
        );
    }
    let p = World::new().with_env("DEVENV_NPM_REGISTRY", &s.base());
    p.manifest(&format!(
        "[tools]\nbio = \"1.9\"\n\n[catalog.bio]\nbackend = \"npm\"\npackage = \"@fx/cli-{{os}}-{{arch}}\"\nbin = [\"bin\"]\n{THREE}"
    ));
    p.run(&["lock"]).ok();
    let lock = p.lockfile();
    assert!(
        lock.contains(&s.url("/@fx/cli-darwin-arm64/-/cli-darwin-arm64-1.9.4.tgz")),
        "{lock}"
    );
    assert!(
        lock.contains(&s.url("/@fx/cli-linux-arm64/-/cli-linux-arm64-1.9.4.tgz")),
        "{lock}"
    );
    assert!(
        lock.contains("source = \"npm:@fx/cli-{os}-{arch}\""),
        "{lock}"
    );
    assert_eq!(s.hits("/@fx%2fcli-linux-x64"), 1);
}

#[test]
fn a_platform_without_the_package_is_named() {
    let s = FixtureServer::start();
    let t = npm_tarball("bio", "1.0.0");
    publish_npm(&s, "bio-linux-x64", &[("1.0.0", &t)], "");
    publish_npm(&s, "bio-linux-arm64", &[("1.0.0", &t)], "");
    let p = World::new().with_env("DEVENV_NPM_REGISTRY", &s.base());
    p.manifest(&format!(
        "[tools]\nbio = \"1\"\n\n[catalog.bio]\nbackend = \"npm\"\npackage = \"bio-{{os}}-{{arch}}\"\n{THREE}"
    ));
    let err = p.run(&["lock"]).fails(1).stderr;
    assert!(err.contains("bio-darwin-arm64"), "{err}");
}

#[test]
fn a_registry_that_errors_is_reported_with_the_url() {
    let s = FixtureServer::start();
    s.add_with_status("/fmt", 500, "error 500");
    let p = project(&s, r#""npm:fmt" = "1""#);
    let err = p.run(&["lock"]).fails(1).stderr;
    assert!(err.contains(&s.url("/fmt")), "{err}");
    assert!(!p.project.join("devenv.lock").exists());
}

#[test]
fn a_registry_that_times_out_fails_in_bounded_time() {
    let s = FixtureServer::start();
    s.add("/fmt", "{}");
    s.delay("/fmt", Duration::from_secs(8));
    let p = project(&s, r#""npm:fmt" = "1""#).with_env("DEVENV_HTTP_TIMEOUT", "1");
    let started = Instant::now();
    let err = p.run(&["lock"]).fails(1).stderr;
    assert!(
        started.elapsed() < Duration::from_secs(7),
        "took {:?}",
        started.elapsed()
    );
    assert!(err.contains(&s.url("/fmt")), "{err}");
}

#[test]
fn a_tarball_that_does_not_match_its_integrity_is_not_installed() {
    let s = registry_with_tool();
    let p = project(&s, r#""npm:fmt" = "1.2.3""#).with_env("DEVENV_PLATFORM", "linux-x86_64");
    p.run(&["lock"]).ok();
    // The registry now serves other bytes than the ones locked.
    s.add("/fmt/-/fmt-1.2.3.tgz", npm_tarball("fmt", "6.6.6"));
    let err = p.run(&["install"]).fails(1).stderr;
    assert!(err.contains("does not match"), "{err}");
    assert!(
        err.contains(&sri_sha512(&npm_tarball("fmt", "1.2.3"))),
        "{err}"
    );
    assert!(p.store_entries().is_empty());
}

#[test]
fn an_installed_package_runs_through_its_bin_link() {
    let s = registry_with_tool();
    let p = project(&s, r#""npm:fmt" = "~1.1""#);
    let out = p.run(&["exec", "--", "fmt"]).ok().stdout;
    assert_eq!(out.trim(), "fmt 1.1.0");
}

#[test]
fn latest_follows_the_packages_own_latest_tag() {
    // Like yarn: 2.4.3 is published, but `latest` stays on 1.22.22.
    let server = FixtureServer::start();
    let bin = r#""bin": {"yarnish": "bin/yarnish"},"#;
    common::publish_npm(
        &server,
        "yarnish",
        &[
            ("2.4.3", &common::npm_tarball("yarnish", "2.4.3")),
            ("1.22.22", &common::npm_tarball("yarnish", "1.22.22")),
        ],
        bin,
    );
    let w = World::new().with_env("DEVENV_NPM_REGISTRY", &server.base());
    w.manifest("[tools]\n\"npm:yarnish\" = \"latest\"\n");
    w.run(&["lock"]).ok();
    assert!(
        w.lockfile().contains("version = \"1.22.22\""),
        "{}",
        w.lockfile()
    );
    // A range still means the highest version it allows.
    w.manifest("[tools]\n\"npm:yarnish\" = \">=1\"\n");
    w.run(&["lock"]).ok();
    assert!(
        w.lockfile().contains("version = \"2.4.3\""),
        "{}",
        w.lockfile()
    );
}
