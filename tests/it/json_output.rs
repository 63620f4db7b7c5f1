//! `--json` for `outdated`, `search` and `gc --dry-run`: the shapes the
//! README documents.

use crate::common;
use common::server::FixtureServer;
use common::{World, npm_tarball, publish_npm, tool_tar_gz, url_tool_manifest};

fn json(out: &str) -> serde_json::Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("not JSON ({e}):\n{out}"))
}

#[test]
fn outdated_json_has_locked_wanted_and_latest() {
    let s = FixtureServer::start();
    let (a, b, c) = (
        npm_tarball("fmt", "1.0.0"),
        npm_tarball("fmt", "1.1.0"),
        npm_tarball("fmt", "2.0.0"),
    );
    let bin = r#""bin": {"fmt": "bin/fmt"},"#;
    publish_npm(&s, "fmt", &[("1.0.0", &a)], bin);
    let w = World::new().with_env("DEVENV_NPM_REGISTRY", &s.base());
    w.manifest("[tools]\n\"npm:fmt\" = \"1\"\n");
    w.run(&["lock"]).ok();
    publish_npm(
        &s,
        "fmt",
        &[("1.0.0", &a), ("1.1.0", &b), ("2.0.0", &c)],
        bin,
    );
    let v = json(&w.run(&["outdated", "--json"]).ok().stdout);
    assert_eq!(
        v,
        serde_json::json!([{
            "name": "npm:fmt", "constraint": "1", "locked": "1.0.0",
            "wanted": "1.1.0", "latest": "2.0.0", "error": false
        }])
    );
}

#[test]
fn search_json_lists_catalog_npm_and_pypi() {
    let s = FixtureServer::start();
    s.add(
        "/-/v1/search?text=zig&size=10",
        r#"{"objects": [{"package": {"name": "zig-build", "version": "0.1.0", "description": "build helper"}, "score": {"final": 1}, "searchScore": 1}], "total": 1, "time": "now"}"#,
    );
    s.add("/pypi/zig/json", r#"{"info": {"name": "zig", "version": "0.0.1", "summary": "not the compiler"}, "releases": {}}"#);
    let w = World::new()
        .with_env("DEVENV_NPM_REGISTRY", &s.base())
        .with_env("DEVENV_PYPI_URL", &s.base());
    let v = json(&w.run(&["search", "zig", "--json"]).ok().stdout);
    let zig = v["catalog"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "zig")
        .expect("the catalog's zig");
    assert_eq!(zig["default_source"], "pypi");
    assert_eq!(zig["sources"]["pypi"], "pypi:ziglang");
    assert_eq!(v["npm"][0]["name"], "zig-build");
    assert_eq!(v["npm"][0]["version"], "0.1.0");
    assert_eq!(v["pypi"]["summary"], "not the compiler");
}

#[test]
fn gc_dry_run_json_lists_what_would_be_freed() {
    let s = FixtureServer::start();
    let bytes = tool_tar_gz("gone", "1.0.0");
    s.add("/gone.tar.gz", bytes.clone());
    let w = World::new();
    w.manifest(&url_tool_manifest(
        "gone",
        "1.0.0",
        &s.url("/gone.tar.gz"),
        &bytes,
    ));
    w.run(&["install"]).ok();
    let v = json(&w.run(&["gc", "--dry-run", "--json"]).ok().stdout);
    assert_eq!(v["dry_run"], true);
    assert_eq!(v["delete"], serde_json::json!([]));
    assert_eq!(v["kept"], 1);
    assert_eq!(v["projects"], 1);
    // Once the project is gone its entry would be freed, and still is there.
    std::fs::remove_dir_all(&w.project).unwrap();
    std::fs::create_dir_all(&w.project).unwrap();
    let v = json(&w.run(&["gc", "--dry-run", "--json"]).ok().stdout);
    let entry = w.store_entries()[0].display().to_string();
    assert_eq!(v["delete"][0]["path"], entry);
    assert!(v["bytes"].as_u64().unwrap() > 0);
    assert!(w.store_entries()[0].exists());
}

#[test]
fn gc_counts_read_as_words() {
    let s = FixtureServer::start();
    let bytes = tool_tar_gz("kept", "1.0.0");
    s.add("/kept.tar.gz", bytes.clone());
    let w = World::new();
    w.manifest(&url_tool_manifest(
        "kept",
        "1.0.0",
        &s.url("/kept.tar.gz"),
        &bytes,
    ));
    w.run(&["install"]).ok();
    w.run(&["gc", "--dry-run"]).ok().stderr_has(
        "would free 0 B in 0 entries; kept 1 entry used by 1 project and running shells",
    );
}
