//! Every archive format a URL tool may use installs and runs.

use crate::common;
use common::archives::{self, Entry};
use common::server::FixtureServer;
use common::{World, url_tool_manifest};

fn script(name: &str) -> Vec<u8> {
    format!("#!/bin/sh\necho {name} works\n").into_bytes()
}

fn check(file: &str, bytes: Vec<u8>) {
    let server = FixtureServer::start();
    let w = World::new();
    server.add(&format!("/{file}"), bytes.clone());
    w.manifest(&url_tool_manifest(
        "fmt",
        "1.0",
        &server.url(&format!("/{file}")),
        &bytes,
    ));
    w.run(&["exec", "--", "fmt"]).ok().stdout_has("fmt works");
}

fn entries() -> Vec<Entry> {
    vec![
        Entry::file("fmt-1.0/bin/fmt", &script("fmt"), 0o755),
        Entry::file("fmt-1.0/README", b"docs", 0o644),
    ]
}

#[test]
fn tar_gz() {
    check("fmt.tar.gz", archives::tar_gz(&entries()));
}

#[test]
fn tgz() {
    check("fmt.tgz", archives::tar_gz(&entries()));
}

#[test]
fn tar_xz() {
    check("fmt.tar.xz", archives::tar_xz(&entries()));
}

#[test]
fn tar_zst() {
    check("fmt.tar.zst", archives::tar_zst(&entries()));
}

#[test]
fn zip() {
    check("fmt.zip", archives::zip(&entries()));
}

#[test]
fn bare_executable() {
    check("fmt-linux-x86_64", script("fmt"));
}

#[test]
fn root_without_bin_dir_goes_on_path() {
    let server = FixtureServer::start();
    let w = World::new();
    let bytes = archives::tar_gz(&[
        Entry::file("rooty", &script("rooty"), 0o755),
        Entry::file("LICENSE", b"x", 0o644),
    ]);
    server.add("/rooty.tar.gz", bytes.clone());
    w.manifest(&url_tool_manifest(
        "rooty",
        "1.0",
        &server.url("/rooty.tar.gz"),
        &bytes,
    ));
    w.run(&["exec", "--", "rooty"])
        .ok()
        .stdout_has("rooty works");
}

#[test]
fn explicit_bin_dirs() {
    let server = FixtureServer::start();
    let w = World::new();
    let bytes = archives::tar_gz(&[Entry::file("x/libexec/tools/deep", &script("deep"), 0o755)]);
    server.add("/deep.tar.gz", bytes.clone());
    let m = url_tool_manifest("deep", "1.0", &server.url("/deep.tar.gz"), &bytes)
        .replace(" }\n", ", bin = [\"libexec/tools\"] }\n");
    w.manifest(&m);
    w.run(&["exec", "--", "deep"]).ok().stdout_has("deep works");
}
