//! HTTP downloads: one client, timeouts, retries, streaming digests.
//!
//! Every network access of devenv goes through a [`Fetcher`]. It bounds
//! every wait (a stalled server fails after the timeout instead of hanging),
//! retries what may be transient (connection failures, timeouts, 5xx) but
//! never a 4xx answer, hashes downloads while writing them so the bytes
//! verified are exactly the bytes stored, and words every failure as a
//! sentence naming the URL. `file://` URLs are read from disk the same way,
//! for users who keep artifacts locally.

use anyhow::{Result, anyhow};
use devenv_model::digest::{Algorithm, Digest, Hasher};
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The `User-Agent` devenv sends with every request.
pub fn user_agent() -> &'static str {
    concat!("devenv/", env!("CARGO_PKG_VERSION"))
}

/// The largest text response `get_text` accepts: registry documents are
/// big, but never this big.
const MAX_TEXT_BYTES: u64 = 512 * 1024 * 1024;

pub use devenv_model::config::http::Settings;

/// The one HTTP client of devenv. Cheap to clone and share across threads.
#[derive(Clone)]
pub struct Fetcher {
    /// Network access is refused (from `DEVENV_OFFLINE`).
    pub offline: bool,
    settings: Settings,
    agent: ureq::Agent,
    /// The user's credentials, each tied to its hosts.
    keyring: std::sync::Arc<crate::credentials::Keyring>,
}

impl Default for Fetcher {
    fn default() -> Fetcher {
        Fetcher::new(Settings::default())
    }
}

/// TLS with the system's trust store, so company proxies and private
/// mirrors with their own CA work as they do for curl: rustls with the
/// platform verifier on Linux; on macOS the Security framework itself
/// (through native-tls), which needs no C compiled for Apple targets.
fn tls_config() -> ureq::tls::TlsConfig {
    let builder =
        ureq::tls::TlsConfig::builder().root_certs(ureq::tls::RootCerts::PlatformVerifier);
    #[cfg(target_os = "macos")]
    let builder = builder.provider(ureq::tls::TlsProvider::NativeTls);
    builder.build()
}

impl Fetcher {
    /// A fetcher with `settings` (the configuration's
    /// [`devenv_model::config::Config::http`]).
    pub fn new(settings: Settings) -> Fetcher {
        let config = ureq::Agent::config_builder()
            // Statuses are inspected here, so errors can say what the server answered.
            .http_status_as_error(false)
            .tls_config(tls_config())
            .user_agent(user_agent())
            .timeout_resolve(Some(settings.timeout))
            .timeout_connect(Some(settings.timeout))
            .timeout_per_read(Some(settings.timeout))
            .timeout_per_write(Some(settings.timeout))
            .build();
        let agent = ureq::Agent::with_parts(
            config,
            ureq::unversioned::transport::DefaultConnector::default(),
            CachingResolver::default(),
        );
        Fetcher {
            offline: settings.offline,
            agent,
            settings,
            keyring: Default::default(),
        }
    }

    /// This fetcher with the user's credentials: requests that may carry
    /// one get it only where [`crate::credentials`] allows.
    pub fn with_keyring(mut self, keyring: crate::credentials::Keyring) -> Fetcher {
        self.keyring = std::sync::Arc::new(keyring);
        self
    }

    /// The user's credentials.
    pub fn keyring(&self) -> &crate::credentials::Keyring {
        &self.keyring
    }

    /// A fetcher for a team cache: the same TLS trust and User-Agent, but
    /// `timeout` for connecting and for each read, and no retries, so that
    /// a cache that is down costs seconds once, never a stalled run.
    pub(crate) fn for_cache(&self, timeout: Duration) -> Fetcher {
        let settings = Settings {
            timeout,
            retries: 0,
            ..self.settings.clone()
        };
        Fetcher {
            keyring: self.keyring.clone(),
            ..Fetcher::new(settings)
        }
    }

    /// The HTTP agent, for protocols that need methods, headers and
    /// statuses of their own (the OCI cache). Statuses come back as
    /// responses, not errors.
    pub(crate) fn agent(&self) -> &ureq::Agent {
        &self.agent
    }

    /// A failed request, worded for a user: `(reason, the host was not
    /// reached)`. Request headers never appear, so neither do credentials.
    pub(crate) fn explain(&self, error: ureq::Error) -> (String, bool) {
        let failure = self.failure(error);
        (failure.reason, failure.connecting)
    }

    /// The settings in force.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// GET `url` as text (registry JSON, checksum files).
    pub fn get_text(&self, url: &str) -> Result<String> {
        let bytes = self.with_retries("fetch", url, || {
            let mut bytes = Vec::new();
            let mut sink = LimitedVec {
                bytes: &mut bytes,
                limit: MAX_TEXT_BYTES,
            };
            self.stream(
                url,
                false,
                &mut sink,
                &mut Hasher::new(Algorithm::Sha256),
                &mut |_, _| {},
            )?;
            Ok(bytes)
        })?;
        String::from_utf8(bytes)
            .map_err(|_| anyhow!("could not fetch {url}: the response is not UTF-8 text"))
    }

    /// Streams `url` into the new file `dest`, hashing the bytes with
    /// `algorithm` as they are written. Calls `progress(done, total)`.
    /// Returns the digest and the byte count.
    ///
    /// A retry starts the file and the digest over. A body shorter than its
    /// `Content-Length` is an error, never a short file.
    pub fn download(
        &self,
        url: &str,
        dest: &Path,
        algorithm: Algorithm,
        progress: &mut dyn FnMut(u64, Option<u64>),
    ) -> Result<(Digest, u64)> {
        self.with_retries("download", url, || {
            let mut file = File::create(dest)
                .map_err(|e| Failure::local(format!("could not create {}", dest.display()), &e))?;
            let mut hasher = Hasher::new(algorithm);
            // Not flushed to disk: a download is read back (verified,
            // unpacked) by this process and deleted, never kept.
            let done = self.stream(url, true, &mut file, &mut hasher, progress)?;
            Ok((hasher.finish(), done))
        })
    }

    /// Streams `url` into `out` as it arrives, hashing the bytes with
    /// `algorithm`; returns the digest and the byte count. For consumers
    /// that work on the bytes as they come (the store unpacks them).
    ///
    /// Failures before the first byte (connecting, 5xx answers) are
    /// retried as for every request. Once bytes went to `out` nothing is
    /// retried here: the error is a [`FetchError`] marked `interrupted`,
    /// and the caller throws away what it made of them and starts over.
    pub fn download_into(
        &self,
        url: &str,
        algorithm: Algorithm,
        out: &mut dyn Write,
        progress: &mut dyn FnMut(u64, Option<u64>),
    ) -> Result<(Digest, u64)> {
        let mut delivered = false;
        let result = self.with_retries("download", url, || {
            let mut hasher = Hasher::new(algorithm);
            let mut counted = Delivered {
                out: &mut *out,
                any: &mut delivered,
            };
            match self.stream(url, true, &mut counted, &mut hasher, progress) {
                Ok(done) => Ok((hasher.finish(), done)),
                Err(mut failure) => {
                    if delivered {
                        failure.transient = false;
                    }
                    Err(failure)
                }
            }
        });
        result.map_err(|mut e| {
            if let Some(f) = e.downcast_mut::<FetchError>() {
                f.interrupted = delivered;
            }
            e
        })
    }

    /// The digest of the body of `url`, streamed and discarded: how a URL
    /// tool without a declared sha256 is trusted on first use.
    pub fn digest_of(&self, url: &str, algorithm: Algorithm) -> Result<Digest> {
        self.with_retries("download", url, || {
            let mut hasher = Hasher::new(algorithm);
            self.stream(url, true, &mut io::sink(), &mut hasher, &mut |_, _| {})?;
            Ok(hasher.finish())
        })
    }

    /// GET `url` from an API that answers errors with meaning (rate
    /// limits, messages in the body): sends `headers`, and returns the
    /// status, the response headers (names lowercased) and the body as
    /// text, whatever the status. Transport failures and 5xx answers are
    /// retried like every request; the body is bounded like `get_text`'s.
    /// Header values are never part of an error message, so a token sent
    /// here is never printed.
    pub fn get_answer(&self, url: &str, headers: &[(&str, String)]) -> Result<Answer> {
        self.answer(url, headers, None)
    }

    /// [`Fetcher::get_answer`] from a GitHub API: the user's GitHub token
    /// goes along when they tied it to `url`'s host (see
    /// [`crate::credentials`]), and [`Answer::authorized`] says whether it
    /// did. Each page of a paginated answer asks again, so a `Link` to
    /// another host gets no token.
    pub fn get_github_api(&self, url: &str, headers: &[(&str, String)]) -> Result<Answer> {
        let auth = self.keyring.github_authorization(url);
        self.answer(url, headers, auth)
    }

    /// POST the JSON `body` to `url` (a search API that answers with what
    /// it found, such as a transparency log's index) and return the answer
    /// as [`Fetcher::get_answer`] does. No credentials go along.
    pub fn post_json(&self, url: &str, body: &str) -> Result<Answer> {
        self.answer_to(url, &[], None, Some(body))
    }

    fn answer(
        &self,
        url: &str,
        headers: &[(&str, String)],
        auth: Option<String>,
    ) -> Result<Answer> {
        self.answer_to(url, headers, auth, None)
    }

    fn answer_to(
        &self,
        url: &str,
        headers: &[(&str, String)],
        auth: Option<String>,
        post: Option<&str>,
    ) -> Result<Answer> {
        self.with_retries("fetch", url, || {
            if let Some(path) = local_path(url)
                && post.is_none()
            {
                let body = devenv_model::files::read_text(&path).map_err(|e| {
                    Failure::local(format!("could not read {}", path.display()), &e)
                })?;
                return Ok(Answer {
                    status: 200,
                    headers: Vec::new(),
                    body,
                    authorized: false,
                });
            }
            let response = match post {
                Some(body) => self
                    .agent
                    .post(url)
                    .header("Content-Type", "application/json")
                    .header("Accept", "application/json")
                    .send(body)
                    .map_err(|e| self.failure(e))?,
                None => {
                    let mut request = self.agent.get(url);
                    for (name, value) in headers {
                        request = request.header(*name, value.as_str());
                    }
                    if let Some(auth) = &auth {
                        request = request.header("Authorization", auth.as_str());
                    }
                    request.call().map_err(|e| self.failure(e))?
                }
            };
            let status = response.status();
            if status.is_server_error() {
                return Err(Failure {
                    reason: format!("the server answered {}", status.as_u16()),
                    status: Some(status.as_u16()),
                    transient: true,
                    connecting: false,
                    retry_after: None,
                });
            }
            let headers = response
                .headers()
                .iter()
                .filter_map(|(k, v)| {
                    Some((
                        k.as_str().to_ascii_lowercase(),
                        v.to_str().ok()?.to_string(),
                    ))
                })
                .collect();
            let mut bytes = Vec::new();
            response
                .into_body()
                .into_reader()
                .take(MAX_TEXT_BYTES)
                .read_to_end(&mut bytes)
                .map_err(|e| self.failure(ureq::Error::from(e)))?;
            let body = String::from_utf8(bytes).map_err(|_| Failure {
                reason: "the response is not UTF-8 text".into(),
                status: None,
                transient: false,
                connecting: false,
                retry_after: None,
            })?;
            Ok(Answer {
                status: status.as_u16(),
                headers,
                body,
                authorized: auth.is_some(),
            })
        })
    }

    /// Part of the file at `url`, for reading an archive's index without
    /// downloading the archive (a wheel's file list sits at its end).
    ///
    /// Asks with an HTTP `Range` header; a server that ignores it sends the
    /// whole file, of which only the window is kept (reading at most
    /// [`MAX_TEXT_BYTES`]). The bytes are not verified: they only tell what
    /// an artifact holds, never what gets installed.
    pub fn get_range(&self, url: &str, range: ByteRange) -> Result<Ranged> {
        self.with_retries("fetch", url, || {
            let mut whole = Vec::new();
            if let Some(path) = local_path(url) {
                let mut file = devenv_model::files::open_regular(&path).map_err(|e| {
                    Failure::local(format!("could not open {}", path.display()), &e)
                })?;
                let mut sink = LimitedVec {
                    bytes: &mut whole,
                    limit: MAX_TEXT_BYTES,
                };
                io::copy(&mut file, &mut sink).map_err(|e| {
                    Failure::local(format!("could not read {}", path.display()), &e)
                })?;
                return Ok(range.window_of(whole));
            }
            let response = self
                .agent
                .get(url)
                .header("Range", range.header())
                .header("Accept-Encoding", "identity")
                .call()
                .map_err(|e| self.failure(e))?;
            let status = response.status();
            if !status.is_success() {
                return Err(Failure {
                    reason: format!("the server answered {}", status.as_u16()),
                    status: Some(status.as_u16()),
                    transient: status.is_server_error(),
                    connecting: false,
                    retry_after: None,
                });
            }
            let partial = status.as_u16() == 206;
            let content_range = response
                .headers()
                .get("content-range")
                .and_then(|v| v.to_str().ok())
                .and_then(parse_content_range);
            let body = response.into_body();
            let total = body.content_length();
            let mut sink = LimitedVec {
                bytes: &mut whole,
                limit: MAX_TEXT_BYTES,
            };
            let done = copy(
                body.into_reader(),
                total,
                &mut sink,
                &mut Hasher::new(Algorithm::Sha256),
                &mut |_, _| {},
                &self.limits(),
                |e| self.failure(ureq::Error::from(e)),
            )?;
            if total.is_some_and(|t| done < t) {
                return Err(Failure::short(done, total.unwrap_or_default()));
            }
            match (partial, content_range) {
                (true, Some((offset, end, file_total))) if end + 1 - offset == done => Ok(Ranged {
                    offset,
                    total: file_total,
                    bytes: whole,
                }),
                (true, _) => Err(Failure {
                    reason: "the server answered a range request without a valid Content-Range"
                        .to_string(),
                    status: None,
                    transient: false,
                    connecting: false,
                    retry_after: None,
                }),
                (false, _) => Ok(range.window_of(whole)),
            }
        })
    }

    /// Runs `attempt` until it succeeds, fails for good, or retries run out,
    /// pausing `backoff`, then twice that, and so on between tries.
    fn with_retries<T>(
        &self,
        verb: &str,
        url: &str,
        mut attempt: impl FnMut() -> Result<T, Failure>,
    ) -> Result<T> {
        if self.offline && local_path(url).is_none() {
            return Err(anyhow!(
                "could not {verb} {url}: devenv is offline (DEVENV_OFFLINE is set)"
            ));
        }
        let mut retries = 0;
        loop {
            match attempt() {
                Ok(value) => return Ok(value),
                Err(failure) if failure.transient && retries < self.settings.retries => {
                    let pause = self.pause(&failure, retries);
                    if let Some(after) = failure.retry_after {
                        devenv_model::ui::info(format!(
                            "{url}: {}; retrying in {} s as it asks (Retry-After)",
                            failure.reason,
                            after.min(MAX_RETRY_AFTER).as_secs_f64().ceil() as u64
                        ));
                    } else {
                        devenv_model::ui::verbose(format!("{url}: {}; retrying", failure.reason));
                    }
                    std::thread::sleep(pause);
                    retries += 1;
                }
                Err(failure) => {
                    let verb = if failure.connecting {
                        "connect to"
                    } else {
                        verb
                    };
                    let after = match retries {
                        0 => String::new(),
                        1 => " (after 1 retry)".to_string(),
                        n => format!(" (after {n} retries)"),
                    };
                    return Err(FetchError {
                        status: failure.status,
                        unreachable: failure.connecting,
                        interrupted: false,
                        message: format!("could not {verb} {url}: {}{after}", failure.reason),
                    }
                    .into());
                }
            }
        }
    }

    /// How long to wait before retry number `retries + 1` after `failure`:
    /// what the server's Retry-After asks (at most [`MAX_RETRY_AFTER`]) plus
    /// up to one backoff step of jitter, so that clients told alike spread
    /// out; else the backoff, doubling per retry, between half and one and
    /// a half times that step.
    fn pause(&self, failure: &Failure, retries: u32) -> Duration {
        let step = self.settings.backoff;
        match failure.retry_after {
            Some(after) => after.min(MAX_RETRY_AFTER) + step.mul_f64(jitter()),
            None => step
                .saturating_mul(1 << retries.min(16))
                .mul_f64(0.5 + jitter()),
        }
    }

    /// One try: copies the body of `url` into `out` and `hasher`, reporting
    /// progress; returns the byte count.
    fn stream(
        &self,
        url: &str,
        exact_bytes: bool,
        out: &mut dyn Write,
        hasher: &mut Hasher,
        progress: &mut dyn FnMut(u64, Option<u64>),
    ) -> Result<u64, Failure> {
        if let Some(path) = local_path(url) {
            let file = devenv_model::files::open_regular(&path)
                .map_err(|e| Failure::local(format!("could not open {}", path.display()), &e))?;
            let total = file.metadata().ok().map(|m| m.len());
            return copy(file, total, out, hasher, progress, &self.limits(), |e| {
                Failure::local(format!("could not read {}", path.display()), &e)
            });
        }
        let mut request = self.agent.get(url);
        if exact_bytes {
            // The digest covers the artifact's bytes, not a re-encoding of them.
            request = request.header("Accept-Encoding", "identity");
        }
        let response = request.call().map_err(|e| self.failure(e))?;
        let status = response.status();
        if !status.is_success() {
            let reason = format!(
                "the server answered {} {}",
                status.as_u16(),
                status.canonical_reason().unwrap_or("")
            );
            let code = status.as_u16();
            let retry_after = response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| retry_after(v, std::time::SystemTime::now()));
            return Err(Failure {
                reason: reason.trim_end().to_string(),
                status: Some(code),
                // 429 Too Many Requests and 408 Request Timeout say "later",
                // not "no": registries rate-limit busy clients.
                transient: status.is_server_error() || code == 429 || code == 408,
                connecting: false,
                retry_after,
            });
        }
        let encoding = response
            .headers()
            .get("content-encoding")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("identity");
        if exact_bytes && !encoding.eq_ignore_ascii_case("identity") {
            // ureq would decode it, and the digest would not be the artifact's.
            let reason = format!(
                "the server sent it re-encoded (Content-Encoding: {encoding}) although asked not to"
            );
            return Err(Failure {
                status: None,
                reason,
                transient: false,
                connecting: false,
                retry_after: None,
            });
        }
        let body = response.into_body();
        let total = body.content_length();
        if let Some(t) = total.filter(|t| *t > self.settings.max_bytes) {
            return Err(Failure::too_big(t, self.settings.max_bytes));
        }
        let done = copy(
            body.into_reader(),
            total,
            out,
            hasher,
            progress,
            &self.limits(),
            |e| self.failure(ureq::Error::from(e)),
        )?;
        match total {
            Some(total) if done < total => Err(Failure::short(done, total)),
            _ => Ok(done),
        }
    }

    fn limits(&self) -> Limits {
        Limits {
            max_bytes: self.settings.max_bytes,
            min_speed: self.settings.min_speed,
            window: self.settings.timeout,
        }
    }

    /// Words a ureq error for a user, and says whether a retry may help.
    fn failure(&self, error: ureq::Error) -> Failure {
        use ureq::Error as E;
        use ureq::Timeout as T;
        let timed_out = format!("timed out after {} s", self.settings.timeout.as_secs());
        let (reason, transient, connecting) = match error {
            E::Timeout(T::Resolve | T::Connect) => (timed_out, true, true),
            E::Timeout(_) => (timed_out, true, false),
            E::HostNotFound => (
                "the host name could not be resolved".to_string(),
                true,
                true,
            ),
            E::ConnectionFailed => ("the connection failed".to_string(), true, true),
            E::Io(e) => match e.kind() {
                io::ErrorKind::ConnectionRefused => ("connection refused".to_string(), true, true),
                io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => (timed_out, true, false),
                io::ErrorKind::ConnectionReset
                | io::ErrorKind::ConnectionAborted
                | io::ErrorKind::BrokenPipe => {
                    ("the server dropped the connection".to_string(), true, false)
                }
                io::ErrorKind::UnexpectedEof => (
                    "the server closed the connection too early".to_string(),
                    true,
                    false,
                ),
                // The resolver's failure reaches ureq as a plain I/O error.
                _ if e.to_string().contains("lookup address") => (
                    "the host name could not be resolved".to_string(),
                    true,
                    true,
                ),
                _ => (io_reason(&e), true, false),
            },
            E::BadUri(uri) => (format!("`{uri}` is not a valid URL"), false, false),
            E::TooManyRedirects => (
                "the server redirected too many times".to_string(),
                false,
                false,
            ),
            E::RedirectFailed => (
                "the server sent a redirect that could not be followed".to_string(),
                false,
                false,
            ),
            E::Protocol(e) => (
                format!("the server did not answer in HTTP ({e})"),
                true,
                false,
            ),
            E::Tls(e) => (format!("the TLS connection failed ({e})"), false, true),
            #[cfg(not(target_os = "macos"))]
            E::Rustls(e) => (format!("the TLS connection failed ({e})"), false, true),
            #[cfg(target_os = "macos")]
            E::NativeTls(e) => (format!("the TLS connection failed ({e})"), false, true),
            other => (other.to_string(), false, false),
        };
        Failure {
            status: None,
            reason,
            transient,
            connecting,
            retry_after: None,
        }
    }
}

/// An API's answer, whatever its status (see [`Fetcher::get_answer`]).
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    /// Response headers, names lowercased.
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The request carried one of the user's credentials.
    pub authorized: bool,
}

impl Answer {
    /// The value of the header `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A request that failed for good, as a sentence naming the URL, with
/// what a caller may act on: the HTTP status, or that the host was not
/// reachable at all.
#[derive(Debug)]
pub struct FetchError {
    pub status: Option<u16>,
    pub unreachable: bool,
    /// The body broke off after some of it was handed to the caller
    /// ([`Fetcher::download_into`]): what was delivered is to be thrown
    /// away, and the download started over.
    pub interrupted: bool,
    message: String,
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FetchError {}

/// The HTTP status a request behind `error` failed with, if the server
/// answered one: what callers branch on, never the words of a message.
pub fn status_of(error: &anyhow::Error) -> Option<u16> {
    error
        .chain()
        .find_map(|c| c.downcast_ref::<FetchError>())
        .and_then(|f| f.status)
}

/// Which bytes of a file [`Fetcher::get_range`] asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// The last `n` bytes (all of them if the file is shorter).
    Last(u64),
    /// `len` bytes from `start`.
    Span { start: u64, len: u64 },
}

impl ByteRange {
    fn header(self) -> String {
        match self {
            ByteRange::Last(n) => format!("bytes=-{n}"),
            ByteRange::Span { start, len } => {
                format!("bytes={start}-{}", start + len.max(1) - 1)
            }
        }
    }

    /// This window of a whole file.
    fn window_of(self, mut whole: Vec<u8>) -> Ranged {
        let total = whole.len() as u64;
        let (start, end) = match self {
            ByteRange::Last(n) => (total.saturating_sub(n), total),
            ByteRange::Span { start, len } => {
                (start.min(total), start.saturating_add(len).min(total))
            }
        };
        whole.truncate(end as usize);
        whole.drain(..start as usize);
        Ranged {
            offset: start,
            total,
            bytes: whole,
        }
    }
}

/// Bytes of a remote file: `bytes` start at `offset` of a file of `total` bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranged {
    pub offset: u64,
    pub(crate) total: u64,
    pub bytes: Vec<u8>,
}

/// `bytes FIRST-LAST/TOTAL` → (first, last, total).
fn parse_content_range(value: &str) -> Option<(u64, u64, u64)> {
    let rest = value.trim().strip_prefix("bytes ")?;
    let (span, total) = rest.split_once('/')?;
    let (first, last) = span.split_once('-')?;
    let (first, last, total) = (
        first.trim().parse().ok()?,
        last.trim().parse().ok()?,
        total.trim().parse().ok()?,
    );
    (first <= last && last < total).then_some((first, last, total))
}

/// Resolves each host once per process (a successful answer is kept).
///
/// ureq resolves the host again for every request, even one that reuses a
/// pooled connection. A dependency tree downloads dozens of files at once;
/// a resolver that drops one of many simultaneous queries then stalls that
/// download for its 5 s retry (measured: 80 small downloads on 8 threads
/// took 11 s, each stall exactly 5.06 s). The lock is held while resolving,
/// so simultaneous first requests to a host make one query.
#[derive(Debug, Default)]
struct CachingResolver {
    inner: ureq::unversioned::resolver::DefaultResolver,
    cache: std::sync::Mutex<
        std::collections::HashMap<String, ureq::unversioned::resolver::ResolvedSocketAddrs>,
    >,
}

impl ureq::unversioned::resolver::Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: ureq::unversioned::transport::NextTimeout,
    ) -> Result<ureq::unversioned::resolver::ResolvedSocketAddrs, ureq::Error> {
        let key = format!(
            "{}://{}",
            uri.scheme_str().unwrap_or(""),
            uri.authority().map_or("", |a| a.as_str())
        );
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(addrs) = cache.get(&key) {
            return Ok(addrs.clone());
        }
        let addrs = self.inner.resolve(uri, config, timeout)?;
        cache.insert(key, addrs.clone());
        Ok(addrs)
    }
}

/// Why one try failed, worded for the user.
#[derive(Debug)]
struct Failure {
    reason: String,
    /// The HTTP status, when the server answered with an error.
    status: Option<u16>,
    /// A retry may succeed (network trouble, 5xx), as opposed to a definite
    /// answer (4xx) or a local problem.
    transient: bool,
    /// The failure happened before the server was reached.
    connecting: bool,
    /// How long the server asked to wait before trying again (its
    /// `Retry-After`), if it said.
    retry_after: Option<Duration>,
}

impl Failure {
    fn local(what: String, e: &io::Error) -> Failure {
        Failure {
            status: None,
            reason: format!("{what}: {}", io_reason(e)),
            transient: false,
            connecting: false,
            retry_after: None,
        }
    }

    fn too_big(size: u64, max: u64) -> Failure {
        Failure {
            status: None,
            reason: format!(
                "it is larger than {}, the most devenv downloads ({} so far); if the file is right, raise DEVENV_MAX_DOWNLOAD_MB",
                devenv_model::ui::human_bytes(max),
                devenv_model::ui::human_bytes(size)
            ),
            transient: false,
            connecting: false,
            retry_after: None,
        }
    }

    fn too_slow(done: u64, window: Duration, min_speed: u64) -> Failure {
        Failure {
            status: None,
            reason: format!(
                "the server sent only {done} bytes in the last {} s, slower than {min_speed} bytes/s (DEVENV_HTTP_MIN_SPEED)",
                window.as_secs()
            ),
            // Retrying would only multiply the wait: a timeout is a bound.
            transient: false,
            connecting: false,
            retry_after: None,
        }
    }

    fn short(done: u64, total: u64) -> Failure {
        let reason = format!("the server closed the connection after {done} of {total} bytes");
        Failure {
            status: None,
            reason,
            transient: true,
            connecting: false,
            retry_after: None,
        }
    }
}

/// The longest devenv waits when a server's `Retry-After` asks for more.
pub(crate) const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// How long a `Retry-After` value asks to wait from `now`: a number of
/// seconds, or an HTTP date (a date in the past means now). `None` when it
/// is neither.
pub(crate) fn retry_after(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// A number in [0, 1), different on every call: enough randomness to keep
/// clients that were told to retry at the same moment from doing so.
fn jitter() -> f64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

/// An I/O error without the "(os error N)" suffix.
fn io_reason(e: &io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

/// How much and how slowly a body may arrive.
struct Limits {
    max_bytes: u64,
    min_speed: u64,
    /// The span over which the speed is averaged.
    window: Duration,
}

/// Copies `reader` into `out` and `hasher` with a large buffer, reporting
/// progress; read errors go through `on_read_error`. Fails when the body
/// passes `limits.max_bytes` or arrives slower than `limits.min_speed`.
fn copy(
    mut reader: impl Read,
    total: Option<u64>,
    out: &mut dyn Write,
    hasher: &mut Hasher,
    progress: &mut dyn FnMut(u64, Option<u64>),
    limits: &Limits,
    on_read_error: impl Fn(io::Error) -> Failure,
) -> Result<u64, Failure> {
    let mut buf = vec![0u8; 256 * 1024];
    let mut done = 0u64;
    let mut window_start = std::time::Instant::now();
    let mut window_bytes = 0u64;
    let window_min = limits
        .min_speed
        .saturating_mul(limits.window.as_secs().max(1));
    progress(0, total);
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e)
                if e.kind() == io::ErrorKind::UnexpectedEof && total.is_some_and(|t| done < t) =>
            {
                return Err(Failure::short(done, total.unwrap_or_default()));
            }
            Err(e) => return Err(on_read_error(e)),
        };
        out.write_all(&buf[..n])
            .map_err(|e| Failure::local("could not write the download".to_string(), &e))?;
        hasher.update(&buf[..n]);
        done += n as u64;
        if done > limits.max_bytes {
            return Err(Failure::too_big(done, limits.max_bytes));
        }
        window_bytes += n as u64;
        if window_start.elapsed() >= limits.window {
            if window_bytes < window_min {
                return Err(Failure::too_slow(
                    window_bytes,
                    limits.window,
                    limits.min_speed,
                ));
            }
            window_start = std::time::Instant::now();
            window_bytes = 0;
        }
        progress(done, total);
    }
    Ok(done)
}

/// A sink that notes whether anything was written through it.
struct Delivered<'a> {
    out: &'a mut dyn Write,
    any: &'a mut bool,
}

impl Write for Delivered<'_> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = self.out.write(data)?;
        *self.any |= n > 0;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// A `Vec` sink that refuses to grow past `limit`.
struct LimitedVec<'a> {
    bytes: &'a mut Vec<u8>,
    limit: u64,
}

impl Write for LimitedVec<'_> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.bytes.len() as u64 + data.len() as u64 > self.limit {
            return Err(io::Error::other(format!(
                "the response is larger than {} MiB",
                self.limit >> 20
            )));
        }
        self.bytes.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The local path of a `file://` URL (`file:///abs/path` or
/// `file://localhost/abs/path`, percent-encoded).
fn local_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("file://")?;
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    if !rest.starts_with('/') {
        return None;
    }
    Some(PathBuf::from(
        <std::ffi::OsString as std::os::unix::ffi::OsStringExt>::from_vec(percent_decode(rest)),
    ))
}

fn percent_decode(s: &str) -> Vec<u8> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn retry_after_is_seconds_or_an_http_date() {
        let now = std::time::UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            retry_after("Sun, 06 Nov 1994 08:50:07 GMT", now),
            Some(Duration::from_secs(30))
        );
        // A date already past means now; garbage means "not said".
        assert_eq!(
            retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("soon", now), None);
        assert_eq!(retry_after("-5", now), None);
        // The wait is what the server asks, capped, plus at most one step.
        let f = Fetcher::new(Settings {
            backoff: Duration::from_millis(100),
            ..Settings::default()
        });
        let asked = |after: u64| Failure {
            reason: String::new(),
            status: Some(429),
            transient: true,
            connecting: false,
            retry_after: Some(Duration::from_secs(after)),
        };
        let p = f.pause(&asked(3600), 0);
        assert!(p >= MAX_RETRY_AFTER && p < MAX_RETRY_AFTER + Duration::from_millis(100));
        let p = f.pause(&asked(2), 5);
        assert!(p >= Duration::from_secs(2) && p < Duration::from_millis(2100));
        let backoff = Failure {
            retry_after: None,
            ..asked(0)
        };
        let p = f.pause(&backoff, 2);
        assert!(
            p >= Duration::from_millis(200) && p < Duration::from_millis(600),
            "{p:?}"
        );
        let j: Vec<f64> = (0..100).map(|_| jitter()).collect();
        assert!(j.iter().all(|x| (0.0..1.0).contains(x)));
        assert!(j.iter().any(|x| *x != j[0]), "jitter never varies");
    }

    use super::*;
    #[test]
    fn hosts_are_resolved_once() {
        use ureq::unversioned::resolver::Resolver;
        let resolver = CachingResolver::default();
        let config = ureq::config::Config::default();
        let timeout = ureq::unversioned::transport::NextTimeout::default();
        let first: ureq::http::Uri = "http://localhost:8080/a".parse().unwrap();
        let second: ureq::http::Uri = "http://localhost:8080/b/c".parse().unwrap();
        let a = resolver.resolve(&first, &config, timeout).unwrap();
        let b = resolver.resolve(&second, &config, timeout).unwrap();
        assert_eq!(a.len(), b.len());
        assert_eq!(resolver.cache.lock().unwrap().len(), 1);
        let other: ureq::http::Uri = "http://127.0.0.1:9/".parse().unwrap();
        resolver.resolve(&other, &config, timeout).unwrap();
        assert_eq!(resolver.cache.lock().unwrap().len(), 2);
    }

    #[test]
    fn ranges_are_asked_for_and_read_back() {
        assert_eq!(ByteRange::Last(22).header(), "bytes=-22");
        assert_eq!(ByteRange::Span { start: 5, len: 10 }.header(), "bytes=5-14");
        assert_eq!(parse_content_range("bytes 5-14/100"), Some((5, 14, 100)));
        assert_eq!(parse_content_range("bytes 5-140/100"), None);
        assert_eq!(parse_content_range("bytes */100"), None);
        // A server without ranges sends everything: the window is cut out.
        let whole: Vec<u8> = (0..100).collect();
        let tail = ByteRange::Last(10).window_of(whole.clone());
        assert_eq!((tail.offset, tail.total, tail.bytes.len()), (90, 100, 10));
        assert_eq!(tail.bytes[0], 90);
        let span = ByteRange::Span { start: 95, len: 10 }.window_of(whole.clone());
        assert_eq!((span.offset, span.bytes), (95, vec![95, 96, 97, 98, 99]));
        assert_eq!(ByteRange::Last(1000).window_of(whole).bytes.len(), 100);
    }

    fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn settings_default_when_unset() {
        assert_eq!(Settings::from_vars(vars(&[])).unwrap(), Settings::default());
        assert_eq!(
            Settings::from_vars(vars(&[("DEVENV_OFFLINE", "0")])).unwrap(),
            Settings::default()
        );
    }

    #[test]
    fn settings_read_the_variables() {
        let s = Settings::from_vars(vars(&[
            ("DEVENV_OFFLINE", "1"),
            ("DEVENV_HTTP_TIMEOUT", "7"),
            ("DEVENV_HTTP_RETRIES", "0"),
            ("DEVENV_HTTP_BACKOFF_MS", "5"),
            ("DEVENV_MAX_DOWNLOAD_MB", "3"),
            ("DEVENV_HTTP_MIN_SPEED", "10"),
            ("DEVENV_JOBS", "3"),
        ]))
        .unwrap();
        assert_eq!(
            s,
            Settings {
                offline: true,
                timeout: Duration::from_secs(7),
                retries: 0,
                backoff: Duration::from_millis(5),
                max_bytes: 3 << 20,
                min_speed: 10,
                jobs: 3,
            }
        );
    }

    #[test]
    fn malformed_settings_name_the_variable() {
        let err = Settings::from_vars(vars(&[("DEVENV_HTTP_TIMEOUT", "soon")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "DEVENV_HTTP_TIMEOUT is `soon`, but it must be a whole number of seconds"
        );
        let err = Settings::from_vars(vars(&[("DEVENV_JOBS", "0")])).unwrap_err();
        assert_eq!(
            err.to_string(),
            "DEVENV_JOBS is `0`, but it must be at least 1"
        );
    }

    #[test]
    fn file_urls() {
        assert_eq!(
            local_path("file:///tmp/a%20b.tgz"),
            Some(PathBuf::from("/tmp/a b.tgz"))
        );
        assert_eq!(local_path("file://localhost/x"), Some(PathBuf::from("/x")));
        assert_eq!(local_path("file://host/x"), None);
        assert_eq!(local_path("https://example.invalid/x"), None);
    }

    #[test]
    fn user_agent_names_the_version() {
        assert_eq!(
            user_agent(),
            format!("devenv/{}", env!("CARGO_PKG_VERSION"))
        );
    }
}
