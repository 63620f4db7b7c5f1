//! Lock-time provenance: who built each artifact, verified with Sigstore
//! and pinned in the lock.
//!
//! After resolution, every npm and PyPI artifact of the new lock — every
//! member of a tree — and every `github:` release asset is looked up at
//! its registry's attestation endpoint (npm:
//! `/-/npm/v1/attestations/NAME@VERSION`; PyPI's Integrity API:
//! `/integrity/PROJECT/VERSION/FILE/provenance`; GitHub:
//! `/repos/OWNER/REPO/attestations/sha256:HEX`). A published attestation
//! is verified offline against the trusted root (the shipped public-good
//! root, or `[settings] trusted_root`) and bound to the digest the lock
//! pins; the lock then records the signer identity, issuer and log index,
//! or that none is published. What the old lock recorded for the same
//! bytes is kept without asking again. An aqua package's artifacts are
//! checked against the material its definition declares
//! ([`crate::provenance_aqua`]).
//!
//! The identity is pinned: a package whose new version was built by
//! another identity than the locked version, or that had provenance and
//! now has none, stops the lock naming both. `[tools]` `provenance =
//! "required"` (or an identity), and `[settings] provenance = "required"`,
//! state what the tool's own artifact must have.

use crate::project::Context;
use anyhow::{Result, anyhow, bail};
use devenv_model::digest::{Algorithm, Digest};
use devenv_model::lock::{Lock, Provenance};
use devenv_model::manifest::{Manifest, ProvenancePolicy, Request};
use devenv_provenance::{Expect, Subject, TrustedRoot};
use devenv_sources::backends::aqua::declared::By;
use devenv_sources::backends::{Backend, Mirrors};
use std::collections::BTreeMap;

/// One package's artifact: what a lookup needs and what it is pinned by.
#[derive(Clone, Debug)]
struct Unit {
    /// The package: an npm name (`@scope/name`) or a normalized PyPI project.
    package: String,
    version: String,
    url: String,
    digest: Digest,
}

/// Which registry a tool's source is, if devenv reads provenance from it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Npm,
    Pypi,
    /// A GitHub release asset: its repository's artifact attestations.
    Github,
    /// An aqua package: what its definition declares (cosign, SLSA,
    /// minisign, GitHub artifact attestations).
    Aqua,
}

fn kind_of(source: &str) -> Option<Kind> {
    if source.starts_with("npm:") {
        Some(Kind::Npm)
    } else if source.starts_with("pypi:") {
        Some(Kind::Pypi)
    } else if github_repo(source).is_some() {
        Some(Kind::Github)
    } else if source.starts_with("aqua:") {
        Some(Kind::Aqua)
    } else {
        None
    }
}

/// The artifacts whose builder is looked up: a tree's members, else the
/// artifact itself.
fn units_of(artifact: &devenv_model::lock::Artifact) -> Vec<(&String, &Digest)> {
    if artifact.members.is_empty() {
        vec![(&artifact.url, &artifact.digest)]
    } else {
        artifact
            .members
            .iter()
            .map(|m| (&m.url, &m.digest))
            .collect()
    }
}

/// A record kept in the provenance cache at lock time (JSON), if there
/// is one; `what` names it in errors.
fn read_kept<T: serde::de::DeserializeOwned>(
    path: &std::path::Path,
    what: &str,
) -> Result<Option<T>> {
    devenv_model::files::read_bounded(path, devenv_provenance::MAX_DOCUMENT_BYTES as u64, what)?
        .map(|text| serde_json::from_str(&text).map_err(|e| anyhow!("{}: {e}", path.display())))
        .transpose()
}

/// `github:OWNER/REPO` → `OWNER/REPO`, when plain.
fn github_repo(source: &str) -> Option<&str> {
    source
        .strip_prefix("github:")
        .filter(|repo| devenv_model::names::github_repo(repo))
}

/// `https://r/@s/name/-/name-1.2.3.tgz` → (`@s/name`, `1.2.3`).
fn npm_package_of(url: &str) -> Option<(String, String)> {
    let (left, file) = url.rsplit_once("/-/")?;
    let mut segments = left.rsplit('/');
    let last = segments.next()?.replace("%2f", "/").replace("%2F", "/");
    let name = if last.contains('/') {
        last
    } else {
        match segments.next() {
            Some(scope) if scope.starts_with('@') => format!("{scope}/{last}"),
            _ => last,
        }
    };
    let base = name.rsplit('/').next()?;
    let version = file
        .strip_prefix(&format!("{base}-"))?
        .strip_suffix(".tgz")?;
    Some((name, version.to_string()))
}

/// A wheel's or sdist's file name → (normalized project, version).
fn pypi_package_of(url: &str) -> Option<(String, String)> {
    let file = url.rsplit('/').next()?.split(['#', '?']).next()?;
    if let Some(stem) = file.strip_suffix(".whl") {
        let mut parts = stem.split('-');
        let name = parts.next()?;
        let version = parts.next()?;
        return Some((
            devenv_model::names::pypi_normalize(name),
            version.to_string(),
        ));
    }
    let stem = file
        .strip_suffix(".tar.gz")
        .or_else(|| file.strip_suffix(".zip"))?;
    let (name, version) = stem.rsplit_once('-')?;
    Some((
        devenv_model::names::pypi_normalize(name),
        version.to_string(),
    ))
}

fn unit(kind: Kind, url: &str, digest: &Digest, source: &str, version: &str) -> Option<Unit> {
    let (package, version) = match kind {
        Kind::Npm => npm_package_of(url)?,
        Kind::Pypi => pypi_package_of(url)?,
        // One repository's assets: the builder is pinned per repository.
        Kind::Github => (github_repo(source)?.to_string(), version.to_string()),
        // One package's downloads, pinned per package.
        Kind::Aqua => (
            source.strip_prefix("aqua:")?.to_string(),
            version.to_string(),
        ),
    };
    Some(Unit {
        package,
        version,
        url: url.to_string(),
        digest: digest.clone(),
    })
}

/// The trusted root the project names, else the shipped one.
pub(crate) fn trusted_root(manifest: &Manifest) -> Result<TrustedRoot> {
    match &manifest.settings.trusted_root {
        None => Ok(TrustedRoot::public_good()),
        Some(rel) => {
            let path = manifest.root.join(rel);
            crate::cli::attest_trusted_root(Some(&path))
                .map_err(|e| anyhow!("[settings] trusted_root: {e:#}"))
        }
    }
}

/// Looks up and verifies what the registries publish for the new lock's
/// npm and PyPI artifacts, records it, and refuses a signer that changed
/// from `existing`'s. Offline, nothing new is looked up (the records of
/// `existing` are kept; anything else stays "not checked").
pub(crate) fn attach(
    manifest: &Manifest,
    existing: Option<&Lock>,
    mut lock: Lock,
    cx: &Context,
) -> Result<Lock> {
    let mirrors = Mirrors::new(&cx.config, Some(manifest));
    // Records known by URL and digest: the old lock's, then this run's.
    let mut known: BTreeMap<(String, String), Provenance> = BTreeMap::new();
    // Each tool's locked packages: every version's record.
    let mut before: BTreeMap<(String, String), Vec<(String, Provenance)>> = BTreeMap::new();
    // Which tool already had which recorded artifact: not a change of it.
    let mut had: std::collections::BTreeSet<(String, String, String)> = Default::default();
    for (name, tool) in existing.map(|l| &l.tools).into_iter().flatten() {
        let Some(kind) = kind_of(&tool.source) else {
            continue;
        };
        for artifact in tool.artifacts.values() {
            let mut pairs = vec![(&artifact.url, &artifact.digest, &artifact.provenance)];
            pairs.extend(
                artifact
                    .members
                    .iter()
                    .map(|m| (&m.url, &m.digest, &m.provenance)),
            );
            for (url, digest, record) in pairs {
                let Some(record) = record else { continue };
                known.insert((url.clone(), digest.to_string()), record.clone());
                had.insert((name.clone(), url.clone(), digest.to_string()));
                if let Some(u) = unit(kind, url, digest, &tool.source, &tool.version) {
                    before
                        .entry((name.clone(), u.package))
                        .or_default()
                        .push((u.version, record.clone()));
                }
            }
        }
    }
    // What nobody has looked up yet, once each, looked up in parallel.
    let mut fresh: Vec<(String, Kind, Unit)> = Vec::new();
    let mut queued = std::collections::BTreeSet::new();
    // What resolution handed over about aqua artifacts it pinned just now
    // (one kept from the old lock has none, and stays as it was).
    let declared = cx.declared.lock().map(|m| m.clone()).unwrap_or_default();
    if !cx.offline() {
        for (name, tool) in &lock.tools {
            let Some(kind) = kind_of(&tool.source) else {
                continue;
            };
            for artifact in tool.artifacts.values() {
                for (url, digest) in units_of(artifact) {
                    let key = (url.clone(), digest.to_string());
                    if kind == Kind::Aqua && !declared.contains_key(&key) {
                        continue;
                    }
                    if known.contains_key(&key) || !queued.insert(key) {
                        continue;
                    }
                    if let Some(u) = unit(kind, url, digest, &tool.source, &tool.version) {
                        fresh.push((name.clone(), kind, u));
                    }
                }
            }
        }
    }
    if !fresh.is_empty() {
        let root = trusted_root(manifest)?;
        let fetched = crate::provenance_aqua::Fetched::default();
        let found =
            devenv_model::parallel::map(cx.fetcher.settings().jobs, &fresh, |(name, kind, u)| {
                let key = (u.url.clone(), u.digest.to_string());
                if let Some(d) = declared.get(&key) {
                    let source = match kind {
                        Kind::Github => format!("github:{}", u.package),
                        _ => format!("aqua:{}", u.package),
                    };
                    // The message names the package; a tool named
                    // otherwise is named too.
                    let named = |e: anyhow::Error| {
                        if *name == source {
                            e
                        } else {
                            anyhow!("{name}: {e:#}")
                        }
                    };
                    // What a release publishes: its repository's GitHub
                    // artifact attestations first, as for every `github:`
                    // asset, then the files beside the asset.
                    let api = match (d.by, &d.repo) {
                        (By::Release, Some(repo)) => {
                            let unit = Unit {
                                package: repo.clone(),
                                ..u.clone()
                            };
                            Some(
                                look_up(Kind::Github, &unit, &mirrors, cx, &root)
                                    .map_err(|e| named(anyhow!("{source} {}: {e:#}", u.version)))?,
                            )
                        }
                        _ => None,
                    };
                    let a = crate::provenance_aqua::Artifact {
                        fetched: &fetched,
                        source: &source,
                        version: &u.version,
                        url: &u.url,
                        digest: &u.digest,
                    };
                    // Every file found must verify, whatever the API said.
                    let material = crate::provenance_aqua::look_up(&a, d, &mirrors, cx, &root)
                        .map(|found| found.map(|(p, e)| (p, e.bundle, e.checksums, e.signature)))
                        .map_err(named)?;
                    return Ok(match api {
                        // The first verified is recorded.
                        Some((p, bundle)) if p.signer().is_some() => Some((p, bundle, None, None)),
                        _ => material,
                    });
                }
                look_up(*kind, u, &mirrors, cx, &root)
                    .map(|(p, bundle)| Some((p, bundle, None, None)))
                    .map_err(|e| anyhow!("{name}: {} {}: {e:#}", u.package, u.version))
            });
        for ((_, _, u), result) in fresh.iter().zip(found) {
            // Not checked: nothing recorded, nothing compared.
            let Some((record, bundle, checksums, signature)) = result? else {
                continue;
            };
            if let Some(bundle) = bundle {
                save_bundle(cx, &u.digest, &bundle);
            }
            keep(&checksums_path(cx, &u.digest), checksums.as_ref());
            keep(&signature_path(cx, &u.digest), signature.as_ref());
            known.insert((u.url.clone(), u.digest.to_string()), record);
        }
    }
    // Every artifact new to its tool is held to that tool's pin, whether
    // looked up just now or already recorded for another tool (a tree's
    // dependency another tool locked from someone else is no exception).
    let mut changes = Vec::new();
    for (name, tool) in &lock.tools {
        let Some(kind) = kind_of(&tool.source) else {
            continue;
        };
        for artifact in tool.artifacts.values() {
            for (url, digest) in units_of(artifact) {
                let key = (url.clone(), digest.to_string());
                if had.contains(&(name.clone(), key.0.clone(), key.1.clone())) {
                    continue;
                }
                let (Some(record), Some(u)) = (
                    known.get(&key),
                    unit(kind, url, digest, &tool.source, &tool.version),
                ) else {
                    continue;
                };
                let locked = before
                    .get(&(name.clone(), u.package.clone()))
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                if let Some(change) = changed(locked, record) {
                    changes.push(format!("{name}: {} {} {change}", u.package, u.version));
                }
            }
        }
    }
    for tool in lock.tools.values_mut() {
        if kind_of(&tool.source).is_none() {
            continue;
        }
        for artifact in tool.artifacts.values_mut() {
            let record = |url: &String, digest: &Digest| {
                known.get(&(url.clone(), digest.to_string())).cloned()
            };
            if artifact.members.is_empty() {
                artifact.provenance = record(&artifact.url, &artifact.digest);
            } else {
                for m in artifact.members.iter_mut() {
                    m.provenance = record(&m.url, &m.digest);
                }
                // A tree's own record is its requested package's.
                artifact.provenance = artifact
                    .members
                    .iter()
                    .find(|m| m.url == artifact.url)
                    .and_then(|m| m.provenance.clone());
            }
        }
    }
    changes.sort();
    changes.dedup();
    if !changes.is_empty() {
        bail!(
            "the provenance of these packages changed, so devenv.lock was not written:\n  - {}\nA different builder can mean a hijacked account or a moved release process. If the change is expected, remove the tool's entry from devenv.lock and lock again: the new builder is then pinned.",
            changes.join("\n  - ")
        );
    }
    check_policy(manifest, &lock)?;
    Ok(lock)
}

/// How a newly looked-up `new` breaks the pin of the package's `locked`
/// versions, as words ("was built by X, but the locked 1.0.0 was built by
/// Y"), or `None` when one of their signers built it too (or none had any).
fn changed(locked: &[(String, Provenance)], new: &Provenance) -> Option<String> {
    let signed: Vec<&(String, Provenance)> = locked
        .iter()
        .filter(|(_, p)| p.signer().is_some())
        .collect();
    let (version, old) = signed.first()?;
    let same = |p: &Provenance| p.identity == new.identity && p.issuer == new.issuer;
    let what = match new.signer() {
        None => "publishes no provenance".to_string(),
        Some(_) if signed.iter().any(|(_, p)| same(p)) => return None,
        Some(_) => format!("was built by {}", new.describe()),
    };
    Some(format!(
        "{what}, but the locked {version} was built by {}",
        old.describe()
    ))
}

/// Refuses a lock whose tools lack the provenance the manifest requires
/// (`[tools]` `provenance`, `[settings] provenance = "required"`): checked
/// on the tool's own artifact for every platform, from the lock alone.
pub(crate) fn check_policy(manifest: &Manifest, lock: &Lock) -> Result<()> {
    for spec in &manifest.tools {
        let policy = match &spec.request {
            Request::Registry(r) => r.provenance.clone(),
            Request::Url(_) => None,
        }
        .or(manifest
            .settings
            .provenance_required
            .then_some(ProvenancePolicy::Required));
        let Some(policy) = policy else { continue };
        let Some(tool) = lock.tools.get(&spec.name) else {
            continue;
        };
        for (platform, artifact) in &tool.artifacts {
            let found = artifact.provenance.as_ref();
            let at = format!("{} {} for {platform}", spec.name, tool.version);
            match (&policy, found.and_then(|p| p.signer())) {
                (ProvenancePolicy::Identity(want), Some(got)) if want != got => bail!(
                    "{at} was built by {}, but devenv.toml requires {want}",
                    found.map(Provenance::describe).unwrap_or_default()
                ),
                (_, Some(_)) => {}
                (_, None) => {
                    let aqua = kind_of(&tool.source) == Some(Kind::Aqua);
                    let github = kind_of(&tool.source) == Some(Kind::Github);
                    let what = match found {
                        Some(_) if aqua => {
                            "its aqua definition declares no signature, and its release publishes none devenv reads (GitHub artifact attestations, Sigstore bundles, keyless signatures or SLSA provenance beside the asset)"
                        }
                        Some(_) if github => {
                            "its release publishes none devenv reads (GitHub artifact attestations, Sigstore bundles, keyless signatures or SLSA provenance beside the asset)"
                        }
                        Some(_) => "its registry publishes no provenance for it",
                        None if kind_of(&tool.source).is_none() => {
                            "devenv reads no provenance from its source (npm, PyPI, GitHub releases and aqua packages only)"
                        }
                        None if aqua => {
                            "devenv.lock records no provenance check for it (`devenv update` checks what its aqua definition declares, when devenv can verify it)"
                        }
                        None => {
                            "devenv.lock records no provenance check for it (`devenv update` checks it)"
                        }
                    };
                    let wanted = match &policy {
                        ProvenancePolicy::Required => "verified provenance".to_string(),
                        ProvenancePolicy::Identity(id) => format!("provenance by {id}"),
                    };
                    bail!("{at}: devenv.toml requires {wanted}, but {what}");
                }
            }
        }
    }
    Ok(())
}

/// Where the verified bundle of the artifact with `digest` is kept, for
/// `devenv verify`: the cache directory beside the store.
fn bundle_path(cx: &Context, digest: &Digest) -> std::path::PathBuf {
    let algorithm = match digest.algorithm {
        Algorithm::Sha256 => "sha256",
        Algorithm::Sha512 => "sha512",
        Algorithm::Sha1 => "sha1",
    };
    cx.store
        .home()
        .join("cache")
        .join("provenance")
        .join(format!(
            "{algorithm}-{}.sigstore.json",
            devenv_model::digest::hex(&digest.bytes)
        ))
}

/// Where the checksum file a kept bundle signs is kept (the bundle then
/// binds the artifact through the file's line for it).
fn checksums_path(cx: &Context, digest: &Digest) -> std::path::PathBuf {
    bundle_path(cx, digest).with_extension("checksums.json")
}

/// Where a key signature (minisign, cosign `--key`) verified at lock time
/// is kept, for `devenv verify`.
fn signature_path(cx: &Context, digest: &Digest) -> std::path::PathBuf {
    bundle_path(cx, digest).with_extension("signature.json")
}

/// Keeps `what` as JSON at `path` (the evidence beside a bundle), or
/// removes a stale file when there is none this time; failing to is only
/// worth a warning.
fn keep(path: &std::path::Path, what: Option<&impl serde::Serialize>) {
    let saved = match what {
        Some(what) => path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .map_err(anyhow::Error::from)
            .and_then(|()| Ok(serde_json::to_string(what)?))
            .and_then(|json| devenv_model::files::write_atomic(path, json.as_bytes())),
        None => match std::fs::remove_file(path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        },
    };
    if let Err(e) = saved {
        devenv_model::ui::warn(format!(
            "could not keep the provenance evidence {}: {e:#}",
            path.display()
        ));
    }
}

/// Keeps a verified bundle; failing to is only worth a warning (the lock
/// holds what was verified, and `devenv verify` can fetch it again).
fn save_bundle(cx: &Context, digest: &Digest, bundle: &str) {
    let path = bundle_path(cx, digest);
    let saved = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .map_err(anyhow::Error::from)
        .and_then(|()| devenv_model::files::write_atomic(&path, bundle.as_bytes()));
    if let Err(e) = saved {
        devenv_model::ui::warn(format!("could not keep the provenance bundle: {e:#}"));
    }
}

/// How `devenv verify` fared.
#[derive(Default)]
pub(crate) struct Audit {
    /// Verified again from a kept bundle.
    pub(crate) offline: usize,
    /// Fetched again (no kept bundle) and verified.
    pub(crate) fetched: usize,
    /// Recorded as not published.
    pub(crate) none: usize,
    /// Not checked when locked.
    pub(crate) unchecked: usize,
    /// What did not verify, or could not be checked, as sentences.
    pub(crate) problems: Vec<String>,
}

/// Verifies again every verified record of `lock` against its kept bundle
/// (offline), expecting exactly the recorded identity and issuer; without
/// a kept bundle, fetches it again unless offline.
pub(crate) fn audit(manifest: &Manifest, lock: &Lock, cx: &Context) -> Result<Audit> {
    let mirrors = Mirrors::new(&cx.config, Some(manifest));
    let root = trusted_root(manifest)?;
    let mut audit = Audit::default();
    let mut seen = std::collections::BTreeSet::new();
    for (name, tool) in &lock.tools {
        let kind = kind_of(&tool.source);
        for artifact in tool.artifacts.values() {
            let mut units = Vec::new();
            if artifact.members.is_empty() {
                units.push((&artifact.url, &artifact.digest, &artifact.provenance));
            } else {
                units.extend(
                    artifact
                        .members
                        .iter()
                        .map(|m| (&m.url, &m.digest, &m.provenance)),
                );
            }
            for (url, digest, record) in units {
                if !seen.insert((url.clone(), digest.to_string())) {
                    continue;
                }
                let Some(record) = record else {
                    audit.unchecked += 1;
                    continue;
                };
                let (Some(identity), Some(issuer)) = (&record.identity, &record.issuer) else {
                    audit.none += 1;
                    continue;
                };
                let what = format!("{name}: {url}");
                let subject = match digest.algorithm {
                    Algorithm::Sha256 => Subject::Sha256(&digest.bytes),
                    Algorithm::Sha512 => Subject::Sha512(&digest.bytes),
                    Algorithm::Sha1 => {
                        audit
                            .problems
                            .push(format!("{what}: a sha1 digest binds no attestation"));
                        continue;
                    }
                };
                let expect = Expect::Identity {
                    identity: identity.clone(),
                    issuer: issuer.clone(),
                };
                // A key signature (minisign, cosign `--key`) kept at lock time.
                let signature_file = signature_path(cx, digest);
                let kept: Option<crate::provenance_aqua::KeptSignature> =
                    read_kept(&signature_file, "the kept signature")?;
                if let Some(kept) = kept {
                    match kept.verify(digest) {
                        Ok(id) if &id == identity => audit.offline += 1,
                        Ok(id) => audit.problems.push(format!(
                            "{what}: the kept signature is by {id}, but the lock records {}",
                            record.describe()
                        )),
                        Err(e) => audit.problems.push(format!("{what}: {e:#}")),
                    }
                    continue;
                }
                let path = bundle_path(cx, digest);
                let kept = devenv_model::files::read_bounded(
                    &path,
                    devenv_provenance::MAX_DOCUMENT_BYTES as u64,
                    "the kept provenance bundle",
                )?;
                let bundle = match kept {
                    Some(text) => devenv_provenance::parse_bundle(&text)
                        .map_err(|e| anyhow!("{}: {e}", path.display()))?,
                    None if cx.offline() => {
                        audit.problems.push(format!(
                            "{what}: no kept bundle on this machine, and --offline forbids fetching it"
                        ));
                        continue;
                    }
                    None => {
                        let Some(kind) = kind else { continue };
                        let Some(u) = unit(kind, url, digest, &tool.source, &tool.version) else {
                            continue;
                        };
                        match look_up(kind, &u, &mirrors, cx, &root) {
                            Ok((found, Some(json))) => {
                                save_bundle(cx, digest, &json);
                                audit.fetched += 1;
                                if found.identity.as_deref() != Some(identity.as_str())
                                    || found.issuer.as_deref() != Some(issuer.as_str())
                                {
                                    audit.problems.push(format!(
                                        "{what} is now attested by {}, but the lock records {}",
                                        found.describe(),
                                        record.describe()
                                    ));
                                }
                            }
                            Ok((_, None)) if kind == Kind::Github => audit.problems.push(format!(
                                "{what}: no kept bundle on this machine, and the GitHub attestation API has none for it (the lock records {}, which may come from a signature beside the asset); to check it anew, remove the tool's entry from devenv.lock and lock again",
                                record.describe()
                            )),
                            Ok((_, None)) => audit.problems.push(format!(
                                "{what}: the registry no longer publishes the provenance the lock records ({})",
                                record.describe()
                            )),
                            Err(e) => audit.problems.push(format!("{what}: {e:#}")),
                        }
                        continue;
                    }
                };
                // A bundle of the checksum file that lists the artifact.
                let sums_path = checksums_path(cx, digest);
                let sums: Option<crate::provenance_aqua::SignedSums> =
                    read_kept(&sums_path, "the kept signed checksum file")?;
                let subject = match &sums {
                    Some(sums) => {
                        if let Err(e) = sums.binds(digest) {
                            audit.problems.push(format!("{what}: {e}"));
                            continue;
                        }
                        Subject::Bytes(sums.text.as_bytes())
                    }
                    None => subject,
                };
                match devenv_provenance::verify(&bundle, subject, &expect, &root) {
                    Ok(_) => audit.offline += 1,
                    Err(e) => audit.problems.push(format!("{what}: {e}")),
                }
            }
        }
    }
    Ok(audit)
}

/// What the lock records about an artifact's builder, for people and JSON.
pub(crate) struct Shown {
    /// `verified`, `none` (nothing published) or `unchecked`.
    pub(crate) status: &'static str,
    pub(crate) record: Option<Provenance>,
    /// For a tree: how many members are verified, of how many.
    pub(crate) members: Option<(usize, usize)>,
}

impl Shown {
    pub(crate) fn of(artifact: &devenv_model::lock::Artifact) -> Shown {
        let status = match &artifact.provenance {
            Some(p) if p.signer().is_some() => "verified",
            Some(_) => "none",
            None => "unchecked",
        };
        let members = (!artifact.members.is_empty()).then(|| {
            let verified = artifact
                .members
                .iter()
                .filter(|m| m.provenance.as_ref().is_some_and(|p| p.signer().is_some()))
                .count();
            (verified, artifact.members.len())
        });
        Shown {
            status,
            record: artifact.provenance.clone(),
            members,
        }
    }

    /// "verified: ID (issuer …)", "not published", "not checked", with a
    /// tree's member count.
    pub(crate) fn text(&self) -> String {
        let main = match (self.status, &self.record) {
            ("verified", Some(p)) => format!("verified: {}", p.describe()),
            ("none", _) => "not published".to_string(),
            _ => "not checked".to_string(),
        };
        match self.members {
            Some((v, n)) => format!("{main}; {v} of {n} packages verified"),
            None => main,
        }
    }

    pub(crate) fn json(&self) -> serde_json::Value {
        let mut v = serde_json::json!({"status": self.status});
        if let Some(p) = self.record.as_ref().filter(|p| p.signer().is_some()) {
            v["identity"] = p.identity.clone().into();
            v["issuer"] = p.issuer.clone().into();
            v["log_index"] = p.log_index.into();
        }
        if let Some((verified, total)) = self.members {
            v["members"] = serde_json::json!({"verified": verified, "total": total});
        }
        v
    }
}

/// What `u`'s registry publishes, verified.
fn look_up(
    kind: Kind,
    u: &Unit,
    mirrors: &Mirrors,
    cx: &Context,
    root: &TrustedRoot,
) -> Result<(Provenance, Option<String>)> {
    if kind == Kind::Aqua {
        bail!(
            "what an aqua definition declares is fetched when the tool is locked, and no copy is kept on this machine; to check it anew, remove the tool's entry from devenv.lock and lock again"
        );
    }
    let (url, subject) = match kind {
        Kind::Npm => {
            let escaped = u.package.replace('/', "%2f");
            let url = format!(
                "{}/-/npm/v1/attestations/{escaped}@{}",
                mirrors.base(Backend::Npm),
                u.version
            );
            (url, Subject::Sha512(&u.digest.bytes))
        }
        Kind::Pypi => {
            let file = u.url.rsplit('/').next().unwrap_or_default();
            let file = file.split(['#', '?']).next().unwrap_or_default();
            let url = format!(
                "{}/integrity/{}/{}/{file}/provenance",
                mirrors.base(Backend::Pypi),
                u.package,
                u.version
            );
            (url, Subject::Sha256(&u.digest.bytes))
        }
        Kind::Github | Kind::Aqua => {
            let url = format!(
                "{}/repos/{}/attestations/sha256:{}",
                mirrors.base(Backend::Github),
                u.package,
                devenv_model::digest::hex(&u.digest.bytes)
            );
            (url, Subject::Sha256(&u.digest.bytes))
        }
    };
    let expected = matches!(
        (kind, u.digest.algorithm),
        (Kind::Npm, Algorithm::Sha512)
            | (Kind::Pypi | Kind::Github | Kind::Aqua, Algorithm::Sha256)
    );
    if !expected {
        // An attestation binds npm's sha512 or PyPI's sha256; a package
        // pinned by another digest cannot be matched to one.
        return Ok((Provenance::none(), None));
    }
    let headers = [("Accept", "application/json".to_string())];
    let answer = match kind {
        // The user's GitHub token goes along where they tied it to the API.
        Kind::Github | Kind::Aqua => cx.fetcher.get_github_api(&url, &headers)?,
        Kind::Npm | Kind::Pypi => cx.fetcher.get_answer(&url, &headers)?,
    };
    match answer.status {
        200 => {}
        404 => return Ok((Provenance::none(), None)),
        _ if matches!(kind, Kind::Github | Kind::Aqua) => bail!(
            "{}",
            devenv_sources::backends::github_api_failure(&answer, &url, &cx.fetcher)
        ),
        status => bail!(
            "{url} answered HTTP {status}, so devenv.lock was not written; try again later, or check the registry address ([settings] mirrors, DEVENV_NPM_REGISTRY, DEVENV_PYPI_URL)"
        ),
    }
    let bundles = match kind {
        Kind::Npm => devenv_provenance::formats::npm_bundles(&answer.body),
        Kind::Pypi => devenv_provenance::formats::pypi_bundles(&answer.body),
        Kind::Github | Kind::Aqua => devenv_provenance::formats::github_bundles(&answer.body),
    }
    .map_err(|e| anyhow!("{url}: {e}"))?;
    if bundles.is_empty() {
        return Ok((Provenance::none(), None));
    }
    let mut last_error = None;
    for bundle in &bundles {
        match devenv_provenance::verify(bundle, subject, &Expect::AnyIdentity, root) {
            Ok(v) => {
                let issuer = v
                    .issuer
                    .ok_or_else(|| anyhow!("{url}: the signing certificate names no issuer"))?;
                let json = serde_json::to_string(bundle)?;
                return Ok((
                    Provenance::verified(v.identity, issuer, v.log_index),
                    Some(json),
                ));
            }
            Err(e) => last_error = Some(e),
        }
    }
    let e = last_error.expect("bundles is not empty");
    bail!(
        "the provenance published at {url} does not verify against {}: {e}",
        root.origin
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_version_may_follow_any_locked_signer_of_its_package() {
        let signed = |who: &str| {
            Provenance::verified(
                format!("https://github.com/{who}/.github/workflows/release.yml@refs/heads/main"),
                "https://token.actions.githubusercontent.com".into(),
                Some(1),
            )
        };
        // A tree may hold two versions of one package, built by two workflows.
        let locked = vec![
            ("1.0.0".to_string(), signed("old/dep")),
            ("2.1.0".to_string(), signed("new/dep")),
        ];
        assert_eq!(changed(&locked, &signed("old/dep")), None);
        assert_eq!(changed(&locked, &signed("new/dep")), None);
        let other = changed(&locked, &signed("mallory/dep")).unwrap();
        assert!(
            other.starts_with("was built by https://github.com/mallory/dep/"),
            "{other}"
        );
        assert!(
            other.contains("but the locked 1.0.0 was built by https://github.com/old/dep/"),
            "{other}"
        );
        let lost = changed(&locked, &Provenance::none()).unwrap();
        assert!(lost.starts_with("publishes no provenance"), "{lost}");
        // Nothing pinned yet: anything goes (and is pinned from now on).
        let unsigned = vec![("1.0.0".to_string(), Provenance::none())];
        assert_eq!(changed(&unsigned, &signed("anyone/dep")), None);
        assert_eq!(changed(&[], &Provenance::none()), None);
    }

    #[test]
    fn package_and_version_from_registry_urls() {
        assert_eq!(
            npm_package_of("https://r.example/@s/name/-/name-1.2.3.tgz"),
            Some(("@s/name".into(), "1.2.3".into()))
        );
        assert_eq!(
            npm_package_of("https://r.example/dep/-/dep-2.1.0-rc.1.tgz"),
            Some(("dep".into(), "2.1.0-rc.1".into()))
        );
        assert_eq!(
            pypi_package_of("https://files.example/p/Ruff_X-0.7.1-py3-none-any.whl"),
            Some(("ruff-x".into(), "0.7.1".into()))
        );
        assert_eq!(
            pypi_package_of("https://files.example/p/black-24.1.0.tar.gz"),
            Some(("black".into(), "24.1.0".into()))
        );
        assert_eq!(npm_package_of("https://r.example/x.tgz"), None);
    }
}
