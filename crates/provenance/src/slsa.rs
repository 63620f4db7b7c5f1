//! What SLSA provenance states: the artifacts it covers (in-toto subjects),
//! the builder that made them and the source they were built from.
//!
//! slsa-github-generator publishes `*.intoto.jsonl`: since v2 a Sigstore
//! bundle, before that a bare DSSE envelope (`{payloadType, payload,
//! signatures}`), one JSON document per line. Reading a statement is not
//! verifying it: read it from material [`crate::verify`] accepted, and
//! check the artifact's digest is one of its subjects (`verify` itself
//! does, for the digest it is given).

use crate::{Error, MAX_DOCUMENT_BYTES, malformed};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::Value;

/// The most documents read from one `.intoto.jsonl`.
pub const MAX_DOCUMENTS: usize = 64;

/// An in-toto statement of SLSA provenance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlsaStatement {
    /// `https://slsa.dev/provenance/v0.2`, `…/v1`.
    pub predicate_type: String,
    /// `(name, SHA-256 in lower-case hex)` of each subject that has one.
    pub subjects: Vec<(String, String)>,
    /// The builder's id, e.g. the slsa-github-generator workflow at a tag.
    pub builder_id: Option<String>,
    /// The source repository, e.g. `https://github.com/OWNER/REPO` (the
    /// `git+` prefix and the `@ref` suffix removed).
    pub source_repo: Option<String>,
}

impl SlsaStatement {
    /// Whether an artifact with this SHA-256 (hex) is one of the subjects.
    pub fn covers(&self, sha256_hex: &str) -> bool {
        self.subjects
            .iter()
            .any(|(_, digest)| digest.eq_ignore_ascii_case(sha256_hex))
    }
}

/// The JSON documents of a provenance file: the whole text if it is one
/// (a pretty-printed bundle), else each non-empty line (JSON Lines).
pub fn provenance_documents(text: &str) -> Result<Vec<String>, Error> {
    let what = "the provenance file";
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(malformed(what, "larger than 4 MiB"));
    }
    if serde_json::from_str::<Value>(text).is_ok() {
        return Ok(vec![text.trim().to_string()]);
    }
    let lines: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .take(MAX_DOCUMENTS)
        .map(str::to_string)
        .collect();
    for (n, line) in lines.iter().enumerate() {
        serde_json::from_str::<Value>(line)
            .map_err(|e| malformed(what, format!("line {}: {e}", n + 1)))?;
    }
    Ok(lines)
}

/// The statement of a Sigstore bundle with a DSSE envelope, or of a bare
/// DSSE envelope, if it is SLSA provenance.
pub fn slsa_subjects(bundle_or_envelope: &str) -> Result<SlsaStatement, Error> {
    let what = "the SLSA provenance";
    if bundle_or_envelope.len() > MAX_DOCUMENT_BYTES {
        return Err(malformed(what, "larger than 4 MiB"));
    }
    let doc: Value = serde_json::from_str(bundle_or_envelope).map_err(|e| malformed(what, e))?;
    let envelope = if doc.get("dsseEnvelope").is_some() {
        &doc["dsseEnvelope"]
    } else {
        &doc
    };
    if envelope["payloadType"].as_str() != Some("application/vnd.in-toto+json") {
        return Err(malformed(
            what,
            "expected a DSSE envelope of an in-toto statement (payloadType application/vnd.in-toto+json)",
        ));
    }
    let payload = envelope["payload"]
        .as_str()
        .and_then(|p| B64.decode(p).ok())
        .ok_or_else(|| malformed(what, "its payload is not base64"))?;
    let statement: Value = serde_json::from_slice(&payload)
        .map_err(|e| malformed(what, format!("its statement: {e}")))?;
    if !statement["_type"]
        .as_str()
        .is_some_and(|t| t.starts_with("https://in-toto.io/Statement/"))
    {
        return Err(malformed(what, "its payload is not an in-toto statement"));
    }
    let predicate_type = statement["predicateType"].as_str().unwrap_or_default();
    if !predicate_type.starts_with("https://slsa.dev/provenance/") {
        return Err(malformed(
            what,
            format!("it states `{predicate_type}`, not SLSA provenance"),
        ));
    }
    let subjects = statement["subject"]
        .as_array()
        .ok_or_else(|| malformed(what, "its statement has no subjects"))?
        .iter()
        .filter_map(|s| {
            let digest = s["digest"]["sha256"].as_str()?;
            let hex = digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit());
            hex.then(|| {
                (
                    s["name"].as_str().unwrap_or_default().to_string(),
                    digest.to_ascii_lowercase(),
                )
            })
        })
        .collect();
    let predicate = &statement["predicate"];
    let text = |v: &Value| v.as_str().map(str::to_string);
    let builder_id = text(&predicate["builder"]["id"])
        .or_else(|| text(&predicate["runDetails"]["builder"]["id"]));
    let source_repo = text(&predicate["invocation"]["configSource"]["uri"])
        .or_else(|| {
            text(&predicate["buildDefinition"]["externalParameters"]["workflow"]["repository"])
        })
        .or_else(|| text(&predicate["buildDefinition"]["resolvedDependencies"][0]["uri"]))
        .map(|uri| repository(&uri));
    Ok(SlsaStatement {
        predicate_type: predicate_type.to_string(),
        subjects,
        builder_id,
        source_repo,
    })
}

/// `git+https://github.com/o/r@refs/tags/v1` → `https://github.com/o/r`.
fn repository(uri: &str) -> String {
    let uri = uri.strip_prefix("git+").unwrap_or(uri);
    let uri = uri.split('@').next().unwrap_or(uri);
    uri.strip_suffix(".git").unwrap_or(uri).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Real slsa-github-generator output; see tests/data/README.md.
    const V2_BUNDLE: &str = include_str!("../tests/data/slsa/generic-v2.1.0.intoto.jsonl");
    const V1_ENVELOPE: &str = include_str!("../tests/data/slsa/generic-v1.2.1.intoto.jsonl");

    #[test]
    fn real_provenance_states_its_subjects_builder_and_source() {
        let docs = provenance_documents(V2_BUNDLE).unwrap();
        assert_eq!(docs.len(), 1);
        let s = slsa_subjects(&docs[0]).unwrap();
        assert_eq!(s.predicate_type, "https://slsa.dev/provenance/v0.2");
        assert_eq!(
            s.subjects,
            vec![(
                "gha_generic-binary-linux-amd64-v14".to_string(),
                "376e7e01348585b6e6643bc6663146b9d525d9b41228bf180eaeb4d4a3706caa".to_string()
            )]
        );
        assert_eq!(
            s.builder_id.as_deref(),
            Some(
                "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/generator_generic_slsa3.yml@refs/tags/v2.1.0"
            )
        );
        assert_eq!(
            s.source_repo.as_deref(),
            Some("https://github.com/slsa-framework/example-package")
        );
        assert!(s.covers("376E7E01348585B6E6643BC6663146B9D525D9B41228BF180EAEB4D4A3706CAA"));
        assert!(!s.covers(&"0".repeat(64)));

        // The older bare envelope reads the same way.
        let docs = provenance_documents(V1_ENVELOPE).unwrap();
        let s = slsa_subjects(&docs[0]).unwrap();
        assert_eq!(s.subjects.len(), 1);
        assert!(s.builder_id.unwrap().ends_with("@refs/tags/v1.2.1"));
        assert_eq!(
            s.source_repo.as_deref(),
            Some("https://github.com/slsa-framework/example-package")
        );
    }

    #[test]
    fn json_lines_are_split_and_bad_lines_named() {
        let two = format!("{}\n\n{}\n", V1_ENVELOPE.trim(), V1_ENVELOPE.trim());
        assert_eq!(provenance_documents(&two).unwrap().len(), 2);
        let e = provenance_documents(&format!("{}\nnot json", V1_ENVELOPE.trim()))
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2"), "{e}");
    }

    #[test]
    fn other_statements_are_refused_with_what_they_are() {
        let statement = serde_json::json!({
            "_type": "https://in-toto.io/Statement/v1",
            "predicateType": "https://spdx.dev/Document",
            "subject": [], "predicate": {}
        });
        let envelope = serde_json::json!({
            "payloadType": "application/vnd.in-toto+json",
            "payload": B64.encode(statement.to_string()),
            "signatures": []
        });
        let e = slsa_subjects(&envelope.to_string())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("states `https://spdx.dev/Document`, not SLSA"),
            "{e}"
        );
        let e = slsa_subjects("{\"payloadType\": \"text/plain\"}")
            .unwrap_err()
            .to_string();
        assert!(e.contains("in-toto statement"), "{e}");
        let e = slsa_subjects(
            "{\"payloadType\": \"application/vnd.in-toto+json\", \"payload\": \"%\"}",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("not base64"), "{e}");
    }
}
