//! A local HTTP server for tests: fixture files on 127.0.0.1 (by path, or
//! by path and query), plus the ways real servers misbehave (errors, flaky
//! failures, delays, stalls) and the ways real registries answer (gzip for
//! clients that accept it, chunked bodies, redirects, 429 with Retry-After).
//!
//! Every request is answered in its own thread with `Connection: close`, so
//! a stalled response never holds up another client, and a stopped server
//! leaves no kept-alive connection behind.
#![allow(dead_code)]

use std::collections::HashMap;
use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A fixture HTTP server on a random port of 127.0.0.1. Stops when dropped.
pub(crate) struct FixtureServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: Mutex<Option<Arc<tiny_http::Server>>>,
    accept: Mutex<Option<JoinHandle<()>>>,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    /// Signalled when the server stops, to release stalled responses.
    stopped: Condvar,
}

#[derive(Default)]
struct State {
    stopped: bool,
    /// Path (or path with query) → (status, body).
    routes: HashMap<String, (u16, Arc<Vec<u8>>)>,
    /// Path → (failures left, status to fail with).
    failures: HashMap<String, (usize, u16)>,
    /// Path → how many body bytes to send before hanging.
    stalls: HashMap<String, usize>,
    /// Path → how long to wait before answering at all.
    delays: HashMap<String, Duration>,
    /// Path → the pause between single body bytes (a trickling server).
    trickles: HashMap<String, Duration>,
    /// Path, and path with query where there is one → requests.
    hits: HashMap<String, usize>,
    /// Path → headers of the latest request, names lowercased.
    last_headers: HashMap<String, Vec<(String, String)>>,
    /// Route (path, or path with query) → extra response headers.
    reply_headers: HashMap<String, Vec<(String, String)>>,
    /// Path → requests that arrived, counted before any delay.
    received: HashMap<String, usize>,
    /// Paths whose body is gzip-encoded for clients accepting gzip.
    gzipped: std::collections::HashSet<String>,
    /// Paths whose body is sent chunked, without a Content-Length.
    chunked: std::collections::HashSet<String>,
    /// Path → (status, Location) of a redirect.
    redirects: HashMap<String, (u16, String)>,
    /// Path → (429 answers left, their Retry-After value, if any).
    throttles: HashMap<String, (usize, Option<String>)>,
}

/// What one request gets.
enum Reply {
    Full {
        status: u16,
        body: Arc<Vec<u8>>,
    },
    /// A full answer as a registry sends it: headers of its own, the body
    /// gzip-encoded and/or chunked.
    Encoded {
        status: u16,
        body: Arc<Vec<u8>>,
        headers: Vec<(String, String)>,
        gzip: bool,
        chunked: bool,
    },
    Stall {
        body: Arc<Vec<u8>>,
        first_bytes: usize,
    },
    Trickle {
        body: Arc<Vec<u8>>,
        pause: Duration,
    },
    /// `body[start..end]`, answering a `Range` request.
    Partial {
        body: Arc<Vec<u8>>,
        start: usize,
        end: usize,
    },
}

/// `bytes=A-B`, `bytes=A-` or `bytes=-N` of a body of `len` bytes, as a
/// half-open span; `None` for anything else (answered in full, as a
/// server without range support would).
fn byte_range(header: &str, len: usize) -> Option<(usize, usize)> {
    let spec = header.trim().strip_prefix("bytes=")?;
    let (a, b) = spec.split_once('-')?;
    let (start, end) = match (a.parse::<usize>().ok(), b.parse::<usize>().ok()) {
        (None, Some(n)) if a.is_empty() => (len.saturating_sub(n), len),
        (Some(a), None) if b.is_empty() => (a, len),
        (Some(a), Some(b)) => (a, (b + 1).min(len)),
        _ => return None,
    };
    (start < end).then_some((start, end))
}

impl FixtureServer {
    /// Starts serving (nothing yet: every path answers 404).
    pub(crate) fn start() -> FixtureServer {
        let server =
            Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("start the fixture server"));
        let addr = server.server_addr().to_ip().expect("an IP address");
        let shared = Arc::new(Shared::default());
        let accept = {
            let (server, shared) = (server.clone(), shared.clone());
            std::thread::spawn(move || {
                while let Ok(request) = server.recv() {
                    if shared.state.lock().unwrap().stopped {
                        break;
                    }
                    let shared = shared.clone();
                    std::thread::spawn(move || answer(&shared, request));
                }
            })
        };
        FixtureServer {
            addr,
            shared,
            server: Mutex::new(Some(server)),
            accept: Mutex::new(Some(accept)),
        }
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub(crate) fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The URL of `path` on this server (`path` with or without its leading `/`).
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{}", self.base(), normalize(path))
    }

    /// The port this server listens on (on 127.0.0.1).
    pub(crate) fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Serves `bytes` at `path` with status 200. A `path` with a query
    /// (`/dl/?mode=json`) answers only that query; one without answers
    /// every query the more specific routes do not.
    pub(crate) fn add(&self, path: &str, bytes: impl Into<Vec<u8>>) {
        self.add_with_status(path, 200, bytes);
    }

    pub(crate) fn add_text(&self, path: &str, text: &str) {
        self.add(path, text.as_bytes());
    }

    /// Serves `bytes` at `path` with `status`, replacing any earlier
    /// behaviour of `path` (including a stall or a delay).
    pub(crate) fn add_with_status(&self, path: &str, status: u16, bytes: impl Into<Vec<u8>>) {
        let mut state = self.state();
        state.stalls.remove(&normalize(path));
        state.delays.remove(&normalize(path));
        state
            .routes
            .insert(normalize(path), (status, Arc::new(bytes.into())));
    }

    /// Serves `bytes` at `path` with `status` and extra response `headers`
    /// (a `Link` to the next page, rate-limit counters...).
    pub(crate) fn add_with_headers(
        &self,
        path: &str,
        status: u16,
        headers: &[(&str, &str)],
        bytes: impl Into<Vec<u8>>,
    ) {
        self.add_with_status(path, status, bytes);
        let headers = headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.state().reply_headers.insert(normalize(path), headers);
    }

    /// The next `n` requests for `path` answer `status` (with a short text
    /// body); later ones are served normally.
    pub(crate) fn fail_times(&self, path: &str, n: usize, status: u16) {
        self.state().failures.insert(normalize(path), (n, status));
    }

    /// Requests for `path` get no answer at all until `delay` has passed
    /// (or the server stops), then the normal one: a server too slow to
    /// send even its headers.
    pub(crate) fn delay(&self, path: &str, delay: Duration) {
        self.state().delays.insert(normalize(path), delay);
    }

    /// Requests for `path` get headers announcing the full body (as added
    /// with `add`, else 1 MiB), then its first `first_bytes` bytes, then
    /// nothing until the server stops.
    pub(crate) fn stall(&self, path: &str, first_bytes: usize) {
        self.state().stalls.insert(normalize(path), first_bytes);
    }

    /// Answers `path` one byte at a time, `pause` apart, as a server that
    /// keeps a connection alive without ever really sending anything.
    pub(crate) fn trickle(&self, path: &str, pause: Duration) {
        self.state().trickles.insert(normalize(path), pause);
    }

    /// Encodes the body of `path` with gzip (`Content-Encoding: gzip`) for
    /// requests whose `Accept-Encoding` names gzip, as registries serve
    /// their JSON; others get it as it is.
    pub(crate) fn gzip(&self, path: &str) {
        self.state().gzipped.insert(normalize(path));
    }

    /// Sends the body of `path` with `Transfer-Encoding: chunked` and no
    /// `Content-Length`, as servers that stream do.
    pub(crate) fn chunked(&self, path: &str) {
        self.state().chunked.insert(normalize(path));
    }

    /// Answers `from` with `status` (301, 302, 307, 308) and `Location: to`
    /// (a path on this server, or an absolute URL), as download hosts that
    /// hand off to a CDN do.
    pub(crate) fn redirect(&self, from: &str, status: u16, to: &str) {
        let location = if to.starts_with("http://") || to.starts_with("https://") {
            to.to_string()
        } else {
            self.url(to)
        };
        self.state()
            .redirects
            .insert(normalize(from), (status, location));
    }

    /// The next `n` requests for `path` answer 429 Too Many Requests, with
    /// `Retry-After: retry_after` when given (seconds or an HTTP date);
    /// later ones are served normally.
    pub(crate) fn throttle(&self, path: &str, n: usize, retry_after: Option<&str>) {
        self.state()
            .throttles
            .insert(normalize(path), (n, retry_after.map(str::to_string)));
    }

    /// How many requests for `path` have arrived, counted on arrival (a
    /// delayed request counts before it is answered; [`FixtureServer::hits`]
    /// counts it once its answer is decided): the event a test waits on to
    /// know a client is waiting for an answer.
    pub(crate) fn received(&self, path: &str) -> usize {
        self.state()
            .received
            .get(&normalize(path))
            .copied()
            .unwrap_or(0)
    }

    /// How many requests `path` has received: whatever their query
    /// string, or, for a `path` with a query, with exactly that one.
    pub(crate) fn hits(&self, path: &str) -> usize {
        self.state()
            .hits
            .get(&normalize(path))
            .copied()
            .unwrap_or(0)
    }

    /// The header `name` of the latest request for `path`.
    pub(crate) fn last_header(&self, path: &str, name: &str) -> Option<String> {
        let state = self.state();
        let headers = state.last_headers.get(&normalize(path))?;
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    }

    /// Stops serving: later connections are refused and stalled responses
    /// end. Idempotent; `Drop` calls it.
    pub(crate) fn stop(&self) {
        {
            let mut state = self.state();
            if state.stopped {
                return;
            }
            state.stopped = true;
        }
        self.shared.stopped.notify_all();
        if let Some(server) = self.server.lock().unwrap().take() {
            server.unblock();
            if let Some(accept) = self.accept.lock().unwrap().take() {
                let _ = accept.join();
            }
            // The last reference: dropping it closes the listening socket.
            drop(server);
        }
        // tiny_http closes its listener on a thread of its own; wait for it
        // so "stopped" really means "refuses connections".
        let deadline = Instant::now() + Duration::from_secs(5);
        while std::net::TcpStream::connect_timeout(&self.addr, Duration::from_millis(100)).is_ok()
            && Instant::now() < deadline
        {
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.shared.state.lock().unwrap()
    }
}

impl Drop for FixtureServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn normalize(path: &str) -> String {
    if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    }
}

/// Decides the reply to `request` and sends it.
fn answer(shared: &Shared, request: tiny_http::Request) {
    let with_query = request.url().split('#').next().unwrap_or("/").to_string();
    let path = with_query.split('?').next().unwrap_or("/").to_string();
    let delay = {
        let mut state = shared.state.lock().unwrap();
        *state.received.entry(path.clone()).or_default() += 1;
        state.delays.get(&path).copied()
    };
    if let Some(delay) = delay {
        let deadline = Instant::now() + delay;
        let mut state = shared.state.lock().unwrap();
        while !state.stopped && Instant::now() < deadline {
            let left = deadline.saturating_duration_since(Instant::now());
            state = shared.stopped.wait_timeout(state, left).unwrap().0;
        }
    }
    let (reply, extra) = {
        let mut state = shared.state.lock().unwrap();
        *state.hits.entry(path.clone()).or_default() += 1;
        if with_query != path {
            *state.hits.entry(with_query.clone()).or_default() += 1;
        }
        let headers = request
            .headers()
            .iter()
            .map(|h| {
                (
                    h.field.as_str().as_str().to_ascii_lowercase(),
                    h.value.as_str().to_string(),
                )
            })
            .collect();
        state.last_headers.insert(path.clone(), headers);
        let route = state
            .routes
            .get(&with_query)
            .or_else(|| state.routes.get(&path))
            .cloned();
        let extra = if state.routes.contains_key(&with_query) {
            state.reply_headers.get(&with_query)
        } else {
            state.reply_headers.get(&path)
        }
        .cloned()
        .unwrap_or_default();
        let failing = match state.failures.get_mut(&path) {
            Some((left, status)) if *left > 0 => {
                *left -= 1;
                Some(*status)
            }
            _ => None,
        };
        let throttled = match state.throttles.get_mut(&path) {
            Some((left, retry_after)) if *left > 0 => {
                *left -= 1;
                Some(retry_after.clone())
            }
            _ => None,
        };
        let accepts_gzip = request.headers().iter().any(|h| {
            h.field.equiv("Accept-Encoding")
                && h.value
                    .as_str()
                    .split(',')
                    .any(|e| e.trim().split(';').next() == Some("gzip"))
        });
        let reply = if let Some(retry_after) = throttled {
            Reply::Encoded {
                status: 429,
                body: Arc::new(b"slow down\n".to_vec()),
                headers: retry_after
                    .map(|v| vec![("Retry-After".to_string(), v)])
                    .unwrap_or_default(),
                gzip: false,
                chunked: false,
            }
        } else if let Some((status, location)) = state.redirects.get(&path).cloned() {
            Reply::Encoded {
                status,
                body: Arc::new(Vec::new()),
                headers: vec![("Location".to_string(), location)],
                gzip: false,
                chunked: false,
            }
        } else if let Some(status) = failing {
            Reply::Full {
                status,
                body: Arc::new(format!("fixture failure {status}\n").into_bytes()),
            }
        } else if let Some(&pause) = state.trickles.get(&path) {
            let body = route
                .map(|(_, body)| body)
                .unwrap_or_else(|| Arc::new(vec![b'x'; 1 << 20]));
            Reply::Trickle { body, pause }
        } else if let Some(&first_bytes) = state.stalls.get(&path) {
            let body = route
                .map(|(_, body)| body)
                .unwrap_or_else(|| Arc::new(vec![b'x'; 1 << 20]));
            Reply::Stall { body, first_bytes }
        } else if let Some((status, body)) = route {
            let gzip = accepts_gzip && state.gzipped.contains(&path);
            let chunked = state.chunked.contains(&path);
            if gzip || chunked {
                Reply::Encoded {
                    status,
                    body,
                    headers: Vec::new(),
                    gzip,
                    chunked,
                }
            } else {
                Reply::Full { status, body }
            }
        } else {
            Reply::Full {
                status: 404,
                body: Arc::new(format!("no fixture at {path}\n").into_bytes()),
            }
        };
        (reply, extra)
    };
    let head_only = *request.method() == tiny_http::Method::Head;
    // Byte ranges, as real registries and CDNs serve them.
    let range = request
        .headers()
        .iter()
        .find(|h| h.field.equiv("Range"))
        .map(|h| h.value.as_str().to_string());
    let reply = match (reply, range) {
        (Reply::Full { status: 200, body }, Some(range)) => match byte_range(&range, body.len()) {
            Some((start, end)) => Reply::Partial { body, start, end },
            None => Reply::Full { status: 200, body },
        },
        (reply, _) => reply,
    };
    // A raw writer, because tiny_http will not let a response say
    // `Connection: close` itself.
    let mut out = request.into_writer();
    let _ = match reply {
        Reply::Full { status, body } => {
            write_head(&mut out, status, body.len(), &extra).and_then(|()| {
                if head_only {
                    Ok(())
                } else {
                    out.write_all(&body)
                }
            })
        }
        Reply::Encoded {
            status,
            body,
            headers,
            gzip,
            chunked,
        } => {
            let body = if gzip {
                gzip_bytes(&body)
            } else {
                body.to_vec()
            };
            let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
            for (name, value) in &headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            if gzip {
                head.push_str("Content-Encoding: gzip\r\nVary: Accept-Encoding\r\n");
            }
            if chunked {
                head.push_str("Transfer-Encoding: chunked\r\n");
            } else {
                head.push_str(&format!("Content-Length: {}\r\n", body.len()));
            }
            head.push_str("Content-Type: application/octet-stream\r\nConnection: close\r\n\r\n");
            out.write_all(head.as_bytes()).and_then(|()| {
                if head_only {
                    Ok(())
                } else if chunked {
                    // Several chunks, as a streaming server sends them.
                    for chunk in body.chunks(4096) {
                        write!(out, "{:x}\r\n", chunk.len())?;
                        out.write_all(chunk)?;
                        out.write_all(b"\r\n")?;
                    }
                    out.write_all(b"0\r\n\r\n")
                } else {
                    out.write_all(&body)
                }
            })
        }
        Reply::Partial { body, start, end } => write!(
            out,
            "HTTP/1.1 206 Partial Content\r\nContent-Length: {}\r\nContent-Range: bytes {start}-{}/{}\r\n\
             Content-Type: application/octet-stream\r\nConnection: close\r\n\r\n",
            end - start,
            end - 1,
            body.len()
        )
        .and_then(|()| out.write_all(&body[start..end])),
        Reply::Stall { body, first_bytes } => {
            let sent = write_head(&mut out, 200, body.len(), &[])
                .and_then(|()| out.write_all(&body[..first_bytes.min(body.len())]))
                .and_then(|()| out.flush());
            let mut state = shared.state.lock().unwrap();
            while !state.stopped {
                state = shared.stopped.wait(state).unwrap();
            }
            sent
        }
        Reply::Trickle { body, pause } => {
            let mut sent = write_head(&mut out, 200, body.len(), &[]);
            for byte in body.iter() {
                if sent.is_err() {
                    break;
                }
                sent = out.write_all(&[*byte]).and_then(|()| out.flush());
                let state = shared.state.lock().unwrap();
                if state.stopped {
                    break;
                }
                let _ = shared.stopped.wait_timeout(state, pause).unwrap();
            }
            sent
        }
    };
    let _ = out.flush();
}

fn write_head(
    out: &mut dyn Write,
    status: u16,
    length: usize,
    extra: &[(String, String)],
) -> std::io::Result<()> {
    write!(out, "HTTP/1.1 {status} {}\r\n", reason(status))?;
    for (name, value) in extra {
        write!(out, "{name}: {value}\r\n")?;
    }
    write!(
        out,
        "Content-Length: {length}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n"
    )
}

fn gzip_bytes(body: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(body).expect("gzip in memory");
    encoder.finish().expect("gzip in memory")
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        408 => "Request Timeout",
        410 => "Gone",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

/// A server that cuts every response short: it announces a body of
/// `announced` bytes, sends the first `sent`, and closes the connection,
/// as a crashing upstream does. (tiny_http cannot drop a connection in the
/// middle of a response, hence this separate, minimal server.)
pub(crate) struct TruncatingServer {
    addr: SocketAddr,
    hits: Arc<Mutex<usize>>,
    stopped: Arc<std::sync::atomic::AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl TruncatingServer {
    pub(crate) fn start(announced: usize, sent: usize) -> TruncatingServer {
        use std::io::Read;
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a port");
        let addr = listener.local_addr().expect("a local address");
        let hits = Arc::new(Mutex::new(0));
        let stopped = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let accept = {
            let (hits, stopped) = (hits.clone(), stopped.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stopped.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(mut stream) = stream else { continue };
                    *hits.lock().unwrap() += 1;
                    // Read the request head; the answer is the same for every path.
                    let mut head = Vec::new();
                    let mut byte = [0u8; 1];
                    while !head.ends_with(b"\r\n\r\n") && matches!(stream.read(&mut byte), Ok(1)) {
                        head.push(byte[0]);
                    }
                    let _ = write_head(&mut stream, 200, announced, &[]);
                    let _ = stream.write_all(&vec![b'x'; sent.min(announced)]);
                    let _ = stream.shutdown(std::net::Shutdown::Both);
                }
            })
        };
        TruncatingServer {
            addr,
            hits,
            stopped,
            accept: Some(accept),
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, normalize(path))
    }

    /// How many connections it has answered.
    pub(crate) fn hits(&self) -> usize {
        *self.hits.lock().unwrap()
    }
}

impl Drop for TruncatingServer {
    fn drop(&mut self) {
        self.stopped
            .store(true, std::sync::atomic::Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = std::net::TcpStream::connect(self.addr);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}
