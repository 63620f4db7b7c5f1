//! No file devenv reads can hang it, and no link planted where devenv
//! writes makes it touch another file: each attack below used to hang a
//! command (a FIFO opened for reading waits for a writer forever) or
//! follow a link, and each run is bounded so a regression fails instead
//! of hanging the suite.

use crate::common;
use common::server::FixtureServer;
use common::{World, tool_tar_gz, url_tool_manifest};
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

fn mkfifo(path: &Path) {
    let _ = std::fs::remove_file(path);
    let c = CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: `c` is a NUL-terminated path that outlives the call.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0, "mkfifo");
}

/// A project pinning one URL tool from `server`, locked, and its
/// artifacts exported to an OCI image layout `airgap`.
fn exported(server: &FixtureServer) -> (World, PathBuf) {
    let bytes = tool_tar_gz("hello", "1.0.0");
    server.add("/hello.tar.gz", bytes.clone());
    let w = World::new();
    w.manifest(&url_tool_manifest(
        "hello",
        "1.0.0",
        &server.url("/hello.tar.gz"),
        &bytes,
    ));
    w.run(&["lock"]).ok();
    let dir = w.root.join("airgap");
    w.run(&["cache", "export", dir.to_str().unwrap()]).ok();
    (w, dir)
}

#[test]
fn a_fifo_for_an_image_layouts_index_is_refused_not_waited_on() {
    let server = FixtureServer::start();
    let (w, dir) = exported(&server);
    mkfifo(&dir.join("index.json"));
    let out = w
        .run_within(w.cmd(&["cache", "import", dir.to_str().unwrap()]), 30)
        .fails(1);
    assert!(
        out.stderr.contains("index.json") && out.stderr.contains("FIFO"),
        "{}",
        out.stderr
    );
    // The same layout as a repository's cache: skipped with a warning,
    // upstream serves the install.
    let cache = format!("oci-layout:{}", dir.display());
    let mut install = w.cmd(&["install"]);
    install.env("DEVENV_CACHES", &cache);
    let out = w.run_within(install, 30).ok();
    assert!(out.stderr.contains("FIFO"), "{}", out.stderr);
    w.run(&["exec", "--", "hello"]).ok();
}

#[test]
fn a_fifo_or_a_device_for_a_layout_blob_is_refused() {
    let server = FixtureServer::start();
    let (w, dir) = exported(&server);
    let blob = dir
        .join("blobs/sha256")
        .join(common::sha256_hex(&tool_tar_gz("hello", "1.0.0")));
    assert!(blob.is_file());
    mkfifo(&blob);
    let out = w
        .run_within(w.cmd(&["cache", "import", dir.to_str().unwrap()]), 30)
        .fails(1);
    assert!(out.stderr.contains("FIFO"), "{}", out.stderr);
    std::fs::remove_file(&blob).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &blob).unwrap();
    let out = w
        .run_within(w.cmd(&["cache", "import", dir.to_str().unwrap()]), 30)
        .fails(1);
    assert!(out.stderr.contains("character device"), "{}", out.stderr);
    assert!(w.store_entries().is_empty(), "{:?}", w.store_entries());
}

/// A project of 1,000 variables: its hook state spills into
/// `$DEVENV_HOME/states/HASH`.
fn spilling_project() -> World {
    let w = World::new();
    let mut manifest = String::from("[env]\n");
    for i in 0..1000 {
        manifest.push_str(&format!("VAR_{i} = \"value number {i}\"\n"));
    }
    w.manifest(&manifest);
    w.run(&["allow"]).ok();
    w
}

fn hook_env(w: &World) -> common::Output {
    w.run_within(w.cmd(&["hook-env", "--shell", "bash"]), 30)
        .ok()
}

/// The state file the hook's output names.
fn state_file(w: &World, out: &common::Output) -> PathBuf {
    let at = out.stdout.find("@").expect("the state spilled to a file");
    let hash: String = out.stdout[at + 1..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect();
    assert_eq!(hash.len(), 64, "{}", out.stdout);
    w.home.join("states").join(hash)
}

#[test]
fn a_fifo_planted_at_a_reused_state_is_neither_waited_on_nor_kept() {
    let w = spilling_project();
    let first = hook_env(&w);
    let file = state_file(&w, &first);
    assert!(file.is_file());
    mkfifo(&file);
    let again = hook_env(&w);
    assert_eq!(state_file(&w, &again), file);
    assert!(file.is_file(), "the FIFO was replaced by the state");
}

#[test]
fn a_link_planted_at_a_reused_state_is_not_followed() {
    let w = spilling_project();
    let first = hook_env(&w);
    let file = state_file(&w, &first);
    let victim = w.root.join("victim");
    std::fs::write(&victim, "the user's file\n").unwrap();
    let old = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
    std::fs::File::options()
        .write(true)
        .open(&victim)
        .unwrap()
        .set_modified(old)
        .unwrap();
    std::fs::remove_file(&file).unwrap();
    std::os::unix::fs::symlink(&victim, &file).unwrap();
    hook_env(&w);
    assert_eq!(
        std::fs::metadata(&victim).unwrap().modified().unwrap(),
        old,
        "the link's target was touched"
    );
    assert_eq!(
        std::fs::read_to_string(&victim).unwrap(),
        "the user's file\n"
    );
    assert!(!file.is_symlink(), "the planted link was kept");
}

#[test]
fn task_sources_over_symlink_loops_are_walked_once() {
    let w = World::new();
    w.manifest(
        "[tasks]\nall = { run = \"sh -c 'echo run >> runs.log'\", sources = [\"src/**\", \"src/**/*.txt\"], outputs = [\"runs.log\"] }\n",
    );
    w.write("src/a.txt", "a\n");
    w.write("src/deep/b.txt", "b\n");
    // Links back to `src` at two levels, two per level: an endless (and
    // exponential) walk for a glob that follows them.
    let src = w.project.join("src");
    std::os::unix::fs::symlink(".", src.join("here")).unwrap();
    std::os::unix::fs::symlink(".", src.join("again")).unwrap();
    std::os::unix::fs::symlink("..", src.join("deep/up")).unwrap();
    std::os::unix::fs::symlink("..", src.join("deep/back")).unwrap();
    w.run(&["allow"]).ok();
    let run = || w.run_within(w.cmd(&["run", "all"]), 60).ok();
    run();
    run();
    assert_eq!(w.read("runs.log"), "run\n", "up to date the second time");
    std::thread::sleep(std::time::Duration::from_millis(20));
    w.write("src/deep/b.txt", "changed\n");
    run();
    assert_eq!(
        w.read("runs.log"),
        "run\nrun\n",
        "a change below a link re-runs"
    );
}

#[test]
fn parallel_tasks_whose_names_share_a_prefix_record_apart() {
    let w = World::new();
    w.manifest(
        "[tasks]\n\"gen.a\" = { run = \"sh -c 'echo a > out-a'\", sources = [\"in-*\"] }\n\"gen.b\" = { run = \"sh -c 'echo b > out-b'\", sources = [\"in-*\"] }\nall = { run = \"true\", depends = [\"gen.a\", \"gen.b\"] }\n",
    );
    w.run(&["allow"]).ok();
    for i in 0..20 {
        w.write("in-x", format!("{i}\n"));
        w.run(&["run", "all"]).ok();
    }
    let mut records = Vec::new();
    for project in std::fs::read_dir(w.home.join("projects"))
        .unwrap()
        .flatten()
    {
        for e in std::fs::read_dir(project.path().join("tasks"))
            .unwrap()
            .flatten()
        {
            records.push(e.file_name().to_string_lossy().into_owned());
        }
    }
    assert!(records.contains(&"gen.a".to_string()), "{records:?}");
    assert!(records.contains(&"gen.b".to_string()), "{records:?}");
    assert!(
        records.iter().all(|r| !r.contains(".tmp")),
        "temporary records left: {records:?}"
    );
}

#[test]
fn a_file_url_naming_a_fifo_is_refused() {
    let w = World::new();
    let fifo = w.root.join("tool.tar.gz");
    mkfifo(&fifo);
    w.manifest(&format!(
        "[tools]\nt = {{ version = \"1.0.0\", url = \"file://{}\", sha256 = \"{}\" }}\n",
        fifo.display(),
        "0".repeat(64)
    ));
    let out = w.run_within(w.cmd(&["install"]), 30).fails(1);
    assert!(out.stderr.contains("FIFO"), "{}", out.stderr);
}
