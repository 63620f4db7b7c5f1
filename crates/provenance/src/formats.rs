//! What the registries publish, turned into Sigstore bundles.
//!
//! - npm (`GET /-/npm/v1/attestations/NAME@VERSION`):
//!   `{"attestations": [{"predicateType": …, "bundle": {…}}]}`; the SLSA
//!   build provenance is read (npm's own publish attestation is signed by
//!   the registry's key, not by the builder, and says nothing about who
//!   built the package).
//! - PyPI's Integrity API (`GET /integrity/PROJECT/VERSION/FILE/provenance`,
//!   PEP 740): `{"version": 1, "attestation_bundles": [{"publisher": …,
//!   "attestations": [{"verification_material": {"certificate",
//!   "transparency_entries"}, "envelope": {"statement", "signature"}}]}]}`,
//!   each attestation a DSSE envelope over an in-toto statement.
//! - GitHub (`GET /repos/OWNER/REPO/attestations/sha256:HEX`):
//!   `{"attestations": [{"bundle": {…}, "repository_id": …}]}`.
//!
//! Each answer is bounded by [`crate::MAX_DOCUMENT_BYTES`] and at most
//! [`MAX_BUNDLES`] bundles are taken from it.

use crate::{Error, MAX_DOCUMENT_BYTES, parse_bundle};
use serde_json::Value;
use sigstore_verify::types::Bundle;

/// The most bundles read from one answer.
pub const MAX_BUNDLES: usize = 16;

const SLSA_PREFIX: &str = "https://slsa.dev/provenance/";

fn document(text: &str, what: &str) -> Result<Value, Error> {
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(Error::Malformed {
            what: what.into(),
            reason: "larger than 4 MiB".into(),
        });
    }
    serde_json::from_str(text).map_err(|e| Error::Malformed {
        what: what.into(),
        reason: e.to_string(),
    })
}

fn shape(what: &str, expected: &str) -> Error {
    Error::Malformed {
        what: what.into(),
        reason: format!("expected {expected}"),
    }
}

fn bundles_of<'a>(
    values: impl Iterator<Item = &'a Value>,
    what: &str,
) -> Result<Vec<Bundle>, Error> {
    values
        .take(MAX_BUNDLES)
        .map(|b| {
            if !b.is_object() {
                return Err(shape(what, "each `bundle` to be an object"));
            }
            parse_bundle(&b.to_string())
        })
        .collect()
}

/// The SLSA provenance bundles of an npm attestations answer.
pub fn npm_bundles(text: &str) -> Result<Vec<Bundle>, Error> {
    let what = "the npm attestations answer";
    let doc = document(text, what)?;
    let list = doc["attestations"]
        .as_array()
        .ok_or_else(|| shape(what, "an `attestations` list"))?;
    let slsa = list.iter().filter(|a| {
        a["predicateType"]
            .as_str()
            .is_some_and(|t| t.starts_with(SLSA_PREFIX))
    });
    bundles_of(slsa.map(|a| &a["bundle"]), what)
}

/// The attestations of a PyPI provenance object, as bundles.
pub fn pypi_bundles(text: &str) -> Result<Vec<Bundle>, Error> {
    let what = "the PyPI provenance answer";
    let doc = document(text, what)?;
    let groups = doc["attestation_bundles"]
        .as_array()
        .ok_or_else(|| shape(what, "an `attestation_bundles` list"))?;
    let mut out = Vec::new();
    for group in groups {
        let list = group["attestations"]
            .as_array()
            .ok_or_else(|| shape(what, "an `attestations` list in each bundle"))?;
        for a in list {
            if out.len() == MAX_BUNDLES {
                return Ok(out);
            }
            let material = &a["verification_material"];
            let (Some(cert), Some(entries), Some(statement), Some(signature)) = (
                material["certificate"].as_str(),
                material["transparency_entries"].as_array(),
                a["envelope"]["statement"].as_str(),
                a["envelope"]["signature"].as_str(),
            ) else {
                return Err(shape(
                    what,
                    "each attestation to have a certificate, transparency entries and an envelope",
                ));
            };
            let bundle = serde_json::json!({
                "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
                "verificationMaterial": {
                    "certificate": {"rawBytes": cert},
                    "tlogEntries": entries,
                },
                "dsseEnvelope": {
                    "payload": statement,
                    "payloadType": "application/vnd.in-toto+json",
                    "signatures": [{"sig": signature}],
                },
            });
            out.push(parse_bundle(&bundle.to_string())?);
        }
    }
    Ok(out)
}

/// The bundles of a GitHub attestations answer.
pub fn github_bundles(text: &str) -> Result<Vec<Bundle>, Error> {
    let what = "the GitHub attestations answer";
    let doc = document(text, what)?;
    let list = doc["attestations"]
        .as_array()
        .ok_or_else(|| shape(what, "an `attestations` list"))?;
    bundles_of(list.iter().map(|a| &a["bundle"]), what)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_of_the_wrong_shape_are_refused_with_what_was_expected() {
        let e = npm_bundles("{\"attestations\": 3}")
            .unwrap_err()
            .to_string();
        assert!(e.contains("an `attestations` list"), "{e}");
        let e =
            pypi_bundles("{\"version\": 1, \"attestation_bundles\": [{\"attestations\": [{}]}]}")
                .unwrap_err()
                .to_string();
        assert!(e.contains("certificate, transparency entries"), "{e}");
        let e = github_bundles("not json").unwrap_err().to_string();
        assert!(e.contains("GitHub attestations answer is not valid"), "{e}");
        // Only SLSA provenance counts for npm.
        let publish = r#"{"attestations": [{"predicateType": "https://github.com/npm/attestation/tree/main/specs/publish/v0.1", "bundle": {}}]}"#;
        assert!(npm_bundles(publish).unwrap().is_empty());
    }
}
