//! Checksum files as releases publish them: `checksums.txt` and
//! `SHA256SUMS` (`<hex>  <name>` per line, `*<name>` for binary mode),
//! BSD-style `SHA256 (<name>) = <hex>`, and one-asset files such as
//! `<asset>.sha256` that hold the hex alone (or with the name).

use anyhow::{Result, bail};
use devenv_model::digest::Digest;

/// The sha256 that `text` (a checksum file called `file`) gives for the
/// asset named `asset`; `None` when the file does not mention it. A line
/// that names the asset with a malformed hash is an error, never skipped.
pub fn sha256_for(text: &str, file: &str, asset: &str) -> Result<Option<Digest>> {
    let mut lone = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (hex, name) = match split_line(line) {
            Some(pair) => pair,
            None => {
                lone.push(line);
                continue;
            }
        };
        let base = name.rsplit('/').next().unwrap_or(name);
        if base == asset {
            return match Digest::sha256_from_hex(hex) {
                Some(d) => Ok(Some(d)),
                None => bail!("{file} gives `{hex}` as the sha256 of {asset}, which is not one"),
            };
        }
    }
    // A file with one bare hash is about one asset: `<asset>.sha256`.
    if let [only] = lone.as_slice()
        && file.starts_with(asset)
    {
        return match Digest::sha256_from_hex(only) {
            Some(d) => Ok(Some(d)),
            None => bail!("{file} should hold the sha256 of {asset}, but holds `{only}`"),
        };
    }
    Ok(None)
}

/// `(hex, name)` of one line in either common layout.
fn split_line(line: &str) -> Option<(&str, &str)> {
    if let Some(rest) = line.strip_prefix("SHA256 (") {
        let (name, hex) = rest.split_once(") = ")?;
        return Some((hex.trim(), name));
    }
    let (hex, name) = line.split_once(char::is_whitespace)?;
    let name = name.trim_start().trim_start_matches('*');
    (!name.is_empty()).then_some((hex, name))
}

/// Whether an asset name is a checksum file that may list other assets.
pub(crate) fn is_checksum_file(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    // Signatures of a checksum file are not checksum files.
    ![
        ".sig",
        ".asc",
        ".pem",
        ".json",
        ".jsonl",
        ".sigstore",
        ".bundle",
    ]
    .iter()
    .any(|s| lower.ends_with(s))
        && (lower.contains("checksums")
            || lower.contains("sha256sums")
            || lower.contains("sha256sum")
            || lower.ends_with(".sha256"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "6924efde5de86fe277676e929dc9917d466efa02fb934197bc2eba35d5680971";

    #[test]
    fn reads_every_common_layout() {
        let sums = format!(
            "{HEX}  gh_2.63.0_linux_amd64.tar.gz\n{}  gh_2.63.0_macOS_arm64.zip\n",
            "a".repeat(64)
        );
        let d = sha256_for(&sums, "checksums.txt", "gh_2.63.0_linux_amd64.tar.gz").unwrap();
        assert_eq!(d.unwrap().to_string(), format!("sha256:{HEX}"));
        assert_eq!(sha256_for(&sums, "checksums.txt", "other").unwrap(), None);
        let star = format!("{HEX} *./dist/rg.tar.gz\n");
        assert!(
            sha256_for(&star, "SHA256SUMS", "rg.tar.gz")
                .unwrap()
                .is_some()
        );
        let bsd = format!("SHA256 (tool.zip) = {HEX}\n");
        assert!(sha256_for(&bsd, "sums", "tool.zip").unwrap().is_some());
        let raw = format!("{HEX}\n");
        assert!(
            sha256_for(&raw, "kubectl.sha256", "kubectl")
                .unwrap()
                .is_some()
        );
        assert_eq!(sha256_for(&raw, "other.sha256", "kubectl").unwrap(), None);
    }

    #[test]
    fn a_malformed_hash_for_the_asset_is_an_error() {
        let err = sha256_for("zz  t.tar.gz\n", "checksums.txt", "t.tar.gz")
            .unwrap_err()
            .to_string();
        assert!(err.contains("checksums.txt gives `zz`"), "{err}");
        let err = sha256_for("nothex\n", "t.sha256", "t")
            .unwrap_err()
            .to_string();
        assert!(err.contains("holds `nothex`"), "{err}");
    }
}
