//! The whole aqua registry, built in: tools that only aqua's registry
//! knows (shfmt, k9s, trivy) lock for three platforms against fixture
//! GitHub answers, aliases resolve, packages devenv cannot install are
//! refused by name, and `devenv search` finds packages offline.

use crate::common;
use common::World;
use common::archives::{Entry, tar_gz};
use common::github::{page, release, script, sums};
use common::server::FixtureServer;
use common::sha256_hex;
use common::sigstore::{Signer, TestSigstore};

const THREE: &str = "\n[settings]\nplatforms = [\"linux-x86_64\", \"linux-aarch64\", \"macos-aarch64\"]\ntrusted_root = \"trusted_root.json\"\n";

/// Who trivy's definition says signs its checksums (at the tag).
const TRIVY_SIGNER: &str = "https://github.com/aquasecurity/trivy/.github/workflows/reusable-release.yaml@refs/tags/v0.58.0";

/// shfmt (bare binaries, `sha256sums.txt`), k9s (tarballs, `checksums.sha256`)
/// and trivy (tarballs, a versioned checksums file), named as their real
/// releases name them.
fn publish(s: &FixtureServer) {
    let shfmt: Vec<(String, Vec<u8>)> = ["linux_amd64", "linux_arm64", "darwin_arm64"]
        .iter()
        .map(|p| {
            let n = format!("shfmt_v3.10.0_{p}");
            let body = script("shfmt", p);
            (n, body)
        })
        .collect();
    let refs: Vec<(&str, &[u8])> = shfmt
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let mut assets: Vec<(&str, Vec<u8>)> =
        shfmt.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    assets.push(("sha256sums.txt", sums(&refs)));
    page(
        s,
        "mvdan/sh",
        &[release(s, "mvdan/sh", "v3.10.0", &assets, false)],
    );

    let mut k9s: Vec<(String, Vec<u8>)> = Vec::new();
    for p in [
        "Linux_amd64",
        "Linux_arm64",
        "Darwin_arm64",
        "Windows_amd64",
    ] {
        let body = tar_gz(&[Entry::file("k9s", &script("k9s", p), 0o755)]);
        k9s.push((format!("k9s_{p}.tar.gz"), body));
    }
    let refs: Vec<(&str, &[u8])> = k9s
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let mut assets: Vec<(&str, Vec<u8>)> =
        k9s.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    assets.push(("checksums.sha256", sums(&refs)));
    page(
        s,
        "derailed/k9s",
        &[release(s, "derailed/k9s", "v0.32.7", &assets, false)],
    );

    let mut trivy: Vec<(String, Vec<u8>)> = Vec::new();
    for p in ["Linux-64bit", "Linux-ARM64", "macOS-ARM64"] {
        let body = tar_gz(&[
            Entry::file("trivy", &script("trivy", p), 0o755),
            Entry::file("LICENSE", b"Apache-2.0", 0o644),
        ]);
        trivy.push((format!("trivy_0.58.0_{p}.tar.gz"), body));
    }
    let refs: Vec<(&str, &[u8])> = trivy
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    let mut assets: Vec<(&str, Vec<u8>)> =
        trivy.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    let checksums = sums(&refs);
    // As trivy's definition declares: a cosign bundle of the checksum
    // file, signed by its release workflow at the tag (here, by the test
    // Sigstore instance, whose root the project names).
    let bundle = TestSigstore::new().attest(
        &Signer {
            identity: TRIVY_SIGNER.into(),
            issuer: "https://token.actions.githubusercontent.com".into(),
        },
        &[(
            "trivy_0.58.0_checksums.txt",
            "sha256",
            &sha256_hex(&checksums),
        )],
        "https://slsa.dev/provenance/v1",
    );
    assets.push(("trivy_0.58.0_checksums.txt", checksums));
    assets.push((
        "trivy_0.58.0_checksums.txt.sigstore.json",
        bundle.to_string().into_bytes(),
    ));
    page(
        s,
        "aquasecurity/trivy",
        &[release(s, "aquasecurity/trivy", "v0.58.0", &assets, false)],
    );
}

fn world(s: &FixtureServer) -> World {
    World::new()
        .with_env("DEVENV_GITHUB_API", &s.url("/api"))
        .with_env("DEVENV_NPM_REGISTRY", &s.url("/npm"))
        .with_env("DEVENV_PYPI_URL", &s.url("/pypi"))
        .with_env("DEVENV_PLATFORM", "linux-x86_64")
}

#[test]
fn shfmt_k9s_and_trivy_come_from_the_builtin_registry_into_a_byte_stable_lock() {
    let s = FixtureServer::start();
    publish(&s);
    let w = world(&s);
    w.write("trusted_root.json", TestSigstore::new().trusted_root());
    w.manifest(&format!("[tools]\n{THREE}"));
    w.run(&["add", "shfmt", "k9s", "trivy"]).ok();
    let lock = w.lockfile();
    for (tool, source, version) in [
        ("shfmt", "aqua:mvdan/sh", "3.10.0"),
        ("k9s", "aqua:derailed/k9s", "0.32.7"),
        ("trivy", "aqua:aquasecurity/trivy", "0.58.0"),
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
        // One table per platform (each with its provenance record).
        assert_eq!(
            lock.lines()
                .filter(|l| l.starts_with(&format!("[tools.{tool}.artifacts."))
                    && !l.ends_with(".provenance]"))
                .count(),
            3,
            "{tool}:\n{lock}"
        );
    }
    for needle in [
        "/dl/mvdan/sh/v3.10.0/shfmt_v3.10.0_darwin_arm64",
        "/dl/derailed/k9s/v0.32.7/k9s_Linux_arm64.tar.gz",
        "/dl/aquasecurity/trivy/v0.58.0/trivy_0.58.0_macOS-ARM64.tar.gz",
        "digest_from = \"checksum file checksums.sha256\"",
        "digest_from = \"checksum file trivy_0.58.0_checksums.txt\"",
        "digest_from = \"checksum file sha256sums.txt\"",
        // The signer its definition declares, recorded for each platform.
        &format!("identity = \"{TRIVY_SIGNER}\""),
    ] {
        assert!(lock.contains(needle), "lacks {needle}:\n{lock}");
    }
    // Relocking, and locking again from nothing, give the same bytes.
    w.run(&["lock"]).ok();
    assert_eq!(w.lockfile(), lock);
    std::fs::remove_file(w.project.join("devenv.lock")).unwrap();
    w.run(&["lock"]).ok();
    assert_eq!(w.lockfile(), lock, "a fresh lock differs");
    w.run(&["install"]).ok();
    for (cmd, says) in [
        ("shfmt", "shfmt linux_amd64"),
        ("k9s", "k9s Linux_amd64"),
        ("trivy", "trivy Linux-64bit"),
    ] {
        w.run(&["exec", "--", cmd]).ok().stdout_has(says);
    }
}

#[test]
fn aliases_resolve_and_uninstallable_types_are_refused_by_name() {
    let s = FixtureServer::start();
    let jq = script("jq", "1.7.1");
    let assets = vec![
        ("jq-linux-amd64", jq.clone()),
        ("sha256sum.txt", sums(&[("jq-linux-amd64", &jq)])),
    ];
    page(
        &s,
        "jqlang/jq",
        &[release(&s, "jqlang/jq", "jq-1.7.1", &assets, false)],
    );
    let w = world(&s);
    // `stedolan/jq` is the old name of jqlang/jq, an alias in the registry.
    w.manifest("[tools]\n\"aqua:stedolan/jq\" = \"1.7\"\n");
    w.run(&["install"]).ok();
    assert!(
        w.lockfile()
            .contains("/dl/jqlang/jq/jq-1.7.1/jq-linux-amd64"),
        "{}",
        w.lockfile()
    );
    w.run(&["exec", "--", "jq"]).ok().stdout_has("jq 1.7.1");
    // A Go package is refused naming its module, before any network use.
    w.manifest("[tools]\n\"aqua:golang.org/x/perf/cmd/benchstat\" = \"latest\"\n");
    w.run(&["lock"])
        .fails(1)
        .stderr_has("is built from the Go module golang.org/x/perf/cmd/benchstat")
        .stderr_has("go install golang.org/x/perf/cmd/benchstat@VERSION");
}

#[test]
fn search_finds_builtin_packages_by_name_alias_and_description_offline() {
    let s = FixtureServer::start();
    let w = world(&s);
    // By an alias: the package, its catalog name, and its checksums.
    w.run(&["search", "stedolan"])
        .ok()
        .stdout_has("aqua registry")
        .stdout_has("aqua:jqlang/jq")
        .stdout_has("alias stedolan/jq")
        .stdout_has("published checksums");
    // By a description word, as JSON.
    let out = w.run(&["search", "--json", "vulnerabilities"]).ok();
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let trivy = json["aqua"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["package"] == "aquasecurity/trivy")
        .unwrap_or_else(|| panic!("{}", out.stdout));
    assert_eq!(trivy["catalog_name"], "trivy");
    assert_eq!(trivy["source"], "aqua:aquasecurity/trivy");
    assert_eq!(trivy["checksums_published"], true);
    // A package without published checksums says so.
    let out = w.run(&["search", "--json", "01mf02/jaq"]).ok();
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["aqua"][0]["package"], "01mf02/jaq");
    assert_eq!(json["aqua"][0]["checksums_published"], false);
}

/// A package whose versions are the repository's tags, not its releases
/// (`version_source: github_tag`; aws/eks-hybrid's `nodeadm` downloads
/// from its own host): the tags list the versions, the release list is
/// never asked for, and the file comes from the definition's URL with its
/// published `.sha256`.
#[test]
fn versions_of_a_github_tag_package_are_its_tags() {
    let s = FixtureServer::start();
    s.add(
        "/api/repos/aws/eks-hybrid/tags?per_page=100",
        r#"[{"name": "v1.0.6-rc.1", "commit": {"sha": "a"}}, {"name": "v1.0.5", "commit": {"sha": "b"}}, {"name": "v0.9.0", "commit": {"sha": "c"}}]"#,
    );
    let nodeadm = script("nodeadm", "v1.0.5");
    let path = "/eks/releases/v1.0.5/bin/linux/amd64/nodeadm";
    s.add(path, nodeadm.clone());
    s.add(&format!("{path}.sha256"), sums(&[("nodeadm", &nodeadm)]));
    let w = World::new()
        .with_env("DEVENV_GITHUB_API", &s.url("/api"))
        .with_env(
            "DEVENV_URL_MIRRORS",
            &format!("https://hybrid-assets.eks.amazonaws.com={}", s.url("/eks")),
        )
        .with_env("DEVENV_PLATFORM", "linux-x86_64");
    w.manifest(
        "[tools]\n\"aqua:aws/eks-hybrid\" = \"1\"\n[settings]\nplatforms = [\"linux-x86_64\"]\n",
    );
    w.run(&["lock"]).ok();
    let lock = w.lockfile();
    assert!(lock.contains("version = \"1.0.5\""), "{lock}");
    assert_eq!(s.hits("/api/repos/aws/eks-hybrid/releases?per_page=100"), 0);
    w.run(&["exec", "--", "nodeadm"])
        .ok()
        .stdout_has("nodeadm v1.0.5");
}
