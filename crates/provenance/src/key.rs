//! Signatures by a long-lived key, as `cosign sign-blob --key` makes them:
//! a PEM `PUBLIC KEY` published by the project and a `.sig` file (base64 of
//! the signature) beside the release asset.
//!
//! No transparency log is consulted: what binds the signature to the
//! project is the key, which the lock pins by its SHA-256 (the same value
//! Sigstore bundles carry as the key's `hint`).

use crate::{Error, Subject, Verified, malformed};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use sha2::Digest as _;
use sigstore_verify::crypto::{KeyAlgorithm, SigningScheme, VerificationKey};
use sigstore_verify::types::{DerPublicKey, HashAlgorithm, SignatureBytes};

/// The largest PEM key read (an 8192-bit RSA key is under 2 KiB).
const MAX_KEY_BYTES: usize = 64 << 10;
/// The largest `.sig` read (an 8192-bit RSA signature is 1 KiB raw).
const MAX_SIGNATURE_BYTES: usize = 16 << 10;

/// How a key is named in the lock: `key:sha256:` and the SHA-256 of its
/// DER `SubjectPublicKeyInfo`, in lower-case hex.
pub fn key_identity(spki_der: &[u8]) -> String {
    format!("key:sha256:{}", crate::hex(&sha2::Sha256::digest(spki_der)))
}

/// Read a PEM `PUBLIC KEY` (SubjectPublicKeyInfo), bounded.
pub(crate) fn parse_public_key(pem: &str) -> Result<DerPublicKey, Error> {
    if pem.len() > MAX_KEY_BYTES {
        return Err(malformed("the public key", "larger than 64 KiB"));
    }
    DerPublicKey::from_pem(pem.trim()).map_err(|_| {
        malformed(
            "the public key",
            "expected a PEM block `-----BEGIN PUBLIC KEY-----` (as `cosign public-key` writes)",
        )
    })
}

/// The signature bytes of a `.sig` file: base64 (what cosign writes), or
/// the raw signature when the file is not base64.
pub(crate) fn signature_bytes(file: &[u8]) -> Result<Vec<u8>, Error> {
    if file.len() > MAX_SIGNATURE_BYTES {
        return Err(malformed("the signature", "larger than 16 KiB"));
    }
    let text: Vec<u8> = file
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let bytes = match B64.decode(&text) {
        Ok(decoded) => decoded,
        Err(_) => file.to_vec(),
    };
    if bytes.is_empty() {
        return Err(malformed("the signature", "it is empty"));
    }
    Ok(bytes)
}

/// The schemes a key of this algorithm signs blobs with. cosign hashes
/// with SHA-256 whatever the key; newer releases use SHA-384 with P-384
/// keys, so both are accepted for those (both are sound).
fn schemes(algorithm: KeyAlgorithm) -> Result<&'static [SigningScheme], Error> {
    use SigningScheme as S;
    Ok(match algorithm {
        KeyAlgorithm::EcdsaP256 => &[S::EcdsaP256Sha256],
        KeyAlgorithm::EcdsaP384 => &[S::EcdsaP384Sha384, S::EcdsaP384Sha256],
        KeyAlgorithm::Rsa => &[S::RsaPkcs1Sha256],
        KeyAlgorithm::Ed25519 => &[S::Ed25519],
        _ => {
            return Err(Error::Rejected(
                "the public key is of an algorithm devenv cannot verify (ECDSA P-256 or P-384, RSA and Ed25519 are supported)".into(),
            ));
        }
    })
}

/// Verify a `cosign sign-blob --key` signature: `signature` is the `.sig`
/// file (base64 of the signature, or the raw bytes) over `subject`, made by
/// `public_key_pem`. The identity reported is [`key_identity`] of the key,
/// so that a lock pins it; there is no issuer and no log index.
pub fn verify_key_signature(
    public_key_pem: &str,
    signature: &[u8],
    subject: Subject<'_>,
) -> Result<Verified, Error> {
    crate::crypto::install();
    let key = parse_public_key(public_key_pem)?;
    let algorithm = KeyAlgorithm::from_spki(&key).map_err(|e| malformed("the public key", e))?;
    let signature = SignatureBytes::new(signature_bytes(signature)?);
    let mut verified = false;
    for &scheme in schemes(algorithm)? {
        let verifier = VerificationKey::from_spki_with_scheme(&key, scheme)
            .map_err(|e| malformed("the public key", e))?;
        let result = match (subject, scheme.hash_algorithm()) {
            (Subject::Bytes(bytes), _) => verifier.verify(bytes, &signature),
            (Subject::Sha256(digest), Some(HashAlgorithm::Sha2256)) => {
                verifier.verify_prehashed(digest, &signature)
            }
            // P-384 with SHA-384: the SHA-256 scheme is tried next.
            (Subject::Sha256(_), Some(_)) => continue,
            (Subject::Sha256(_), None) | (Subject::Sha512(_), _) => {
                return Err(Error::Rejected(
                    "a key signature is checked over the file itself or its SHA-256 (Ed25519: the file itself), not over the digest at hand".into(),
                ));
            }
        };
        if result.is_ok() {
            verified = true;
            break;
        }
    }
    if !verified {
        return Err(Error::Rejected(format!(
            "the signature does not verify with the public key ({}): the file was changed, or it was signed with another key",
            key_identity(key.as_bytes())
        )));
    }
    Ok(Verified {
        identity: key_identity(key.as_bytes()),
        issuer: None,
        log_index: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = include_str!("../tests/data/cosign-key/key.pub");
    const ARTIFACT: &[u8] = include_bytes!("../tests/data/cosign-key/a.txt");
    const SIG: &[u8] = include_bytes!("../tests/data/cosign-key/a.txt.sig");
    /// The SHA-256 of `KEY`'s DER: the conformance bundle's key hint.
    const KEY_ID: &str =
        "key:sha256:4cb32c4837c6dda8cfb1681efb3fef5f94ffce5b979e6bdb9139302c857af139";

    fn err(result: Result<Verified, Error>) -> String {
        result.unwrap_err().to_string()
    }

    #[test]
    fn a_real_cosign_key_signature_verifies_over_the_file_and_its_digest() {
        let v = verify_key_signature(KEY, SIG, Subject::Bytes(ARTIFACT)).unwrap();
        assert_eq!(v.identity, KEY_ID);
        assert_eq!((v.issuer, v.log_index), (None, None));
        let digest = sha2::Sha256::digest(ARTIFACT);
        let v = verify_key_signature(KEY, SIG, Subject::Sha256(&digest)).unwrap();
        assert_eq!(v.identity, KEY_ID);
        // The raw DER signature, as some projects publish it.
        let raw = B64
            .decode(std::str::from_utf8(SIG).unwrap().trim())
            .unwrap();
        assert!(verify_key_signature(KEY, &raw, Subject::Bytes(ARTIFACT)).is_ok());
    }

    #[test]
    fn a_changed_file_is_refused() {
        let mut changed = ARTIFACT.to_vec();
        changed[0] ^= 1;
        let e = err(verify_key_signature(KEY, SIG, Subject::Bytes(&changed)));
        assert!(e.contains("does not verify") && e.contains(KEY_ID), "{e}");
    }

    #[test]
    fn another_key_is_refused() {
        // A valid P-256 key that did not sign: the generator point.
        let mut spki =
            crate::unhex("3059301306072a8648ce3d020106082a8648ce3d030107034200").unwrap();
        spki.extend(crate::unhex(
            "046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2964fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5",
        )
        .unwrap());
        let pem = format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            B64.encode(&spki)
        );
        let e = err(verify_key_signature(&pem, SIG, Subject::Bytes(ARTIFACT)));
        assert!(e.contains("signed with another key"), "{e}");
        assert!(e.contains(&key_identity(&spki)), "{e}");
    }

    #[test]
    fn malformed_keys_and_signatures_say_what_is_wrong() {
        let e = err(verify_key_signature(
            "RWQf6LRC",
            SIG,
            Subject::Bytes(ARTIFACT),
        ));
        assert!(
            e.starts_with("the public key is not valid") && e.contains("BEGIN PUBLIC KEY"),
            "{e}"
        );
        let e = err(verify_key_signature(KEY, b"  \n", Subject::Bytes(ARTIFACT)));
        assert!(e.contains("the signature is not valid: it is empty"), "{e}");
        let e = err(verify_key_signature(
            KEY,
            &vec![b'A'; 20_000],
            Subject::Bytes(ARTIFACT),
        ));
        assert!(e.contains("larger than 16 KiB"), "{e}");
        // Garbage that is not a DER signature fails as a signature.
        let e = err(verify_key_signature(
            KEY,
            b"\x01\x02",
            Subject::Bytes(ARTIFACT),
        ));
        assert!(e.contains("does not verify"), "{e}");
        let digest = [0u8; 64];
        let e = err(verify_key_signature(KEY, SIG, Subject::Sha512(&digest)));
        assert!(e.contains("over the file itself or its SHA-256"), "{e}");
    }

    #[test]
    fn ed25519_keys_sign_the_file_itself() {
        use ed25519_dalek::Signer as _;
        let signer = ed25519_dalek::SigningKey::from_bytes(&[9; 32]);
        let mut spki = crate::unhex("302a300506032b6570032100").unwrap();
        spki.extend(signer.verifying_key().as_bytes());
        let pem = format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            B64.encode(&spki)
        );
        let sig = B64.encode(signer.sign(ARTIFACT).to_bytes());
        let v = verify_key_signature(&pem, sig.as_bytes(), Subject::Bytes(ARTIFACT)).unwrap();
        assert_eq!(v.identity, key_identity(&spki));
        let e = err(verify_key_signature(
            &pem,
            sig.as_bytes(),
            Subject::Bytes(b"other"),
        ));
        assert!(e.contains("does not verify"), "{e}");
        let digest = sha2::Sha256::digest(ARTIFACT);
        let e = err(verify_key_signature(
            &pem,
            sig.as_bytes(),
            Subject::Sha256(&digest),
        ));
        assert!(e.contains("Ed25519: the file itself"), "{e}");
    }
}
