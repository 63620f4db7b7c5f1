//! Tools from GitHub releases, the aqua registry and HashiCorp's index,
//! each served by a fixture server on 127.0.0.1 in the real formats: the
//! REST API's release pages, `checksums.txt`/`SHA256SUMS`/`<asset>.sha256`
//! files, aqua package YAML, and HashiCorp's `index.json`.

mod common;
use common::archives::{Entry, tar_gz, zip};
use common::server::FixtureServer;
use common::{World, sha256_hex};

const THREE: &str =
    "\n[settings]\nplatforms = [\"linux-x86_64\", \"linux-aarch64\", \"macos-aarch64\"]\n";

/// One asset of a release page, as the API writes it.
fn asset_json(
    s: &FixtureServer,
    repo: &str,
    tag: &str,
    name: &str,
    digest: Option<&[u8]>,
) -> String {
    let digest = digest.map_or("null".to_string(), |b| {
        format!("\"sha256:{}\"", sha256_hex(b))
    });
    format!(
        r#"{{"url": "https://api.github.com/repos/{repo}/releases/assets/1", "id": 1, "node_id": "RA_x", "name": "{name}", "label": "", "content_type": "application/octet-stream", "state": "uploaded", "size": 1, "digest": {digest}, "download_count": 7, "created_at": "2024-11-13T15:00:00Z", "updated_at": "2024-11-13T15:00:00Z", "browser_download_url": "{}"}}"#,
        s.url(&format!("/dl/{repo}/{tag}/{name}"))
    )
}

/// Publishes a release: each asset served at its download URL, the
/// release object returned (for a page of the API).
fn release(
    s: &FixtureServer,
    repo: &str,
    tag: &str,
    assets: &[(&str, Vec<u8>)],
    api_digests: bool,
) -> String {
    let mut list = Vec::new();
    for (name, bytes) in assets {
        s.add(&format!("/dl/{repo}/{tag}/{name}"), bytes.clone());
        list.push(asset_json(
            s,
            repo,
            tag,
            name,
            api_digests.then_some(bytes.as_slice()),
        ));
    }
    format!(
        r#"{{"url": "https://api.github.com/repos/{repo}/releases/1", "html_url": "https://github.com/{repo}/releases/tag/{tag}", "id": 1, "tag_name": "{tag}", "target_commitish": "main", "name": "{tag}", "draft": false, "prerelease": false, "created_at": "2024-11-13T15:00:00Z", "published_at": "2024-11-13T15:00:00Z", "assets": [{}], "tarball_url": "x", "zipball_url": "y", "body": "notes"}}"#,
        list.join(", ")
    )
}

fn page(s: &FixtureServer, repo: &str, releases: &[String]) {
    s.add(
        &format!("/api/repos/{repo}/releases?per_page=100"),
        format!("[{}]", releases.join(",\n")),
    );
}

fn sums(files: &[(&str, &[u8])]) -> Vec<u8> {
    files
        .iter()
        .map(|(n, b)| format!("{}  {n}\n", sha256_hex(b)))
        .collect::<String>()
        .into_bytes()
}

fn script(name: &str, version: &str) -> Vec<u8> {
    format!("#!/bin/sh\necho {name} {version}\n").into_bytes()
}

/// jq, gh, ripgrep and kubectl on the fixture GitHub, kubectl's download
/// host and HashiCorp's index, for three platforms.
fn publish_all(s: &FixtureServer) {
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
    page(
        s,
        "kubernetes/kubernetes",
        &[release(s, "kubernetes/kubernetes", "v1.31.2", &[], false)],
    );
    for (os, arch) in [("linux", "amd64"), ("linux", "arm64"), ("darwin", "arm64")] {
        let body = script("kubectl", &format!("{os}-{arch}"));
        let dir = format!("/k8s/release/v1.31.2/bin/{os}/{arch}");
        s.add(&format!("{dir}/kubectl.sha256"), sha256_hex(&body));
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
    publish_all(&s);
    let w = world(&s);
    w.manifest(&format!("[tools]\n{THREE}"));
    w.run(&["add", "jq", "gh", "terraform", "kubectl", "ripgrep"])
        .ok();
    let lock = w.lockfile();
    for (tool, source, version) in [
        ("jq", "aqua:jqlang/jq", "1.7.1"),
        ("gh", "aqua:cli/cli", "2.63.0"),
        ("terraform", "hashicorp:terraform", "1.9.8"),
        ("kubectl", "aqua:kubernetes/kubectl", "1.31.2"),
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
        "/k8s/release/v1.31.2/bin/darwin/arm64/kubectl",
        "/hc/terraform/1.9.8/terraform_1.9.8_linux_arm64.zip",
        "digest_from = \"checksum file gh_2.63.0_checksums.txt\"",
        "digest_from = \"checksum file sha256sum.txt\"",
        "digest_from = \"checksum file kubectl.sha256\"",
        "digest_from = \"terraform_1.9.8_SHA256SUMS\"",
        "digest_from = \"checksum file ripgrep-14.1.1-aarch64-apple-darwin.tar.gz.sha256\"",
    ] {
        assert!(lock.contains(needle), "lacks {needle}:\n{lock}");
    }
    assert_eq!(lock.matches("[tools.gh.artifacts.").count(), 3);
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
fn github_releases_paginate_and_the_token_goes_to_the_api_only() {
    let s = FixtureServer::start();
    let repo = "acme/tool";
    let new = release(
        &s,
        repo,
        "v2.0.0",
        &[(
            "tool-linux-amd64.tar.gz",
            tar_gz(&[Entry::file("tool", b"#!/bin/sh\necho new\n", 0o755)]),
        )],
        true,
    );
    let old = release(
        &s,
        repo,
        "v1.4.0",
        &[(
            "tool_1.4.0_Linux_x86_64.tar.gz",
            tar_gz(&[Entry::file("tool", b"#!/bin/sh\necho old\n", 0o755)]),
        )],
        false,
    );
    let next = s.url("/api/repositories/42/releases?per_page=100&page=2");
    s.add_with_headers(
        &format!("/api/repos/{repo}/releases?per_page=100"),
        200,
        &[(
            "Link",
            &format!("<{next}>; rel=\"next\", <{next}>; rel=\"last\""),
        )],
        format!("[{new}]"),
    );
    s.add(
        "/api/repositories/42/releases?per_page=100&page=2",
        format!("[{old}]"),
    );
    let w = World::new()
        .with_env("DEVENV_GITHUB_API", &s.url("/api"))
        .with_env("GITHUB_TOKEN", "ghp_secret123")
        .with_env("DEVENV_PLATFORM", "linux-x86_64");
    w.manifest("[tools]\n\"github:acme/tool\" = \"1\"\n");
    let out = w.run(&["lock"]).ok();
    assert!(!out.stderr.contains("ghp_secret123"), "{}", out.stderr);
    let lock = w.lockfile();
    assert!(lock.contains("version = \"1.4.0\""), "{lock}");
    assert!(lock.contains("tool_1.4.0_Linux_x86_64.tar.gz"), "{lock}");
    // No checksum file and no API digest: trusted on first use, and said so.
    assert!(
        lock.contains("digest_from = \"trust on first use\""),
        "{lock}"
    );
    out.stderr_has("trusted on first use");
    assert_eq!(
        s.last_header(&format!("/api/repos/{repo}/releases"), "authorization")
            .as_deref(),
        Some("Bearer ghp_secret123")
    );
    assert_eq!(
        s.last_header(
            "/dl/acme/tool/v1.4.0/tool_1.4.0_Linux_x86_64.tar.gz",
            "authorization"
        ),
        None
    );
    // The newest release carries the API's digest; an `asset` template picks by name.
    w.manifest("[tools]\n\"github:acme/tool\" = { version = \"2\", asset = \"tool-{os}-{arch}.tar.gz\" }\n");
    w.run(&["lock"]).ok();
    let lock = w.lockfile();
    assert!(
        lock.contains("digest_from = \"release API digest\""),
        "{lock}"
    );
    w.run(&["exec", "--", "tool"]).ok().stdout_has("new");
    // An asset template that matches nothing lists what there is.
    w.manifest(
        "[tools]\n\"github:acme/tool\" = { version = \"2\", asset = \"tool-{version}.zip\" }\n",
    );
    w.run(&["lock"])
        .fails(1)
        .stderr_has("no asset of acme/tool 2.0.0 (v2.0.0) matches `asset = \"tool-{version}.zip\"` for linux-x86_64; its assets are tool-linux-amd64.tar.gz");
}

#[test]
fn a_rate_limited_api_says_when_it_resets_and_how_to_add_a_token() {
    let s = FixtureServer::start();
    s.add_with_headers(
        "/api/repos/cli/cli/releases?per_page=100",
        403,
        &[
            ("X-RateLimit-Limit", "60"),
            ("X-RateLimit-Remaining", "0"),
            ("X-RateLimit-Reset", "4102444800"),
        ],
        r#"{"message":"API rate limit exceeded for 127.0.0.1. (But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.)","documentation_url":"https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"}"#,
    );
    let w = World::new().with_env("DEVENV_GITHUB_API", &s.url("/api"));
    w.manifest("[tools]\n\"github:cli/cli\" = \"2\"\n");
    w.run(&["lock"])
        .fails(1)
        .stderr_has("GitHub's API rate limit is used up (60 requests an hour); it resets at 2100-01-01T00:00:00Z")
        .stderr_has("set GITHUB_TOKEN (or GH_TOKEN)");
    w.manifest("[tools]\n\"github:nobody/nothing\" = \"2\"\n");
    w.run(&["lock"])
        .fails(1)
        .stderr_has("GitHub has no repository `nobody/nothing`");
    w.manifest("[tools]\n\"github:not-a-repo\" = \"2\"\n");
    w.run(&["lock"])
        .fails(1)
        .stderr_has("write it as `owner/name`");
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
        .run(&["search", "k8s"])
        .ok();
    assert!(
        out.stdout.contains("kubectl") && out.stdout.contains("aqua:kubernetes/kubectl"),
        "{}",
        out.stdout
    );
}

#[test]
fn java_comes_from_the_adoptium_api_with_java_home_set_while_active() {
    let s = FixtureServer::start();
    s.add(
        "/adoptium/v3/info/available_releases",
        r#"{"available_lts_releases": [8, 11, 17, 21], "available_releases": [8, 11, 17, 21, 22, 23], "most_recent_feature_release": 23, "most_recent_feature_version": 24, "most_recent_lts": 21, "tip_version": 24}"#,
    );
    let mut binaries = Vec::new();
    for (os, arch, top) in [
        ("linux", "x64", "jdk-21.0.5+11"),
        ("linux", "aarch64", "jdk-21.0.5+11"),
        ("mac", "aarch64", "jdk-21.0.5+11/Contents/Home"),
    ] {
        let name = format!("OpenJDK21U-jdk_{arch}_{os}_hotspot_21.0.5_11.tar.gz");
        let body = tar_gz(&[Entry::file(
            &format!("{top}/bin/java"),
            b"#!/bin/sh\necho \"java 21.0.5 home=$JAVA_HOME\"\n",
            0o755,
        )]);
        binaries.push(format!(
            r#"{{"architecture": "{arch}", "download_count": 1, "heap_size": "normal", "image_type": "jdk", "jvm_impl": "hotspot", "os": "{os}", "package": {{"checksum": "{}", "checksum_link": "x.sha256.txt", "download_count": 1, "link": "{}", "metadata_link": "x.json", "name": "{name}", "signature_link": "x.sig", "size": {}}}, "project": "jdk", "scm_ref": "jdk-21.0.5+11_adopt", "updated_at": "2024-10-16T12:00:00Z"}}"#,
            sha256_hex(&body),
            s.url(&format!("/dl/jdk/{name}")),
            body.len()
        ));
        s.add(&format!("/dl/jdk/{name}"), body);
    }
    binaries.push(r#"{"architecture": "x64", "heap_size": "normal", "image_type": "jre", "jvm_impl": "hotspot", "os": "linux", "package": {"checksum": "00", "link": "https://nowhere/jre.tar.gz", "name": "jre.tar.gz"}}"#.into());
    s.add(
        "/adoptium/v3/assets/feature_releases/21/ga",
        format!(
            r#"[{{"binaries": [{}], "download_count": 9, "id": "a", "release_link": "https://github.com/adoptium/temurin21-binaries/releases/tag/jdk-21.0.5%2B11", "release_name": "jdk-21.0.5+11", "release_type": "ga", "timestamp": "2024-10-16T12:00:00Z", "updated_at": "2024-10-16T12:00:00Z", "vendor": "eclipse", "version_data": {{"build": 11, "major": 21, "minor": 0, "openjdk_version": "21.0.5+11-LTS", "optional": "LTS", "security": 5, "semver": "21.0.5+11.0.LTS"}}}},
  {{"binaries": [], "release_name": "jdk-21.0.4+7", "release_type": "ga", "vendor": "eclipse", "version_data": {{"build": 7, "major": 21, "minor": 0, "security": 4, "semver": "21.0.4+7.0.LTS"}}}}]"#,
            binaries.join(", ")
        ),
    );
    let w = World::new()
        .with_env("DEVENV_ADOPTIUM_API", &s.url("/adoptium"))
        .with_env("DEVENV_PLATFORM", "linux-x86_64");
    w.manifest(&format!(
        "[tools]\njava = \"21\"\n\n[env]\nJH_COPY = \"${{JAVA_HOME}}\"\n{THREE}"
    ));
    w.run(&["install"]).ok();
    let lock = w.lockfile();
    assert!(lock.contains("version = \"21.0.5+11\""), "{lock}");
    assert!(
        lock.contains("JAVA_HOME = \"{root}/Contents/Home\""),
        "{lock}"
    );
    assert!(lock.contains("bin = [\"Contents/Home/bin\"]"), "{lock}");
    assert!(
        lock.contains("digest_from = \"Adoptium API checksum\""),
        "{lock}"
    );
    let out = w.run(&["exec", "--", "java"]).ok();
    let home = out
        .stdout
        .trim()
        .strip_prefix("java 21.0.5 home=")
        .unwrap_or_else(|| panic!("{}", out.stdout));
    assert!(
        std::path::Path::new(home).join("bin/java").is_file(),
        "{home}"
    );
    let out = w.run(&["exec", "--", "sh", "-c", "echo $JH_COPY"]).ok();
    assert_eq!(out.stdout.trim(), home);
    // A feature Adoptium does not have is named with those it has.
    w.manifest("[tools]\njava = \"19\"\n");
    w.run(&["lock"])
        .fails(1)
        .stderr_has("Adoptium has no JDK 19; its feature versions are 8, 11, 17, 21, 22, 23");
}

/// A rust-installer tarball: `<dir>/components` naming one component
/// whose files are `files` (paths inside the component).
fn rust_component(dir: &str, component: &str, files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut entries = vec![
        Entry::file(
            &format!("{dir}/components"),
            format!("{component}\n").as_bytes(),
            0o644,
        ),
        Entry::file(&format!("{dir}/install.sh"), b"#!/bin/sh\n", 0o755),
        Entry::file(&format!("{dir}/rust-installer-version"), b"3\n", 0o644),
        Entry::file(
            &format!("{dir}/{component}/manifest.in"),
            b"file:x\n",
            0o644,
        ),
    ];
    for (path, body) in files {
        entries.push(Entry::file(
            &format!("{dir}/{component}/{path}"),
            body,
            0o755,
        ));
    }
    common::archives::tar_xz(&entries)
}

#[test]
fn rust_toolchains_merge_their_components_into_one_entry() {
    let s = FixtureServer::start();
    let date = "2024-11-28";
    let mut toml = format!("manifest-version = \"2\"\ndate = \"{date}\"\n");
    let rustc = b"#!/bin/sh\nls \"$(dirname \"$0\")/../lib/rustlib\"\n" as &[u8];
    /// A package of the manifest: its name, version and (target, tarball)s.
    type Pkg<'a> = (&'a str, String, Vec<(String, Vec<u8>)>);
    let mut pkgs: Vec<Pkg> = Vec::new();
    for (pkg, version) in [
        ("rustc", "1.83.0 (90b35a623 2024-11-26)"),
        ("cargo", "0.84.0 (66221abde 2024-11-19)"),
        ("rust-std", "1.83.0 (90b35a623 2024-11-26)"),
        ("clippy-preview", "0.1.83 (90b35a62 2024-11-26)"),
    ] {
        let mut targets = Vec::new();
        let mut hosts = vec![
            "x86_64-unknown-linux-gnu",
            "aarch64-unknown-linux-gnu",
            "aarch64-apple-darwin",
        ];
        if pkg == "rust-std" {
            hosts.push("wasm32-unknown-unknown");
        }
        for t in hosts {
            let dir = format!("{pkg}-1.83.0-{t}");
            let (component, files): (String, Vec<(String, &[u8])>) = match pkg {
                "rustc" => ("rustc".into(), vec![("bin/rustc".into(), rustc)]),
                "cargo" => (
                    "cargo".into(),
                    vec![("bin/cargo".into(), b"#!/bin/sh\necho cargo 1.83.0\n")],
                ),
                "rust-std" => (
                    format!("rust-std-{t}"),
                    vec![(format!("lib/rustlib/{t}/lib/libstd.rlib"), b"std")],
                ),
                _ => (
                    "clippy-preview".into(),
                    vec![(
                        "bin/cargo-clippy".into(),
                        b"#!/bin/sh\necho clippy 0.1.83\n",
                    )],
                ),
            };
            let refs: Vec<(&str, &[u8])> = files.iter().map(|(p, b)| (p.as_str(), *b)).collect();
            targets.push((t.to_string(), rust_component(&dir, &component, &refs)));
        }
        pkgs.push((pkg, version.to_string(), targets));
    }
    toml.push_str("[pkg.rust]\nversion = \"1.83.0 (90b35a623 2024-11-26)\"\n");
    for (pkg, version, targets) in &pkgs {
        toml.push_str(&format!("[pkg.{pkg}]\nversion = \"{version}\"\n"));
        for (t, body) in targets {
            let file = format!("dist/{date}/{pkg}-1.83.0-{t}.tar.xz");
            s.add(&format!("/rust/{file}"), body.clone());
            toml.push_str(&format!(
                "[pkg.{pkg}.target.{t}]\navailable = true\nurl = \"https://static.rust-lang.org/{}\"\nhash = \"{}\"\nxz_url = \"https://static.rust-lang.org/{file}\"\nxz_hash = \"{}\"\n",
                file.replace(".tar.xz", ".tar.gz"),
                "0".repeat(64),
                sha256_hex(body)
            ));
        }
    }
    toml.push_str("[renames.clippy]\nto = \"clippy-preview\"\n[renames.rustfmt]\nto = \"rustfmt-preview\"\n[profiles]\nminimal = [\"rustc\", \"cargo\", \"rust-std\"]\n");
    s.add("/rust/dist/channel-rust-1.83.toml", toml.clone());
    s.add("/rust/dist/channel-rust-stable.toml", toml);
    let w = World::new()
        .with_env("DEVENV_RUST_MIRROR", &s.url("/rust"))
        .with_env("DEVENV_PLATFORM", "linux-x86_64");
    let manifest = format!(
        "[tools]\nrust = {{ version = \"1.83\", components = [\"clippy\"], targets = [\"wasm32-unknown-unknown\"] }}\n{THREE}"
    );
    w.manifest(&manifest);
    w.run(&["install"]).ok();
    let lock = w.lockfile();
    assert!(lock.contains("version = \"1.83.0\""), "{lock}");
    assert!(lock.contains("layout = \"rust-installer\""), "{lock}");
    assert_eq!(
        lock.matches("[[tools.rust.artifacts.linux-x86_64.parts]]")
            .count(),
        4,
        "{lock}"
    );
    assert!(
        lock.contains(
            &s.url("/rust/dist/2024-11-28/rust-std-1.83.0-wasm32-unknown-unknown.tar.xz")
        ),
        "{lock}"
    );
    assert_eq!(w.store_entries().len(), 1, "one entry for all components");
    let out = w.run(&["exec", "--", "rustc"]).ok();
    assert!(
        out.stdout.contains("x86_64-unknown-linux-gnu")
            && out.stdout.contains("wasm32-unknown-unknown"),
        "{}",
        out.stdout
    );
    w.run(&["exec", "--", "cargo-clippy"])
        .ok()
        .stdout_has("clippy 0.1.83");
    w.run(&["exec", "--", "cargo"])
        .ok()
        .stdout_has("cargo 1.83.0");
    // Every part is verified: a changed component leaves no entry behind.
    let other = World::new()
        .with_env("DEVENV_RUST_MIRROR", &s.url("/rust"))
        .with_env("DEVENV_PLATFORM", "linux-x86_64");
    other.manifest(&manifest);
    other.write("devenv.lock", &lock);
    s.add(
        "/rust/dist/2024-11-28/rust-std-1.83.0-wasm32-unknown-unknown.tar.xz",
        b"tampered".to_vec(),
    );
    other
        .run(&["install"])
        .fails(1)
        .stderr_has("does not match the lock")
        .stderr_has("rust-std-1.83.0-wasm32-unknown-unknown.tar.xz");
    assert!(other.store_entries().is_empty());
    assert!(other.staging_leftovers().is_empty());
    // `stable` reads the stable channel; an unknown component is named.
    w.manifest("[tools]\nrust = \"stable\"\n");
    w.run(&["lock"]).ok();
    assert!(w.lockfile().contains("version = \"1.83.0\""));
    w.manifest("[tools]\nrust = { version = \"stable\", components = [\"miri\"] }\n");
    w.run(&["lock"])
        .fails(1)
        .stderr_has("Rust has no component `miri`");
}

#[test]
fn unreachable_servers_and_misplaced_options_are_explained() {
    let s = FixtureServer::start();
    let closed = s.base();
    s.stop();
    let w = World::new().with_env("DEVENV_GITHUB_API", &closed);
    w.manifest("[tools]\n\"github:cli/cli\" = \"2\"\n");
    w.run(&["lock"])
        .fails(1)
        .stderr_has("point DEVENV_GITHUB_API (or `[settings] mirrors`) at a mirror");
    w.manifest("[tools]\nterraform = { version = \"1\", asset = \"x\" }\n");
    w.run(&["lock"])
        .fails(1)
        .stderr_has("`asset` only applies to tools from the `github` backend, and `terraform` comes from hashicorp:terraform");
    w.manifest("[tools]\nnode = { version = \"22\", components = [\"clippy\"] }\n");
    w.run(&["lock"])
        .fails(1)
        .stderr_has("`components` only applies to tools from the `rust-dist` backend");
    w.manifest("[tools]\nrust = { version = \"1.83\", targets = [\"../x\"] }\n");
    w.run(&["lock"])
        .fails(1)
        .stderr_has("`../x` is not a target name");
}
