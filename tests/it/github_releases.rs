//! The `github:` backend against a fixture API: pagination, tokens, rate
//! limits, asset templates, where digests come from, and what a user is
//! told when the server is out of reach or an option does not apply.

use crate::common;
use common::World;
use common::archives::{Entry, tar_gz};
use common::github::release;
use common::server::FixtureServer;

#[test]
fn github_releases_paginate_and_the_token_goes_to_the_api_only() {
    let s = FixtureServer::start();
    let repo = "acme/tool";
    let new = release(
        &s,
        repo,
        "v2.0.0",
        &[(
            "tool-linux-amd64.tar.gz",
            tar_gz(&[Entry::file("tool", b"#!/bin/sh\necho new\n", 0o755)]),
        )],
        true,
    );
    let old = release(
        &s,
        repo,
        "v1.4.0",
        &[(
            "tool_1.4.0_Linux_x86_64.tar.gz",
            tar_gz(&[Entry::file("tool", b"#!/bin/sh\necho old\n", 0o755)]),
        )],
        false,
    );
    let next = s.url("/api/repositories/42/releases?per_page=100&page=2");
    s.add_with_headers(
        &format!("/api/repos/{repo}/releases?per_page=100"),
        200,
        &[(
            "Link",
            &format!("<{next}>; rel=\"next\", <{next}>; rel=\"last\""),
        )],
        format!("[{new}]"),
    );
    s.add(
        "/api/repositories/42/releases?per_page=100&page=2",
        format!("[{old}]"),
    );
    let w = World::new()
        .with_env("DEVENV_GITHUB_API", &s.url("/api"))
        .with_env("GITHUB_TOKEN", "ghp_secret123")
        .with_env("DEVENV_PLATFORM", "linux-x86_64");
    w.manifest("[tools]\n\"github:acme/tool\" = \"1\"\n");
    let out = w.run(&["lock"]).ok();
    assert!(!out.stderr.contains("ghp_secret123"), "{}", out.stderr);
    let lock = w.lockfile();
    assert!(lock.contains("version = \"1.4.0\""), "{lock}");
    assert!(lock.contains("tool_1.4.0_Linux_x86_64.tar.gz"), "{lock}");
    // No checksum file and no API digest: trusted on first use, and said so.
    assert!(
        lock.contains("digest_from = \"trust on first use\""),
        "{lock}"
    );
    out.stderr_has("trusted on first use");
    assert_eq!(
        s.last_header(&format!("/api/repos/{repo}/releases"), "authorization")
            .as_deref(),
        Some("Bearer ghp_secret123")
    );
    assert_eq!(
        s.last_header(
            "/dl/acme/tool/v1.4.0/tool_1.4.0_Linux_x86_64.tar.gz",
            "authorization"
        ),
        None
    );
    // The newest release carries the API's digest; an `asset` template picks by name.
    w.manifest("[tools]\n\"github:acme/tool\" = { version = \"2\", asset = \"tool-{os}-{arch}.tar.gz\" }\n");
    w.run(&["lock"]).ok();
    let lock = w.lockfile();
    assert!(
        lock.contains("digest_from = \"release API digest\""),
        "{lock}"
    );
    w.run(&["exec", "--", "tool"]).ok().stdout_has("new");
    // An asset template that matches nothing lists what there is.
    w.manifest(
        "[tools]\n\"github:acme/tool\" = { version = \"2\", asset = \"tool-{version}.zip\" }\n",
    );
    w.run(&["lock"])
        .fails(1)
        .stderr_has("no asset of acme/tool 2.0.0 (v2.0.0) matches `asset = \"tool-{version}.zip\"` for linux-x86_64; its assets are tool-linux-amd64.tar.gz");
}

#[test]
fn a_rate_limited_api_says_when_it_resets_and_how_to_add_a_token() {
    let s = FixtureServer::start();
    s.add_with_headers(
        "/api/repos/cli/cli/releases?per_page=100",
        403,
        &[
            ("X-RateLimit-Limit", "60"),
            ("X-RateLimit-Remaining", "0"),
            ("X-RateLimit-Reset", "4102444800"),
        ],
        r#"{"message":"API rate limit exceeded for 127.0.0.1. (But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.)","documentation_url":"https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"}"#,
    );
    let w = World::new().with_env("DEVENV_GITHUB_API", &s.url("/api"));
    w.manifest("[tools]\n\"github:cli/cli\" = \"2\"\n");
    w.run(&["lock"])
        .fails(1)
        .stderr_has("GitHub's API rate limit is used up (60 requests an hour); it resets at 2100-01-01T00:00:00Z")
        .stderr_has("set GITHUB_TOKEN (or GH_TOKEN)");
    w.manifest("[tools]\n\"github:nobody/nothing\" = \"2\"\n");
    w.run(&["lock"])
        .fails(1)
        .stderr_has("GitHub has no repository `nobody/nothing`");
    w.manifest("[tools]\n\"github:not-a-repo\" = \"2\"\n");
    w.run(&["lock"])
        .fails(1)
        .stderr_has("write it as `owner/name`");
}

#[test]
fn unreachable_servers_and_misplaced_options_are_explained() {
    let s = FixtureServer::start();
    let closed = s.base();
    s.stop();
    let w = World::new().with_env("DEVENV_GITHUB_API", &closed);
    w.manifest("[tools]\n\"github:cli/cli\" = \"2\"\n");
    w.run(&["lock"])
        .fails(1)
        .stderr_has("point DEVENV_GITHUB_API (or `[settings] mirrors`) at a mirror");
    w.manifest("[tools]\nterraform = { version = \"1\", asset = \"x\" }\n");
    w.run(&["lock"])
        .fails(1)
        .stderr_has("`asset` only applies to tools from the `github` backend, and `terraform` comes from hashicorp:terraform");
    w.manifest("[tools]\nnode = { version = \"22\", components = [\"clippy\"] }\n");
    w.run(&["lock"])
        .fails(1)
        .stderr_has("`components` only applies to tools from the `rust-dist` backend");
    w.manifest("[tools]\nrust = { version = \"1.83\", targets = [\"../x\"] }\n");
    w.run(&["lock"])
        .fails(1)
        .stderr_has("`../x` is not a target name");
}

/// Issue 28 item 3: a release that offers macOS only as an installer
/// (`.pkg`, `.dmg`) cannot be locked for macOS, and the user is told why
/// and what to do instead; Linux still locks from the same release.
#[test]
fn a_macos_installer_is_refused_by_name() {
    let s = FixtureServer::start();
    let repo = "acme/gui";
    let tool = tar_gz(&[Entry::file("gui", b"#!/bin/sh\necho gui\n", 0o755)]);
    let rel = release(
        &s,
        repo,
        "v3.1.0",
        &[
            ("gui-3.1.0-linux-x86_64.tar.gz", tool),
            ("gui-3.1.0-darwin-arm64.pkg", b"xar!".to_vec()),
        ],
        true,
    );
    s.add(
        &format!("/api/repos/{repo}/releases?per_page=100"),
        format!("[{rel}]"),
    );
    let w = World::new()
        .with_env("DEVENV_GITHUB_API", &s.url("/api"))
        .with_env("DEVENV_PLATFORM", "linux-x86_64");
    w.manifest(
        "[tools]\n\"github:acme/gui\" = \"3\"\n[settings]\nplatforms = [\"linux-x86_64\", \"macos-aarch64\"]\n",
    );
    w.run(&["lock"]).fails(1).stderr_has(
        "acme/gui 3.1.0 publishes only a macOS installer for macos-aarch64 (`gui-3.1.0-darwin-arm64.pkg`), and devenv does not run installers",
    );
    w.manifest(
        "[tools]\n\"github:acme/gui\" = \"3\"\n[settings]\nplatforms = [\"linux-x86_64\"]\n",
    );
    w.run(&["lock"]).ok();
    w.run(&["exec", "--", "gui"]).ok().stdout_has("gui");
}
