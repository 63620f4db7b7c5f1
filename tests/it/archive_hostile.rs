//! Invariant 3, end to end: hostile archives are refused before anything
//! is committed, and nothing is written outside the staging directory.

use crate::common;
use common::archives::{self, Entry};
use common::server::FixtureServer;
use common::{World, url_tool_manifest};
use std::os::unix::fs::PermissionsExt;

fn install_archive(name: &str, bytes: Vec<u8>) -> (World, common::Output) {
    let server = FixtureServer::start();
    let w = World::new();
    server.add(&format!("/{name}.tar.gz"), bytes.clone());
    w.manifest(&url_tool_manifest(
        name,
        "1.0",
        &server.url(&format!("/{name}.tar.gz")),
        &bytes,
    ));
    let out = w.run(&["install"]);
    (w, out)
}

fn refused(name: &str, entries: &[Entry], reason: &str) {
    assert!(
        !reason.is_empty(),
        "name the reason the archive is refused for"
    );
    let (w, out) = install_archive(name, archives::tar_gz(entries));
    let out = out.fails(1);
    assert!(out.stderr.contains(reason), "{}", out.stderr);
    assert!(
        w.store_entries().is_empty(),
        "a hostile entry was committed"
    );
    assert!(w.staging_leftovers().is_empty());
    assert!(
        !w.root.join("escaped").exists(),
        "a file escaped the staging directory"
    );
}

#[test]
fn parent_paths_are_refused() {
    refused(
        "dotdot",
        &[
            Entry::file("pkg/bin/ok", b"x", 0o755),
            Entry::file("../../../escaped", b"pwned", 0o644),
        ],
        "escapes",
    );
}

#[test]
fn absolute_paths_are_refused() {
    refused(
        "abs",
        &[Entry::file("/tmp/devenv-escaped-abs", b"pwned", 0o644)],
        "archive entry \"/tmp/devenv-escaped-abs\" has an absolute path; refusing to install it",
    );
    assert!(!std::path::Path::new("/tmp/devenv-escaped-abs").exists());
}

#[test]
fn symlinks_pointing_outside_are_refused() {
    refused(
        "symout",
        &[Entry::Symlink {
            path: "pkg/link".into(),
            target: "../../../../escaped".into(),
        }],
        "archive entry \"pkg/link\" is a symlink that points outside the extraction directory (\"../../../../escaped\")",
    );
    refused(
        "symabs",
        &[Entry::Symlink {
            path: "pkg/link".into(),
            target: "/etc/passwd".into(),
        }],
        "archive entry \"pkg/link\" is a symlink to an absolute path (\"/etc/passwd\")",
    );
}

#[test]
fn hardlinks_pointing_outside_are_refused() {
    refused(
        "hardout",
        &[Entry::Hardlink {
            path: "pkg/link".into(),
            target: "/etc/passwd".into(),
        }],
        "archive entry \"pkg/link\" is a hard link to \"/etc/passwd\", which is not an earlier file of the archive",
    );
}

#[test]
fn device_files_are_refused() {
    refused(
        "dev",
        &[Entry::CharDevice {
            path: "pkg/null".into(),
        }],
        "archive entry \"pkg/null\" is a character device; refusing to install it",
    );
}

#[test]
fn setuid_bits_are_stripped() {
    let (w, out) = install_archive(
        "suid",
        archives::tar_gz(&[Entry::file(
            "suid-1/bin/suid",
            b"#!/bin/sh\necho ok\n",
            0o4755,
        )]),
    );
    out.ok();
    let entry = &w.store_entries()[0];
    let mode = std::fs::metadata(entry.join("bin/suid"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o7000, 0, "setuid survived: {mode:o}");
    assert_eq!(mode & 0o111, 0o111);
}
