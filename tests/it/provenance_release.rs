//! Lock-time provenance from what a GitHub release publishes beside an
//! asset, found by name: a Sigstore bundle (`ASSET.sigstore.json`), a
//! keyless `ASSET.sig` + `ASSET.pem` found in the transparency log, SLSA
//! provenance (`ASSET.intoto.jsonl`, `multiple.intoto.jsonl`), and the
//! same for the checksum file the asset's digest came from. For `github:`
//! tools, and for aqua packages whose definition declares nothing (which
//! also get the GitHub attestation API, as `github:` tools do).

use crate::common;
use common::World;
use common::acme::{ISSUER, Published, REPO, archive, asset_name, provenance, publish, signer};
use common::github::sums;
use common::rekor::FixtureRekor;
use common::server::FixtureServer;
use common::sha256_hex;
use common::sigstore::{Signer, TestSigstore};

/// A project locking `github:acme/tool` against the test instance's root
/// (its log at `rekor`, when given).
fn project(s: &FixtureServer, sigstore: &TestSigstore, rekor: Option<&FixtureRekor>) -> World {
    let w = World::new()
        .with_env("DEVENV_GITHUB_API", &s.url("/api"))
        .with_env("DEVENV_PLATFORM", "linux-x86_64");
    let root = match rekor {
        Some(r) => sigstore.trusted_root_with_rekor(&r.url()),
        None => sigstore.trusted_root(),
    };
    w.write("trusted_root.json", root);
    w.manifest("[tools]\n\"github:acme/tool\" = \"1\"\n\n[settings]\ntrusted_root = \"trusted_root.json\"\n");
    w
}

fn identity(w: &World, tool: &str) -> Option<String> {
    provenance(w, tool)["identity"].as_str().map(str::to_string)
}

fn bundle(sigstore: &TestSigstore, by: &Signer, bytes: &[u8]) -> Vec<u8> {
    sigstore
        .sign_blob_bundle(by, bytes)
        .to_string()
        .into_bytes()
}

#[test]
fn a_sigstore_bundle_beside_the_asset_locks_with_its_signer() {
    let sigstore = TestSigstore::new();
    let s = FixtureServer::start();
    let builder = signer(REPO, "release.yml", "refs/tags/v1.0.0");
    let (st, b) = (&sigstore, &builder);
    publish(&s, &["1.0.0"], &|v, p| {
        vec![(
            format!("{}.sigstore.json", asset_name(v)),
            bundle(st, b, &p.archive),
        )]
    });
    let w = project(&s, &sigstore, None);
    w.run(&["lock"]).ok();
    let p = provenance(&w, "github:acme/tool");
    assert_eq!(p["status"].as_str(), Some("verified"), "{}", w.lockfile());
    assert_eq!(p["identity"].as_str(), Some(builder.identity.as_str()));
    assert_eq!(p["issuer"].as_str(), Some(ISSUER));
    assert!(p["log_index"].as_integer().is_some());
    // The GitHub attestation API was asked first, as before.
    let api = format!(
        "/api/repos/{REPO}/attestations/sha256:{}",
        sha256_hex(&archive("1.0.0"))
    );
    assert_eq!(s.hits(&api), 1);
    w.run(&["list", "--provenance"])
        .ok()
        .stdout_has(&format!("verified: {}", builder.identity));
    // The bundle is kept: audited with no network.
    s.stop();
    w.run(&["verify", "--offline"])
        .ok()
        .stderr_has("provenance: 1 artifact verified again offline");
}

#[test]
fn a_bundle_of_other_bytes_stops_the_lock_and_another_format_is_not_read() {
    let sigstore = TestSigstore::new();
    let builder = signer(REPO, "release.yml", "refs/tags/v1.0.0");
    let (st, b) = (&sigstore, &builder);
    // A valid bundle, of another file: what a replaced asset looks like.
    let s = FixtureServer::start();
    publish(&s, &["1.0.0"], &|v, _| {
        vec![(
            format!("{}.sigstore.json", asset_name(v)),
            bundle(st, b, b"the asset as it was signed"),
        )]
    });
    let w = project(&s, &sigstore, None);
    w.run(&["lock"])
        .fails(1)
        .stderr_has(&format!(
            "github:acme/tool 1.0.0: the Sigstore bundle {}",
            s.url(&format!(
                "/dl/{REPO}/v1.0.0/{}.sigstore.json",
                asset_name("1.0.0")
            ))
        ))
        .stderr_has(&format!(
            "its release publishes beside {} does not verify",
            asset_name("1.0.0")
        ));
    assert!(!w.root.join("devenv.lock").exists());

    // cosign's older `--bundle` format is no Sigstore bundle: said, and
    // nothing is recorded as verified.
    let s = FixtureServer::start();
    publish(&s, &["1.0.0"], &|v, _| {
        vec![(
            format!("{}.bundle", asset_name(v)),
            br#"{"base64Signature":"MEUCIQ==","cert":"LS0t","rekorBundle":{"SignedEntryTimestamp":"MEU=","Payload":{"body":"e30=","integratedTime":1,"logIndex":1,"logID":"00"}}}"#.to_vec(),
        )]
    });
    let w = project(&s, &sigstore, None);
    w.run(&["lock"])
        .ok()
        .stderr_has(".bundle is not a Sigstore bundle");
    assert_eq!(
        provenance(&w, "github:acme/tool")["status"].as_str(),
        Some("none"),
        "{}",
        w.lockfile()
    );
}

#[test]
fn a_signed_checksum_file_binds_the_asset_through_its_line() {
    let sigstore = TestSigstore::new();
    let builder = signer(REPO, "release.yml", "refs/tags/v1.0.0");
    let (st, b) = (&sigstore, &builder);
    let s = FixtureServer::start();
    publish(&s, &["1.0.0"], &|_, p| {
        vec![(
            "checksums.txt.sigstore.json".into(),
            bundle(st, b, &p.checksums),
        )]
    });
    let w = project(&s, &sigstore, None);
    w.run(&["lock"]).ok();
    assert_eq!(
        identity(&w, "github:acme/tool").as_deref(),
        Some(builder.identity.as_str()),
        "{}",
        w.lockfile()
    );
    s.stop();
    w.run(&["verify", "--offline"])
        .ok()
        .stderr_has("provenance: 1 artifact verified again offline");

    // The signature is of a checksum file listing other bytes for the
    // asset than the one published.
    let s = FixtureServer::start();
    publish(&s, &["1.0.0"], &|v, _| {
        let forged = sums(&[(&asset_name(v), b"other bytes")]);
        vec![("checksums.txt.sigstore.json".into(), bundle(st, b, &forged))]
    });
    let w = project(&s, &sigstore, None);
    w.run(&["lock"])
        .fails(1)
        .stderr_has("its release publishes beside checksums.txt does not verify");
    assert!(!w.root.join("devenv.lock").exists());
}

#[test]
fn keyless_signatures_beside_the_asset_or_its_checksums_are_found_in_the_log() {
    let sigstore = TestSigstore::new();
    let builder = signer(REPO, "release.yml", "refs/tags/v1.0.0");
    for checksums in [false, true] {
        let rekor = FixtureRekor::start();
        let s = FixtureServer::start();
        let (st, b, r) = (&sigstore, &builder, &rekor);
        publish(&s, &["1.0.0"], &|v, p| {
            let (name, bytes) = if checksums {
                ("checksums.txt".to_string(), &p.checksums)
            } else {
                (asset_name(v), &p.archive)
            };
            let signed = st.sign_blob(b, bytes);
            r.add(&sha256_hex(bytes), &signed.entry);
            vec![
                (format!("{name}.sig"), signed.sig_file.into_bytes()),
                (format!("{name}.pem"), signed.pem_file.into_bytes()),
            ]
        });
        let w = project(&s, &sigstore, Some(&rekor));
        w.run(&["lock"]).ok();
        let p = provenance(&w, "github:acme/tool");
        assert_eq!(
            p["identity"].as_str(),
            Some(builder.identity.as_str()),
            "checksums: {checksums}: {}",
            w.lockfile()
        );
        assert!(p["log_index"].as_integer().is_some());
        assert!(
            rekor
                .requests()
                .contains(&"POST /api/v1/index/retrieve".to_string())
        );
    }

    // Not in the log: a keyless signature proves nothing without it.
    let rekor = FixtureRekor::start();
    let s = FixtureServer::start();
    let (st, b) = (&sigstore, &builder);
    publish(&s, &["1.0.0"], &|v, p| {
        let signed = st.sign_blob(b, &p.archive);
        vec![
            (
                format!("{}.sig", asset_name(v)),
                signed.sig_file.into_bytes(),
            ),
            (
                format!("{}.pem", asset_name(v)),
                signed.pem_file.into_bytes(),
            ),
        ]
    });
    let w = project(&s, &sigstore, Some(&rekor));
    w.run(&["lock"])
        .fails(1)
        .stderr_has(&format!(
            "the keyless cosign signature {}",
            s.url(&format!("/dl/{REPO}/v1.0.0/{}.sig", asset_name("1.0.0")))
        ))
        .stderr_has("has no entry for it");
}

#[test]
fn a_key_beside_a_signature_is_no_certificate_and_is_not_read() {
    let sigstore = TestSigstore::new();
    let s = FixtureServer::start();
    // What a project signing with a cosign key might publish.
    let key = "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE7Z6wHkPxCSrHcTbE2DPr3ZJz1nZ4\nz6hWqk0lmGw0a0b1mGq9dYc6R1tBz9lLZo2Y0uXGk0U8mLrZ8C3d1eQ3Pw==\n-----END PUBLIC KEY-----\n";
    publish(&s, &["1.0.0"], &|_, _| {
        vec![
            ("checksums.txt.sig".into(), b"MEUCIQDx".to_vec()),
            ("checksums.txt.pem".into(), key.as_bytes().to_vec()),
        ]
    });
    let w = project(&s, &sigstore, None);
    w.run(&["lock"]).ok().stderr_has(&format!(
        "{} is not a certificate, so the signature",
        s.url(&format!("/dl/{REPO}/v1.0.0/checksums.txt.pem"))
    ));
    assert_eq!(
        provenance(&w, "github:acme/tool")["status"].as_str(),
        Some("none"),
        "{}",
        w.lockfile()
    );
}

#[test]
fn slsa_provenance_beside_the_asset_must_name_it() {
    let sigstore = TestSigstore::new();
    let generator = Signer {
        identity: "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v2.0.0".into(),
        issuer: ISSUER.into(),
    };
    let g = &generator;
    let st = &sigstore;
    // `ASSET.intoto.jsonl` holding a Sigstore bundle.
    let s = FixtureServer::start();
    publish(&s, &["1.0.0"], &|v, p| {
        let doc = st.attest(
            g,
            &[(&asset_name(v), "sha256", &sha256_hex(&p.archive))],
            "https://slsa.dev/provenance/v1",
        );
        vec![(
            format!("{}.intoto.jsonl", asset_name(v)),
            format!("{doc}\n").into_bytes(),
        )]
    });
    let w = project(&s, &sigstore, None);
    w.run(&["lock"]).ok();
    assert_eq!(
        identity(&w, "github:acme/tool").as_deref(),
        Some(generator.identity.as_str()),
        "{}",
        w.lockfile()
    );

    // `multiple.intoto.jsonl`, a bare envelope found in the log.
    let rekor = FixtureRekor::start();
    let s = FixtureServer::start();
    let r = &rekor;
    publish(&s, &["1.0.0"], &|v, p| {
        let digest = sha256_hex(&p.archive);
        let env = st.slsa_envelope(g, &[(&asset_name(v), &digest)], REPO);
        r.add(&digest, &env.entry);
        vec![("multiple.intoto.jsonl".into(), env.jsonl.into_bytes())]
    });
    let w = project(&s, &sigstore, Some(&rekor));
    w.run(&["lock"]).ok();
    assert_eq!(
        identity(&w, "github:acme/tool").as_deref(),
        Some(generator.identity.as_str()),
        "{}",
        w.lockfile()
    );

    // Provenance of other bytes only: the asset is not among its subjects.
    let s = FixtureServer::start();
    publish(&s, &["1.0.0"], &|v, _| {
        let doc = st.attest(
            g,
            &[(&asset_name(v), "sha256", &sha256_hex(b"another build"))],
            "https://slsa.dev/provenance/v1",
        );
        vec![(
            "multiple.intoto.jsonl".into(),
            format!("{doc}\n").into_bytes(),
        )]
    });
    let w = project(&s, &sigstore, None);
    w.run(&["lock"])
        .fails(1)
        .stderr_has("github:acme/tool 1.0.0: the SLSA provenance")
        .stderr_has("does not verify for the locked sha256:");
}

#[test]
fn an_update_signed_by_another_identity_stops_naming_both() {
    let sigstore = TestSigstore::new();
    let s = FixtureServer::start();
    let st = &sigstore;
    let by = |v: &str| {
        let repo = if v == "1.1.0" { "mallory/tool" } else { REPO };
        signer(repo, "release.yml", &format!("refs/tags/v{v}"))
    };
    let extra = |v: &str, p: &Published| {
        vec![(
            format!("{}.sigstore.json", asset_name(v)),
            bundle(st, &by(v), &p.archive),
        )]
    };
    publish(&s, &["1.0.0"], &extra);
    let w = project(&s, &sigstore, None);
    w.run(&["lock"]).ok();
    let locked = w.lockfile();
    publish(&s, &["1.0.0", "1.1.0"], &extra);
    w.run(&["update"])
        .fails(1)
        .stderr_has("the provenance of these packages changed, so devenv.lock was not written")
        .stderr_has(&format!(
            "github:acme/tool: acme/tool 1.1.0 was built by {}",
            by("1.1.0").identity
        ))
        .stderr_has(&format!(
            "but the locked 1.0.0 was built by {}",
            by("1.0.0").identity
        ));
    assert_eq!(w.lockfile(), locked);
}

#[test]
fn a_release_without_material_records_none() {
    let sigstore = TestSigstore::new();
    let s = FixtureServer::start();
    // A `.sig` without its `.pem` is a key's (or GPG's): no key vouches.
    publish(&s, &["1.0.0"], &|v, _| {
        vec![(
            format!("{}.sig", asset_name(v)),
            b"iQEzBAABCAAdFiEE".to_vec(),
        )]
    });
    let w = project(&s, &sigstore, None);
    w.run(&["lock"]).ok();
    assert_eq!(
        provenance(&w, "github:acme/tool")["status"].as_str(),
        Some("none"),
        "{}",
        w.lockfile()
    );
    w.run(&["list", "--provenance"])
        .ok()
        .stdout_has("not published");
    // Required: refused, saying what was looked for.
    w.manifest("[tools]\n\"github:acme/tool\" = { version = \"1\", provenance = \"required\" }\n\n[settings]\ntrusted_root = \"trusted_root.json\"\n");
    w.run(&["lock"]).fails(1).stderr_has(
        "github:acme/tool 1.0.0 for linux-x86_64: devenv.toml requires verified provenance, but its release publishes none devenv reads",
    );
}

#[test]
fn a_file_beside_an_attested_asset_must_verify_too() {
    let sigstore = TestSigstore::new();
    let s = FixtureServer::start();
    let builder = signer(REPO, "release.yml", "refs/tags/v1.0.0");
    let st = &sigstore;
    publish(&s, &["1.0.0"], &|v, _| {
        let other = signer("mallory/tool", "release.yml", "refs/heads/main");
        vec![(
            format!("{}.sigstore.json", asset_name(v)),
            bundle(st, &other, b"another file"),
        )]
    });
    attest_on_api(&s, &sigstore, &builder, "1.0.0");
    let w = project(&s, &sigstore, None);
    w.run(&["lock"])
        .fails(1)
        .stderr_has("its release publishes beside")
        .stderr_has("does not verify");
}

#[test]
fn a_used_up_rate_limit_at_the_attestation_api_says_how_to_raise_it() {
    let sigstore = TestSigstore::new();
    let s = FixtureServer::start();
    publish(&s, &["1.0.0"], &|_, _| Vec::new());
    let digest = sha256_hex(&archive("1.0.0"));
    s.add_with_headers(
        &format!("/api/repos/{REPO}/attestations/sha256:{digest}"),
        403,
        &[
            ("x-ratelimit-limit", "60"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "4102444800"),
        ],
        r#"{"message": "API rate limit exceeded"}"#,
    );
    let w = project(&s, &sigstore, None);
    w.run(&["lock"])
        .fails(1)
        .stderr_has("GitHub's API rate limit is used up (60 requests an hour)")
        .stderr_has("set GITHUB_TOKEN");
    assert!(!w.project.join("devenv.lock").exists());
}

/// Serves, as GitHub's API does, an attestation of `version`'s archive
/// by `by`; the API path.
fn attest_on_api(s: &FixtureServer, sigstore: &TestSigstore, by: &Signer, version: &str) -> String {
    common::acme::attest_on_api(s, sigstore, by, &asset_name(version), &archive(version))
}

/// A project locking `aqua:acme/tool` from a registry whose definition
/// declares no signature.
fn aqua_project(s: &FixtureServer, sigstore: &TestSigstore) -> World {
    let w = World::new()
        .with_env("DEVENV_GITHUB_API", &s.url("/api"))
        .with_env("DEVENV_PLATFORM", "linux-x86_64");
    w.write("trusted_root.json", sigstore.trusted_root());
    w.write(
        "reg.yaml",
        "packages:\n  - type: github_release\n    repo_owner: acme\n    repo_name: tool\n    asset: tool_{{trimV .Version}}_{{.OS}}_{{.Arch}}.tar.gz\n    checksum:\n      type: github_release\n      asset: checksums.txt\n      algorithm: sha256\n",
    );
    w.manifest("[tools]\n\"aqua:acme/tool\" = \"1\"\n\n[settings]\nregistries = [\"reg.yaml\"]\ntrusted_root = \"trusted_root.json\"\n");
    w
}

#[test]
fn an_aqua_package_declaring_nothing_is_checked_as_a_github_release() {
    let sigstore = TestSigstore::new();
    let builder = signer(REPO, "release.yml", "refs/tags/v1.0.0");
    // Its repository's GitHub artifact attestations, as for `github:`.
    let s = FixtureServer::start();
    publish(&s, &["1.0.0"], &|_, _| Vec::new());
    let api = attest_on_api(&s, &sigstore, &builder, "1.0.0");
    let w = aqua_project(&s, &sigstore);
    w.run(&["lock"]).ok();
    assert_eq!(
        identity(&w, "aqua:acme/tool").as_deref(),
        Some(builder.identity.as_str()),
        "{}",
        w.lockfile()
    );
    assert_eq!(s.hits(&api), 1);

    // What its release publishes beside the checksum file.
    let s = FixtureServer::start();
    let (st, b) = (&sigstore, &builder);
    publish(&s, &["1.0.0"], &|_, p| {
        vec![(
            "checksums.txt.sigstore.json".into(),
            bundle(st, b, &p.checksums),
        )]
    });
    let w = aqua_project(&s, &sigstore);
    w.run(&["lock"]).ok();
    assert_eq!(
        identity(&w, "aqua:acme/tool").as_deref(),
        Some(builder.identity.as_str()),
        "{}",
        w.lockfile()
    );

    // Forged: refused, as for `github:`.
    let s = FixtureServer::start();
    publish(&s, &["1.0.0"], &|_, _| {
        vec![(
            "checksums.txt.sigstore.json".into(),
            bundle(st, b, b"other checksums"),
        )]
    });
    let w = aqua_project(&s, &sigstore);
    w.run(&["lock"])
        .fails(1)
        .stderr_has("aqua:acme/tool 1.0.0: the Sigstore bundle")
        .stderr_has("its release publishes beside checksums.txt does not verify");
}

#[test]
fn an_audit_without_the_kept_bundle_says_how_to_check_again() {
    let sigstore = TestSigstore::new();
    let s = FixtureServer::start();
    let builder = signer(REPO, "release.yml", "refs/tags/v1.0.0");
    let (st, b) = (&sigstore, &builder);
    publish(&s, &["1.0.0"], &|v, p| {
        vec![(
            format!("{}.sigstore.json", asset_name(v)),
            bundle(st, b, &p.archive),
        )]
    });
    let w = project(&s, &sigstore, None);
    w.run(&["lock"]).ok();
    std::fs::remove_dir_all(w.home.join("cache/provenance")).unwrap();
    // Online, the attestation API is asked again; it has nothing, and the
    // record came from the file beside the asset.
    w.run(&["verify"])
        .fails(1)
        .stderr_has(
            "no kept bundle on this machine, and the GitHub attestation API has none for it",
        )
        .stderr_has("remove the tool's entry from devenv.lock and lock again");
}
