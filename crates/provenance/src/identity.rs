//! Identity patterns: cosign's `--certificate-identity-regexp`, as the aqua
//! registry writes them.
//!
//! The patterns are Go regular expressions (RE2 syntax). `regex-lite`
//! reads the same syntax except Go's `\Q…\E` literal spans (translated here
//! into escaped text) and Unicode classes such as `\pL` (refused with the
//! reason). Matching is a search, not anchored, exactly as cosign's
//! `regexp.MatchString`: a pattern is anchored only by its own `^` and `$`.
//! For GitHub workflow identities an unanchored pattern is still tied to
//! one repository: Fulcio writes the SAN as `https://github.com/OWNER/REPO/
//! …@REF` from the OIDC token, and neither a repository name nor a git ref
//! can contain the `://` needed to smuggle another URL into it.

use crate::{Error, malformed};

/// The longest pattern read; real ones are under 200 characters.
const MAX_PATTERN_BYTES: usize = 4 << 10;

/// Go's `\Q…\E` spans turned into escaped text; the rest as written.
fn translate(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars().peekable();
    // Inside `[…]`, where Go has no `\Q`; `class_start` for a leading `]`.
    let mut in_class = false;
    let mut class_start = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' if !in_class && chars.peek() == Some(&'Q') => {
                chars.next();
                let mut literal = String::new();
                while let Some(c) = chars.next() {
                    if c == '\\' && chars.peek() == Some(&'E') {
                        chars.next();
                        break;
                    }
                    literal.push(c);
                }
                out.push_str(&regex_lite::escape(&literal));
                continue;
            }
            '\\' => {
                out.push(c);
                if let Some(next) = chars.next() {
                    out.push(next);
                }
            }
            '[' if !in_class => {
                in_class = true;
                class_start = true;
                out.push(c);
                if chars.peek() == Some(&'^') {
                    out.push(chars.next().expect("peeked"));
                }
                continue;
            }
            ']' if in_class && !class_start => {
                in_class = false;
                out.push(c);
            }
            _ => out.push(c),
        }
        class_start = false;
    }
    out
}

/// Compile an identity pattern, with the reason when it cannot be.
pub(crate) fn compile(pattern: &str) -> Result<regex_lite::Regex, Error> {
    if pattern.len() > MAX_PATTERN_BYTES {
        return Err(malformed("the identity pattern", "longer than 4 KiB"));
    }
    regex_lite::Regex::new(&translate(pattern)).map_err(|e| {
        let reason = e.to_string();
        let first = reason.lines().last().unwrap_or(&reason).trim().to_string();
        malformed(
            &format!("the identity pattern `{pattern}`"),
            format!("{first} (Go regular expression syntax, without Unicode classes)"),
        )
    })
}

/// Whether `identity` (a certificate SAN) matches `pattern` as cosign's
/// `--certificate-identity-regexp` would: a Go regular expression, searched
/// for anywhere in the identity unless the pattern anchors itself.
pub fn identity_matches(pattern: &str, identity: &str) -> Result<bool, Error> {
    Ok(compile(pattern)?.is_match(identity))
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORKFLOW: &str = "https://github.com/gruntwork-io/terragrunt/.github/workflows/release.yml@refs/tags/v0.80.1";

    #[test]
    fn aqua_patterns_match_as_cosign_matches_them() {
        // As written in the aqua registry, after `{{.Version}}` is rendered.
        let pinned = r"^https://github\.com/gruntwork-io/terragrunt/\.github/workflows/.+\.ya?ml@refs/tags/\Qv0.80.1\E$";
        assert!(identity_matches(pinned, WORKFLOW).unwrap());
        // The `.` inside \Q…\E is literal, not "any character".
        assert!(!identity_matches(pinned, &WORKFLOW.replace("v0.80.1", "v0x80.1")).unwrap());
        // Anchored by `$`: a longer tag does not match.
        assert!(!identity_matches(pinned, &format!("{WORKFLOW}0")).unwrap());
        // Another repository does not match.
        assert!(
            !identity_matches(pinned, &WORKFLOW.replace("gruntwork-io", "gruntwork-i0")).unwrap()
        );
        // Unanchored, as cosign: a search anywhere in the SAN.
        let loose =
            r"https://github\.com/gruntwork-io/terragrunt/\.github/workflows/release\.yml@.*";
        assert!(identity_matches(loose, WORKFLOW).unwrap());
        assert!(
            !identity_matches(
                loose,
                "https://github.com/gruntwork-io/other/.github/workflows/release.yml@x"
            )
            .unwrap()
        );
        let digits = r"^https://github\.com/opentofu/opentofu/\.github/workflows/release\.yml@refs/heads/(main|v\d+\..+)$";
        assert!(
            identity_matches(
                digits,
                "https://github.com/opentofu/opentofu/.github/workflows/release.yml@refs/heads/v1.9"
            )
            .unwrap()
        );
        assert!(
            !identity_matches(
                digits,
                "https://github.com/opentofu/opentofu/.github/workflows/release.yml@refs/heads/dev"
            )
            .unwrap()
        );
    }

    #[test]
    fn literal_spans_are_translated_and_classes_left_alone() {
        assert_eq!(translate(r"a\Q.*+\Eb"), r"a\.\*\+b");
        // An unterminated span runs to the end, as in Go.
        assert_eq!(translate(r"a\Q.("), r"a\.\(");
        // An escaped backslash before Q is not a span.
        assert_eq!(translate(r"\\Q"), r"\\Q");
        // `\Q` means nothing special inside a class; `]` first is literal.
        assert_eq!(translate(r"[]\Q]x"), r"[]\Q]x");
    }

    #[test]
    fn invalid_patterns_are_refused_with_the_reason() {
        let e = identity_matches("(unclosed", WORKFLOW)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("the identity pattern `(unclosed` is not valid"),
            "{e}"
        );
        let e = identity_matches(r"\pL+", WORKFLOW).unwrap_err().to_string();
        assert!(e.contains("without Unicode classes"), "{e}");
        let e = identity_matches(&"a".repeat(5000), WORKFLOW)
            .unwrap_err()
            .to_string();
        assert!(e.contains("longer than 4 KiB"), "{e}");
    }
}
