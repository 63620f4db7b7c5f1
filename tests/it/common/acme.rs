//! A fixture GitHub project, `acme/tool`, whose releases carry an archive,
//! a `checksums.txt` listing it, and whatever signature material a test
//! adds; with the API's attestations of any file. Shared by the
//! provenance tests of aqua packages and of `github:` releases.

use super::World;
use super::archives::{Entry, tar_gz};
use super::github::{page, release, sums};
use super::server::FixtureServer;
use super::sha256_hex;
use super::sigstore::{Signer, TestSigstore};

pub(crate) const REPO: &str = "acme/tool";
pub(crate) const ISSUER: &str = "https://token.actions.githubusercontent.com";

/// The linux-x86_64 archive of `version`.
pub(crate) fn asset_name(version: &str) -> String {
    format!("tool_{version}_linux_amd64.tar.gz")
}

/// Its bytes: a `tool` script that prints the version.
pub(crate) fn archive(version: &str) -> Vec<u8> {
    tar_gz(&[Entry::file(
        "tool",
        format!("#!/bin/sh\necho tool {version}\n").as_bytes(),
        0o755,
    )])
}

/// A GitHub Actions workflow of `repo` at `git_ref`, as Fulcio names it.
pub(crate) fn signer(repo: &str, workflow: &str, git_ref: &str) -> Signer {
    Signer {
        identity: format!("https://github.com/{repo}/.github/workflows/{workflow}@{git_ref}"),
        issuer: ISSUER.into(),
    }
}

/// One release's archive and the `checksums.txt` that lists it.
pub(crate) struct Published {
    pub(crate) archive: Vec<u8>,
    pub(crate) checksums: Vec<u8>,
}

/// More assets of a release, named, made from its version and files.
pub(crate) type Extra<'a> = &'a dyn Fn(&str, &Published) -> Vec<(String, Vec<u8>)>;

/// Serves `acme/tool`'s releases of `versions` (tagged `vVERSION`): the
/// archive, `checksums.txt` and what `extra` adds.
pub(crate) fn publish(s: &FixtureServer, versions: &[&str], extra: Extra) {
    let mut releases = Vec::new();
    for v in versions {
        let archive = archive(v);
        let checksums = sums(&[(&asset_name(v), &archive)]);
        let p = Published { archive, checksums };
        let mut assets: Vec<(String, Vec<u8>)> = vec![
            (asset_name(v), p.archive.clone()),
            ("checksums.txt".into(), p.checksums.clone()),
        ];
        assets.extend(extra(v, &p));
        let refs: Vec<(&str, Vec<u8>)> = assets
            .iter()
            .map(|(n, b)| (n.as_str(), b.clone()))
            .collect();
        releases.push(release(s, REPO, &format!("v{v}"), &refs, false));
    }
    // Newest first, as the API lists them.
    releases.reverse();
    page(s, REPO, &releases);
}

/// Serves, as GitHub's API does, an attestation by `by` of the file
/// `name` with `bytes`; returns the API path.
pub(crate) fn attest_on_api(
    s: &FixtureServer,
    sigstore: &TestSigstore,
    by: &Signer,
    name: &str,
    bytes: &[u8],
) -> String {
    let digest = sha256_hex(bytes);
    let bundle = sigstore.attest(
        by,
        &[(name, "sha256", &digest)],
        "https://slsa.dev/provenance/v1",
    );
    let path = format!("/api/repos/{REPO}/attestations/sha256:{digest}");
    s.add_text(
        &path,
        &serde_json::json!({"attestations": [{"bundle": bundle, "repository_id": 42, "bundle_url": null}]})
            .to_string(),
    );
    path
}

/// The `provenance` record of `tool`'s linux-x86_64 artifact in the
/// project's lock, or the string "absent".
pub(crate) fn provenance(w: &World, tool: &str) -> toml::Value {
    let lock: toml::Table = toml::from_str(&w.lockfile()).unwrap();
    lock["tools"][tool]["artifacts"]["linux-x86_64"]
        .get("provenance")
        .cloned()
        .unwrap_or(toml::Value::String("absent".into()))
}
