//! What an aqua definition declares about the signatures of a download:
//! GitHub artifact attestations, cosign signatures or bundles, SLSA
//! provenance and minisign signatures, of the asset itself or of the
//! checksum file that lists it. Rendered here for one version and
//! platform (templates filled in); the backend then locates each file
//! among the release's assets. Nothing is fetched or verified here: lock
//! time does that (the binary's `provenance` module).

use super::resolve::Nothing;
use devenv_model::aqua::template::Data;
use devenv_model::aqua::{Cosign, DownloadedFile, Fields};

/// Where a file of signature material is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// An asset of the release, by name: not located yet, or (after the
    /// backend looked) not among the release's assets.
    Asset(String),
    /// A URL: located, or named by the definition.
    Url(String),
}

/// What a declaration signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signs {
    /// The downloaded asset.
    Asset,
    /// The checksum file, which lists the asset's sha256.
    Checksums,
}

/// `github_artifact_attestations`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attestations {
    pub signs: Signs,
    /// The workflow that must have signed: a regular expression matched
    /// from the start of the certificate's identity after
    /// `https://github.com/`, as `gh attestation verify --signer-workflow`.
    pub signer_workflow: Option<String>,
}

/// `cosign`, its `opts` read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CosignDecl {
    pub signs: Option<Signs>,
    /// `--certificate-identity`.
    pub identity: Option<String>,
    /// `--certificate-identity-regexp`.
    pub identity_regexp: Option<String>,
    /// `--certificate-oidc-issuer`.
    pub issuer: Option<String>,
    /// `--key` (a URL) or `key:`: a long-lived public key (PEM).
    pub key: Option<Place>,
    /// `--signature` or `signature:`.
    pub signature: Option<Place>,
    /// `--certificate` or `certificate:`.
    pub certificate: Option<Place>,
    /// `bundle:`: a Sigstore bundle.
    pub bundle: Option<Place>,
    /// Options devenv does not read (`--insecure-ignore-tlog` is read:
    /// devenv checks the log regardless, which only asks more).
    pub unknown: Vec<String>,
}

/// `minisign`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinisignDecl {
    pub signs: Signs,
    pub file: Place,
    /// The `RW...` public key.
    pub public_key: String,
}

/// Who names the material.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum By {
    /// The aqua definition declares it, with who must have signed.
    #[default]
    Definition,
    /// The release publishes it beside the asset, found by name among its
    /// assets ([`published`]): any signer, pinned once recorded. The
    /// GitHub attestation API is asked too, as for `github:` tools.
    Release,
}

/// Everything a definition declares for one version and platform (or a
/// release publishes beside an asset).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Declared {
    /// Who names the material.
    pub by: By,
    /// The package's repository (`owner/name`), whose GitHub artifact
    /// attestations are asked for.
    pub repo: Option<String>,
    /// The downloaded file's name (its line in the checksum file).
    pub asset: String,
    /// The checksum file: its name and place, when the definition has one.
    pub checksums: Option<(String, Place)>,
    pub attestations: Vec<Attestations>,
    pub cosign: Vec<CosignDecl>,
    /// `slsa_provenance`: the `.intoto.jsonl` (signs the asset).
    pub slsa: Option<Place>,
    pub minisign: Vec<MinisignDecl>,
}

impl Declared {
    /// Whether the definition declares any signature material.
    pub fn any(&self) -> bool {
        !(self.attestations.is_empty()
            && self.cosign.is_empty()
            && self.slsa.is_none()
            && self.minisign.is_empty())
    }

    /// Every place, for the backend to locate.
    pub(crate) fn places_mut(&mut self) -> Vec<&mut Place> {
        let mut out: Vec<&mut Place> = Vec::new();
        if let Some((_, p)) = &mut self.checksums {
            out.push(p);
        }
        for c in &mut self.cosign {
            for p in [
                &mut c.key,
                &mut c.signature,
                &mut c.certificate,
                &mut c.bundle,
            ]
            .into_iter()
            .flatten()
            {
                out.push(p);
            }
        }
        if let Some(p) = &mut self.slsa {
            out.push(p);
        }
        for m in &mut self.minisign {
            out.push(&mut m.file);
        }
        out
    }
}

/// The Sigstore bundles a release publishes beside a file, by name: what
/// `cosign sign-blob --bundle` and the GitHub attestation action name them.
const BUNDLE_SUFFIXES: [&str; 3] = [".sigstore.json", ".sigstore", ".bundle"];

/// The signature material a release publishes beside `asset` (found by
/// exact name among `assets`, `(name, download URL)`), and beside the
/// checksum file `checksums` its digest came from: Sigstore bundles
/// (`NAME.sigstore.json`, `NAME.sigstore`, `NAME.bundle`), keyless cosign
/// signatures (`NAME.sig` with `NAME.pem`) and SLSA provenance
/// (`ASSET.intoto.jsonl`, else `multiple.intoto.jsonl`). Nothing else is
/// guessed: a `.sig` without its `.pem` is a key's (or GPG's) signature,
/// which no key of the release could vouch for.
pub(crate) fn published(
    assets: &[(&str, &str)],
    repo: &str,
    asset: &str,
    checksums: Option<&str>,
) -> Declared {
    let url = |name: &str| {
        assets
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, u)| Place::Url(u.to_string()))
    };
    let mut out = Declared {
        by: By::Release,
        repo: Some(repo.to_string()),
        asset: asset.to_string(),
        ..Declared::default()
    };
    let mut signed = vec![(asset, Signs::Asset)];
    if let Some(file) = checksums
        && let Some(place) = url(file)
    {
        out.checksums = Some((file.to_string(), place));
        signed.push((file, Signs::Checksums));
    }
    for (name, signs) in signed {
        for suffix in BUNDLE_SUFFIXES {
            if let Some(bundle) = url(&format!("{name}{suffix}")) {
                out.cosign.push(CosignDecl {
                    signs: Some(signs),
                    bundle: Some(bundle),
                    ..CosignDecl::default()
                });
            }
        }
        if let (Some(signature), Some(certificate)) =
            (url(&format!("{name}.sig")), url(&format!("{name}.pem")))
        {
            out.cosign.push(CosignDecl {
                signs: Some(signs),
                signature: Some(signature),
                certificate: Some(certificate),
                ..CosignDecl::default()
            });
        }
    }
    out.slsa = url(&format!("{asset}.intoto.jsonl")).or_else(|| url("multiple.intoto.jsonl"));
    out
}

type Render<'a> = dyn Fn(&str, &Data) -> Result<String, Nothing> + 'a;

/// The declarations of `fields` (a version's, its platform's override
/// applied), rendered with `data` (which holds `.Asset`). `checksums` is
/// the checksum file's name and place, as the definition names it.
pub(crate) fn declared(
    fields: &Fields,
    data: &Data,
    render: &Render,
    asset: &str,
    checksums: Option<(String, Place)>,
) -> Result<Declared, Nothing> {
    let mut out = Declared {
        asset: asset.to_string(),
        checksums: checksums.clone(),
        ..Declared::default()
    };
    let file = |f: &DownloadedFile| -> Result<Option<Place>, Nothing> {
        let other_repo = match (&f.repo_owner, &f.repo_name) {
            (Some(o), Some(r)) => Some(format!("{o}/{r}")),
            _ => None,
        };
        Ok(match (f.kind.as_deref(), &f.asset, &f.url) {
            (Some("http"), _, Some(url)) => Some(Place::Url(render(url, data)?)),
            (_, Some(asset), _) => {
                let name = render(asset, data)?;
                match other_repo {
                    // Another repository's release of the same tag.
                    Some(repo) => Some(Place::Url(format!(
                        "https://github.com/{repo}/releases/download/{}/{name}",
                        data.fields.get("Version").cloned().unwrap_or_default()
                    ))),
                    None => Some(Place::Asset(name)),
                }
            }
            (_, None, Some(url)) => Some(Place::Url(render(url, data)?)),
            _ => None,
        })
    };
    let sums = fields
        .checksum
        .as_ref()
        .filter(|c| c.enabled != Some(false));
    let signs_sums = checksums.is_some();
    // Signatures of the checksum file count only when the file is known.
    if let Some(c) = sums.filter(|_| signs_sums) {
        if let Some(a) = c
            .github_artifact_attestations
            .as_ref()
            .filter(|a| a.enabled())
        {
            out.attestations.push(Attestations {
                signs: Signs::Checksums,
                signer_workflow: a.signer_workflow.clone(),
            });
        }
        if let Some(cosign) = c.cosign.as_ref().filter(|c| c.enabled()) {
            out.cosign
                .push(cosign_decl(cosign, Signs::Checksums, data, render, &file)?);
        }
        if let Some(m) = c.minisign.as_ref().filter(|m| m.enabled())
            && let (Some(place), Some(key)) = (file(&m.file)?, &m.public_key)
        {
            out.minisign.push(MinisignDecl {
                signs: Signs::Checksums,
                file: place,
                public_key: key.trim().to_string(),
            });
        }
    }
    if let Some(a) = fields
        .github_artifact_attestations
        .as_ref()
        .filter(|a| a.enabled())
    {
        out.attestations.push(Attestations {
            signs: Signs::Asset,
            signer_workflow: a.signer_workflow.clone(),
        });
    }
    if let Some(cosign) = fields.cosign.as_ref().filter(|c| c.enabled()) {
        out.cosign
            .push(cosign_decl(cosign, Signs::Asset, data, render, &file)?);
    }
    if let Some(s) = fields.slsa_provenance.as_ref().filter(|s| s.enabled()) {
        out.slsa = file(&s.file)?;
    }
    if let Some(m) = fields.minisign.as_ref().filter(|m| m.enabled())
        && let (Some(place), Some(key)) = (file(&m.file)?, &m.public_key)
    {
        out.minisign.push(MinisignDecl {
            signs: Signs::Asset,
            file: place,
            public_key: key.trim().to_string(),
        });
    }
    Ok(out)
}

fn cosign_decl(
    c: &Cosign,
    signs: Signs,
    data: &Data,
    render: &Render,
    file: &dyn Fn(&DownloadedFile) -> Result<Option<Place>, Nothing>,
) -> Result<CosignDecl, Nothing> {
    let mut d = CosignDecl {
        signs: Some(signs),
        ..CosignDecl::default()
    };
    let opts = c.opts.clone().unwrap_or_default();
    let mut i = 0;
    while i < opts.len() {
        let (flag, inline) = match opts[i].split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (opts[i].clone(), None),
        };
        i += 1;
        if flag == "--insecure-ignore-tlog" {
            continue;
        }
        let takes_value = matches!(
            flag.as_str(),
            "--key"
                | "--signature"
                | "--certificate"
                | "--certificate-identity"
                | "--certificate-identity-regexp"
                | "--certificate-oidc-issuer"
        );
        if !takes_value {
            d.unknown.push(flag);
            continue;
        }
        let value = match inline {
            Some(v) => v,
            None if i < opts.len() => {
                i += 1;
                opts[i - 1].clone()
            }
            None => {
                d.unknown.push(format!("{flag} (without a value)"));
                continue;
            }
        };
        let value = render(&value, data)?;
        match flag.as_str() {
            "--key" => d.key = Some(Place::Url(value)),
            "--signature" => d.signature = Some(Place::Url(value)),
            "--certificate" => d.certificate = Some(Place::Url(value)),
            "--certificate-identity" => d.identity = Some(value),
            "--certificate-identity-regexp" => d.identity_regexp = Some(value),
            _ => d.issuer = Some(value),
        }
    }
    for (slot, f) in [
        (&mut d.key, &c.key),
        (&mut d.signature, &c.signature),
        (&mut d.certificate, &c.certificate),
        (&mut d.bundle, &c.bundle),
    ] {
        if let Some(f) = f
            && let Some(place) = file(f)?
        {
            *slot = Some(place);
        }
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use devenv_model::aqua::Registry;

    /// What a release publishes is found by exact name only; a `.sig`
    /// without its `.pem` is no keyless signature, and the checksum
    /// file's material counts only when the digest came from that file.
    #[test]
    fn a_releases_material_is_found_by_its_exact_names() {
        let assets = [
            ("t.tar.gz", "u/t.tar.gz"),
            ("t.tar.gz.sigstore.json", "u/t.tar.gz.sigstore.json"),
            ("t.tar.gz.bundle", "u/t.tar.gz.bundle"),
            ("t.tar.gz.sig", "u/t.tar.gz.sig"),
            ("t.tar.gz.intoto.jsonl", "u/t.tar.gz.intoto.jsonl"),
            ("multiple.intoto.jsonl", "u/multiple.intoto.jsonl"),
            ("t.tar.gz.sigstore.json.bak", "u/x"),
            ("SHA256SUMS", "u/SHA256SUMS"),
            ("SHA256SUMS.sig", "u/SHA256SUMS.sig"),
            ("SHA256SUMS.pem", "u/SHA256SUMS.pem"),
        ];
        let url = |u: &str| Some(Place::Url(u.into()));
        let d = published(&assets, "a/t", "t.tar.gz", Some("SHA256SUMS"));
        assert_eq!(d.by, By::Release);
        assert_eq!(d.repo.as_deref(), Some("a/t"));
        assert_eq!(
            d.checksums,
            Some(("SHA256SUMS".into(), Place::Url("u/SHA256SUMS".into())))
        );
        let found: Vec<_> = d
            .cosign
            .iter()
            .map(|c| {
                (
                    c.signs,
                    c.bundle.clone(),
                    c.signature.clone(),
                    c.certificate.clone(),
                )
            })
            .collect();
        assert_eq!(
            found,
            vec![
                (
                    Some(Signs::Asset),
                    url("u/t.tar.gz.sigstore.json"),
                    None,
                    None
                ),
                (Some(Signs::Asset), url("u/t.tar.gz.bundle"), None, None),
                (
                    Some(Signs::Checksums),
                    None,
                    url("u/SHA256SUMS.sig"),
                    url("u/SHA256SUMS.pem")
                ),
            ]
        );
        assert!(
            d.cosign
                .iter()
                .all(|c| c.identity.is_none() && c.key.is_none())
        );
        assert_eq!(d.slsa, url("u/t.tar.gz.intoto.jsonl"));
        assert!(d.attestations.is_empty() && d.minisign.is_empty());
        // The digest came from elsewhere: the checksum file's signature
        // binds nothing.
        let d = published(&assets, "a/t", "t.tar.gz", None);
        assert!(d.checksums.is_none());
        assert_eq!(d.cosign.len(), 2);
        // Nothing beside it: nothing declared.
        let d = published(&assets[..1], "a/t", "t.tar.gz", Some("SHA256SUMS"));
        assert!(!d.any());
        let d = published(&[("multiple.intoto.jsonl", "u/m")], "a/t", "t.tar.gz", None);
        assert_eq!(d.slsa, url("u/m"));
    }

    /// cosign's `--flag=value` form, a flag at the end without its value,
    /// options devenv does not read, and material in another repository.
    #[test]
    fn cosign_options_are_read_as_cosign_reads_them() {
        let yaml = r#"packages:
  - type: github_release
    repo_owner: a
    repo_name: b
    asset: b-{{.OS}}.tar.gz
    cosign:
      opts:
        - --certificate-identity=https://github.com/a/b/.github/workflows/r.yml@refs/tags/{{.Version}}
        - --certificate-oidc-issuer
        - https://token.actions.githubusercontent.com
        - --insecure-ignore-tlog
        - --rekor-url=https://rekor.example
        - --signature
      bundle:
        type: github_release
        repo_owner: a
        repo_name: signatures
        asset: "{{.Asset}}.sigstore.json"
"#;
        let reg = Registry::parse(yaml, "t").unwrap();
        let pkg = reg.find("a/b").unwrap();
        let r = super::super::resolve(&pkg, "v1.0.0", "linux-x86_64".parse().unwrap()).unwrap();
        let c = &r.declared.cosign[0];
        assert_eq!(c.signs, Some(Signs::Asset));
        assert_eq!(
            c.identity.as_deref(),
            Some("https://github.com/a/b/.github/workflows/r.yml@refs/tags/v1.0.0")
        );
        assert_eq!(
            c.issuer.as_deref(),
            Some("https://token.actions.githubusercontent.com")
        );
        assert_eq!(
            c.unknown,
            vec![
                "--rekor-url".to_string(),
                "--signature (without a value)".to_string()
            ]
        );
        assert_eq!(c.signature, None);
        assert_eq!(
            c.bundle,
            Some(Place::Url(
                "https://github.com/a/signatures/releases/download/v1.0.0/b-linux.tar.gz.sigstore.json"
                    .into()
            ))
        );
        // Without a checksum file, declarations under `checksum` have
        // nothing to sign; the asset's own still count.
        assert!(r.declared.checksums.is_none());
        assert!(r.declared.any());
    }
}
