//! The fixtures for release-asset provenance (minisign signatures, cosign
//! keyless signatures and bare SLSA envelopes found through a fixture
//! Rekor) verified by devenv's provenance library, as lock time does.

use crate::common;
use common::minisign::MinisignKey;
use common::rekor::FixtureRekor;
use common::sha256_hex;
use common::sigstore::{Signer, TestSigstore};
use devenv_provenance::{Expect, Material, Subject, TrustedRoot};

const CHECKSUMS: &[u8] = b"0123abcd  tool_1.0.0_linux_amd64.tar.gz\n";

#[test]
fn fixture_minisign_signatures_verify_and_name_their_key() {
    let key = MinisignKey::new("release");
    for prehashed in [true, false] {
        let sig = key.sign(
            CHECKSUMS,
            "timestamp:1735689600\tfile:checksums.txt",
            prehashed,
        );
        let v = devenv_provenance::verify_minisign(&key.public_key(), &sig, CHECKSUMS).unwrap();
        assert_eq!(v.key_id, key.key_id());
        assert_eq!(
            v.trusted_comment,
            "timestamp:1735689600\tfile:checksums.txt"
        );
        assert!(devenv_provenance::verify_minisign(&key.pub_file(), &sig, CHECKSUMS).is_ok());
        // A signature by another key is refused, naming both keys.
        let other = MinisignKey::new("attacker");
        let forged = other.sign(CHECKSUMS, "timestamp:1735689600", prehashed);
        let e = devenv_provenance::verify_minisign(&key.public_key(), &forged, CHECKSUMS)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(&other.key_id()) && e.contains(&key.key_id()),
            "{e}"
        );
    }
}

fn post(url: &str, body: &str) -> String {
    ureq::post(url)
        .header("Content-Type", "application/json")
        .send(body)
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap()
}

fn get(url: &str) -> String {
    ureq::get(url)
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap()
}

/// Looks `sha256` up in the root's log as devenv does: retrieve, then each
/// entry; the answers.
fn lookup(root: &TrustedRoot, sha256: &[u8; 32]) -> Vec<String> {
    let base = &root.rekor_urls()[0];
    let request = devenv_provenance::rekor::retrieve_request(sha256);
    let uuids = post(&format!("{base}/api/v1/index/retrieve"), &request);
    devenv_provenance::rekor::parse_retrieve(&uuids)
        .unwrap()
        .iter()
        .map(|uuid| {
            get(&format!(
                "{base}{}",
                devenv_provenance::rekor::entry_path(uuid)
            ))
        })
        .collect()
}

fn digest(bytes: &[u8]) -> [u8; 32] {
    devenv_model::digest::Digest::of(devenv_model::digest::Algorithm::Sha256, bytes)
        .bytes
        .try_into()
        .unwrap()
}

#[test]
fn a_keyless_cosign_signature_is_found_in_the_fixture_log_and_verifies() {
    let sigstore = TestSigstore::new();
    let rekor = FixtureRekor::start();
    let signer = Signer::github("owner/tool");
    let signed = sigstore.sign_blob(&signer, CHECKSUMS);
    rekor.add(&sha256_hex(CHECKSUMS), &signed.entry);
    let root =
        TrustedRoot::from_json(&sigstore.trusted_root_with_rekor(&rekor.url()), "test").unwrap();
    assert_eq!(root.rekor_urls(), [rekor.url()]);

    let entries = lookup(&root, &digest(CHECKSUMS));
    assert_eq!(entries.len(), 1);
    let material = Material::MessageSignature {
        cert_pem: signed.pem_file.clone(),
        signature: signed.sig_file.clone().into_bytes(),
    };
    let bundle = devenv_provenance::rekor::bundle_from_entry(&entries[0], material).unwrap();
    let bundle = devenv_provenance::parse_bundle(&bundle).unwrap();
    let expect = Expect::IdentityRegex {
        pattern: r"^https://github\.com/owner/tool/\.github/workflows/release\.yml@".into(),
        issuer: signer.issuer.clone(),
    };
    let v = devenv_provenance::verify(&bundle, Subject::Bytes(CHECKSUMS), &expect, &root).unwrap();
    assert_eq!(v.identity, signer.identity);
    assert!(v.log_index.is_some());
    // A replaced checksums file is refused, and the log knows nothing of it.
    let replaced = b"6666ffff  tool_1.0.0_linux_amd64.tar.gz\n";
    assert!(devenv_provenance::verify(&bundle, Subject::Bytes(replaced), &expect, &root).is_err());
    assert!(lookup(&root, &digest(replaced)).is_empty());
    assert!(
        rekor
            .requests()
            .contains(&"POST /api/v1/index/retrieve".to_string())
    );
}

#[test]
fn a_bare_slsa_envelope_is_found_by_its_subject_and_verifies() {
    let sigstore = TestSigstore::new();
    let rekor = FixtureRekor::start();
    let builder = Signer {
        identity: "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v1.9.0".into(),
        issuer: "https://token.actions.githubusercontent.com".into(),
    };
    let archive = b"a release archive";
    let hex = sha256_hex(archive);
    let provenance = sigstore.slsa_envelope(&builder, &[("tool.tar.gz", &hex)], "owner/tool");
    rekor.add(&hex, &provenance.entry);
    let root =
        TrustedRoot::from_json(&sigstore.trusted_root_with_rekor(&rekor.url()), "test").unwrap();

    let entries = lookup(&root, &digest(archive));
    let documents = devenv_provenance::provenance_documents(&provenance.jsonl).unwrap();
    let material = Material::Dsse {
        envelope_json: documents[0].clone(),
    };
    let bundle = devenv_provenance::rekor::bundle_from_entry(&entries[0], material).unwrap();
    let bundle = devenv_provenance::parse_bundle(&bundle).unwrap();
    let subject = digest(archive);
    let v = devenv_provenance::verify(
        &bundle,
        Subject::Sha256(&subject),
        &Expect::AnyIdentity,
        &root,
    )
    .unwrap();
    assert_eq!(v.identity, builder.identity);
    let statement = devenv_provenance::slsa_subjects(&documents[0]).unwrap();
    assert!(statement.covers(&hex));
    assert_eq!(
        statement.source_repo.as_deref(),
        Some("https://github.com/owner/tool")
    );
    // Against the public-good root, the fixture's material is refused.
    let public = TrustedRoot::public_good();
    assert!(
        devenv_provenance::verify(
            &bundle,
            Subject::Sha256(&subject),
            &Expect::AnyIdentity,
            &public
        )
        .is_err()
    );
}
