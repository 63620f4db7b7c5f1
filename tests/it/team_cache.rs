//! Team caches in a real OCI registry (Debian's `docker-registry`): push
//! the lock's artifacts, install from the cache without upstream, and every
//! way a cache can fail (down, tampering, refusing credentials) ends in the
//! lock's bytes from upstream or a clear error — never in other bytes.

use crate::common;
use common::registry::{Mode, Proxy, Registry};
use common::server::FixtureServer;
use common::{World, npm_tarball, publish_npm, sha256_hex, tool_tar_gz};
use std::path::{Path, PathBuf};

const URL_TOOLS: [&str; 3] = ["hello", "greet", "shout"];

/// A project pinning three URL tools and one npm package (npm pins
/// sha512) from `upstream`, with `caches` in its settings, locked.
fn project(upstream: &FixtureServer, caches: &[String]) -> World {
    let w = World::new().with_env("DEVENV_NPM_REGISTRY", &upstream.base());
    let mut manifest = String::from("[tools]\n");
    for name in URL_TOOLS {
        let bytes = tool_tar_gz(name, "1.0.0");
        let path = format!("/{name}.tar.gz");
        upstream.add(&path, bytes.clone());
        manifest.push_str(&format!(
            "{name} = {{ version = \"1.0.0\", url = \"{}\", sha256 = \"{}\" }}\n",
            upstream.url(&path),
            sha256_hex(&bytes)
        ));
    }
    publish_npm(
        upstream,
        "fmt",
        &[("1.2.3", &npm_tarball("fmt", "1.2.3"))],
        r#""bin": {"fmt": "./bin/fmt"},"#,
    );
    manifest.push_str("\"npm:fmt\" = \"1\"\n");
    let list: Vec<String> = caches.iter().map(|c| format!("\"{c}\"")).collect();
    manifest.push_str(&format!("\n[settings]\ncaches = [{}]\n", list.join(", ")));
    w.manifest(&manifest);
    w.run_env(&["lock"], &[("DEVENV_CACHES", "")]).ok();
    w
}

/// Upstream requests for the four artifacts.
fn artifact_hits(upstream: &FixtureServer) -> usize {
    URL_TOOLS
        .iter()
        .map(|n| upstream.hits(&format!("/{n}.tar.gz")))
        .sum::<usize>()
        + upstream.hits("/fmt/-/fmt-1.2.3.tgz")
}

/// A fresh DEVENV_HOME inside the world.
fn fresh_home(w: &World, name: &str) -> PathBuf {
    w.root.join(name)
}

fn home_env(home: &Path) -> (&'static str, &str) {
    ("DEVENV_HOME", home.to_str().unwrap())
}

/// Every tool runs from the store of `home`.
fn assert_tools_run(w: &World, home: &Path) {
    for name in URL_TOOLS {
        w.run_env(&["--offline", "exec", "--", name], &[home_env(home)])
            .ok()
            .stdout_has(&format!("{name} 1.0.0"));
    }
    w.run_env(&["--offline", "exec", "--", "fmt"], &[home_env(home)])
        .ok()
        .stdout_has("fmt 1.2.3");
}

fn entries(home: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(home.join("store"))
        .map(|r| {
            r.flatten()
                .map(|e| e.path())
                .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn write_docker_config(w: &World, host: &str, user: &str, password: &str) {
    use base64::Engine;
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    let dir = w.root.join("user-home/.docker");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("config.json"),
        format!(r#"{{"auths": {{"{host}": {{"auth": "{auth}"}}}}, "credsStore": "none"}}"#),
    )
    .unwrap();
}

fn host_of(cache_url: &str) -> &str {
    cache_url
        .trim_start_matches("oci://")
        .split('/')
        .next()
        .unwrap()
}

#[test]
fn push_then_install_on_a_fresh_home_without_upstream() {
    let registry = Registry::start();
    let upstream = FixtureServer::start();
    let w = project(&upstream, &[registry.cache_url()]);
    let out = w.run(&["cache", "push"]).ok();
    assert!(
        out.stderr.contains("pushed 4 artifact(s)"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("to oci://127.0.0.1:"), "{}", out.stderr);
    let tags = registry.tags();
    assert_eq!(tags.len(), 4, "{tags:?}");
    let hello = tool_tar_gz("hello", "1.0.0");
    assert!(
        tags.contains(&format!("sha256-{}", sha256_hex(&hello))),
        "{tags:?}"
    );
    assert!(
        tags.iter()
            .any(|t| t.starts_with("sha512-") && t.len() == 93),
        "{tags:?}"
    );

    // The manifest says what it holds, in the documented layout.
    let manifest: serde_json::Value =
        serde_json::from_slice(&registry.manifest(&format!("sha256-{}", sha256_hex(&hello))))
            .unwrap();
    assert_eq!(
        manifest["artifactType"],
        "application/vnd.devenv.artifact.v1"
    );
    assert_eq!(
        manifest["config"]["mediaType"],
        "application/vnd.oci.empty.v1+json"
    );
    assert_eq!(manifest["layers"].as_array().unwrap().len(), 1);
    assert_eq!(
        manifest["layers"][0]["annotations"]["org.opencontainers.image.title"],
        "hello.tar.gz"
    );
    assert_eq!(manifest["layers"][0]["size"], hello.len());
    assert_eq!(manifest["annotations"]["dev.devenv.tool"], "hello");
    assert_eq!(manifest["annotations"]["dev.devenv.version"], "1.0.0");
    assert_eq!(
        manifest["annotations"]["dev.devenv.digest"],
        format!("sha256:{}", sha256_hex(&hello))
    );

    // A second push uploads (and downloads) nothing, and says so.
    let before = artifact_hits(&upstream);
    w.run(&["cache", "push"])
        .ok()
        .stderr_has("nothing to upload: all 4 artifact(s) are already in");
    assert_eq!(artifact_hits(&upstream), before);

    // Another machine: a fresh store, upstream gone.
    upstream.stop();
    let home = fresh_home(&w, "laptop");
    let out = w.run_env(&["-v", "install"], &[home_env(&home)]).ok();
    assert!(
        out.stderr.contains("hello 1.0.0: from oci://127.0.0.1"),
        "{}",
        out.stderr
    );
    assert_eq!(artifact_hits(&upstream), before, "no upstream request");
    assert_tools_run(&w, &home);

    // devenv ci counts where the artifacts came from.
    let ci_home = fresh_home(&w, "ci");
    let out = w.run_env(&["ci"], &[home_env(&ci_home)]).ok();
    assert!(
        out.stderr.contains(&format!(
            "(4 fetched: 4 from {}, 0 from upstream;",
            registry.cache_url()
        )),
        "{}",
        out.stderr
    );
}

#[test]
fn manifests_are_byte_identical_from_any_machine() {
    let (a, b) = (Registry::start(), Registry::start());
    let upstream = FixtureServer::start();
    let w = project(&upstream, &[a.cache_url()]);
    w.run(&["cache", "push"]).ok();
    let other_home = fresh_home(&w, "other");
    w.run_env(
        &["cache", "push"],
        &[("DEVENV_CACHES", &b.cache_url()), home_env(&other_home)],
    )
    .ok();
    assert_eq!(a.tags(), b.tags());
    for tag in a.tags() {
        assert_eq!(a.manifest(&tag), b.manifest(&tag), "{tag}");
    }
}

#[test]
fn push_all_platforms_fills_the_cache_for_other_machines() {
    let registry = Registry::start();
    let upstream = FixtureServer::start();
    let w = World::new();
    let platforms = ["linux-x86_64", "linux-aarch64", "macos-aarch64"];
    let mut sums = Vec::new();
    for p in platforms {
        let bytes = tool_tar_gz("multi", p);
        upstream.add(&format!("/multi-{p}.tar.gz"), bytes.clone());
        sums.push(format!("{p} = \"{}\"", sha256_hex(&bytes)));
    }
    let url = upstream.url("/multi-{os}-{arch}.tar.gz");
    w.manifest(&format!(
        "[tools]\nmulti = {{ version = \"1.0\", url = \"{url}\", sha256 = {{ {} }} }}\n\n[settings]\nplatforms = [\"linux-x86_64\", \"linux-aarch64\", \"macos-aarch64\"]\ncaches = [\"{}\"]\n",
        sums.join(", "),
        registry.cache_url()
    ));
    w.run(&["cache", "push", "--platforms", "all"])
        .ok()
        .stderr_has("pushed 3 artifact(s)");
    assert_eq!(registry.tags().len(), 3);
    upstream.stop();
    let mac = fresh_home(&w, "mac");
    w.run_env(
        &["install"],
        &[home_env(&mac), ("DEVENV_PLATFORM", "macos-aarch64")],
    )
    .ok();
    w.run_env(
        &["--offline", "exec", "--", "multi"],
        &[home_env(&mac), ("DEVENV_PLATFORM", "macos-aarch64")],
    )
    .ok()
    .stdout_has("multi macos-aarch64");
}

#[test]
fn basic_auth_from_docker_config() {
    let registry = Registry::start_with_basic_auth("ci-bot", "s3cret-pass");
    let upstream = FixtureServer::start();
    let w = project(&upstream, &[registry.cache_url()]);
    let host = host_of(&registry.cache_url()).to_string();

    let out = w.run(&["cache", "push"]).fails(1);
    assert!(
        out.stderr
            .contains("requires credentials (401 Unauthorized)"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(&format!("docker login {host}")),
        "{}",
        out.stderr
    );

    write_docker_config(&w, &host, "ci-bot", "wrong-pass");
    let out = w.run(&["cache", "push"]).fails(1);
    assert!(
        out.stderr.contains("refused the credentials from"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("config.json"), "{}", out.stderr);
    assert!(
        !out.stderr.contains("wrong-pass"),
        "the secret leaked: {}",
        out.stderr
    );

    // Installing with refused credentials: one warning, then upstream.
    let home = fresh_home(&w, "refused");
    let out = w.run_env(&["install"], &[home_env(&home)]).ok();
    assert_eq!(
        out.stderr.matches("not using this cache").count(),
        1,
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("wrong-pass"), "{}", out.stderr);

    write_docker_config(&w, &host, "ci-bot", "s3cret-pass");
    let out = w.run(&["cache", "push"]).ok();
    assert!(
        out.stderr.contains("pushed 4 artifact(s)"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("s3cret"), "{}", out.stderr);
    upstream.stop();
    let home = fresh_home(&w, "laptop");
    w.run_env(&["install"], &[home_env(&home)]).ok();
    assert_tools_run(&w, &home);
}

#[test]
fn token_challenge_flow() {
    let registry = Registry::start();
    let upstream = FixtureServer::start();
    let proxy = Proxy::start(
        &registry,
        Mode::Token {
            token: "tok-123".into(),
            basic: Some(("pusher".into(), "hunter2-secret".into())),
        },
    );
    let w = project(&upstream, &[proxy.cache_url()]);
    let host = host_of(&proxy.cache_url()).to_string();

    write_docker_config(&w, &host, "pusher", "bad-secret");
    let out = w.run(&["cache", "push"]).fails(1);
    assert!(
        out.stderr.contains("refused the credentials from"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("bad-secret"), "{}", out.stderr);

    write_docker_config(&w, &host, "pusher", "hunter2-secret");
    w.run(&["cache", "push"])
        .ok()
        .stderr_has("pushed 4 artifact(s)");
    assert_eq!(registry.tags().len(), 4);

    upstream.stop();
    let tokens_before = proxy
        .token_requests
        .load(std::sync::atomic::Ordering::SeqCst);
    let forwarded_before = proxy.forwarded.load(std::sync::atomic::Ordering::SeqCst);
    let home = fresh_home(&w, "laptop");
    w.run_env(&["install"], &[home_env(&home)]).ok();
    assert_tools_run(&w, &home);
    let tokens = proxy
        .token_requests
        .load(std::sync::atomic::Ordering::SeqCst)
        - tokens_before;
    let forwarded = proxy.forwarded.load(std::sync::atomic::Ordering::SeqCst) - forwarded_before;
    // Per artifact at most: a token request, one manifest GET, one blob GET.
    assert!((1..=4).contains(&tokens), "{tokens} token requests");
    assert_eq!(forwarded, 8, "{:?}", proxy.requests());
}

#[test]
fn a_registry_that_stops_falls_back_to_upstream_with_one_warning() {
    let mut registry = Registry::start();
    let upstream = FixtureServer::start();
    let w = project(&upstream, &[registry.cache_url()]);
    w.run(&["cache", "push"]).ok();
    registry.stop();
    let before = artifact_hits(&upstream);
    let home = fresh_home(&w, "laptop");
    let out = w.run_env(&["ci"], &[home_env(&home)]).ok();
    assert_eq!(
        out.stderr.matches("not using this cache").count(),
        1,
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("connection refused"), "{}", out.stderr);
    assert!(
        out.stderr.contains("4 fetched: 0 from oci://"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("4 from upstream"), "{}", out.stderr);
    assert_eq!(artifact_hits(&upstream), before + 4);
    assert_tools_run(&w, &home);
}

#[test]
fn a_registry_failing_mid_run_falls_back_to_upstream_with_one_warning() {
    let registry = Registry::start();
    let upstream = FixtureServer::start();
    let w = project(&upstream, &[registry.cache_url()]);
    w.run_env(&["cache", "push"], &[]).ok();
    // The first two requests through the proxy work, then it answers 503.
    let proxy = Proxy::start(&registry, Mode::FailAfter(2));
    let home = fresh_home(&w, "laptop");
    let out = w
        .run_env(
            &["install"],
            &[home_env(&home), ("DEVENV_CACHES", &proxy.cache_url())],
        )
        .ok();
    assert_eq!(
        out.stderr.matches("not using this cache").count(),
        1,
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("503"), "{}", out.stderr);
    assert_tools_run(&w, &home);
}

#[test]
fn a_cache_serving_other_bytes_is_refused_and_upstream_used() {
    let registry = Registry::start();
    let upstream = FixtureServer::start();
    let w = project(&upstream, &[registry.cache_url()]);
    w.run(&["cache", "push"]).ok();
    let proxy = Proxy::start(&registry, Mode::Tamper);
    let tampering = [("DEVENV_CACHES", proxy.cache_url())];

    let home = fresh_home(&w, "laptop");
    let before = artifact_hits(&upstream);
    let out = w
        .run_env(
            &["install"],
            &[home_env(&home), (tampering[0].0, &tampering[0].1)],
        )
        .ok();
    assert!(
        out.stderr.contains(&format!(
            "REFUSED what {} served for hello 1.0.0",
            proxy.cache_url()
        )),
        "{}",
        out.stderr
    );
    assert_eq!(out.stderr.matches("REFUSED").count(), 4, "{}", out.stderr);
    assert_eq!(artifact_hits(&upstream), before + 4);
    assert_tools_run(&w, &home);

    // Without upstream, nothing is installed and the store stays as it was.
    upstream.stop();
    let home = fresh_home(&w, "offline-ish");
    let out = w
        .run_env(
            &["install"],
            &[home_env(&home), (tampering[0].0, &tampering[0].1)],
        )
        .fails(1);
    assert!(out.stderr.contains("REFUSED"), "{}", out.stderr);
    assert!(entries(&home).is_empty(), "{:?}", entries(&home));
}

#[test]
fn export_then_import_and_install_offline() {
    let upstream = FixtureServer::start();
    let w = project(&upstream, &[]);
    let dir = w.root.join("airgap");
    w.run(&["cache", "export", dir.to_str().unwrap()])
        .ok()
        .stderr_has("exported 4 artifact(s)");
    let layout: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("oci-layout")).unwrap()).unwrap();
    assert_eq!(layout["imageLayoutVersion"], "1.0.0");
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("index.json")).unwrap()).unwrap();
    let refs: Vec<&str> = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            m["annotations"]["org.opencontainers.image.ref.name"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(refs.len(), 4);
    let hello = tool_tar_gz("hello", "1.0.0");
    assert!(dir.join("blobs/sha256").join(sha256_hex(&hello)).is_file());
    w.run(&["cache", "export", dir.to_str().unwrap()])
        .ok()
        .stderr_has("nothing to upload: all 4 artifact(s) are already in oci-layout:");

    upstream.stop();
    let home = fresh_home(&w, "airgapped");
    w.run_env(
        &["--offline", "cache", "import", dir.to_str().unwrap()],
        &[home_env(&home)],
    )
    .ok()
    .stderr_has("imported 4 tool(s)");
    w.run_env(&["--offline", "install"], &[home_env(&home)])
        .ok()
        .stderr_has("already installed");
    assert_tools_run(&w, &home);

    // The layout is also a cache.
    let home = fresh_home(&w, "layout-cache");
    let cache = format!("oci-layout:{}", dir.display());
    w.run_env(&["install"], &[home_env(&home), ("DEVENV_CACHES", &cache)])
        .ok();
    assert_tools_run(&w, &home);

    // A layout missing an artifact is named before anything is installed.
    let empty = w.root.join("empty-layout");
    let out = w
        .run_env(
            &["cache", "import", empty.to_str().unwrap()],
            &[home_env(&home)],
        )
        .fails(1);
    assert!(
        out.stderr.contains("is not an OCI image layout"),
        "{}",
        out.stderr
    );
}

#[test]
fn two_concurrent_pushes_of_the_same_lock() {
    let registry = Registry::start();
    let upstream = FixtureServer::start();
    let w = project(&upstream, &[registry.cache_url()]);
    let (a, b) = (w.root.join("home-a"), w.root.join("home-b"));
    let spawn = |home: &Path| {
        let mut cmd = w.cmd(&["cache", "push"]);
        cmd.env("DEVENV_HOME", home)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        cmd.spawn().unwrap()
    };
    let (pa, pb) = (spawn(&a), spawn(&b));
    for p in [pa, pb] {
        let out = p.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(registry.tags().len(), 4);
    upstream.stop();
    let home = fresh_home(&w, "laptop");
    w.run_env(&["install"], &[home_env(&home)]).ok();
    assert_tools_run(&w, &home);
}

#[test]
fn status_lists_each_artifact_per_cache() {
    let (registry, empty) = (Registry::start(), Registry::start());
    let upstream = FixtureServer::start();
    let w = project(&upstream, &[registry.cache_url(), empty.cache_url()]);
    let out = w.run(&["cache", "status"]).ok();
    assert!(out.stdout.contains("present: 0/4, 0/4"), "{}", out.stdout);
    w.run(&["cache", "push", "hello"])
        .ok()
        .stderr_has("pushed 1 artifact(s)");
    let out = w.run(&["cache", "status"]).ok();
    assert!(out.stdout.contains("present: 1/4, 0/4"), "{}", out.stdout);
    assert!(
        out.stdout.contains(&format!("[2] {}", empty.cache_url())),
        "{}",
        out.stdout
    );
    let json: serde_json::Value =
        serde_json::from_str(&w.run(&["cache", "status", "--json"]).ok().stdout).unwrap();
    let hello = json["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["tool"] == "hello")
        .unwrap();
    assert_eq!(hello["caches"][registry.cache_url()], "present");
    assert_eq!(hello["caches"][empty.cache_url()], "missing");
    assert_eq!(json["caches"].as_array().unwrap().len(), 2);
    w.run(&["cache", "push", "nope"])
        .fails(1)
        .stderr_has("`nope` is not in devenv.lock");
}

#[test]
fn devenv_caches_overrides_the_manifest_and_empty_turns_caches_off() {
    let registry = Registry::start();
    let upstream = FixtureServer::start();
    let w = project(&upstream, &[registry.cache_url()]);
    w.run(&["cache", "push"]).ok();
    let proxy = Proxy::start(&registry, Mode::FailAfter(usize::MAX));

    let home = fresh_home(&w, "off");
    let before = artifact_hits(&upstream);
    w.run_env(&["install"], &[home_env(&home), ("DEVENV_CACHES", "")])
        .ok();
    assert_eq!(
        artifact_hits(&upstream),
        before + 4,
        "caches off: all from upstream"
    );

    let home = fresh_home(&w, "override");
    let out = w
        .run_env(
            &["-v", "install"],
            &[home_env(&home), ("DEVENV_CACHES", &proxy.cache_url())],
        )
        .ok();
    assert!(
        out.stderr.contains(&format!("from {}", proxy.cache_url())),
        "{}",
        out.stderr
    );
    assert_eq!(proxy.requests().len(), 8);

    w.run(&["cache", "status"]).ok();
    w.run_env(&["cache", "push"], &[("DEVENV_CACHES", "")])
        .fails(1)
        .stderr_has("no cache is configured");
}

#[test]
fn offline_touches_no_cache() {
    let registry = Registry::start();
    let upstream = FixtureServer::start();
    let w = project(&upstream, &[]);
    let proxy = Proxy::start(&registry, Mode::FailAfter(usize::MAX));
    let cache = [("DEVENV_CACHES", proxy.cache_url())];
    let env = [(cache[0].0, cache[0].1.as_str())];
    w.run_env(&["--offline", "install"], &env)
        .fails(1)
        .stderr_has("devenv is offline");
    w.run_env(&["--offline", "cache", "push"], &env)
        .fails(1)
        .stderr_has("devenv is offline");
    assert!(proxy.requests().is_empty(), "{:?}", proxy.requests());
}

#[test]
fn a_malformed_cache_entry_is_a_manifest_error() {
    let w = World::new();
    w.manifest("[tools]\n\n[settings]\ncaches = [\"https://registry.example.com/acme\"]\n");
    let out = w.run(&["install"]).fails(1);
    assert!(out.stderr.contains("devenv.toml:4:"), "{}", out.stderr);
    assert!(
        out.stderr.contains("use `oci://HOST/REPOSITORY`"),
        "{}",
        out.stderr
    );
    w.manifest("[tools]\n\n[settings]\ncaches = [\"oci://user:pw@registry.example.com/acme\"]\n");
    w.run(&["install"])
        .fails(1)
        .stderr_has("credentials do not belong in a cache URL");
}

#[test]
fn a_push_error_shows_the_registry_answer_and_what_to_check() {
    let registry = Registry::start();
    let upstream = FixtureServer::start();
    let w = project(&upstream, &[]);
    for (status, hint) in [
        (
            413,
            "larger than the registry (or a proxy in front of it) accepts",
        ),
        (403, "may push to this repository"),
    ] {
        let proxy = Proxy::start(&registry, Mode::RejectWrites(status));
        let out = w
            .run_env(
                &["cache", "push", "hello"],
                &[("DEVENV_CACHES", &proxy.cache_url())],
            )
            .fails(1);
        assert!(
            out.stderr
                .contains(&format!("the registry answered {status}")),
            "{}",
            out.stderr
        );
        assert!(
            out.stderr
                .contains("SIZE_INVALID upload rejected by policy"),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains(hint), "{}", out.stderr);
    }
    assert!(registry.tags().is_empty());
}

#[test]
fn a_token_from_the_environment_and_anonymous_token_pulls() {
    let registry = Registry::start();
    let upstream = FixtureServer::start();
    let w = project(&upstream, &[]);
    w.run_env(
        &["cache", "push"],
        &[("DEVENV_CACHES", &registry.cache_url())],
    )
    .ok();

    // DEVENV_CACHE_TOKEN is sent as it is: no token service involved.
    let direct = Proxy::start(
        &registry,
        Mode::Token {
            token: "ci-token-777".into(),
            basic: None,
        },
    );
    let home = fresh_home(&w, "token");
    let cache = direct.cache_url();
    w.run_env(
        &["install"],
        &[
            home_env(&home),
            ("DEVENV_CACHES", &cache),
            ("DEVENV_CACHE_TOKEN", "ci-token-777"),
        ],
    )
    .ok();
    assert_eq!(
        direct
            .token_requests
            .load(std::sync::atomic::Ordering::SeqCst),
        0
    );
    assert_eq!(
        direct.forwarded.load(std::sync::atomic::Ordering::SeqCst),
        8
    );

    // A wrong one is refused by name, never shown.
    let out = w
        .run_env(
            &["cache", "push"],
            &[
                ("DEVENV_CACHES", &cache),
                ("DEVENV_CACHE_TOKEN", "leaky-999"),
            ],
        )
        .fails(1);
    assert!(
        out.stderr
            .contains("refused the credentials from DEVENV_CACHE_TOKEN"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("leaky-999"), "{}", out.stderr);

    // Anonymous pulls through the challenge: a token for anyone.
    upstream.stop();
    let home = fresh_home(&w, "anonymous");
    w.run_env(&["install"], &[home_env(&home), ("DEVENV_CACHES", &cache)])
        .ok();
    assert_tools_run(&w, &home);
    assert!(
        direct
            .token_requests
            .load(std::sync::atomic::Ordering::SeqCst)
            >= 1
    );
}

#[test]
fn plain_http_only_for_loopback_unless_asked() {
    let registry = Registry::start();
    let upstream = FixtureServer::start();
    let w = project(&upstream, &[]);
    w.run_env(
        &["cache", "push"],
        &[("DEVENV_CACHES", &registry.cache_url())],
    )
    .ok();
    let port = host_of(&registry.cache_url())
        .rsplit(':')
        .next()
        .unwrap()
        .to_string();

    // https asked for: the plain-http registry is not spoken to in clear.
    let home = fresh_home(&w, "https");
    let https = format!("oci+https://127.0.0.1:{port}/devenv/cache");
    let before = artifact_hits(&upstream);
    let out = w
        .run_env(&["install"], &[home_env(&home), ("DEVENV_CACHES", &https)])
        .ok();
    assert!(
        out.stderr.contains(&format!("warning: {https}: ")),
        "{}",
        out.stderr
    );
    assert_eq!(
        out.stderr.matches("not using this cache").count(),
        1,
        "{}",
        out.stderr
    );
    assert_eq!(artifact_hits(&upstream), before + 4);

    // A loopback name and an explicit oci+http:// both reach it over http.
    for cache in [
        format!("oci://localhost:{port}/devenv/cache"),
        format!("oci+http://127.0.0.1:{port}/devenv/cache"),
    ] {
        let home = fresh_home(&w, &format!("http-{}", cache.len()));
        let before = artifact_hits(&upstream);
        w.run_env(&["install"], &[home_env(&home), ("DEVENV_CACHES", &cache)])
            .ok();
        assert_eq!(
            artifact_hits(&upstream),
            before,
            "{cache} served everything"
        );
    }
}
