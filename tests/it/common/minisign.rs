//! A minisign signer for fixtures: key pairs derived from a label, public
//! keys and `.minisig` files in minisign's formats, legacy (`Ed`, the file
//! signed) or prehashed (`ED`, its BLAKE2b-512 signed, minisign's default).
#![allow(dead_code)]

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use blake2::Digest as _;
use ed25519_dalek::Signer as _;
use sha2::Digest as _;
use sha2::Sha256;

/// A minisign key pair.
pub(crate) struct MinisignKey {
    signing: ed25519_dalek::SigningKey,
    id: [u8; 8],
}

impl MinisignKey {
    /// A key derived from `label`, so runs are reproducible.
    pub(crate) fn new(label: &str) -> MinisignKey {
        let seed: [u8; 32] = Sha256::digest(format!("devenv test minisign {label}")).into();
        let id: [u8; 8] = Sha256::digest(format!("devenv test minisign id {label}"))[..8]
            .try_into()
            .unwrap();
        MinisignKey {
            signing: ed25519_dalek::SigningKey::from_bytes(&seed),
            id,
        }
    }

    /// The key id as minisign prints it: upper-case hex, little-endian.
    pub(crate) fn key_id(&self) -> String {
        self.id.iter().rev().map(|b| format!("{b:02X}")).collect()
    }

    /// The `RW…` line (what aqua's `public_key:` holds).
    pub(crate) fn public_key(&self) -> String {
        let mut bytes = b"Ed".to_vec();
        bytes.extend(self.id);
        bytes.extend(self.signing.verifying_key().as_bytes());
        B64.encode(bytes)
    }

    /// A whole `minisign.pub` file.
    pub(crate) fn pub_file(&self) -> String {
        format!(
            "untrusted comment: minisign public key {}\n{}\n",
            self.key_id(),
            self.public_key()
        )
    }

    /// A `.minisig` of `data` with `trusted_comment`, prehashed (`ED`) or
    /// legacy (`Ed`).
    pub(crate) fn sign(&self, data: &[u8], trusted_comment: &str, prehashed: bool) -> String {
        let (algorithm, signature) = if prehashed {
            (b"ED", self.signing.sign(&blake2::Blake2b512::digest(data)))
        } else {
            (b"Ed", self.signing.sign(data))
        };
        let mut line = algorithm.to_vec();
        line.extend(self.id);
        line.extend(signature.to_bytes());
        let mut global = signature.to_bytes().to_vec();
        global.extend(trusted_comment.as_bytes());
        let global = self.signing.sign(&global);
        format!(
            "untrusted comment: signature from minisign secret key\n{}\ntrusted comment: {trusted_comment}\n{}\n",
            B64.encode(line),
            B64.encode(global.to_bytes())
        )
    }
}
