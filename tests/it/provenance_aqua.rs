//! Lock-time provenance of aqua packages: the material a definition
//! declares (GitHub artifact attestations with `signer_workflow`, cosign
//! bundles over the checksum file, SLSA provenance, cosign `--key`),
//! fetched from a fixture GitHub, verified against a test Sigstore
//! instance's root, and the signer recorded and pinned in the lock.

use crate::common;
use common::World;
use common::acme::{
    ISSUER, REPO, archive, asset_name, attest_on_api, provenance as recorded, publish,
};
use common::github::{page, release, sums};
use common::server::FixtureServer;
use common::sha256_hex;
use common::sigstore::{Signer, TestSigstore};

/// A workflow identity of `acme/tool`.
fn signer(workflow: &str, git_ref: &str) -> Signer {
    common::acme::signer(REPO, workflow, git_ref)
}

/// The registry file: `acme/tool` with `declarations` (YAML lines at the
/// package's level, indented four spaces) and `checksum_extra` (lines
/// inside `checksum`, indented six).
fn registry(declarations: &str, checksum_extra: &str) -> String {
    format!(
        r#"packages:
  - type: github_release
    repo_owner: acme
    repo_name: tool
    asset: tool_{{{{trimV .Version}}}}_{{{{.OS}}}}_{{{{.Arch}}}}.tar.gz
    checksum:
      type: github_release
      asset: checksums.txt
      algorithm: sha256
{checksum_extra}{declarations}"#
    )
}

fn project(s: &FixtureServer, sigstore: &TestSigstore, registry: &str, version: &str) -> World {
    let w = World::new()
        .with_env("DEVENV_GITHUB_API", &s.url("/api"))
        .with_env("DEVENV_PLATFORM", "linux-x86_64");
    w.write("trusted_root.json", sigstore.trusted_root());
    w.write("reg.yaml", registry);
    w.manifest(&format!(
        "[tools]\n\"aqua:acme/tool\" = \"{version}\"\n\n[settings]\nregistries = [\"reg.yaml\"]\ntrusted_root = \"trusted_root.json\"\n"
    ));
    w
}

fn provenance(w: &World) -> toml::Value {
    recorded(w, "aqua:acme/tool")
}

const ATTESTED: &str = "    github_artifact_attestations:\n      signer_workflow: acme/tool/\\.github/workflows/release\\.yml\n";

#[test]
fn an_attested_asset_locks_with_the_declared_workflow_recorded() {
    let sigstore = TestSigstore::new();
    let s = FixtureServer::start();
    publish(&s, &["1.0.0"], &|_, _| Vec::new());
    let builder = signer("release.yml", "refs/tags/v1.0.0");
    let path = attest_on_api(
        &s,
        &sigstore,
        &builder,
        &asset_name("1.0.0"),
        &archive("1.0.0"),
    );
    let w = project(&s, &sigstore, &registry(ATTESTED, ""), "1");
    w.run(&["lock"]).ok();
    let p = provenance(&w);
    assert_eq!(p["status"].as_str(), Some("verified"), "{}", w.lockfile());
    assert_eq!(p["identity"].as_str(), Some(builder.identity.as_str()));
    assert_eq!(p["issuer"].as_str(), Some(ISSUER));
    assert!(p["log_index"].as_integer().is_some());
    assert_eq!(s.hits(&path), 1);
    w.run(&["list", "--provenance"])
        .ok()
        .stdout_has(&format!("verified: {}", builder.identity));
}

#[test]
fn an_attestation_by_another_workflow_than_declared_is_refused() {
    let sigstore = TestSigstore::new();
    let s = FixtureServer::start();
    publish(&s, &["1.0.0"], &|_, _| Vec::new());
    // Validly signed, in the right repository, by the wrong workflow.
    let other = signer("hijack.yml", "refs/heads/main");
    attest_on_api(
        &s,
        &sigstore,
        &other,
        &asset_name("1.0.0"),
        &archive("1.0.0"),
    );
    let w = project(&s, &sigstore, &registry(ATTESTED, ""), "1");
    w.run(&["lock"])
        .fails(1)
        .stderr_has("aqua:acme/tool 1.0.0: no GitHub artifact attestation of the artifact")
        .stderr_has(&format!(
            "it was signed by {}, which is not the workflow its aqua definition declares (acme/tool/\\.github/workflows/release\\.yml)",
            other.identity
        ));
    assert!(!w.root.join("devenv.lock").exists());
}

#[test]
fn a_declared_attestation_that_is_missing_stops_the_lock() {
    let sigstore = TestSigstore::new();
    let s = FixtureServer::start();
    publish(&s, &["1.0.0"], &|_, _| Vec::new());
    let w = project(&s, &sigstore, &registry(ATTESTED, ""), "1");
    w.run(&["lock"])
        .fails(1)
        .stderr_has("its aqua definition declares GitHub artifact attestations of the artifact")
        .stderr_has("A declared signature that vanished is what a replaced release looks like");
    assert!(!w.root.join("devenv.lock").exists());
}

/// A cosign bundle of `checksums.txt`, keyless, with the identity exact.
fn cosign_exact(identity: &str) -> String {
    format!(
        "      cosign:\n        opts:\n          - --certificate-identity\n          - {identity}\n          - --certificate-oidc-issuer\n          - {ISSUER}\n        bundle:\n          type: github_release\n          asset: checksums.txt.sigstore.json\n"
    )
}

/// The same with cosign's identity pattern, `\Q…\E` around the tag.
const COSIGN_REGEXP: &str = "      cosign:\n        opts:\n          - --certificate-identity-regexp\n          - \"^https://github\\\\.com/acme/tool/\\\\.github/workflows/.+\\\\.ya?ml@refs/tags/\\\\Q{{.Version}}\\\\E$\"\n          - --certificate-oidc-issuer\n          - https://token.actions.githubusercontent.com\n        bundle:\n          type: github_release\n          asset: checksums.txt.sigstore.json\n";

fn bundle_of_checksums(sigstore: &TestSigstore, by: &Signer, checksums: &[u8]) -> Vec<u8> {
    sigstore
        .attest(
            by,
            &[("checksums.txt", "sha256", &sha256_hex(checksums))],
            "https://slsa.dev/provenance/v1",
        )
        .to_string()
        .into_bytes()
}

#[test]
fn a_cosign_bundle_of_the_checksum_file_binds_the_asset_and_records_the_signer() {
    let sigstore = TestSigstore::new();
    let s = FixtureServer::start();
    let builder = signer("release.yml", "refs/tags/v1.0.0");
    let b = builder.clone();
    let st = &sigstore;
    publish(&s, &["1.0.0"], &move |_, p| {
        vec![(
            "checksums.txt.sigstore.json".into(),
            bundle_of_checksums(st, &b, &p.checksums),
        )]
    });
    let w = project(
        &s,
        &sigstore,
        &registry("", &cosign_exact(&builder.identity)),
        "1",
    );
    w.run(&["lock"]).ok();
    let p = provenance(&w);
    assert_eq!(p["status"].as_str(), Some("verified"), "{}", w.lockfile());
    assert_eq!(p["identity"].as_str(), Some(builder.identity.as_str()));
    // Kept for an audit: the bundle and the checksum file it signs.
    w.run(&["verify", "--offline"])
        .ok()
        .stderr_has("provenance: 1 artifact verified again offline");
}

#[test]
fn a_cosign_bundle_by_another_identity_or_of_other_checksums_is_refused() {
    let sigstore = TestSigstore::new();
    let s = FixtureServer::start();
    let declared = signer("release.yml", "refs/tags/v1.0.0");
    let mallory = Signer {
        identity: "https://github.com/mallory/tool/.github/workflows/release.yml@refs/tags/v1.0.0"
            .into(),
        issuer: ISSUER.into(),
    };
    let m = mallory.clone();
    let st = &sigstore;
    publish(&s, &["1.0.0"], &move |_, p| {
        vec![(
            "checksums.txt.sigstore.json".into(),
            bundle_of_checksums(st, &m, &p.checksums),
        )]
    });
    let w = project(
        &s,
        &sigstore,
        &registry("", &cosign_exact(&declared.identity)),
        "1",
    );
    w.run(&["lock"])
        .fails(1)
        .stderr_has("aqua:acme/tool 1.0.0: the cosign bundle")
        .stderr_has(&format!(
            "does not verify as signed by {} (issuer {ISSUER}), as its aqua definition declares",
            declared.identity
        ));
    assert!(!w.root.join("devenv.lock").exists());

    // Signed by the right identity, but over another checksum file than
    // the release serves (the asset was replaced and the sums with it).
    let s = FixtureServer::start();
    let d = declared.clone();
    publish(&s, &["1.0.0"], &move |_, _| {
        let other = sums(&[("tool_1.0.0_linux_amd64.tar.gz", b"the original bytes")]);
        vec![(
            "checksums.txt.sigstore.json".into(),
            bundle_of_checksums(st, &d, &other),
        )]
    });
    let w = project(
        &s,
        &sigstore,
        &registry("", &cosign_exact(&declared.identity)),
        "1",
    );
    w.run(&["lock"])
        .fails(1)
        .stderr_has("the cosign bundle")
        .stderr_has("does not verify");
}

#[test]
fn an_update_signed_by_another_identity_stops_naming_both() {
    let sigstore = TestSigstore::new();
    let s = FixtureServer::start();
    let st = &sigstore;
    // Both match the declared pattern; 1.1.0 comes from another workflow.
    publish(&s, &["1.0.0"], &|v, p| {
        let by = signer("release.yml", &format!("refs/tags/v{v}"));
        vec![(
            "checksums.txt.sigstore.json".into(),
            bundle_of_checksums(st, &by, &p.checksums),
        )]
    });
    let w = project(&s, &sigstore, &registry("", COSIGN_REGEXP), "1");
    w.run(&["lock"]).ok();
    let first = provenance(&w);
    assert_eq!(
        first["identity"].as_str(),
        Some("https://github.com/acme/tool/.github/workflows/release.yml@refs/tags/v1.0.0")
    );
    let locked = w.lockfile();
    publish(&s, &["1.0.0", "1.1.0"], &|v, p| {
        let workflow = if v == "1.1.0" {
            "sneaky.yaml"
        } else {
            "release.yml"
        };
        let by = signer(workflow, &format!("refs/tags/v{v}"));
        vec![(
            "checksums.txt.sigstore.json".into(),
            bundle_of_checksums(st, &by, &p.checksums),
        )]
    });
    w.run(&["update"])
        .fails(1)
        .stderr_has("the provenance of these packages changed, so devenv.lock was not written")
        .stderr_has("aqua:acme/tool: acme/tool 1.1.0 was built by https://github.com/acme/tool/.github/workflows/sneaky.yaml@refs/tags/v1.1.0")
        .stderr_has("but the locked 1.0.0 was built by https://github.com/acme/tool/.github/workflows/release.yml@refs/tags/v1.0.0");
    assert_eq!(w.lockfile(), locked);
}

#[test]
fn a_declared_bundle_missing_from_the_release_stops_the_lock() {
    let sigstore = TestSigstore::new();
    let s = FixtureServer::start();
    publish(&s, &["1.0.0"], &|_, _| Vec::new());
    let w = project(&s, &sigstore, &registry("", COSIGN_REGEXP), "1");
    w.run(&["lock"])
        .fails(1)
        .stderr_has("aqua:acme/tool 1.0.0: its aqua definition declares the cosign bundle `checksums.txt.sigstore.json` among the release's assets, which is not there")
        .stderr_has("A declared signature that vanished is what a replaced release looks like, so devenv.lock was not written");
}

const SLSA: &str =
    "    slsa_provenance:\n      type: github_release\n      asset: multiple.intoto.jsonl\n";

#[test]
fn slsa_provenance_naming_the_asset_locks_with_its_builder() {
    let sigstore = TestSigstore::new();
    let s = FixtureServer::start();
    let generator = Signer {
        identity: "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v2.0.0".into(),
        issuer: ISSUER.into(),
    };
    let g = generator.clone();
    let st = &sigstore;
    publish(&s, &["1.0.0"], &move |v, p| {
        let bundle = st.attest(
            &g,
            &[
                ("checksums.txt", "sha256", &sha256_hex(&p.checksums)),
                (&asset_name(v), "sha256", &sha256_hex(&p.archive)),
            ],
            "https://slsa.dev/provenance/v0.2",
        );
        vec![(
            "multiple.intoto.jsonl".into(),
            format!("{bundle}\n").into_bytes(),
        )]
    });
    let w = project(&s, &sigstore, &registry(SLSA, ""), "1");
    w.run(&["lock"]).ok();
    let p = provenance(&w);
    assert_eq!(
        p["identity"].as_str(),
        Some(generator.identity.as_str()),
        "{}",
        w.lockfile()
    );

    // Provenance of other bytes (the asset is not among its subjects).
    let s = FixtureServer::start();
    let g = generator.clone();
    publish(&s, &["1.0.0"], &move |_, p| {
        let bundle = st.attest(
            &g,
            &[("checksums.txt", "sha256", &sha256_hex(&p.checksums))],
            "https://slsa.dev/provenance/v0.2",
        );
        vec![(
            "multiple.intoto.jsonl".into(),
            format!("{bundle}\n").into_bytes(),
        )]
    });
    let w = project(&s, &sigstore, &registry(SLSA, ""), "1");
    w.run(&["lock"])
        .fails(1)
        .stderr_has("aqua:acme/tool 1.0.0: the SLSA provenance")
        .stderr_has("does not verify for the locked sha256:");
}

#[test]
fn a_definition_declaring_nothing_records_that_nothing_is_published() {
    let sigstore = TestSigstore::new();
    let s = FixtureServer::start();
    publish(&s, &["1.0.0"], &|_, _| Vec::new());
    let w = project(&s, &sigstore, &registry("", ""), "1");
    w.run(&["lock"]).ok();
    assert_eq!(provenance(&w)["status"].as_str(), Some("none"));
}

/// A cosign key pair (ECDSA P-256, as `cosign generate-key-pair`): the
/// PEM public key, and `cosign sign-blob --key` of bytes (base64 DER).
struct CosignKey(p256::ecdsa::SigningKey);

impl CosignKey {
    fn new(label: &str) -> CosignKey {
        use sha2::Digest as _;
        let seed = sha2::Sha256::digest(format!("devenv test cosign key {label}").as_bytes());
        CosignKey(p256::ecdsa::SigningKey::from_slice(&seed).unwrap())
    }

    fn public_pem(&self) -> String {
        use base64::Engine as _;
        use p256::pkcs8::EncodePublicKey as _;
        let der = self.0.verifying_key().to_public_key_der().unwrap();
        let b64 = base64::engine::general_purpose::STANDARD.encode(der.as_bytes());
        let lines: Vec<&str> = b64
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            lines.join("\n")
        )
    }

    fn sign(&self, bytes: &[u8]) -> Vec<u8> {
        use base64::Engine as _;
        use p256::ecdsa::signature::Signer as _;
        let sig: p256::ecdsa::DerSignature = self.0.sign(bytes);
        base64::engine::general_purpose::STANDARD
            .encode(sig.as_bytes())
            .into_bytes()
    }
}

/// `--key URL --signature URL` in cosign's opts, as 21 definitions do.
fn cosign_key_opts(key_url: &str) -> String {
    format!(
        "      cosign:\n        opts:\n          - --key\n          - {key_url}\n          - --signature\n          - https://github.com/acme/tool/releases/download/{{{{.Version}}}}/checksums.txt.sig\n"
    )
}

#[test]
fn a_cosign_key_signature_pins_the_key_and_the_key_url_gets_no_token() {
    let sigstore = TestSigstore::new();
    let s = FixtureServer::start();
    // The key is published on another host than the API and releases.
    let keys = FixtureServer::start();
    let key = CosignKey::new("acme");
    keys.add_text("/cosign.pub", &key.public_pem());
    let k = &key;
    publish(&s, &["1.0.0"], &move |_, p| {
        vec![("checksums.txt.sig".into(), k.sign(&p.checksums))]
    });
    let reg = registry("", &cosign_key_opts(&keys.url("/cosign.pub")));
    // The user ties their token to the API's host (the fixture's port).
    let w = project(&s, &sigstore, &reg, "1")
        .with_env("GITHUB_TOKEN", "ghp_user_secret_77")
        .with_env(
            "DEVENV_GITHUB_TOKEN_HOSTS",
            &format!("127.0.0.1:{}", s.port()),
        );
    w.run(&["lock"]).ok();
    let p = provenance(&w);
    let identity = p["identity"].as_str().unwrap_or_default().to_string();
    assert!(identity.starts_with("key:sha256:"), "{}", w.lockfile());
    assert_eq!(p["issuer"].as_str(), Some(keys.url("/cosign.pub").as_str()));
    // The token went to the API the user named, and nowhere else.
    assert_eq!(
        s.last_header("/api/repos/acme/tool/releases", "authorization")
            .as_deref(),
        Some("Bearer ghp_user_secret_77")
    );
    assert_eq!(keys.hits("/cosign.pub"), 1);
    assert_eq!(keys.last_header("/cosign.pub", "authorization"), None);
    w.run(&["verify", "--offline"])
        .ok()
        .stderr_has("provenance: 1 artifact verified again offline");

    // The same checksums signed by another key: refused, naming the key.
    let s = FixtureServer::start();
    let mallory = CosignKey::new("mallory");
    let m = &mallory;
    publish(&s, &["1.0.0"], &move |_, p| {
        vec![("checksums.txt.sig".into(), m.sign(&p.checksums))]
    });
    let w = project(&s, &sigstore, &reg, "1");
    w.run(&["lock"])
        .fails(1)
        .stderr_has(&format!(
            "devenv: error: aqua:acme/tool 1.0.0: the cosign signature {}",
            s.url("/dl/acme/tool/v1.0.0/checksums.txt.sig")
        ))
        .stderr_has(&format!(
            "does not verify with the key {}",
            keys.url("/cosign.pub")
        ))
        .stderr_has("signed with another key");
}

/// `minisign` of the checksum file, as bufbuild/buf declares it.
fn minisign_decl(public_key: &str) -> String {
    format!(
        "      minisign:\n        type: github_release\n        asset: checksums.txt.minisig\n        public_key: {public_key}\n"
    )
}

#[test]
fn a_minisign_signature_of_the_checksums_locks_with_the_key_id() {
    let sigstore = TestSigstore::new();
    let s = FixtureServer::start();
    let key = common::minisign::MinisignKey::new("acme");
    let k = &key;
    publish(&s, &["1.0.0"], &move |v, p| {
        let sig = k.sign(&p.checksums, &format!("acme/tool v{v}"), true);
        vec![("checksums.txt.minisig".into(), sig.into_bytes())]
    });
    let w = project(
        &s,
        &sigstore,
        &registry("", &minisign_decl(&key.public_key())),
        "1",
    );
    w.run(&["lock"]).ok();
    let p = provenance(&w);
    assert_eq!(
        p["identity"].as_str(),
        Some(format!("minisign:{}", key.key_id()).as_str()),
        "{}",
        w.lockfile()
    );
    assert_eq!(p["issuer"].as_str(), Some("minisign"));
    // Kept, and verified again offline; a lock naming another key is not.
    s.stop();
    w.run(&["verify", "--offline"])
        .ok()
        .stderr_has("provenance: 1 artifact verified again offline");
    let locked = w.lockfile();
    w.write(
        "devenv.lock",
        locked.replace(&key.key_id(), "0123456789ABCDEF"),
    );
    w.run(&["verify", "--offline"])
        .fails(1)
        .stderr_has(&format!(
            "the kept signature is by minisign:{}, but the lock records minisign:0123456789ABCDEF",
            key.key_id()
        ));

    // Signed by another key than the definition declares.
    let s = FixtureServer::start();
    let other = common::minisign::MinisignKey::new("mallory");
    let o = &other;
    publish(&s, &["1.0.0"], &move |_, p| {
        vec![(
            "checksums.txt.minisig".into(),
            o.sign(&p.checksums, "mallory", false).into_bytes(),
        )]
    });
    let w = project(
        &s,
        &sigstore,
        &registry("", &minisign_decl(&key.public_key())),
        "1",
    );
    w.run(&["lock"])
        .fails(1)
        .stderr_has("aqua:acme/tool 1.0.0: the minisign signature")
        .stderr_has("does not verify with the key its aqua definition declares");
}

/// Keyless `--signature` + `--certificate` over `checksums.txt`, without a
/// bundle: 177 definitions declare this (tflint's shape).
const COSIGN_KEYLESS: &str = "      cosign:\n        opts:\n          - --certificate-identity\n          - https://github.com/acme/tool/.github/workflows/release.yml@refs/tags/{{.Version}}\n          - --certificate-oidc-issuer\n          - https://token.actions.githubusercontent.com\n          - --signature\n          - https://github.com/acme/tool/releases/download/{{.Version}}/checksums.txt.keyless.sig\n          - --certificate\n          - https://github.com/acme/tool/releases/download/{{.Version}}/checksums.txt.pem\n";

/// `project`, its trusted root's transparency log at `rekor`.
fn project_with_log(
    s: &FixtureServer,
    sigstore: &TestSigstore,
    rekor: &common::rekor::FixtureRekor,
    registry: &str,
) -> World {
    let w = project(s, sigstore, registry, "1");
    w.write(
        "trusted_root.json",
        sigstore.trusted_root_with_rekor(&rekor.url()),
    );
    w
}

#[test]
fn a_keyless_signature_without_a_bundle_is_joined_with_its_log_entry() {
    let sigstore = TestSigstore::new();
    let rekor = common::rekor::FixtureRekor::start();
    let s = FixtureServer::start();
    let builder = signer("release.yml", "refs/tags/v1.0.0");
    let (st, b, r) = (&sigstore, &builder, &rekor);
    publish(&s, &["1.0.0"], &move |_, p| {
        let signed = st.sign_blob(b, &p.checksums);
        r.add(&sha256_hex(&p.checksums), &signed.entry);
        vec![
            (
                "checksums.txt.keyless.sig".into(),
                signed.sig_file.into_bytes(),
            ),
            ("checksums.txt.pem".into(), signed.pem_file.into_bytes()),
        ]
    });
    let w = project_with_log(&s, &sigstore, &rekor, &registry("", COSIGN_KEYLESS));
    w.run(&["lock"]).ok();
    let p = provenance(&w);
    assert_eq!(
        p["identity"].as_str(),
        Some(builder.identity.as_str()),
        "{}",
        w.lockfile()
    );
    assert!(p["log_index"].as_integer().is_some());
    assert!(
        rekor
            .requests()
            .contains(&"POST /api/v1/index/retrieve".to_string()),
        "{:?}",
        rekor.requests()
    );
    // The bundle made from the entry is kept: audited with no network.
    drop(rekor);
    s.stop();
    w.run(&["verify", "--offline"])
        .ok()
        .stderr_has("provenance: 1 artifact verified again offline");
}

#[test]
fn a_keyless_signature_by_another_identity_or_not_logged_is_refused() {
    let sigstore = TestSigstore::new();
    let rekor = common::rekor::FixtureRekor::start();
    let s = FixtureServer::start();
    let mallory = Signer {
        identity: "https://github.com/mallory/tool/.github/workflows/release.yml@refs/tags/v1.0.0"
            .into(),
        issuer: ISSUER.into(),
    };
    let (st, m, r) = (&sigstore, &mallory, &rekor);
    publish(&s, &["1.0.0"], &move |_, p| {
        let signed = st.sign_blob(m, &p.checksums);
        r.add(&sha256_hex(&p.checksums), &signed.entry);
        vec![
            (
                "checksums.txt.keyless.sig".into(),
                signed.sig_file.into_bytes(),
            ),
            ("checksums.txt.pem".into(), signed.pem_file.into_bytes()),
        ]
    });
    let w = project_with_log(&s, &sigstore, &rekor, &registry("", COSIGN_KEYLESS));
    w.run(&["lock"])
        .fails(1)
        .stderr_has("aqua:acme/tool 1.0.0: the cosign signature")
        .stderr_has("does not verify as signed by https://github.com/acme/tool/.github/workflows/release.yml@refs/tags/v1.0.0 (issuer https://token.actions.githubusercontent.com)");
    assert!(!w.root.join("devenv.lock").exists());

    // Signed as declared, but never logged: no entry, no proof.
    let empty = common::rekor::FixtureRekor::start();
    let s = FixtureServer::start();
    let builder = signer("release.yml", "refs/tags/v1.0.0");
    let b = &builder;
    publish(&s, &["1.0.0"], &move |_, p| {
        let signed = st.sign_blob(b, &p.checksums);
        vec![
            (
                "checksums.txt.keyless.sig".into(),
                signed.sig_file.into_bytes(),
            ),
            ("checksums.txt.pem".into(), signed.pem_file.into_bytes()),
        ]
    });
    let w = project_with_log(&s, &sigstore, &empty, &registry("", COSIGN_KEYLESS));
    w.run(&["lock"]).fails(1).stderr_has("has no entry for it");
}

#[test]
fn a_bare_slsa_envelope_is_verified_with_its_log_entry_and_its_source() {
    let sigstore = TestSigstore::new();
    let rekor = common::rekor::FixtureRekor::start();
    let s = FixtureServer::start();
    let generator = Signer {
        identity: "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v1.9.0".into(),
        issuer: ISSUER.into(),
    };
    let (st, g, r) = (&sigstore, &generator, &rekor);
    publish(&s, &["1.0.0"], &move |v, p| {
        let digest = sha256_hex(&p.archive);
        let env = st.slsa_envelope(g, &[(&asset_name(v), &digest)], REPO);
        r.add(&digest, &env.entry);
        vec![(
            "multiple.intoto.jsonl".into(),
            format!("{}\n", env.jsonl).into_bytes(),
        )]
    });
    let w = project_with_log(&s, &sigstore, &rekor, &registry(SLSA, ""));
    w.run(&["lock"]).ok();
    assert_eq!(
        provenance(&w)["identity"].as_str(),
        Some(generator.identity.as_str()),
        "{}",
        w.lockfile()
    );

    // Valid provenance of another project's build of the same bytes.
    let rekor = common::rekor::FixtureRekor::start();
    let s = FixtureServer::start();
    let r = &rekor;
    publish(&s, &["1.0.0"], &move |v, p| {
        let digest = sha256_hex(&p.archive);
        let env = st.slsa_envelope(g, &[(&asset_name(v), &digest)], "mallory/tool");
        r.add(&digest, &env.entry);
        vec![(
            "multiple.intoto.jsonl".into(),
            format!("{}\n", env.jsonl).into_bytes(),
        )]
    });
    let w = project_with_log(&s, &sigstore, &rekor, &registry(SLSA, ""));
    w.run(&["lock"])
        .fails(1)
        .stderr_has("was built from https://github.com/mallory/tool, not from the package's repository https://github.com/acme/tool");
}

#[test]
fn what_devenv_cannot_read_stays_unchecked_and_a_requirement_refuses_it() {
    let sigstore = TestSigstore::new();
    let s = FixtureServer::start();
    publish(&s, &["1.0.0"], &|_, _| Vec::new());
    let unread = "      cosign:\n        opts:\n          - --rekor-url=https://rekor.example\n";
    let w = project(&s, &sigstore, &registry("", unread), "1");
    w.run(&["lock"]).ok().stderr_has(
        "aqua:acme/tool 1.0.0: provenance not checked: devenv does not read the cosign options --rekor-url",
    );
    assert_eq!(provenance(&w).as_str(), Some("absent"), "{}", w.lockfile());
    w.run(&["list", "--provenance"])
        .ok()
        .stdout_has("not checked");

    let required = |w: &World| {
        let text = w.read("devenv.toml").replace(
            "\"aqua:acme/tool\" = \"1\"",
            "\"aqua:acme/tool\" = { version = \"1\", provenance = \"required\" }",
        );
        w.manifest(&text);
    };
    required(&w);
    w.run(&["lock"])
        .fails(1)
        .stderr_has("aqua:acme/tool 1.0.0 for linux-x86_64: devenv.toml requires verified provenance, but devenv.lock records no provenance check for it");

    // A definition that declares nothing: recorded, and refused if required.
    let w = project(&s, &sigstore, &registry("", ""), "1");
    required(&w);
    w.run(&["lock"]).fails(1).stderr_has(
        "devenv.toml requires verified provenance, but its aqua definition declares no signature",
    );
}

/// Real slsa-github-generator provenance (see
/// `crates/provenance/tests/data/README.md`), locked through an aqua
/// definition against the shipped public-good root: the checksum file
/// gives the sha256 its subject names, so the lock binds those bytes.
#[test]
fn real_slsa_provenance_locks_against_the_shipped_root() {
    let jsonl = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("crates/provenance/tests/data/slsa/generic-v2.1.0.intoto.jsonl"),
    )
    .unwrap();
    let repo = "slsa-framework/example-package";
    let asset = "gha_generic-binary-linux-amd64-v14";
    let subject = "376e7e01348585b6e6643bc6663146b9d525d9b41228bf180eaeb4d4a3706caa";
    let s = FixtureServer::start();
    let assets = [
        // Not the real binary: lock time reads the digest from the checksum file.
        (asset, b"#!/bin/sh\n".to_vec()),
        (
            "checksums.txt",
            format!("{subject}  {asset}\n").into_bytes(),
        ),
        ("multiple.intoto.jsonl", jsonl),
    ];
    page(&s, repo, &[release(&s, repo, "v14.0.0", &assets, false)]);
    let reg = "packages:\n  - type: github_release\n    repo_owner: slsa-framework\n    repo_name: example-package\n    asset: gha_generic-binary-{{.OS}}-{{.Arch}}-v14\n    format: raw\n    checksum:\n      type: github_release\n      asset: checksums.txt\n      algorithm: sha256\n    slsa_provenance:\n      type: github_release\n      asset: multiple.intoto.jsonl\n";
    let w = World::new()
        .with_env("DEVENV_GITHUB_API", &s.url("/api"))
        .with_env("DEVENV_PLATFORM", "linux-x86_64");
    w.write("reg.yaml", reg);
    w.manifest("[tools]\n\"aqua:slsa-framework/example-package\" = \"14\"\n\n[settings]\nregistries = [\"reg.yaml\"]\n");
    w.run(&["lock"]).ok();
    let lock: toml::Table = toml::from_str(&w.lockfile()).unwrap();
    let p = &lock["tools"]["aqua:slsa-framework/example-package"]["artifacts"]["linux-x86_64"]["provenance"];
    assert_eq!(
        p["identity"].as_str(),
        Some(
            "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v2.1.0"
        ),
        "{}",
        w.lockfile()
    );
    assert_eq!(p["issuer"].as_str(), Some(ISSUER));
}

#[test]
fn an_attested_checksum_file_binds_the_asset_through_its_line() {
    let sigstore = TestSigstore::new();
    let s = FixtureServer::start();
    publish(&s, &["1.0.0"], &|_, _| Vec::new());
    let builder = signer("release.yml", "refs/tags/v1.0.0");
    // The attestation is of checksums.txt (tflint's shape), not the asset.
    let checksums = sums(&[(&asset_name("1.0.0"), &archive("1.0.0"))]);
    attest_on_api(&s, &sigstore, &builder, "checksums.txt", &checksums);
    let on_sums = "      github_artifact_attestations:\n        signer_workflow: acme/tool/.github/workflows/release.yml\n";
    let w = project(&s, &sigstore, &registry("", on_sums), "1");
    w.run(&["lock"]).ok();
    assert_eq!(
        provenance(&w)["identity"].as_str(),
        Some(builder.identity.as_str()),
        "{}",
        w.lockfile()
    );
    // Only another checksum file was attested (the release's was
    // replaced): the one served has no attestation, and is refused.
    let s = FixtureServer::start();
    publish(&s, &["1.0.0"], &|_, _| Vec::new());
    let other = sums(&[(&asset_name("1.0.0"), b"other bytes")]);
    attest_on_api(&s, &sigstore, &builder, "checksums.txt", &other);
    let w = project(&s, &sigstore, &registry("", on_sums), "1");
    w.run(&["lock"])
        .fails(1)
        .stderr_has("its aqua definition declares GitHub artifact attestations of the checksum file checksums.txt, but")
        .stderr_has("has none");
}

#[test]
fn a_minisign_signature_of_the_asset_itself_is_checked_against_its_bytes() {
    let sigstore = TestSigstore::new();
    let s = FixtureServer::start();
    let key = common::minisign::MinisignKey::new("acme");
    let k = &key;
    publish(&s, &["1.0.0"], &move |v, p| {
        vec![(
            format!("{}.minisig", asset_name(v)),
            k.sign(&p.archive, "acme/tool", false).into_bytes(),
        )]
    });
    let decl = format!(
        "    minisign:\n      type: github_release\n      asset: \"{{{{.Asset}}}}.minisig\"\n      public_key: {}\n",
        key.public_key()
    );
    let w = project(&s, &sigstore, &registry(&decl, ""), "1");
    w.run(&["lock"]).ok();
    assert_eq!(
        provenance(&w)["identity"].as_str(),
        Some(format!("minisign:{}", key.key_id()).as_str()),
        "{}",
        w.lockfile()
    );
    // The asset's bytes are not kept for an audit: said, with what to do.
    w.run(&["verify", "--offline"])
        .fails(1)
        .stderr_has("a minisign signature of the artifact itself is checked against its bytes, which devenv verify does not download; relock to check it again");
    // Without any kept evidence, verify says how to check again.
    std::fs::remove_dir_all(w.home.join("cache/provenance")).unwrap();
    w.run(&["verify"])
        .fails(1)
        .stderr_has("what an aqua definition declares is fetched when the tool is locked, and no copy is kept on this machine; to check it anew, remove the tool's entry from devenv.lock and lock again");
}

#[test]
fn the_platforms_of_a_release_share_one_fetch_of_its_signature() {
    let sigstore = TestSigstore::new();
    let s = FixtureServer::start();
    let builder = signer("release.yml", "refs/tags/v1.0.0");
    let names = [
        "tool_1.0.0_linux_amd64.tar.gz",
        "tool_1.0.0_darwin_arm64.tar.gz",
    ];
    let bodies: Vec<Vec<u8>> = names.iter().map(|n| archive(n)).collect();
    let checksums = sums(&[(names[0], &bodies[0]), (names[1], &bodies[1])]);
    let bundle = bundle_of_checksums(&sigstore, &builder, &checksums);
    let assets = [
        (names[0], bodies[0].clone()),
        (names[1], bodies[1].clone()),
        ("checksums.txt", checksums),
        ("checksums.txt.sigstore.json", bundle),
    ];
    page(&s, REPO, &[release(&s, REPO, "v1.0.0", &assets, false)]);
    let w = project(
        &s,
        &sigstore,
        &registry("", &cosign_exact(&builder.identity)),
        "1",
    );
    let text = w.read("devenv.toml").replace(
        "[settings]\n",
        "[settings]\nplatforms = [\"linux-x86_64\", \"macos-aarch64\"]\n",
    );
    w.manifest(&text);
    w.run(&["lock"]).ok();
    let lock = w.lockfile();
    assert_eq!(
        lock.matches(&format!("identity = \"{}\"", builder.identity))
            .count(),
        2,
        "{lock}"
    );
    assert_eq!(
        s.hits("/dl/acme/tool/v1.0.0/checksums.txt.sigstore.json"),
        1
    );
}
