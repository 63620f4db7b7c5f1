//! The shared test helpers behave as documented: the fixture server's
//! routes, failures and shutdown, and the archive builders' output.

use crate::common;
use common::{archives, server};

use archives::Entry;
use devenv_net::fetch::{Fetcher, Settings};
use server::FixtureServer;
use std::time::Duration;

fn fetcher() -> Fetcher {
    Fetcher::new(Settings {
        max_bytes: 1 << 30,
        min_speed: 0,
        offline: false,
        timeout: Duration::from_secs(5),
        retries: 0,
        backoff: Duration::ZERO,
        ..Settings::default()
    })
}

/// The body of `path`, which must be served.
fn text(server: &FixtureServer, path: &str) -> String {
    fetcher().get_text(&server.url(path)).unwrap()
}

#[test]
fn serves_routes_and_counts_hits_per_path_and_query() {
    let server = FixtureServer::start();
    assert!(server.base().starts_with("http://127.0.0.1:"));
    assert_eq!(server.url("a/b"), format!("{}/a/b", server.base()));
    server.add_text("/a/b", "one");
    server.add_text("/a/b", "two");
    assert_eq!(text(&server, "/a/b"), "two");
    assert_eq!(text(&server, "/a/b?x=1"), "two");
    assert_eq!(server.hits("/a/b"), 2);
    assert_eq!(server.hits("/other"), 0);
    // A route with a query answers only that query, and counts its own hits.
    server.add_text("/a/b?x=2", "three");
    assert_eq!(text(&server, "/a/b?x=2"), "three");
    assert_eq!(text(&server, "/a/b?x=3"), "two");
    assert_eq!(server.hits("/a/b?x=2"), 1);
    assert_eq!(server.hits("/a/b"), 4);
}

#[test]
fn a_delayed_route_answers_only_after_its_delay() {
    let server = FixtureServer::start();
    server.add_text("/slow", "late");
    server.delay("/slow", Duration::from_secs(3600));
    std::thread::scope(|scope| {
        let waiting = scope.spawn(|| fetcher().get_text(&server.url("/slow")));
        // The request arrived and its answer is not decided: it is held.
        crate::common::wait_until("the request for /slow", || server.received("/slow") > 0);
        assert_eq!(server.hits("/slow"), 0);
        assert!(!waiting.is_finished());
        // Adding the route again replaces the delay for new requests.
        server.add_text("/slow", "now");
        assert_eq!(text(&server, "/slow"), "now");
        assert_eq!(server.hits("/slow"), 1);
        // Stopping the server releases the held request.
        server.stop();
        assert_eq!(waiting.join().unwrap().unwrap(), "now");
    });
}

/// The raw response to `GET path` with `Accept-Encoding: accept`: the
/// head, as text, and the body bytes exactly as sent.
fn raw(server: &FixtureServer, path: &str, accept: &str) -> (String, Vec<u8>) {
    use std::io::{Read, Write};
    let addr = server.base().trim_start_matches("http://").to_string();
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: x\r\nAccept-Encoding: {accept}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut all = Vec::new();
    stream.read_to_end(&mut all).unwrap();
    let split = all.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    (
        String::from_utf8(all[..split].to_vec()).unwrap(),
        all[split + 4..].to_vec(),
    )
}

#[test]
fn gzip_is_sent_to_clients_that_accept_it_and_decoded_by_the_fetcher() {
    let server = FixtureServer::start();
    let json = format!("{{\"releases\": \"{}\"}}", "x".repeat(10_000));
    server.add_text("/pypi/a/json", &json);
    server.gzip("/pypi/a/json");
    let (head, body) = raw(&server, "/pypi/a/json", "gzip, deflate");
    assert!(head.contains("Content-Encoding: gzip"), "{head}");
    assert!(
        body.len() < 1000 && body.starts_with(&[0x1f, 0x8b]),
        "{}",
        body.len()
    );
    let (head, body) = raw(&server, "/pypi/a/json", "identity");
    assert!(!head.contains("Content-Encoding"), "{head}");
    assert_eq!(body, json.as_bytes());
    // The fetcher asks for gzip for text and decodes it.
    assert_eq!(text(&server, "/pypi/a/json"), json);
    assert_eq!(
        server
            .last_header("/pypi/a/json", "accept-encoding")
            .as_deref(),
        Some("gzip")
    );
}

#[test]
fn chunked_bodies_have_no_length_and_arrive_whole() {
    let server = FixtureServer::start();
    let body: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
    server.add("/big", body.clone());
    server.chunked("/big");
    let (head, raw_body) = raw(&server, "/big", "identity");
    assert!(head.contains("Transfer-Encoding: chunked"), "{head}");
    assert!(!head.contains("Content-Length"), "{head}");
    assert!(raw_body.starts_with(b"1000\r\n") && raw_body.ends_with(b"0\r\n\r\n"));
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("big");
    let expected = devenv_model::digest::Digest::of(devenv_model::digest::Algorithm::Sha256, &body);
    let (digest, size) = fetcher()
        .download(
            &server.url("/big"),
            &dest,
            devenv_model::digest::Algorithm::Sha256,
            &mut |_, _| {},
        )
        .unwrap();
    assert_eq!((digest, size), (expected, body.len() as u64));
}

#[test]
fn redirects_are_followed() {
    let server = FixtureServer::start();
    server.add_text("/cdn/file", "moved");
    server.redirect("/releases/file", 302, "/cdn/file");
    server.redirect("/old/file", 301, "/releases/file");
    let (head, _) = raw(&server, "/old/file", "identity");
    assert!(head.starts_with("HTTP/1.1 301 Moved Permanently"), "{head}");
    assert!(
        head.contains(&format!("Location: {}", server.url("/releases/file"))),
        "{head}"
    );
    assert_eq!(text(&server, "/old/file"), "moved");
    assert_eq!(server.hits("/cdn/file"), 1);
}

#[test]
fn throttled_requests_answer_429_with_retry_after_then_normally() {
    let server = FixtureServer::start();
    server.add_text("/busy", "served");
    server.throttle("/busy", 2, Some("0"));
    let (head, _) = raw(&server, "/busy", "identity");
    assert!(head.starts_with("HTTP/1.1 429 Too Many Requests"), "{head}");
    assert!(head.contains("Retry-After: 0"), "{head}");
    // A fetcher with no retries sees the 429; with retries it gets through.
    let err = fetcher().get_text(&server.url("/busy")).unwrap_err();
    assert_eq!(devenv_net::fetch::status_of(&err), Some(429));
    let patient = Fetcher::new(Settings {
        retries: 1,
        ..Settings::default()
    });
    server.throttle("/busy", 1, Some("0"));
    assert_eq!(patient.get_text(&server.url("/busy")).unwrap(), "served");
    assert_eq!(server.hits("/busy"), 4);
}

#[test]
fn unknown_paths_are_not_found() {
    let server = FixtureServer::start();
    let err = fetcher().get_text(&server.url("/nothing")).unwrap_err();
    assert!(
        err.to_string()
            .ends_with("the server answered 404 Not Found"),
        "{err}"
    );
    assert_eq!(server.hits("/nothing"), 1);
}

#[test]
fn failures_come_first_then_normal_service() {
    let server = FixtureServer::start();
    server.add_text("/x", "ok");
    server.fail_times("/x", 2, 502);
    assert!(
        fetcher()
            .get_text(&server.url("/x"))
            .unwrap_err()
            .to_string()
            .contains("502 Bad Gateway")
    );
    assert!(fetcher().get_text(&server.url("/x")).is_err());
    assert_eq!(text(&server, "/x"), "ok");
    assert_eq!(server.hits("/x"), 3);
}

#[test]
fn custom_statuses_are_served() {
    let server = FixtureServer::start();
    server.add_with_status("/gone", 410, b"gone".to_vec());
    assert!(
        fetcher()
            .get_text(&server.url("/gone"))
            .unwrap_err()
            .to_string()
            .ends_with("410 Gone")
    );
}

#[test]
fn a_stopped_server_refuses_connections() {
    let server = FixtureServer::start();
    server.add_text("/x", "ok");
    let url = server.url("/x");
    assert_eq!(fetcher().get_text(&url).unwrap(), "ok");
    server.stop();
    server.stop();
    assert!(
        fetcher()
            .get_text(&url)
            .unwrap_err()
            .to_string()
            .contains("connection refused")
    );
}

#[test]
fn archive_builders_produce_readable_archives() {
    let entries = [
        Entry::dir("d/"),
        Entry::file("d/f", b"data", 0o644),
        Entry::symlink("d/l", "f"),
    ];
    for bytes in [
        archives::tar_gz(&entries),
        archives::tar_xz(&entries),
        archives::tar_zst(&entries),
    ] {
        let tar = match bytes[..4] {
            [0x1f, 0x8b, ..] => archives_decode::gunzip(&bytes),
            [0xfd, b'7', b'z', b'X'] => archives_decode::unxz(&bytes),
            _ => {
                let mut out = Vec::new();
                std::io::Read::read_to_end(
                    &mut ruzstd::decoding::StreamingDecoder::new(&bytes[..]).unwrap(),
                    &mut out,
                )
                .unwrap();
                out
            }
        };
        let mut archive = tar::Archive::new(&tar[..]);
        let names: Vec<String> = archive
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().display().to_string())
            .collect();
        assert_eq!(names, ["d/", "d/f", "d/l"]);
    }
    let zip = zip::ZipArchive::new(std::io::Cursor::new(archives::zip(&entries))).unwrap();
    assert_eq!(zip.len(), 3);
}

#[test]
fn hostile_names_are_written_verbatim() {
    let tar = archives::tar(&[
        Entry::file("../x", b"", 0o644),
        Entry::file("/abs", b"", 0o644),
    ]);
    let mut archive = tar::Archive::new(&tar[..]);
    let names: Vec<Vec<u8>> = archive
        .entries()
        .unwrap()
        .map(|e| e.unwrap().path_bytes().into_owned())
        .collect();
    assert_eq!(names, [b"../x".to_vec(), b"/abs".to_vec()]);
}

#[test]
fn big_archives_are_about_the_requested_size() {
    let bytes = archives::big_tar_gz(1 << 20);
    assert!(
        bytes.len() > 1 << 20,
        "incompressible content stays big: {}",
        bytes.len()
    );
    assert!(bytes.len() < (1 << 20) + 64 * 1024);
}

mod archives_decode {
    use std::io::Read;

    pub(crate) fn gunzip(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    pub(crate) fn unxz(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        lzma_rust2::XzReader::new(bytes, true)
            .read_to_end(&mut out)
            .unwrap();
        out
    }
}
