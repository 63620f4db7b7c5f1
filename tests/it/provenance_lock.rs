//! Lock-time provenance: the registries' attestations (npm's attestations
//! endpoint, PyPI's Integrity API) verified against a test Sigstore
//! instance's root, the signer recorded in the lock, and an update built by
//! someone else refused naming both.

use crate::common;
use common::server::FixtureServer;
use common::sigstore::{Signer, TestSigstore};
use common::{World, npm_tarball, publish_npm, sha256_hex};
use devenv_model::digest::{Algorithm, Digest, hex};

pub(crate) const SETTINGS: &str = "\n[settings]\nplatforms = [\"linux-x86_64\", \"macos-aarch64\"]\ntrusted_root = \"trusted_root.json\"\n";

fn sha512_hex(bytes: &[u8]) -> String {
    hex(&Digest::of(Algorithm::Sha512, bytes).bytes)
}

/// What npm's `/-/npm/v1/attestations/NAME@VERSION` answers: the
/// registry's publish attestation and the SLSA build provenance.
fn npm_attestations(
    sigstore: &TestSigstore,
    signer: &Signer,
    name: &str,
    version: &str,
    tarball: &[u8],
) -> String {
    let subject = format!("pkg:npm/{}@{version}", name.replace('@', "%40"));
    let digest = sha512_hex(tarball);
    let subjects = [(subject.as_str(), "sha512", digest.as_str())];
    let publish_type = "https://github.com/npm/attestation/tree/main/specs/publish/v0.1";
    let slsa_type = "https://slsa.dev/provenance/v1";
    serde_json::json!({"attestations": [
        {"predicateType": publish_type, "bundle": sigstore.attest(&Signer::github("npm/registry"), &subjects, publish_type)},
        {"predicateType": slsa_type, "bundle": sigstore.attest(signer, &subjects, slsa_type)},
    ]})
    .to_string()
}

fn attestation_path(name: &str, version: &str) -> String {
    format!(
        "/-/npm/v1/attestations/{}@{version}",
        name.replace('/', "%2f")
    )
}

/// A registry serving `fmt` at `versions`, each attested by its signer
/// (`None`: nothing published).
fn npm_registry(sigstore: &TestSigstore, versions: &[(&str, Option<&Signer>)]) -> FixtureServer {
    let s = FixtureServer::start();
    publish(&s, sigstore, versions);
    s
}

fn publish(s: &FixtureServer, sigstore: &TestSigstore, versions: &[(&str, Option<&Signer>)]) {
    let tarballs: Vec<(String, Vec<u8>)> = versions
        .iter()
        .map(|(v, _)| (v.to_string(), npm_tarball("fmt", v)))
        .collect();
    let refs: Vec<(&str, &[u8])> = tarballs
        .iter()
        .map(|(v, t)| (v.as_str(), t.as_slice()))
        .collect();
    publish_npm(s, "fmt", &refs, r#""bin": {"fmt": "./bin/fmt"},"#);
    for ((version, signer), (_, tarball)) in versions.iter().zip(&tarballs) {
        if let Some(signer) = signer {
            s.add_text(
                &attestation_path("fmt", version),
                &npm_attestations(sigstore, signer, "fmt", version, tarball),
            );
        }
    }
}

fn project(s: &FixtureServer, sigstore: &TestSigstore, tool: &str) -> World {
    let w = World::new()
        .with_env("DEVENV_NPM_REGISTRY", &s.base())
        .with_env("DEVENV_PYPI_URL", &s.base());
    w.write("trusted_root.json", sigstore.trusted_root());
    w.manifest(&format!("[tools]\n{tool}\n{SETTINGS}"));
    w
}

fn lock_table(w: &World) -> toml::Table {
    w.lockfile().parse().unwrap()
}

#[test]
fn a_failing_attestation_endpoint_stops_the_lock_saying_what_to_check() {
    let sigstore = TestSigstore::new();
    let s = npm_registry(&sigstore, &[("1.0.0", None)]);
    s.add_with_status(&attestation_path("fmt", "1.0.0"), 403, "forbidden");
    let w = project(&s, &sigstore, r#""npm:fmt" = "1""#);
    w.run(&["lock"])
        .fails(1)
        .stderr_has("answered HTTP 403, so devenv.lock was not written")
        .stderr_has("check the registry address");
    assert!(!w.project.join("devenv.lock").exists());
}

#[test]
fn an_npm_package_locks_with_its_verified_builder() {
    let sigstore = TestSigstore::new();
    let alice = Signer::github("alice/fmt");
    let s = npm_registry(&sigstore, &[("1.0.0", Some(&alice))]);
    let w = project(&s, &sigstore, r#""npm:fmt" = "1""#);
    w.run(&["lock"]).ok();
    let lock = lock_table(&w);
    for platform in ["linux-x86_64", "macos-aarch64"] {
        let p = &lock["tools"]["npm:fmt"]["artifacts"][platform]["provenance"];
        assert_eq!(p["status"].as_str(), Some("verified"), "{}", w.lockfile());
        assert_eq!(p["identity"].as_str(), Some(alice.identity.as_str()));
        assert_eq!(p["issuer"].as_str(), Some(alice.issuer.as_str()));
        assert!(p["log_index"].as_integer().is_some());
    }
    // Looked up once for both platforms; relocking asks nothing again.
    assert_eq!(s.hits(&attestation_path("fmt", "1.0.0")), 1);
    let before = w.lockfile();
    w.run(&["lock"]).ok();
    assert_eq!(w.lockfile(), before);
    assert_eq!(s.hits(&attestation_path("fmt", "1.0.0")), 1);
}

#[test]
fn an_update_built_by_someone_else_is_refused_naming_both() {
    let sigstore = TestSigstore::new();
    let alice = Signer::github("alice/fmt");
    let mallory = Signer::github("mallory/fmt");
    let s = npm_registry(&sigstore, &[("1.0.0", Some(&alice))]);
    let w = project(&s, &sigstore, r#""npm:fmt" = "1""#);
    w.run(&["lock"]).ok();
    let locked = w.lockfile();
    publish(
        &s,
        &sigstore,
        &[("1.0.0", Some(&alice)), ("1.1.0", Some(&mallory))],
    );
    w.run(&["update"])
        .fails(1)
        .stderr_has("fmt 1.1.0 was built by https://github.com/mallory/fmt/")
        .stderr_has("the locked 1.0.0 was built by https://github.com/alice/fmt/")
        .stderr_has("devenv.lock was not written");
    assert_eq!(w.lockfile(), locked, "the lock keeps the trusted version");
}

#[test]
fn an_update_that_lost_its_provenance_is_refused() {
    let sigstore = TestSigstore::new();
    let alice = Signer::github("alice/fmt");
    let s = npm_registry(&sigstore, &[("1.0.0", Some(&alice))]);
    let w = project(&s, &sigstore, r#""npm:fmt" = "1""#);
    w.run(&["lock"]).ok();
    publish(&s, &sigstore, &[("1.0.0", Some(&alice)), ("1.1.0", None)]);
    w.run(&["update"])
        .fails(1)
        .stderr_has("fmt 1.1.0 publishes no provenance")
        .stderr_has("https://github.com/alice/fmt/");
}

#[test]
fn the_same_builder_updates_freely() {
    let sigstore = TestSigstore::new();
    let alice = Signer::github("alice/fmt");
    let s = npm_registry(&sigstore, &[("1.0.0", Some(&alice))]);
    let w = project(&s, &sigstore, r#""npm:fmt" = "1""#);
    w.run(&["lock"]).ok();
    publish(
        &s,
        &sigstore,
        &[("1.0.0", Some(&alice)), ("1.1.0", Some(&alice))],
    );
    w.run(&["update"]).ok().stderr_has("1.0.0 → 1.1.0");
}

#[test]
fn nothing_published_is_recorded_and_can_be_required() {
    let sigstore = TestSigstore::new();
    let s = npm_registry(&sigstore, &[("1.0.0", None)]);
    let w = project(&s, &sigstore, r#""npm:fmt" = "1""#);
    w.run(&["lock"]).ok();
    let lock = lock_table(&w);
    let p = &lock["tools"]["npm:fmt"]["artifacts"]["linux-x86_64"]["provenance"];
    assert_eq!(p["status"].as_str(), Some("none"), "{}", w.lockfile());
    // Required per tool, or for the whole project: refused, with the reason.
    w.manifest(&format!(
        "[tools]\n\"npm:fmt\" = {{ version = \"1\", provenance = \"required\" }}\n{SETTINGS}"
    ));
    w.run(&["lock"])
        .fails(1)
        .stderr_has("npm:fmt 1.0.0 for linux-x86_64: devenv.toml requires verified provenance, but its registry publishes no provenance for it");
    w.manifest(&format!(
        "[tools]\n\"npm:fmt\" = \"1\"\n{SETTINGS}provenance = \"required\"\n"
    ));
    w.run(&["install"])
        .fails(1)
        .stderr_has("requires verified provenance");
}

#[test]
fn a_stated_identity_must_be_the_builder() {
    let sigstore = TestSigstore::new();
    let alice = Signer::github("alice/fmt");
    let s = npm_registry(&sigstore, &[("1.0.0", Some(&alice))]);
    let other = "https://github.com/bob/fmt/.github/workflows/release.yml@refs/heads/main";
    let w = project(
        &s,
        &sigstore,
        &format!("\"npm:fmt\" = {{ version = \"1\", provenance = \"{other}\" }}"),
    );
    w.run(&["lock"])
        .fails(1)
        .stderr_has(&format!("was built by {}", alice.identity))
        .stderr_has(&format!("devenv.toml requires {other}"));
    w.manifest(&format!(
        "[tools]\n\"npm:fmt\" = {{ version = \"1\", provenance = \"{}\" }}\n{SETTINGS}",
        alice.identity
    ));
    w.run(&["lock"]).ok();
    w.manifest(&format!(
        "[tools]\n\"npm:fmt\" = {{ version = \"1\", provenance = \"someone\" }}\n{SETTINGS}"
    ));
    w.run(&["lock"])
        .fails(1)
        .stderr_has("devenv.toml:2:")
        .stderr_has("`someone` is neither \"required\" nor a signer identity");
}

#[test]
fn provenance_for_other_bytes_or_another_root_is_refused() {
    let sigstore = TestSigstore::new();
    let alice = Signer::github("alice/fmt");
    let s = npm_registry(&sigstore, &[("1.0.0", None)]);
    // An attestation of other bytes, served for fmt 1.0.0.
    s.add_text(
        &attestation_path("fmt", "1.0.0"),
        &npm_attestations(&sigstore, &alice, "fmt", "1.0.0", b"other bytes"),
    );
    let w = project(&s, &sigstore, r#""npm:fmt" = "1""#);
    w.run(&["lock"])
        .fails(1)
        .stderr_has("npm:fmt: fmt 1.0.0: the provenance published at")
        .stderr_has("does not verify");
    assert!(!w.project.join("devenv.lock").exists());
    // Signed by a real-looking instance this project does not trust.
    let s2 = npm_registry(&TestSigstore::new(), &[("1.0.0", Some(&alice))]);
    let w2 = World::new().with_env("DEVENV_NPM_REGISTRY", &s2.base());
    w2.manifest("[tools]\n\"npm:fmt\" = \"1\"\n[settings]\nplatforms = [\"linux-x86_64\"]\n");
    w2.run(&["lock"])
        .fails(1)
        .stderr_has("does not verify against the Sigstore public-good trusted root");
}

/// PyPI's Integrity API answer (PEP 740) for one file, from a bundle.
pub(crate) fn pypi_provenance(bundle: &serde_json::Value, repo: &str) -> String {
    let m = &bundle["verificationMaterial"];
    let e = &bundle["dsseEnvelope"];
    serde_json::json!({
        "version": 1,
        "attestation_bundles": [{
            "publisher": {"kind": "GitHub", "repository": repo, "workflow": "release.yml", "environment": null},
            "attestations": [{
                "version": 1,
                "verification_material": {
                    "certificate": m["certificate"]["rawBytes"],
                    "transparency_entries": m["tlogEntries"],
                },
                "envelope": {"statement": e["payload"], "signature": e["signatures"][0]["sig"]},
            }],
        }],
    })
    .to_string()
}

#[test]
fn pypi_files_lock_with_their_pep_740_builder() {
    use common::archives::{Entry, zip};
    let sigstore = TestSigstore::new();
    let alice = Signer::github("alice/tool");
    let s = FixtureServer::start();
    let mut files = Vec::new();
    let mut names = Vec::new();
    for tag in ["manylinux_2_17_x86_64", "macosx_11_0_arm64"] {
        let name = format!("tool-1.0.0-py3-none-{tag}.whl");
        let wheel = zip(&[
            Entry::file(
                "tool-1.0.0.data/scripts/tool",
                b"#!/bin/sh\necho tool\n",
                0o755,
            ),
            Entry::file(
                "tool-1.0.0.dist-info/WHEEL",
                format!("Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: py3-none-{tag}\n")
                    .as_bytes(),
                0o644,
            ),
        ]);
        s.add(&format!("/files/{name}"), wheel.clone());
        files.push(format!(
            r#"{{"filename": "{name}", "packagetype": "bdist_wheel", "python_version": "py3", "url": "{}", "digests": {{"sha256": "{}"}}, "yanked": false, "size": {}}}"#,
            s.url(&format!("/files/{name}")),
            sha256_hex(&wheel),
            wheel.len()
        ));
        // Each file has its own attestation, bound to its own sha256.
        let bundle = sigstore.attest(
            &alice,
            &[(name.as_str(), "sha256", &sha256_hex(&wheel))],
            "https://docs.pypi.org/attestations/publish/v1",
        );
        s.add_text(
            &format!("/integrity/tool/1.0.0/{name}/provenance"),
            &pypi_provenance(&bundle, "alice/tool"),
        );
        names.push(name);
    }
    s.add_text(
        "/pypi/tool/json",
        &format!(
            r#"{{"info": {{"name": "tool", "version": "1.0.0", "requires_python": ">=3.7"}}, "releases": {{"1.0.0": [{}]}}, "urls": []}}"#,
            files.join(",")
        ),
    );
    let w = project(&s, &sigstore, r#""pypi:tool" = "1""#);
    w.run(&["lock"]).ok();
    let lock = lock_table(&w);
    for platform in ["linux-x86_64", "macos-aarch64"] {
        let p = &lock["tools"]["pypi:tool"]["artifacts"][platform]["provenance"];
        assert_eq!(p["status"].as_str(), Some("verified"), "{}", w.lockfile());
        assert_eq!(p["identity"].as_str(), Some(alice.identity.as_str()));
    }
    // Installing from the lock asks the Integrity API nothing.
    let asked = |s: &FixtureServer| -> usize {
        names
            .iter()
            .map(|n| s.hits(&format!("/integrity/tool/1.0.0/{n}/provenance")))
            .sum()
    };
    let before = asked(&s);
    assert_eq!(before, 2);
    w.run(&["install"]).ok();
    assert_eq!(asked(&s), before);
}

/// An npm package tarball with a package.json of `json`.
fn npm_package(json: &str) -> Vec<u8> {
    common::archives::npm_tarball(&[
        ("package.json", json),
        ("index.js", "module.exports = 1;\n"),
    ])
}

#[test]
fn an_npm_tree_member_built_by_someone_else_stops_the_update() {
    if which::which("npm").is_err() {
        common::missing("npm", "the npm tree provenance test");
        return;
    }
    let sigstore = TestSigstore::new();
    let app_builder = Signer::github("acme/app");
    let alice = Signer::github("alice/dep");
    let mallory = Signer::github("mallory/dep");
    let s = FixtureServer::start();
    let serve = |versions: &[(&str, &Signer)]| {
        let tarballs: Vec<(String, Vec<u8>)> = versions
            .iter()
            .map(|(v, _)| {
                (
                    v.to_string(),
                    npm_package(&format!(r#"{{"name": "dep", "version": "{v}"}}"#)),
                )
            })
            .collect();
        let refs: Vec<(&str, &[u8])> = tarballs
            .iter()
            .map(|(v, t)| (v.as_str(), t.as_slice()))
            .collect();
        publish_npm(&s, "dep", &refs, "");
        for ((v, signer), (_, t)) in versions.iter().zip(&tarballs) {
            s.add_text(
                &attestation_path("dep", v),
                &npm_attestations(&sigstore, signer, "dep", v, t),
            );
        }
    };
    serve(&[("2.1.0", &alice)]);
    let app = common::archives::tar_gz(&[
        common::archives::Entry::file(
            "package/package.json",
            br#"{"name": "app", "version": "1.0.0", "bin": {"app": "bin/app.js"}, "dependencies": {"dep": "^2.0.0"}}"#,
            0o644,
        ),
        common::archives::Entry::file("package/bin/app.js", b"#!/usr/bin/env node\nconsole.log(require('dep'));\n", 0o755),
    ]);
    publish_npm(
        &s,
        "app",
        &[("1.0.0", &app)],
        r#""bin": {"app": "bin/app.js"}, "dependencies": {"dep": "^2.0.0"},"#,
    );
    s.add_text(
        &attestation_path("app", "1.0.0"),
        &npm_attestations(&sigstore, &app_builder, "app", "1.0.0", &app),
    );
    let w = project(&s, &sigstore, r#""npm:app" = "1""#);
    w.run(&["lock"]).ok();
    let lock = lock_table(&w);
    let artifact = &lock["tools"]["npm:app"]["artifacts"]["linux-x86_64"];
    // The tree's own record is the requested package's; each member has its own.
    assert_eq!(
        artifact["provenance"]["identity"].as_str(),
        Some(app_builder.identity.as_str()),
        "{}",
        w.lockfile()
    );
    let members = artifact["members"].as_array().unwrap();
    let dep = members
        .iter()
        .find(|m| m["path"].as_str() == Some("node_modules/dep"))
        .unwrap();
    assert_eq!(
        dep["provenance"]["identity"].as_str(),
        Some(alice.identity.as_str())
    );
    // Shown to people: per tool, and for a tree how many packages verified.
    let on_linux = [("DEVENV_PLATFORM", "linux-x86_64")];
    let listed = w.run_env(&["list", "--provenance"], &on_linux).ok();
    let expected = format!(
        "verified: {} (issuer https://token.actions.githubusercontent.com); 2 of 2 packages verified",
        app_builder.identity
    );
    assert!(listed.stdout.contains(&expected), "{}", listed.stdout);
    let json = w
        .run_env(&["list", "--provenance", "--json"], &on_linux)
        .ok();
    let items: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let p = &items[0]["provenance"];
    assert_eq!(p["status"], "verified");
    assert_eq!(p["identity"], app_builder.identity.as_str());
    assert_eq!(p["members"]["verified"], 2);
    let ci = w.run_env(&["ci", "--format", "bash"], &on_linux).ok();
    assert!(
        ci.stderr
            .contains("provenance: 4 verified, 0 not published, 0 not checked"),
        "{}",
        ci.stderr
    );
    // dep 2.2.0 comes from someone else: the update stops, naming both.
    serve(&[("2.1.0", &alice), ("2.2.0", &mallory)]);
    let locked = w.lockfile();
    w.run(&["update"])
        .fails(1)
        .stderr_has(&format!(
            "npm:app: dep 2.2.0 was built by {}",
            mallory.identity
        ))
        .stderr_has(&format!("the locked 2.1.0 was built by {}", alice.identity));
    assert_eq!(w.lockfile(), locked);
}

#[test]
fn a_github_asset_locks_with_its_attested_builder() {
    use common::archives::{Entry, tar_gz};
    use common::github::{page, release};
    let sigstore = TestSigstore::new();
    let builder = Signer::github("acme/tool");
    let s = FixtureServer::start();
    let repo = "acme/tool";
    let name = "tool_1.4.0_Linux_x86_64.tar.gz";
    let asset = tar_gz(&[Entry::file("tool", b"#!/bin/sh\necho tool\n", 0o755)]);
    let r = release(&s, repo, "v1.4.0", &[(name, asset.clone())], true);
    page(&s, repo, &[r]);
    let digest = sha256_hex(&asset);
    let bundle = sigstore.attest(
        &builder,
        &[(name, "sha256", &digest)],
        "https://slsa.dev/provenance/v1",
    );
    // As GitHub's API lists attestations for a subject digest.
    let path = format!("/api/repos/{repo}/attestations/sha256:{digest}");
    s.add_text(
        &path,
        &serde_json::json!({"attestations": [{"bundle": bundle, "repository_id": 42, "bundle_url": null}]}).to_string(),
    );
    let w = World::new()
        .with_env("DEVENV_GITHUB_API", &s.url("/api"))
        .with_env("DEVENV_PLATFORM", "linux-x86_64");
    w.write("trusted_root.json", sigstore.trusted_root());
    w.manifest("[tools]\n\"github:acme/tool\" = \"1\"\n\n[settings]\ntrusted_root = \"trusted_root.json\"\n");
    w.run(&["lock"]).ok();
    let lock = lock_table(&w);
    let p = &lock["tools"]["github:acme/tool"]["artifacts"]["linux-x86_64"]["provenance"];
    assert_eq!(p["status"].as_str(), Some("verified"), "{}", w.lockfile());
    assert_eq!(p["identity"].as_str(), Some(builder.identity.as_str()));
    assert_eq!(
        p["issuer"].as_str(),
        Some("https://token.actions.githubusercontent.com")
    );
    assert_eq!(s.hits(&path), 1);
}

#[test]
fn devenv_verify_audits_the_recorded_provenance_offline() {
    let sigstore = TestSigstore::new();
    let alice = Signer::github("alice/fmt");
    let s = npm_registry(&sigstore, &[("1.0.0", Some(&alice))]);
    let w = project(&s, &sigstore, r#""npm:fmt" = "1""#);
    w.run(&["lock"]).ok();
    // The bundle verified at lock time was kept: verified again offline.
    s.stop();
    w.run(&["verify", "--offline"]).ok().stderr_has(
        "provenance: 1 artifact verified again offline, 0 not published, 0 not checked when locked",
    );
    // A lock edited to name another builder does not verify.
    let locked = w.lockfile();
    w.write(
        "devenv.lock",
        locked.replace(
            "https://github.com/alice/fmt/",
            "https://github.com/bob/fmt/",
        ),
    );
    w.run(&["verify", "--offline"])
        .fails(1)
        .stderr_has("provenance does not hold for 1 artifact")
        .stderr_has("https://github.com/bob/fmt/");
    w.write("devenv.lock", &locked);
    // Without the kept bundle, and offline: said, not guessed.
    let kept = w.home.join("cache/provenance");
    assert!(kept.is_dir());
    std::fs::remove_dir_all(&kept).unwrap();
    w.run(&["verify", "--offline"])
        .fails(1)
        .stderr_has("no kept bundle on this machine");
}

/// A real published package and its real attestations, verified against
/// the shipped public-good root (see `data/provenance/SOURCE.md`).
#[test]
fn real_npm_provenance_verifies_against_the_shipped_root() {
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/data/provenance");
    let tarball = std::fs::read(data.join("gundam-visor-1.0.1.tgz")).unwrap();
    let answer =
        std::fs::read_to_string(data.join("npm-attestations-gundam-visor-1.0.1.json")).unwrap();
    let s = FixtureServer::start();
    publish_npm(&s, "gundam-visor", &[("1.0.1", &tarball)], "");
    s.add_text(&attestation_path("gundam-visor", "1.0.1"), &answer);
    let w = World::new().with_env("DEVENV_NPM_REGISTRY", &s.base());
    w.manifest(
        "[tools]\n\"npm:gundam-visor\" = { version = \"1.0.1\", bin = [\"visor=index.js\"] }\n\n[settings]\nplatforms = [\"linux-x86_64\"]\n",
    );
    w.run(&["lock"]).ok();
    let lock = lock_table(&w);
    let p = &lock["tools"]["npm:gundam-visor"]["artifacts"]["linux-x86_64"]["provenance"];
    assert_eq!(p["status"].as_str(), Some("verified"), "{}", w.lockfile());
    assert_eq!(
        p["identity"].as_str(),
        Some(
            "https://github.com/ramonpetgrave64/gundam-visor/.github/workflows/npm-publish.yml@refs/tags/v1.0.1"
        )
    );
    assert_eq!(
        p["issuer"].as_str(),
        Some("https://token.actions.githubusercontent.com")
    );
    assert_eq!(p["log_index"].as_integer(), Some(99434462));
    // The same answer served for other bytes does not verify.
    let s2 = FixtureServer::start();
    publish_npm(
        &s2,
        "gundam-visor",
        &[("1.0.1", &npm_tarball("gundam-visor", "1.0.1"))],
        "",
    );
    s2.add_text(&attestation_path("gundam-visor", "1.0.1"), &answer);
    let w2 = World::new().with_env("DEVENV_NPM_REGISTRY", &s2.base());
    w2.manifest(
        "[tools]\n\"npm:gundam-visor\" = { version = \"1.0.1\", bin = [\"visor=index.js\"] }\n\n[settings]\nplatforms = [\"linux-x86_64\"]\n",
    );
    w2.run(&["lock"]).fails(1).stderr_has("does not verify");
}

#[test]
fn provenance_settings_are_validated_with_their_location() {
    let sigstore = TestSigstore::new();
    let s = npm_registry(&sigstore, &[("1.0.0", None)]);
    let w = project(&s, &sigstore, r#""npm:fmt" = "1""#);
    w.manifest(&format!(
        "[tools]\n\"npm:fmt\" = \"1\"\n{SETTINGS}provenance = \"always\"\n"
    ));
    w.run(&["lock"])
        .fails(1)
        .stderr_has("devenv.toml:")
        .stderr_has("`provenance`")
        .stderr_has("provenance = \"required\"");
    // A trusted root that is not one is named, with what it should be.
    w.manifest(&format!("[tools]\n\"npm:fmt\" = \"1\"\n{SETTINGS}"));
    w.write("trusted_root.json", "{\"tlogs\": 7}");
    w.run(&["lock"])
        .fails(1)
        .stderr_has("[settings] trusted_root:")
        .stderr_has("trusted_root.json is not valid")
        .stderr_has("Sigstore's trusted_root.json format");
}
