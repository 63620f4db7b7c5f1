//! Catalog names backed by the aqua registry and HashiCorp's index: the
//! popular tools lock for three platforms, byte-stably, against fixture
//! servers in the real formats (GitHub's release pages, checksum files,
//! aqua package YAML, HashiCorp's `index.json` and SHA256SUMS).

use crate::common;
use common::archives::{Entry, tar_gz, zip};
use common::github::{page, release, script, sums};
use common::rekor::FixtureRekor;
use common::server::FixtureServer;
use common::sigstore::{Signer, TestSigstore};
use common::{World, sha256_hex};

const THREE: &str = "\n[settings]\nplatforms = [\"linux-x86_64\", \"linux-aarch64\", \"macos-aarch64\"]\ntrusted_root = \"trusted_root.json\"\n";

/// The account kubectl's definition says signs it.
const K8S_SIGNER: &str = "krel-staging@k8s-releng-prod.iam.gserviceaccount.com";

/// The workflow gh's definition says attests its assets.
const GH_SIGNER: &str =
    "https://github.com/cli/cli/.github/workflows/deployment.yml@refs/heads/trunk";

/// jq, gh, ripgrep and kubectl on the fixture GitHub, kubectl's download
/// host and HashiCorp's index, for three platforms.
fn publish_all(s: &FixtureServer, rekor: &FixtureRekor) {
    // jq: bare binaries and sha256sum.txt; tags are `jq-1.7.1`.
    let jq: Vec<(&str, Vec<u8>)> = [
        "jq-linux-amd64",
        "jq-linux-arm64",
        "jq-macos-arm64",
        "jq-windows-amd64.exe",
    ]
    .into_iter()
    .map(|n| (n, script("jq", n)))
    .collect();
    let mut jq_all = jq.clone();
    let refs: Vec<(&str, &[u8])> = jq.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    jq_all.push(("sha256sum.txt", sums(&refs)));
    let old = release(s, "jqlang/jq", "jq-1.7.0", &[], false);
    page(
        s,
        "jqlang/jq",
        &[release(s, "jqlang/jq", "jq-1.7.1", &jq_all, false), old],
    );
    // gh: tarballs with a top directory (zip on macOS) and a checksums file.
    let v = "2.63.0";
    let mut gh: Vec<(String, Vec<u8>)> = Vec::new();
    for (os, arch) in [
        ("linux", "amd64"),
        ("linux", "arm64"),
        ("macOS", "arm64"),
        ("linux", "386"),
    ] {
        let dir = format!("gh_{v}_{os}_{arch}");
        let entries = [Entry::file(
            &format!("{dir}/bin/gh"),
            &script("gh", v),
            0o755,
        )];
        if os == "macOS" {
            gh.push((format!("{dir}.zip"), zip(&entries)));
        } else {
            gh.push((format!("{dir}.tar.gz"), tar_gz(&entries)));
        }
    }
    let refs: Vec<(&str, &[u8])> = gh.iter().map(|(n, b)| (n.as_str(), b.as_slice())).collect();
    let mut gh_all: Vec<(&str, Vec<u8>)> =
        gh.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    gh_all.push(("gh_2.63.0_checksums.txt", sums(&refs)));
    // As gh's definition declares: GitHub artifact attestations of each
    // asset, by its deployment workflow (signed by the test Sigstore
    // instance, whose root the project names).
    let sigstore = TestSigstore::new();
    let signer = Signer {
        identity: GH_SIGNER.into(),
        issuer: "https://token.actions.githubusercontent.com".into(),
    };
    for (name, body) in &gh {
        let digest = sha256_hex(body);
        let bundle = sigstore.attest(
            &signer,
            &[(name, "sha256", &digest)],
            "https://slsa.dev/provenance/v1",
        );
        s.add_text(
            &format!("/api/repos/cli/cli/attestations/sha256:{digest}"),
            &serde_json::json!({"attestations": [{"bundle": bundle, "repository_id": 212613049}]})
                .to_string(),
        );
    }
    page(
        s,
        "cli/cli",
        &[release(s, "cli/cli", "v2.63.0", &gh_all, false)],
    );
    // ripgrep: musl on x86_64 Linux, `<asset>.sha256` beside each; tags have no `v`.
    let mut rg: Vec<(String, Vec<u8>)> = Vec::new();
    for triple in [
        "x86_64-unknown-linux-musl",
        "aarch64-unknown-linux-gnu",
        "aarch64-apple-darwin",
    ] {
        let dir = format!("ripgrep-14.1.1-{triple}");
        let body = tar_gz(&[Entry::file(
            &format!("{dir}/rg"),
            &script("rg", "14.1.1"),
            0o755,
        )]);
        rg.push((
            format!("{dir}.tar.gz.sha256"),
            format!("{}  {dir}.tar.gz\n", sha256_hex(&body)).into_bytes(),
        ));
        rg.push((format!("{dir}.tar.gz"), body));
    }
    let rg_all: Vec<(&str, Vec<u8>)> = rg.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    page(
        s,
        "BurntSushi/ripgrep",
        &[release(s, "BurntSushi/ripgrep", "14.1.1", &rg_all, false)],
    );
    // kubectl: versions from kubernetes/kubernetes, files from its own host.
    let k8s = Signer {
        identity: K8S_SIGNER.into(),
        issuer: "https://accounts.google.com".into(),
    };
    page(
        s,
        "kubernetes/kubernetes",
        &[release(s, "kubernetes/kubernetes", "v1.31.2", &[], false)],
    );
    for (os, arch) in [("linux", "amd64"), ("linux", "arm64"), ("darwin", "arm64")] {
        let body = script("kubectl", &format!("{os}-{arch}"));
        let dir = format!("/k8s/v1.31.2/bin/{os}/{arch}");
        s.add(&format!("{dir}/kubectl.sha256"), sha256_hex(&body));
        // As kubectl's definition declares: a keyless cosign signature and
        // certificate beside the binary, by Kubernetes' release account,
        // in the transparency log.
        let signed = sigstore.sign_blob(&k8s, &body);
        rekor.add(&sha256_hex(&body), &signed.entry);
        s.add(&format!("{dir}/kubectl.sig"), signed.sig_file);
        s.add(&format!("{dir}/kubectl.cert"), signed.pem_file);
        s.add(&format!("{dir}/kubectl"), body);
    }
    // terraform: HashiCorp's index and SHA256SUMS.
    let mut builds = Vec::new();
    let mut tf_sums = Vec::new();
    for (os, arch) in [
        ("linux", "amd64"),
        ("linux", "arm64"),
        ("darwin", "arm64"),
        ("darwin", "amd64"),
    ] {
        let name = format!("terraform_1.9.8_{os}_{arch}.zip");
        let body = zip(&[
            Entry::file("terraform", &script("terraform", "1.9.8"), 0o755),
            Entry::file("LICENSE.txt", b"MPL", 0o644),
        ]);
        tf_sums.push((name.clone(), body.clone()));
        s.add(&format!("/hc/terraform/1.9.8/{name}"), body);
        builds.push(format!(
            r#"{{"name": "terraform", "version": "1.9.8", "os": "{os}", "arch": "{arch}", "filename": "{name}", "url": "https://releases.hashicorp.com/terraform/1.9.8/{name}"}}"#
        ));
    }
    let refs: Vec<(&str, &[u8])> = tf_sums
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    s.add(
        "/hc/terraform/1.9.8/terraform_1.9.8_SHA256SUMS",
        sums(&refs),
    );
    s.add(
        "/hc/terraform/index.json",
        format!(
            r#"{{"name": "terraform", "versions": {{
  "1.9.8": {{"name": "terraform", "version": "1.9.8", "shasums": "terraform_1.9.8_SHA256SUMS", "shasums_signature": "terraform_1.9.8_SHA256SUMS.sig", "shasums_signatures": ["terraform_1.9.8_SHA256SUMS.72D7468F.sig"], "builds": [{}]}},
  "1.10.0-alpha20240926": {{"name": "terraform", "version": "1.10.0-alpha20240926", "builds": []}}
}}}}"#,
            builds.join(", ")
        ),
    );
}

fn world(s: &FixtureServer) -> World {
    World::new()
        .with_env("DEVENV_GITHUB_API", &s.url("/api"))
        .with_env("DEVENV_HASHICORP_MIRROR", &s.url("/hc"))
        .with_env(
            "DEVENV_URL_MIRRORS",
            &format!("https://dl.k8s.io={}", s.url("/k8s")),
        )
        .with_env("DEVENV_PLATFORM", "linux-x86_64")
}

#[test]
fn popular_tools_resolve_through_the_catalog_into_a_byte_stable_lock() {
    let s = FixtureServer::start();
    let rekor = FixtureRekor::start();
    publish_all(&s, &rekor);
    let w = world(&s);
    w.write(
        "trusted_root.json",
        TestSigstore::new().trusted_root_with_rekor(&rekor.url()),
    );
    w.manifest(&format!("[tools]\n{THREE}"));
    w.run(&["add", "jq", "gh", "terraform", "kubectl", "ripgrep"])
        .ok();
    let lock = w.lockfile();
    for (tool, source, version) in [
        ("jq", "aqua:jqlang/jq", "1.7.1"),
        ("gh", "aqua:cli/cli", "2.63.0"),
        ("terraform", "hashicorp:terraform", "1.9.8"),
        ("kubectl", "aqua:kubernetes/kubernetes/kubectl", "1.31.2"),
        ("ripgrep", "aqua:BurntSushi/ripgrep", "14.1.1"),
    ] {
        let section = lock
            .split(&format!("[tools.{tool}]\n"))
            .nth(1)
            .unwrap_or_else(|| panic!("{tool}:\n{lock}"));
        assert!(
            section.starts_with(&format!("version = \"{version}\"")),
            "{tool}:\n{section}"
        );
        assert!(
            section.contains(&format!("source = \"{source}\"")),
            "{tool}:\n{section}"
        );
    }
    // The right asset per platform, and where each digest came from.
    for needle in [
        "/dl/jqlang/jq/jq-1.7.1/jq-macos-arm64",
        "/dl/cli/cli/v2.63.0/gh_2.63.0_macOS_arm64.zip",
        "/dl/cli/cli/v2.63.0/gh_2.63.0_linux_arm64.tar.gz",
        "/dl/BurntSushi/ripgrep/14.1.1/ripgrep-14.1.1-x86_64-unknown-linux-musl.tar.gz",
        "/k8s/v1.31.2/bin/darwin/arm64/kubectl",
        "/hc/terraform/1.9.8/terraform_1.9.8_linux_arm64.zip",
        "digest_from = \"checksum file gh_2.63.0_checksums.txt\"",
        &format!("identity = \"{GH_SIGNER}\""),
        &format!("identity = \"{K8S_SIGNER}\""),
        "digest_from = \"checksum file sha256sum.txt\"",
        "digest_from = \"checksum file kubectl.sha256\"",
        "digest_from = \"terraform_1.9.8_SHA256SUMS\"",
        "digest_from = \"checksum file ripgrep-14.1.1-aarch64-apple-darwin.tar.gz.sha256\"",
    ] {
        assert!(lock.contains(needle), "lacks {needle}:\n{lock}");
    }
    // One table per platform, each with its provenance record.
    assert_eq!(lock.matches("[tools.gh.artifacts.").count(), 6);
    assert_eq!(
        lock.matches(&format!("identity = \"{GH_SIGNER}\"")).count(),
        3
    );
    // Relocking, and locking again from nothing, give the same bytes.
    w.run(&["lock"]).ok();
    assert_eq!(w.lockfile(), lock);
    std::fs::remove_file(w.project.join("devenv.lock")).unwrap();
    w.run(&["lock"]).ok();
    assert_eq!(w.lockfile(), lock, "a fresh lock differs");
    // Installed and run on this (linux-x86_64) machine.
    w.run(&["install"]).ok();
    for (cmd, says) in [
        ("jq", "jq jq-linux-amd64"),
        ("gh", "gh 2.63.0"),
        ("rg", "rg 14.1.1"),
        ("kubectl", "kubectl linux-amd64"),
        ("terraform", "terraform 1.9.8"),
    ] {
        w.run(&["exec", "--", cmd]).ok().stdout_has(says);
    }
}

#[test]
fn project_registries_add_aqua_packages_and_search_finds_them() {
    let s = FixtureServer::start();
    let body = tar_gz(&[Entry::file(
        "inhouse-3.1.0/bin/inhouse",
        b"#!/bin/sh\necho inhouse 3.1.0\n",
        0o755,
    )]);
    let assets = [
        ("inhouse-3.1.0-linux-x86_64.tar.gz", body.clone()),
        (
            "SHA256SUMS",
            sums(&[("inhouse-3.1.0-linux-x86_64.tar.gz", &body)]),
        ),
    ];
    page(
        &s,
        "acme/inhouse",
        &[release(&s, "acme/inhouse", "v3.1.0", &assets, false)],
    );
    s.add(
        "/registry.yaml",
        r#"packages:
  - type: github_release
    repo_owner: acme
    repo_name: inhouse
    description: Our in-house deploy tool
    search_words: [deploy]
    asset: inhouse-{{trimV .Version}}-{{.OS}}-{{.Arch}}.tar.gz
    replacements:
      amd64: x86_64
    files:
      - name: inhouse
        src: inhouse-{{trimV .Version}}/bin/inhouse
    checksum:
      type: github_release
      asset: SHA256SUMS
      algorithm: sha256
"#,
    );
    let w = World::new()
        .with_env("DEVENV_GITHUB_API", &s.url("/api"))
        .with_env("DEVENV_PLATFORM", "linux-x86_64");
    w.manifest(&format!(
        "[tools]\ninhouse = \"3\"\n\n[settings]\nregistries = [\"{}\"]\n",
        s.url("/registry.yaml")
    ));
    w.run(&["install"]).ok();
    assert!(
        w.lockfile().contains("source = \"aqua:acme/inhouse\""),
        "{}",
        w.lockfile()
    );
    assert!(
        w.lockfile()
            .contains("digest_from = \"checksum file SHA256SUMS\"")
    );
    w.run(&["exec", "--", "inhouse"])
        .ok()
        .stdout_has("inhouse 3.1.0");
    // The project's registry is searched too.
    w.run_env(
        &["search", "deploy"],
        &[
            ("DEVENV_NPM_REGISTRY", &s.url("/npm")),
            ("DEVENV_PYPI_URL", &s.url("/pypi")),
        ],
    )
    .ok()
    .stdout_has("aqua:acme/inhouse");
    // A registry file in the project works the same; a broken one is named.
    w.write("reg/bad.yaml", "packages: {nope");
    w.manifest("[tools]\ninhouse = \"3.1\"\n\n[settings]\nregistries = [\"reg/bad.yaml\"]\n");
    w.run(&["lock"])
        .fails(1)
        .stderr_has("reg/bad.yaml is not an aqua registry");
    // `devenv search` looks through the built-in aqua packages.
    let out = World::new()
        .with_env("DEVENV_NPM_REGISTRY", &s.url("/npm"))
        .with_env("DEVENV_PYPI_URL", &s.url("/pypi"))
        .run(&["search", "kubectl"])
        .ok();
    assert!(
        out.stdout.contains("kubectl") && out.stdout.contains("aqua:kubernetes/kubernetes/kubectl"),
        "{}",
        out.stdout
    );
}

#[test]
fn mirror_and_registry_settings_are_validated_where_written() {
    let w = World::new();
    w.manifest("[tools]\n\n[settings]\nmirrors = { gitub = \"https://ghe.example.com/api/v3\" }\n");
    w.run(&["lock"])
        .fails(1)
        .stderr_has("unknown key `gitub` in `mirrors`")
        .stderr_has("did you mean `github`?");
    w.manifest("[tools]\n\n[settings]\nmirrors = { ftp = \"https://m.example.com\" }\n");
    w.run(&["lock"])
        .fails(1)
        .stderr_has("or a URL prefix to redirect such as");
    w.manifest("[tools]\n\n[settings]\nregistries = \"reg.yaml\"\n");
    w.run(&["lock"])
        .fails(1)
        .stderr_has("`registries` must be an array of strings");
    // A URL prefix is a valid key.
    w.manifest("[tools]\n\n[settings]\nmirrors = { \"https://dl.k8s.io\" = \"https://m.example.com/k8s\" }\n");
    w.run(&["lock"]).ok();
}

#[test]
fn exec_hook_env_and_a_frozen_lock_never_parse_the_catalog_or_registry() {
    // jq comes from the built-in aqua registry; checking its lock entry on
    // the hot path must not parse the registry (or the catalog), yet must
    // still refuse a lock that says it came from elsewhere.
    let s = FixtureServer::start();
    publish_all(&s, &FixtureRekor::start());
    let w = world(&s);
    w.manifest("[tools]\njq = \"1.7\"\n");
    w.run(&["install"]).ok();
    w.run(&["allow"]).ok();
    // The probe: a command that needs the registry says it parses it.
    w.run(&["-v", "search", "jq"])
        .ok()
        .stderr_has("parsing the built-in aqua registry");
    for args in [
        &["-v", "exec", "--", "jq"][..],
        &["-v", "hook-env", "--shell", "bash"],
        &["-v", "lock", "--frozen"],
        &["-v", "exec", "--frozen", "--", "jq"],
    ] {
        let out = w.run(args).ok();
        assert!(
            !out.stderr.contains("parsing the built-in"),
            "{args:?} parsed the catalog:\n{}",
            out.stderr
        );
    }
    // A lock that moves jq to another source is refused, from the index.
    let lock = w.lockfile();
    assert!(lock.contains("source = \"aqua:jqlang/jq\""), "{lock}");
    std::fs::write(
        w.project.join("devenv.lock"),
        lock.replace("source = \"aqua:jqlang/jq\"", "source = \"github:evil/jq\""),
    )
    .unwrap();
    w.run(&["exec", "--frozen", "--", "jq"])
        .fails(1)
        .stderr_has("resolves through aqua:jqlang/jq, the lock says it came from github:evil/jq");
}
