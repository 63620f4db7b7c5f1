//! minisign signatures: an Ed25519 key published by the project (a base64
//! `RW…` line), and a `.minisig` file beside the release asset.
//!
//! The formats (minisign's documentation, "Signature format"):
//!
//! - public key: `base64("Ed" || key id (8 bytes) || Ed25519 key (32))`,
//!   optionally after an `untrusted comment:` line (a whole `.pub` file);
//! - signature file, four lines: `untrusted comment: …`, then
//!   `base64(algorithm (2) || key id (8) || signature (64))`, then
//!   `trusted comment: …`, then `base64(global signature (64))`.
//!
//! The algorithm is `Ed` (the file's bytes are signed: the legacy format)
//! or `ED` (their BLAKE2b-512 is signed: the default since minisign 0.9).
//! The global signature covers the signature and the trusted comment, so
//! the trusted comment (a timestamp, the file name) is authenticated too.
//! The key id is shown as minisign shows it: the 8 bytes read as a
//! little-endian number, in upper-case hexadecimal.

use crate::Error;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use blake2::Digest as _;

/// The largest public key text read (a `.pub` file is two short lines).
const MAX_KEY_BYTES: usize = 4 << 10;
/// The largest `.minisig` read: minisign itself caps the trusted comment at
/// 8 KiB.
const MAX_SIGNATURE_BYTES: usize = 16 << 10;

const UNTRUSTED: &str = "untrusted comment:";
const TRUSTED: &str = "trusted comment: ";

/// What a verified minisign signature says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MinisignVerified {
    /// The signing key's id, 16 upper-case hex digits as minisign prints it
    /// (`minisign public key E7620F1842B4E81F`).
    pub key_id: String,
    /// The signed comment, e.g. `timestamp:1556193335\tfile:test`.
    pub trusted_comment: String,
}

fn malformed_key(reason: impl std::fmt::Display) -> Error {
    crate::malformed("the minisign public key", reason)
}

fn malformed_sig(reason: impl std::fmt::Display) -> Error {
    crate::malformed("the minisign signature", reason)
}

fn key_id_text(id: &[u8]) -> String {
    id.iter().rev().map(|b| format!("{b:02X}")).collect()
}

/// The key: its id and Ed25519 key, from a `RW…` line or a `.pub` file.
fn parse_public_key(text: &str) -> Result<([u8; 8], ed25519_dalek::VerifyingKey), Error> {
    if text.len() > MAX_KEY_BYTES {
        return Err(malformed_key("longer than 4 KiB; a key is one short line"));
    }
    let mut lines = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with(UNTRUSTED));
    let line = lines
        .next()
        .ok_or_else(|| malformed_key("it is empty; expected the base64 line starting with RW"))?;
    if lines.next().is_some() {
        return Err(malformed_key(
            "it has more than one key line; give one key (the line starting with RW)",
        ));
    }
    let bytes = B64
        .decode(line)
        .map_err(|_| malformed_key("it is not base64; expected the line starting with RW"))?;
    let Ok::<[u8; 42], _>(bytes) = bytes.try_into() else {
        return Err(malformed_key(
            "it is not 42 bytes long, so it is not a minisign key",
        ));
    };
    if &bytes[..2] != b"Ed" {
        return Err(malformed_key(
            "it is not an Ed25519 key (it does not start with RW)",
        ));
    }
    let id: [u8; 8] = bytes[2..10].try_into().expect("8 bytes");
    let key: [u8; 32] = bytes[10..].try_into().expect("32 bytes");
    let key = ed25519_dalek::VerifyingKey::from_bytes(&key)
        .map_err(|_| malformed_key("its 32 key bytes are not an Ed25519 point"))?;
    Ok((id, key))
}

/// The four lines of a `.minisig`.
struct SignatureFile {
    prehashed: bool,
    key_id: [u8; 8],
    signature: ed25519_dalek::Signature,
    trusted_comment: String,
    global: ed25519_dalek::Signature,
}

fn decode_exact<const N: usize>(line: &str, what: &str) -> Result<[u8; N], Error> {
    let bytes = B64
        .decode(line.trim())
        .map_err(|_| malformed_sig(format!("its {what} line is not base64")))?;
    bytes
        .try_into()
        .map_err(|_| malformed_sig(format!("its {what} line is not {N} bytes long")))
}

fn parse_signature(text: &str) -> Result<SignatureFile, Error> {
    if text.len() > MAX_SIGNATURE_BYTES {
        return Err(malformed_sig("longer than 16 KiB"));
    }
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
    let [untrusted, sig_line, trusted, global_line, rest @ ..] = lines.as_slice() else {
        return Err(malformed_sig(
            "it has fewer than four lines (untrusted comment, signature, trusted comment, global signature)",
        ));
    };
    if rest.iter().any(|l| !l.trim().is_empty()) {
        return Err(malformed_sig("it has text after the fourth line"));
    }
    if !untrusted.starts_with(UNTRUSTED) {
        return Err(malformed_sig(
            "its first line does not start with `untrusted comment:`",
        ));
    }
    let Some(trusted_comment) = trusted.strip_prefix(TRUSTED) else {
        return Err(malformed_sig(
            "its third line does not start with `trusted comment: `",
        ));
    };
    let sig: [u8; 74] = decode_exact(sig_line, "signature")?;
    let prehashed = match &sig[..2] {
        b"ED" => true,
        b"Ed" => false,
        _ => {
            return Err(malformed_sig(
                "its signature algorithm is neither Ed nor ED, the two minisign uses",
            ));
        }
    };
    let global: [u8; 64] = decode_exact(global_line, "global signature")?;
    Ok(SignatureFile {
        prehashed,
        key_id: sig[2..10].try_into().expect("8 bytes"),
        signature: ed25519_dalek::Signature::from_bytes(&sig[10..].try_into().expect("64 bytes")),
        trusted_comment: trusted_comment.to_string(),
        global: ed25519_dalek::Signature::from_bytes(&global),
    })
}

/// Verify `minisig` (a `.minisig` file's text) over `artifact` with
/// `public_key` (the `RW…` line, or a whole `.pub` file).
///
/// Checks that the signature was made by this key (by id, then
/// cryptographically), over these bytes, and that the trusted comment is
/// the one signed with it. Ed25519 verification is strict (no small-order
/// or non-canonical points), as libsodium's is.
pub fn verify_minisign(
    public_key: &str,
    minisig: &str,
    artifact: &[u8],
) -> Result<MinisignVerified, Error> {
    let (key_id, key) = parse_public_key(public_key)?;
    let file = parse_signature(minisig)?;
    if file.key_id != key_id {
        return Err(Error::Rejected(format!(
            "the minisign signature was made with key {}, not with the expected key {}",
            key_id_text(&file.key_id),
            key_id_text(&key_id)
        )));
    }
    let signed = if file.prehashed {
        blake2::Blake2b512::digest(artifact).to_vec()
    } else {
        artifact.to_vec()
    };
    key.verify_strict(&signed, &file.signature).map_err(|_| {
        Error::Rejected(format!(
            "the minisign signature of key {} does not match the file: the file was changed or the signature is for another file",
            key_id_text(&key_id)
        ))
    })?;
    let mut global = file.signature.to_bytes().to_vec();
    global.extend_from_slice(file.trusted_comment.as_bytes());
    key.verify_strict(&global, &file.global).map_err(|_| {
        Error::Rejected(format!(
            "the trusted comment of the minisign signature of key {} was changed after signing",
            key_id_text(&key_id)
        ))
    })?;
    Ok(MinisignVerified {
        key_id: key_id_text(&key_id),
        trusted_comment: file.trusted_comment,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Real signatures by minisign's author's key over the four bytes
    // `test`; see tests/data/README.md.
    const PUB: &str = include_str!("../tests/data/minisign/minisign.pub");
    const LEGACY: &str = include_str!("../tests/data/minisign/test.legacy.minisig");
    const PREHASHED: &str = include_str!("../tests/data/minisign/test.prehashed.minisig");

    fn key_line() -> &'static str {
        PUB.lines().nth(1).unwrap()
    }

    fn err(result: Result<MinisignVerified, Error>) -> String {
        result.unwrap_err().to_string()
    }

    #[test]
    fn real_signatures_of_both_algorithms_verify() {
        let v = verify_minisign(key_line(), PREHASHED, b"test").unwrap();
        assert_eq!(v.key_id, "E7620F1842B4E81F");
        assert_eq!(v.trusted_comment, "timestamp:1556193335\tfile:test");
        let v = verify_minisign(PUB, LEGACY, b"test").unwrap();
        assert_eq!(v.key_id, "E7620F1842B4E81F");
        assert_eq!(v.trusted_comment, "timestamp:1555779966\tfile:test");
        // The key id matches the one minisign writes in the .pub comment.
        assert!(PUB.contains(&v.key_id));
    }

    #[test]
    fn a_changed_file_is_refused() {
        for sig in [PREHASHED, LEGACY] {
            let e = err(verify_minisign(key_line(), sig, b"tesT"));
            assert!(e.contains("does not match the file"), "{e}");
        }
    }

    #[test]
    fn a_changed_trusted_comment_is_refused() {
        let forged = PREHASHED.replace("timestamp:1556193335", "timestamp:1999999999");
        let e = err(verify_minisign(key_line(), &forged, b"test"));
        assert!(
            e.contains("trusted comment") && e.contains("changed"),
            "{e}"
        );
    }

    #[test]
    fn a_signature_by_another_key_is_refused_naming_both_keys() {
        // Same key bytes, another id: the id check fires first.
        let mut bytes = B64.decode(key_line()).unwrap();
        bytes[2] ^= 1;
        let other = B64.encode(&bytes);
        let e = err(verify_minisign(&other, PREHASHED, b"test"));
        assert!(
            e.contains(
                "made with key E7620F1842B4E81F, not with the expected key E7620F1842B4E81E"
            ),
            "{e}"
        );
        // Another key claiming the signer's id: the signature check fires.
        let mut bytes = B64.decode(key_line()).unwrap();
        let other_key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]).verifying_key();
        bytes[10..].copy_from_slice(other_key.as_bytes());
        let e = err(verify_minisign(&B64.encode(&bytes), PREHASHED, b"test"));
        assert!(e.contains("does not match the file"), "{e}");
    }

    #[test]
    fn a_forged_signature_line_is_refused() {
        let mut lines: Vec<String> = PREHASHED.lines().map(str::to_string).collect();
        let mut sig = B64.decode(&lines[1]).unwrap();
        sig[40] ^= 0x80;
        lines[1] = B64.encode(&sig);
        let e = err(verify_minisign(key_line(), &lines.join("\n"), b"test"));
        assert!(e.contains("does not match the file"), "{e}");
        // Switching the algorithm of a prehashed signature to legacy.
        let mut sig = B64.decode(PREHASHED.lines().nth(1).unwrap()).unwrap();
        sig[1] = b'd';
        lines[1] = B64.encode(&sig);
        let e = err(verify_minisign(key_line(), &lines.join("\n"), b"test"));
        assert!(e.contains("does not match the file"), "{e}");
    }

    #[test]
    fn malformed_keys_say_what_is_wrong() {
        let cases = [
            ("", "it is empty"),
            ("not base64!", "not base64"),
            ("RWQf6LRC", "not 42 bytes"),
            (
                "untrusted comment: a\nRWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3\nRWQf6LRCGA9i53mlYecO4IzT51TGPpvWucNSCh1CBM0QTaLn73Y7GFO3",
                "more than one key line",
            ),
        ];
        for (key, reason) in cases {
            let e = err(verify_minisign(key, PREHASHED, b"test"));
            assert!(
                e.starts_with("the minisign public key is not valid") && e.contains(reason),
                "{key:?}: {e}"
            );
        }
        let mut bytes = B64.decode(key_line()).unwrap();
        bytes[0] = b'X';
        let e = err(verify_minisign(&B64.encode(&bytes), PREHASHED, b"test"));
        assert!(e.contains("not an Ed25519 key"), "{e}");
        let e = err(verify_minisign(&"A".repeat(5000), PREHASHED, b"test"));
        assert!(e.contains("longer than 4 KiB"), "{e}");
    }

    #[test]
    fn malformed_signature_files_say_what_is_wrong() {
        let lines: Vec<&str> = PREHASHED.lines().collect();
        let with = |i: usize, line: &str| {
            let mut l = lines.clone();
            l[i] = line;
            l.join("\n")
        };
        let mut bad_alg = B64.decode(lines[1]).unwrap();
        bad_alg[0] = b'X';
        let bad_alg = B64.encode(&bad_alg);
        let cases = [
            (lines[..3].join("\n"), "fewer than four lines"),
            (format!("{PREHASHED}\nextra"), "text after the fourth line"),
            (with(0, "comment: x"), "`untrusted comment:`"),
            (with(2, "comment: x"), "`trusted comment: `"),
            (with(1, "%%%"), "signature line is not base64"),
            (with(1, "RUQf6LRC"), "signature line is not 74 bytes"),
            (with(1, &bad_alg), "neither Ed nor ED"),
            (with(3, "AAAA"), "global signature line is not 64 bytes"),
            ("x".repeat(20_000), "longer than 16 KiB"),
        ];
        for (sig, reason) in cases {
            let e = err(verify_minisign(key_line(), &sig, b"test"));
            assert!(
                e.starts_with("the minisign signature is not valid") && e.contains(reason),
                "{reason}: {e}"
            );
        }
    }

    #[test]
    fn windows_line_endings_are_read() {
        let crlf = PREHASHED.replace('\n', "\r\n");
        assert!(verify_minisign(&PUB.replace('\n', "\r\n"), &crlf, b"test").is_ok());
    }
}
