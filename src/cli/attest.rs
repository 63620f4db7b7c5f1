//! `devenv attest verify --bundle FILE (--identity ID | --identity-regexp RE)
//! --issuer URL | --key PEM) [--trusted-root FILE] FILE`: one file against
//! one Sigstore bundle, offline; or `--signature FILE (--key PEM |
//! --minisign-key KEY) FILE`: against a detached signature by a key.

use anyhow::{Context as _, Result, anyhow, bail};
use devenv_model::error::io_reason;
use devenv_model::ui;
use devenv_provenance::{Expect, Subject, TrustedRoot};
use std::path::{Path, PathBuf};

/// Who must have signed, as the command line says.
pub(crate) enum Signer {
    Identity {
        identity: String,
        issuer: String,
    },
    IdentityRegex {
        pattern: String,
        issuer: String,
    },
    Key(PathBuf),
    /// A minisign public key: the `RW…` line, or the path of a `.pub` file.
    Minisign(String),
}

/// What the file is checked against.
pub(crate) enum Material<'a> {
    Bundle(&'a Path),
    /// A detached signature by a key (cosign `.sig` or minisign `.minisig`).
    Signature(&'a Path),
}

pub(crate) struct VerifyArgs<'a> {
    pub(crate) material: Material<'a>,
    pub(crate) signer: Signer,
    pub(crate) trusted_root: Option<&'a Path>,
    pub(crate) file: &'a Path,
}

fn read_text(path: &Path, what: &str) -> Result<String> {
    devenv_model::files::read_bounded(path, devenv_provenance::MAX_DOCUMENT_BYTES as u64, what)?
        .ok_or_else(|| {
            anyhow!(
                "could not read {what} {}: it does not exist",
                path.display()
            )
        })
}

/// The trusted root named on the command line, else the one devenv ships.
pub(crate) fn trusted_root(path: Option<&Path>) -> Result<TrustedRoot> {
    match path {
        None => Ok(TrustedRoot::public_good()),
        Some(path) => {
            let text = read_text(path, "the trusted root")?;
            TrustedRoot::from_json(&text, &path.display().to_string())
                .map_err(|e| anyhow!("{e}; a trusted root is Sigstore's trusted_root.json format"))
        }
    }
}

pub(crate) fn verify(args: VerifyArgs<'_>) -> Result<()> {
    let bundle_path = match args.material {
        Material::Bundle(path) => path,
        Material::Signature(path) => return verify_signature(path, args.signer, args.file),
    };
    let root = trusted_root(args.trusted_root)?;
    let bundle_text = read_text(bundle_path, "the bundle")?;
    let bundle = devenv_provenance::parse_bundle(&bundle_text)
        .map_err(|e| anyhow!("{}: {e}", bundle_path.display()))?;
    let expect = match args.signer {
        Signer::Identity { identity, issuer } => Expect::Identity { identity, issuer },
        Signer::IdentityRegex { pattern, issuer } => Expect::IdentityRegex { pattern, issuer },
        Signer::Key(path) => Expect::Key(read_text(&path, "the public key")?),
        Signer::Minisign(_) => bail!("a minisign key checks a `--signature`, not a bundle"),
    };
    let bytes = read_file(args.file)?;
    let verified = devenv_provenance::verify(&bundle, Subject::Bytes(&bytes), &expect, &root)
        .with_context(|| {
            format!(
                "{} does not verify against {}",
                args.file.display(),
                bundle_path.display()
            )
        });
    let verified = match verified {
        Ok(v) => v,
        Err(e) => bail!("{e:#}"),
    };
    let by = match &verified.issuer {
        Some(issuer) => format!("{} (issuer {issuer})", verified.identity),
        None => format!("the given key ({})", verified.identity),
    };
    let log = match verified.log_index {
        Some(index) => format!(", transparency log index {index}"),
        None => String::new(),
    };
    ui::info(format!(
        "verified {}: signed by {by}{log}",
        args.file.display()
    ));
    Ok(())
}

fn read_file(path: &Path) -> Result<Vec<u8>> {
    devenv_model::files::read_bytes(path)
        .map_err(|e| anyhow!("could not read {}: {}", path.display(), io_reason(&e)))
}

/// FILE against a detached signature by a key: nothing is looked up in a
/// transparency log, so only the key vouches for the file.
fn verify_signature(signature: &Path, signer: Signer, file: &Path) -> Result<()> {
    let refused = |e: devenv_provenance::Error| {
        anyhow!(
            "{} does not verify against {}: {e}",
            file.display(),
            signature.display()
        )
    };
    match signer {
        Signer::Key(key) => {
            let pem = read_text(&key, "the public key")?;
            let sig = read_file(signature)?;
            let bytes = read_file(file)?;
            let verified =
                devenv_provenance::verify_key_signature(&pem, &sig, Subject::Bytes(&bytes))
                    .map_err(refused)?;
            ui::info(format!(
                "verified {}: signed by the given key ({})",
                file.display(),
                verified.identity
            ));
        }
        Signer::Minisign(key) => {
            // A path to a `.pub` file, else the key itself.
            let key = if Path::new(&key).is_file() {
                read_text(Path::new(&key), "the minisign public key")?
            } else {
                key
            };
            let sig = read_text(signature, "the signature")?;
            let bytes = read_file(file)?;
            let verified =
                devenv_provenance::verify_minisign(&key, &sig, &bytes).map_err(refused)?;
            ui::info(format!(
                "verified {}: signed by minisign key {} (trusted comment: {})",
                file.display(),
                verified.key_id,
                verified.trusted_comment
            ));
        }
        Signer::Identity { .. } | Signer::IdentityRegex { .. } => bail!(
            "a signature by an identity is checked with its bundle: use --bundle (a `.sig` and `.pem` without a bundle need a transparency log lookup)"
        ),
    }
    Ok(())
}
