//! Looking signatures up in a Rekor (v1) transparency log, without
//! networking: the caller sends the requests these functions write and
//! hands back the answers.
//!
//! Much signed release material carries no log entry of its own: cosign
//! keyless `.sig` + `.pem` pairs, and SLSA provenance written before
//! slsa-github-generator produced Sigstore bundles (a bare DSSE envelope).
//! Its entry is found by the artifact's SHA-256:
//!
//! 1. `POST {baseUrl}/api/v1/index/retrieve` with [`retrieve_request`]'s
//!    body answers a list of entry UUIDs ([`parse_retrieve`]);
//! 2. `GET {baseUrl}/api/v1/log/entries/{uuid}` answers
//!    `{"<uuid>": {"body", "integratedTime", "logID", "logIndex",
//!    "verification": {"inclusionProof": {…, "checkpoint"},
//!    "signedEntryTimestamp"}}}`;
//! 3. [`bundle_from_entry`] joins that entry and the release's material
//!    into a Sigstore bundle, which [`crate::verify`] then checks like any
//!    other (certificate chain, SCT, entry signature, inclusion proof and
//!    checkpoint or signed entry timestamp, and that the entry describes
//!    exactly this signature and certificate). The bundle can be stored
//!    and verified again offline.
//!
//! The base URL is the trusted root's ([`crate::TrustedRoot::rekor_urls`]),
//! so a test root points devenv at a test log with no other setting.

use crate::{Error, MAX_DOCUMENT_BYTES, malformed, parse_bundle};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};
use sigstore_verify::rekor::LogEntry;
use sigstore_verify::types::{DerCertificate, KindVersion};

/// The most entry UUIDs read from one retrieve answer; an artifact signed
/// more often than this is looked up by its first ones.
pub const MAX_UUIDS: usize = 32;

/// The body of `POST /api/v1/index/retrieve` for an artifact's SHA-256:
/// `{"hash":"sha256:<hex>"}`.
pub fn retrieve_request(sha256: &[u8; 32]) -> String {
    json!({ "hash": format!("sha256:{}", crate::hex(sha256)) }).to_string()
}

/// The path of an entry, to append to the log's base URL.
pub fn entry_path(uuid: &str) -> String {
    format!("/api/v1/log/entries/{uuid}")
}

fn document(text: &str, what: &str) -> Result<Value, Error> {
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(malformed(what, "larger than 4 MiB"));
    }
    serde_json::from_str(text).map_err(|e| malformed(what, e))
}

/// The entry UUIDs of a retrieve answer (a JSON list of hex strings: 64
/// digits, or 80 with the log shard's tree id in front), at most
/// [`MAX_UUIDS`]. An empty list means the log has no entry for the hash.
pub fn parse_retrieve(text: &str) -> Result<Vec<String>, Error> {
    let what = "the transparency log's search answer";
    let doc = document(text, what)?;
    let list = doc
        .as_array()
        .ok_or_else(|| malformed(what, "expected a list of entry ids"))?;
    list.iter()
        .take(MAX_UUIDS)
        .map(|v| {
            let uuid = v
                .as_str()
                .ok_or_else(|| malformed(what, "expected each entry id to be a string"))?;
            let hex = uuid.bytes().all(|b| b.is_ascii_hexdigit());
            if !hex || !(uuid.len() == 64 || uuid.len() == 80) {
                return Err(malformed(
                    what,
                    format!(
                        "`{}` is not an entry id (64 or 80 hex digits)",
                        shorten(uuid)
                    ),
                ));
            }
            Ok(uuid.to_ascii_lowercase())
        })
        .collect()
}

fn shorten(text: &str) -> String {
    match text.char_indices().nth(100) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// What the release publishes beside the artifact, to be joined with its
/// log entry.
#[derive(Clone, Debug)]
pub enum Material {
    /// A cosign keyless signature: the `.pem` (the certificate, PEM or
    /// base64 of PEM as `cosign sign-blob --output-certificate` writes it)
    /// and the `.sig` file (base64 of the signature, or raw). The entry
    /// must be a `hashedrekord`.
    MessageSignature {
        cert_pem: String,
        signature: Vec<u8>,
    },
    /// A DSSE envelope (`{payloadType, payload, signatures: [{keyid, sig,
    /// cert?}]}`, one line of an slsa-github-generator `.intoto.jsonl`).
    /// The entry must be an `intoto` or `dsse` entry; the certificate is
    /// the envelope's `cert`, else the one the entry logged.
    Dsse { envelope_json: String },
}

/// Whether `text` is a certificate as a cosign `.pem` holds it (PEM, or
/// base64 of PEM): a `.pem` beside a `.sig` may be a public key instead.
pub fn is_certificate(text: &str) -> bool {
    certificate(text).is_ok()
}

/// The certificate of a `.pem`: PEM, or base64 of PEM.
fn certificate(text: &str) -> Result<DerCertificate, Error> {
    let what = "the signing certificate";
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(malformed(what, "larger than 4 MiB"));
    }
    let pem = if text.contains("-----BEGIN") {
        text.to_string()
    } else {
        let compact: String = text.split_whitespace().collect();
        let decoded = B64.decode(compact).map_err(|_| {
            malformed(
                what,
                "expected a PEM certificate or base64 of one (a cosign .pem)",
            )
        })?;
        String::from_utf8(decoded).map_err(|_| malformed(what, "expected a PEM certificate"))?
    };
    DerCertificate::from_pem(pem.trim()).map_err(|e| malformed(what, e))
}

/// The entry's kind and version, read from its body.
fn kind_version(body: &[u8], what: &str) -> Result<(KindVersion, Value), Error> {
    let body: Value =
        serde_json::from_slice(body).map_err(|e| malformed(what, format!("its body: {e}")))?;
    let kind = body["kind"].as_str().unwrap_or_default();
    let version = body["apiVersion"].as_str().unwrap_or_default();
    let kv = match (kind, version) {
        ("hashedrekord", "0.0.1") => KindVersion::HashedRekordV001,
        ("dsse", "0.0.1") => KindVersion::DsseV001,
        ("intoto", "0.0.2") => KindVersion::IntotoV002,
        _ => {
            return Err(malformed(
                what,
                format!(
                    "it is a `{kind}` {version} entry; devenv reads hashedrekord 0.0.1, dsse 0.0.1 and intoto 0.0.2"
                ),
            ));
        }
    };
    Ok((kv, body))
}

/// The one entry of a `GET /api/v1/log/entries/{uuid}` answer.
fn log_entry(text: &str, what: &str) -> Result<LogEntry, Error> {
    let doc = document(text, what)?;
    let map = doc
        .as_object()
        .filter(|m| m.len() == 1)
        .ok_or_else(|| malformed(what, "expected an object holding exactly one entry"))?;
    let (_, entry) = map.iter().next().expect("one entry");
    serde_json::from_value(entry.clone()).map_err(|e| malformed(what, e))
}

fn hex_to_b64(hex: &str, what: &str) -> Result<String, Error> {
    let bytes =
        crate::unhex(hex).ok_or_else(|| malformed(what, "its digest is not hexadecimal"))?;
    Ok(B64.encode(bytes))
}

/// A Sigstore bundle (v0.3 with the inclusion proof when the entry has
/// one, else v0.1 with the signed entry timestamp) of `material` and its
/// log entry `entry_json` (a `GET /api/v1/log/entries/{uuid}` answer).
///
/// This only joins and converts: whether the entry really logs this
/// signature, and everything else, is checked by [`crate::verify`].
pub fn bundle_from_entry(entry_json: &str, material: Material) -> Result<String, Error> {
    let what = "the transparency log entry";
    let entry = log_entry(entry_json, what)?;
    let (kv, body) = kind_version(entry.body.as_bytes(), what)?;
    let tlog = entry.to_bundle_entry(kv).map_err(|e| malformed(what, e))?;
    let has_proof = tlog.inclusion_proof.is_some();
    let tlog = serde_json::to_value(&tlog).map_err(|e| malformed(what, e))?;
    let (cert, content) = match material {
        Material::MessageSignature {
            cert_pem,
            signature,
        } => {
            if kv != KindVersion::HashedRekordV001 {
                return Err(Error::Rejected(format!(
                    "the log entry is a `{}` entry, not the hashedrekord entry of a signature",
                    kv.kind()
                )));
            }
            let hash = &body["spec"]["data"]["hash"];
            if hash["algorithm"].as_str() != Some("sha256") {
                return Err(malformed(what, "it does not give the artifact's SHA-256"));
            }
            let digest = hex_to_b64(hash["value"].as_str().unwrap_or_default(), what)?;
            let signature = crate::key::signature_bytes(&signature)?;
            let content = json!({"messageSignature": {
                "messageDigest": {"algorithm": "SHA2_256", "digest": digest},
                "signature": B64.encode(signature),
            }});
            (certificate(&cert_pem)?, content)
        }
        Material::Dsse { envelope_json } => {
            if kv == KindVersion::HashedRekordV001 {
                return Err(Error::Rejected(
                    "the log entry is a hashedrekord entry, not the intoto or dsse entry of an envelope".into(),
                ));
            }
            let (envelope, cert) = envelope(&envelope_json)?;
            let cert = match cert {
                Some(pem) => certificate(&pem)?,
                None => logged_certificate(&body, kv)?,
            };
            (cert, json!({ "dsseEnvelope": envelope }))
        }
    };
    let cert = B64.encode(cert.as_bytes());
    let mut bundle = if has_proof {
        json!({
            "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
            "verificationMaterial": {"certificate": {"rawBytes": cert}, "tlogEntries": [tlog]},
        })
    } else {
        json!({
            "mediaType": "application/vnd.dev.sigstore.bundle+json;version=0.1",
            "verificationMaterial": {
                "x509CertificateChain": {"certificates": [{"rawBytes": cert}]},
                "tlogEntries": [tlog],
            },
        })
    };
    let (Value::Object(out), Value::Object(add)) = (&mut bundle, content) else {
        unreachable!("both are objects");
    };
    out.extend(add);
    let text = bundle.to_string();
    parse_bundle(&text)?;
    Ok(text)
}

/// A DSSE envelope of one signature, as a bundle's `dsseEnvelope`, and the
/// certificate it carries, if any.
fn envelope(text: &str) -> Result<(Value, Option<String>), Error> {
    let what = "the DSSE envelope";
    let doc = document(text.trim(), what)?;
    let (Some(payload), Some(payload_type), Some(signatures)) = (
        doc["payload"].as_str(),
        doc["payloadType"].as_str(),
        doc["signatures"].as_array(),
    ) else {
        return Err(malformed(
            what,
            "expected `payload`, `payloadType` and `signatures`",
        ));
    };
    let [signature] = signatures.as_slice() else {
        return Err(malformed(
            what,
            format!(
                "it has {} signatures; devenv reads envelopes with exactly one",
                signatures.len()
            ),
        ));
    };
    let sig = signature["sig"]
        .as_str()
        .ok_or_else(|| malformed(what, "its signature has no `sig`"))?;
    let cert = signature["cert"]
        .as_str()
        .filter(|c| !c.is_empty())
        .map(str::to_string);
    let envelope = json!({
        "payload": payload,
        "payloadType": payload_type,
        "signatures": [{"sig": sig, "keyid": signature["keyid"].as_str().unwrap_or_default()}],
    });
    Ok((envelope, cert))
}

/// The certificate an intoto or dsse entry logged with its signature
/// (base64 of PEM).
fn logged_certificate(body: &Value, kv: KindVersion) -> Result<DerCertificate, Error> {
    let spec = &body["spec"];
    let logged = match kv {
        KindVersion::IntotoV002 => &spec["content"]["envelope"]["signatures"][0]["publicKey"],
        _ => &spec["signatures"][0]["verifier"],
    };
    let logged = logged.as_str().ok_or_else(|| {
        malformed(
            "the transparency log entry",
            "the envelope has no certificate and the entry logged none",
        )
    })?;
    certificate(logged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Expect, Subject, TrustedRoot, parse_bundle, verify};

    // Real material (see tests/data/README.md): a keyless signature of the
    // conformance suite's `a.txt`, and slsa-github-generator provenance,
    // each with its public-good Rekor entry in the v1 API's format.
    const ARTIFACT: &[u8] = include_bytes!("../tests/data/cosign-key/a.txt");
    const HASHEDREKORD: &str = include_str!("../tests/data/rekor/hashedrekord-entry.json");
    const CERT: &str = include_str!("../tests/data/rekor/a.txt.pem");
    const SIG: &[u8] = include_bytes!("../tests/data/rekor/a.txt.sig");
    const DSSE: &str = include_str!("../tests/data/rekor/dsse-entry.json");
    const ENVELOPE: &str = include_str!("../tests/data/rekor/generic-v2.1.0.envelope.json");
    const OLD_ENVELOPE: &str = include_str!("../tests/data/slsa/generic-v1.2.1.intoto.jsonl");
    const BEACON: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
    const ACTIONS: &str = "https://token.actions.githubusercontent.com";
    const GENERATOR: &str = "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v2.1.0";
    const SUBJECT: &str = "376e7e01348585b6e6643bc6663146b9d525d9b41228bf180eaeb4d4a3706caa";

    fn signature() -> Material {
        Material::MessageSignature {
            cert_pem: CERT.into(),
            signature: SIG.to_vec(),
        }
    }

    #[test]
    fn a_keyless_signature_and_its_entry_make_a_bundle_that_verifies() {
        let root = TrustedRoot::public_good();
        let text = bundle_from_entry(HASHEDREKORD, signature()).unwrap();
        assert!(text.contains("bundle.v0.3"), "{text}");
        let expect = Expect::Identity {
            identity: BEACON.into(),
            issuer: ACTIONS.into(),
        };
        let v = verify(
            &parse_bundle(&text).unwrap(),
            Subject::Bytes(ARTIFACT),
            &expect,
            &root,
        )
        .unwrap();
        assert_eq!(v.identity, BEACON);
        assert!(v.log_index.is_some());
        // Another file is refused: the entry logs this file's digest.
        let e = verify(
            &parse_bundle(&text).unwrap(),
            Subject::Bytes(b"other"),
            &expect,
            &root,
        )
        .unwrap_err()
        .to_string();
        assert!(!e.is_empty());
        // A PEM certificate (not base64 of one) is read too.
        let pem = String::from_utf8(B64.decode(CERT.trim()).unwrap()).unwrap();
        let material = Material::MessageSignature {
            cert_pem: pem,
            signature: SIG.to_vec(),
        };
        assert!(bundle_from_entry(HASHEDREKORD, material).is_ok());
    }

    #[test]
    fn without_an_inclusion_proof_the_signed_entry_timestamp_is_checked() {
        let mut entry: Value = serde_json::from_str(HASHEDREKORD).unwrap();
        let (_, body) = entry.as_object_mut().unwrap().iter_mut().next().unwrap();
        body["verification"]
            .as_object_mut()
            .unwrap()
            .remove("inclusionProof");
        let text = bundle_from_entry(&entry.to_string(), signature()).unwrap();
        assert!(text.contains("version=0.1"), "{text}");
        let root = TrustedRoot::public_good();
        let v = verify(
            &parse_bundle(&text).unwrap(),
            Subject::Bytes(ARTIFACT),
            &Expect::AnyIdentity,
            &root,
        )
        .unwrap();
        assert_eq!(v.identity, BEACON);
        // A forged timestamp signature is refused.
        let (_, body) = entry.as_object_mut().unwrap().iter_mut().next().unwrap();
        body["integratedTime"] = json!(body["integratedTime"].as_u64().unwrap() + 1);
        let text = bundle_from_entry(&entry.to_string(), signature()).unwrap();
        assert!(
            verify(
                &parse_bundle(&text).unwrap(),
                Subject::Bytes(ARTIFACT),
                &Expect::AnyIdentity,
                &root
            )
            .is_err()
        );
    }

    #[test]
    fn a_signature_the_entry_does_not_log_is_refused() {
        // A valid signature by another key over the same file.
        let other = include_bytes!("../tests/data/cosign-key/a.txt.sig");
        let material = Material::MessageSignature {
            cert_pem: CERT.into(),
            signature: other.to_vec(),
        };
        let text = bundle_from_entry(HASHEDREKORD, material).unwrap();
        let root = TrustedRoot::public_good();
        assert!(
            verify(
                &parse_bundle(&text).unwrap(),
                Subject::Bytes(ARTIFACT),
                &Expect::AnyIdentity,
                &root
            )
            .is_err()
        );
    }

    #[test]
    fn a_bare_slsa_envelope_and_its_entry_make_a_bundle_that_verifies() {
        let root = TrustedRoot::public_good();
        let envelope = Material::Dsse {
            envelope_json: ENVELOPE.into(),
        };
        let text = bundle_from_entry(DSSE, envelope).unwrap();
        let bundle = parse_bundle(&text).unwrap();
        let digest = crate::unhex(SUBJECT).unwrap();
        let expect = Expect::IdentityRegex {
            pattern: r"^https://github\.com/slsa-framework/slsa-github-generator/\.github/workflows/generator_generic_slsa3\.yml@refs/tags/v\d+\.\d+\.\d+$".into(),
            issuer: ACTIONS.into(),
        };
        let v = verify(&bundle, Subject::Sha256(&digest), &expect, &root).unwrap();
        assert_eq!(v.identity, GENERATOR);
        // The statement must cover the artifact.
        assert!(verify(&bundle, Subject::Sha256(&[0; 32]), &expect, &root).is_err());
        // An identity outside the pattern is refused naming both.
        let narrow = Expect::IdentityRegex {
            pattern: "@refs/tags/v1\\.".into(),
            issuer: ACTIONS.into(),
        };
        let e = verify(&bundle, Subject::Sha256(&digest), &narrow, &root)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(GENERATOR) && e.contains("does not match the expected pattern"),
            "{e}"
        );
        // Another envelope (an older release's provenance) is not this entry's.
        let old = Material::Dsse {
            envelope_json: OLD_ENVELOPE.into(),
        };
        let text = bundle_from_entry(DSSE, old).unwrap();
        assert!(
            verify(
                &parse_bundle(&text).unwrap(),
                Subject::Sha256(&digest),
                &Expect::AnyIdentity,
                &root
            )
            .is_err()
        );
    }

    #[test]
    fn material_of_the_wrong_kind_or_shape_is_refused() {
        let e = bundle_from_entry(DSSE, signature())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("not the hashedrekord entry of a signature"),
            "{e}"
        );
        let envelope = Material::Dsse {
            envelope_json: ENVELOPE.into(),
        };
        let e = bundle_from_entry(HASHEDREKORD, envelope)
            .unwrap_err()
            .to_string();
        assert!(e.contains("not the intoto or dsse entry"), "{e}");
        let e = bundle_from_entry("{}", signature())
            .unwrap_err()
            .to_string();
        assert!(e.contains("exactly one entry"), "{e}");
        let e = bundle_from_entry("[1]", signature())
            .unwrap_err()
            .to_string();
        assert!(e.contains("exactly one entry"), "{e}");
        let two = Material::Dsse {
            envelope_json:
                r#"{"payload":"","payloadType":"x","signatures":[{"sig":""},{"sig":""}]}"#.into(),
        };
        let e = bundle_from_entry(DSSE, two).unwrap_err().to_string();
        assert!(e.contains("2 signatures"), "{e}");
        let material = Material::MessageSignature {
            cert_pem: "%%%".into(),
            signature: SIG.to_vec(),
        };
        let e = bundle_from_entry(HASHEDREKORD, material)
            .unwrap_err()
            .to_string();
        assert!(e.contains("the signing certificate is not valid"), "{e}");
        let mut entry: Value = serde_json::from_str(HASHEDREKORD).unwrap();
        let (_, body) = entry.as_object_mut().unwrap().iter_mut().next().unwrap();
        body["body"] = json!(B64.encode(r#"{"kind":"rekord","apiVersion":"0.0.1"}"#));
        let e = bundle_from_entry(&entry.to_string(), signature())
            .unwrap_err()
            .to_string();
        assert!(e.contains("`rekord` 0.0.1 entry"), "{e}");
    }

    #[test]
    fn the_retrieve_request_is_the_hash_in_rekor_form() {
        let digest = [0xab; 32];
        assert_eq!(
            retrieve_request(&digest),
            format!("{{\"hash\":\"sha256:{}\"}}", "ab".repeat(32))
        );
        assert_eq!(entry_path("24296f"), "/api/v1/log/entries/24296f");
    }

    #[test]
    fn retrieve_answers_are_read_and_checked() {
        let long = format!("24296fb24b8ad77a{}", "A".repeat(64));
        let short = "b".repeat(64);
        assert_eq!(
            parse_retrieve(&format!("[\"{long}\", \"{short}\"]")).unwrap(),
            vec![long.to_ascii_lowercase(), short]
        );
        assert!(parse_retrieve("[]").unwrap().is_empty());
        let many: Vec<String> = (0..100).map(|_| "c".repeat(64)).collect();
        let many = serde_json::to_string(&many).unwrap();
        assert_eq!(parse_retrieve(&many).unwrap().len(), MAX_UUIDS);
        let e = parse_retrieve("{\"uuids\": []}").unwrap_err().to_string();
        assert!(e.contains("expected a list of entry ids"), "{e}");
        let e = parse_retrieve("[\"../../etc\"]").unwrap_err().to_string();
        assert!(e.contains("`../../etc` is not an entry id"), "{e}");
        let e = parse_retrieve("[3]").unwrap_err().to_string();
        assert!(e.contains("to be a string"), "{e}");
    }
}
