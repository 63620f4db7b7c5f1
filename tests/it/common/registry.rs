//! The real OCI registry for the cache tests: Debian's `docker-registry`
//! (the CNCF distribution registry) on a free port of 127.0.0.1, with a
//! generated config and its storage in a temporary directory; and a small
//! proxy in front of it that plays a token service, tampers with blobs, or
//! starts failing, the way real deployments misbehave.
//!
//! A missing `docker-registry` (or `htpasswd`) fails the test: CI installs
//! both (`.ci/run`).
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The repository every test cache uses.
pub(crate) const REPO: &str = "devenv/cache";

fn tool(name: &str, package: &str) -> PathBuf {
    which::which(name).unwrap_or_else(|_| {
        panic!(
            "`{name}` is not installed; the team cache tests need it (apt-get install {package})"
        )
    })
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running `docker-registry`. Stops when dropped.
pub(crate) struct Registry {
    child: Option<Child>,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Registry {
    /// A registry anyone may pull from and push to.
    pub(crate) fn start() -> Registry {
        Registry::launch(None)
    }

    /// A registry that requires Basic auth with `user` and `password`
    /// (an htpasswd file made by the real `htpasswd -B`).
    pub(crate) fn start_with_basic_auth(user: &str, password: &str) -> Registry {
        Registry::launch(Some((user, password)))
    }

    fn launch(basic: Option<(&str, &str)>) -> Registry {
        let bin = tool("docker-registry", "docker-registry");
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut auth = String::new();
        if let Some((user, password)) = basic {
            let out = Command::new(tool("htpasswd", "apache2-utils"))
                .args(["-Bbn", user, password])
                .output()
                .expect("run htpasswd");
            assert!(out.status.success(), "htpasswd failed");
            let file = dir.path().join("htpasswd");
            std::fs::write(&file, out.stdout).unwrap();
            auth = format!(
                "auth:\n  htpasswd:\n    realm: devenv-test\n    path: {}\n",
                file.display()
            );
        }
        let config = format!(
            "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n\
             storage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\n\
             http:\n  addr: 127.0.0.1:{port}\n  secret: devenv-test\n{auth}",
            dir.path().join("data").display()
        );
        let config_path = dir.path().join("config.yml");
        std::fs::write(&config_path, config).unwrap();
        let child = Command::new(bin)
            .arg("serve")
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start docker-registry");
        let registry = Registry {
            child: Some(child),
            port,
            _dir: dir,
        };
        registry.wait_ready();
        registry
    }

    /// Waits until the registry answers `/v2/` (any status).
    fn wait_ready(&self) {
        let agent = agent();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if agent.get(format!("{}/v2/", self.base())).call().is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("docker-registry did not start on port {}", self.port);
    }

    /// `http://127.0.0.1:PORT`.
    pub(crate) fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The cache URL devenv is given: `oci://127.0.0.1:PORT/devenv/cache`.
    pub(crate) fn cache_url(&self) -> String {
        format!("oci://127.0.0.1:{}/{REPO}", self.port)
    }

    /// The tags of the cache repository (anonymous registries only).
    pub(crate) fn tags(&self) -> Vec<String> {
        let mut resp = agent()
            .get(format!("{}/v2/{REPO}/tags/list", self.base()))
            .call()
            .unwrap();
        if resp.status() == 404 {
            return Vec::new();
        }
        let json: serde_json::Value =
            serde_json::from_slice(&resp.body_mut().read_to_vec().unwrap()).unwrap();
        let mut tags: Vec<String> = json["tags"]
            .as_array()
            .map(|a| a.iter().map(|t| t.as_str().unwrap().to_string()).collect())
            .unwrap_or_default();
        tags.sort();
        tags
    }

    /// The manifest tagged `tag`, as the registry stores it.
    pub(crate) fn manifest(&self, tag: &str) -> Vec<u8> {
        agent()
            .get(format!("{}/v2/{REPO}/manifests/{tag}", self.base()))
            .header("Accept", "application/vnd.oci.image.manifest.v1+json")
            .call()
            .unwrap()
            .body_mut()
            .read_to_vec()
            .unwrap()
    }

    /// Kills the registry: later connections are refused.
    pub(crate) fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        self.stop();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// What the proxy does besides forwarding.
#[derive(Clone)]
pub(crate) enum Mode {
    /// A token service at `/token`: registry requests need
    /// `Authorization: Bearer <token>`; the token is given to requests with
    /// Basic `user:password` when set, else to anyone.
    Token {
        token: String,
        basic: Option<(String, String)>,
    },
    /// Every blob GET gets its bytes altered (one byte flipped).
    Tamper,
    /// After this many forwarded requests, every request gets 503.
    FailAfter(usize),
    /// Every request that writes (POST, PUT, PATCH) gets this status with
    /// a distribution-style error body, as from a registry with a size
    /// limit or read-only credentials.
    RejectWrites(u16),
    /// Manifests claim their layer has this many bytes, and blobs come as
    /// 64 MiB of zeros: a cache that would fill the disk if believed.
    ClaimSize(u64),
}

/// A proxy on 127.0.0.1 in front of a registry.
pub(crate) struct Proxy {
    server: Arc<tiny_http::Server>,
    port: u16,
    /// Requests forwarded to the registry (not token requests).
    pub(crate) forwarded: Arc<AtomicUsize>,
    /// Requests for a token.
    pub(crate) token_requests: Arc<AtomicUsize>,
    /// Methods and paths of every request received, in order.
    pub(crate) log: Arc<Mutex<Vec<String>>>,
    /// The `Authorization` of every request that had one, in order.
    auths: Arc<Mutex<Vec<String>>>,
}

impl Proxy {
    pub(crate) fn start(target: &Registry, mode: Mode) -> Proxy {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
        let port = server.server_addr().to_ip().unwrap().port();
        let proxy = Proxy {
            server: server.clone(),
            port,
            forwarded: Arc::default(),
            token_requests: Arc::default(),
            log: Arc::default(),
            auths: Arc::default(),
        };
        let target = target.base();
        let me = format!("http://127.0.0.1:{port}");
        let (forwarded, tokens, log, auths) = (
            proxy.forwarded.clone(),
            proxy.token_requests.clone(),
            proxy.log.clone(),
            proxy.auths.clone(),
        );
        std::thread::spawn(move || {
            while let Ok(request) = server.recv() {
                if let Some(a) = header(&request, "Authorization") {
                    auths.lock().unwrap().push(a);
                }
                let (mode, target, me) = (mode.clone(), target.clone(), me.clone());
                let (forwarded, tokens, log) = (forwarded.clone(), tokens.clone(), log.clone());
                std::thread::spawn(move || {
                    handle(request, &mode, &target, &me, &forwarded, &tokens, &log)
                });
            }
        });
        proxy
    }

    /// The cache URL through the proxy.
    pub(crate) fn cache_url(&self) -> String {
        format!("oci://127.0.0.1:{}/{REPO}", self.port)
    }

    pub(crate) fn requests(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// The `Authorization` values received, in order.
    pub(crate) fn authorizations(&self) -> Vec<String> {
        self.auths.lock().unwrap().clone()
    }

    /// The port the proxy listens on (on 127.0.0.1).
    pub(crate) fn port(&self) -> u16 {
        self.port
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.server.unblock();
    }
}

fn header(request: &tiny_http::Request, name: &str) -> Option<String> {
    request
        .headers()
        .iter()
        .find(|h| h.field.as_str().as_str().eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str().to_string())
}

fn basic(user: &str, password: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

fn handle(
    mut request: tiny_http::Request,
    mode: &Mode,
    target: &str,
    me: &str,
    forwarded: &AtomicUsize,
    tokens: &AtomicUsize,
    log: &Mutex<Vec<String>>,
) {
    let method = request.method().as_str().to_string();
    let url = request.url().to_string();
    log.lock().unwrap().push(format!("{method} {url}"));
    let reply = |status: u16, body: &str, headers: &[(&str, String)]| {
        let mut r = tiny_http::Response::from_string(body).with_status_code(status);
        for (k, v) in headers {
            r.add_header(tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()).unwrap());
        }
        r
    };
    if let Mode::Token {
        token,
        basic: creds,
    } = mode
    {
        if url.starts_with("/token") {
            tokens.fetch_add(1, Ordering::SeqCst);
            let allowed = match creds {
                Some((u, p)) => header(&request, "Authorization") == Some(basic(u, p)),
                None => true,
            };
            let has_scope = url.contains("service=devenv-test") && url.contains("scope=repository");
            let answer = if allowed && has_scope {
                reply(
                    200,
                    &format!(r#"{{"token": "{token}", "expires_in": 300}}"#),
                    &[],
                )
            } else {
                reply(401, r#"{"errors": [{"code": "UNAUTHORIZED"}]}"#, &[])
            };
            let _ = request.respond(answer);
            return;
        }
        if header(&request, "Authorization") != Some(format!("Bearer {token}")) {
            let action = if method == "GET" || method == "HEAD" {
                "pull"
            } else {
                "pull,push"
            };
            let challenge = format!(
                r#"Bearer realm="{me}/token",service="devenv-test",scope="repository:{REPO}:{action}""#
            );
            let _ = request.respond(reply(
                401,
                r#"{"errors": [{"code": "UNAUTHORIZED"}]}"#,
                &[("WWW-Authenticate", challenge)],
            ));
            return;
        }
    }
    if let Mode::RejectWrites(status) = mode
        && !(method == "GET" || method == "HEAD")
    {
        let body =
            r#"{"errors": [{"code": "SIZE_INVALID", "message": "upload rejected by policy"}]}"#;
        let _ = request.respond(reply(*status, body, &[]));
        return;
    }
    let n = forwarded.fetch_add(1, Ordering::SeqCst);
    if let Mode::FailAfter(limit) = mode
        && n >= *limit
    {
        let _ = request.respond(reply(503, "unavailable", &[]));
        return;
    }
    let mut body = Vec::new();
    request.as_reader().read_to_end(&mut body).unwrap();
    let mut builder = ureq::http::Request::builder()
        .method(method.as_str())
        .uri(format!("{target}{url}"));
    for h in request.headers() {
        let name = h.field.as_str().as_str().to_ascii_lowercase();
        if [
            "host",
            "authorization",
            "content-length",
            "connection",
            "transfer-encoding",
        ]
        .contains(&name.as_str())
        {
            continue;
        }
        builder = builder.header(name, h.value.as_str());
    }
    let resp = agent().run(builder.body(body).unwrap());
    let Ok(mut resp) = resp else {
        let _ = request.respond(reply(502, "bad gateway", &[]));
        return;
    };
    let status = resp.status().as_u16();
    let mut headers = Vec::new();
    for (k, v) in resp.headers() {
        let name = k.as_str();
        if ["content-length", "connection", "transfer-encoding", "date"].contains(&name) {
            continue;
        }
        let value = v.to_str().unwrap_or("").replace(target, me);
        headers.push((name.to_string(), value));
    }
    let mut data = if method == "HEAD" {
        Vec::new()
    } else {
        resp.body_mut()
            .with_config()
            .limit(1 << 30)
            .read_to_vec()
            .unwrap_or_default()
    };
    if let Mode::ClaimSize(size) = mode
        && method == "GET"
    {
        if url.contains("/manifests/") {
            let mut json: serde_json::Value = serde_json::from_slice(&data).unwrap();
            json["layers"][0]["size"] = (*size).into();
            data = serde_json::to_vec(&json).unwrap();
        } else if url.contains("/blobs/") {
            data = vec![0; 64 << 20];
        }
    }
    if matches!(mode, Mode::Tamper)
        && method == "GET"
        && url.contains("/blobs/")
        && !data.is_empty()
    {
        let last = data.len() - 1;
        data[last] ^= 0xff;
    }
    let mut r = tiny_http::Response::from_data(data).with_status_code(status);
    for (k, v) in headers {
        r.add_header(tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()).unwrap());
    }
    let _ = request.respond(r);
}

/// A project pinning one URL tool, `hello` 1.0.0, from `upstream`, with
/// `cache` in the repository's `[settings] caches`, locked.
pub(crate) fn one_tool_project(
    upstream: &super::server::FixtureServer,
    cache: &str,
) -> super::World {
    let w = super::World::new();
    let bytes = super::tool_tar_gz("hello", "1.0.0");
    upstream.add("/hello.tar.gz", bytes.clone());
    w.manifest(&format!(
        "[tools]\nhello = {{ version = \"1.0.0\", url = \"{}\", sha256 = \"{}\" }}\n\n[settings]\ncaches = [\"{cache}\"]\n",
        upstream.url("/hello.tar.gz"),
        super::sha256_hex(&bytes)
    ));
    w.run_env(&["lock"], &[("DEVENV_CACHES", "")]).ok();
    w
}
