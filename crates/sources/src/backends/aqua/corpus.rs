//! The registry's own test list: every (package, version) pair that
//! aqua-registry's CI installs, resolved for four platforms with no
//! network. Each must give a download or a reason its definition states;
//! none may fail to parse or evaluate.

use super::resolve::{Nothing, resolve};
use devenv_model::aqua::Registry;
use devenv_model::platform::Platform;
use std::collections::BTreeMap;

#[derive(serde::Deserialize)]
struct Pair {
    package: String,
    version: String,
}

const PLATFORMS: [&str; 4] = [
    "linux-x86_64",
    "linux-aarch64",
    "macos-aarch64",
    "macos-x86_64",
];

#[test]
fn the_registry_test_list_resolves_on_four_platforms() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/aqua-registry");
    let path = dir.join("test-versions.json");
    if !path.is_file() {
        let required =
            devenv_model::config::outer_var("DEVENV_TEST_REQUIRE_ALL").is_some_and(|v| v == "1");
        assert!(
            !required,
            "DEVENV_TEST_REQUIRE_ALL=1 but {} is absent",
            path.display()
        );
        eprintln!("skipped: {} is absent", path.display());
        return;
    }
    let pairs: Vec<Pair> = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let registry = Registry::builtin();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let mut invalid = Vec::new();
    let mut unknown = Vec::new();
    let mut by_checksum: BTreeMap<String, usize> = BTreeMap::new();
    for pair in &pairs {
        // The list was made from `name@version` strings split at their
        // last `@`, which tags with an `@` of their own (`@biomejs/biome@2.5.10`)
        // do not survive: rejoined and split at the first `@` after the name.
        let (name, version) = match pair.package.split_once('@') {
            Some((name, rest)) if rest.is_empty() || rest.starts_with('@') => (
                name.to_string(),
                format!(
                    "@{}{}",
                    rest.trim_start_matches('@'),
                    if rest.is_empty() {
                        pair.version.clone()
                    } else {
                        format!("@{}", pair.version)
                    }
                ),
            ),
            Some((name, _)) => (name.to_string(), pair.version.clone()),
            None => (pair.package.clone(), pair.version.clone()),
        };
        let pair = Pair {
            package: name,
            version,
        };
        let Some(pkg) = registry.find(&pair.package) else {
            unknown.push(pair.package.clone());
            continue;
        };
        for plat in PLATFORMS {
            let platform: Platform = plat.parse().unwrap();
            let outcome = match resolve(&pkg, &pair.version, platform) {
                Ok(r) => {
                    assert!(!r.target.is_empty(), "{} {}", pair.package, pair.version);
                    let source = match &r.checksum {
                        Some(c) => format!("{} {}", c.kind, c.algorithm),
                        None => "none".into(),
                    };
                    *by_checksum.entry(source).or_default() += 1;
                    "resolved"
                }
                Err(Nothing::Platform(_)) => "not supported on this platform",
                Err(Nothing::Version(_)) => "no asset for this version",
                Err(Nothing::Kind(_)) => "type or variable devenv does not handle",
                Err(Nothing::Format(_)) => "format devenv does not unpack",
                Err(Nothing::Invalid(e)) => {
                    invalid.push(format!("{} {} {plat}: {e:#}", pair.package, pair.version));
                    "invalid"
                }
            };
            *counts.entry(outcome).or_default() += 1;
        }
    }
    eprintln!(
        "{} pairs × {} platforms: {counts:?}",
        pairs.len(),
        PLATFORMS.len()
    );
    eprintln!("checksum sources of the resolved: {by_checksum:?}");
    assert!(unknown.is_empty(), "not in the registry: {unknown:?}");
    assert!(
        invalid.is_empty(),
        "{} invalid:\n{}",
        invalid.len(),
        invalid.join("\n")
    );
    assert!(pairs.len() >= 7000, "{}", pairs.len());
    assert!(counts["resolved"] > pairs.len() * 3, "{counts:?}");
}
