//! `devenv attest verify --bundle FILE (--identity ID --issuer URL | --key PEM)
//! [--trusted-root FILE] FILE`: one file against one Sigstore bundle, offline.

use anyhow::{Context as _, Result, anyhow, bail};
use devenv_model::error::io_reason;
use devenv_model::ui;
use devenv_provenance::{Expect, Subject, TrustedRoot};
use std::path::{Path, PathBuf};

/// Who must have signed, as the command line says.
pub(crate) enum Signer {
    Identity { identity: String, issuer: String },
    Key(PathBuf),
}

pub(crate) struct VerifyArgs<'a> {
    pub(crate) bundle: &'a Path,
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
    let root = trusted_root(args.trusted_root)?;
    let bundle_text = read_text(args.bundle, "the bundle")?;
    let bundle = devenv_provenance::parse_bundle(&bundle_text)
        .map_err(|e| anyhow!("{}: {e}", args.bundle.display()))?;
    let expect = match args.signer {
        Signer::Identity { identity, issuer } => Expect::Identity { identity, issuer },
        Signer::Key(path) => Expect::Key(read_text(&path, "the public key")?),
    };
    let bytes = devenv_model::files::read_bytes(args.file)
        .map_err(|e| anyhow!("could not read {}: {}", args.file.display(), io_reason(&e)))?;
    let verified = devenv_provenance::verify(&bundle, Subject::Bytes(&bytes), &expect, &root)
        .with_context(|| {
            format!(
                "{} does not verify against {}",
                args.file.display(),
                args.bundle.display()
            )
        });
    let verified = match verified {
        Ok(v) => v,
        Err(e) => bail!("{e:#}"),
    };
    let by = match &verified.issuer {
        Some(issuer) => format!("{} (issuer {issuer})", verified.identity),
        None => "the given key".to_string(),
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
