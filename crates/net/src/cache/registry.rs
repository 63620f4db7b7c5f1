//! A cache in an OCI registry, spoken to with the OCI distribution API.
//!
//! Pull: `GET /v2/<repo>/manifests/<tag>`, then `GET /v2/<repo>/blobs/<digest>`
//! of its one layer. Push: `HEAD` each blob, a monolithic upload (`POST
//! /v2/<repo>/blobs/uploads/`, then `PUT <location>?digest=…`) of what is
//! missing, then `PUT /v2/<repo>/manifests/<tag>`. A `401` is answered
//! once: with a token from the challenge's realm (anonymously, or with the
//! Basic credentials), or with Basic credentials; the answer is kept for
//! the rest of the run, so later requests are not challenged again.

use super::CacheError;
use super::auth::{Challenge, Credentials, parse_challenge};
use super::oci;
use crate::fetch::Fetcher;
use devenv_model::digest::{Digest, Hasher};
use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;
use std::sync::Mutex;

/// One registry repository used as a cache.
pub struct Registry {
    /// How the user wrote it (`oci://host/repo`), for messages.
    pub(crate) display: String,
    /// `https://host[:port]` (or `http://` for loopback or when asked).
    base: String,
    repo: String,
    fetcher: Fetcher,
    credentials: Option<Credentials>,
    /// Where the credentials came from, for messages.
    origin: String,
    /// The `Authorization` value that the last challenge was answered with.
    auth: Mutex<Option<String>>,
}

/// What a request sends.
enum Body<'a> {
    Empty,
    Bytes(&'a [u8]),
    File(&'a Path),
}

impl Registry {
    /// A client for `repo` at `base` (`scheme://host[:port]`).
    pub(crate) fn new(
        display: String,
        base: String,
        repo: String,
        fetcher: Fetcher,
        credentials: Option<Credentials>,
        origin: String,
    ) -> Registry {
        let auth = match &credentials {
            Some(Credentials::Token(t)) => Some(format!("Bearer {t}")),
            _ => None,
        };
        Registry {
            display,
            base,
            repo,
            fetcher,
            credentials,
            origin,
            auth: Mutex::new(auth),
        }
    }

    fn url(&self, kind: &str, reference: &str) -> String {
        format!("{}/v2/{}/{kind}/{reference}", self.base, self.repo)
    }

    /// Whether the cache holds the manifest tagged `tag`.
    pub(crate) fn has(&self, tag: &str) -> Result<bool, CacheError> {
        let url = self.url("manifests", tag);
        let resp = self.send(
            "HEAD",
            &url,
            &[("Accept", oci::MANIFEST_MEDIA_TYPE)],
            &Body::Empty,
        )?;
        match resp.status().as_u16() {
            200 => Ok(true),
            404 => Ok(false),
            s => Err(self.status_error(s, resp, "look up an artifact")),
        }
    }

    /// Streams the artifact tagged `tag` into `dest`, hashing it as the
    /// lock's digest `expected` does; `Ok(None)` when the cache does not
    /// have it. The caller compares the digest.
    pub(crate) fn pull(
        &self,
        tag: &str,
        want: oci::Want<'_>,
        dest: &Path,
        progress: &mut dyn FnMut(u64, Option<u64>),
    ) -> Result<Option<(Digest, u64)>, CacheError> {
        let url = self.url("manifests", tag);
        let resp = self.send(
            "GET",
            &url,
            &[("Accept", oci::MANIFEST_MEDIA_TYPE)],
            &Body::Empty,
        )?;
        match resp.status().as_u16() {
            200 => {}
            404 => return Ok(None),
            s => return Err(self.status_error(s, resp, "read a manifest")),
        }
        let bytes = self.read_limited(resp, oci::MAX_MANIFEST_BYTES, "manifest")?;
        let layer = oci::check_manifest(&bytes, want, self.fetcher.settings().max_bytes)
            .map_err(CacheError::Invalid)?;
        let url = self.url("blobs", &layer.digest);
        let resp = self.send("GET", &url, &[], &Body::Empty)?;
        match resp.status().as_u16() {
            200 => {}
            404 => {
                return Err(CacheError::Invalid(
                    "its manifest names a layer the registry does not have".into(),
                ));
            }
            s => return Err(self.status_error(s, resp, "read a blob")),
        }
        let mut file = File::create(dest)
            .map_err(|e| CacheError::Local(format!("could not create {}: {e}", dest.display())))?;
        let reader = resp.into_body().into_reader();
        let (digest, n) = copy_bounded(reader, layer.size, &mut file, want.algorithm(), progress)
            .map_err(|e| match e {
            CopyError::Read(e) => CacheError::Down(format!(
                "{}: the download broke off ({})",
                self.display,
                devenv_model::error::io_reason(&e)
            )),
            CopyError::Write(e) => CacheError::Local(format!(
                "could not write {}: {}",
                dest.display(),
                devenv_model::error::io_reason(&e)
            )),
            CopyError::Size(got) => CacheError::Invalid(format!(
                "it sent {got} bytes where its manifest says {}",
                layer.size
            )),
        })?;
        file.sync_all()
            .map_err(|e| CacheError::Local(format!("could not write {}: {e}", dest.display())))?;
        want.check_layer(&layer, &digest)
            .map_err(CacheError::Invalid)?;
        Ok(Some((digest, n)))
    }

    /// Uploads what is missing of one artifact (the empty config, the
    /// layer at `layer` with sha256 `layer_digest`), then its manifest
    /// under `tag`. Returns the bytes uploaded.
    ///
    /// A registry answering 5xx or 400 is asked again twice, shortly
    /// after, each try looking again at what it already holds: two pushers
    /// writing the same blob or tag at once make the CNCF registry answer
    /// 500, or 400 `BLOB_UNKNOWN`/`DIGEST_INVALID` while the other's blob
    /// is being linked, to one of them; the next try finds the work done.
    /// Other refusals (401, 403, 413, …) are final at once.
    pub(crate) fn push(
        &self,
        tag: &str,
        manifest: &[u8],
        layer: &Path,
        layer_digest: &str,
        size: u64,
    ) -> Result<u64, CacheError> {
        let mut attempt = 0;
        loop {
            match self.push_once(tag, manifest, layer, layer_digest, size) {
                Err(CacheError::Down(_) | CacheError::Refused { status: 400, .. })
                    if attempt < 2 =>
                {
                    attempt += 1;
                    std::thread::sleep(std::time::Duration::from_millis(200 * attempt));
                }
                result => return result,
            }
        }
    }

    fn push_once(
        &self,
        tag: &str,
        manifest: &[u8],
        layer: &Path,
        layer_digest: &str,
        size: u64,
    ) -> Result<u64, CacheError> {
        let mut uploaded = 0;
        if !self.blob_exists(oci::EMPTY_DIGEST)? {
            self.upload(oci::EMPTY_DIGEST, &Body::Bytes(oci::EMPTY_BLOB))?;
            uploaded += oci::EMPTY_BLOB.len() as u64;
        }
        if !self.blob_exists(layer_digest)? {
            self.upload(layer_digest, &Body::File(layer))?;
            uploaded += size;
        }
        let url = self.url("manifests", tag);
        let resp = self.send(
            "PUT",
            &url,
            &[("Content-Type", oci::MANIFEST_MEDIA_TYPE)],
            &Body::Bytes(manifest),
        )?;
        match resp.status().as_u16() {
            200 | 201 => Ok(uploaded + manifest.len() as u64),
            s => Err(self.status_error(s, resp, "store a manifest")),
        }
    }

    fn blob_exists(&self, digest: &str) -> Result<bool, CacheError> {
        let resp = self.send("HEAD", &self.url("blobs", digest), &[], &Body::Empty)?;
        match resp.status().as_u16() {
            200 => Ok(true),
            404 => Ok(false),
            s => Err(self.status_error(s, resp, "look up a blob")),
        }
    }

    /// A monolithic upload: POST to open it, PUT the bytes with their digest.
    fn upload(&self, digest: &str, body: &Body) -> Result<(), CacheError> {
        let url = format!("{}/v2/{}/blobs/uploads/", self.base, self.repo);
        let resp = self.send("POST", &url, &[("Content-Length", "0")], &Body::Empty)?;
        let status = resp.status().as_u16();
        if status != 202 {
            return Err(self.status_error(status, resp, "start an upload"));
        }
        let location = header(&resp, "location").ok_or_else(|| {
            CacheError::Invalid("the registry started an upload without a Location".into())
        })?;
        let location = if location.starts_with('/') {
            format!("{}{location}", self.base)
        } else if location.starts_with(&format!("{}/", self.base)) {
            location
        } else {
            // Credentials go to the cache's own origin only.
            return Err(CacheError::Invalid(format!(
                "the registry asked for the upload on another host ({}); devenv uploads only to {}",
                super::printable(&location),
                self.base
            )));
        };
        let sep = if location.contains('?') { '&' } else { '?' };
        let put = format!("{location}{sep}digest={}", digest.replace(':', "%3A"));
        let resp = self.send(
            "PUT",
            &put,
            &[("Content-Type", "application/octet-stream")],
            body,
        )?;
        match resp.status().as_u16() {
            201 | 204 => Ok(()),
            s => Err(self.status_error(s, resp, "upload a blob")),
        }
    }

    /// One request, answering an authentication challenge once.
    fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: &Body,
    ) -> Result<ureq::http::Response<ureq::Body>, CacheError> {
        let mut answered = false;
        loop {
            let auth = self.auth.lock().expect("auth lock").clone();
            let resp = self.once(method, url, headers, body, auth.as_deref())?;
            if resp.status().as_u16() != 401 {
                return Ok(resp);
            }
            if answered {
                return Err(self.rejected());
            }
            answered = true;
            let challenge = header(&resp, "www-authenticate").unwrap_or_default();
            let answer = self.answer(&parse_challenge(&challenge))?;
            *self.auth.lock().expect("auth lock") = Some(answer);
        }
    }

    fn once(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: &Body,
        auth: Option<&str>,
    ) -> Result<ureq::http::Response<ureq::Body>, CacheError> {
        let mut builder = ureq::http::Request::builder().method(method).uri(url);
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        if let Some(auth) = auth {
            builder = builder.header("Authorization", auth);
        }
        let bad = |e: ureq::http::Error| {
            CacheError::Invalid(format!("`{url}` is not a valid request ({e})"))
        };
        let agent = self.fetcher.agent();
        let result = match body {
            Body::Empty => agent.run(builder.body(()).map_err(bad)?),
            Body::Bytes(b) => agent.run(builder.body(*b).map_err(bad)?),
            Body::File(path) => {
                let file = File::open(path).map_err(|e| {
                    CacheError::Local(format!(
                        "could not open {}: {}",
                        path.display(),
                        devenv_model::error::io_reason(&e)
                    ))
                })?;
                agent.run(builder.body(file).map_err(bad)?)
            }
        };
        let resp = result.map_err(|e| {
            let (reason, _) = self.fetcher.explain(e);
            CacheError::Down(format!("{}: {reason}", self.display))
        })?;
        if resp.status().is_server_error() {
            let s = resp.status();
            return Err(CacheError::Down(format!(
                "{}: the registry answered {} {}",
                self.display,
                s.as_u16(),
                s.canonical_reason().unwrap_or("")
            )));
        }
        Ok(resp)
    }

    /// The `Authorization` value that answers `challenge`.
    fn answer(&self, challenge: &Challenge) -> Result<String, CacheError> {
        match (challenge, &self.credentials) {
            (_, Some(Credentials::Token(_))) => Err(self.rejected()),
            (Challenge::Basic, Some(creds)) => Ok(creds.basic_header().unwrap_or_default()),
            (Challenge::Basic, None) => Err(CacheError::Refused {
                status: 401,
                message: format!(
                    "{} requires credentials (401 Unauthorized); run `docker login {}` (devenv reads ~/.docker/config.json) or set DEVENV_CACHE_TOKEN",
                    self.display,
                    self.host()
                ),
            }),
            (
                Challenge::Bearer {
                    realm,
                    service,
                    scope,
                },
                creds,
            ) => self
                .token(realm, service.as_deref(), scope.as_deref(), creds.as_ref())
                .map(|t| format!("Bearer {t}")),
            (Challenge::Other(scheme), _) => Err(CacheError::Refused {
                status: 401,
                message: format!(
                    "{} asks for `{}` authentication, which devenv does not support (Bearer tokens and Basic only)",
                    self.display,
                    super::printable(scheme)
                ),
            }),
        }
    }

    /// A token from the challenge's realm (the Docker token protocol).
    fn token(
        &self,
        realm: &str,
        service: Option<&str>,
        scope: Option<&str>,
        creds: Option<&Credentials>,
    ) -> Result<String, CacheError> {
        // Credentials never travel in clear text to another machine: a
        // plain http realm is accepted on loopback, or, carrying nothing,
        // for a cache that is itself plain http.
        let plain_ok = self.base.starts_with("http://") && creds.is_none();
        let ok = devenv_model::config::hosts::Origin::of_url(realm)
            .is_some_and(|o| o.scheme == "https" || !o.is_plain_remote() || plain_ok);
        if !ok {
            return Err(CacheError::Refused {
                status: 401,
                message: format!(
                    "{} sends for tokens to `{}`, which is not an https URL; devenv does not send credentials there",
                    self.display,
                    super::printable(realm)
                ),
            });
        }
        let mut query = Vec::new();
        if let Some(s) = service {
            query.push(format!("service={}", encode(s)));
        }
        if let Some(s) = scope {
            query.push(format!("scope={}", encode(s)));
        }
        let sep = if realm.contains('?') { '&' } else { '?' };
        let url = if query.is_empty() {
            realm.to_string()
        } else {
            format!("{realm}{sep}{}", query.join("&"))
        };
        let basic = creds.and_then(Credentials::basic_header);
        let resp = self.once("GET", &url, &[], &Body::Empty, basic.as_deref())?;
        match resp.status().as_u16() {
            200 => {}
            401 | 403 => return Err(self.rejected()),
            s => return Err(self.status_error(s, resp, "get a token")),
        }
        let bytes = self.read_limited(resp, 1024 * 1024, "token answer")?;
        let json: serde_json::Value = serde_json::from_slice(&bytes).map_err(|_| {
            CacheError::Invalid(format!(
                "{}: the token service did not answer JSON",
                self.display
            ))
        })?;
        ["token", "access_token"]
            .iter()
            .find_map(|k| {
                json.get(k)
                    .and_then(|v| v.as_str())
                    .filter(|t| !t.is_empty())
            })
            .map(str::to_string)
            .ok_or_else(|| {
                CacheError::Invalid(format!(
                    "{}: the token service's answer holds no token",
                    self.display
                ))
            })
    }

    fn host(&self) -> &str {
        self.base.split_once("://").map_or(&self.base, |(_, h)| h)
    }

    /// The credentials in use were refused.
    fn rejected(&self) -> CacheError {
        let message = match &self.credentials {
            Some(creds) => format!(
                "{} refused the credentials from {} (401 Unauthorized); check them, e.g. with `docker login {}`",
                self.display,
                self.origin_of(creds),
                self.host()
            ),
            None => format!(
                "{} requires credentials (401 Unauthorized); run `docker login {}` (devenv reads ~/.docker/config.json) or set DEVENV_CACHE_TOKEN",
                self.display,
                self.host()
            ),
        };
        CacheError::Refused {
            status: 401,
            message,
        }
    }

    fn origin_of(&self, creds: &Credentials) -> String {
        match creds {
            Credentials::Token(_) => "DEVENV_CACHE_TOKEN".into(),
            Credentials::Basic { .. } => self.origin.clone(),
        }
    }

    /// An answer other than the expected one, with the registry's own
    /// error codes and what to check.
    fn status_error(
        &self,
        status: u16,
        resp: ureq::http::Response<ureq::Body>,
        doing: &str,
    ) -> CacheError {
        let reason = resp.status().canonical_reason().unwrap_or("").to_string();
        let detail = self
            .read_limited(resp, 64 * 1024, "error")
            .ok()
            .and_then(|b| registry_errors(&b))
            .map(|d| format!(": {d}"))
            .unwrap_or_default();
        let hint = match status {
            401 => "check the credentials (`docker login`, DEVENV_CACHE_TOKEN)",
            403 => {
                "the credentials are valid but may not do this: check that they may push to this repository"
            }
            404 => "check the repository path in the cache URL",
            405 => "the registry does not accept this (a read-only mirror, or pushes disabled)",
            413 => "the artifact is larger than the registry (or a proxy in front of it) accepts",
            429 => "the registry limits the request rate; try again later",
            _ => "see the registry's logs",
        };
        CacheError::Refused {
            status,
            message: format!(
                "{}: could not {doing}: the registry answered {status} {reason}{detail}; {hint}",
                self.display
            ),
        }
    }

    fn read_limited(
        &self,
        resp: ureq::http::Response<ureq::Body>,
        limit: u64,
        what: &str,
    ) -> Result<Vec<u8>, CacheError> {
        let mut body = resp.into_body();
        body.with_config()
            .limit(limit)
            .read_to_vec()
            .map_err(|e| match e {
                ureq::Error::BodyExceedsLimit(_) => CacheError::Invalid(format!(
                    "{}: the {what} is larger than {} KiB",
                    self.display,
                    limit / 1024
                )),
                e => {
                    let (reason, _) = self.fetcher.explain(e);
                    CacheError::Down(format!("{}: {reason}", self.display))
                }
            })
    }
}

fn header(resp: &ureq::http::Response<ureq::Body>, name: &str) -> Option<String> {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// `code: message` of the distribution API's `{"errors": [...]}` body.
fn registry_errors(body: &[u8]) -> Option<String> {
    let json: serde_json::Value = serde_json::from_slice(body).ok()?;
    let list: Vec<String> = json
        .get("errors")?
        .as_array()?
        .iter()
        .take(3)
        .map(|e| {
            let code = e.get("code").and_then(|v| v.as_str()).unwrap_or("");
            let msg = e.get("message").and_then(|v| v.as_str()).unwrap_or("");
            let text: String = format!("{code} {msg}").chars().take(200).collect();
            super::printable(text.trim())
        })
        .collect();
    (!list.is_empty()).then(|| list.join("; "))
}

/// Percent-encodes a query value.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b => format!("%{b:02X}"),
        })
        .collect()
}

pub(crate) enum CopyError {
    Read(std::io::Error),
    Write(std::io::Error),
    /// More bytes than announced: how many had arrived.
    Size(u64),
}

/// Copies `reader` into `out`, hashing with `algorithm`,
/// refusing more than `size` bytes or fewer.
pub(crate) fn copy_bounded(
    mut reader: impl Read,
    size: u64,
    out: &mut dyn Write,
    algorithm: devenv_model::digest::Algorithm,
    progress: &mut dyn FnMut(u64, Option<u64>),
) -> Result<(Digest, u64), CopyError> {
    let mut hasher = Hasher::new(algorithm);
    let mut buf = vec![0u8; 256 * 1024];
    let mut done = 0u64;
    progress(0, Some(size));
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(CopyError::Read(e)),
        };
        done += n as u64;
        if done > size {
            return Err(CopyError::Size(done));
        }
        out.write_all(&buf[..n]).map_err(CopyError::Write)?;
        hasher.update(&buf[..n]);
        progress(done, Some(size));
    }
    if done != size {
        return Err(CopyError::Size(done));
    }
    Ok((hasher.finish(), done))
}
