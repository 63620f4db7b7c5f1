//! Credentials go only where the user sent them: a cloned repository names
//! mirrors and caches, and each attack here is that repository trying to
//! receive `GITHUB_TOKEN` or `DEVENV_CACHE_TOKEN`. The hosts are fixture
//! servers (and the real registry) on 127.0.0.1, told apart by port.

use crate::common;
use common::World;
use common::archives::{Entry, tar_gz};
use common::github::{page, release, script, sums};
use common::registry::{Mode, Proxy, Registry, one_tool_project};
use common::server::FixtureServer;

const TOKEN: &str = "ghp_user_secret_41";

/// `acme/tool` 1.0.0 on the fixture GitHub `s`.
fn publish_tool(s: &FixtureServer) {
    let r = release(
        s,
        "acme/tool",
        "v1.0.0",
        &[(
            "tool-linux-amd64.tar.gz",
            tar_gz(&[Entry::file("tool", b"#!/bin/sh\necho tool\n", 0o755)]),
        )],
        true,
    );
    page(s, "acme/tool", &[r]);
}

/// jq 1.7.1 on the fixture GitHub `s`, as the catalog's `jq` finds it.
fn publish_jq(s: &FixtureServer) {
    let bin = script("jq", "jq-linux-amd64");
    let all = vec![
        ("jq-linux-amd64", bin.clone()),
        ("sha256sum.txt", sums(&[("jq-linux-amd64", &bin)])),
    ];
    page(
        s,
        "jqlang/jq",
        &[release(s, "jqlang/jq", "jq-1.7.1", &all, false)],
    );
}

fn user_world() -> World {
    World::new()
        .with_env("GITHUB_TOKEN", TOKEN)
        .with_env("DEVENV_PLATFORM", "linux-x86_64")
}

#[test]
fn a_repository_mirror_of_github_never_receives_the_token() {
    // The user sets no DEVENV_GITHUB_API, so their token is the public
    // API's; the repository's `[settings] mirrors.github` names
    // `attacker`, for a `github:` tool and for the catalog's `jq`.
    let attacker = FixtureServer::start();
    publish_tool(&attacker);
    publish_jq(&attacker);
    let w = user_world();
    w.manifest(&format!(
        "[tools]\n\"github:acme/tool\" = \"1\"\njq = \"1.7\"\n\n[settings]\nmirrors = {{ github = \"{}\" }}\n",
        attacker.url("/api")
    ));
    let out = w.run(&["install"]).ok();
    for path in [
        "/api/repos/acme/tool/releases",
        "/api/repos/jqlang/jq/releases",
    ] {
        assert!(attacker.hits(path) > 0, "{path} was asked");
        assert_eq!(attacker.last_header(path, "authorization"), None, "{path}");
    }
    // One line, once, naming the credential, the host and the remedy.
    let said: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.contains("GITHUB_TOKEN was not sent to"))
        .collect();
    assert_eq!(said.len(), 1, "{}", out.stderr);
    assert!(
        said[0].contains(&format!("127.0.0.1:{}", attacker.port())),
        "{}",
        said[0]
    );
    assert!(said[0].contains("DEVENV_GITHUB_TOKEN_HOSTS"), "{}", said[0]);
    assert!(!out.stderr.contains(TOKEN));

    // The user ties the mirror to the token: now, and only now, it is sent.
    let w = user_world().with_env(
        "DEVENV_GITHUB_TOKEN_HOSTS",
        &format!("127.0.0.1:{}", attacker.port()),
    );
    w.manifest(&format!(
        "[tools]\n\"github:acme/tool\" = \"1\"\n\n[settings]\nmirrors = {{ github = \"{}\" }}\n",
        attacker.url("/api")
    ));
    let out = w.run(&["lock"]).ok();
    assert!(!out.stderr.contains("was not sent"), "{}", out.stderr);
    assert_eq!(
        attacker
            .last_header("/api/repos/acme/tool/releases", "authorization")
            .as_deref(),
        Some(&*format!("Bearer {TOKEN}"))
    );
}

#[test]
fn a_link_to_another_host_gets_no_token() {
    let api = FixtureServer::start();
    let other = FixtureServer::start();
    let r = release(
        &other,
        "acme/tool",
        "v1.0.0",
        &[(
            "tool-linux-amd64.tar.gz",
            tar_gz(&[Entry::file("tool", b"#!/bin/sh\necho tool\n", 0o755)]),
        )],
        true,
    );
    let next = other.url("/api/repositories/42/releases?per_page=100&page=2");
    api.add_with_headers(
        "/api/repos/acme/tool/releases?per_page=100",
        200,
        &[("Link", &format!("<{next}>; rel=\"next\""))],
        "[]",
    );
    other.add(
        "/api/repositories/42/releases?per_page=100&page=2",
        format!("[{r}]"),
    );
    let w = user_world().with_env("DEVENV_GITHUB_API", &api.url("/api"));
    w.manifest("[tools]\n\"github:acme/tool\" = \"1\"\n");
    let out = w.run(&["lock"]).ok();
    assert_eq!(
        api.last_header("/api/repos/acme/tool/releases", "authorization")
            .as_deref(),
        Some(&*format!("Bearer {TOKEN}")),
        "the user's API gets the token"
    );
    assert_eq!(other.hits("/api/repositories/42/releases"), 1);
    assert_eq!(
        other.last_header("/api/repositories/42/releases", "authorization"),
        None,
        "the next page, on another host, does not"
    );
    out.stderr_has(&format!(
        "GITHUB_TOKEN was not sent to 127.0.0.1:{}",
        other.port()
    ));
}

#[test]
fn a_repository_listed_cache_never_receives_the_cache_token() {
    let registry = Registry::start();
    let upstream = FixtureServer::start();
    // The team's token opens `registry` through the proxy; the repository
    // lists the proxy as its cache.
    let proxy = Proxy::start(
        &registry,
        Mode::Token {
            token: "team-token-93".into(),
            basic: Some(("nobody".into(), "nothing".into())),
        },
    );
    let host = format!("127.0.0.1:{}", proxy.port());
    let w = one_tool_project(&upstream, &proxy.cache_url());
    for command in [&["install"][..], &["ci"][..]] {
        let home = w.root.join(format!("home-{}", command[0]));
        let out = w
            .run_env(
                command,
                &[
                    ("DEVENV_HOME", home.to_str().unwrap()),
                    ("DEVENV_CACHE_TOKEN", "team-token-93"),
                ],
            )
            .ok();
        assert!(
            !proxy
                .authorizations()
                .iter()
                .any(|a| a.contains("team-token-93")),
            "{command:?} sent the team's token to the repository's cache"
        );
        assert!(!proxy.requests().is_empty(), "{command:?} asked the cache");
        let said: Vec<&str> = out
            .stderr
            .lines()
            .filter(|l| l.contains("DEVENV_CACHE_TOKEN was not sent to"))
            .collect();
        assert_eq!(said.len(), 1, "{command:?}: {}", out.stderr);
        assert!(said[0].contains(&host), "{}", said[0]);
        assert!(said[0].contains("DEVENV_CACHE_TOKEN_HOSTS"), "{}", said[0]);
        // The artifact came from upstream, verified as always.
        w.run_env(
            &["--offline", "exec", "--", "hello"],
            &[("DEVENV_HOME", home.to_str().unwrap())],
        )
        .ok()
        .stdout_has("hello 1.0.0");
    }

    // The user ties the token to the host: then it is sent.
    let home = w.root.join("home-tied");
    let out = w
        .run_env(
            &["install"],
            &[
                ("DEVENV_HOME", home.to_str().unwrap()),
                ("DEVENV_CACHE_TOKEN", "team-token-93"),
                ("DEVENV_CACHE_TOKEN_HOSTS", &host),
            ],
        )
        .ok();
    assert!(!out.stderr.contains("was not sent"), "{}", out.stderr);
    assert!(
        proxy
            .authorizations()
            .iter()
            .any(|a| a == "Bearer team-token-93")
    );
}

#[test]
fn errors_from_a_host_without_the_token_say_it_was_withheld() {
    // A rate limit or a 404 from a mirror the user did not tie the token
    // to must not advise setting the token they already have.
    let mirror = FixtureServer::start();
    mirror.add_with_headers(
        "/api/repos/cli/cli/releases?per_page=100",
        403,
        &[("X-RateLimit-Limit", "60"), ("X-RateLimit-Remaining", "0")],
        r#"{"message":"API rate limit exceeded"}"#,
    );
    let w = user_world();
    w.manifest(&format!(
        "[tools]\n\"github:cli/cli\" = \"2\"\n\n[settings]\nmirrors = {{ github = \"{}\" }}\n",
        mirror.url("/api")
    ));
    w.run(&["lock"])
        .fails(1)
        .stderr_has("GitHub's API rate limit is used up")
        .stderr_has("your token was not sent to this host, see above");
    w.manifest(&format!(
        "[tools]\n\"github:nobody/nothing\" = \"2\"\n\n[settings]\nmirrors = {{ github = \"{}\" }}\n",
        mirror.url("/api")
    ));
    w.run(&["lock"])
        .fails(1)
        .stderr_has("(or it is private: your token was not sent to this host, see above)");
}
