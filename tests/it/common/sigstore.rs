//! A test Sigstore instance: a Fulcio-like certificate authority, a CT log
//! and a Rekor-like transparency log, each with its own P-256 key, and
//! the `trusted_root.json` that trusts exactly them. It signs in-toto
//! attestations the way the public-good instance does (DSSE envelope,
//! short-lived certificate with the OIDC identity, embedded SCT, `dsse`
//! Rekor entry with signed entry timestamp, inclusion proof and signed
//! checkpoint), so devenv verifies fixture provenance with every check it
//! applies to real provenance — only the root differs.
#![allow(dead_code)]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{DerSignature, SigningKey};
use p256::pkcs8::EncodePublicKey as _;
use sha2::{Digest as _, Sha256};
use std::str::FromStr as _;
use x509_cert::der::asn1::{BitString, Ia5String, ObjectIdentifier, OctetString, Utf8StringRef};
use x509_cert::der::{Decode as _, Encode as _};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectAltName,
};
use x509_cert::ext::{AsExtension as _, Extension};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::time::Validity;
use x509_cert::{Certificate, TbsCertificate};

/// When every fixture attestation was logged: 2025-01-01T00:00:00Z.
pub(crate) const INTEGRATED_TIME: u64 = 1_735_689_600;

const ECDSA_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const FULCIO_ISSUER_V1: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.1");
const FULCIO_ISSUER_V2: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.8");
const SCT_LIST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.11129.2.4.2");

/// A key derived from a label, so runs are reproducible.
fn key(label: &str) -> SigningKey {
    let seed = Sha256::digest(format!("devenv test sigstore {label}").as_bytes());
    SigningKey::from_slice(&seed).expect("a SHA-256 is a valid P-256 scalar")
}

fn spki_der(key: &SigningKey) -> Vec<u8> {
    key.verifying_key()
        .to_public_key_der()
        .unwrap()
        .as_bytes()
        .to_vec()
}

fn sign(key: &SigningKey, message: &[u8]) -> Vec<u8> {
    let sig: DerSignature = key.sign(message);
    sig.as_bytes().to_vec()
}

fn algorithm() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: ECDSA_SHA256,
        parameters: None,
    }
}

fn validity(from: u64, to: u64) -> Validity {
    Validity {
        not_before: x509_cert::time::Time::try_from(
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(from),
        )
        .unwrap(),
        not_after: x509_cert::time::Time::try_from(
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(to),
        )
        .unwrap(),
    }
}

fn extension(oid: ObjectIdentifier, critical: bool, value: Vec<u8>) -> Extension {
    Extension {
        extn_id: oid,
        critical,
        extn_value: OctetString::new(value).unwrap(),
    }
}

fn signed(tbs: TbsCertificate, by: &SigningKey) -> Vec<u8> {
    let signature = sign(by, &tbs.to_der().unwrap());
    Certificate {
        tbs_certificate: tbs,
        signature_algorithm: algorithm(),
        signature: BitString::from_bytes(&signature).unwrap(),
    }
    .to_der()
    .unwrap()
}

/// Who signs an attestation, as the certificate states it.
#[derive(Clone, Debug)]
pub(crate) struct Signer {
    /// The SAN: a workflow URI such as
    /// `https://github.com/OWNER/REPO/.github/workflows/release.yml@refs/tags/v1`.
    pub(crate) identity: String,
    /// The OIDC issuer, e.g. `https://token.actions.githubusercontent.com`.
    pub(crate) issuer: String,
}

impl Signer {
    /// A GitHub Actions workflow of `repo` (`owner/name`).
    pub(crate) fn github(repo: &str) -> Signer {
        Signer {
            identity: format!(
                "https://github.com/{repo}/.github/workflows/release.yml@refs/heads/main"
            ),
            issuer: "https://token.actions.githubusercontent.com".into(),
        }
    }
}

/// The test instance.
pub(crate) struct TestSigstore {
    ca: SigningKey,
    ca_cert: Vec<u8>,
    ca_name: Name,
    ct: SigningKey,
    rekor: SigningKey,
    next_index: std::sync::atomic::AtomicU64,
}

impl TestSigstore {
    pub(crate) fn new() -> TestSigstore {
        let ca = key("fulcio");
        let ca_name = Name::from_str("CN=devenv test fulcio,O=devenv test").unwrap();
        let spki = SubjectPublicKeyInfoOwned::from_der(&spki_der(&ca)).unwrap();
        let usage = KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign);
        let constraints = BasicConstraints {
            ca: true,
            path_len_constraint: Some(1),
        };
        let tbs = TbsCertificate {
            version: x509_cert::Version::V3,
            serial_number: SerialNumber::new(&[1]).unwrap(),
            signature: algorithm(),
            issuer: ca_name.clone(),
            validity: validity(1_577_836_800, 2_208_988_800), // 2020 to 2040
            subject: ca_name.clone(),
            subject_public_key_info: spki,
            issuer_unique_id: None,
            subject_unique_id: None,
            extensions: Some(vec![
                constraints.to_extension(&ca_name, &[]).unwrap(),
                usage.to_extension(&ca_name, &[]).unwrap(),
            ]),
        };
        let ca_cert = signed(tbs, &ca);
        TestSigstore {
            ca_cert,
            ca,
            ca_name,
            ct: key("ct log"),
            rekor: key("rekor"),
            next_index: std::sync::atomic::AtomicU64::new(7_000_000),
        }
    }

    fn log_id(key: &SigningKey) -> Vec<u8> {
        Sha256::digest(spki_der(key)).to_vec()
    }

    fn log_json(key: &SigningKey, url: &str) -> serde_json::Value {
        serde_json::json!({
            "baseUrl": url,
            "hashAlgorithm": "SHA2_256",
            "publicKey": {
                "rawBytes": B64.encode(spki_der(key)),
                "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                "validFor": {"start": "2020-01-01T00:00:00Z"}
            },
            "logId": {"keyId": B64.encode(Self::log_id(key))}
        })
    }

    /// `trusted_root.json` trusting this instance and nothing else.
    pub(crate) fn trusted_root(&self) -> String {
        serde_json::to_string_pretty(&serde_json::json!({
            "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
            "tlogs": [Self::log_json(&self.rekor, "https://rekor.devenv.test")],
            "certificateAuthorities": [{
                "subject": {"organization": "devenv test", "commonName": "devenv test fulcio"},
                "uri": "https://fulcio.devenv.test",
                "certChain": {"certificates": [{"rawBytes": B64.encode(&self.ca_cert)}]},
                "validFor": {"start": "2020-01-01T00:00:00Z"}
            }],
            "ctlogs": [Self::log_json(&self.ct, "https://ct.devenv.test")],
            "timestampAuthorities": []
        }))
        .unwrap()
    }

    /// A short-lived signing certificate for `signer`'s `key`, with its SCT.
    fn certificate(&self, signer: &Signer, key: &SigningKey) -> Vec<u8> {
        let spki = SubjectPublicKeyInfoOwned::from_der(&spki_der(key)).unwrap();
        let empty = Name::default();
        let san = SubjectAltName(vec![GeneralName::UniformResourceIdentifier(
            Ia5String::new(&signer.identity).unwrap(),
        )]);
        let eku = ExtendedKeyUsage(vec![ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.3")]);
        let mut extensions = vec![
            KeyUsage(KeyUsages::DigitalSignature.into())
                .to_extension(&empty, &[])
                .unwrap(),
            eku.to_extension(&empty, &[]).unwrap(),
            san.to_extension(&empty, &[]).unwrap(),
            extension(FULCIO_ISSUER_V1, false, signer.issuer.as_bytes().to_vec()),
            extension(
                FULCIO_ISSUER_V2,
                false,
                Utf8StringRef::new(&signer.issuer)
                    .unwrap()
                    .to_der()
                    .unwrap(),
            ),
        ];
        let mut tbs = TbsCertificate {
            version: x509_cert::Version::V3,
            serial_number: SerialNumber::new(&Sha256::digest(signer.identity.as_bytes())[..16])
                .unwrap(),
            signature: algorithm(),
            issuer: self.ca_name.clone(),
            validity: validity(INTEGRATED_TIME - 60, INTEGRATED_TIME + 540),
            subject: empty,
            subject_public_key_info: spki,
            issuer_unique_id: None,
            subject_unique_id: None,
            extensions: Some(extensions.clone()),
        };
        // RFC 6962 precertificate SCT: over the certificate without the SCT.
        let timestamp_ms = INTEGRATED_TIME * 1000 - 5_000;
        let precert = tbs.to_der().unwrap();
        let mut signed_data = vec![0u8, 0u8];
        signed_data.extend(timestamp_ms.to_be_bytes());
        signed_data.extend(1u16.to_be_bytes());
        signed_data.extend(Sha256::digest(spki_der(&self.ca)));
        signed_data.extend(&(precert.len() as u32).to_be_bytes()[1..]);
        signed_data.extend(&precert);
        signed_data.extend(0u16.to_be_bytes());
        let signature = sign(&self.ct, &signed_data);
        let mut sct = vec![0u8];
        sct.extend(Self::log_id(&self.ct));
        sct.extend(timestamp_ms.to_be_bytes());
        sct.extend(0u16.to_be_bytes());
        sct.extend([4u8, 3u8]); // sha256, ecdsa
        sct.extend((signature.len() as u16).to_be_bytes());
        sct.extend(&signature);
        let mut list = ((sct.len() + 2) as u16).to_be_bytes().to_vec();
        list.extend((sct.len() as u16).to_be_bytes());
        list.extend(&sct);
        extensions.push(extension(
            SCT_LIST,
            false,
            OctetString::new(list).unwrap().to_der().unwrap(),
        ));
        tbs.extensions = Some(extensions);
        signed(tbs, &self.ca)
    }

    /// A Sigstore bundle (v0.3) of an in-toto statement about `subjects`
    /// (`(name, algorithm, hex digest)`), of `predicate_type`, signed by
    /// `signer`.
    pub(crate) fn attest(
        &self,
        signer: &Signer,
        subjects: &[(&str, &str, &str)],
        predicate_type: &str,
    ) -> serde_json::Value {
        let statement = serde_json::json!({
            "_type": "https://in-toto.io/Statement/v1",
            "subject": subjects.iter().map(|(name, alg, hex)| serde_json::json!({
                "name": name, "digest": {*alg: hex}
            })).collect::<Vec<_>>(),
            "predicateType": predicate_type,
            "predicate": {"buildDefinition": {"buildType": "https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1"}}
        });
        let payload = serde_json::to_vec(&statement).unwrap();
        let payload_type = "application/vnd.in-toto+json";
        let signing_key = key(&format!("signer {}", signer.identity));
        let cert = self.certificate(signer, &signing_key);
        let mut pae = format!(
            "DSSEv1 {} {payload_type} {} ",
            payload_type.len(),
            payload.len()
        )
        .into_bytes();
        pae.extend(&payload);
        let sig = sign(&signing_key, &pae);
        let envelope = serde_json::json!({
            "payload": B64.encode(&payload),
            "payloadType": payload_type,
            "signatures": [{"sig": B64.encode(&sig), "keyid": ""}]
        });
        let cert_pem = Self::pem(&cert);
        let body = serde_json::json!({
            "apiVersion": "0.0.1",
            "kind": "dsse",
            "spec": {
                "envelopeHash": {"algorithm": "sha256", "value": hex(&Sha256::digest(serde_json::to_vec(&envelope).unwrap()))},
                "payloadHash": {"algorithm": "sha256", "value": hex(&Sha256::digest(&payload))},
                "signatures": [{"signature": B64.encode(&sig), "verifier": B64.encode(cert_pem.as_bytes())}]
            }
        });
        let body = serde_json::to_vec(&body).unwrap();
        serde_json::json!({
            "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
            "verificationMaterial": {
                "certificate": {"rawBytes": B64.encode(&cert)},
                "tlogEntries": [self.bundle_entry(&body, "dsse")]
            },
            "dsseEnvelope": envelope
        })
    }

    /// A transparency log entry of `body` (a canonical Rekor entry body of
    /// `kind`) as the only leaf of a tree, as a bundle carries it.
    fn bundle_entry(&self, body: &[u8], kind: &str) -> serde_json::Value {
        let Logged {
            index,
            log_id,
            set,
            root,
            checkpoint,
        } = self.logged(body);
        serde_json::json!({
            "logIndex": index.to_string(),
            "logId": {"keyId": B64.encode(&log_id)},
            "kindVersion": {"kind": kind, "version": "0.0.1"},
            "integratedTime": INTEGRATED_TIME.to_string(),
            "inclusionPromise": {"signedEntryTimestamp": B64.encode(&set)},
            "inclusionProof": {
                "logIndex": "0",
                "rootHash": B64.encode(root),
                "treeSize": "1",
                "hashes": [],
                "checkpoint": {"envelope": checkpoint}
            },
            "canonicalizedBody": B64.encode(body)
        })
    }

    /// `cosign sign-blob --bundle` of `blob` by `signer`, keyless, in the
    /// new bundle format: a v0.3 Sigstore bundle of a message signature
    /// with its `hashedrekord` entry.
    pub(crate) fn sign_blob_bundle(&self, signer: &Signer, blob: &[u8]) -> serde_json::Value {
        let signing_key = key(&format!("signer {}", signer.identity));
        let cert = self.certificate(signer, &signing_key);
        let sig = sign(&signing_key, blob);
        let pem = Self::pem(&cert);
        let digest = Sha256::digest(blob);
        let body = serde_json::json!({
            "apiVersion": "0.0.1",
            "kind": "hashedrekord",
            "spec": {
                "data": {"hash": {"algorithm": "sha256", "value": hex(&digest)}},
                "signature": {"content": B64.encode(&sig), "publicKey": {"content": B64.encode(pem.as_bytes())}}
            }
        });
        let body = serde_json::to_vec(&body).unwrap();
        serde_json::json!({
            "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
            "verificationMaterial": {
                "certificate": {"rawBytes": B64.encode(&cert)},
                "tlogEntries": [self.bundle_entry(&body, "hashedrekord")]
            },
            "messageSignature": {
                "messageDigest": {"algorithm": "SHA2_256", "digest": B64.encode(digest)},
                "signature": B64.encode(&sig)
            }
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A transparency log entry as Rekor's v1 API answers
/// `GET /api/v1/log/entries/{uuid}`, for [`super::rekor::FixtureRekor`].
#[derive(Clone, Debug)]
pub(crate) struct LoggedEntry {
    /// The entry's UUID: a tree id and the leaf hash, 80 hex digits.
    pub(crate) uuid: String,
    /// The answer: `{"<uuid>": {"body", "integratedTime", "logID",
    /// "logIndex", "verification": {"inclusionProof", "signedEntryTimestamp"}}}`.
    pub(crate) json: String,
}

/// A `cosign sign-blob` keyless signature, as a release publishes it.
pub(crate) struct KeylessSignature {
    /// The `.pem`: base64 of the PEM certificate, as cosign writes it.
    pub(crate) pem_file: String,
    /// The `.sig`: base64 of the DER signature.
    pub(crate) sig_file: String,
    /// Its `hashedrekord` entry in the fixture log.
    pub(crate) entry: LoggedEntry,
}

/// A bare DSSE envelope of SLSA provenance, as slsa-github-generator
/// published before it wrote Sigstore bundles.
pub(crate) struct SlsaEnvelope {
    /// The `.intoto.jsonl` line: `{payloadType, payload, signatures:
    /// [{keyid, sig, cert}]}`.
    pub(crate) jsonl: String,
    /// Its `dsse` entry in the fixture log.
    pub(crate) entry: LoggedEntry,
}

/// One body logged by the fixture log (see [`TestSigstore::logged`]).
struct Logged {
    index: u64,
    log_id: Vec<u8>,
    set: Vec<u8>,
    root: [u8; 32],
    checkpoint: String,
}

impl TestSigstore {
    /// `trusted_root.json` trusting this instance, with the transparency
    /// log's `baseUrl` at `rekor_url` (a [`super::rekor::FixtureRekor`]),
    /// where devenv looks entries up.
    pub(crate) fn trusted_root_with_rekor(&self, rekor_url: &str) -> String {
        let mut root: serde_json::Value = serde_json::from_str(&self.trusted_root()).unwrap();
        root["tlogs"][0]["baseUrl"] = serde_json::Value::String(rekor_url.to_string());
        serde_json::to_string_pretty(&root).unwrap()
    }

    fn pem(cert: &[u8]) -> String {
        format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            B64.encode(cert)
        )
    }

    /// Logs `body` as the only leaf of a tree: its index, the log's id,
    /// the signed entry timestamp, the tree's root and its signed
    /// checkpoint, from which both a bundle's entry and the log API's
    /// answer are written.
    fn logged(&self, body: &[u8]) -> Logged {
        let index = self
            .next_index
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let log_id = Self::log_id(&self.rekor);
        // The signed entry timestamp: canonical JSON, keys in order.
        let set = format!(
            "{{\"body\":\"{}\",\"integratedTime\":{INTEGRATED_TIME},\"logID\":\"{}\",\"logIndex\":{index}}}",
            B64.encode(body),
            hex(&log_id)
        );
        let set = sign(&self.rekor, set.as_bytes());
        // A tree of one leaf: its root is the leaf's hash (RFC 6962).
        let mut leaf = vec![0u8];
        leaf.extend(body);
        let root: [u8; 32] = Sha256::digest(&leaf).into();
        let note = format!("rekor.devenv.test - 1\n1\n{}\n", B64.encode(root));
        let mut hint_and_sig = log_id[..4].to_vec();
        hint_and_sig.extend(sign(&self.rekor, note.as_bytes()));
        // The signer's name has no spaces; the origin line may.
        let checkpoint = format!(
            "{note}\n\u{2014} rekor.devenv.test {}\n",
            B64.encode(&hint_and_sig)
        );
        Logged {
            index,
            log_id,
            set,
            root,
            checkpoint,
        }
    }

    /// Logs `body` (a canonical Rekor entry body) as the only leaf of a
    /// tree, with a signed entry timestamp and a signed checkpoint, and
    /// answers it as the v1 API does.
    fn log_entry(&self, body: &[u8]) -> LoggedEntry {
        let Logged {
            index,
            log_id,
            set,
            root,
            checkpoint,
        } = self.logged(body);
        let uuid = format!("24296fb24b8ad77a{}", hex(&root));
        let json = serde_json::json!({ uuid.clone(): {
            "body": B64.encode(body),
            "integratedTime": INTEGRATED_TIME,
            "logID": hex(&log_id),
            "logIndex": index,
            "verification": {
                "inclusionProof": {
                    "checkpoint": checkpoint,
                    "hashes": [],
                    "logIndex": 0,
                    "rootHash": hex(&root),
                    "treeSize": 1
                },
                "signedEntryTimestamp": B64.encode(&set)
            }
        }});
        LoggedEntry {
            uuid,
            json: json.to_string(),
        }
    }

    /// `cosign sign-blob` of `blob` by `signer`, keyless: a certificate for
    /// `signer`, an ECDSA signature over the blob and its `hashedrekord`
    /// entry.
    pub(crate) fn sign_blob(&self, signer: &Signer, blob: &[u8]) -> KeylessSignature {
        let signing_key = key(&format!("signer {}", signer.identity));
        let cert = self.certificate(signer, &signing_key);
        let sig = sign(&signing_key, blob);
        let pem = Self::pem(&cert);
        let body = serde_json::json!({
            "apiVersion": "0.0.1",
            "kind": "hashedrekord",
            "spec": {
                "data": {"hash": {"algorithm": "sha256", "value": hex(&Sha256::digest(blob))}},
                "signature": {"content": B64.encode(&sig), "publicKey": {"content": B64.encode(pem.as_bytes())}}
            }
        });
        KeylessSignature {
            pem_file: B64.encode(pem.as_bytes()),
            sig_file: B64.encode(&sig),
            entry: self.log_entry(&serde_json::to_vec(&body).unwrap()),
        }
    }

    /// SLSA provenance (v0.2, as slsa-github-generator v1 wrote it) that
    /// `subjects` (`(name, SHA-256 hex)`) were built from `source_repo` by
    /// `signer`, as a bare DSSE envelope carrying its certificate, and its
    /// `dsse` entry.
    pub(crate) fn slsa_envelope(
        &self,
        signer: &Signer,
        subjects: &[(&str, &str)],
        source_repo: &str,
    ) -> SlsaEnvelope {
        let statement = serde_json::json!({
            "_type": "https://in-toto.io/Statement/v0.1",
            "predicateType": "https://slsa.dev/provenance/v0.2",
            "subject": subjects.iter().map(|(name, hex)| serde_json::json!({
                "name": name, "digest": {"sha256": hex}
            })).collect::<Vec<_>>(),
            "predicate": {
                "builder": {"id": signer.identity},
                "buildType": "https://github.com/slsa-framework/slsa-github-generator/generic@v1",
                "invocation": {"configSource": {"uri": format!("git+https://github.com/{source_repo}@refs/tags/v1")}}
            }
        });
        let payload = serde_json::to_vec(&statement).unwrap();
        let payload_type = "application/vnd.in-toto+json";
        let signing_key = key(&format!("signer {}", signer.identity));
        let cert = self.certificate(signer, &signing_key);
        let mut pae = format!(
            "DSSEv1 {} {payload_type} {} ",
            payload_type.len(),
            payload.len()
        )
        .into_bytes();
        pae.extend(&payload);
        let sig = sign(&signing_key, &pae);
        let pem = Self::pem(&cert);
        let envelope = serde_json::json!({
            "payloadType": payload_type,
            "payload": B64.encode(&payload),
            "signatures": [{"keyid": "", "sig": B64.encode(&sig), "cert": pem}]
        });
        let body = serde_json::json!({
            "apiVersion": "0.0.1",
            "kind": "dsse",
            "spec": {
                "envelopeHash": {"algorithm": "sha256", "value": hex(&Sha256::digest(serde_json::to_vec(&envelope).unwrap()))},
                "payloadHash": {"algorithm": "sha256", "value": hex(&Sha256::digest(&payload))},
                "signatures": [{"signature": B64.encode(&sig), "verifier": B64.encode(pem.as_bytes())}]
            }
        });
        SlsaEnvelope {
            jsonl: format!("{envelope}\n"),
            entry: self.log_entry(&serde_json::to_vec(&body).unwrap()),
        }
    }
}
