//! Aqua registry files: the package definition types, the built-in
//! registry (aqua's own, converted by `cargo run -p xtask -- aqua` into
//! `data/aqua/registry.jsonl`: one JSON record a line, looked up through
//! an index compiled by build.rs, so finding one package reads one line),
//! and the registries of projects (YAML files and URLs).

pub mod compact;
pub mod expr;
pub mod template;

use anyhow::{Result, anyhow, bail};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The built-in registry: one package definition a line, in the order of
/// aqua's `registry.yaml` (see `data/aqua/SOURCE.md`).
pub const BUILTIN: &str = include_str!("../data/aqua/registry.jsonl");

/// The upstream commit of the built-in registry.
pub const BUILTIN_COMMIT: &str = include_str!("../data/aqua/COMMIT");

/// The largest registry file read.
pub const MAX_REGISTRY_BYTES: usize = 64 * 1024 * 1024;

/// The deepest nesting a registry file may have. aqua's own registry nests
/// about ten levels; the YAML parser takes quadratic time on deep nesting
/// (a 234 KiB file of `[` took over 30 s of CPU), so depth is checked by a
/// linear scan before the parser sees the text.
pub const MAX_REGISTRY_DEPTH: usize = 64;

/// The nesting depth of YAML `text` as far as it matters for parsing cost:
/// block indentation levels, `- ` entries started on one line, and flow
/// collections (`[`, `{`) outside quotes and comments. Stops counting, and
/// answers, as soon as `limit` is passed.
pub fn yaml_depth(text: &str, limit: usize) -> usize {
    // Where a `[`, `{` or quote opens a collection or a quoted scalar
    // (elsewhere they are part of a plain scalar: `asset: x[1]`).
    let opens = |p: char| matches!(p, '\n' | ':' | '-' | ',' | '[' | '{' | '?');
    let mut deepest = 0;
    let mut indents: Vec<usize> = Vec::new();
    let mut flow = 0usize;
    let mut quote: Option<char> = None;
    // The indentation of a key whose value is a block scalar (`|`, `>`):
    // lines indented deeper are text, not structure.
    let mut scalar_of: Option<usize> = None;
    for line in text.lines() {
        let body = line.trim_start_matches(' ');
        let indent = line.len() - body.len();
        let structural = flow == 0 && quote.is_none();
        if structural {
            if body.is_empty() || body.starts_with('#') {
                continue;
            }
            match scalar_of {
                Some(i) if indent > i => continue,
                _ => scalar_of = None,
            }
            while indents.last().is_some_and(|&i| i >= indent) {
                indents.pop();
            }
            indents.push(indent);
        }
        let mut dashes = 0;
        let mut at_start = structural;
        let mut prev = if structural { '\n' } else { ',' };
        let mut spaced = true;
        let mut chars = body.chars().peekable();
        while let Some(c) = chars.next() {
            if let Some(q) = quote {
                if q == '"' && c == '\\' {
                    chars.next();
                } else if c == q {
                    quote = None;
                    prev = c;
                }
                spaced = false;
                continue;
            }
            match c {
                ' ' | '\t' => {
                    spaced = true;
                    continue;
                }
                '#' if spaced => break,
                '-' if at_start && chars.peek().is_none_or(|n| *n == ' ') => {
                    // `- - [x]`: each entry marker nests, and the line
                    // still starts after it.
                    dashes += 1;
                    spaced = false;
                    continue;
                }
                '"' | '\'' if opens(prev) => quote = Some(c),
                '[' | '{' if flow > 0 || opens(prev) => flow += 1,
                ']' | '}' if flow > 0 => flow -= 1,
                _ => {}
            }
            at_start = false;
            spaced = false;
            prev = c;
            deepest = deepest.max(indents.len() + dashes + flow);
            if deepest > limit {
                return deepest;
            }
        }
        let end = body.split(" #").next().unwrap_or("").trim_end();
        let indicator = end.trim_end_matches(|c: char| c == '-' || c == '+' || c.is_ascii_digit());
        if flow == 0
            && quote.is_none()
            && (indicator.ends_with(": |")
                || indicator.ends_with(": >")
                || indicator.ends_with("- |")
                || indicator.ends_with("- >"))
        {
            scalar_of = Some(indent);
        }
        deepest = deepest.max(indents.len() + dashes + flow);
    }
    deepest
}

/// A `registry.yaml`.
#[derive(Debug, Clone, Deserialize)]
struct RegistryFile {
    #[serde(default)]
    packages: Vec<Package>,
}

/// One package definition.
#[derive(Debug, Clone, Deserialize, Serialize, Default, PartialEq)]
pub struct Package {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) repo_owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) repo_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub search_words: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<Alias>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_constraint: Option<String>,
    /// Which tags are versions at all (an expression, like constraints).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_filter: Option<String>,
    /// `github_tag`: versions are the repository's tags, not its releases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_source: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub version_overrides: Vec<VersionOverride>,
    #[serde(flatten)]
    pub fields: Fields,
}

/// Another name of a package.
#[derive(Debug, Clone, Deserialize, Serialize, Default, PartialEq)]
pub struct Alias {
    pub name: String,
}

/// The fields that version overrides and platform overrides may replace.
#[derive(Debug, Clone, Deserialize, Serialize, Default, PartialEq)]
pub struct Fields {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The file of a `github_content` package, or the Go package of a
    /// `go_install` one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The crate of a `cargo` package.
    #[serde(rename = "crate", default, skip_serializing_if = "Option::is_none")]
    pub crate_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<Vec<FileDef>>,
    #[serde(
        default,
        deserialize_with = "replacements",
        skip_serializing_if = "Option::is_none"
    )]
    pub replacements: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overrides: Option<Vec<Override>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supported_envs: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<Checksum>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rosetta2: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_asset: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// `.Vars.NAME` of templates, with their defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vars: Option<Vec<VarDef>>,
    /// A cosign signature of the asset itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cosign: Option<Cosign>,
    /// SLSA provenance of the asset (an in-toto attestation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slsa_provenance: Option<SlsaProvenance>,
    /// A minisign signature of the asset itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minisign: Option<Minisign>,
    /// GitHub artifact attestations of the asset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub github_artifact_attestations: Option<GithubArtifactAttestations>,
}

/// A file a signature declaration names: a release asset (`type:
/// github_release`, of the package's repository unless `repo_owner` and
/// `repo_name` say another) or a URL (`type: http`). Templates intact.
#[derive(Debug, Clone, Deserialize, Serialize, Default, PartialEq)]
pub struct DownloadedFile {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo_owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// `cosign`: what `cosign verify-blob` is given, as aqua runs it: its
/// `opts` (`--certificate-identity[-regexp]`, `--certificate-oidc-issuer`,
/// `--key URL`, `--signature URL`, `--certificate URL`) and the files.
#[derive(Debug, Clone, Deserialize, Serialize, Default, PartialEq)]
pub struct Cosign {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opts: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<DownloadedFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<DownloadedFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<DownloadedFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundle: Option<DownloadedFile>,
}

/// `slsa_provenance`: where the provenance (`*.intoto.jsonl`) is.
#[derive(Debug, Clone, Deserialize, Serialize, Default, PartialEq)]
pub struct SlsaProvenance {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(flatten)]
    pub file: DownloadedFile,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_tag: Option<String>,
}

/// `minisign`: where the `.minisig` is, and the public key (`RW...`).
#[derive(Debug, Clone, Deserialize, Serialize, Default, PartialEq)]
pub struct Minisign {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(flatten)]
    pub file: DownloadedFile,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key: Option<String>,
}

/// `github_artifact_attestations`: the workflow that must have signed (a
/// regular expression, as `gh attestation verify --signer-workflow`).
#[derive(Debug, Clone, Deserialize, Serialize, Default, PartialEq)]
pub struct GithubArtifactAttestations {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predicate_type: Option<String>,
    /// Two definitions spell it `signer-workflow`.
    #[serde(
        default,
        alias = "signer-workflow",
        skip_serializing_if = "Option::is_none"
    )]
    pub signer_workflow: Option<String>,
}

impl Cosign {
    /// Whether the declaration is in force (`enabled: false` turns it off).
    pub fn enabled(&self) -> bool {
        self.enabled != Some(false)
    }
}

impl SlsaProvenance {
    pub fn enabled(&self) -> bool {
        self.enabled != Some(false)
    }
}

impl Minisign {
    pub fn enabled(&self) -> bool {
        self.enabled != Some(false)
    }
}

impl GithubArtifactAttestations {
    pub fn enabled(&self) -> bool {
        self.enabled != Some(false)
    }
}

/// A `vars` item: a value templates read as `.Vars.NAME`.
#[derive(Debug, Clone, Deserialize, Serialize, Default, PartialEq)]
pub struct VarDef {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
}

/// A `version_overrides` item.
#[derive(Debug, Clone, Deserialize, Serialize, Default, PartialEq)]
pub struct VersionOverride {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_constraint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_prefix: Option<String>,
    #[serde(flatten)]
    pub fields: Fields,
}

/// An `overrides` item: fields for one OS and/or CPU (and C library).
#[derive(Debug, Clone, Deserialize, Serialize, Default, PartialEq)]
pub struct Override {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goos: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goarch: Option<String>,
    /// Conditions beyond the platform: `{key: libc, value: musl}`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<Variant>,
    #[serde(flatten)]
    pub fields: Fields,
}

/// A condition of an override beyond OS and CPU.
#[derive(Debug, Clone, Deserialize, Serialize, Default, PartialEq)]
pub struct Variant {
    pub key: String,
    pub value: String,
}

/// A command inside the artifact.
#[derive(Debug, Clone, Deserialize, Serialize, Default, PartialEq)]
pub struct FileDef {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub src: Option<String>,
}

/// Where the checksum of the asset is published.
#[derive(Debug, Clone, Deserialize, Serialize, Default, PartialEq)]
pub struct Checksum {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// A cosign signature of the checksum file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cosign: Option<Cosign>,
    /// A minisign signature of the checksum file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minisign: Option<Minisign>,
    /// GitHub artifact attestations of the checksum file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub github_artifact_attestations: Option<GithubArtifactAttestations>,
}

/// `replacements` with YAML's integer keys (`386:`) read as their text.
fn replacements<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<BTreeMap<String, String>>, D::Error> {
    #[derive(PartialEq, Eq, PartialOrd, Ord)]
    struct Key(String);
    impl<'de> Deserialize<'de> for Key {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Key, D::Error> {
            struct V;
            impl serde::de::Visitor<'_> for V {
                type Value = Key;
                fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                    f.write_str("an OS or CPU name")
                }
                fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Key, E> {
                    Ok(Key(s.to_string()))
                }
                fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Key, E> {
                    Ok(Key(n.to_string()))
                }
                fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Key, E> {
                    Ok(Key(n.to_string()))
                }
            }
            d.deserialize_any(V)
        }
    }
    let map: Option<BTreeMap<Key, String>> = Option::deserialize(d)?;
    Ok(map.map(|m| m.into_iter().map(|(k, v)| (k.0, v)).collect()))
}

impl Fields {
    /// `self` with every field `top` sets replaced.
    pub fn overlay(&self, top: &Fields) -> Fields {
        fn pick<T: Clone>(top: &Option<T>, base: &Option<T>) -> Option<T> {
            top.clone().or_else(|| base.clone())
        }
        Fields {
            kind: pick(&top.kind, &self.kind),
            asset: pick(&top.asset, &self.asset),
            url: pick(&top.url, &self.url),
            path: pick(&top.path, &self.path),
            crate_name: pick(&top.crate_name, &self.crate_name),
            format: pick(&top.format, &self.format),
            files: pick(&top.files, &self.files),
            replacements: pick(&top.replacements, &self.replacements),
            overrides: pick(&top.overrides, &self.overrides),
            supported_envs: pick(&top.supported_envs, &self.supported_envs),
            checksum: pick(&top.checksum, &self.checksum),
            rosetta2: top.rosetta2.or(self.rosetta2),
            no_asset: top.no_asset.or(self.no_asset),
            error_message: pick(&top.error_message, &self.error_message),
            vars: pick(&top.vars, &self.vars),
            cosign: pick(&top.cosign, &self.cosign),
            slsa_provenance: pick(&top.slsa_provenance, &self.slsa_provenance),
            minisign: pick(&top.minisign, &self.minisign),
            github_artifact_attestations: pick(
                &top.github_artifact_attestations,
                &self.github_artifact_attestations,
            ),
        }
    }

    /// `self` with an `overrides` item's fields: as [`Fields::overlay`],
    /// but its `replacements` add to the ones in force (aqua merges them).
    pub fn overlay_platform(&self, top: &Fields) -> Fields {
        let mut out = self.overlay(top);
        if let (Some(base), Some(extra)) = (&self.replacements, &top.replacements) {
            let mut merged = base.clone();
            merged.extend(extra.iter().map(|(k, v)| (k.clone(), v.clone())));
            out.replacements = Some(merged);
        }
        out
    }

    /// Every template of these fields and their overrides, with where it
    /// stands (for [`Package::check`]).
    fn templates(&self, at: &str, out: &mut Vec<(String, String)>) {
        let mut add = |what: &str, t: &Option<String>| {
            if let Some(t) = t {
                out.push((format!("{at}{what}"), t.clone()));
            }
        };
        add("asset", &self.asset);
        add("url", &self.url);
        add("path", &self.path);
        if let Some(c) = &self.checksum {
            add("checksum.asset", &c.asset);
            add("checksum.url", &c.url);
            if let Some(cosign) = &c.cosign {
                cosign.templates(&format!("{at}checksum.cosign."), out);
            }
            if let Some(m) = &c.minisign {
                m.file.templates(&format!("{at}checksum.minisign."), out);
            }
        }
        if let Some(cosign) = &self.cosign {
            cosign.templates(&format!("{at}cosign."), out);
        }
        if let Some(m) = &self.minisign {
            m.file.templates(&format!("{at}minisign."), out);
        }
        if let Some(s) = &self.slsa_provenance {
            s.file.templates(&format!("{at}slsa_provenance."), out);
        }
        for f in self.files.iter().flatten() {
            if let Some(src) = &f.src {
                out.push((format!("{at}files[{}].src", f.name), src.clone()));
            }
        }
        for (i, o) in self.overrides.iter().flatten().enumerate() {
            o.fields.templates(&format!("{at}overrides[{i}]."), out);
        }
    }
}

impl DownloadedFile {
    fn templates(&self, at: &str, out: &mut Vec<(String, String)>) {
        for (what, t) in [("asset", &self.asset), ("url", &self.url)] {
            if let Some(t) = t {
                out.push((format!("{at}{what}"), t.clone()));
            }
        }
    }
}

impl Cosign {
    fn templates(&self, at: &str, out: &mut Vec<(String, String)>) {
        for (i, o) in self.opts.iter().flatten().enumerate() {
            out.push((format!("{at}opts[{i}]"), o.clone()));
        }
        for (what, f) in [
            ("signature", &self.signature),
            ("certificate", &self.certificate),
            ("key", &self.key),
            ("bundle", &self.bundle),
        ] {
            if let Some(f) = f {
                f.templates(&format!("{at}{what}."), out);
            }
        }
    }
}

/// The package types devenv installs.
pub const KINDS: &[&str] = &["github_release", "http", "github_archive", "github_content"];

impl Package {
    /// `owner/name`: the `name` field, else `repo_owner/repo_name`, else
    /// (a Go package) its `path`.
    pub fn full_name(&self) -> String {
        match (&self.name, &self.repo_owner, &self.repo_name) {
            (Some(n), _, _) => n.clone(),
            (None, Some(o), Some(r)) => format!("{o}/{r}"),
            _ => self.fields.path.clone().unwrap_or_default(),
        }
    }

    /// The command-like short name: the last part of the full name.
    pub fn short_name(&self) -> String {
        let full = self.full_name();
        full.rsplit('/').next().unwrap_or(&full).to_string()
    }

    /// `owner/repo` whose GitHub releases list the versions.
    pub fn repo(&self) -> Option<String> {
        Some(format!(
            "{}/{}",
            self.repo_owner.as_deref()?,
            self.repo_name.as_deref()?
        ))
    }

    /// The names a catalog gives the package: its short name, then its
    /// commands' (`files`, of any version).
    pub fn names(&self) -> Vec<String> {
        let mut names = vec![self.short_name()];
        let files = self.fields.files.iter().flatten().chain(
            self.version_overrides
                .iter()
                .flat_map(|o| o.fields.files.iter().flatten()),
        );
        for f in files {
            if !names.contains(&f.name) {
                names.push(f.name.clone());
            }
        }
        names.retain(|n| !n.is_empty());
        names
    }

    /// Whether the definition names where checksums are published (for
    /// any version).
    pub fn publishes_checksums(&self) -> bool {
        fn of(f: &Fields) -> bool {
            f.checksum
                .as_ref()
                .is_some_and(|c| c.enabled != Some(false))
                || f.overrides.iter().flatten().any(|o| of(&o.fields))
        }
        of(&self.fields) || self.version_overrides.iter().any(|o| of(&o.fields))
    }

    /// Reads every expression and template of the definition, so that
    /// a fault is reported once, naming the package and the field, not
    /// when some version meets it.
    pub fn check(&self) -> Result<()> {
        let name = self.full_name();
        let exprs = std::iter::once(("version_constraint".to_string(), &self.version_constraint))
            .chain(std::iter::once((
                "version_filter".to_string(),
                &self.version_filter,
            )))
            .chain(self.version_overrides.iter().enumerate().map(|(i, o)| {
                (
                    format!("version_overrides[{i}].version_constraint"),
                    &o.version_constraint,
                )
            }));
        for (at, e) in exprs {
            if let Some(e) = e {
                expr::parse(e).map_err(|err| anyhow!("aqua package {name}, {at}: {err}"))?;
            }
        }
        let mut templates = Vec::new();
        self.fields.templates("", &mut templates);
        for (i, o) in self.version_overrides.iter().enumerate() {
            o.fields
                .templates(&format!("version_overrides[{i}]."), &mut templates);
        }
        for (at, t) in templates {
            let parsed = template::Template::parse(&t)
                .map_err(|err| anyhow!("aqua package {name}, {at}: {err}"))?;
            for f in parsed.fields() {
                if !(template::FIELDS.contains(&f.as_str()) || f.starts_with("Vars.")) {
                    bail!("aqua package {name}, {at}: `.{f}` is not a value of aqua templates");
                }
            }
        }
        Ok(())
    }
}

/// Which package of `packages` each catalog name goes to: short names
/// first (the first package of a name wins), then the commands no short
/// name took. build.rs applies the same rule to the built-in registry.
pub fn claims(packages: &[Package]) -> BTreeMap<String, usize> {
    let mut claims = BTreeMap::new();
    // Short names: packages that download first, then those built from a
    // crate (`crates.io/bat` must not take `bat` from sharkdp/bat).
    let built = |p: &Package| p.fields.kind.as_deref() == Some("cargo");
    for pass in [false, true] {
        for (i, p) in packages.iter().enumerate() {
            if built(p) == pass && !p.full_name().is_empty() && !p.short_name().is_empty() {
                claims.entry(p.short_name()).or_insert(i);
            }
        }
    }
    for (i, p) in packages.iter().enumerate() {
        if p.full_name().is_empty() {
            continue;
        }
        for name in p.names().into_iter().skip(1) {
            claims.entry(name).or_insert(i);
        }
    }
    claims
}

/// Aqua package definitions: a project's, searched in order (first match
/// wins), then the built-in ones.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    pub packages: Vec<Package>,
    /// Whether the built-in registry follows `packages`.
    pub builtin: bool,
}

/// The record of the built-in package `name` (full name or alias): its
/// line of [`BUILTIN`], found by a binary search of the compiled index.
pub fn builtin_record(name: &str) -> Option<&'static str> {
    index::record(name)
}

/// Every built-in package, parsed (for search and the tests: the lookups
/// of other commands read one record).
pub fn builtin_packages() -> Vec<Package> {
    crate::ui::verbose("parsing the built-in aqua registry, every package");
    BUILTIN
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

mod index {
    /// A string of the index text, or a record of [`super::BUILTIN`].
    #[derive(Clone, Copy)]
    struct Span(u32, u32);

    /// A name or alias, and its record.
    struct Key {
        name: Span,
        record: Span,
    }

    include!(concat!(env!("OUT_DIR"), "/aqua_index.rs"));

    fn text(s: Span) -> &'static str {
        &KEY_TEXT[s.0 as usize..(s.0 + s.1) as usize]
    }

    pub(super) fn record(name: &str) -> Option<&'static str> {
        let i = KEYS.binary_search_by(|k| text(k.name).cmp(name)).ok()?;
        let r = KEYS[i].record;
        super::BUILTIN.get(r.0 as usize..(r.0 + r.1) as usize)
    }
}

impl Registry {
    /// The built-in registry: nothing is parsed until a package is looked up.
    pub fn builtin() -> Registry {
        Registry {
            packages: Vec::new(),
            builtin: true,
        }
    }

    /// Parses registry YAML read from `origin` (named in errors).
    pub fn parse(text: &str, origin: &str) -> Result<Registry> {
        if text.len() > MAX_REGISTRY_BYTES {
            bail!("{origin} is larger than {MAX_REGISTRY_BYTES} bytes; it is not a registry");
        }
        if yaml_depth(text, MAX_REGISTRY_DEPTH) > MAX_REGISTRY_DEPTH {
            bail!(
                "{origin} nests deeper than {MAX_REGISTRY_DEPTH} levels; it is not a registry (aqua's own nests about ten)"
            );
        }
        let file: RegistryFile = serde_yaml_ng::from_str(text)
            .map_err(|e| anyhow!("{origin} is not an aqua registry: {e}"))?;
        let packages: Vec<Package> = file
            .packages
            .into_iter()
            .filter(|p| !p.full_name().is_empty())
            .collect();
        for p in &packages {
            p.check().map_err(|e| anyhow!("{origin}: {e}"))?;
        }
        Ok(Registry {
            packages,
            builtin: false,
        })
    }

    /// The packages whose full name, aliases, description or search words
    /// contain `word` (any case): the project's, then the built-in ones
    /// they do not replace.
    pub fn search(&self, word: &str) -> Vec<Package> {
        let word = word.to_lowercase();
        let hit = |p: &Package| {
            p.full_name().to_lowercase().contains(&word)
                || p.aliases
                    .iter()
                    .any(|a| a.name.to_lowercase().contains(&word))
                || p.description
                    .as_deref()
                    .is_some_and(|d| d.to_lowercase().contains(&word))
                || p.search_words
                    .iter()
                    .any(|w| w.to_lowercase().contains(&word))
        };
        let mut out: Vec<Package> = self.packages.iter().filter(|p| hit(p)).cloned().collect();
        if self.builtin {
            crate::ui::verbose(
                "parsing the built-in aqua registry, the records that mention the word",
            );
            let own: Vec<String> = self.packages.iter().map(Package::full_name).collect();
            // A record can match only if its line holds the word (or each
            // `/`-separated part of it): the JSON writer escapes nothing
            // but quotes, backslashes and control characters, so only
            // lines that do are parsed.
            let plain = !word
                .chars()
                .any(|c| c == '"' || c == '\\' || c.is_control());
            out.extend(
                BUILTIN
                    .lines()
                    .filter(|line| {
                        let line = line.to_lowercase();
                        // `owner/name` is two fields of the record.
                        !plain || word.split('/').all(|part| line.contains(part))
                    })
                    .filter_map(|line| serde_json::from_str::<Package>(line).ok())
                    .filter(|p| hit(p) && !own.contains(&p.full_name())),
            );
        }
        // The best matches first (registry order among equals): the name
        // itself, then names that start with the word, then names and
        // aliases that hold it, then search words, then descriptions.
        let rank = |p: &Package| {
            let full = p.full_name().to_lowercase();
            let short = full.rsplit('/').next().unwrap_or(&full).to_string();
            let aliases: Vec<String> = p.aliases.iter().map(|a| a.name.to_lowercase()).collect();
            let named = |n: &str| n == word || n.rsplit('/').next() == Some(word.as_str());
            if named(&full) || aliases.iter().any(|a| named(a)) {
                0
            } else if short.starts_with(&word) {
                1
            } else if full.contains(&word) || aliases.iter().any(|a| a.contains(&word)) {
                2
            } else if p
                .search_words
                .iter()
                .any(|w| w.to_lowercase().contains(&word))
            {
                3
            } else {
                4
            }
        };
        out.sort_by_cached_key(rank);
        out
    }

    /// The package named `name`: its full name (`cli/cli`), or an alias.
    pub fn find(&self, name: &str) -> Option<Package> {
        self.packages
            .iter()
            .find(|p| p.full_name() == name)
            .or_else(|| {
                self.packages
                    .iter()
                    .find(|p| p.aliases.iter().any(|a| a.name == name))
            })
            .cloned()
            .or_else(|| {
                if !self.builtin {
                    return None;
                }
                let line = builtin_record(name)?;
                // The records are written by the generator and tested to
                // read; a record that does not is reported as not found
                // with the reason on `-v`.
                serde_json::from_str(line)
                    .map_err(|e| crate::ui::verbose(format!("built-in aqua record of {name}: {e}")))
                    .ok()
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_is_measured_before_parsing() {
        let registry = "packages:\n  - type: github_release\n    repo_owner: a\n    repo_name: b\n    asset: b-{{.OS}}[x].tgz # [\n    files:\n      - name: b\n        src: \"b-[{{.Version}}\"\n    description: |\n      [[[[ text, not structure\n      {{{{\n    overrides: [{goos: darwin, replacements: {amd64: x86_64}}]\n";
        assert_eq!(yaml_depth(registry, 64), 6, "{registry}");
        let flow = format!("packages: {}{}", "[".repeat(120_000), "]".repeat(120_000));
        assert_eq!(yaml_depth(&flow, 64), 65, "stops counting past the limit");
        let dashes = format!("packages:\n{}x\n", "- ".repeat(100));
        assert!(yaml_depth(&dashes, 64) > 64);
        let indented: String = (0..100)
            .map(|i| format!("{}k{i}:\n", " ".repeat(i)))
            .collect();
        assert!(yaml_depth(&indented, 64) > 64);
        let err = Registry::parse(&flow, "reg.yaml").unwrap_err().to_string();
        assert_eq!(
            err,
            "reg.yaml nests deeper than 64 levels; it is not a registry (aqua's own nests about ten)"
        );
    }

    /// The package named by the word comes first, before packages that
    /// merely mention it; and a short name two packages share goes to the
    /// one that downloads, not the one built from a crate.
    #[test]
    fn the_named_package_ranks_first_and_downloads_win_names_over_crates() {
        let reg = Registry::builtin();
        let first = |w: &str| reg.search(w)[0].full_name();
        assert_eq!(first("jq"), "jqlang/jq");
        assert_eq!(first("ripgrep"), "BurntSushi/ripgrep");
        assert_eq!(first("stedolan/jq"), "jqlang/jq");
        let all = builtin_packages();
        let claims = claims(&all);
        assert_eq!(all[claims["bat"]].full_name(), "sharkdp/bat");
        assert_eq!(all[claims["zizmor"]].full_name(), "zizmorcore/zizmor");
        assert_eq!(all[claims["broot"]].full_name(), "crates.io/broot");
    }

    #[test]
    fn search_finds_builtin_packages_by_name_alias_description_and_words() {
        let reg = Registry::builtin();
        let names =
            |w: &str| -> Vec<String> { reg.search(w).iter().map(Package::full_name).collect() };
        assert!(names("stedolan").contains(&"jqlang/jq".to_string()));
        assert!(names("VULNERABILITIES").contains(&"aquasecurity/trivy".to_string()));
        assert!(names("burntsushi/RIPGREP").contains(&"BurntSushi/ripgrep".to_string()));
        assert!(names("no-such-word-anywhere").is_empty());
        // Every package's full name finds it.
        let all = builtin_packages();
        for p in all.iter().step_by(97) {
            assert!(
                names(&p.full_name()).contains(&p.full_name()),
                "{}",
                p.full_name()
            );
        }
        // A project's package comes first, and replaces the built-in one.
        let mut project = Registry::parse(
            "packages:\n  - type: github_release\n    repo_owner: jqlang\n    repo_name: jq\n    description: ours\n",
            "p.yaml",
        )
        .unwrap();
        project.builtin = true;
        let hits = project.search("jqlang/jq");
        assert_eq!(hits[0].description.as_deref(), Some("ours"));
        assert_eq!(
            hits.iter().filter(|p| p.full_name() == "jqlang/jq").count(),
            1
        );
    }
}
