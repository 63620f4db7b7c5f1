//! devenv.lock: deterministic, sorted, staleness detected offline, and
//! `--frozen` never writes it.

use crate::common;
use common::server::FixtureServer;
use common::{World, platform, sha256_hex, tool_tar_gz};

fn two_tool_world(server: &FixtureServer) -> World {
    let w = World::new();
    let a = tool_tar_gz("alpha", "1.0.0");
    let b = tool_tar_gz("beta", "2.0.0");
    server.add("/alpha-1.0.0.tar.gz", a.clone());
    server.add("/beta-2.0.0.tar.gz", b.clone());
    w.manifest(&format!(
        "[tools]\nbeta = {{ version = \"2.0.0\", url = \"{}\", sha256 = \"{}\" }}\nalpha = {{ version = \"1.0.0\", url = \"{}\", sha256 = \"{}\" }}\n",
        server.url("/beta-{version}.tar.gz"),
        sha256_hex(&b),
        server.url("/alpha-{version}.tar.gz"),
        sha256_hex(&a)
    ));
    w
}

#[test]
fn lock_is_sorted_and_byte_identical_when_regenerated() {
    let server = FixtureServer::start();
    let w = two_tool_world(&server);
    w.run(&["lock"]).ok().stderr_has("wrote");
    let first = w.read("devenv.lock");
    assert!(
        first.find("[tools.alpha]").unwrap() < first.find("[tools.beta]").unwrap(),
        "{first}"
    );
    assert!(
        first.contains(&format!("[tools.alpha.artifacts.{}]", platform())),
        "{first}"
    );
    assert!(first.contains("digest = \"sha256:"), "{first}");
    assert!(first.contains("manifest = \"sha256:"), "{first}");
    std::fs::remove_file(w.project.join("devenv.lock")).unwrap();
    w.run(&["lock"]).ok();
    assert_eq!(w.read("devenv.lock"), first);
    // A fresh lock is not rewritten, and needs no network.
    server.stop();
    w.run(&["lock"]).ok();
    assert_eq!(w.read("devenv.lock"), first);
}

#[test]
fn missing_sha256_is_trusted_on_first_use_then_enforced() {
    let server = FixtureServer::start();
    let w = World::new();
    let bytes = tool_tar_gz("tofu", "1.0");
    server.add("/tofu.tar.gz", bytes.clone());
    w.manifest(&format!(
        "[tools]\ntofu = {{ version = \"1.0\", url = \"{}\" }}\n",
        server.url("/tofu.tar.gz")
    ));
    w.run(&["lock"]).ok().stderr_has("trusted on first use");
    assert!(
        w.read("devenv.lock")
            .contains(&format!("sha256:{}", sha256_hex(&bytes)))
    );
    // The server now serves something else: install refuses it.
    server.add("/tofu.tar.gz", tool_tar_gz("tofu", "evil"));
    w.run(&["install"])
        .fails(1)
        .stderr_has("does not match the lock");
    assert!(w.store_entries().is_empty());
}

#[test]
fn per_platform_digests_cover_every_listed_platform() {
    let server = FixtureServer::start();
    let w = World::new();
    let linux = tool_tar_gz("multi", "linux");
    let mac = tool_tar_gz("multi", "darwin");
    server.add("/multi-linux-amd64.tar.gz", linux.clone());
    server.add("/multi-darwin-arm64.tar.gz", mac.clone());
    w.manifest(&format!(
        "[tools]\nmulti = {{ version = \"3.1\", url = \"{}\", os_names = {{ macos = \"darwin\" }}, arch_names = {{ x86_64 = \"amd64\", aarch64 = \"arm64\" }}, sha256 = {{ linux-x86_64 = \"{}\", macos-aarch64 = \"{}\" }} }}\n\n[settings]\nplatforms = [\"macos-aarch64\", \"linux-x86_64\"]\n",
        server.url("/multi-{os}-{arch}.tar.gz"),
        sha256_hex(&linux),
        sha256_hex(&mac)
    ));
    w.run(&["lock"]).ok();
    let lock = w.read("devenv.lock");
    assert!(
        lock.contains("platforms = [\"linux-x86_64\", \"macos-aarch64\"]"),
        "{lock}"
    );
    assert!(lock.contains("/multi-darwin-arm64.tar.gz"), "{lock}");
    assert!(lock.contains("/multi-linux-amd64.tar.gz"), "{lock}");
    // Declared digests need no download at lock time.
    assert_eq!(server.hits("/multi-darwin-arm64.tar.gz"), 0);
    // A listed platform with no digest in a per-platform table is an error.
    w.manifest(&w.read("devenv.toml").replace(
        "\"macos-aarch64\", \"linux-x86_64\"",
        "\"macos-aarch64\", \"linux-x86_64\", \"linux-aarch64\"",
    ));
    w.run(&["lock"])
        .fails(1)
        .stderr_has("none for linux-aarch64");
}

#[test]
fn frozen_refuses_a_stale_lock_and_names_the_tool() {
    let server = FixtureServer::start();
    let w = two_tool_world(&server);
    w.run(&["lock"]).ok();
    let before = w.read("devenv.lock");
    let other = tool_tar_gz("beta", "2.1.0");
    server.add("/beta-2.1.0.tar.gz", other.clone());
    let text = w.read("devenv.toml").replace("\"2.0.0\"", "\"2.1.0\"");
    w.manifest(&text);
    let out = w.run(&["exec", "--frozen", "--", "true"]).fails(1);
    assert!(out.stderr.contains("`beta` changed"), "{}", out.stderr);
    assert!(out.stderr.contains("devenv lock"), "{}", out.stderr);
    w.run_env(&["install"], &[("DEVENV_FROZEN", "1")])
        .fails(1)
        .stderr_has("`beta` changed");
    assert_eq!(
        w.read("devenv.lock"),
        before,
        "--frozen must never write the lock"
    );
    // Without --frozen the lock follows the manifest, re-resolving only beta.
    w.run(&["lock"]).ok();
    assert!(w.read("devenv.lock").contains("2.1.0"));
}

#[test]
fn frozen_without_a_lock_says_so() {
    let server = FixtureServer::start();
    let w = two_tool_world(&server);
    w.run(&["exec", "--frozen", "--", "true"])
        .fails(1)
        .stderr_has("there is no devenv.lock");
    assert!(!w.project.join("devenv.lock").exists());
}

#[test]
fn removed_and_added_tools_are_named() {
    let server = FixtureServer::start();
    let w = two_tool_world(&server);
    w.run(&["lock"]).ok();
    let text = w.read("devenv.toml");
    let without_alpha: String = text
        .lines()
        .filter(|l| !l.starts_with("alpha"))
        .map(|l| format!("{l}\n"))
        .collect();
    w.manifest(&without_alpha);
    w.run(&["lock", "--frozen"])
        .fails(1)
        .stderr_has("`alpha` is in the lock but no longer in devenv.toml");
}

#[test]
fn damaged_lock_is_reported_with_a_fix() {
    let server = FixtureServer::start();
    let w = two_tool_world(&server);
    w.write("devenv.lock", "version = 1\nmanifest = 5\n");
    w.run(&["install"])
        .fails(1)
        .stderr_has("devenv.lock is damaged")
        .stderr_has("run `devenv lock`");
}
