//! `devenv attest verify`: one file against one Sigstore bundle, offline,
//! checked with the Sigstore conformance suite's bundle cases.

use crate::common::{World, missing};
use std::path::{Path, PathBuf};

/// The identity and issuer the conformance cases are signed with, unless
/// a case says otherwise (the suite's README).
const IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const ISSUER: &str = "https://token.actions.githubusercontent.com";

/// The Sigstore material beside the repository (`../shared/provenance`).
fn shared() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/provenance");
    if dir.join("conformance/bundle-verify").is_dir() {
        return Some(dir);
    }
    missing(
        "../shared/provenance (the Sigstore conformance cases)",
        "the provenance verification tests",
    );
    None
}

fn read_opt(path: &Path) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_string())
}

/// The command line a case asks for: its bundle, artifact, identity or
/// key, and trusted root.
fn case_args(cases: &Path, case: &Path) -> Vec<String> {
    let mut args = vec![
        "attest".into(),
        "verify".into(),
        "--bundle".into(),
        case.join("bundle.sigstore.json").display().to_string(),
    ];
    if case.join("key.pub").is_file() {
        args.extend(["--key".into(), case.join("key.pub").display().to_string()]);
    } else {
        let identity = read_opt(&case.join("identity")).unwrap_or_else(|| IDENTITY.into());
        let issuer = read_opt(&case.join("issuer")).unwrap_or_else(|| ISSUER.into());
        args.extend(["--identity".into(), identity, "--issuer".into(), issuer]);
    }
    if case.join("trusted_root.json").is_file() {
        args.extend([
            "--trusted-root".into(),
            case.join("trusted_root.json").display().to_string(),
        ]);
    }
    let artifact = if case.join("artifact").is_file() {
        case.join("artifact")
    } else {
        cases.join("a.txt")
    };
    args.push(artifact.display().to_string());
    args
}

#[test]
fn every_conformance_case_gives_the_expected_answer() {
    let Some(shared) = shared() else { return };
    let cases = shared.join("conformance/bundle-verify");
    let w = World::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&cases)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("bundle.sigstore.json").is_file())
        .collect();
    dirs.sort();
    assert_eq!(dirs.len(), 70, "the suite has 70 bundle cases");
    let (mut passes, mut refusals) = (0, 0);
    for case in &dirs {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let args = case_args(&cases, case);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = w.run(&args);
        if name.ends_with("_fail") {
            assert_ne!(out.code, 0, "{name} must be refused:\n{}", out.stderr);
            // Refused with a reason, not a crash or a Rust value.
            out.fails(1).stderr_has("error:");
            refusals += 1;
        } else {
            assert_eq!(out.code, 0, "{name} must verify:\n{}", out.stderr);
            let signer = if case.join("key.pub").is_file() {
                "signed by the given key".to_string()
            } else {
                format!(
                    "signed by {}",
                    read_opt(&case.join("identity")).unwrap_or_else(|| IDENTITY.into())
                )
            };
            assert!(out.stderr.contains(&signer), "{name}: {}", out.stderr);
            passes += 1;
        }
    }
    assert_eq!((passes, refusals), (21, 49));
}

#[test]
fn a_different_identity_or_issuer_is_refused_naming_both() {
    let Some(shared) = shared() else { return };
    let cases = shared.join("conformance/bundle-verify");
    let w = World::new();
    let bundle = cases.join("happy-path-v0.3/bundle.sigstore.json");
    let bundle = bundle.to_str().unwrap();
    let artifact = cases.join("a.txt");
    let artifact = artifact.to_str().unwrap();
    let other =
        "https://github.com/someone-else/repo/.github/workflows/release.yml@refs/heads/main";
    w.run(&[
        "attest",
        "verify",
        "--bundle",
        bundle,
        "--identity",
        other,
        "--issuer",
        ISSUER,
        artifact,
    ])
    .fails(1)
    .stderr_has(other)
    .stderr_has(IDENTITY);
    w.run(&[
        "attest",
        "verify",
        "--bundle",
        bundle,
        "--identity",
        IDENTITY,
        "--issuer",
        "https://accounts.google.com",
        artifact,
    ])
    .fails(1)
    .stderr_has("https://accounts.google.com");
}

#[test]
fn a_changed_artifact_is_refused() {
    let Some(shared) = shared() else { return };
    let cases = shared.join("conformance/bundle-verify");
    let w = World::new();
    let tampered = w.write("a.txt", "not what was signed\n");
    let bundle = cases.join("happy-path-v0.3/bundle.sigstore.json");
    w.run(&[
        "attest",
        "verify",
        "--bundle",
        bundle.to_str().unwrap(),
        "--identity",
        IDENTITY,
        "--issuer",
        ISSUER,
        tampered.to_str().unwrap(),
    ])
    .fails(1)
    .stderr_has("does not verify");
}

#[test]
fn unreadable_inputs_are_named() {
    let Some(shared) = shared() else { return };
    let cases = shared.join("conformance/bundle-verify");
    let w = World::new();
    let artifact = cases.join("a.txt");
    let artifact = artifact.to_str().unwrap();
    let bundle = cases.join("happy-path-v0.3/bundle.sigstore.json");
    let bundle = bundle.to_str().unwrap();
    w.run(&[
        "attest",
        "verify",
        "--bundle",
        "nope.json",
        "--identity",
        IDENTITY,
        "--issuer",
        ISSUER,
        artifact,
    ])
    .fails(1)
    .stderr_has("could not read the bundle")
    .stderr_has("nope.json");
    let junk = w.write("root.json", "{\"mediaType\": 3}");
    w.run(&[
        "attest",
        "verify",
        "--bundle",
        bundle,
        "--identity",
        IDENTITY,
        "--issuer",
        ISSUER,
        "--trusted-root",
        junk.to_str().unwrap(),
        artifact,
    ])
    .fails(1)
    .stderr_has("root.json is not valid");
    let key = w.write("key.pem", "not a key");
    w.run(&[
        "attest",
        "verify",
        "--bundle",
        bundle,
        "--key",
        key.to_str().unwrap(),
        artifact,
    ])
    .fails(1)
    .stderr_has("the public key is not valid");
    w.run(&[
        "attest",
        "verify",
        "--bundle",
        bundle,
        "--identity",
        IDENTITY,
        "missing-file",
    ])
    .fails(2)
    .stderr_has("--issuer");
    w.run(&["attest", "verify", "--bundle", bundle, artifact])
        .fails(2);
}

#[test]
fn provenance_from_a_test_instance_verifies_against_its_root_only() {
    use crate::common::sigstore::{Signer, TestSigstore};
    let w = World::new();
    let sigstore = TestSigstore::new();
    let signer = Signer::github("example/tool");
    let artifact = w.write("tool.tar.gz", "the tool's bytes");
    let digest = crate::common::sha256_hex(b"the tool's bytes");
    let bundle = sigstore.attest(
        &signer,
        &[("tool.tar.gz", "sha256", &digest)],
        "https://slsa.dev/provenance/v1",
    );
    let bundle = w.write("tool.sigstore.json", bundle.to_string());
    let root = w.write("trusted_root.json", sigstore.trusted_root());
    let args = |root: Option<&Path>| {
        let mut args = vec![
            "attest".to_string(),
            "verify".into(),
            "--bundle".into(),
            bundle.display().to_string(),
            "--identity".into(),
            signer.identity.clone(),
            "--issuer".into(),
            signer.issuer.clone(),
        ];
        if let Some(root) = root {
            args.extend(["--trusted-root".into(), root.display().to_string()]);
        }
        args.push(artifact.display().to_string());
        args
    };
    let run = |args: Vec<String>| w.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    run(args(Some(&root)))
        .ok()
        .stderr_has("signed by https://github.com/example/tool/");
    // The public-good root does not trust the test instance.
    run(args(None)).fails(1);
}

/// The provenance crate's real `cosign sign-blob --key` sample.
fn cosign_key_sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/provenance/tests/data/cosign-key")
}

#[test]
fn a_detached_key_signature_verifies_and_names_the_key() {
    let dir = cosign_key_sample();
    let w = World::new();
    let (sig, key, file) = (
        dir.join("a.txt.sig"),
        dir.join("key.pub"),
        dir.join("a.txt"),
    );
    let args = |file: &str| {
        vec![
            "attest".to_string(),
            "verify".into(),
            "--signature".into(),
            sig.display().to_string(),
            "--key".into(),
            key.display().to_string(),
            file.to_string(),
        ]
    };
    let run = |args: Vec<String>| w.run(&args.iter().map(String::as_str).collect::<Vec<_>>());
    run(args(&file.display().to_string()))
        .ok()
        .stderr_has("signed by the given key (key:sha256:4cb32c4837c6dda8cfb1681efb3fef5f94ffce5b979e6bdb9139302c857af139)");
    let changed = w.write("a.txt", "not what was signed\n");
    run(args(&changed.display().to_string()))
        .fails(1)
        .stderr_has("does not verify against")
        .stderr_has("signed with another key");
}

#[test]
fn a_minisign_signature_verifies_with_the_key_or_its_file() {
    use crate::common::minisign::MinisignKey;
    let w = World::new();
    let key = MinisignKey::new("release");
    let file = w.write("tool.tar.gz", "a release archive");
    let sig = w.write(
        "tool.tar.gz.minisig",
        key.sign(
            b"a release archive",
            "timestamp:1735689600\tfile:tool.tar.gz",
            true,
        ),
    );
    let pub_file = w.write("minisign.pub", key.pub_file());
    let (file, sig, pub_file) = (
        file.to_str().unwrap(),
        sig.to_str().unwrap(),
        pub_file.to_str().unwrap(),
    );
    let public_key = key.public_key();
    for given in [public_key.as_str(), pub_file] {
        w.run(&[
            "attest",
            "verify",
            "--signature",
            sig,
            "--minisign-key",
            given,
            file,
        ])
        .ok()
        .stderr_has(&format!("signed by minisign key {}", key.key_id()))
        .stderr_has("trusted comment: timestamp:1735689600");
    }
    let other = MinisignKey::new("someone else");
    w.run(&[
        "attest",
        "verify",
        "--signature",
        sig,
        "--minisign-key",
        &other.public_key(),
        file,
    ])
    .fails(1)
    .stderr_has(&key.key_id())
    .stderr_has(&other.key_id());
    // A bundle is not checked with a minisign key, nor a signature with an
    // identity.
    w.run(&[
        "attest",
        "verify",
        "--bundle",
        sig,
        "--minisign-key",
        pub_file,
        file,
    ])
    .fails(2);
    w.run(&[
        "attest",
        "verify",
        "--signature",
        sig,
        "--identity",
        "x",
        "--issuer",
        "y",
        file,
    ])
    .fails(2);
}

#[test]
fn an_identity_pattern_is_checked_as_cosign_checks_it() {
    let Some(shared) = shared() else { return };
    let cases = shared.join("conformance/bundle-verify");
    let w = World::new();
    let bundle = cases.join("happy-path-v0.3/bundle.sigstore.json");
    let bundle = bundle.to_str().unwrap();
    let artifact = cases.join("a.txt");
    let artifact = artifact.to_str().unwrap();
    let run = |pattern: &str| {
        w.run(&[
            "attest",
            "verify",
            "--bundle",
            bundle,
            "--identity-regexp",
            pattern,
            "--issuer",
            ISSUER,
            artifact,
        ])
    };
    run(r"^https://github\.com/sigstore-conformance/\Qextremely-dangerous-public-oidc-beacon\E/")
        .ok()
        .stderr_has(IDENTITY);
    run(r"^https://github\.com/someone-else/")
        .fails(1)
        .stderr_has(IDENTITY)
        .stderr_has("does not match the expected pattern `^https://github\\.com/someone-else/`");
    run("(unclosed")
        .fails(1)
        .stderr_has("the identity pattern `(unclosed` is not valid");
}
