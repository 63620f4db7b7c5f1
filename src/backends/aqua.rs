//! The `aqua` source: packages described in the format of the aqua
//! registry (`registry.yaml`: a list of `packages`), resolved to GitHub
//! release assets (`type: github_release`) or plain URLs (`type: http`).
//!
//! What is read of a package definition: `name`, `repo_owner`,
//! `repo_name`, `description`, `search_words`, `aliases`, `type`, `asset`,
//! `url`, `format`, `files`, `replacements`, `overrides` (by `goos` and
//! `goarch`), `supported_envs`, `rosetta2`, `version_prefix`,
//! `version_constraint` with `version_overrides`, and `checksum` (`type`
//! `github_release` or `http`, sha256). Templates are Go templates over
//! `.Version` (the tag), `.SemVer`, `.OS`, `.Arch`, `.Format` and `.Asset`
//! with the functions `trimV`, `trimPrefix`, `trimSuffix`, `title`,
//! `lower`, `upper` and `replace`. Version constraints are the expressions
//! `true`, `false`, `semver("...")` and `Version == "..."` joined by `&&`
//! and `||`; anything else matches nothing, so that part of a definition
//! is never used by mistake. Cosign, SLSA, minisign and attestation
//! settings are not verified (the README says so).
//!
//! Versions are the repository's GitHub releases, read through the
//! `github` backend's API (and its mirror setting); `http` downloads go
//! through the URL mirrors of [`super::Mirrors::rewrite`].

use super::github::{Api, Digests, GhRelease, version_of_tag};
use super::{Backend, Found, Mirrors, Opening, Source, checksums};
use crate::archive::Format;
use crate::digest::{Algorithm, Digest};
use crate::fetch::Fetcher;
use crate::platform::{Dialect, Platform};
use crate::ui;
use crate::version::{Constraint, Release, Version};
use anyhow::{Context, Result, anyhow, bail};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The `aqua` backend's registration. Its "server" is GitHub's API (the
/// registry itself is data: built in, or `[settings] registries`).
pub const BACKEND: super::BackendDef = super::BackendDef {
    name: "aqua",
    mirror_var: "DEVENV_GITHUB_API",
    default_url: "https://api.github.com",
    takes_packages: true,
    open: |o| Ok(Box::new(Aqua::open(o)?)),
};

/// The built-in registry: package definitions written for devenv in aqua's
/// format (see the file's header for how a full snapshot is added).
pub const BUILTIN: &str = include_str!("../aqua-registry.yaml");

/// The largest registry file read.
const MAX_REGISTRY_BYTES: usize = 64 * 1024 * 1024;

/// A `registry.yaml`.
#[derive(Debug, Clone, Deserialize)]
struct RegistryFile {
    #[serde(default)]
    packages: Vec<Package>,
}

/// One package definition.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct Package {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub repo_owner: Option<String>,
    #[serde(default)]
    pub repo_name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub search_words: Vec<String>,
    #[serde(default)]
    pub aliases: Vec<Alias>,
    #[serde(default)]
    pub version_prefix: Option<String>,
    #[serde(default)]
    pub version_constraint: Option<String>,
    #[serde(default)]
    pub version_overrides: Vec<VersionOverride>,
    #[serde(flatten)]
    pub fields: Fields,
}

/// Another name of a package.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct Alias {
    pub name: String,
}

/// The fields that version overrides and platform overrides may replace.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct Fields {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub asset: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub format: Option<String>,
    #[serde(default)]
    pub files: Option<Vec<FileDef>>,
    #[serde(default)]
    pub replacements: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub overrides: Option<Vec<Override>>,
    #[serde(default)]
    pub supported_envs: Option<Vec<String>>,
    #[serde(default)]
    pub checksum: Option<Checksum>,
    #[serde(default)]
    pub rosetta2: Option<bool>,
    #[serde(default)]
    pub no_asset: Option<bool>,
    #[serde(default)]
    pub error_message: Option<String>,
}

/// A `version_overrides` item.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct VersionOverride {
    #[serde(default)]
    pub version_constraint: Option<String>,
    #[serde(default)]
    pub version_prefix: Option<String>,
    #[serde(flatten)]
    pub fields: Fields,
}

/// An `overrides` item: fields for one OS and/or CPU.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct Override {
    #[serde(default)]
    pub goos: Option<String>,
    #[serde(default)]
    pub goarch: Option<String>,
    #[serde(flatten)]
    pub fields: Fields,
}

/// A command inside the artifact.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct FileDef {
    pub name: String,
    #[serde(default)]
    pub src: Option<String>,
}

/// Where the checksum of the asset is published.
#[derive(Debug, Clone, Deserialize, Default)]
pub struct Checksum {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub asset: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub algorithm: Option<String>,
    #[serde(default)]
    pub enabled: Option<bool>,
}

impl Fields {
    /// `self` with every field `top` sets replaced.
    fn overlay(&self, top: &Fields) -> Fields {
        Fields {
            kind: top.kind.clone().or_else(|| self.kind.clone()),
            asset: top.asset.clone().or_else(|| self.asset.clone()),
            url: top.url.clone().or_else(|| self.url.clone()),
            format: top.format.clone().or_else(|| self.format.clone()),
            files: top.files.clone().or_else(|| self.files.clone()),
            replacements: top
                .replacements
                .clone()
                .or_else(|| self.replacements.clone()),
            overrides: top.overrides.clone().or_else(|| self.overrides.clone()),
            supported_envs: top
                .supported_envs
                .clone()
                .or_else(|| self.supported_envs.clone()),
            checksum: top.checksum.clone().or_else(|| self.checksum.clone()),
            rosetta2: top.rosetta2.or(self.rosetta2),
            no_asset: top.no_asset.or(self.no_asset),
            error_message: top
                .error_message
                .clone()
                .or_else(|| self.error_message.clone()),
        }
    }
}

impl Package {
    /// `owner/name`: the `name` field, else `repo_owner/repo_name`.
    pub fn full_name(&self) -> String {
        match (&self.name, &self.repo_owner, &self.repo_name) {
            (Some(n), _, _) => n.clone(),
            (None, Some(o), Some(r)) => format!("{o}/{r}"),
            _ => String::new(),
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
}

/// Aqua package definitions, searched in order (first match wins).
#[derive(Debug, Clone, Default)]
pub struct Registry {
    pub packages: Vec<Package>,
}

impl Registry {
    /// The built-in registry (parsed once per process).
    pub fn builtin() -> Registry {
        static PARSED: std::sync::OnceLock<Registry> = std::sync::OnceLock::new();
        PARSED
            .get_or_init(|| {
                Registry::parse(BUILTIN, "the built-in aqua registry")
                    .expect("src/aqua-registry.yaml is a valid registry")
            })
            .clone()
    }

    /// Parses registry YAML read from `origin` (named in errors).
    pub fn parse(text: &str, origin: &str) -> Result<Registry> {
        if text.len() > MAX_REGISTRY_BYTES {
            bail!("{origin} is larger than {MAX_REGISTRY_BYTES} bytes; it is not a registry");
        }
        let file: RegistryFile = serde_yaml_ng::from_str(text)
            .map_err(|e| anyhow!("{origin} is not an aqua registry: {e}"))?;
        let packages: Vec<Package> = file
            .packages
            .into_iter()
            .filter(|p| !p.full_name().is_empty())
            .collect();
        for p in &packages {
            let kind = p.fields.kind.as_deref().unwrap_or("");
            if !matches!(kind, "github_release" | "http") {
                continue;
            }
            if kind == "http" && p.fields.url.is_none() && p.version_overrides.is_empty() {
                bail!(
                    "{origin}: package {} has type http but no url",
                    p.full_name()
                );
            }
        }
        Ok(Registry { packages })
    }

    /// Loads `[settings] registries` (files relative to `root`, or URLs),
    /// in order.
    pub fn load(
        extra: &[String],
        root: &std::path::Path,
        fetcher: &Fetcher,
        mirrors: &Mirrors,
    ) -> Result<Registry> {
        let mut packages = Vec::new();
        for place in extra {
            let text = if place.starts_with("https://") || place.starts_with("http://") {
                fetcher
                    .get_text(&mirrors.rewrite(place))
                    .with_context(|| format!("could not read the aqua registry {place}"))?
            } else {
                let path = root.join(place);
                read_file(&path).with_context(|| {
                    format!(
                        "could not read the aqua registry {place} (from `[settings] registries`)"
                    )
                })?
            };
            packages.extend(Registry::parse(&text, place)?.packages);
        }
        Ok(Registry { packages })
    }

    /// The package named `name`: its full name (`cli/cli`), or an alias.
    pub fn find(&self, name: &str) -> Option<&Package> {
        self.packages
            .iter()
            .find(|p| p.full_name() == name)
            .or_else(|| {
                self.packages
                    .iter()
                    .find(|p| p.aliases.iter().any(|a| a.name == name))
            })
    }
}

/// A registry file: a regular file under the size limit.
fn read_file(path: &std::path::Path) -> Result<String> {
    let meta = std::fs::metadata(path)
        .map_err(|e| anyhow!("{}: {}", path.display(), crate::error::io_reason(&e)))?;
    if !meta.is_file() || meta.len() > MAX_REGISTRY_BYTES as u64 {
        bail!(
            "{} is not a regular file under {MAX_REGISTRY_BYTES} bytes",
            path.display()
        );
    }
    std::fs::read_to_string(path)
        .map_err(|e| anyhow!("{}: {}", path.display(), crate::error::io_reason(&e)))
}

/// The values a template may use.
struct Vars<'a> {
    version: &'a str,
    semver: &'a str,
    os: &'a str,
    arch: &'a str,
    format: &'a str,
    asset: &'a str,
}

/// Renders a Go template of the subset aqua definitions use.
fn render(template: &str, vars: &Vars) -> Result<String> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find("}}")
            .ok_or_else(|| anyhow!("`{template}` has an unclosed `{{{{`"))?;
        let expr = rest[start + 2..start + end].trim().trim_matches('-').trim();
        out.push_str(
            &eval(expr, vars)
                .with_context(|| format!("cannot render the template `{template}`"))?,
        );
        rest = &rest[start + end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Words and quoted strings of one pipeline stage.
fn tokens(stage: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut chars = stage.trim().chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' {
            chars.next();
            let mut s = String::from("\"");
            loop {
                match chars.next() {
                    Some('"') => break,
                    Some('\\') => s.extend(chars.next()),
                    Some(c) => s.push(c),
                    None => bail!("a string is not closed"),
                }
            }
            out.push(s);
        } else {
            let mut s = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                s.push(c);
                chars.next();
            }
            out.push(s);
        }
    }
    Ok(out)
}

fn value(token: &str, vars: &Vars) -> Result<String> {
    if let Some(s) = token.strip_prefix('"') {
        return Ok(s.to_string());
    }
    Ok(match token {
        ".Version" => vars.version,
        ".SemVer" => vars.semver,
        ".OS" => vars.os,
        ".Arch" => vars.arch,
        ".Format" => vars.format,
        ".Asset" => vars.asset,
        other => bail!("`{other}` is not a value devenv knows"),
    }
    .to_string())
}

fn eval(expr: &str, vars: &Vars) -> Result<String> {
    let mut piped: Option<String> = None;
    for stage in expr.split('|') {
        let toks = tokens(stage)?;
        let Some((head, args)) = toks.split_first() else {
            bail!("an empty expression");
        };
        let mut values = args
            .iter()
            .map(|a| value(a, vars))
            .collect::<Result<Vec<_>>>()?;
        values.extend(piped.take());
        let result = if head.starts_with('.') || head.starts_with('"') {
            value(head, vars)?
        } else {
            call(head, &values)?
        };
        piped = Some(result);
    }
    Ok(piped.unwrap_or_default())
}

fn call(function: &str, args: &[String]) -> Result<String> {
    let arg = |i: usize| -> Result<&str> {
        args.get(i)
            .map(String::as_str)
            .ok_or_else(|| anyhow!("`{function}` needs {} arguments", i + 1))
    };
    Ok(match function {
        "trimV" => arg(0)?.strip_prefix('v').unwrap_or(arg(0)?).to_string(),
        "trimPrefix" => arg(1)?.strip_prefix(arg(0)?).unwrap_or(arg(1)?).to_string(),
        "trimSuffix" => arg(1)?.strip_suffix(arg(0)?).unwrap_or(arg(1)?).to_string(),
        "title" => {
            let s = arg(0)?;
            let mut c = s.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect())
                .unwrap_or_default()
        }
        "lower" => arg(0)?.to_lowercase(),
        "upper" => arg(0)?.to_uppercase(),
        "replace" => arg(2)?.replace(arg(0)?, arg(1)?),
        other => bail!("the template function `{other}` is not supported"),
    })
}

/// Whether an aqua version constraint expression holds for the release
/// tagged `tag` whose semantic version is `semver`.
pub fn constraint_holds(expr: &str, tag: &str, semver: &str) -> bool {
    expr.split("||").any(|any| {
        any.split("&&").all(|term| {
            let term = term.trim();
            if term == "true" {
                return true;
            }
            if term == "false" {
                return false;
            }
            if let Some(inner) = term
                .strip_prefix("semver(\"")
                .and_then(|t| t.strip_suffix("\")"))
            {
                return semver_holds(inner, semver);
            }
            for (op, want) in [("==", true), ("!=", false)] {
                if let Some((l, r)) = term.split_once(op)
                    && l.trim() == "Version"
                {
                    let r = r.trim().trim_matches('"');
                    return (r == tag) == want;
                }
            }
            false
        })
    })
}

/// `>= 1.2.0, < 2` (Masterminds syntax) through devenv's grammar.
fn semver_holds(range: &str, semver: &str) -> bool {
    let normalized: String = range
        .split(',')
        .map(|c| c.replace(' ', ""))
        .collect::<Vec<_>>()
        .join(",");
    let Ok(c) = normalized.parse::<Constraint>() else {
        return false;
    };
    let Some(v) = Version::parse(
        crate::version::Scheme::Semver,
        semver.trim_start_matches('v'),
    ) else {
        return false;
    };
    c.select(&[Release::new(v)]).is_ok()
}

/// What a package gives for one version and platform.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    /// `github_release` or `http`.
    pub kind: String,
    /// The asset name (`github_release`) or the URL (`http`).
    pub target: String,
    pub format: Format,
    /// `NAME=FILE` bin entries (empty: the backend's default).
    pub bin: Vec<String>,
    /// The checksum asset name (`github_release`) or URL (`http`).
    pub checksum: Option<(String, String)>,
}

/// Resolves `pkg` for the release tagged `tag` on `platform`.
pub fn resolve(pkg: &Package, tag: &str, platform: Platform) -> Result<Resolved> {
    let name = pkg.full_name();
    let (mut fields, prefix) = version_fields(pkg, tag);
    let semver = tag
        .strip_prefix(prefix.as_deref().unwrap_or(""))
        .unwrap_or(tag);
    if fields.no_asset == Some(true) {
        let why = fields.error_message.clone().unwrap_or_default();
        bail!("aqua:{name} {tag} has no downloadable asset {why}");
    }
    let (goos, mut goarch) = platform.names(Dialect::Go);
    let supported = |envs: &Option<Vec<String>>, arch: &str| {
        envs.as_ref().is_none_or(|envs| {
            envs.iter()
                .any(|e| e == "all" || e == goos || e == arch || *e == format!("{goos}/{arch}"))
        })
    };
    if !supported(&fields.supported_envs, goarch)
        && goos == "darwin"
        && goarch == "arm64"
        && fields.rosetta2 == Some(true)
        && supported(&fields.supported_envs, "amd64")
    {
        // aqua runs the Intel build under Rosetta 2 where no arm64 one exists.
        goarch = "amd64";
    }
    if !supported(&fields.supported_envs, goarch) {
        bail!(
            "aqua:{name} {tag} is not built for {platform} (its supported_envs are {})",
            fields.supported_envs.clone().unwrap_or_default().join(", ")
        );
    }
    if let Some(o) = fields
        .overrides
        .clone()
        .unwrap_or_default()
        .iter()
        .find(|o| {
            o.goos.as_deref().is_none_or(|g| g == goos)
                && o.goarch.as_deref().is_none_or(|a| a == goarch)
        })
    {
        fields = fields.overlay(&o.fields);
    }
    let kind = fields
        .kind
        .clone()
        .unwrap_or_else(|| "github_release".into());
    let replace = |k: &str| {
        fields
            .replacements
            .as_ref()
            .and_then(|r| r.get(k).cloned())
            .unwrap_or_else(|| k.to_string())
    };
    let (os, arch) = (replace(goos), replace(goarch));
    let format_name = fields.format.clone().unwrap_or_default();
    let mut vars = Vars {
        version: tag,
        semver,
        os: &os,
        arch: &arch,
        format: &format_name,
        asset: "",
    };
    let template = match kind.as_str() {
        "github_release" => fields.asset.clone(),
        "http" => fields.url.clone(),
        other => bail!(
            "aqua:{name} is of type `{other}`; devenv reads `github_release` and `http` packages"
        ),
    }
    .ok_or_else(|| {
        anyhow!(
            "aqua:{name} {tag} has no {} for {platform}",
            if kind == "http" { "url" } else { "asset" }
        )
    })?;
    let target = render(&template, &vars)?;
    let format = match format_name.as_str() {
        "" => Format::from_url(&target),
        "raw" => Format::Binary,
        "tar.gz" | "tgz" => Format::TarGz,
        "tar.xz" | "txz" => Format::TarXz,
        "tar.zst" => Format::TarZst,
        "zip" => Format::Zip,
        other => bail!("aqua:{name} {tag} comes as `{other}`, a format devenv does not unpack"),
    };
    let asset_base = target.rsplit('/').next().unwrap_or(&target).to_string();
    vars.asset = &asset_base;
    let bin = match format {
        // A bare binary is installed as `bin/<tool>`.
        Format::Binary => Vec::new(),
        _ => {
            let files = fields.files.clone().unwrap_or_else(|| {
                vec![FileDef {
                    name: pkg.short_name(),
                    src: None,
                }]
            });
            files
                .iter()
                .map(|f| {
                    let src = match &f.src {
                        Some(s) => render(s, &vars)?,
                        None => f.name.clone(),
                    };
                    Ok(format!("{}={}", f.name, src.trim_start_matches("./")))
                })
                .collect::<Result<Vec<_>>>()?
        }
    };
    let checksum = match &fields.checksum {
        Some(c) if c.enabled != Some(false) => {
            if let Some(alg) = c.algorithm.as_deref().filter(|a| *a != "sha256") {
                bail!("aqua:{name} publishes {alg} checksums; devenv verifies sha256 only");
            }
            match c.kind.as_deref() {
                Some("github_release") => c
                    .asset
                    .as_deref()
                    .map(|a| {
                        Ok::<_, anyhow::Error>(("github_release".to_string(), render(a, &vars)?))
                    })
                    .transpose()?,
                Some("http") => c
                    .url
                    .as_deref()
                    .map(|u| Ok::<_, anyhow::Error>(("http".to_string(), render(u, &vars)?)))
                    .transpose()?,
                _ => None,
            }
        }
        _ => None,
    };
    Ok(Resolved {
        kind,
        target,
        format,
        bin,
        checksum,
    })
}

/// The package's fields for the release tagged `tag`: the root fields when
/// its `version_constraint` holds (or it has none), else the first
/// `version_overrides` item whose constraint holds, over the root fields.
fn version_fields(pkg: &Package, tag: &str) -> (Fields, Option<String>) {
    let semver_of = |prefix: &Option<String>| {
        tag.strip_prefix(prefix.as_deref().unwrap_or(""))
            .unwrap_or(tag)
            .to_string()
    };
    let root_semver = semver_of(&pkg.version_prefix);
    let root_holds = pkg
        .version_constraint
        .as_deref()
        .is_none_or(|c| constraint_holds(c, tag, &root_semver));
    if !root_holds {
        for o in &pkg.version_overrides {
            let prefix = o
                .version_prefix
                .clone()
                .or_else(|| pkg.version_prefix.clone());
            let holds = o
                .version_constraint
                .as_deref()
                .is_some_and(|c| constraint_holds(c, tag, &semver_of(&prefix)));
            if holds {
                return (pkg.fields.overlay(&o.fields), prefix);
            }
        }
    }
    (pkg.fields.clone(), pkg.version_prefix.clone())
}

/// An aqua package, opened: its definition and its releases.
pub struct Aqua {
    package: Package,
    releases: Vec<Release>,
    /// Version → the release (its tag and assets).
    by_version: BTreeMap<String, GhRelease>,
    mirrors: Mirrors,
}

impl Aqua {
    pub fn open(o: &Opening) -> Result<Aqua> {
        let package = o
            .catalog
            .aqua
            .find(o.package)
            .cloned()
            .ok_or_else(|| {
                anyhow!(
                    "the aqua registry has no package `{}`; look for it with `devenv search`, or add a registry with `[settings] registries = [\"registry.yaml\"]`",
                    o.package
                )
            })?;
        let repo = package.repo().ok_or_else(|| {
            anyhow!(
                "aqua:{} names no repo_owner and repo_name, so devenv cannot list its versions",
                o.package
            )
        })?;
        let api = Api::new(&o.mirrors.base(Backend::named("github")));
        let mut by_version = BTreeMap::new();
        let mut releases = Vec::new();
        for r in api.releases(&repo, o.fetcher)? {
            let prefix = package.version_prefix.as_deref().unwrap_or("");
            let Some(rest) = r.tag_name.strip_prefix(prefix) else {
                continue;
            };
            let Some(v) = (if prefix.is_empty() {
                version_of_tag(rest)
            } else {
                Version::parse(crate::version::Scheme::Semver, rest.trim_start_matches('v'))
            }) else {
                continue;
            };
            if by_version.contains_key(v.as_str()) {
                continue;
            }
            let mut release = Release::new(v.clone());
            release.yanked = r.prerelease && !v.as_str().contains('-');
            by_version.insert(v.as_str().to_string(), r);
            releases.push(release);
        }
        Ok(Aqua {
            package,
            releases,
            by_version,
            mirrors: o.mirrors.clone(),
        })
    }

    fn label(&self, version: &str) -> String {
        format!("aqua:{} {version}", self.package.full_name())
    }
}

impl Source for Aqua {
    fn releases(&self) -> &[Release] {
        &self.releases
    }

    fn pin(
        &self,
        release: &Release,
        platforms: &[Platform],
        fetcher: &Fetcher,
    ) -> Result<BTreeMap<Platform, Found>> {
        let version = release.version.as_str();
        let r = &self.by_version[version];
        let digests = Digests::new(r, fetcher);
        let mut out = BTreeMap::new();
        for &platform in platforms {
            let res = resolve(&self.package, &r.tag_name, platform)?;
            let found = match res.kind.as_str() {
                "http" => self.pin_http(&res, version, fetcher)?,
                _ => self.pin_asset(&res, r, &digests, version)?,
            };
            out.insert(platform, found);
        }
        Ok(out)
    }
}

impl Aqua {
    fn pin_asset(
        &self,
        res: &Resolved,
        r: &GhRelease,
        digests: &Digests,
        version: &str,
    ) -> Result<Found> {
        let asset = r
            .assets
            .iter()
            .find(|a| a.name == res.target)
            .ok_or_else(|| {
                anyhow!(
                    "{}: the release {} has no asset `{}`",
                    self.label(version),
                    r.tag_name,
                    res.target
                )
            })?;
        let (digest, from) = match &res.checksum {
            Some((_, file)) => {
                let sums = r.assets.iter().find(|a| &a.name == file).ok_or_else(|| {
                    anyhow!(
                        "{}: the checksum file `{file}` its definition names is not in the release {}",
                        self.label(version),
                        r.tag_name
                    )
                })?;
                let text = digests.file(sums)?;
                let d = checksums::sha256_for(&text, file, &asset.name)?.ok_or_else(|| {
                    anyhow!(
                        "{}: {file} lists no sha256 for {}",
                        self.label(version),
                        asset.name
                    )
                })?;
                (d, format!("checksum file {file}"))
            }
            None => digests.of(asset, &self.label(version))?,
        };
        Ok(Found {
            url: asset.browser_download_url.clone(),
            digest,
            format: res.format,
            bin: res.bin.clone(),
            digest_from: Some(from),
            home: None,
            parts: Vec::new(),
            layout: None,
        })
    }

    fn pin_http(&self, res: &Resolved, version: &str, fetcher: &Fetcher) -> Result<Found> {
        let url = self.mirrors.rewrite(&res.target);
        let (digest, from): (Digest, String) = match &res.checksum {
            Some((_, sums_url)) => {
                let sums_url = self.mirrors.rewrite(sums_url);
                let text = fetcher.get_text(&sums_url)?;
                let file = sums_url.rsplit('/').next().unwrap_or(&sums_url);
                let asset = res.target.rsplit('/').next().unwrap_or(&res.target);
                let d = checksums::sha256_for(&text, file, asset)?.ok_or_else(|| {
                    anyhow!(
                        "{}: {sums_url} lists no sha256 for {asset}",
                        self.label(version)
                    )
                })?;
                (d, format!("checksum file {file}"))
            }
            None => {
                let d = fetcher.digest_of(&url, Algorithm::Sha256)?;
                ui::info(format!(
                    "{}: its definition names no checksum, so the download was trusted on first use and its digest {d} recorded in devenv.lock",
                    self.label(version)
                ));
                (d, "trust on first use".into())
            }
        };
        Ok(Found {
            url,
            digest,
            format: res.format,
            bin: res.bin.clone(),
            digest_from: Some(from),
            home: None,
            parts: Vec::new(),
            layout: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape of aqua-registry's `pkgs/*/registry.yaml` (hand-written).
    const YAML: &str = r#"
packages:
  - type: github_release
    repo_owner: example
    repo_name: tool
    description: A tool
    asset: tool_{{trimV .Version}}_{{.OS}}_{{.Arch}}.{{.Format}}
    format: tar.gz
    replacements:
      darwin: macOS
    overrides:
      - goos: darwin
        format: zip
    files:
      - name: tool
        src: tool_{{trimV .Version}}_{{.OS}}_{{.Arch}}/bin/tool
    supported_envs: [linux, darwin/arm64]
    version_constraint: semver(">= 2.0.0")
    version_overrides:
      - version_constraint: semver(">= 1.0.0, < 2.0.0")
        asset: old-tool-{{.Version}}-{{.OS}}-{{.Arch}}
        format: raw
        rosetta2: true
        supported_envs: [linux, darwin/amd64]
      - version_constraint: "true"
        no_asset: true
        error_message: too old
    checksum:
      type: github_release
      asset: checksums.txt
      algorithm: sha256
"#;

    fn p(s: &str) -> Platform {
        s.parse().unwrap()
    }

    #[test]
    fn renders_assets_with_replacements_and_overrides() {
        let reg = Registry::parse(YAML, "test").unwrap();
        let pkg = reg.find("example/tool").unwrap();
        let r = resolve(pkg, "v2.1.0", p("linux-x86_64")).unwrap();
        assert_eq!(r.target, "tool_2.1.0_linux_amd64.tar.gz");
        assert_eq!(r.format, Format::TarGz);
        assert_eq!(r.bin, vec!["tool=tool_2.1.0_linux_amd64/bin/tool"]);
        assert_eq!(
            r.checksum,
            Some(("github_release".into(), "checksums.txt".into()))
        );
        let r = resolve(pkg, "v2.1.0", p("macos-aarch64")).unwrap();
        assert_eq!(r.target, "tool_2.1.0_macOS_arm64.zip");
        let err = resolve(pkg, "v2.1.0", p("macos-x86_64"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("not built for macos-x86_64"), "{err}");
    }

    #[test]
    fn version_overrides_pick_the_fields_of_old_releases() {
        let reg = Registry::parse(YAML, "test").unwrap();
        let pkg = reg.find("example/tool").unwrap();
        let r = resolve(pkg, "v1.5.0", p("linux-aarch64")).unwrap();
        assert_eq!(r.target, "old-tool-v1.5.0-linux-arm64");
        assert_eq!(r.format, Format::Binary);
        // No arm64 macOS build then: Rosetta 2 runs the Intel one.
        let r = resolve(pkg, "v1.5.0", p("macos-aarch64")).unwrap();
        assert_eq!(r.target, "old-tool-v1.5.0-macOS-amd64");
        let err = resolve(pkg, "v0.9.0", p("linux-x86_64"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("no downloadable asset too old"), "{err}");
    }

    #[test]
    fn templates_and_constraints() {
        let vars = Vars {
            version: "v1.2.3",
            semver: "v1.2.3",
            os: "darwin",
            arch: "arm64",
            format: "zip",
            asset: "a.zip",
        };
        assert_eq!(
            render(
                "{{title .OS}}-{{.Version | trimV}}-{{trimPrefix \"v\" .Version}}-{{.Asset}}",
                &vars
            )
            .unwrap(),
            "Darwin-1.2.3-1.2.3-a.zip"
        );
        let err = format!("{:#}", render("{{.Nope}}", &vars).unwrap_err());
        assert!(err.contains("`.Nope`"), "{err}");
        assert!(constraint_holds("semver(\">= 1.0.0\")", "v1.2.3", "1.2.3"));
        assert!(!constraint_holds("semver(\"< 1.0.0\")", "v1.2.3", "1.2.3"));
        assert!(constraint_holds("Version == \"v1.2.3\"", "v1.2.3", "1.2.3"));
        assert!(constraint_holds("false || true", "v1", "1"));
        assert!(!constraint_holds("someFunc(Version)", "v1", "1"));
    }

    #[test]
    fn the_builtin_registry_reads_and_resolves() {
        let reg = Registry::builtin();
        for name in [
            "jqlang/jq",
            "cli/cli",
            "kubernetes/kubectl",
            "helm/helm",
            "BurntSushi/ripgrep",
            "golangci/golangci-lint",
            "protocolbuffers/protobuf",
            "sharkdp/fd",
            "sharkdp/bat",
            "mikefarah/yq",
            "koalaman/shellcheck",
            "hadolint/hadolint",
            "junegunn/fzf",
            "casey/just",
            "dandavison/delta",
        ] {
            let pkg = reg.find(name).unwrap_or_else(|| panic!("{name}"));
            for plat in ["linux-x86_64", "linux-aarch64", "macos-aarch64"] {
                resolve(pkg, "v1.2.3", p(plat)).unwrap_or_else(|e| panic!("{name} {plat}: {e}"));
            }
        }
        let rg = resolve(
            reg.find("BurntSushi/ripgrep").unwrap(),
            "14.1.1",
            p("linux-x86_64"),
        )
        .unwrap();
        assert_eq!(rg.target, "ripgrep-14.1.1-x86_64-unknown-linux-musl.tar.gz");
        let bat = reg.find("sharkdp/bat").unwrap();
        let arm = resolve(bat, "v0.24.0", p("linux-aarch64")).unwrap();
        assert_eq!(arm.target, "bat-v0.24.0-aarch64-unknown-linux-gnu.tar.gz");
        let hadolint = reg.find("hadolint/hadolint").unwrap();
        let mac = resolve(hadolint, "v2.12.0", p("macos-aarch64")).unwrap();
        assert_eq!(mac.target, "hadolint-Darwin-x86_64");
        assert_eq!(
            rg.checksum.unwrap().1,
            "ripgrep-14.1.1-x86_64-unknown-linux-musl.tar.gz.sha256"
        );
        let err = Registry::parse(
            "packages: [{type: http, repo_owner: a, repo_name: b}]",
            "x.yaml",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("x.yaml: package a/b has type http but no url"),
            "{err}"
        );
        let err = Registry::parse("packages: 3", "x.yaml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("x.yaml is not an aqua registry"), "{err}");
    }
}
