//! Lock-time provenance of aqua packages: the signature material their
//! definitions declare (rendered and located by the aqua backend, see
//! `devenv_sources::backends::aqua::declared`), fetched and verified.
//!
//! Every declaration devenv can check is checked, and all must hold; the
//! lock records the first in this order: GitHub artifact attestations
//! (with the certificate's workflow matched against `signer_workflow`), a
//! cosign bundle (keyless, with the declared identity and issuer, or
//! `--key`), SLSA provenance that is a Sigstore bundle (the artifact's
//! sha256 among its subjects), minisign, cosign `--key` + `--signature`.
//! A declaration over the checksum file binds the artifact through that
//! file's line for it. A declared file that is missing stops the lock: a
//! signature that vanished from a release is what a replaced release
//! looks like.
//!
//! The same path checks what a release publishes beside a `github:` asset
//! (or an aqua package's asset whose definition declares nothing), found
//! by name ([`By::Release`]): Sigstore bundles, keyless `.sig` + `.pem`
//! and SLSA provenance, of the asset or of the checksum file its digest
//! came from, by any signer (the identity is pinned once recorded). A
//! file found that does not verify stops the lock as a declared one does.

use crate::project::Context;
use anyhow::{Result, anyhow, bail};
use devenv_model::digest::{Algorithm, Digest};
use devenv_model::lock::Provenance;
use devenv_provenance::{Expect, Subject, TrustedRoot};
use devenv_sources::backends::aqua::declared::{By, CosignDecl, Declared, Place, Signs};
use devenv_sources::backends::{Backend, Mirrors};

/// The issuer recorded for a minisign signature (a key, not an OIDC
/// issuer): the key id is the identity.
pub(crate) const MINISIGN_ISSUER: &str = "minisign";

/// What was verified, for `devenv verify` to check again offline.
#[derive(Default)]
pub(crate) struct Evidence {
    /// The Sigstore bundle, when the record comes from one.
    pub(crate) bundle: Option<String>,
    /// The checksum file the bundle signs (the artifact is then bound by
    /// its line), when it signs that file.
    pub(crate) checksums: Option<SignedSums>,
    /// A minisign or cosign key signature, when the record comes from one.
    pub(crate) signature: Option<KeptSignature>,
}

/// A key signature verified at lock time, kept to be verified again
/// offline by `devenv verify`.
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct KeptSignature {
    /// `minisign` or `cosign-key`.
    pub(crate) kind: String,
    /// The minisign `RW...` key or the cosign PEM.
    pub(crate) public_key: String,
    /// The `.minisig` or `.sig` file.
    pub(crate) signature: String,
    /// The checksum file it signs; `None`: it signs the artifact.
    pub(crate) checksums: Option<SignedSums>,
}

impl KeptSignature {
    /// Verifies the kept signature again for the artifact pinned by
    /// `digest`: the identity it proves (compared with the lock's by the
    /// caller).
    pub(crate) fn verify(&self, digest: &Digest) -> Result<String> {
        let signed: Subject = match &self.checksums {
            Some(sums) => {
                sums.binds(digest)?;
                Subject::Bytes(sums.text.as_bytes())
            }
            None if digest.algorithm == Algorithm::Sha256 => Subject::Sha256(&digest.bytes),
            None => bail!("the artifact is pinned by {digest}, and a key signature binds a sha256"),
        };
        match (self.kind.as_str(), signed) {
            ("minisign", Subject::Bytes(bytes)) => {
                let v =
                    devenv_provenance::verify_minisign(&self.public_key, &self.signature, bytes)?;
                Ok(format!("minisign:{}", v.key_id))
            }
            ("minisign", _) => bail!(
                "a minisign signature of the artifact itself is checked against its bytes, which devenv verify does not download; relock to check it again"
            ),
            (_, subject) => Ok(devenv_provenance::verify_key_signature(
                &self.public_key,
                self.signature.as_bytes(),
                subject,
            )?
            .identity),
        }
    }
}

/// A signed checksum file, kept beside the bundle that signs it.
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct SignedSums {
    /// Its name (`checksums.txt`).
    pub(crate) file: String,
    /// The artifact's name, whose line binds it.
    pub(crate) asset: String,
    pub(crate) text: String,
}

impl SignedSums {
    fn of(declared: &Declared, text: String) -> SignedSums {
        SignedSums {
            file: declared
                .checksums
                .as_ref()
                .map(|(f, _)| f.clone())
                .unwrap_or_default(),
            asset: declared.asset.clone(),
            text,
        }
    }

    /// Whether the file gives `digest` for the asset.
    pub(crate) fn binds(&self, digest: &Digest) -> Result<()> {
        match devenv_sources::backends::checksums::sha256_for(&self.text, &self.file, &self.asset)?
        {
            Some(d) if &d == digest => Ok(()),
            Some(d) => bail!(
                "the signed checksum file {} gives {d} for {}, but devenv.lock pins {digest}",
                self.file,
                self.asset
            ),
            None => bail!(
                "the signed checksum file {} lists no sha256 for {}",
                self.file,
                self.asset
            ),
        }
    }
}

/// The answers for material URLs, fetched once per lock whatever the
/// number of artifacts (and threads) asking.
#[derive(Default)]
pub(crate) struct Fetched(std::sync::Mutex<std::collections::BTreeMap<String, Once>>);

/// One URL's answer (status and body), or why there is none.
type Once = std::sync::Arc<std::sync::OnceLock<std::result::Result<(u16, String), String>>>;

impl Fetched {
    fn once(&self, url: &str) -> Once {
        match self.0.lock() {
            Ok(mut map) => map.entry(url.to_string()).or_default().clone(),
            // A poisoned map only costs a second request.
            Err(_) => Once::default(),
        }
    }
}

/// One artifact of an aqua tool, as lock time sees it.
pub(crate) struct Artifact<'a> {
    /// What this lock already fetched.
    pub(crate) fetched: &'a Fetched,
    /// `aqua:owner/name`, for messages.
    pub(crate) source: &'a str,
    pub(crate) version: &'a str,
    pub(crate) url: &'a str,
    pub(crate) digest: &'a Digest,
}

/// The artifact's checksum file, fetched once and checked to list the
/// artifact's locked sha256.
struct Sums {
    text: Option<String>,
}

/// Verifies what `declared` names for `a`. `None`: the definition declares
/// only material devenv cannot check yet (said on the terminal), so the
/// artifact stays "not checked".
pub(crate) fn look_up(
    a: &Artifact,
    declared: &Declared,
    mirrors: &Mirrors,
    cx: &Context,
    root: &TrustedRoot,
) -> Result<Option<(Provenance, Evidence)>> {
    if !declared.any() {
        return Ok(Some((Provenance::none(), Evidence::default())));
    }
    let at = format!("{} {}", a.source, a.version);
    let mut sums = Sums { text: None };
    let mut found: Vec<(Provenance, Evidence)> = Vec::new();
    let mut unchecked: Vec<String> = Vec::new();
    for att in &declared.attestations {
        found.push(attestation(
            a, declared, att, &mut sums, mirrors, cx, root, &at,
        )?);
    }
    for c in declared.cosign.iter().filter(|c| c.bundle.is_some()) {
        found.extend(cosign_bundle(a, declared, c, &mut sums, cx, root, &at)?);
    }
    if let Some(place) = &declared.slsa {
        found.push(slsa(a, declared, place, cx, root, &at)?);
    }
    for m in &declared.minisign {
        let signed = match m.signs {
            Signs::Checksums => checksums(a, declared, &mut sums, cx, &at)?.into_bytes(),
            Signs::Asset => artifact_bytes(a, cx, &at)?,
        };
        let sig = fetch(a, declared.by, &m.file, "minisign signature", cx, &at)?;
        let kept = KeptSignature {
            kind: "minisign".into(),
            public_key: m.public_key.clone(),
            signature: sig.clone(),
            checksums: (m.signs == Signs::Checksums)
                .then(|| String::from_utf8_lossy(&signed).into_owned())
                .map(|t| SignedSums::of(declared, t)),
        };
        let v = devenv_provenance::verify_minisign(&m.public_key, &sig, &signed).map_err(|e| {
            anyhow!(
                "{at}: the minisign signature {} does not verify with the key its aqua definition declares: {e}",
                place_name(&m.file)
            )
        })?;
        found.push((
            verified(
                format!("minisign:{}", v.key_id),
                MINISIGN_ISSUER.into(),
                None,
            ),
            Evidence {
                bundle: None,
                checksums: None,
                signature: Some(kept),
            },
        ));
    }
    for c in declared.cosign.iter().filter(|c| c.bundle.is_none()) {
        match (&c.key, &c.signature) {
            (Some(key), Some(signature)) => {
                let pem = fetch(a, declared.by, key, "cosign public key", cx, &at)?;
                let sig = fetch(a, declared.by, signature, "cosign signature", cx, &at)?;
                let text = match c.signs {
                    Some(Signs::Checksums) => Some(checksums(a, declared, &mut sums, cx, &at)?),
                    _ => None,
                };
                let subject = match &text {
                    Some(t) => Subject::Bytes(t.as_bytes()),
                    None => Subject::Sha256(sha256(a, &at)?),
                };
                let v = devenv_provenance::verify_key_signature(&pem, sig.as_bytes(), subject)
                    .map_err(|e| {
                        anyhow!(
                            "{at}: the cosign signature {} does not verify with the key {}: {e}",
                            place_name(signature),
                            place_name(key)
                        )
                    })?;
                let kept = KeptSignature {
                    kind: "cosign-key".into(),
                    public_key: pem.clone(),
                    signature: sig.clone(),
                    checksums: text.clone().map(|t| SignedSums::of(declared, t)),
                };
                found.push((
                    verified(v.identity, place_name(key), v.log_index),
                    Evidence {
                        bundle: None,
                        checksums: None,
                        signature: Some(kept),
                    },
                ));
            }
            (None, Some(signature)) if c.certificate.is_some() => {
                found.extend(keyless(
                    a, declared, c, signature, &mut sums, cx, root, &at,
                )?);
            }
            _ if !c.unknown.is_empty() => unchecked.push(format!(
                "devenv does not read the cosign options {}",
                c.unknown.join(", ")
            )),
            _ => unchecked
                .push("its cosign declaration names neither a bundle nor a signature".into()),
        }
    }
    if found.is_empty() && declared.by == By::Release {
        // Only files devenv does not read (said above): nothing published.
        return Ok(Some((Provenance::none(), Evidence::default())));
    }
    if found.is_empty() {
        devenv_model::ui::info(format!(
            "{at}: provenance not checked: {}",
            unchecked.join("; ")
        ));
        return Ok(None);
    }
    Ok(found.into_iter().next())
}

/// Who a keyless declaration expects, or why it expects nobody.
fn expected(c: &CosignDecl, by: By, at: &str) -> Result<Expect> {
    if by == By::Release {
        // Found beside the asset: anyone's, pinned once recorded.
        return Ok(Expect::AnyIdentity);
    }
    Ok(match (&c.identity, &c.identity_regexp, &c.issuer) {
        (Some(identity), _, Some(issuer)) => Expect::Identity {
            identity: identity.clone(),
            issuer: issuer.clone(),
        },
        (None, Some(pattern), Some(issuer)) => Expect::IdentityRegex {
            pattern: pattern.clone(),
            issuer: issuer.clone(),
        },
        _ => bail!(
            "{at}: its aqua definition declares a keyless cosign signature without the identity and issuer that must have signed it (`--certificate-identity` or `--certificate-identity-regexp`, and `--certificate-oidc-issuer`), so it proves nothing; the definition needs fixing"
        ),
    })
}

/// For people: who `expect` asks for.
fn whom(expect: &Expect) -> String {
    match expect {
        Expect::Identity { identity, issuer } => format!("{identity} (issuer {issuer})"),
        Expect::IdentityRegex { pattern, issuer } => {
            format!("an identity matching {pattern} (issuer {issuer})")
        }
        Expect::Key(_) => "the declared key".into(),
        _ => "anyone".into(),
    }
}

/// A keyless cosign signature published as `.sig` and `.pem` without a
/// bundle: its transparency log entry, looked up, makes the bundle.
#[allow(clippy::too_many_arguments)]
fn keyless(
    a: &Artifact,
    declared: &Declared,
    c: &CosignDecl,
    signature: &Place,
    sums: &mut Sums,
    cx: &Context,
    root: &TrustedRoot,
    at: &str,
) -> Result<Option<(Provenance, Evidence)>> {
    let expect = expected(c, declared.by, at)?;
    let certificate = c.certificate.as_ref().expect("checked by the caller");
    let pem = fetch(a, declared.by, certificate, "cosign certificate", cx, at)?;
    if declared.by == By::Release && !devenv_provenance::rekor::is_certificate(&pem) {
        // Found by its name only: a public key, say, beside a key's
        // signature, which nothing in the release could vouch for.
        devenv_model::ui::info(format!(
            "{at}: {} is not a certificate, so the signature {} beside it was not checked",
            place_name(certificate),
            place_name(signature)
        ));
        return Ok(None);
    }
    let sig = fetch(a, declared.by, signature, "cosign signature", cx, at)?;
    let checksums_text = match c.signs {
        Some(Signs::Checksums) => Some(checksums(a, declared, sums, cx, at)?),
        _ => None,
    };
    let signed_sha = match &checksums_text {
        Some(t) => Digest::of(Algorithm::Sha256, t.as_bytes()).bytes,
        None => sha256(a, at)?.to_vec(),
    };
    let subject = match &checksums_text {
        Some(t) => Subject::Bytes(t.as_bytes()),
        None => Subject::Sha256(sha256(a, at)?),
    };
    let material = || devenv_provenance::Material::MessageSignature {
        cert_pem: pem.clone(),
        signature: sig.clone().into_bytes(),
    };
    let (v, bundle) = from_rekor(&signed_sha, &material, subject, &expect, cx, root).map_err(|e| {
        match declared.by {
            By::Definition => anyhow!(
                "{at}: the cosign signature {} does not verify as signed by {}, as its aqua definition declares: {e}",
                place_name(signature),
                whom(&expect)
            ),
            By::Release => anyhow!(
                "{at}: the keyless cosign signature {} (with {}) its release publishes beside {} does not verify: {e}",
                place_name(signature),
                place_name(certificate),
                signed_name(declared, c.signs)
            ),
        }
    })?;
    let issuer = v
        .issuer
        .ok_or_else(|| anyhow!("{at}: the signing certificate names no issuer"))?;
    Ok(Some((
        verified(v.identity, issuer, v.log_index),
        Evidence {
            bundle: Some(bundle),
            checksums: checksums_text.map(|t| SignedSums::of(declared, t)),
            signature: None,
        },
    )))
}

fn verified(identity: String, issuer: String, log_index: Option<u64>) -> Provenance {
    Provenance::verified(identity, issuer, log_index)
}

/// A place for people: the URL, or the asset's name.
fn place_name(place: &Place) -> String {
    match place {
        Place::Url(u) => u.clone(),
        Place::Asset(name) => name.clone(),
    }
}

/// The text of declared material. Nothing goes along but the request:
/// material is fetched without credentials, whatever its host.
fn fetch(
    a: &Artifact,
    by: By,
    place: &Place,
    what: &str,
    cx: &Context,
    at: &str,
) -> Result<String> {
    let names = match by {
        By::Definition => "its aqua definition declares",
        By::Release => "its release lists",
    };
    let vanished = |where_: &str| {
        anyhow!(
            "{at}: {names} the {what} {where_}, which is not there. A declared signature that vanished is what a replaced release looks like, so devenv.lock was not written; check the release with its publisher, or pin a version whose signature is published"
        )
    };
    match place {
        Place::Asset(name) => Err(vanished(&format!("`{name}` among the release's assets"))),
        Place::Url(url) => {
            // Once per lock: the platforms of a release share their
            // checksum file and its signature.
            let once = a.fetched.once(url);
            let answer = once.get_or_init(|| {
                cx.fetcher
                    .get_answer(url, &[])
                    .map(|a| (a.status, a.body))
                    .map_err(|e| format!("{e:#}"))
            });
            match answer {
                Ok((200, body)) => Ok(body.clone()),
                Ok((404 | 410, _)) => Err(vanished(&format!("at {url}"))),
                Ok((status, _)) => {
                    bail!("{at}: the {what} at {url} could not be read: HTTP {status}")
                }
                Err(e) => bail!("{e}"),
            }
        }
    }
}

fn sha256<'a>(a: &'a Artifact, at: &str) -> Result<&'a [u8]> {
    if a.digest.algorithm != Algorithm::Sha256 {
        bail!(
            "{at}: devenv.lock pins it by {}, and its signatures bind a sha256",
            a.digest
        );
    }
    Ok(&a.digest.bytes)
}

/// The checksum file, fetched once, checked to give the locked sha256 for
/// the artifact.
fn checksums(
    a: &Artifact,
    declared: &Declared,
    sums: &mut Sums,
    cx: &Context,
    at: &str,
) -> Result<String> {
    if let Some(text) = &sums.text {
        return Ok(text.clone());
    }
    let Some((file, place)) = &declared.checksums else {
        bail!("{at}: its aqua definition signs a checksum file but names none");
    };
    let text = fetch(a, declared.by, place, "checksum file", cx, at)?;
    SignedSums {
        file: file.clone(),
        asset: declared.asset.clone(),
        text: text.clone(),
    }
    .binds(a.digest)
    .map_err(|e| anyhow!("{at}: {e}"))?;
    sums.text = Some(text.clone());
    Ok(text)
}

/// The artifact's bytes (for a minisign signature of the asset itself),
/// checked against the locked digest.
fn artifact_bytes(a: &Artifact, cx: &Context, at: &str) -> Result<Vec<u8>> {
    /// The largest asset read into memory to check its signature.
    const MAX: usize = 1 << 30;
    struct Bounded(Vec<u8>);
    impl std::io::Write for Bounded {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.0.len() + buf.len() > MAX {
                return Err(std::io::Error::other(
                    "it is larger than 1 GiB, the most devenv reads to check a minisign signature",
                ));
            }
            self.0.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut bytes = Bounded(Vec::new());
    let (digest, _) = cx
        .fetcher
        .download_into(a.url, a.digest.algorithm, &mut bytes, &mut |_, _| {})
        .map_err(|e| anyhow!("{at}: {e:#}"))?;
    let bytes = bytes.0;
    if &digest != a.digest {
        bail!(
            "{at}: {} now has the digest {digest}, but devenv.lock pins {}",
            a.url,
            a.digest
        );
    }
    Ok(bytes)
}

/// `github_artifact_attestations`: the GitHub API's attestations of the
/// artifact (or of its checksum file), one of which must verify and have
/// been signed by the declared workflow.
#[allow(clippy::too_many_arguments)]
fn attestation(
    a: &Artifact,
    declared: &Declared,
    att: &devenv_sources::backends::aqua::declared::Attestations,
    sums: &mut Sums,
    mirrors: &Mirrors,
    cx: &Context,
    root: &TrustedRoot,
    at: &str,
) -> Result<(Provenance, Evidence)> {
    let Some(repo) = &declared.repo else {
        bail!(
            "{at}: its aqua definition declares GitHub artifact attestations but names no repository"
        );
    };
    let (hex_digest, text) = match att.signs {
        Signs::Asset => (devenv_model::digest::hex(sha256(a, at)?), None),
        Signs::Checksums => {
            let text = checksums(a, declared, sums, cx, at)?;
            let d = Digest::of(Algorithm::Sha256, text.as_bytes());
            (devenv_model::digest::hex(&d.bytes), Some(text))
        }
    };
    let url = format!(
        "{}/repos/{repo}/attestations/sha256:{hex_digest}",
        mirrors.base(Backend::Github)
    );
    let headers = [("Accept", "application/json".to_string())];
    let answer = cx.fetcher.get_github_api(&url, &headers)?;
    let what = match att.signs {
        Signs::Asset => "the artifact".to_string(),
        Signs::Checksums => format!(
            "the checksum file {}",
            declared.checksums.as_ref().map_or("", |(f, _)| f.as_str())
        ),
    };
    match answer.status {
        200 => {}
        404 => bail!(
            "{at}: its aqua definition declares GitHub artifact attestations of {what}, but {url} has none. A declared signature that vanished is what a replaced release looks like, so devenv.lock was not written; check the release with its publisher, or pin a version that is attested"
        ),
        _ => bail!(
            "{at}: {}",
            devenv_sources::backends::github_api_failure(&answer, &url, &cx.fetcher)
        ),
    }
    let bundles = devenv_provenance::formats::github_bundles(&answer.body)
        .map_err(|e| anyhow!("{url}: {e}"))?;
    let wanted = att
        .signer_workflow
        .as_ref()
        .map(|w| format!("^https://github\\.com/{w}"));
    let subject_bytes;
    let subject = match &text {
        Some(t) => {
            subject_bytes = t.as_bytes();
            Subject::Bytes(subject_bytes)
        }
        None => Subject::Sha256(sha256(a, at)?),
    };
    let mut last_error = None;
    for bundle in &bundles {
        let v = match devenv_provenance::verify(bundle, subject, &Expect::AnyIdentity, root) {
            Ok(v) => v,
            Err(e) => {
                last_error = Some(e.to_string());
                continue;
            }
        };
        if let Some(pattern) = &wanted
            && !devenv_provenance::identity_matches(pattern, &v.identity)
                .map_err(|e| anyhow!("{at}: the signer_workflow of its aqua definition: {e}"))?
        {
            last_error = Some(format!(
                "it was signed by {}, which is not the workflow its aqua definition declares ({})",
                v.identity,
                att.signer_workflow.as_deref().unwrap_or_default()
            ));
            continue;
        }
        let issuer = v
            .issuer
            .ok_or_else(|| anyhow!("{url}: the signing certificate names no issuer"))?;
        return Ok((
            verified(v.identity, issuer, v.log_index),
            Evidence {
                bundle: Some(serde_json::to_string(bundle)?),
                checksums: text.map(|t| SignedSums::of(declared, t)),
                signature: None,
            },
        ));
    }
    bail!(
        "{at}: no GitHub artifact attestation of {what} at {url} holds against {}: {}",
        root.origin,
        last_error.unwrap_or_else(|| "the answer lists none".into())
    )
}

/// A cosign bundle (keyless with the declared identity and issuer, or
/// signed by the declared key), over the artifact or its checksum file.
fn cosign_bundle(
    a: &Artifact,
    declared: &Declared,
    c: &CosignDecl,
    sums: &mut Sums,
    cx: &Context,
    root: &TrustedRoot,
    at: &str,
) -> Result<Option<(Provenance, Evidence)>> {
    let place = c.bundle.as_ref().expect("filtered on bundles");
    let text = fetch(a, declared.by, place, "cosign bundle", cx, at)?;
    let bundle = match (devenv_provenance::parse_bundle(&text), declared.by) {
        (Ok(bundle), _) => bundle,
        (Err(e), By::Definition) => {
            bail!("{at}: the cosign bundle {}: {e}", place_name(place))
        }
        // Found by its name only: another format (cosign's older
        // `--bundle`), not a Sigstore bundle devenv reads.
        (Err(e), By::Release) => {
            devenv_model::ui::info(format!(
                "{at}: {} is not a Sigstore bundle ({e}), so it was not checked",
                place_name(place)
            ));
            return Ok(None);
        }
    };
    let key = c
        .key
        .as_ref()
        .map(|k| fetch(a, declared.by, k, "cosign public key", cx, at).map(|pem| (k, pem)))
        .transpose()?;
    let expect = match &key {
        Some((_, pem)) => Expect::Key(pem.clone()),
        None => expected(c, declared.by, at)?,
    };
    let checksums_text = match c.signs {
        Some(Signs::Checksums) => Some(checksums(a, declared, sums, cx, at)?),
        _ => None,
    };
    let subject = match &checksums_text {
        Some(t) => Subject::Bytes(t.as_bytes()),
        None => Subject::Sha256(sha256(a, at)?),
    };
    let v = devenv_provenance::verify(&bundle, subject, &expect, root).map_err(|e| {
        let whom = match &key {
            Some((k, _)) => format!("the key {}", place_name(k)),
            None => whom(&expect),
        };
        match declared.by {
            By::Definition => anyhow!(
                "{at}: the cosign bundle {} does not verify as signed by {whom}, as its aqua definition declares: {e}",
                place_name(place)
            ),
            By::Release => anyhow!(
                "{at}: the Sigstore bundle {} its release publishes beside {} does not verify: {e}",
                place_name(place),
                signed_name(declared, c.signs)
            ),
        }
    })?;
    let issuer = match (&key, v.issuer) {
        (Some((k, _)), _) => place_name(k),
        (None, Some(issuer)) => issuer,
        (None, None) => bail!("{at}: the signing certificate names no issuer"),
    };
    Ok(Some((
        verified(v.identity, issuer, v.log_index),
        Evidence {
            bundle: Some(text),
            checksums: checksums_text.map(|t| SignedSums::of(declared, t)),
            signature: None,
        },
    )))
}

/// For people: the file a declaration signs.
fn signed_name(declared: &Declared, signs: Option<Signs>) -> String {
    match (signs, &declared.checksums) {
        (Some(Signs::Checksums), Some((file, _))) => file.clone(),
        _ => declared.asset.clone(),
    }
}

/// `slsa_provenance`: a `.intoto.jsonl` of Sigstore bundles (newer
/// releases) or bare DSSE envelopes (older ones, whose transparency log
/// entry is looked up); one must verify with the artifact's sha256 among
/// its subjects, and state the package's repository as its source.
fn slsa(
    a: &Artifact,
    declared: &Declared,
    place: &Place,
    cx: &Context,
    root: &TrustedRoot,
    at: &str,
) -> Result<(Provenance, Evidence)> {
    let text = fetch(a, declared.by, place, "SLSA provenance", cx, at)?;
    let what = format!("the SLSA provenance {}", place_name(place));
    let docs =
        devenv_provenance::provenance_documents(&text).map_err(|e| anyhow!("{at}: {what}: {e}"))?;
    let sha = sha256(a, at)?;
    let subject = Subject::Sha256(sha);
    let mut last_error = None;
    for doc in &docs {
        let found = match devenv_provenance::parse_bundle(doc) {
            Ok(bundle) => devenv_provenance::verify(&bundle, subject, &Expect::AnyIdentity, root)
                .map(|v| (v, doc.clone()))
                .map_err(|e| e.to_string()),
            // A bare envelope: joined with its log entry into a bundle.
            Err(_) => from_rekor(
                sha,
                &|| devenv_provenance::Material::Dsse {
                    envelope_json: doc.clone(),
                },
                subject,
                &Expect::AnyIdentity,
                cx,
                root,
            ),
        };
        let (v, bundle) = match found {
            Ok(found) => found,
            Err(e) => {
                last_error = Some(e);
                continue;
            }
        };
        let statement =
            devenv_provenance::slsa_subjects(doc).map_err(|e| anyhow!("{at}: {what}: {e}"))?;
        if let (Some(repo), Some(source)) = (&declared.repo, &statement.source_repo) {
            let expected = format!("https://github.com/{repo}");
            if !source.eq_ignore_ascii_case(&expected) {
                bail!(
                    "{at}: {what} was built from {source}, not from the package's repository {expected}; it is provenance of another project"
                );
            }
        }
        let issuer = v
            .issuer
            .ok_or_else(|| anyhow!("{at}: {what}: its certificate names no issuer"))?;
        return Ok((
            verified(v.identity, issuer, v.log_index),
            Evidence {
                bundle: Some(bundle),
                checksums: None,
                signature: None,
            },
        ));
    }
    bail!(
        "{at}: {what} does not verify for the locked {} against {}: {}",
        a.digest,
        root.origin,
        last_error.unwrap_or_else(|| "it holds no attestation".into())
    )
}

/// The transparency log entries of the file with SHA-256 `sha`, looked up
/// at the trusted root's logs and joined with `material` into bundles;
/// the first that verifies as `expect` says, with the bundle (kept for
/// `devenv verify`). Nothing logged is an error: a keyless signature
/// proves nothing without its entry.
fn from_rekor(
    sha: &[u8],
    material: &dyn Fn() -> devenv_provenance::Material,
    subject: Subject<'_>,
    expect: &Expect,
    cx: &Context,
    root: &TrustedRoot,
) -> std::result::Result<(devenv_provenance::Verified, String), String> {
    use devenv_provenance::rekor;
    let sha: [u8; 32] = sha
        .try_into()
        .map_err(|_| "a transparency log is searched by a sha256".to_string())?;
    let mut last_error = None;
    for base in root.rekor_urls() {
        let base = base.trim_end_matches('/');
        let url = format!("{base}/api/v1/index/retrieve");
        let answer = match cx.fetcher.post_json(&url, &rekor::retrieve_request(&sha)) {
            Ok(a) if a.status == 200 => a,
            // Not a v1 log (Rekor v2 answers 404): the next one.
            Ok(_) => continue,
            Err(e) => {
                last_error = Some(format!("{e:#}"));
                continue;
            }
        };
        let uuids = rekor::parse_retrieve(&answer.body).map_err(|e| format!("{url}: {e}"))?;
        for uuid in uuids {
            let entry_url = format!("{base}{}", rekor::entry_path(&uuid));
            let entry = match cx.fetcher.get_answer(&entry_url, &[]) {
                Ok(a) if a.status == 200 => a.body,
                Ok(a) => {
                    last_error = Some(format!("{entry_url} answered HTTP {}", a.status));
                    continue;
                }
                Err(e) => {
                    last_error = Some(format!("{e:#}"));
                    continue;
                }
            };
            let built = rekor::bundle_from_entry(&entry, material())
                .and_then(|json| Ok((devenv_provenance::parse_bundle(&json)?, json)));
            let (bundle, json) = match built {
                Ok(b) => b,
                Err(e) => {
                    last_error = Some(format!("the log entry {uuid}: {e}"));
                    continue;
                }
            };
            match devenv_provenance::verify(&bundle, subject, expect, root) {
                Ok(v) => return Ok((v, json)),
                Err(e) => last_error = Some(format!("with the log entry {uuid}: {e}")),
            }
        }
    }
    Err(last_error.unwrap_or_else(|| {
        format!(
            "the transparency log ({}) has no entry for it",
            root.rekor_urls().join(", ")
        )
    }))
}
