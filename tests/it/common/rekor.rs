//! A fixture Rekor on 127.0.0.1: the v1 API's search and entry endpoints,
//! answering for entries the test instance in [`super::sigstore`] logged.
//!
//! - `POST /api/v1/index/retrieve` with `{"hash": "sha256:<hex>"}` answers
//!   the UUIDs of the entries logged for that artifact digest (`[]` when
//!   none, as Rekor does);
//! - `GET /api/v1/log/entries/{uuid}` answers the entry, or 404 with
//!   Rekor's error object.
//!
//! Point a trusted root at it with
//! [`super::sigstore::TestSigstore::trusted_root_with_rekor`].
#![allow(dead_code)]

use super::sigstore::LoggedEntry;
use std::collections::HashMap;
use std::io::Read as _;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

#[derive(Default)]
struct Log {
    /// Artifact SHA-256 (hex) → entry UUIDs.
    by_hash: HashMap<String, Vec<String>>,
    /// UUID → the entry's answer.
    entries: HashMap<String, String>,
    /// Requests received, as `METHOD path`.
    requests: Vec<String>,
}

/// The fixture log. Stops when dropped.
pub(crate) struct FixtureRekor {
    server: Arc<tiny_http::Server>,
    log: Arc<Mutex<Log>>,
    accept: Option<JoinHandle<()>>,
}

impl FixtureRekor {
    pub(crate) fn start() -> FixtureRekor {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
        let log = Arc::new(Mutex::new(Log::default()));
        let accept = {
            let (server, log) = (server.clone(), log.clone());
            std::thread::spawn(move || {
                for request in server.incoming_requests() {
                    answer(&log, request);
                }
            })
        };
        FixtureRekor {
            server,
            log,
            accept: Some(accept),
        }
    }

    /// The base URL, as a trusted root's `tlogs[].baseUrl`.
    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.server.server_addr().to_ip().unwrap())
    }

    /// Makes `entry` findable by the SHA-256 (hex) of the artifact it is
    /// about (for a DSSE envelope: of a subject).
    pub(crate) fn add(&self, artifact_sha256: &str, entry: &LoggedEntry) {
        let mut log = self.log.lock().unwrap();
        log.by_hash
            .entry(artifact_sha256.to_ascii_lowercase())
            .or_default()
            .push(entry.uuid.clone());
        log.entries.insert(entry.uuid.clone(), entry.json.clone());
    }

    /// The requests received so far, as `METHOD path`.
    pub(crate) fn requests(&self) -> Vec<String> {
        self.log.lock().unwrap().requests.clone()
    }
}

impl Drop for FixtureRekor {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

fn json_reply(status: u16, body: String) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let header = tiny_http::Header::from_bytes("Content-Type", "application/json").unwrap();
    tiny_http::Response::from_data(body.into_bytes())
        .with_status_code(status)
        .with_header(header)
}

fn error(status: u16, message: &str) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    json_reply(
        status,
        serde_json::json!({"code": status, "message": message}).to_string(),
    )
}

fn answer(log: &Mutex<Log>, mut request: tiny_http::Request) {
    let path = request.url().split('?').next().unwrap_or("/").to_string();
    let method = request.method().as_str().to_string();
    let mut body = String::new();
    let _ = request.as_reader().take(64 << 10).read_to_string(&mut body);
    let mut log = log.lock().unwrap();
    log.requests.push(format!("{method} {path}"));
    let reply = match (method.as_str(), path.as_str()) {
        ("POST", "/api/v1/index/retrieve") => {
            let query: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
            match query["hash"]
                .as_str()
                .and_then(|h| h.strip_prefix("sha256:"))
            {
                Some(hex) => {
                    let uuids = log
                        .by_hash
                        .get(&hex.to_ascii_lowercase())
                        .cloned()
                        .unwrap_or_default();
                    json_reply(200, serde_json::to_string(&uuids).unwrap())
                }
                None => error(422, "hash must be sha256:<hex>"),
            }
        }
        ("GET", p) if p.starts_with("/api/v1/log/entries/") => {
            let uuid = &p["/api/v1/log/entries/".len()..];
            match log.entries.get(uuid) {
                Some(entry) => json_reply(200, entry.clone()),
                None => error(404, "entry not found"),
            }
        }
        _ => error(404, "not found"),
    };
    drop(log);
    let _ = request.respond(reply);
}
