//! One package definition, one release, one platform → what to download,
//! or the reason the definition itself gives for there being nothing.

use super::declared::{Declared, Place};
use anyhow::anyhow;
use devenv_model::aqua::expr::{self, Env};
use devenv_model::aqua::template::{Data, Template};
use devenv_model::aqua::{Fields, FileDef, Package};
use devenv_model::archive::Format;
use devenv_model::platform::{Dialect, Platform};
use std::fmt;

/// What a package gives for one version and platform.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Resolved {
    /// `github_release`, `http`, `github_archive` or `github_content`.
    pub(crate) kind: String,
    /// The asset name (`github_release`) or the URL (the others).
    pub(crate) target: String,
    pub(crate) format: Format,
    /// `NAME=FILE` bin entries (empty: the backend's default).
    pub(crate) bin: Vec<String>,
    /// Where the checksum is published: its type (`github_release` or
    /// `http`), the asset name or URL, and the algorithm.
    pub(crate) checksum: Option<Checksum>,
    /// The signature material the definition declares.
    pub(crate) declared: Declared,
}

/// A published checksum of the download.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Checksum {
    pub(crate) kind: String,
    pub(crate) target: String,
    pub(crate) algorithm: String,
}

/// Why a definition gives nothing to download, each in the definition's
/// own terms, or (`Invalid`) a definition devenv cannot read.
#[derive(Debug)]
pub(crate) enum Nothing {
    /// `supported_envs` leaves the platform out (or no `url`/`asset` is
    /// given for it).
    Platform(String),
    /// `no_asset`, `error_message`, or no `asset`/`url` for the version.
    Version(String),
    /// A package type devenv does not install (`go_install`, `cargo`).
    Kind(String),
    /// An archive format devenv does not unpack (`pkg`, `dmg`, `7z`).
    Format(String),
    /// An expression or template that cannot be read or evaluated.
    Invalid(anyhow::Error),
}

impl fmt::Display for Nothing {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Nothing::Platform(s) | Nothing::Version(s) | Nothing::Kind(s) | Nothing::Format(s) => {
                f.write_str(s)
            }
            Nothing::Invalid(e) => write!(f, "{e:#}"),
        }
    }
}

impl From<anyhow::Error> for Nothing {
    fn from(e: anyhow::Error) -> Nothing {
        Nothing::Invalid(e)
    }
}

impl From<Nothing> for anyhow::Error {
    fn from(n: Nothing) -> anyhow::Error {
        match n {
            Nothing::Invalid(e) => e,
            other => anyhow!("{other}"),
        }
    }
}

/// The C library assumed for `variants` of Linux overrides.
const LIBC: &str = "glibc";

/// What a package of a type devenv does not download is refused with.
/// `cargo` packages name their crate and point to the `cargo:` source
/// (the catalog hands names of such packages to it directly).
pub(crate) fn refused_kind(pkg: &Package, fields: &Fields) -> Option<String> {
    let name = pkg.full_name();
    let kind = fields.kind.as_deref().unwrap_or("github_release");
    Some(match kind {
        "go_install" | "go_build" => {
            let module = fields
                .path
                .clone()
                .or_else(|| pkg.repo().map(|r| format!("github.com/{r}")))
                .unwrap_or_else(|| name.clone());
            format!(
                "aqua:{name} is built from the Go module {module} (`{kind}`); devenv installs prebuilt files only, so install it with `go install {module}@VERSION` or pick another source"
            )
        }
        "cargo" => {
            let krate = fields
                .crate_name
                .clone()
                .unwrap_or_else(|| pkg.short_name());
            format!(
                "aqua:{name} is built from the Rust crate `{krate}` (`cargo`); devenv builds crates with its `cargo:` source: write `\"cargo:{krate}\" = \"VERSION\"` in [tools] (built by the project's `rust`, or add `source = \"system\"` for this machine's cargo)"
            )
        }
        k if devenv_model::aqua::KINDS.contains(&k) => return None,
        other => format!(
            "aqua:{name} is of type `{other}`; devenv reads the types {}",
            devenv_model::aqua::KINDS.join(", ")
        ),
    })
}

/// Resolves `pkg` for the release tagged `tag` on `platform`.
pub(crate) fn resolve(pkg: &Package, tag: &str, platform: Platform) -> Result<Resolved, Nothing> {
    let name = pkg.full_name();
    let (fields, prefix) = version_fields(pkg, tag)?;
    let semver = tag
        .strip_prefix(prefix.as_deref().unwrap_or(""))
        .unwrap_or(tag);
    if let Some(why) = refused_kind(pkg, &fields) {
        return Err(Nothing::Kind(why));
    }
    if fields.no_asset == Some(true) || fields.error_message.is_some() {
        let why = fields
            .error_message
            .clone()
            .map(|m| format!(": {}", m.trim()))
            .unwrap_or_default();
        return Err(Nothing::Version(format!(
            "aqua:{name} {tag} has no downloadable asset, its definition says{why}"
        )));
    }
    let (fields, goos, goarch) = platform_fields(fields, platform).map_err(|envs| {
        Nothing::Platform(format!(
            "aqua:{name} {tag} is not built for {platform} (its supported_envs are {envs})"
        ))
    })?;
    if let Some(why) = refused_kind(pkg, &fields) {
        return Err(Nothing::Kind(why));
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
    let format_name = fields.format.clone().unwrap_or_default();
    let mut data = Data::default();
    for (k, v) in [
        ("Version", tag.to_string()),
        ("SemVer", semver.to_string()),
        ("OS", replace(goos)),
        ("Arch", replace(goarch)),
        ("GOOS", goos.to_string()),
        ("GOARCH", goarch.to_string()),
        ("Format", format_name.clone()),
    ] {
        data.fields.insert(k, v);
    }
    for v in fields.vars.iter().flatten() {
        if let Some(d) = &v.default {
            data.vars.insert(v.name.clone(), d.clone());
        }
    }
    let render = |t: &str, data: &Data| -> Result<String, Nothing> {
        let template = Template::parse(t)?;
        for f in template.fields() {
            if let Some(var) = f.strip_prefix("Vars.")
                && !data.vars.contains_key(var)
            {
                return Err(Nothing::Kind(format!(
                    "aqua:{name} {tag} needs the variable `{var}`, which its definition leaves to each user (no default); devenv does not set aqua variables, so pin this tool by URL instead"
                )));
            }
        }
        Ok(template
            .render(data)
            .map_err(|e| anyhow!("aqua:{name} {tag}: cannot render the template `{t}`: {e:#}"))?)
    };
    let missing = |what: &str| {
        Nothing::Version(format!(
            "aqua:{name} {tag} has no downloadable asset for {platform}: its definition names no {what} for this version"
        ))
    };
    let repo = || {
        pkg.repo().ok_or_else(|| {
            anyhow!("aqua:{name} is of type `{kind}` but names no repo_owner and repo_name")
        })
    };
    let target = match kind.as_str() {
        "github_release" => render(
            fields.asset.as_deref().ok_or_else(|| missing("asset"))?,
            &data,
        )?,
        "http" => render(fields.url.as_deref().ok_or_else(|| missing("url"))?, &data)?,
        "github_archive" => format!(
            "https://github.com/{}/archive/refs/tags/{tag}.tar.gz",
            repo()?
        ),
        _ => {
            let path = render(
                fields.path.as_deref().ok_or_else(|| missing("path"))?,
                &data,
            )?;
            format!("https://raw.githubusercontent.com/{}/{tag}/{path}", repo()?)
        }
    };
    let format = match kind.as_str() {
        "github_archive" => Some(Format::TarGz),
        "github_content" => Some(Format::Binary),
        _ => format_of(&format_name, &target),
    }
    .ok_or_else(|| {
        Nothing::Format(format!(
            "aqua:{name} {tag} for {platform} comes as `{format_name}`, a format devenv does not unpack"
        ))
    })?;
    let file = target.rsplit('/').next().unwrap_or(&target).to_string();
    data.fields
        .insert("AssetWithoutExt", without_ext(&file, &format_name));
    data.fields.insert("Asset", file);
    let bin = bins(pkg, &fields, format, &data, &render)?;
    let checksum = checksum(&fields, &data, &render)?;
    let sums = checksum.as_ref().map(|c| {
        let name = c.target.rsplit('/').next().unwrap_or(&c.target).to_string();
        let place = match c.kind.as_str() {
            "github_release" => Place::Asset(c.target.clone()),
            _ => Place::Url(c.target.clone()),
        };
        (name, place)
    });
    let asset = data.fields.get("Asset").cloned().unwrap_or_default();
    let declared = super::declared::declared(&fields, &data, &render, &asset, sums)?;
    Ok(Resolved {
        bin,
        checksum,
        declared,
        kind,
        target,
        format,
    })
}

/// `file` without the extension of `format` (aqua's `.AssetWithoutExt`).
fn without_ext(file: &str, format: &str) -> String {
    if !format.is_empty()
        && format != "raw"
        && let Some(stem) = file.strip_suffix(&format!(".{format}"))
    {
        return stem.to_string();
    }
    for ext in [
        ".tar.gz", ".tar.xz", ".tar.zst", ".tar.bz2", ".tgz", ".txz", ".zip", ".gz", ".exe",
    ] {
        if let Some(stem) = file.strip_suffix(ext) {
            return stem.to_string();
        }
    }
    file.to_string()
}

/// The fields for `platform` (its `overrides` item applied) and its Go
/// names, or the `supported_envs` that leave it out. aqua runs an Intel
/// macOS build under Rosetta 2 where no arm64 one exists (`rosetta2`).
fn platform_fields(
    fields: Fields,
    platform: Platform,
) -> Result<(Fields, &'static str, &'static str), String> {
    let (goos, mut goarch) = platform.names(Dialect::Go);
    let supported = |arch: &str| {
        fields.supported_envs.as_ref().is_none_or(|envs| {
            envs.iter()
                .any(|e| e == "all" || e == goos || e == arch || *e == format!("{goos}/{arch}"))
        })
    };
    if !supported(goarch)
        && (goos, goarch) == ("darwin", "arm64")
        && fields.rosetta2 == Some(true)
        && supported("amd64")
    {
        goarch = "amd64";
    }
    if !supported(goarch) {
        return Err(fields.supported_envs.clone().unwrap_or_default().join(", "));
    }
    let chosen = fields.overrides.as_ref().and_then(|list| {
        list.iter().find(|o| {
            o.goos.as_deref().is_none_or(|g| g == goos)
                && o.goarch.as_deref().is_none_or(|a| a == goarch)
                && o.variants
                    .iter()
                    .all(|v| v.key == "libc" && v.value == LIBC)
        })
    });
    let fields = match chosen {
        Some(o) => fields.overlay_platform(&o.fields),
        None => fields,
    };
    Ok((fields, goos, goarch))
}

/// The archive format aqua's `format` names (from the file name if unset).
fn format_of(name: &str, target: &str) -> Option<Format> {
    Some(match name {
        "" => Format::from_url(target),
        "raw" => Format::Binary,
        "tar.gz" | "tgz" => Format::TarGz,
        "tar.xz" | "txz" => Format::TarXz,
        "tar.zst" | "tzst" => Format::TarZst,
        "zip" => Format::Zip,
        _ => return None,
    })
}

type Render<'a> = dyn Fn(&str, &Data) -> Result<String, Nothing> + 'a;

/// `NAME=FILE` entries for the package's `files` (by default one command
/// named after the package at the archive's root). A bare binary is
/// installed as `bin/<tool>`, so it needs none unless its command has
/// another name.
fn bins(
    pkg: &Package,
    fields: &Fields,
    format: Format,
    data: &Data,
    render: &Render,
) -> Result<Vec<String>, Nothing> {
    if format == Format::Binary {
        // A bare file becomes `bin/<tool>`; when the definition names its
        // command otherwise (aws/eks-hybrid's file is `nodeadm`), it is
        // installed as `bin/<that name>` instead (see the installer's
        // `exe_name`).
        return Ok(match fields.files.as_deref() {
            Some([f]) if f.name != pkg.short_name() => vec![format!("{0}=bin/{0}", f.name)],
            _ => Vec::new(),
        });
    }
    let files = fields.files.clone().unwrap_or_else(|| {
        vec![FileDef {
            name: pkg.short_name(),
            src: None,
        }]
    });
    let mut out = Vec::new();
    for f in &files {
        let mut data = data.clone();
        data.fields.insert("FileName", f.name.clone());
        let src = match &f.src {
            Some(s) => render(s, &data)?,
            None => f.name.clone(),
        };
        out.push(format!("{}={}", f.name, src.trim_start_matches("./")));
    }
    Ok(out)
}

/// Where the definition says the checksum is.
fn checksum(fields: &Fields, data: &Data, render: &Render) -> Result<Option<Checksum>, Nothing> {
    let Some(c) = fields
        .checksum
        .as_ref()
        .filter(|c| c.enabled != Some(false))
    else {
        return Ok(None);
    };
    let template = match c.kind.as_deref() {
        Some("github_release") => c.asset.as_deref(),
        Some("http") => c.url.as_deref(),
        _ => None,
    };
    match (c.kind.as_deref(), template) {
        (Some(kind), Some(t)) => Ok(Some(Checksum {
            kind: kind.to_string(),
            target: render(t, data)?,
            algorithm: c.algorithm.clone().unwrap_or_else(|| "sha256".into()),
        })),
        _ => Ok(None),
    }
}

/// The package's fields for the release tagged `tag`: the root fields when
/// its `version_constraint` holds (or it has none), else the first
/// `version_overrides` item whose constraint holds, over the root fields.
fn version_fields(pkg: &Package, tag: &str) -> Result<(Fields, Option<String>), Nothing> {
    let name = pkg.full_name();
    let semver_of = |prefix: &Option<String>| {
        tag.strip_prefix(prefix.as_deref().unwrap_or(""))
            .unwrap_or(tag)
            .to_string()
    };
    let holds = |c: &str, prefix: &Option<String>| -> Result<bool, Nothing> {
        let semver = semver_of(prefix);
        expr::holds(
            c,
            &Env {
                version: tag,
                semver: &semver,
            },
        )
        .map_err(|e| Nothing::Invalid(anyhow!("aqua:{name}: {e:#}")))
    };
    let root_holds = match pkg.version_constraint.as_deref() {
        None => true,
        Some(c) => holds(c, &pkg.version_prefix)?,
    };
    if root_holds {
        return Ok((pkg.fields.clone(), pkg.version_prefix.clone()));
    }
    for o in &pkg.version_overrides {
        let prefix = o
            .version_prefix
            .clone()
            .or_else(|| pkg.version_prefix.clone());
        let Some(c) = o.version_constraint.as_deref() else {
            continue;
        };
        if holds(c, &prefix)? {
            return Ok((pkg.fields.overlay(&o.fields), prefix));
        }
    }
    // As aqua does: the root fields when no constraint holds.
    Ok((pkg.fields.clone(), pkg.version_prefix.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backends::aqua::Registry;

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
        let r = resolve(&pkg, "v2.1.0", p("linux-x86_64")).unwrap();
        assert_eq!(r.target, "tool_2.1.0_linux_amd64.tar.gz");
        assert_eq!(r.format, Format::TarGz);
        assert_eq!(r.bin, vec!["tool=tool_2.1.0_linux_amd64/bin/tool"]);
        assert_eq!(r.checksum.unwrap().target, "checksums.txt");
        let r = resolve(&pkg, "v2.1.0", p("macos-aarch64")).unwrap();
        assert_eq!(r.target, "tool_2.1.0_macOS_arm64.zip");
        let err = resolve(&pkg, "v2.1.0", p("macos-x86_64"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("not built for macos-x86_64"), "{err}");
    }

    #[test]
    fn version_overrides_pick_the_fields_of_old_releases() {
        let reg = Registry::parse(YAML, "test").unwrap();
        let pkg = reg.find("example/tool").unwrap();
        let r = resolve(&pkg, "v1.5.0", p("linux-aarch64")).unwrap();
        assert_eq!(r.target, "old-tool-v1.5.0-linux-arm64");
        assert_eq!(r.format, Format::Binary);
        // No arm64 macOS build then: Rosetta 2 runs the Intel one.
        let r = resolve(&pkg, "v1.5.0", p("macos-aarch64")).unwrap();
        assert_eq!(r.target, "old-tool-v1.5.0-macOS-amd64");
        let err = resolve(&pkg, "v0.9.0", p("linux-x86_64"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("no downloadable asset, its definition says: too old"),
            "{err}"
        );
    }

    /// Real asset names and URLs of well-known releases, checked by hand
    /// against the releases themselves.
    #[test]
    fn well_known_releases_resolve_to_their_real_assets() {
        let reg = Registry::builtin();
        for (name, tag, plat, want) in [
            ("jqlang/jq", "jq-1.7.1", "linux-x86_64", "jq-linux-amd64"),
            ("jqlang/jq", "jq-1.7.1", "macos-aarch64", "jq-macos-arm64"),
            ("stedolan/jq", "jq-1.7.1", "linux-aarch64", "jq-linux-arm64"),
            (
                "cli/cli",
                "v2.49.2",
                "linux-x86_64",
                "gh_2.49.2_linux_amd64.tar.gz",
            ),
            (
                "cli/cli",
                "v2.49.2",
                "macos-aarch64",
                "gh_2.49.2_macOS_arm64.zip",
            ),
            (
                "BurntSushi/ripgrep",
                "14.1.0",
                "linux-x86_64",
                "ripgrep-14.1.0-x86_64-unknown-linux-musl.tar.gz",
            ),
            (
                "kubernetes/kubectl",
                "v1.30.0",
                "linux-x86_64",
                "https://dl.k8s.io/v1.30.0/bin/linux/amd64/kubectl",
            ),
            (
                "hashicorp/terraform",
                "v1.8.0",
                "macos-aarch64",
                "https://releases.hashicorp.com/terraform/1.8.0/terraform_1.8.0_darwin_arm64.zip",
            ),
            (
                "mvdan/sh",
                "v3.8.0",
                "linux-x86_64",
                "shfmt_v3.8.0_linux_amd64",
            ),
            (
                "derailed/k9s",
                "v0.32.4",
                "linux-x86_64",
                "k9s_Linux_amd64.tar.gz",
            ),
            (
                "derailed/k9s",
                "v0.32.4",
                "macos-aarch64",
                "k9s_Darwin_arm64.tar.gz",
            ),
            (
                "aquasecurity/trivy",
                "v0.50.1",
                "linux-x86_64",
                "trivy_0.50.1_Linux-64bit.tar.gz",
            ),
            (
                "aquasecurity/trivy",
                "v0.50.1",
                "macos-aarch64",
                "trivy_0.50.1_macOS-ARM64.tar.gz",
            ),
            (
                "helm/helm",
                "v3.14.4",
                "linux-aarch64",
                "https://get.helm.sh/helm-v3.14.4-linux-arm64.tar.gz",
            ),
            (
                "golangci/golangci-lint",
                "v1.57.2",
                "linux-x86_64",
                "golangci-lint-1.57.2-linux-amd64.tar.gz",
            ),
            (
                "koalaman/shellcheck",
                "v0.10.0",
                "linux-x86_64",
                "shellcheck-v0.10.0.linux.x86_64.tar.xz",
            ),
            (
                "hadolint/hadolint",
                "v2.12.0",
                "linux-x86_64",
                "hadolint-Linux-x86_64",
            ),
            (
                "protocolbuffers/protobuf/protoc",
                "v26.1",
                "linux-x86_64",
                "protoc-26.1-linux-x86_64.zip",
            ),
            (
                "casey/just",
                "1.25.2",
                "macos-aarch64",
                "just-1.25.2-aarch64-apple-darwin.tar.gz",
            ),
            (
                "direnv/direnv",
                "v2.34.0",
                "linux-x86_64",
                "direnv.linux-amd64",
            ),
            (
                "goreleaser/goreleaser",
                "v1.25.1",
                "linux-x86_64",
                "goreleaser_Linux_x86_64.tar.gz",
            ),
        ] {
            let pkg = reg.find(name).unwrap_or_else(|| panic!("{name}"));
            let r =
                resolve(&pkg, tag, p(plat)).unwrap_or_else(|e| panic!("{name} {tag} {plat}: {e}"));
            assert_eq!(r.target, want, "{name} {tag} {plat}");
        }
        let rg = resolve(
            &reg.find("BurntSushi/ripgrep").unwrap(),
            "14.1.0",
            p("linux-x86_64"),
        )
        .unwrap();
        assert_eq!(
            rg.bin,
            vec!["rg=ripgrep-14.1.0-x86_64-unknown-linux-musl/rg"]
        );
        let gh = resolve(&reg.find("cli/cli").unwrap(), "v2.49.2", p("linux-x86_64")).unwrap();
        assert_eq!(gh.bin, vec!["gh=gh_2.49.2_linux_amd64/bin/gh"]);
        assert_eq!(gh.checksum.unwrap().target, "gh_2.49.2_checksums.txt");
    }

    #[test]
    fn refusals_name_what_the_definition_says() {
        let reg = Registry::builtin();
        let go = reg.find("golang.org/x/perf/cmd/benchstat").unwrap();
        let err = resolve(&go, "v0.0.1", p("linux-x86_64")).unwrap_err();
        assert!(matches!(err, Nothing::Kind(_)), "{err}");
        assert!(
            err.to_string()
                .contains("built from the Go module golang.org/x/perf/cmd/benchstat"),
            "{err}"
        );
        let err = Registry::parse(
            "packages:\n  - type: cargo\n    repo_owner: a\n    repo_name: b\n    crate: b-cli\n",
            "x.yaml",
        )
        .unwrap()
        .find("a/b")
        .map(|pkg| resolve(&pkg, "1.0.0", p("linux-x86_64")).unwrap_err())
        .unwrap();
        assert!(err.to_string().contains("the Rust crate `b-cli`"), "{err}");
        let err = Registry::parse("packages: 3", "x.yaml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("x.yaml is not an aqua registry"), "{err}");
    }

    /// What the built-in definitions declare about signatures is rendered
    /// for the version and platform, templates filled in.
    #[test]
    fn declared_signatures_are_rendered_for_the_version() {
        use super::super::declared::{Attestations, MinisignDecl, Signs};
        let reg = Registry::builtin();
        let linux = p("linux-x86_64");
        let pup = resolve(&reg.find("DataDog/pup").unwrap(), "v0.60.0", linux).unwrap();
        let d = pup.declared;
        assert_eq!(d.asset, "pup_0.60.0_Linux_x86_64.tar.gz");
        assert_eq!(
            d.checksums,
            Some((
                "pup_0.60.0_checksums.txt".to_string(),
                Place::Asset("pup_0.60.0_checksums.txt".into())
            ))
        );
        let c = &d.cosign[0];
        assert_eq!(c.signs, Some(Signs::Checksums));
        assert_eq!(
            c.identity_regexp.as_deref(),
            Some(
                "^https://github\\.com/DataDog/pup/\\.github/workflows/.+\\.ya?ml@refs/tags/\\Qv0.60.0\\E$"
            )
        );
        assert_eq!(
            c.issuer.as_deref(),
            Some("https://token.actions.githubusercontent.com")
        );
        assert_eq!(
            c.bundle,
            Some(Place::Asset(
                "pup_0.60.0_checksums.txt.sigstore.json".into()
            ))
        );
        let buf = resolve(&reg.find("bufbuild/buf").unwrap(), "v1.50.0", linux).unwrap();
        assert_eq!(
            buf.declared.minisign,
            vec![MinisignDecl {
                signs: Signs::Checksums,
                file: Place::Asset("sha256.txt.minisig".into()),
                public_key: "RWQ/i9xseZwBVE7pEniCNjlNOeeyp4BQgdZDLQcAohxEAH5Uj5DEKjv6".into(),
            }]
        );
        let dua = resolve(&reg.find("Byron/dua-cli").unwrap(), "v2.40.0", linux).unwrap();
        assert_eq!(
            dua.declared.attestations,
            vec![Attestations {
                signs: Signs::Asset,
                signer_workflow: Some("Byron/dua-cli/\\.github/workflows/release\\.yml".into()),
            }]
        );
        let gonogo = resolve(&reg.find("FairwindsOps/gonogo").unwrap(), "v0.5.0", linux).unwrap();
        let c = &gonogo.declared.cosign[0];
        assert_eq!(
            c.key,
            Some(Place::Url(
                "https://artifacts.fairwinds.com/cosign.pub".into()
            ))
        );
        assert_eq!(
            c.signature,
            Some(Place::Url(
                "https://github.com/FairwindsOps/gonogo/releases/download/v0.5.0/checksums.txt.sig"
                    .into()
            ))
        );
        let mc = resolve(
            &reg.find("minio/mc").unwrap(),
            "RELEASE.2024-11-21T17-21-54Z",
            linux,
        )
        .unwrap();
        assert_eq!(
            mc.declared.minisign[0].file,
            Place::Url("https://dl.min.io/client/mc/release/linux-amd64/archive/mc.RELEASE.2024-11-21T17-21-54Z.minisig".into())
        );
        assert_eq!(mc.declared.minisign[0].signs, Signs::Asset);
        // A package declaring nothing has nothing to check.
        let jq = resolve(&reg.find("jqlang/jq").unwrap(), "jq-1.7.1", linux).unwrap();
        assert!(!jq.declared.any());
    }
}
