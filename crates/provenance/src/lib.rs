//! Provenance: who built an artifact, verified with Sigstore.
//!
//! A Sigstore bundle (v0.1–v0.3, a message signature or a DSSE in-toto
//! attestation) is checked offline against a trusted root: the signing
//! certificate's chain to a Fulcio CA, its SCT, the transparency log entry
//! (inclusion proof, checkpoint, signed entry timestamp or RFC 3161
//! timestamp), the signature over the artifact, and the certificate's
//! identity (SAN) and issuer. The protocol is `sigstore-verify`, the
//! Sigstore project's Rust verifier; the cryptography under it is
//! pure Rust ([`crypto`]). [`formats`] turns what the registries publish
//! (npm, PyPI, GitHub) into bundles.
//!
//! Release assets (the aqua registry's `cosign`, `minisign` and
//! `slsa_provenance` declarations) bring their own material:
//! [`verify_minisign`] checks minisign signatures; [`verify_key_signature`]
//! cosign `--key` signatures; [`identity_matches`] and
//! [`Expect::IdentityRegex`] cosign's `--certificate-identity-regexp`;
//! [`rekor`] joins a keyless `.sig` + `.pem`, or a bare SLSA envelope, with
//! its transparency log entry into a bundle that [`verify`] checks (this
//! crate never touches the network: the caller sends the requests it
//! writes); [`slsa`] reads what a provenance statement says.
//!
//! Differences from the API first agreed for this work (task G):
//! - `identity_matches` returns `Result<bool, Error>`: a pattern that is not
//!   a valid regular expression is an error with its reason, not `false`;
//! - `rekor::retrieve_request` takes `&[u8; 32]`, and `rekor::parse_retrieve`
//!   returns `Result<Vec<String>, Error>`;
//! - `slsa_subjects` returns a [`SlsaStatement`] (subjects as `(name, sha256
//!   hex)`, builder id, source repository, predicate type) in a `Result`;
//! - `verify` with [`Expect::Key`] reports the key as [`key_identity`]
//!   (`key:sha256:<hex>`), as `verify_key_signature` does, instead of `key`;
//! - added: [`TrustedRoot::rekor_urls`], [`rekor::entry_path`],
//!   [`provenance_documents`] (the documents of an `.intoto.jsonl`).

mod crypto;
pub mod formats;
mod identity;
mod key;
pub mod minisign;
pub mod rekor;
pub mod slsa;

pub use identity::identity_matches;
pub use key::{key_identity, verify_key_signature};
pub use minisign::{MinisignVerified, verify_minisign};
pub use rekor::Material;
pub use slsa::{SlsaStatement, provenance_documents, slsa_subjects};

use sigstore_verify::types::{Artifact, ArtifactDigest, Bundle, HashAlgorithm};
use sigstore_verify::{PublicKeyVerificationPolicy, VerificationPolicy, Verifier};

/// The largest bundle or trusted root read: real ones are a few KiB.
pub const MAX_DOCUMENT_BYTES: usize = 4 << 20;

/// The Sigstore public-good instance's trusted root, shipped with devenv
/// (Apache-2.0, see `trusted_root.LICENSE` beside it).
const PUBLIC_GOOD_ROOT: &str = include_str!("trusted_root.json");

/// Why provenance did not verify, as a sentence a person can act on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The bundle, trusted root or key could not be read as one.
    #[error("{what} is not valid: {reason}")]
    Malformed { what: String, reason: String },
    /// Everything parsed, and a check failed.
    #[error("{0}")]
    Rejected(String),
}

fn malformed(what: &str, reason: impl std::fmt::Display) -> Error {
    Error::Malformed {
        what: what.to_string(),
        reason: reason.to_string(),
    }
}

/// The keys and certificates verification trusts: Fulcio CAs, transparency
/// logs, CT logs and timestamp authorities, each with its validity window.
pub struct TrustedRoot {
    verifier: Verifier,
    /// Where it came from, for messages: "the public-good root" or a path.
    pub origin: String,
    /// The transparency logs' base URLs, in the root's order.
    rekor_urls: Vec<String>,
}

impl TrustedRoot {
    /// The Sigstore public-good root devenv ships.
    pub fn public_good() -> TrustedRoot {
        // The embedded root is tested to load; failing here is a build defect.
        TrustedRoot::from_json(PUBLIC_GOOD_ROOT, "the Sigstore public-good trusted root")
            .expect("the embedded trusted root loads")
    }

    /// A root in the `trusted_root.json` format (Sigstore's protobuf-specs
    /// `TrustedRoot`), bounded to [`MAX_DOCUMENT_BYTES`].
    pub fn from_json(text: &str, origin: &str) -> Result<TrustedRoot, Error> {
        if text.len() > MAX_DOCUMENT_BYTES {
            return Err(malformed(origin, "larger than 4 MiB"));
        }
        crypto::install();
        let root = sigstore_verify::trust_root::TrustedRoot::from_json(text)
            .map_err(|e| malformed(origin, e))?;
        let verifier = Verifier::new(&root).map_err(|e| malformed(origin, e))?;
        Ok(TrustedRoot {
            verifier,
            origin: origin.to_string(),
            rekor_urls: root.tlogs.iter().map(|t| t.base_url.clone()).collect(),
        })
    }

    /// The base URLs of the transparency logs this root trusts, in its
    /// order, where [`rekor`] lookups are sent. Not every log serves the
    /// v1 API those use (the public-good root lists its v1 log,
    /// `https://rekor.sigstore.dev`, first, then Rekor v2 logs, which
    /// answer 404): try each in turn.
    pub fn rekor_urls(&self) -> &[String] {
        &self.rekor_urls
    }
}

/// Who must have signed.
#[derive(Clone, Debug)]
pub enum Expect {
    /// A Fulcio certificate with exactly this identity (SAN: a workflow URI
    /// or an email address) from exactly this OIDC issuer.
    Identity { identity: String, issuer: String },
    /// A Fulcio certificate whose identity matches `pattern` (cosign's
    /// `--certificate-identity-regexp`, see [`identity_matches`]) from
    /// exactly this OIDC issuer.
    IdentityRegex { pattern: String, issuer: String },
    /// Any Fulcio identity: used at lock time, which records the identity
    /// found so that later versions are compared with it.
    AnyIdentity,
    /// A long-lived key (PEM `PUBLIC KEY`), as with `cosign sign --key`.
    Key(String),
}

/// The artifact a bundle is checked against.
#[derive(Clone, Copy)]
pub enum Subject<'a> {
    /// The bytes themselves.
    Bytes(&'a [u8]),
    /// Their SHA-256 (32 bytes), when only a digest is at hand.
    Sha256(&'a [u8]),
    /// Their SHA-512 (64 bytes): what npm publishes and attests.
    Sha512(&'a [u8]),
}

/// What a verified bundle says about who signed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// The certificate's SAN, or for a key-based signature the key's
    /// [`key_identity`] (`key:sha256:<hex of its DER>`).
    pub identity: String,
    /// The certificate's OIDC issuer (Fulcio extension), if it has one.
    pub issuer: Option<String>,
    /// The transparency log index of the entry, if one was verified.
    pub log_index: Option<u64>,
}

/// Parse a bundle (JSON, v0.1–v0.3), bounded to [`MAX_DOCUMENT_BYTES`].
pub fn parse_bundle(text: &str) -> Result<Bundle, Error> {
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(malformed("the bundle", "larger than 4 MiB"));
    }
    crypto::install();
    Bundle::from_json(text).map_err(|e| malformed("the bundle", e))
}

/// Verify `bundle` over `subject`, signed as `expect` says, against `root`.
pub fn verify(
    bundle: &Bundle,
    subject: Subject<'_>,
    expect: &Expect,
    root: &TrustedRoot,
) -> Result<Verified, Error> {
    crypto::install();
    let artifact = match subject {
        Subject::Bytes(bytes) => Artifact::Blob(bytes),
        Subject::Sha256(d) => Artifact::Digest(digest(HashAlgorithm::Sha2256, d)?),
        Subject::Sha512(d) => Artifact::Digest(digest(HashAlgorithm::Sha2512, d)?),
    };
    // A pattern that cannot be read is refused before anything is checked.
    let pattern = match expect {
        Expect::IdentityRegex { pattern, .. } => Some((pattern, identity::compile(pattern)?)),
        _ => None,
    };
    let result = match expect {
        Expect::Key(pem) => {
            let key = key::parse_public_key(pem)?;
            root.verifier
                .verify(artifact, bundle, &PublicKeyVerificationPolicy::new(key))
        }
        Expect::Identity { identity, issuer } => root.verifier.verify(
            artifact,
            bundle,
            &VerificationPolicy::new(identity.as_str(), issuer.as_str()),
        ),
        Expect::IdentityRegex { issuer, .. } => root.verifier.verify(
            artifact,
            bundle,
            &VerificationPolicy::any_identity().require_issuer(issuer.as_str()),
        ),
        Expect::AnyIdentity => {
            root.verifier
                .verify(artifact, bundle, &VerificationPolicy::any_identity())
        }
    }
    .map_err(|e| Error::Rejected(plain(&e.to_string())))?;
    if let (Some((pattern, regex)), Some(san)) = (&pattern, result.identity())
        && !regex.is_match(san.as_str())
    {
        return Err(Error::Rejected(format!(
            "the signing certificate's identity {} does not match the expected pattern `{pattern}`",
            san.as_str()
        )));
    }
    let log_index = result
        .tlog_verified()
        .then(|| bundle.verification_material.tlog_entries.first())
        .flatten()
        .map(|entry| entry.log_index.get());
    let identity = match (expect, result.identity()) {
        (_, Some(san)) => san.to_string(),
        (Expect::Key(pem), None) => key_identity(key::parse_public_key(pem)?.as_bytes()),
        (_, None) => {
            return Err(Error::Rejected(
                "the signing certificate names no identity".into(),
            ));
        }
    };
    Ok(Verified {
        identity,
        issuer: result.issuer().map(str::to_string),
        log_index,
    })
}

/// Lower-case hexadecimal, as logs and locks write digests.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes of a hexadecimal string, if it is one.
pub(crate) fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

fn digest(algorithm: HashAlgorithm, bytes: &[u8]) -> Result<ArtifactDigest, Error> {
    ArtifactDigest::new(algorithm, bytes.to_vec()).map_err(|e| malformed("the digest", e))
}

/// The verifier's message, with the certificate library's error names
/// (printed as Rust values) put into words.
fn plain(message: &str) -> String {
    const WORDS: &[(&str, &str)] = &[
        (
            "CertExpired",
            "the certificate had expired at the time of signing",
        ),
        (
            "CertNotValidYet",
            "the certificate was not yet valid at the time of signing",
        ),
        (
            "UnknownIssuer",
            "the certificate is not issued by a certificate authority of the trusted root",
        ),
        (
            "InvalidSignatureForPublicKey",
            "a certificate's signature does not verify",
        ),
        (
            "UnsupportedSignatureAlgorithm",
            "a certificate is signed with an algorithm Sigstore does not use",
        ),
        (
            "RequiredEkuNotFound",
            "the certificate is not for code signing",
        ),
        (
            "CaUsedAsEndEntity",
            "the signing certificate is a certificate authority",
        ),
        ("BadDer", "a certificate is not valid DER"),
    ];
    let Some(at) = message.find("validation failed: ") else {
        return message.to_string();
    };
    let (head, tail) = message.split_at(at + "validation failed: ".len());
    let name: String = tail
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    if name.is_empty() || name.len() == tail.len() {
        return message.to_string();
    }
    let words = WORDS
        .iter()
        .find(|(n, _)| name.starts_with(n))
        .map(|(_, w)| (*w).to_string())
        .unwrap_or(name);
    format!("{head}{words}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_root_loads() {
        let root = TrustedRoot::public_good();
        assert!(root.origin.contains("public-good"));
    }

    #[test]
    fn certificate_errors_are_put_into_words() {
        assert_eq!(
            plain(
                "certificate chain is invalid: certificate chain validation failed: CertExpired { time: UnixTime(1), not_after: UnixTime(0) }"
            ),
            "certificate chain is invalid: certificate chain validation failed: the certificate had expired at the time of signing"
        );
        assert_eq!(plain("invalid signature"), "invalid signature");
    }
}
