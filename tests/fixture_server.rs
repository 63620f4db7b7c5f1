//! The shared test helpers behave as documented: the fixture server's
//! routes, failures and shutdown, and the archive builders' output.

mod common;
use common::{archives, server};

use archives::Entry;
use devenv::fetch::{Fetcher, Settings};
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
fn a_delayed_route_answers_after_its_delay() {
    let server = FixtureServer::start();
    server.add_text("/slow", "late");
    server.delay("/slow", Duration::from_millis(300));
    let started = std::time::Instant::now();
    assert_eq!(text(&server, "/slow"), "late");
    assert!(started.elapsed() >= Duration::from_millis(300));
    // Adding the route again replaces the delay.
    server.add_text("/slow", "now");
    let started = std::time::Instant::now();
    assert_eq!(text(&server, "/slow"), "now");
    assert!(started.elapsed() < Duration::from_millis(300));
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
            _ => zstd::decode_all(&bytes[..]).unwrap(),
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

    pub fn gunzip(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    pub fn unxz(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        liblzma::read::XzDecoder::new(bytes)
            .read_to_end(&mut out)
            .unwrap();
        out
    }
}
