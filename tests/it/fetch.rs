//! `fetch::Fetcher` against a local fixture server: digests, errors worded
//! for users, retries only where they can help, and no hang on a stall.

use crate::common;
use common::server;

use devenv_model::digest::{Algorithm, Digest};
use devenv_net::fetch::{Fetcher, Settings, user_agent};
use server::{FixtureServer, TruncatingServer};
use std::fs;
use std::time::{Duration, Instant};

fn fetcher(retries: u32) -> Fetcher {
    Fetcher::new(Settings {
        max_bytes: 1 << 30,
        min_speed: 0,
        offline: false,
        timeout: Duration::from_secs(2),
        retries,
        backoff: Duration::from_millis(1),
        ..Settings::default()
    })
}

fn no_progress() -> impl FnMut(u64, Option<u64>) {
    |_, _| {}
}

#[test]
fn downloads_with_digest_and_progress() {
    let server = FixtureServer::start();
    let body: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    server.add("/tool.tar.gz", body.clone());
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("tool.tar.gz");
    let mut seen = Vec::new();
    let (digest, bytes) = fetcher(0)
        .download(
            &server.url("/tool.tar.gz"),
            &dest,
            Algorithm::Sha256,
            &mut |done, total| seen.push((done, total)),
        )
        .unwrap();
    assert_eq!(digest, Digest::of(Algorithm::Sha256, &body));
    assert_eq!(bytes, body.len() as u64);
    assert_eq!(fs::read(&dest).unwrap(), body);
    assert_eq!(
        seen.last(),
        Some(&(body.len() as u64, Some(body.len() as u64)))
    );
    assert!(
        seen.windows(2).all(|w| w[0].0 <= w[1].0),
        "progress only grows"
    );
    assert_eq!(
        server.last_header("/tool.tar.gz", "user-agent").as_deref(),
        Some(user_agent())
    );
}

#[test]
fn sha512_digests_too() {
    let server = FixtureServer::start();
    server.add("/pkg.tgz", b"package bytes".to_vec());
    let dir = tempfile::tempdir().unwrap();
    let (digest, _) = fetcher(0)
        .download(
            &server.url("pkg.tgz"),
            &dir.path().join("p"),
            Algorithm::Sha512,
            &mut no_progress(),
        )
        .unwrap();
    assert_eq!(digest, Digest::of(Algorithm::Sha512, b"package bytes"));
}

#[test]
fn a_download_replaces_an_existing_file() {
    let server = FixtureServer::start();
    server.add("/a", b"new".to_vec());
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("a");
    fs::write(&dest, b"old contents that are longer").unwrap();
    fetcher(0)
        .download(
            &server.url("/a"),
            &dest,
            Algorithm::Sha256,
            &mut no_progress(),
        )
        .unwrap();
    assert_eq!(fs::read(&dest).unwrap(), b"new");
}

#[test]
fn get_text_reads_the_body() {
    let server = FixtureServer::start();
    server.add_text("/index.json", "{\"versions\": []}");
    assert_eq!(
        fetcher(0).get_text(&server.url("/index.json")).unwrap(),
        "{\"versions\": []}"
    );
}

#[test]
fn not_found_says_so_and_is_not_retried() {
    let server = FixtureServer::start();
    let url = server.url("/missing.tar.gz");
    let dir = tempfile::tempdir().unwrap();
    let err = fetcher(3)
        .download(
            &url,
            &dir.path().join("x"),
            Algorithm::Sha256,
            &mut no_progress(),
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("could not download {url}: the server answered 404 Not Found")
    );
    assert_eq!(server.hits("/missing.tar.gz"), 1);
    let err = fetcher(3).get_text(&url).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("could not fetch {url}: the server answered 404 Not Found")
    );
}

#[test]
fn client_errors_are_never_retried() {
    let server = FixtureServer::start();
    server.add("/private", b"secret".to_vec());
    server.fail_times("/private", 1, 403);
    let err = fetcher(3).get_text(&server.url("/private")).unwrap_err();
    assert!(
        err.to_string()
            .ends_with(": the server answered 403 Forbidden"),
        "{err}"
    );
    assert_eq!(server.hits("/private"), 1);
}

#[test]
fn server_errors_are_retried_until_success() {
    let server = FixtureServer::start();
    server.add("/flaky", b"finally".to_vec());
    server.fail_times("/flaky", 2, 500);
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("flaky");
    let (digest, _) = fetcher(3)
        .download(
            &server.url("/flaky"),
            &dest,
            Algorithm::Sha256,
            &mut no_progress(),
        )
        .unwrap();
    assert_eq!(digest, Digest::of(Algorithm::Sha256, b"finally"));
    assert_eq!(fs::read(&dest).unwrap(), b"finally");
    assert_eq!(server.hits("/flaky"), 3);
}

#[test]
fn server_errors_give_up_after_the_retries() {
    let server = FixtureServer::start();
    server.add_with_status("/down", 503, b"maintenance".to_vec());
    let url = server.url("/down");
    let err = fetcher(2).get_text(&url).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "could not fetch {url}: the server answered 503 Service Unavailable (after 2 retries)"
        )
    );
    assert_eq!(server.hits("/down"), 3);
}

#[test]
fn a_stalled_server_times_out_instead_of_hanging() {
    let server = FixtureServer::start();
    server.add("/slow", vec![7u8; 100_000]);
    server.stall("/slow", 1000);
    let url = server.url("/slow");
    let dir = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let err = fetcher(1)
        .download(
            &url,
            &dir.path().join("slow"),
            Algorithm::Sha256,
            &mut no_progress(),
        )
        .unwrap_err();
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "took {:?}",
        start.elapsed()
    );
    assert_eq!(
        err.to_string(),
        format!("could not download {url}: timed out after 2 s (after 1 retry)")
    );
    assert_eq!(server.hits("/slow"), 2);
}

#[test]
fn a_stall_does_not_block_other_requests() {
    let server = FixtureServer::start();
    server.stall("/stuck", 10);
    server.add_text("/fine", "fine");
    let stuck = server.url("/stuck");
    let background = std::thread::spawn(move || fetcher(0).get_text(&stuck));
    crate::common::wait_until("the request for /stuck", || server.hits("/stuck") > 0);
    assert_eq!(fetcher(0).get_text(&server.url("/fine")).unwrap(), "fine");
    server.stop();
    assert!(background.join().unwrap().is_err());
}

#[test]
fn a_short_body_is_an_error() {
    let server = TruncatingServer::start(1000, 100);
    let url = server.url("/cut.tar.gz");
    let dir = tempfile::tempdir().unwrap();
    let err = fetcher(1)
        .download(
            &url,
            &dir.path().join("cut"),
            Algorithm::Sha256,
            &mut no_progress(),
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "could not download {url}: the server closed the connection after 100 of 1000 bytes (after 1 retry)"
        )
    );
    assert_eq!(server.hits(), 2);
}

#[test]
fn a_refused_connection_says_so() {
    let server = FixtureServer::start();
    let url = server.url("/x");
    server.stop();
    let err = fetcher(2).get_text(&url).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("could not connect to {url}: connection refused (after 2 retries)")
    );
}

#[test]
fn offline_refuses_the_network() {
    let server = FixtureServer::start();
    server.add("/a", b"a".to_vec());
    let offline = Fetcher::new(Settings {
        offline: true,
        ..Settings::default()
    });
    assert!(offline.offline);
    let url = server.url("/a");
    let err = offline.get_text(&url).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("could not fetch {url}: devenv is offline (DEVENV_OFFLINE is set)")
    );
    let dir = tempfile::tempdir().unwrap();
    let err = offline
        .download(
            &url,
            &dir.path().join("a"),
            Algorithm::Sha256,
            &mut no_progress(),
        )
        .unwrap_err();
    assert!(err.to_string().contains("devenv is offline"), "{err}");
    assert_eq!(server.hits("/a"), 0);
}

#[test]
fn file_urls_are_read_from_disk_even_offline() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("local artifact.tar.gz");
    fs::write(&source, b"local bytes").unwrap();
    let url = format!("file://{}", source.display()).replace(' ', "%20");
    let offline = Fetcher::new(Settings {
        offline: true,
        ..Settings::default()
    });
    let dest = dir.path().join("copy");
    let mut last = None;
    let (digest, bytes) = offline
        .download(&url, &dest, Algorithm::Sha256, &mut |done, total| {
            last = Some((done, total))
        })
        .unwrap();
    assert_eq!(digest, Digest::of(Algorithm::Sha256, b"local bytes"));
    assert_eq!(bytes, 11);
    assert_eq!(last, Some((11, Some(11))));
    assert_eq!(fs::read(&dest).unwrap(), b"local bytes");
    assert_eq!(offline.get_text(&url).unwrap(), "local bytes");

    let missing = format!("file://{}/nope", dir.path().display());
    let err = offline.get_text(&missing).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "could not fetch {missing}: could not open {}/nope: No such file or directory",
            dir.path().display()
        )
    );
}

#[test]
fn a_fetcher_is_shared_across_threads() {
    fn assert_shareable<T: Clone + Send + Sync + 'static>() {}
    assert_shareable::<Fetcher>();
    let server = FixtureServer::start();
    for i in 0..8 {
        server.add(&format!("/f{i}"), format!("file {i}").into_bytes());
    }
    let fetcher = fetcher(0);
    let handles: Vec<_> = (0..8)
        .map(|i| {
            let (fetcher, url) = (fetcher.clone(), server.url(&format!("/f{i}")));
            std::thread::spawn(move || fetcher.get_text(&url).unwrap())
        })
        .collect();
    for (i, handle) in handles.into_iter().enumerate() {
        assert_eq!(handle.join().unwrap(), format!("file {i}"));
    }
}
