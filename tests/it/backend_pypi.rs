//! The PyPI backend end to end: a fixture JSON API on 127.0.0.1 in the
//! real format, the best wheel per platform, sha256 pins, missing platforms.

use crate::common;
use common::archives::{Entry, zip};
use common::server::FixtureServer;
use common::{World, sha256_hex};

/// A wheel of `tool` `version` with `tool-<version>.data/scripts/tool`.
fn wheel(version: &str) -> Vec<u8> {
    let script = format!("#!/bin/sh\necho tool {version}\n");
    zip(&[
        Entry::file(
            &format!("tool-{version}.data/scripts/tool"),
            script.as_bytes(),
            0o755,
        ),
        Entry::file(
            &format!("tool-{version}.dist-info/WHEEL"),
            b"Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: py3-none-manylinux_2_17_x86_64\n",
            0o644,
        ),
    ])
}

/// Serves project `tool` with `releases` (version → wheel platform tags);
/// `relative` serves file URLs relative to the JSON, as some mirrors do.
fn serve(s: &FixtureServer, releases: &[(&str, &[&str])], relative: bool) {
    let mut entries = Vec::new();
    for (version, tags) in releases {
        let body = wheel(version);
        let mut files = vec![format!(
            r#"{{"filename": "tool-{version}.tar.gz", "packagetype": "sdist", "python_version": "source", "url": "{}", "digests": {{"sha256": "{}", "md5": "x", "blake2b_256": "y"}}, "yanked": false, "yanked_reason": null, "size": 10, "requires_python": null}}"#,
            s.url(&format!("/files/tool-{version}.tar.gz")),
            "0".repeat(64)
        )];
        for tag in *tags {
            let name = format!("tool-{version}-py3-none-{tag}.whl");
            let path = format!("/files/{name}");
            s.add(&path, body.clone());
            let url = if relative {
                format!("../../../files/{name}")
            } else {
                s.url(&path)
            };
            files.push(format!(
                r#"{{"filename": "{name}", "packagetype": "bdist_wheel", "python_version": "py3", "url": "{url}", "digests": {{"sha256": "{}", "md5": "x", "blake2b_256": "y"}}, "yanked": false, "yanked_reason": null, "size": {}, "upload_time_iso_8601": "2024-10-17T00:00:00.000000Z"}}"#,
                sha256_hex(&body),
                body.len()
            ));
        }
        entries.push(format!(r#""{version}": [{}]"#, files.join(",")));
    }
    let latest = releases.last().map_or("", |r| r.0);
    s.add(
        "/pypi/tool/json",
        format!(
            r#"{{"info": {{"name": "tool", "version": "{latest}", "summary": "A tool", "requires_python": ">=3.7"}}, "last_serial": 42, "releases": {{{}}}, "urls": [], "vulnerabilities": []}}"#,
            entries.join(",")
        ),
    );
    // As PyPI serves its JSON API: gzip when accepted, streamed in chunks.
    s.gzip("/pypi/tool/json");
    s.chunked("/pypi/tool/json");
}

const ALL_LINUX_MAC: &[&str] = &[
    "manylinux_2_17_x86_64.manylinux2014_x86_64",
    "manylinux_2_17_aarch64.manylinux2014_aarch64",
    "musllinux_1_2_x86_64",
    "macosx_10_12_x86_64",
    "macosx_11_0_arm64",
    "win_amd64",
];

fn project(s: &FixtureServer, tools: &str) -> World {
    let w = World::new().with_env("DEVENV_PYPI_URL", &s.base());
    w.manifest(&format!(
        "[tools]\n{tools}\n\n[settings]\nplatforms = [\"linux-x86_64\", \"linux-aarch64\", \"macos-aarch64\"]\n"
    ));
    w
}

#[test]
fn pins_the_best_wheel_for_every_platform() {
    let s = FixtureServer::start();
    serve(
        &s,
        &[
            ("0.6.9", ALL_LINUX_MAC),
            ("0.7.0", ALL_LINUX_MAC),
            ("0.7.4", ALL_LINUX_MAC),
            ("0.8.0a1", ALL_LINUX_MAC),
        ],
        false,
    );
    let p = project(&s, r#""pypi:tool" = "~0.7""#);
    p.run(&["lock"]).ok();
    let lock = p.lockfile();
    assert!(lock.contains("version = \"0.7.4\""), "{lock}");
    assert!(
        lock.contains(
            &s.url("/files/tool-0.7.4-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl")
        ),
        "{lock}"
    );
    assert!(
        lock.contains(
            &s.url("/files/tool-0.7.4-py3-none-manylinux_2_17_aarch64.manylinux2014_aarch64.whl")
        ),
        "{lock}"
    );
    assert!(
        lock.contains(&s.url("/files/tool-0.7.4-py3-none-macosx_11_0_arm64.whl")),
        "{lock}"
    );
    assert!(
        lock.contains(&format!("sha256:{}", sha256_hex(&wheel("0.7.4")))),
        "{lock}"
    );
    assert!(
        lock.contains("bin = [\"tool-0.7.4.data/scripts\"]"),
        "{lock}"
    );
    assert!(lock.contains("format = \"zip\""), "{lock}");
}

#[test]
fn relative_file_urls_are_resolved_against_the_api() {
    let s = FixtureServer::start();
    serve(&s, &[("1.0.0", ALL_LINUX_MAC)], true);
    let p = project(&s, r#""pypi:tool" = "latest""#);
    p.run(&["lock"]).ok();
    assert!(
        p.lockfile()
            .contains(&s.url("/files/tool-1.0.0-py3-none-macosx_11_0_arm64.whl")),
        "{}",
        p.lockfile()
    );
}

#[test]
fn a_platform_without_a_wheel_is_named() {
    let s = FixtureServer::start();
    serve(
        &s,
        &[("1.0.0", &["manylinux_2_17_x86_64", "macosx_11_0_arm64"])],
        false,
    );
    let p = project(&s, r#""pypi:tool" = "1""#);
    let err = p.run(&["lock"]).fails(1).stderr;
    assert!(err.contains("no binary wheel for linux-aarch64"), "{err}");
    assert!(
        err.contains("tool-1.0.0-py3-none-manylinux_2_17_x86_64.whl"),
        "{err}"
    );
}

#[test]
fn catalog_entries_can_name_bin_paths_inside_the_wheel() {
    let s = FixtureServer::start();
    serve(&s, &[("0.13.0", ALL_LINUX_MAC)], false);
    let p = World::new().with_env("DEVENV_PYPI_URL", &s.base());
    p.manifest(
        "[tools]\nzag = \"0.13\"\n\n[catalog.zag]\nbackend = \"pypi\"\npackage = \"tool\"\nbin = [\"zag=tool-0.13.0.data/scripts/tool\"]\n",
    );
    p.run(&["lock"]).ok();
    assert!(
        p.lockfile()
            .contains("bin = [\"zag=tool-0.13.0.data/scripts/tool\"]"),
        "{}",
        p.lockfile()
    );
}

#[test]
fn an_unknown_project_is_reported() {
    let s = FixtureServer::start();
    let p = project(&s, r#""pypi:nothing" = "1""#);
    let err = p.run(&["lock"]).fails(1).stderr;
    assert!(err.contains("pypi:nothing") && err.contains("404"), "{err}");
}

#[test]
fn an_installed_wheel_runs_its_script() {
    let s = FixtureServer::start();
    serve(
        &s,
        &[("0.7.0", ALL_LINUX_MAC), ("0.7.4", ALL_LINUX_MAC)],
        false,
    );
    let p = project(&s, r#""pypi:tool" = "0.7.0""#).with_env("DEVENV_PLATFORM", "linux-x86_64");
    assert_eq!(
        p.run(&["exec", "--", "tool"]).ok().stdout.trim(),
        "tool 0.7.0"
    );
}
