//! The OCI formats of the cache: the artifact manifest devenv writes for
//! each pinned artifact, how a received one is checked, and the tag that
//! names an artifact by its content digest.
//!
//! One OCI 1.1 image manifest per artifact: `artifactType`
//! [`ARTIFACT_TYPE`], the empty config descriptor, one layer holding the
//! artifact's exact bytes (titled with its file name), and annotations for
//! the tool, version, platform(s), source URL and the lock's digest. The
//! JSON is written from fixed structures with sorted maps and no
//! timestamps, so the same lock entry always gives the same bytes (and so
//! the same manifest digest) on every machine.

use base64::Engine;
use devenv_model::digest::{Algorithm, Digest, hex};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The media type of an OCI image manifest.
pub(crate) const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
/// The media type of an OCI image index (`index.json` of a layout).
pub(crate) const INDEX_MEDIA_TYPE: &str = "application/vnd.oci.image.index.v1+json";
/// `artifactType` of every devenv artifact manifest.
pub(crate) const ARTIFACT_TYPE: &str = "application/vnd.devenv.artifact.v1";
/// The media type of the layer holding an artifact's bytes.
pub(crate) const LAYER_MEDIA_TYPE: &str = "application/octet-stream";
/// The empty JSON object `{}`: the config blob of artifact manifests.
pub(crate) const EMPTY_MEDIA_TYPE: &str = "application/vnd.oci.empty.v1+json";
pub(crate) const EMPTY_BLOB: &[u8] = b"{}";
pub(crate) const EMPTY_DIGEST: &str =
    "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a";

/// The layer annotation naming the artifact's file.
pub(crate) const TITLE: &str = "org.opencontainers.image.title";
/// The annotation of a layout's index entry naming its tag.
pub(crate) const REF_NAME: &str = "org.opencontainers.image.ref.name";
/// Manifest annotations (the lock's view of the artifact).
pub(crate) const ANN_TOOL: &str = "dev.devenv.tool";
pub(crate) const ANN_VERSION: &str = "dev.devenv.version";
pub(crate) const ANN_PLATFORM: &str = "dev.devenv.platform";
pub(crate) const ANN_URL: &str = "dev.devenv.url";
pub(crate) const ANN_DIGEST: &str = "dev.devenv.digest";
/// For a built entry: its store key (which covers the crate's digest,
/// the toolchain, the target and the features).
pub(crate) const ANN_BUILD: &str = "dev.devenv.build";

/// The largest manifest accepted from a cache: devenv's are under 2 KiB.
pub(crate) const MAX_MANIFEST_BYTES: u64 = 256 * 1024;

/// An OCI content descriptor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Descriptor {
    pub(crate) media_type: String,
    pub(crate) digest: String,
    pub(crate) size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) data: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) annotations: BTreeMap<String, String>,
}

/// An OCI image manifest (the fields devenv writes and reads).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Manifest {
    pub(crate) schema_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) media_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) artifact_type: Option<String>,
    pub(crate) config: Descriptor,
    pub(crate) layers: Vec<Descriptor>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) annotations: BTreeMap<String, String>,
}

/// An OCI image index: a layout's `index.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Index {
    pub(crate) schema_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) media_type: Option<String>,
    #[serde(default)]
    pub(crate) manifests: Vec<Descriptor>,
}

impl Default for Index {
    fn default() -> Index {
        Index {
            schema_version: 2,
            media_type: Some(INDEX_MEDIA_TYPE.into()),
            manifests: Vec::new(),
        }
    }
}

/// What the lock says about one artifact, as recorded in its manifest.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ArtifactInfo {
    pub(crate) tool: String,
    pub(crate) version: String,
    /// Every platform of the lock that pins these bytes, comma-separated.
    pub(crate) platforms: String,
    pub(crate) url: String,
    pub(crate) digest: Digest,
    /// For a built entry, its store key: the layer is the built tree.
    pub(crate) build: Option<String>,
}

/// What a pull wants from a cache.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Want<'a> {
    /// The artifact's exact bytes, which the lock pins with this digest.
    Pinned(&'a Digest),
    /// The built tree of the crate the lock pins with `source`, whose store
    /// key is `key`. No lock can pin what a build makes: the layer is
    /// checked against the digest its manifest names (so it arrives
    /// whole), and the cache is trusted as the team's builder.
    Built { source: &'a Digest, key: &'a str },
}

impl Want<'_> {
    /// The lock's digest of the source bytes.
    pub(crate) fn source(&self) -> &Digest {
        match self {
            Want::Pinned(d) => d,
            Want::Built { source, .. } => source,
        }
    }

    /// How the received bytes are hashed.
    pub(crate) fn algorithm(&self) -> Algorithm {
        match self {
            Want::Pinned(d) => d.algorithm,
            Want::Built { .. } => Algorithm::Sha256,
        }
    }

    /// Refuses a built layer whose bytes are not the ones its manifest
    /// names (`actual` is their sha256).
    pub(crate) fn check_layer(&self, layer: &Descriptor, actual: &Digest) -> Result<(), String> {
        match self {
            Want::Built { .. } if actual.to_string() != layer.digest => Err(format!(
                "its layer is not the one its manifest names (sha256 {actual}, not {})",
                layer.digest
            )),
            _ => Ok(()),
        }
    }
}

/// The tag of a built entry in a cache: `build-<store key>`.
pub fn build_tag(key: &str) -> String {
    format!("build-{key}")
}

/// The tag naming `artifact` of `tool` in a cache: its build's for a built
/// entry, else its digest's.
pub fn tag_of(tool: &str, artifact: &devenv_model::lock::Artifact) -> String {
    match artifact.build {
        Some(_) => build_tag(&artifact.derived_key(tool)),
        None => tag(&artifact.digest),
    }
}

/// The tag naming an artifact in a cache: its lock digest in the tag
/// alphabet (`[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`): `sha256-<hex>`,
/// `sha1-<hex>`, or npm's `sha512-<base64>` in URL-safe base64 without
/// padding (93 characters; hex would exceed the 128 a tag may have).
pub fn tag(digest: &Digest) -> String {
    match digest.algorithm {
        Algorithm::Sha256 => format!("sha256-{}", hex(&digest.bytes)),
        Algorithm::Sha1 => format!("sha1-{}", hex(&digest.bytes)),
        Algorithm::Sha512 => format!(
            "sha512-{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&digest.bytes)
        ),
    }
}

/// The artifact's file name, from the last segment of its URL.
pub(crate) fn file_name(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let last = path.rsplit('/').next().unwrap_or("");
    let clean: String = last
        .chars()
        .filter(|c| !c.is_control() && *c != '\\')
        .collect();
    if clean.is_empty() || clean == "." || clean == ".." {
        "artifact".into()
    } else {
        clean
    }
}

/// The config descriptor of every artifact manifest: the empty blob.
pub(crate) fn empty_config() -> Descriptor {
    Descriptor {
        media_type: EMPTY_MEDIA_TYPE.into(),
        digest: EMPTY_DIGEST.into(),
        size: EMPTY_BLOB.len() as u64,
        data: Some("e30=".into()),
        annotations: BTreeMap::new(),
    }
}

/// The exact bytes of the manifest of `info`, whose bytes have the sha256
/// `layer_digest` (`sha256:<hex>`) and `size`.
pub(crate) fn artifact_manifest(info: &ArtifactInfo, layer_digest: &str, size: u64) -> Vec<u8> {
    let layer = Descriptor {
        media_type: LAYER_MEDIA_TYPE.into(),
        digest: layer_digest.into(),
        size,
        data: None,
        annotations: BTreeMap::from([(
            TITLE.into(),
            match &info.build {
                Some(key) => format!("{key}-{}.tar.gz", info.tool.replace([':', '/'], "-")),
                None => file_name(&info.url),
            },
        )]),
    };
    let mut annotations = BTreeMap::from([
        (ANN_DIGEST.into(), info.digest.to_string()),
        (ANN_PLATFORM.into(), info.platforms.clone()),
        (ANN_TOOL.into(), info.tool.clone()),
        (ANN_URL.into(), info.url.clone()),
        (ANN_VERSION.into(), info.version.clone()),
    ]);
    if let Some(key) = &info.build {
        annotations.insert(ANN_BUILD.into(), key.clone());
    }
    let manifest = Manifest {
        schema_version: 2,
        media_type: Some(MANIFEST_MEDIA_TYPE.into()),
        artifact_type: Some(ARTIFACT_TYPE.into()),
        config: empty_config(),
        layers: vec![layer],
        annotations,
    };
    serde_json::to_vec(&manifest).expect("a manifest always serializes")
}

/// Whether `digest` is a well-formed `sha256:<64 lowercase hex>`.
pub(crate) fn is_sha256(digest: &str) -> bool {
    digest.strip_prefix("sha256:").is_some_and(|h| {
        h.len() == 64
            && h.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    })
}

/// Checks a manifest received from a cache for the artifact pinned with
/// `expected`, and returns the descriptor of its one layer. Anything else
/// (another artifact type, several layers, a digest annotation that is not
/// the lock's) is refused with the reason.
pub(crate) fn check_manifest(
    bytes: &[u8],
    want: Want<'_>,
    max_bytes: u64,
) -> Result<Descriptor, String> {
    let expected = want.source();
    let manifest: Manifest = serde_json::from_slice(bytes)
        .map_err(|e| format!("its manifest is not a valid OCI manifest ({e})"))?;
    if manifest.schema_version != 2 {
        return Err(format!(
            "its manifest has schemaVersion {}, not 2",
            manifest.schema_version
        ));
    }
    if let Some(mt) = &manifest.media_type
        && mt != MANIFEST_MEDIA_TYPE
    {
        return Err(format!("its manifest has media type `{mt}`"));
    }
    if manifest.artifact_type.as_deref() != Some(ARTIFACT_TYPE) {
        return Err(format!(
            "its manifest is not a devenv artifact (artifactType is not {ARTIFACT_TYPE})"
        ));
    }
    let pinned = manifest.annotations.get(ANN_DIGEST).map(String::as_str);
    if pinned != Some(expected.to_string().as_str()) {
        return Err("its manifest records another digest than the lock".into());
    }
    let build = manifest.annotations.get(ANN_BUILD).map(String::as_str);
    match (want, build) {
        (Want::Pinned(_), None) => {}
        (Want::Built { key, .. }, Some(b)) if b == key => {}
        (Want::Pinned(_), Some(_)) => {
            return Err("its manifest holds a build, not the pinned artifact".into());
        }
        (Want::Built { .. }, _) => {
            return Err("its manifest holds another build than the lock's".into());
        }
    }
    let [layer] = manifest.layers.as_slice() else {
        return Err(format!(
            "its manifest has {} layers instead of one",
            manifest.layers.len()
        ));
    };
    if !is_sha256(&layer.digest) {
        return Err("its layer digest is not a sha256 digest".into());
    }
    // The size is the cache's claim: it bounds the copy, so it may not
    // exceed what any download may be (DEVENV_MAX_DOWNLOAD_MB).
    if layer.size > max_bytes {
        return Err(format!(
            "its layer claims {} bytes, more than DEVENV_MAX_DOWNLOAD_MB allows ({} MiB)",
            layer.size,
            max_bytes >> 20
        ));
    }
    Ok(layer.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> ArtifactInfo {
        ArtifactInfo {
            tool: "hello".into(),
            version: "1.2.3".into(),
            platforms: "linux-x86_64".into(),
            url: "https://example.invalid/dl/hello-1.2.3.tar.gz?x=1".into(),
            digest: Digest::of(Algorithm::Sha256, b"bytes"),
            build: None,
        }
    }

    #[test]
    fn tags_are_tag_safe_and_distinct() {
        let valid = |t: &str| {
            t.len() <= 128
                && t.chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                && t.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        };
        for alg in [Algorithm::Sha256, Algorithm::Sha512, Algorithm::Sha1] {
            for data in [&b"a"[..], b"b", &[0xff; 100]] {
                let t = tag(&Digest::of(alg, data));
                assert!(valid(&t), "{t}");
            }
        }
        let d = Digest::of(Algorithm::Sha256, b"abc");
        assert_eq!(tag(&d), format!("sha256-{}", hex(&d.bytes)));
        assert_ne!(
            tag(&Digest::of(Algorithm::Sha512, b"a")),
            tag(&Digest::of(Algorithm::Sha512, b"b"))
        );
    }

    #[test]
    fn manifests_are_reproducible_and_read_back() {
        let layer = format!("sha256:{}", "a".repeat(64));
        let one = artifact_manifest(&info(), &layer, 5);
        assert_eq!(one, artifact_manifest(&info(), &layer, 5));
        let text = String::from_utf8(one.clone()).unwrap();
        assert!(
            text.contains(r#""artifactType":"application/vnd.devenv.artifact.v1""#),
            "{text}"
        );
        assert!(
            text.contains(r#""org.opencontainers.image.title":"hello-1.2.3.tar.gz""#),
            "{text}"
        );
        assert!(text.contains(EMPTY_DIGEST));
        let got = check_manifest(&one, Want::Pinned(&info().digest), u64::MAX).unwrap();
        assert_eq!((got.digest.as_str(), got.size), (layer.as_str(), 5));
    }

    #[test]
    fn foreign_manifests_are_refused() {
        let layer = format!("sha256:{}", "a".repeat(64));
        let good = artifact_manifest(&info(), &layer, 5);
        let other = Digest::of(Algorithm::Sha256, b"other");
        assert!(
            check_manifest(&good, Want::Pinned(&other), u64::MAX)
                .unwrap_err()
                .contains("another digest")
        );
        let text = String::from_utf8(good).unwrap();
        let typed = text.replace(ARTIFACT_TYPE, "application/x-other");
        assert!(check_manifest(typed.as_bytes(), Want::Pinned(&info().digest), u64::MAX).is_err());
        assert!(check_manifest(b"{", Want::Pinned(&info().digest), u64::MAX).is_err());
    }

    #[test]
    fn builds_and_pinned_artifacts_are_never_taken_for_each_other() {
        let layer = format!("sha256:{}", "a".repeat(64));
        let key = "0123456789abcdef0123456789abcdef";
        let built = artifact_manifest(
            &ArtifactInfo {
                build: Some(key.into()),
                ..info()
            },
            &layer,
            5,
        );
        let digest = info().digest;
        let want = Want::Built {
            source: &digest,
            key,
        };
        assert!(check_manifest(&built, want, u64::MAX).is_ok());
        let text = String::from_utf8(built.clone()).unwrap();
        assert!(text.contains(&format!("\"{key}-hello.tar.gz\"")), "{text}");
        let err = check_manifest(&built, Want::Pinned(&digest), u64::MAX).unwrap_err();
        assert!(err.contains("holds a build"), "{err}");
        let other = Want::Built {
            source: &digest,
            key: "ffffffffffffffffffffffffffffffff",
        };
        let err = check_manifest(&built, other, u64::MAX).unwrap_err();
        assert!(err.contains("another build"), "{err}");
        let plain = artifact_manifest(&info(), &layer, 5);
        assert!(check_manifest(&plain, want, u64::MAX).is_err());
        let desc = check_manifest(&built, want, u64::MAX).unwrap();
        let wrong = Digest::of(Algorithm::Sha256, b"other");
        assert!(want.check_layer(&desc, &wrong).is_err());
        assert_eq!(build_tag(key), format!("build-{key}"));
    }

    #[test]
    fn the_empty_digest_is_the_empty_object() {
        assert_eq!(
            Digest::of(Algorithm::Sha256, EMPTY_BLOB).to_string(),
            EMPTY_DIGEST
        );
    }
}
