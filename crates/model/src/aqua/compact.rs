//! The generator of the built-in registry: aqua's `registry.yaml` →
//! `data/aqua/registry.jsonl`, one package a line in the registry's
//! order, holding only the fields devenv reads. Run by hand when the
//! registry is refreshed (`cargo run -p xtask -- aqua DIR`); a test holds
//! the committed file equal to this function's output.

use super::Registry;
use anyhow::{Context, Result, anyhow, bail};

/// The committed form of `registry_yaml`: every package read and checked
/// (its expressions and templates parsed), one JSON record a line.
pub fn generate(registry_yaml: &str) -> Result<String> {
    let registry = Registry::parse(registry_yaml, "registry.yaml")?;
    if registry.packages.is_empty() {
        bail!("registry.yaml has no packages");
    }
    let mut out = String::new();
    for p in &registry.packages {
        let line = serde_json::to_string(p)
            .with_context(|| format!("cannot write the record of {}", p.full_name()))?;
        out.push_str(&line);
        out.push('\n');
    }
    Ok(out)
}

/// The upstream commit that `SOURCE.md` names (40 hex digits in backticks).
pub fn upstream_commit(source_md: &str) -> Result<String> {
    source_md
        .split('`')
        .find(|w| w.len() == 40 && w.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_string)
        .ok_or_else(|| anyhow!("SOURCE.md names no commit (40 hex digits in backticks)"))
}

/// `data/aqua/SOURCE.md` of the committed registry.
pub fn source_note(commit: &str, packages: usize) -> String {
    format!(
        "# The built-in aqua registry\n\n\
         `registry.jsonl` is generated from `registry.yaml` of the public repository\n\
         `aquaproj/aqua-registry` at commit `{commit}`\n\
         ({packages} packages), by `cargo run -p xtask -- aqua DIR` where DIR holds\n\
         that `registry.yaml`, its `LICENSE` and a `SOURCE.md` naming the commit.\n\
         Do not edit it by hand: one JSON record a line, in the registry's order, with\n\
         the fields devenv reads. `LICENSE` is that repository's MIT license, which\n\
         covers these definitions.\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where the registry as published is laid beside the repository.
    fn shared() -> Option<std::path::PathBuf> {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/aqua-registry");
        if dir.join("registry.yaml").is_file() {
            return Some(dir);
        }
        let required =
            crate::config::outer_var("DEVENV_TEST_REQUIRE_ALL").is_some_and(|v| v == "1");
        assert!(
            !required,
            "DEVENV_TEST_REQUIRE_ALL=1 but {} has no registry.yaml",
            dir.display()
        );
        eprintln!("skipped: {} is absent", dir.display());
        None
    }

    #[test]
    fn the_committed_registry_is_the_generators_output() {
        let Some(dir) = shared() else { return };
        let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
        let generated = generate(&read("registry.yaml")).unwrap();
        assert!(
            generated == super::super::BUILTIN,
            "crates/model/data/aqua/registry.jsonl is not what the generator makes of {}; run `cargo run -p xtask -- aqua {}`",
            dir.display(),
            dir.display()
        );
        let commit = upstream_commit(&read("SOURCE.md")).unwrap();
        assert_eq!(super::super::BUILTIN_COMMIT.trim(), commit);
        let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/aqua");
        assert_eq!(
            std::fs::read_to_string(here.join("LICENSE")).unwrap(),
            read("LICENSE")
        );
        assert_eq!(
            std::fs::read_to_string(here.join("SOURCE.md")).unwrap(),
            source_note(&commit, generated.lines().count())
        );
    }

    #[test]
    fn faults_of_a_registry_name_the_package_and_field() {
        for (yaml, says) in [
            (
                "packages:\n  - type: github_release\n    repo_owner: a\n    repo_name: b\n    version_constraint: semver(\">= 1\"\n",
                "aqua package a/b, version_constraint: cannot read the expression",
            ),
            (
                "packages:\n  - type: github_release\n    repo_owner: a\n    repo_name: b\n    version_overrides:\n      - version_constraint: \"true\"\n        asset: x-{{.Nope}}\n",
                "aqua package a/b, version_overrides[0].asset: `.Nope` is not a value",
            ),
            ("packages: []\n", "registry.yaml has no packages"),
        ] {
            let err = format!("{:#}", generate(yaml).unwrap_err());
            assert!(err.contains(says), "{err}");
        }
        assert!(upstream_commit("no commit").is_err());
    }

    #[test]
    fn integer_keys_of_replacements_are_read_as_names() {
        let yaml = "packages:\n  - type: github_release\n    repo_owner: a\n    repo_name: b\n    replacements:\n      386: i386\n      amd64: x86_64\n";
        let out = generate(yaml).unwrap();
        assert!(out.contains("\"386\":\"i386\""), "{out}");
    }

    /// The signature declarations survive the compact form with their
    /// templates intact, in version overrides, checksums and platform
    /// overrides, and a known built-in package carries its own.
    #[test]
    fn signature_declarations_round_trip_with_their_templates() {
        let yaml = r#"packages:
  - type: github_release
    repo_owner: a
    repo_name: b
    version_constraint: "false"
    version_overrides:
      - version_constraint: "true"
        asset: b_{{trimV .Version}}_{{.OS}}.tar.gz
        checksum:
          type: github_release
          asset: b_{{trimV .Version}}_checksums.txt
          algorithm: sha256
          cosign:
            opts:
              - --certificate-identity-regexp
              - "^https://github\\.com/a/b/\\.github/workflows/.+\\.ya?ml@refs/tags/\\Q{{.Version}}\\E$"
              - --certificate-oidc-issuer
              - https://token.actions.githubusercontent.com
            bundle:
              type: github_release
              asset: b_{{trimV .Version}}_checksums.txt.sigstore.json
          minisign:
            type: http
            url: https://example.com/{{.Version}}/sums.minisig
            public_key: RWQ/i9xseZwBVE7pEniCNjlNOeeyp4BQgdZDLQcAohxEAH5Uj5DEKjv6
        slsa_provenance:
          type: github_release
          asset: multiple.intoto.jsonl
        github_artifact_attestations:
          signer-workflow: a/b/\.github/workflows/release\.yml
        overrides:
          - goos: windows
            cosign:
              enabled: false
"#;
        let out = generate(yaml).unwrap();
        let back: super::super::Package = serde_json::from_str(out.trim()).unwrap();
        let parsed = Registry::parse(yaml, "t").unwrap().packages.remove(0);
        assert_eq!(back, parsed);
        let v = &back.version_overrides[0].fields;
        let sums = v.checksum.as_ref().unwrap();
        let cosign = sums.cosign.as_ref().unwrap();
        assert_eq!(
            cosign.bundle.as_ref().unwrap().asset.as_deref(),
            Some("b_{{trimV .Version}}_checksums.txt.sigstore.json")
        );
        assert!(cosign.opts.as_ref().unwrap()[1].ends_with("\\Q{{.Version}}\\E$"));
        let minisign = sums.minisign.as_ref().unwrap();
        assert_eq!(
            minisign.file.url.as_deref(),
            Some("https://example.com/{{.Version}}/sums.minisig")
        );
        assert!(minisign.public_key.as_deref().unwrap().starts_with("RWQ/"));
        assert_eq!(
            v.slsa_provenance.as_ref().unwrap().file.asset.as_deref(),
            Some("multiple.intoto.jsonl")
        );
        // The spelling two definitions use is read as the field.
        assert_eq!(
            v.github_artifact_attestations
                .as_ref()
                .unwrap()
                .signer_workflow
                .as_deref(),
            Some("a/b/\\.github/workflows/release\\.yml")
        );
        let windows = &v.overrides.as_ref().unwrap()[0].fields;
        assert!(!windows.cosign.as_ref().unwrap().enabled());
        // A template fault inside a declaration is reported at its place.
        let bad = yaml.replace("multiple.intoto.jsonl", "x-{{.Nope}}");
        let err = format!("{:#}", generate(&bad).unwrap_err());
        assert!(
            err.contains("version_overrides[0].slsa_provenance.asset: `.Nope`"),
            "{err}"
        );
        // Built in: bufbuild/buf signs its checksums with minisign.
        let buf = Registry::builtin().find("bufbuild/buf").unwrap();
        let all: Vec<_> = std::iter::once(&buf.fields)
            .chain(buf.version_overrides.iter().map(|o| &o.fields))
            .filter_map(|f| f.checksum.as_ref()?.minisign.as_ref())
            .collect();
        assert!(
            all.iter().any(|m| m.public_key.as_deref()
                == Some("RWQ/i9xseZwBVE7pEniCNjlNOeeyp4BQgdZDLQcAohxEAH5Uj5DEKjv6")),
            "{all:?}"
        );
    }
}
