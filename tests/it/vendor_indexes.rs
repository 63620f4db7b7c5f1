//! The vendor indexes (Node.js, Go, Zig) end to end, each served from a
//! fixture mirror on 127.0.0.1 in its real format and selected through the
//! catalog's sources and the mirror variables.

use crate::common;
use common::archives::{Entry, tar_gz, tar_xz};
use common::server::FixtureServer;
use common::{World, sha256_hex};

const THREE: &str =
    "\n[settings]\nplatforms = [\"linux-x86_64\", \"linux-aarch64\", \"macos-aarch64\"]\n";

fn node_mirror() -> FixtureServer {
    let s = FixtureServer::start();
    s.add(
        "/index.json",
        r#"[
  {"version":"v23.3.0","date":"2024-11-20","files":["headers","linux-arm64","linux-x64","osx-arm64-tar","osx-x64-tar","src","win-x64-zip"],"npm":"10.9.0","v8":"12.9.202.28","uv":"1.49.1","zlib":"1.3.0.1-motley","openssl":"3.0.15+quic","modules":"131","lts":false,"security":false},
  {"version":"v22.11.0","date":"2024-10-29","files":["headers","linux-arm64","linux-x64","osx-arm64-tar","osx-x64-tar","src"],"npm":"10.9.0","v8":"12.4.254.21","uv":"1.48.0","zlib":"1.3.0.1-motley","openssl":"3.0.15+quic","modules":"127","lts":"Jod","security":false},
  {"version":"v22.10.0","date":"2024-10-16","files":["linux-arm64","linux-x64","osx-arm64-tar","osx-x64-tar"],"npm":"10.9.0","lts":false,"security":false}
]"#,
    );
    for v in ["22.11.0", "23.3.0"] {
        let mut sums = String::new();
        for plat in ["linux-x64", "linux-arm64", "darwin-arm64", "darwin-x64"] {
            for ext in ["tar.gz", "tar.xz"] {
                let name = format!("node-v{v}-{plat}.{ext}");
                let entries = [Entry::file(
                    &format!("node-v{v}-{plat}/bin/node"),
                    format!("#!/bin/sh\necho v{v}\n").as_bytes(),
                    0o755,
                )];
                let body = if ext == "tar.xz" {
                    tar_xz(&entries)
                } else {
                    tar_gz(&entries)
                };
                sums.push_str(&format!("{}  {name}\n", sha256_hex(&body)));
                s.add(&format!("/v{v}/{name}"), body);
            }
        }
        s.add(&format!("/v{v}/SHASUMS256.txt"), sums);
    }
    s
}

#[test]
fn node_from_its_index_with_lts_and_shasums() {
    let s = node_mirror();
    let p = World::new().with_env("DEVENV_NODE_MIRROR", &s.base());
    p.manifest(&format!("[tools]\nnode = \"lts\"\n{THREE}"));
    p.run(&["lock"]).ok();
    let lock = p.lockfile();
    assert!(lock.contains("version = \"22.11.0\""), "{lock}");
    assert!(lock.contains("source = \"node-dist\""), "{lock}");
    assert!(
        lock.contains(&s.url("/v22.11.0/node-v22.11.0-darwin-arm64.tar.xz")),
        "{lock}"
    );
    assert!(
        lock.contains(&s.url("/v22.11.0/node-v22.11.0-linux-arm64.tar.xz")),
        "{lock}"
    );
    assert_eq!(s.hits("/v22.11.0/SHASUMS256.txt"), 1);
    // `latest` and prefixes go by version, LTS or not.
    p.manifest(&format!("[tools]\nnode = \"22\"\n{THREE}"));
    p.run(&["lock"]).ok();
    assert!(p.lockfile().contains("version = \"22.11.0\""));
    p.manifest(&format!("[tools]\nnode = \"latest\"\n{THREE}"));
    p.run(&["lock"]).ok();
    assert!(p.lockfile().contains("version = \"23.3.0\""));
}

#[test]
fn node_mirror_setting_in_the_manifest() {
    let s = node_mirror();
    let p = World::new();
    p.manifest(&format!(
        "[tools]\nnode = \"23\"\n{THREE}mirrors = {{ node-dist = \"{}\" }}\n",
        s.base()
    ));
    p.run(&["lock"]).ok();
    assert!(
        p.lockfile()
            .contains(&s.url("/v23.3.0/node-v23.3.0-linux-x64.tar.xz")),
        "{}",
        p.lockfile()
    );
}

#[test]
fn go_from_its_index() {
    let s = FixtureServer::start();
    let file = |v: &str, os: &str, arch: &str, kind: &str, ext: &str| {
        format!(
            r#"{{"filename": "go{v}.{os}-{arch}.{ext}", "os": "{os}", "arch": "{arch}", "version": "go{v}", "sha256": "{}", "size": 70000000, "kind": "{kind}"}}"#,
            sha256_hex(format!("{v}{os}{arch}{ext}").as_bytes())
        )
    };
    let release = |v: &str, stable: bool| {
        let files = [
            file(v, "linux", "amd64", "archive", "tar.gz"),
            file(v, "linux", "arm64", "archive", "tar.gz"),
            file(v, "darwin", "arm64", "archive", "tar.gz"),
            file(v, "darwin", "arm64", "installer", "pkg"),
            format!(
                r#"{{"filename": "go{v}.src.tar.gz", "os": "", "arch": "", "version": "go{v}", "sha256": "{}", "size": 1, "kind": "source"}}"#,
                "a".repeat(64)
            ),
        ];
        format!(
            r#"{{"version": "go{v}", "stable": {stable}, "files": [{}]}}"#,
            files.join(",")
        )
    };
    s.add(
        "/dl/?mode=json&include=all",
        format!(
            "[{}, {}, {}, {}]",
            release("1.24rc1", false),
            release("1.23.4", true),
            release("1.23.3", true),
            release("1.22.10", true)
        ),
    );
    let p = World::new().with_env("DEVENV_GO_MIRROR", &s.base());
    p.manifest(&format!("[tools]\ngo = \"1.23\"\n{THREE}"));
    p.run(&["lock"]).ok();
    let lock = p.lockfile();
    assert!(lock.contains("version = \"1.23.4\""), "{lock}");
    assert!(
        lock.contains(&s.url("/dl/go1.23.4.darwin-arm64.tar.gz")),
        "{lock}"
    );
    assert!(
        lock.contains(&sha256_hex(b"1.23.4linuxarm64tar.gz")),
        "{lock}"
    );
    p.manifest(&format!("[tools]\ngo = \"1.24rc1\"\n{THREE}"));
    p.run(&["lock"]).ok();
    assert!(p.lockfile().contains("version = \"1.24rc1\""));
}

fn zig_index(s: &FixtureServer, absolute_host: &str) -> String {
    let target = |v: &str, t: &str| {
        format!(
            r#""{t}": {{"tarball": "{absolute_host}/download/{v}/zig-{t}-{v}.tar.xz", "shasum": "{}", "size": "47082308"}}"#,
            sha256_hex(format!("{v}{t}").as_bytes())
        )
    };
    let _ = s;
    format!(
        r#"{{"master": {{"version": "0.14.0-dev.1+abc", "date": "2024-12-30", {}}},
            "0.13.0": {{"date": "2024-06-07", "docs": "https://ziglang.org/documentation/0.13.0/", "src": {{"tarball": "{absolute_host}/download/0.13.0/zig-0.13.0.tar.xz", "shasum": "{}", "size": "17220728"}}, {}, {}, {}}},
            "0.12.1": {{"date": "2024-06-08", {}}}}}"#,
        target("0.14.0-dev.1+abc", "x86_64-linux"),
        "b".repeat(64),
        target("0.13.0", "x86_64-linux"),
        target("0.13.0", "aarch64-linux"),
        target("0.13.0", "aarch64-macos"),
        target("0.12.1", "x86_64-linux"),
    )
}

#[test]
fn zig_from_its_index_on_a_mirror() {
    let s = FixtureServer::start();
    // A mirror copies the index verbatim: its links still name the official host.
    s.add("/download/index.json", zig_index(&s, "https://ziglang.org"));
    let p = World::new().with_env("DEVENV_ZIG_MIRROR", &s.base());
    p.manifest(&format!(
        "[tools]\nzig = {{ version = \"0.13\", source = \"zig-dist\" }}\n{THREE}"
    ));
    p.run(&["lock"]).ok();
    let lock = p.lockfile();
    assert!(lock.contains("version = \"0.13.0\""), "{lock}");
    assert!(
        lock.contains(&s.url("/download/0.13.0/zig-aarch64-macos-0.13.0.tar.xz")),
        "{lock}"
    );
    assert!(lock.contains(&sha256_hex(b"0.13.0aarch64-linux")), "{lock}");
    assert!(lock.contains("bin = [\".\"]"), "{lock}");
}

#[test]
fn zig_release_without_a_platform_is_named() {
    let s = FixtureServer::start();
    s.add("/download/index.json", zig_index(&s, "https://ziglang.org"));
    let p = World::new().with_env("DEVENV_ZIG_MIRROR", &s.base());
    p.manifest(&format!(
        "[tools]\nzig = {{ version = \"0.12\", source = \"zig-dist\" }}\n{THREE}"
    ));
    let err = p.run(&["lock"]).fails(1).stderr;
    assert!(err.contains("no build for linux-aarch64"), "{err}");
}

#[test]
fn an_index_that_is_not_json_is_reported() {
    let s = FixtureServer::start();
    s.add("/index.json", "<html>maintenance</html>");
    let p = World::new().with_env("DEVENV_NODE_MIRROR", &s.base());
    p.manifest("[tools]\nnode = \"22\"\n");
    let err = p.run(&["lock"]).fails(1).stderr;
    assert!(
        err.contains("did not answer with the expected JSON"),
        "{err}"
    );
}

#[test]
fn installed_node_runs_from_the_mirror() {
    let s = node_mirror();
    let p = World::new()
        .with_env("DEVENV_NODE_MIRROR", &s.base())
        .with_env("DEVENV_PLATFORM", "linux-x86_64");
    p.manifest("[tools]\nnode = \"22\"\n");
    assert_eq!(
        p.run(&["exec", "--", "node"]).ok().stdout.trim(),
        "v22.11.0"
    );
}
