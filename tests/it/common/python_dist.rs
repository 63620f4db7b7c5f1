//! A python-build-standalone mirror on 127.0.0.1: uv's
//! `download-metadata.json` and `install_only_stripped` archives laid out
//! like the real ones (`python/bin/python3.12`, a `python3` link,
//! `python/lib/...`). The interpreter in them runs this machine's python3
//! with `FIXTURE_CPYTHON` set to the version it stands for, so a test can
//! tell that the store's interpreter, not the host's, ran a program.

use super::archives::{Entry, tar_gz};
use super::server::FixtureServer;
use super::sha256_hex;

/// The host interpreter's real path. Missing is a failure (`.ci/run`).
pub(crate) fn host_python() -> String {
    let out = std::process::Command::new("python3")
        .args(["-c", "import sys; print(sys.executable)"])
        .output()
        .expect("python3 must be installed for these tests (.ci/run)");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// An `install_only` archive of CPython `version` whose interpreter runs the host's.
pub(crate) fn archive(version: &str) -> Vec<u8> {
    let minor = version.rsplit_once('.').unwrap().0;
    let host = host_python();
    tar_gz(&[
        Entry::file(
            &format!("python/bin/python{minor}"),
            format!("#!/bin/sh\nFIXTURE_CPYTHON={version} exec {host} \"$@\"\n").as_bytes(),
            0o755,
        ),
        Entry::symlink("python/bin/python3", &format!("python{minor}")),
        Entry::file(
            "python/bin/pip3",
            format!("#!/bin/sh\nexec {host} -m pip \"$@\"\n").as_bytes(),
            0o755,
        ),
        Entry::file(
            &format!("python/lib/python{minor}/os.py"),
            b"# the standard library\n",
            0o644,
        ),
    ])
}

pub(crate) const BUILD: &str = "20241016";

/// Serves a python-build-standalone mirror: the index and one archive per
/// platform (also a musl, a v3 and a free-threaded build, never to be
/// pinned), as uv's download-metadata.json lists them.
pub(crate) fn serve(s: &FixtureServer, versions: &[&str]) {
    let upstream = "https://github.com/astral-sh/python-build-standalone/releases/download";
    let mut entries = Vec::new();
    for version in versions {
        let (major_minor, patch) = version.rsplit_once('.').unwrap();
        let (major, minor) = major_minor.split_once('.').unwrap();
        let body = archive(version);
        for (key, os, arch, arch_variant, libc, triple, variant) in [
            (
                "linux-x86_64-gnu",
                "linux",
                "x86_64",
                "null",
                "gnu",
                "x86_64-unknown-linux-gnu",
                "null",
            ),
            (
                "linux-x86_64_v3-gnu",
                "linux",
                "x86_64",
                "\"v3\"",
                "gnu",
                "x86_64_v3-unknown-linux-gnu",
                "null",
            ),
            (
                "linux-x86_64-musl",
                "linux",
                "x86_64",
                "null",
                "musl",
                "x86_64-unknown-linux-musl",
                "null",
            ),
            (
                "+freethreaded-linux-x86_64-gnu",
                "linux",
                "x86_64",
                "null",
                "gnu",
                "x86_64-unknown-linux-gnu-freethreaded",
                "\"freethreaded\"",
            ),
            (
                "linux-aarch64-gnu",
                "linux",
                "aarch64",
                "null",
                "gnu",
                "aarch64-unknown-linux-gnu",
                "null",
            ),
            (
                "darwin-aarch64-none",
                "darwin",
                "aarch64",
                "null",
                "none",
                "aarch64-apple-darwin",
                "null",
            ),
        ] {
            let key = match key.strip_prefix('+') {
                Some(rest) => format!("cpython-{version}+{rest}"),
                None => format!("cpython-{version}-{key}"),
            };
            let file = format!("cpython-{version}%2B{BUILD}-{triple}-install_only_stripped.tar.gz");
            // Only the builds devenv should pick are served with the right bytes.
            let served = if arch_variant == "null" && libc != "musl" && variant == "null" {
                body.clone()
            } else {
                b"not the build to pin".to_vec()
            };
            s.add(&format!("/{BUILD}/{file}"), served.clone());
            entries.push(format!(
                r#""{key}": {{"name": "cpython", "arch": {{"family": "{arch}", "variant": {arch_variant}}}, "os": "{os}", "libc": "{libc}", "major": {major}, "minor": {minor}, "patch": {patch}, "prerelease": "", "url": "{upstream}/{BUILD}/{file}", "sha256": "{}", "variant": {variant}, "build": "{BUILD}"}}"#,
                sha256_hex(&served)
            ));
        }
    }
    s.add(
        "/download-metadata.json",
        format!("{{\n{}\n}}", entries.join(",\n")),
    );
}
