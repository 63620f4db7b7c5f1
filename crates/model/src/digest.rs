//! Content digests: what a lock pins and what the store verifies.
//!
//! Lock files spell a digest as `sha256:<hex>` or, for npm's integrity
//! field, in Subresource-Integrity form `sha512-<base64>`; `sha1:<hex>` only
//! exists for old npm packages that publish nothing stronger.

use base64::Engine;
use sha2::Digest as _;
use std::fmt;
use std::str::FromStr;

/// Which hash function a digest uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    Sha256,
    Sha512,
    Sha1,
}

/// A digest of exact bytes, with its algorithm.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Digest {
    pub algorithm: Algorithm,
    pub bytes: Vec<u8>,
}

/// A streaming hasher for one algorithm: feed it bytes as they arrive.
pub enum Hasher {
    Sha256(sha2::Sha256),
    Sha512(sha2::Sha512),
    Sha1(sha1::Sha1),
}

impl Hasher {
    pub fn new(algorithm: Algorithm) -> Hasher {
        match algorithm {
            Algorithm::Sha256 => Hasher::Sha256(sha2::Sha256::new()),
            Algorithm::Sha512 => Hasher::Sha512(sha2::Sha512::new()),
            Algorithm::Sha1 => Hasher::Sha1(sha1::Sha1::new()),
        }
    }

    pub fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(data),
            Hasher::Sha512(h) => h.update(data),
            Hasher::Sha1(h) => h.update(data),
        }
    }

    pub fn finish(self) -> Digest {
        match self {
            Hasher::Sha256(h) => Digest {
                algorithm: Algorithm::Sha256,
                bytes: h.finalize().to_vec(),
            },
            Hasher::Sha512(h) => Digest {
                algorithm: Algorithm::Sha512,
                bytes: h.finalize().to_vec(),
            },
            Hasher::Sha1(h) => Digest {
                algorithm: Algorithm::Sha1,
                bytes: h.finalize().to_vec(),
            },
        }
    }
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    // A table, not `format!` per byte: this runs for every store key on
    // every `exec`.
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 0xf) as usize] as char);
    }
    out
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

/// The sha256 of `data`, as lowercase hex (used for store keys and trust).
pub fn sha256_hex(data: &[u8]) -> String {
    hex(&sha2::Sha256::digest(data))
}

impl Digest {
    /// Digest of an in-memory buffer.
    pub fn of(algorithm: Algorithm, data: &[u8]) -> Digest {
        let mut h = Hasher::new(algorithm);
        h.update(data);
        h.finish()
    }

    /// A sha256 digest from 64 hex characters, as users write it in `sha256 = "..."`.
    pub fn sha256_from_hex(s: &str) -> Option<Digest> {
        let bytes = unhex(&s.to_ascii_lowercase())?;
        (bytes.len() == 32).then_some(Digest {
            algorithm: Algorithm::Sha256,
            bytes,
        })
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.algorithm {
            Algorithm::Sha256 => write!(f, "sha256:{}", hex(&self.bytes)),
            Algorithm::Sha1 => write!(f, "sha1:{}", hex(&self.bytes)),
            Algorithm::Sha512 => {
                write!(
                    f,
                    "sha512-{}",
                    base64::engine::general_purpose::STANDARD.encode(&self.bytes)
                )
            }
        }
    }
}

impl FromStr for Digest {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad =
            || format!("`{s}` is not a digest (expected `sha256:<64 hex>` or `sha512-<base64>`)");
        if let Some(rest) = s.strip_prefix("sha256:") {
            return Digest::sha256_from_hex(rest).ok_or_else(bad);
        }
        if let Some(rest) = s.strip_prefix("sha1:") {
            let bytes = unhex(rest).filter(|b| b.len() == 20).ok_or_else(bad)?;
            return Ok(Digest {
                algorithm: Algorithm::Sha1,
                bytes,
            });
        }
        if let Some(rest) = s.strip_prefix("sha512-") {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(rest)
                .map_err(|_| bad())?;
            if bytes.len() != 64 {
                return Err(bad());
            }
            return Ok(Digest {
                algorithm: Algorithm::Sha512,
                bytes,
            });
        }
        Err(bad())
    }
}

/// A digest mismatch: what was expected, what arrived, from where.
#[derive(Debug, thiserror::Error)]
#[error(
    "the download of `{tool}` does not match the lock, so it was not installed\n  url:      {url}\n  expected: {expected}\n  actual:   {actual}\n\
     The file changed on the server or was tampered with in transit. If the new file is legitimate, run `devenv update {tool}` to pin it again."
)]
pub struct DigestMismatch {
    pub tool: String,
    pub url: String,
    pub expected: Digest,
    pub actual: Digest,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vectors() {
        assert_eq!(
            Digest::of(Algorithm::Sha256, b"abc").to_string(),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            hex(&Digest::of(Algorithm::Sha1, b"abc").bytes),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
        let long = vec![b'a'; 1000];
        assert_eq!(
            hex(&Digest::of(Algorithm::Sha1, &long).bytes),
            "291e9a6c66994949b57ba5e650361e98fc36b1ba"
        );
    }

    #[test]
    fn parses_what_it_prints() {
        for alg in [Algorithm::Sha256, Algorithm::Sha512, Algorithm::Sha1] {
            let d = Digest::of(alg, b"hello");
            assert_eq!(d.to_string().parse::<Digest>().unwrap(), d);
        }
        assert!("md5:abc".parse::<Digest>().is_err());
        assert!("sha256:zz".parse::<Digest>().is_err());
    }
}
