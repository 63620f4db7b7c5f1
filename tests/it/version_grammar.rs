//! The version grammar, end to end: each way of writing a version, locked
//! against a fixture npm registry (semver) and PyPI project (PEP 440).

use crate::common;
use common::archives::{Entry, zip};
use common::server::FixtureServer;
use common::{World, npm_tarball, publish_npm, sha256_hex};

const NPM_VERSIONS: &[&str] = &[
    "1.0.0",
    "1.9.0",
    "1.10.2",
    "2.0.0",
    "2.1.0",
    "3.0.0-rc.1",
    "10.0.0",
];

fn npm_registry() -> FixtureServer {
    let s = FixtureServer::start();
    let tarballs: Vec<(String, Vec<u8>)> = NPM_VERSIONS
        .iter()
        .map(|v| (v.to_string(), npm_tarball("t", v)))
        .collect();
    let refs: Vec<(&str, &[u8])> = tarballs
        .iter()
        .map(|(v, b)| (v.as_str(), b.as_slice()))
        .collect();
    publish_npm(&s, "t", &refs, r#""bin": {"t": "bin/t"},"#);
    s
}

fn locked(p: &World, constraint: &str) -> Result<String, String> {
    p.manifest(&format!("[tools]\n\"npm:t\" = \"{constraint}\"\n"));
    let out = p.run(&["lock"]);
    if out.code != 0 {
        return Err(out.stderr);
    }
    let lock = p.lockfile();
    let line = lock
        .lines()
        .find(|l| l.starts_with("version = \""))
        .unwrap();
    Ok(line
        .trim_start_matches("version = \"")
        .trim_end_matches('"')
        .to_string())
}

#[test]
fn every_form_of_the_grammar_on_npm() {
    let s = npm_registry();
    let p = World::new().with_env("DEVENV_NPM_REGISTRY", &s.base());
    for (constraint, expected) in [
        ("1.9.0", "1.9.0"),
        ("1", "1.10.2"),
        ("1.9", "1.9.0"),
        ("^1.9", "1.10.2"),
        ("~1.9", "1.9.0"),
        (">=1.10,<2.1", "2.0.0"),
        ("2.*", "2.1.0"),
        ("latest", "10.0.0"),
        ("3.0.0-rc.1", "3.0.0-rc.1"),
        ("^3.0.0-rc.0", "3.0.0-rc.1"),
    ] {
        assert_eq!(
            locked(&p, constraint).as_deref(),
            Ok(expected),
            "{constraint}"
        );
    }
}

#[test]
fn prereleases_are_not_chosen_unless_named() {
    let s = npm_registry();
    let p = World::new().with_env("DEVENV_NPM_REGISTRY", &s.base());
    let err = locked(&p, "3").unwrap_err();
    assert!(err.contains("no version matches `3`"), "{err}");
    assert!(
        err.contains("nearest available: 1.0.0, 1.9.0, 1.10.2, 2.0.0, 2.1.0, 10.0.0"),
        "{err}"
    );
}

#[test]
fn lts_is_only_for_sources_that_mark_it() {
    let s = npm_registry();
    let p = World::new().with_env("DEVENV_NPM_REGISTRY", &s.base());
    let err = locked(&p, "lts").unwrap_err();
    assert!(err.contains("node-dist"), "{err}");
}

#[test]
fn nonsense_constraints_are_refused_with_the_grammar() {
    let p = World::new();
    for bad in ["~=", ">=banana"] {
        let err = locked(&p, bad).unwrap_err();
        assert!(err.contains("^3.1"), "{bad}: {err}");
    }
}

#[test]
fn pypi_versions_follow_pep_440() {
    let s = FixtureServer::start();
    let versions = [
        "0.9.0",
        "0.10.0",
        "1.0.0rc1",
        "1.0.0",
        "1.0.0.post1",
        "1.1.0.dev3",
    ];
    let releases: Vec<String> = versions
        .iter()
        .map(|v| {
            // As real wheels do, each keeps its scripts in `{dist}-{version}.data`.
            let body = zip(&[Entry::file(&format!("t-{v}.data/scripts/t"), b"#!/bin/sh\n", 0o755)]);
            let name = format!("t-{v}-py3-none-manylinux_2_17_x86_64.whl");
            s.add(&format!("/f/{name}"), body.clone());
            format!(
                r#""{v}": [{{"filename": "{name}", "packagetype": "bdist_wheel", "url": "{}", "digests": {{"sha256": "{}"}}, "yanked": false}}]"#,
                s.url(&format!("/f/{name}")),
                sha256_hex(&body)
            )
        })
        .collect();
    s.add(
        "/pypi/t/json",
        format!(r#"{{"info": {{"name": "t", "version": "1.0.0.post1"}}, "releases": {{{}}}, "urls": []}}"#, releases.join(",")),
    );
    let p = World::new()
        .with_env("DEVENV_PYPI_URL", &s.base())
        .with_env("DEVENV_PLATFORM", "linux-x86_64");
    for (constraint, expected) in [
        ("latest", "1.0.0.post1"),
        ("0", "0.10.0"),
        ("~0.9", "0.9.0"),
        ("1.0.0rc1", "1.0.0rc1"),
        (">=1.1.0.dev0", "1.1.0.dev3"),
        ("1.0.0", "1.0.0"),
    ] {
        p.manifest(&format!("[tools]\n\"pypi:t\" = \"{constraint}\"\n"));
        p.run(&["lock"]).ok();
        assert!(
            p.lockfile().contains(&format!("version = \"{expected}\"")),
            "{constraint}: {}",
            p.lockfile()
        );
    }
}
