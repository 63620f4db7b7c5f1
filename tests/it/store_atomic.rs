//! Store invariants 1 and 2: an entry is complete or absent, and nothing
//! unverified is committed. Entries are read-only.

use crate::common;
use common::server::FixtureServer;
use common::{World, sha256_hex, tool_tar_gz, url_tool_manifest};
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

#[test]
fn install_then_exec_runs_the_tool() {
    let server = FixtureServer::start();
    let w = World::new();
    let bytes = tool_tar_gz("hello", "1.2.3");
    server.add("/hello.tar.gz", bytes.clone());
    w.manifest(&url_tool_manifest(
        "hello",
        "1.2.3",
        &server.url("/hello.tar.gz"),
        &bytes,
    ));
    w.run(&["install"]).ok().stderr_has("installed hello 1.2.3");
    let entries = w.store_entries();
    assert_eq!(entries.len(), 1);
    let name = entries[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(
        name.ends_with("-hello-1.2.3") && name.len() == 32 + "-hello-1.2.3".len(),
        "{name}"
    );
    w.run(&["exec", "--", "hello", "world"])
        .ok()
        .stdout_has("hello 1.2.3 world");
    // A second install downloads nothing.
    w.run(&["install"]).ok().stderr_has("already installed");
    assert_eq!(server.hits("/hello.tar.gz"), 1);
}

#[test]
fn committed_entries_are_read_only() {
    let server = FixtureServer::start();
    let w = World::new();
    let bytes = tool_tar_gz("ro", "1.0");
    server.add("/ro.tar.gz", bytes.clone());
    w.manifest(&url_tool_manifest(
        "ro",
        "1.0",
        &server.url("/ro.tar.gz"),
        &bytes,
    ));
    w.run(&["install"]).ok();
    let entry = &w.store_entries()[0];
    for path in [entry.clone(), entry.join("bin"), entry.join("bin/ro")] {
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o222, 0, "{} is writable: {mode:o}", path.display());
    }
    assert_eq!(
        std::fs::metadata(entry.join("bin/ro"))
            .unwrap()
            .permissions()
            .mode()
            & 0o111,
        0o111
    );
}

#[test]
fn digest_mismatch_is_refused_and_nothing_is_committed() {
    let server = FixtureServer::start();
    let w = World::new();
    let good = tool_tar_gz("mm", "1.0");
    let evil = tool_tar_gz("mm", "6.6.6");
    server.add("/mm.tar.gz", evil.clone());
    w.manifest(&url_tool_manifest(
        "mm",
        "1.0",
        &server.url("/mm.tar.gz"),
        &good,
    ));
    let out = w.run(&["install"]).fails(1);
    let err = &out.stderr;
    assert!(err.contains("`mm` does not match the lock"), "{err}");
    assert!(err.contains(&server.url("/mm.tar.gz")), "{err}");
    assert!(
        err.contains(&format!("expected: sha256:{}", sha256_hex(&good))),
        "{err}"
    );
    assert!(
        err.contains(&format!("actual:   sha256:{}", sha256_hex(&evil))),
        "{err}"
    );
    assert!(w.store_entries().is_empty());
    assert!(
        w.staging_leftovers().is_empty(),
        "{:?}",
        w.staging_leftovers()
    );
}

#[test]
fn killed_mid_download_leaves_no_entry_and_the_next_install_succeeds() {
    let server = FixtureServer::start();
    let w = World::new();
    let bytes = common::archives::big_tar_gz(2 << 20);
    // The real archive, cut off after its first 256 KiB: enough for the
    // unpacker to have written part of the tree when the kill comes.
    server.add("/big.tar.gz", bytes.clone());
    server.stall("/big.tar.gz", 256 * 1024);
    w.manifest(&url_tool_manifest(
        "big",
        "1.0",
        &server.url("/big.tar.gz"),
        &bytes,
    ));
    w.run(&["lock"]).ok();
    let mut child = w
        .cmd(&["install"])
        .env("DEVENV_HTTP_TIMEOUT", "60")
        .spawn()
        .unwrap();
    // Wait until part of the download is on disk (unpacked as it arrives,
    // so in the staged tree), then kill -9.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let staged: u64 = w.staging_leftovers().iter().map(|d| bytes_under(d)).sum();
        if staged > 0 {
            break;
        }
        assert!(Instant::now() < deadline, "the download never started");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(w.store_entries().is_empty(), "a half entry was committed");
    assert!(
        !w.staging_leftovers().is_empty(),
        "expected garbage in staging after a kill"
    );
    // The server recovers; the next install cleans the garbage and succeeds.
    server.add("/big.tar.gz", bytes);
    w.run(&["install"]).ok();
    assert_eq!(w.store_entries().len(), 1);
    assert!(
        w.staging_leftovers().is_empty(),
        "{:?}",
        w.staging_leftovers()
    );
}

/// Bytes of the regular files under `dir`.
fn bytes_under(dir: &std::path::Path) -> u64 {
    let Ok(meta) = std::fs::symlink_metadata(dir) else {
        return 0;
    };
    if meta.is_dir() {
        std::fs::read_dir(dir)
            .map(|r| r.flatten().map(|e| bytes_under(&e.path())).sum())
            .unwrap_or(0)
    } else if meta.is_file() {
        meta.len()
    } else {
        0
    }
}

#[test]
fn http_errors_name_the_url_and_status() {
    let server = FixtureServer::start();
    let w = World::new();
    let bytes = tool_tar_gz("gone", "1.0");
    w.manifest(&url_tool_manifest(
        "gone",
        "1.0",
        &server.url("/gone.tar.gz"),
        &bytes,
    ));
    w.run(&["install"])
        .fails(1)
        .stderr_has(&server.url("/gone.tar.gz"))
        .stderr_has("404");
    assert!(w.store_entries().is_empty());
}

/// Runs `devenv install` under strace, returning its log of fsyncs and
/// renames with the paths of their file descriptors. strace is required:
/// without it the test fails (CI installs it, see `.ci/run`).
fn traced_install(w: &World) -> String {
    let log = w.root.join("strace.log");
    let mut cmd = std::process::Command::new("strace");
    cmd.args([
        "-f",
        "-y",
        "-qq",
        "-e",
        "trace=fsync,fdatasync,syncfs,rename,renameat,renameat2,open,openat",
        "-o",
    ])
    .arg(&log)
    .arg(common::bin())
    .arg("install")
    .current_dir(&w.project);
    w.isolate(&mut cmd);
    let out = cmd.output().unwrap_or_else(|e| {
        panic!("strace is needed to prove what reaches the disk before a commit: {e}")
    });
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(log).unwrap()
}

#[test]
fn an_entry_reaches_the_disk_before_its_commit_rename_and_the_store_after() {
    let server = FixtureServer::start();
    let w = World::new();
    let bytes = tool_tar_gz("durable", "1.0");
    server.add("/durable-1.0.tar.gz", bytes.clone());
    w.manifest(&url_tool_manifest(
        "durable",
        "1.0",
        &server.url("/durable-1.0.tar.gz"),
        &bytes,
    ));
    let log = traced_install(&w);
    let entry = w.store_entries()[0].clone();
    let name = entry.file_name().unwrap().to_string_lossy().into_owned();
    let lines: Vec<&str> = log.lines().collect();
    let commit = lines
        .iter()
        .position(|l| l.contains("rename") && l.contains("/tree\"") && l.contains(&name))
        .unwrap_or_else(|| panic!("no commit rename of {name} in:\n{log}"));
    // rename("<staging>/tree", "<store>/<name>")
    let staged = lines[commit]
        .split('"')
        .find(|part| part.ends_with("/tree"))
        .unwrap_or_else(|| panic!("no staged tree in {}", lines[commit]));
    // Every file and directory of the entry is flushed before the rename
    // that publishes it, by its own fsync: never the whole file system.
    let mut members = vec![std::path::PathBuf::new()];
    let mut all = Vec::new();
    while let Some(rel) = members.pop() {
        let meta = std::fs::symlink_metadata(entry.join(&rel)).unwrap();
        if meta.is_dir() {
            for e in std::fs::read_dir(entry.join(&rel)).unwrap() {
                members.push(rel.join(e.unwrap().file_name()));
            }
        }
        if !meta.file_type().is_symlink() {
            all.push(rel);
        }
    }
    for rel in &all {
        let fd_path = if rel.as_os_str().is_empty() {
            format!("<{staged}>")
        } else {
            format!("<{staged}/{}>", rel.display())
        };
        assert!(
            lines[..commit]
                .iter()
                .any(|l| l.contains("fsync(") && l.contains(&fd_path) && !l.contains("= -1")),
            "{fd_path} was not flushed before the commit:\n{log}"
        );
    }
    assert!(
        !log.contains("syncfs("),
        "the whole file system was flushed:\n{log}"
    );
    // The archive went from the network to the tree: no copy of it was
    // written to the staging directory.
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("O_CREAT") && l.contains("/download\"")),
        "the archive was written to a file:\n{log}"
    );
    let store_dir = entry.parent().unwrap().to_string_lossy().into_owned();
    assert!(
        lines[commit..]
            .iter()
            .any(|l| l.contains("fsync(") && l.contains(&format!("<{store_dir}>"))),
        "the store directory was not flushed after the commit:\n{log}"
    );
}

#[test]
fn a_tampered_archive_that_does_not_even_unpack_is_refused_as_the_mismatch_it_is() {
    // The bytes are unpacked as they arrive; a substitute that breaks the
    // unpacker (a hostile entry, garbage) must still be reported by its
    // digest, and leave nothing behind.
    let server = FixtureServer::start();
    let w = World::new();
    let good = tool_tar_gz("bad", "1.0");
    for (what, evil) in [
        ("garbage", vec![b'x'; 300_000]),
        (
            "an escaping archive",
            common::archives::tar_gz(&[common::archives::Entry::file(
                "../../escape",
                b"pwned",
                0o644,
            )]),
        ),
    ] {
        server.add("/bad.tar.gz", evil.clone());
        w.manifest(&url_tool_manifest(
            "bad",
            "1.0",
            &server.url("/bad.tar.gz"),
            &good,
        ));
        let out = w.run(&["install"]).fails(1);
        let err = &out.stderr;
        assert!(
            err.contains("`bad` does not match the lock"),
            "{what}: {err}"
        );
        assert!(
            err.contains(&format!("actual:   sha256:{}", sha256_hex(&evil))),
            "{what}: {err}"
        );
        assert!(w.store_entries().is_empty(), "{what}");
        assert!(w.staging_leftovers().is_empty(), "{what}");
        assert!(!w.home.join("escape").exists() && !w.root.join("escape").exists());
    }
}

#[test]
fn a_download_cut_short_is_started_over_and_never_committed() {
    // The server announces 1000 bytes, sends 100 and hangs up, every time:
    // the streamed attempt stops, the download is started over (with the
    // fetcher's retries), and the error names what happened.
    let server = common::server::TruncatingServer::start(1000, 100);
    let w = World::new();
    let good = tool_tar_gz("cut", "1.0");
    w.manifest(&url_tool_manifest(
        "cut",
        "1.0",
        &server.url("/cut.tar.gz"),
        &good,
    ));
    let out = w
        .cmd(&["install"])
        .env("DEVENV_HTTP_RETRIES", "1")
        .env("DEVENV_HTTP_BACKOFF_MS", "1")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the server closed the connection after 100 of 1000 bytes (after 1 retry)"),
        "{err}"
    );
    // One streamed attempt, then the download with its retry.
    assert_eq!(server.hits(), 3, "{err}");
    assert!(w.store_entries().is_empty());
    assert!(w.staging_leftovers().is_empty());
}

#[test]
fn the_recorded_tree_hash_is_the_hash_of_the_tree_on_disk() {
    // The tree hash is computed from the bytes as they were unpacked, not
    // read back: `store verify` (which reads every file) must agree.
    let server = FixtureServer::start();
    let w = World::new();
    let bytes = common::archives::big_tar_gz(3 << 20);
    server.add("/big.tar.gz", bytes.clone());
    w.manifest(&url_tool_manifest(
        "big",
        "1.0",
        &server.url("/big.tar.gz"),
        &bytes,
    ));
    w.run(&["install"]).ok();
    w.run(&["store", "verify"]).ok();
}

/// Entering a project records the shell's use of its entries for `gc`
/// (`roots/live/PID`) atomically but without a flush: the record means
/// something only while that shell runs, and no shell outlives a power
/// cut. (Flushing it made moving between projects wait on the disk.)
#[test]
fn entering_records_the_shells_roots_without_waiting_for_the_disk() {
    let server = FixtureServer::start();
    let w = World::new();
    let bytes = tool_tar_gz("quick", "1.0");
    server.add("/quick-1.0.tar.gz", bytes.clone());
    w.manifest(&url_tool_manifest(
        "quick",
        "1.0",
        &server.url("/quick-1.0.tar.gz"),
        &bytes,
    ));
    w.run(&["install"]).ok();
    w.run(&["allow"]).ok();
    let log = w.root.join("strace.log");
    let mut cmd = std::process::Command::new("strace");
    cmd.args([
        "-f",
        "-y",
        "-qq",
        "-e",
        "trace=fsync,fdatasync,syncfs,rename",
        "-o",
    ])
    .arg(&log)
    .arg(common::bin())
    .args(["hook-env", "--shell", "bash"])
    .current_dir(&w.project);
    w.isolate(&mut cmd);
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("strace is needed to see what is flushed: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && stdout.contains("PATH"), "{stdout}");
    let log = std::fs::read_to_string(log).unwrap();
    assert!(
        log.lines()
            .any(|l| l.contains("rename") && l.contains("roots/live/")),
        "the live record is written (atomically, by a rename):\n{log}"
    );
    assert!(
        !log.lines().any(|l| l.contains("sync")),
        "entering flushes nothing:\n{log}"
    );
}
