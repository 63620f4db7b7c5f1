//! The crate graph is the pipeline of DESIGN.md: each crate of the
//! workspace may depend only on the crates listed here, so data flows
//! forward. The compiler already refuses a cycle; this refuses a new edge
//! (a store that starts resolving, a format that starts fetching) until
//! the table — and the design — says it belongs.

use std::collections::BTreeSet;
use std::path::Path;

/// Each crate and the workspace crates it may use.
const ALLOWED: &[(&str, &[&str])] = &[
    ("devenv-model", &[]),
    ("devenv-net", &["devenv-model"]),
    ("devenv-store", &["devenv-model"]),
    ("devenv-shell", &["devenv-model"]),
    ("devenv-provenance", &[]),
    ("devenv-sources", &["devenv-model", "devenv-net"]),
    // Maintenance tasks run by hand (the registry generator).
    ("xtask", &["devenv-model"]),
    (
        "devenv",
        &[
            "devenv-model",
            "devenv-net",
            "devenv-store",
            "devenv-sources",
            "devenv-shell",
            "devenv-provenance",
        ],
    ),
];

/// The workspace crates `manifest` depends on, in any dependency table.
fn workspace_deps(manifest: &Path) -> (String, BTreeSet<String>) {
    let text = std::fs::read_to_string(manifest).unwrap();
    let doc: toml::Table = text.parse().unwrap();
    let name = doc["package"]["name"].as_str().unwrap().to_string();
    let mut deps = BTreeSet::new();
    for table in ["dependencies", "dev-dependencies", "build-dependencies"] {
        if let Some(t) = doc.get(table).and_then(|t| t.as_table()) {
            deps.extend(t.keys().filter(|k| k.starts_with("devenv")).cloned());
        }
    }
    (name, deps)
}

#[test]
fn each_crate_depends_only_on_the_stages_below_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut manifests = vec![root.join("Cargo.toml"), root.join("xtask/Cargo.toml")];
    for entry in std::fs::read_dir(root.join("crates")).unwrap() {
        manifests.push(entry.unwrap().path().join("Cargo.toml"));
    }
    let mut seen = BTreeSet::new();
    for manifest in &manifests {
        let (name, deps) = workspace_deps(manifest);
        let Some((_, allowed)) = ALLOWED.iter().find(|(n, _)| *n == name) else {
            panic!(
                "{} is not placed in the pipeline: add it to ALLOWED in tests/it/layering.rs with the crates it may use",
                manifest.display()
            );
        };
        for dep in &deps {
            assert!(
                allowed.contains(&dep.as_str()),
                "{name} now depends on {dep}, which the pipeline does not allow ({name} may use {allowed:?}); pass what it needs in as an input instead"
            );
        }
        seen.insert(name);
    }
    for (name, _) in ALLOWED {
        assert!(
            seen.contains(*name),
            "{name} is listed but not in the workspace"
        );
    }
}
