//! One package definition, one release, one platform → what to download.

use super::template::{Vars, constraint_holds, render};
use anyhow::{Result, anyhow, bail};
use devenv_model::aqua::{Fields, FileDef, Package};
use devenv_model::archive::Format;
use devenv_model::platform::{Dialect, Platform};

/// What a package gives for one version and platform.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Resolved {
    /// `github_release` or `http`.
    pub(crate) kind: String,
    /// The asset name (`github_release`) or the URL (`http`).
    pub(crate) target: String,
    pub(crate) format: Format,
    /// `NAME=FILE` bin entries (empty: the backend's default).
    pub(crate) bin: Vec<String>,
    /// The checksum asset name (`github_release`) or URL (`http`).
    pub(crate) checksum: Option<(String, String)>,
}

/// Resolves `pkg` for the release tagged `tag` on `platform`.
pub(crate) fn resolve(pkg: &Package, tag: &str, platform: Platform) -> Result<Resolved> {
    let name = pkg.full_name();
    let (fields, prefix) = version_fields(pkg, tag);
    let semver = tag
        .strip_prefix(prefix.as_deref().unwrap_or(""))
        .unwrap_or(tag);
    if fields.no_asset == Some(true) {
        let why = fields.error_message.clone().unwrap_or_default();
        bail!("aqua:{name} {tag} has no downloadable asset {why}");
    }
    let (fields, goos, goarch) = platform_fields(fields, platform).map_err(|envs| {
        anyhow!("aqua:{name} {tag} is not built for {platform} (its supported_envs are {envs})")
    })?;
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
    let format = format_of(&format_name, &target).ok_or_else(|| {
        anyhow!("aqua:{name} {tag} comes as `{format_name}`, a format devenv does not unpack")
    })?;
    let asset_base = target.rsplit('/').next().unwrap_or(&target).to_string();
    vars.asset = &asset_base;
    Ok(Resolved {
        bin: bins(pkg, &fields, format, &vars)?,
        checksum: checksum(&name, &fields, &vars)?,
        kind,
        target,
        format,
    })
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
        })
    });
    let fields = match chosen {
        Some(o) => fields.overlay(&o.fields),
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
        "tar.zst" => Format::TarZst,
        "zip" => Format::Zip,
        _ => return None,
    })
}

/// `NAME=FILE` entries for the package's `files` (by default one command
/// named after the package at the archive's root). A bare binary is
/// installed as `bin/<tool>`, so it needs none.
fn bins(pkg: &Package, fields: &Fields, format: Format, vars: &Vars) -> Result<Vec<String>> {
    if format == Format::Binary {
        return Ok(Vec::new());
    }
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
                Some(s) => render(s, vars)?,
                None => f.name.clone(),
            };
            Ok(format!("{}={}", f.name, src.trim_start_matches("./")))
        })
        .collect()
}

/// Where the definition says the sha256 is: (`github_release`, asset name)
/// or (`http`, URL).
fn checksum(name: &str, fields: &Fields, vars: &Vars) -> Result<Option<(String, String)>> {
    let Some(c) = fields
        .checksum
        .as_ref()
        .filter(|c| c.enabled != Some(false))
    else {
        return Ok(None);
    };
    if let Some(alg) = c.algorithm.as_deref().filter(|a| *a != "sha256") {
        bail!("aqua:{name} publishes {alg} checksums; devenv verifies sha256 only");
    }
    let template = match c.kind.as_deref() {
        Some("github_release") => c.asset.as_deref(),
        Some("http") => c.url.as_deref(),
        _ => None,
    };
    match (c.kind.as_deref(), template) {
        (Some(kind), Some(t)) => Ok(Some((kind.to_string(), render(t, vars)?))),
        _ => Ok(None),
    }
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
