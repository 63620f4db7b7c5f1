//! Limits hold for team caches as for every byte source: a cache's claim
//! of a layer's size is bounded by `DEVENV_MAX_DOWNLOAD_MB` before a byte
//! is read, and a layout's blob must be a regular file. Each case is a
//! hostile cache; each ends in the lock's bytes from upstream.

use crate::common;
use common::registry::{Mode, Proxy, Registry, one_tool_project};
use common::server::FixtureServer;
use common::{World, sha256_hex, tool_tar_gz};
use std::path::Path;

const HUGE: u64 = 100 << 30;

fn hello_runs(w: &World, home: &Path) {
    w.run_env(
        &["--offline", "exec", "--", "hello"],
        &[("DEVENV_HOME", home.to_str().unwrap())],
    )
    .ok()
    .stdout_has("hello 1.0.0");
}

#[test]
fn a_registry_claiming_100_gib_is_refused_before_its_blob_is_read() {
    let registry = Registry::start();
    let upstream = FixtureServer::start();
    let w = one_tool_project(&upstream, &registry.cache_url());
    w.run(&["cache", "push"]).ok();
    let proxy = Proxy::start(&registry, Mode::ClaimSize(HUGE));
    let before = upstream.hits("/hello.tar.gz");
    let home = w.root.join("home");
    let out = w
        .run_env(
            &["install"],
            &[
                ("DEVENV_HOME", home.to_str().unwrap()),
                ("DEVENV_CACHES", &proxy.cache_url()),
                ("DEVENV_MAX_DOWNLOAD_MB", "16"),
            ],
        )
        .ok();
    out.stderr_has(&format!(
        "its layer claims {HUGE} bytes, more than DEVENV_MAX_DOWNLOAD_MB allows (16 MiB)"
    ));
    let requests = proxy.requests();
    assert!(
        requests.iter().any(|r| r.contains("/manifests/")),
        "{requests:?}"
    );
    assert!(
        !requests.iter().any(|r| r.contains("/blobs/")),
        "the blob was read: {requests:?}"
    );
    assert_eq!(
        upstream.hits("/hello.tar.gz"),
        before + 1,
        "upstream served it"
    );
    hello_runs(&w, &home);
}

/// Rewrites the manifest of `tag` in the layout `dir` so that its layer
/// claims `size` bytes, keeping the index consistent with it.
fn claim_in_layout(dir: &Path, tag: &str, size: u64) {
    let index_path = dir.join("index.json");
    let mut index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&index_path).unwrap()).unwrap();
    let entry = index["manifests"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|m| m["annotations"]["org.opencontainers.image.ref.name"] == tag)
        .unwrap();
    let old = entry["digest"].as_str().unwrap().to_string();
    let blobs = dir.join("blobs/sha256");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(blobs.join(&old["sha256:".len()..])).unwrap())
            .unwrap();
    manifest["layers"][0]["size"] = size.into();
    let bytes = serde_json::to_vec(&manifest).unwrap();
    let hex = sha256_hex(&bytes);
    std::fs::write(blobs.join(&hex), &bytes).unwrap();
    entry["digest"] = format!("sha256:{hex}").into();
    entry["size"] = bytes.len().into();
    std::fs::write(&index_path, serde_json::to_vec(&index).unwrap()).unwrap();
}

#[test]
fn a_layout_blob_linked_to_dev_zero_is_refused() {
    let upstream = FixtureServer::start();
    let w = one_tool_project(&upstream, "oci-layout:cache");
    let dir = w.project.join("cache");
    w.run(&["cache", "export", dir.to_str().unwrap()]).ok();
    let hex = sha256_hex(&tool_tar_gz("hello", "1.0.0"));
    let blob = dir.join("blobs/sha256").join(&hex);
    std::fs::remove_file(&blob).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &blob).unwrap();
    let tag = format!("sha256-{hex}");
    let before = upstream.hits("/hello.tar.gz");

    // Claiming 100 GiB: refused before the blob is opened.
    claim_in_layout(&dir, &tag, HUGE);
    let home = w.root.join("home-huge");
    w.run_env(
        &["install"],
        &[
            ("DEVENV_HOME", home.to_str().unwrap()),
            ("DEVENV_MAX_DOWNLOAD_MB", "16"),
        ],
    )
    .ok()
    .stderr_has(&format!(
        "its layer claims {HUGE} bytes, more than DEVENV_MAX_DOWNLOAD_MB allows (16 MiB)"
    ));
    hello_runs(&w, &home);

    // Claiming what the limit allows: the device is still no blob.
    claim_in_layout(&dir, &tag, 8 << 20);
    let home = w.root.join("home-small");
    w.run_env(
        &["install"],
        &[
            ("DEVENV_HOME", home.to_str().unwrap()),
            ("DEVENV_MAX_DOWNLOAD_MB", "16"),
        ],
    )
    .ok()
    .stderr_has("is not a regular file");
    hello_runs(&w, &home);
    assert_eq!(upstream.hits("/hello.tar.gz"), before + 2);
}
