//! A project's own aqua registries (`[settings] registries`) are
//! repository input like the manifest: bounded before they are parsed,
//! covered by `devenv allow` (files by content, URLs by a pinned digest),
//! said when they replace a built-in name, and never locked into entries
//! the lock's reader would refuse.

use crate::common;
use common::archives::{Entry, tar_gz};
use common::github::{page, release, sums};
use common::server::FixtureServer;
use common::{World, sha256_hex};

#[test]
fn a_deeply_nested_registry_file_is_refused_before_parsing() {
    // 234 KiB of `[`: the YAML parser spends minutes of CPU on it.
    let w = World::new();
    let half = 234 * 1024 / 2;
    w.write(
        "reg.yaml",
        format!("packages: {}{}\n", "[".repeat(half), "]".repeat(half)),
    );
    w.manifest("[tools]\n\"aqua:a/b\" = \"1\"\n\n[settings]\nregistries = [\"reg.yaml\"]\n");
    w.run(&["lock"]).fails(1).stderr_has(
        "reg.yaml nests deeper than 64 levels; it is not a registry (aqua's own nests about ten)",
    );
}

/// `acme/inhouse` v3.1.0 on the fixture GitHub `s`, and a registry file
/// describing it whose `files` entry is `files` (YAML lines).
fn inhouse_registry(s: &FixtureServer, files: &str) -> String {
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
        s,
        "acme/inhouse",
        &[release(s, "acme/inhouse", "v3.1.0", &assets, false)],
    );
    format!(
        r#"packages:
  - type: github_release
    repo_owner: acme
    repo_name: inhouse
    asset: inhouse-{{{{trimV .Version}}}}-{{{{.OS}}}}-{{{{.Arch}}}}.tar.gz
    replacements:
      amd64: x86_64
    files:
{files}
    checksum:
      type: github_release
      asset: SHA256SUMS
      algorithm: sha256
"#
    )
}

#[test]
fn registry_files_outside_the_tool_are_refused_at_resolution() {
    let s = FixtureServer::start();
    let w = World::new()
        .with_env("DEVENV_GITHUB_API", &s.url("/api"))
        .with_env("DEVENV_PLATFORM", "linux-x86_64");
    w.manifest("[tools]\ninhouse = \"3\"\n\n[settings]\nregistries = [\"reg.yaml\"]\n");
    for (files, problem) in [
        (
            "      - name: inhouse\n        src: ../../../../etc/passwd",
            "the command `inhouse` is the file `../../../../etc/passwd`, which is outside the tool's directory",
        ),
        (
            "      - name: ../inhouse\n        src: inhouse-3.1.0/bin/inhouse",
            "the command name `../inhouse` is not a plain file name",
        ),
    ] {
        w.write("reg.yaml", inhouse_registry(&s, files));
        w.run(&["lock"])
            .fails(1)
            .stderr_has("could not resolve `inhouse`: aqua:acme/inhouse 3.1.0 cannot be locked for linux-x86_64")
            .stderr_has(problem);
        assert!(
            !w.project.join("devenv.lock").exists(),
            "no lock is written that devenv would refuse to read"
        );
    }
    // The same registry with its files inside the tool locks, and the lock reads back.
    w.write(
        "reg.yaml",
        inhouse_registry(
            &s,
            "      - name: inhouse\n        src: inhouse-{{trimV .Version}}/bin/inhouse",
        ),
    );
    w.run(&["lock"]).ok();
    w.run(&["exec", "--", "inhouse"])
        .ok()
        .stdout_has("inhouse 3.1.0");
}

/// A registry file defining `OWNER/jq` the way the built-in one defines
/// `jqlang/jq`.
fn jq_registry(owner: &str) -> String {
    format!(
        "packages:\n  - type: github_release\n    repo_owner: {owner}\n    repo_name: jq\n    version_prefix: jq-\n    asset: jq-{{{{.OS}}}}-{{{{.Arch}}}}\n    format: raw\n    checksum:\n      type: github_release\n      asset: sha256sum.txt\n      algorithm: sha256\n"
    )
}

/// jq 1.7.1 by `owner` on the fixture GitHub `s`, printing `says`.
fn publish_jq(s: &FixtureServer, owner: &str, says: &str) {
    let bin = format!("#!/bin/sh\necho {says}\n").into_bytes();
    let all = vec![
        ("jq-linux-amd64", bin.clone()),
        ("sha256sum.txt", sums(&[("jq-linux-amd64", &bin)])),
    ];
    let repo = format!("{owner}/jq");
    page(s, &repo, &[release(s, &repo, "jq-1.7.1", &all, false)]);
}

fn assert_allowed(w: &World) {
    let out = w.run(&["status", "--json"]).ok();
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["project"]["allowed"], true, "{}", out.stdout);
}

#[test]
fn an_edit_of_a_registry_file_alone_needs_a_new_allow() {
    let s = FixtureServer::start();
    publish_jq(&s, "jqlang", "real jq");
    publish_jq(&s, "evil", "evil jq");
    let w = World::new()
        .with_env("DEVENV_GITHUB_API", &s.url("/api"))
        .with_env("DEVENV_PLATFORM", "linux-x86_64");
    // The registry file first adds an unrelated package.
    w.write(
        "reg.yaml",
        "packages:\n  - type: github_release\n    repo_owner: acme\n    repo_name: other\n    asset: other\n",
    );
    w.manifest("[tools]\njq = \"1.7\"\n\n[settings]\nregistries = [\"reg.yaml\"]\n");
    w.run(&["lock"]).ok();
    w.run(&["allow"]).ok().stderr_has("reg.yaml");
    assert_allowed(&w);
    w.run(&["exec", "--", "jq"]).ok().stdout_has("real jq");

    // A pull request edits only the registry file, taking over `jq`.
    w.write("reg.yaml", jq_registry("evil"));
    let status = w.run(&["status"]).ok();
    assert!(
        status
            .stdout
            .contains("reg.yaml changed since it was allowed"),
        "{}",
        status.stdout
    );
    let replaced = "the project's registry reg.yaml replaces the built-in `jq` (jqlang/jq) with its own definition of evil/jq";
    // `update` rewrites the lock from the edited registry, and says so…
    w.run(&["update", "jq"]).ok();
    assert!(w.lockfile().contains("evil/jq"), "{}", w.lockfile());
    // …but the allow does not carry over to what it derived.
    let status = w.run(&["status"]).ok();
    assert!(
        status
            .stdout
            .contains("reg.yaml changed since it was allowed"),
        "{}",
        status.stdout
    );
    w.run(&["lock"]).ok().stderr_has(replaced);
    w.run(&["install"]).ok().stderr_has(replaced);
    w.run(&["allow"]).ok().stderr_has(replaced);
    assert_allowed(&w);
}

#[test]
fn the_prompt_after_a_registry_edit_applies_nothing() {
    let sb = common::shell::Sandbox::new();
    let a = sb.project(
        "a",
        "[env]\nA1 = \"one\"\n\n[settings]\nregistries = [\"reg.yaml\"]\n",
    );
    std::fs::write(a.join("reg.yaml"), "packages: []\n").unwrap();
    sb.devenv(&a, &["allow"]).ok();
    let run = sb.run(
        common::shell::Sh::BASH,
        &format!(
            "cd {}\nprompt\nshow A1\nprintf 'packages: [{{name: evil/jq}}]\\n' > reg.yaml\nprompt\nshow A1\n",
            sb.q(&a)
        ),
    );
    assert_eq!(run.ok(), "A1=[one]\nA1 unset\n");
    assert!(
        run.stderr
            .contains("reg.yaml changed since a/devenv.toml was allowed"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_registry_url_can_pin_its_content_and_an_unpinned_one_is_said_uncovered() {
    let s = FixtureServer::start();
    publish_jq(&s, "jqlang", "real jq");
    publish_jq(&s, "evil", "evil jq");
    let good = jq_registry("jqlang");
    s.add("/reg.yaml", good.clone());
    let w = World::new()
        .with_env("DEVENV_GITHUB_API", &s.url("/api"))
        .with_env("DEVENV_PLATFORM", "linux-x86_64");
    let url = s.url("/reg.yaml");
    w.manifest(&format!(
        "[tools]\njq = \"1.7\"\n\n[settings]\nregistries = [\"{url}\"]\n"
    ));
    w.run(&["allow"]).ok().stderr_has(&format!(
        "the registry {url} is read from the network when devenv locks: this allow covers its URL, not what it serves"
    ));
    let pinned = format!("{url}#sha256={}", sha256_hex(good.as_bytes()));
    w.manifest(&format!(
        "[tools]\njq = \"1.7\"\n\n[settings]\nregistries = [\"{pinned}\"]\n"
    ));
    let out = w.run(&["allow"]).ok();
    assert!(!out.stderr.contains("not what it serves"), "{}", out.stderr);
    w.run(&["lock"]).ok();
    w.run(&["exec", "--", "jq"]).ok().stdout_has("real jq");
    // The server swaps the registry: the pin refuses it.
    s.add("/reg.yaml", jq_registry("evil"));
    w.run(&["update", "jq"]).fails(1).stderr_has(&format!(
        "the aqua registry {url} is not the one devenv.toml pins"
    ));
    assert!(!w.lockfile().contains("evil/jq"), "{}", w.lockfile());
}
