//! The transport as real registries use it: JSON gzip-encoded and sent in
//! chunks, downloads redirected to a CDN, rate limits (429 with
//! Retry-After), and a 404 that means "no such project" told apart from
//! other failures by its status.

use crate::common;
use common::server::FixtureServer;
use common::{World, tool_tar_gz, url_tool_manifest};

#[test]
fn a_download_redirected_to_a_cdn_and_sent_in_chunks_installs_verified() {
    let server = FixtureServer::start();
    let bytes = tool_tar_gz("cdn", "1.0");
    server.add("/cdn/cdn-1.0.tar.gz", bytes.clone());
    server.chunked("/cdn/cdn-1.0.tar.gz");
    // Marked gzip too: devenv asks for the exact bytes (identity), so a
    // server honouring Accept-Encoding sends them as they are.
    server.gzip("/cdn/cdn-1.0.tar.gz");
    server.redirect(
        "/releases/download/cdn-1.0.tar.gz",
        302,
        "/cdn/cdn-1.0.tar.gz",
    );
    let w = World::new();
    w.manifest(&url_tool_manifest(
        "cdn",
        "1.0",
        &server.url("/releases/download/cdn-1.0.tar.gz"),
        &bytes,
    ));
    w.run(&["install"]).ok();
    assert_eq!(server.hits("/cdn/cdn-1.0.tar.gz"), 1);
    assert_eq!(
        server
            .last_header("/cdn/cdn-1.0.tar.gz", "accept-encoding")
            .as_deref(),
        Some("identity")
    );
    w.run(&["exec", "--", "cdn"]).ok().stdout_has("cdn 1.0");
}

/// A PyPI project `tool` with one manylinux/macOS wheel per platform.
fn pypi(server: &FixtureServer) {
    let wheel = common::archives::zip(&[common::archives::Entry::file(
        "tool-1.0.data/scripts/tool",
        b"#!/bin/sh\necho tool 1.0\n",
        0o755,
    )]);
    let mut files = Vec::new();
    for tag in [
        "manylinux_2_17_x86_64",
        "manylinux_2_17_aarch64",
        "macosx_11_0_arm64",
    ] {
        let name = format!("tool-1.0-py3-none-{tag}.whl");
        server.add(&format!("/files/{name}"), wheel.clone());
        files.push(format!(
            r#"{{"filename": "{name}", "packagetype": "bdist_wheel", "python_version": "py3", "url": "{}", "digests": {{"sha256": "{}"}}, "yanked": false, "size": {}}}"#,
            server.url(&format!("/files/{name}")),
            common::sha256_hex(&wheel),
            wheel.len()
        ));
    }
    server.add(
        "/pypi/tool/json",
        format!(
            r#"{{"info": {{"name": "tool", "version": "1.0", "summary": "A tool"}}, "releases": {{"1.0": [{}]}}, "urls": []}}"#,
            files.join(",")
        ),
    );
    server.gzip("/pypi/tool/json");
}

fn pypi_project(server: &FixtureServer) -> World {
    let w = World::new()
        .with_env("DEVENV_PYPI_URL", &server.base())
        .with_env("DEVENV_HTTP_BACKOFF_MS", "1");
    w.manifest("[tools]\n\"pypi:tool\" = \"1\"\n");
    w
}

#[test]
fn a_rate_limited_registry_is_retried_when_its_retry_after_says() {
    let server = FixtureServer::start();
    pypi(&server);
    // Seconds, then an HTTP date (already past: retry at once).
    server.throttle("/pypi/tool/json", 1, Some("1"));
    let w = pypi_project(&server);
    w.run(&["lock"]).ok().stderr_has(
        "the server answered 429 Too Many Requests; retrying in 1 s as it asks (Retry-After)",
    );
    assert_eq!(server.hits("/pypi/tool/json"), 2);
    std::fs::remove_file(w.project.join("devenv.lock")).unwrap();
    let past =
        httpdate::fmt_http_date(std::time::SystemTime::now() - std::time::Duration::from_secs(30));
    server.throttle("/pypi/tool/json", 1, Some(&past));
    w.run(&["lock"])
        .ok()
        .stderr_has("retrying in 0 s as it asks");
    // 408 Request Timeout is "try again" as well, with the usual backoff.
    std::fs::remove_file(w.project.join("devenv.lock")).unwrap();
    server.fail_times("/pypi/tool/json", 1, 408);
    w.run(&["lock"]).ok();
    assert_eq!(server.hits("/pypi/tool/json"), 6);
}

#[test]
fn a_registry_that_keeps_rate_limiting_fails_after_the_retries() {
    let server = FixtureServer::start();
    pypi(&server);
    server.throttle("/pypi/tool/json", 100, Some("0"));
    let w = pypi_project(&server).with_env("DEVENV_HTTP_RETRIES", "2");
    w.run(&["lock"])
        .fails(1)
        .stderr_has("the server answered 429 Too Many Requests (after 2 retries)");
    assert_eq!(server.hits("/pypi/tool/json"), 3);
}

#[test]
fn pypi_no_such_project_is_the_404_status_and_other_failures_are_reported() {
    let server = FixtureServer::start();
    // A project name holding "404", answered with a server error: the
    // failure is reported, never taken for "no such project".
    server.add_with_status("/pypi/x404/json", 500, "broken\n");
    let w = World::new()
        .with_env("DEVENV_PYPI_URL", &server.base())
        .with_env("DEVENV_NPM_REGISTRY", &server.base())
        .with_env("DEVENV_HTTP_RETRIES", "0");
    w.manifest("[tools]\n");
    w.run(&["search", "x404"])
        .ok()
        .stderr_has("PyPI lookup failed")
        .stderr_has("500 Internal Server Error");
    // A real 404 is an answer: nothing on PyPI, and no warning about it.
    let out = w.run(&["search", "nothing"]).ok();
    assert!(!out.stderr.contains("PyPI lookup failed"), "{}", out.stderr);
    assert_eq!(server.hits("/pypi/nothing/json"), 1);
}
