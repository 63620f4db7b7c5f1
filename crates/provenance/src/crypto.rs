//! The cryptography the Sigstore verifier asks for, from pure-Rust crates.
//!
//! `sigstore-verify` does the protocol (bundle, chain, log, policy) and asks a
//! [`CryptoProvider`] for hashes and signature checks. Its default provider
//! is aws-lc-rs, a C library that cannot be built for Apple targets without
//! their SDK, so devenv supplies this one instead: ECDSA P-256/P-384
//! (`p256`, `p384`), Ed25519 (`ed25519-dalek`), RSA PKCS#1 v1.5 and PSS
//! with 2048–8192-bit keys (`rsa`), and SHA-2 (`sha2`). It verifies only;
//! it never signs. ML-DSA keys are refused as unsupported.

use std::sync::Once;

use ed25519_dalek::Verifier as _;
use p256::ecdsa::signature::hazmat::PrehashVerifier;
use sha2::Digest as _;
use sigstore_verify::crypto::{CryptoProvider, Error, HashContext, Result, SigningScheme};
use sigstore_verify::types::HashAlgorithm;

/// Install [`RustCrypto`] as the process's provider, once. Every entry
/// point of this crate calls it before verifying anything.
pub(crate) fn install() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // Another provider can only have been installed by this function.
        let _ = sigstore_verify::crypto::install_default_provider(&RustCrypto);
    });
}

/// Verification with the RustCrypto crates.
#[derive(Debug)]
struct RustCrypto;

struct Hasher<D>(D);

impl<D: sha2::Digest + Send> HashContext for Hasher<D> {
    fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    fn finalize(self: Box<Self>) -> Vec<u8> {
        self.0.finalize().to_vec()
    }
}

fn invalid(scheme: SigningScheme) -> Error {
    Error::Verification(format!("{} signature invalid", scheme.name()))
}

fn bad_key(scheme: SigningScheme) -> Error {
    Error::InvalidKey(format!("not a {} public key", scheme.name()))
}

/// Which digest a scheme signs over.
#[derive(Clone, Copy)]
enum Hash {
    Sha256,
    Sha384,
    Sha512,
}

fn hash_of(scheme: SigningScheme) -> Option<Hash> {
    match scheme.hash_algorithm()? {
        HashAlgorithm::Sha2256 => Some(Hash::Sha256),
        HashAlgorithm::Sha2384 => Some(Hash::Sha384),
        HashAlgorithm::Sha2512 => Some(Hash::Sha512),
        _ => None,
    }
}

fn digest(hash: Hash, data: &[u8]) -> Vec<u8> {
    match hash {
        Hash::Sha256 => sha2::Sha256::digest(data).to_vec(),
        Hash::Sha384 => sha2::Sha384::digest(data).to_vec(),
        Hash::Sha512 => sha2::Sha512::digest(data).to_vec(),
    }
}

/// Check an ASN.1 DER ECDSA or an RSA signature over a digest already
/// computed with the scheme's hash.
fn verify_digest(
    scheme: SigningScheme,
    key: &[u8],
    hash: Hash,
    digest: &[u8],
    sig: &[u8],
) -> Result<()> {
    use SigningScheme as S;
    match scheme {
        S::EcdsaP256Sha256 | S::EcdsaP256Sha384 => {
            let key =
                p256::ecdsa::VerifyingKey::from_sec1_bytes(key).map_err(|_| bad_key(scheme))?;
            let sig = p256::ecdsa::DerSignature::from_bytes(sig).map_err(|_| invalid(scheme))?;
            let sig = p256::ecdsa::Signature::try_from(sig).map_err(|_| invalid(scheme))?;
            key.verify_prehash(digest, &sig)
                .map_err(|_| invalid(scheme))
        }
        S::EcdsaP384Sha256 | S::EcdsaP384Sha384 => {
            let key =
                p384::ecdsa::VerifyingKey::from_sec1_bytes(key).map_err(|_| bad_key(scheme))?;
            let sig = p384::ecdsa::DerSignature::from_bytes(sig).map_err(|_| invalid(scheme))?;
            let sig = p384::ecdsa::Signature::try_from(sig).map_err(|_| invalid(scheme))?;
            key.verify_prehash(digest, &sig)
                .map_err(|_| invalid(scheme))
        }
        S::RsaPkcs1Sha256 | S::RsaPkcs1Sha384 | S::RsaPkcs1Sha512 => {
            use rsa::pkcs1v15::{Signature, VerifyingKey};
            let key = rsa_key(scheme, key)?;
            let sig = Signature::try_from(sig).map_err(|_| invalid(scheme))?;
            match hash {
                Hash::Sha256 => VerifyingKey::<sha2::Sha256>::new(key).verify_prehash(digest, &sig),
                Hash::Sha384 => VerifyingKey::<sha2::Sha384>::new(key).verify_prehash(digest, &sig),
                Hash::Sha512 => VerifyingKey::<sha2::Sha512>::new(key).verify_prehash(digest, &sig),
            }
            .map_err(|_| invalid(scheme))
        }
        S::RsaPssSha256 | S::RsaPssSha384 | S::RsaPssSha512 => {
            use rsa::pss::{Signature, VerifyingKey};
            let key = rsa_key(scheme, key)?;
            let sig = Signature::try_from(sig).map_err(|_| invalid(scheme))?;
            // The salt is as long as the digest, as everywhere in Sigstore.
            match hash {
                Hash::Sha256 => VerifyingKey::<sha2::Sha256>::new(key).verify_prehash(digest, &sig),
                Hash::Sha384 => VerifyingKey::<sha2::Sha384>::new(key).verify_prehash(digest, &sig),
                Hash::Sha512 => VerifyingKey::<sha2::Sha512>::new(key).verify_prehash(digest, &sig),
            }
            .map_err(|_| invalid(scheme))
        }
        S::Ed25519 | S::MlDsa44 | S::MlDsa65 | S::MlDsa87 => Err(Error::UnsupportedAlgorithm(
            format!("{} cannot verify a precomputed digest", scheme.name()),
        )),
        _ => Err(Error::UnsupportedAlgorithm(scheme.name().to_string())),
    }
}

fn rsa_key(scheme: SigningScheme, der: &[u8]) -> Result<rsa::PublicKey> {
    use rsa::pkcs1::DecodeRsaPublicKey as _;
    use rsa::traits::PublicKeyParts as _;
    let key = rsa::PublicKey::from_pkcs1_der(der).map_err(|_| bad_key(scheme))?;
    let bits = key.n().bit_width();
    if !(2048..=8192).contains(&bits) {
        return Err(Error::InvalidKey(format!(
            "RSA key of {bits} bits is outside 2048..=8192"
        )));
    }
    Ok(key)
}

impl CryptoProvider for RustCrypto {
    fn hash(&self, algorithm: HashAlgorithm) -> Result<Box<dyn HashContext>> {
        Ok(match algorithm {
            HashAlgorithm::Sha2256 => Box::new(Hasher(sha2::Sha256::new())),
            HashAlgorithm::Sha2384 => Box::new(Hasher(sha2::Sha384::new())),
            HashAlgorithm::Sha2512 => Box::new(Hasher(sha2::Sha512::new())),
            _ => {
                return Err(Error::UnsupportedAlgorithm(format!(
                    "cannot compute {algorithm} digests"
                )));
            }
        })
    }

    fn sha256(&self, data: &[u8]) -> [u8; 32] {
        sha2::Sha256::digest(data).into()
    }

    fn sha384(&self, data: &[u8]) -> [u8; 48] {
        sha2::Sha384::digest(data).into()
    }

    fn sha512(&self, data: &[u8]) -> [u8; 64] {
        sha2::Sha512::digest(data).into()
    }

    fn verify_raw(&self, scheme: SigningScheme, key: &[u8], data: &[u8], sig: &[u8]) -> Result<()> {
        if scheme == SigningScheme::Ed25519 {
            let key: [u8; 32] = key.try_into().map_err(|_| bad_key(scheme))?;
            let key = ed25519_dalek::VerifyingKey::from_bytes(&key).map_err(|_| bad_key(scheme))?;
            let sig = ed25519_dalek::Signature::from_slice(sig).map_err(|_| invalid(scheme))?;
            return key.verify(data, &sig).map_err(|_| invalid(scheme));
        }
        let hash = hash_of(scheme)
            .ok_or_else(|| Error::UnsupportedAlgorithm(scheme.name().to_string()))?;
        verify_digest(scheme, key, hash, &digest(hash, data), sig)
    }

    fn verify_prehashed(
        &self,
        scheme: SigningScheme,
        key: &[u8],
        digest: &[u8],
        sig: &[u8],
    ) -> Result<()> {
        let hash = hash_of(scheme)
            .ok_or_else(|| Error::UnsupportedAlgorithm(scheme.name().to_string()))?;
        let expected = match hash {
            Hash::Sha256 => 32,
            Hash::Sha384 => 48,
            Hash::Sha512 => 64,
        };
        if digest.len() != expected {
            return Err(Error::Verification(format!(
                "a {} digest is {expected} bytes, not {}",
                scheme.name(),
                digest.len()
            )));
        }
        verify_digest(scheme, key, hash, digest, sig)
    }
}
