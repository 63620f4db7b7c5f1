//! The one test harness: a temporary project and `DEVENV_HOME`, fixture
//! servers and archives, and "run devenv with these args, expect this".
#![allow(dead_code)]

pub mod archives;
pub mod server;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The devenv binary under test.
pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_devenv")
}

/// A temporary world: `DEVENV_HOME`, a HOME, and a project directory.
pub struct World {
    _tmp: tempfile::TempDir,
    pub root: PathBuf,
    pub home: PathBuf,
    pub project: PathBuf,
}

/// What a devenv run printed and returned.
#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// Asserts exit 0, showing everything on failure.
    #[track_caller]
    pub fn ok(self) -> Output {
        assert_eq!(
            self.code, 0,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Asserts the exit code, and that no panic or debug dump leaked out.
    #[track_caller]
    pub fn fails(self, code: i32) -> Output {
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
    pub fn stderr_has(self, needle: &str) -> Output {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}:\n{}",
            self.stderr
        );
        self
    }

    #[track_caller]
    pub fn stdout_has(self, needle: &str) -> Output {
        assert!(
            self.stdout.contains(needle),
            "stdout lacks {needle:?}:\n{}",
            self.stdout
        );
        self
    }
}

impl World {
    pub fn new() -> World {
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
        }
    }

    /// Writes a file relative to the project (creating parents).
    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.project.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, contents).unwrap();
        path
    }

    pub fn manifest(&self, text: &str) -> PathBuf {
        self.write("devenv.toml", text)
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.project.join(rel))
            .unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }

    /// A command for devenv in the project directory with a clean, hermetic environment.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(bin());
        cmd.args(args)
            .current_dir(&self.project)
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("HOME", self.root.join("user-home"))
            .env("DEVENV_HOME", &self.home)
            .env("DEVENV_HTTP_TIMEOUT", "5")
            .env("DEVENV_HTTP_RETRIES", "2")
            .env("DEVENV_HTTP_BACKOFF_MS", "10")
            .stdin(Stdio::null());
        cmd
    }

    /// Runs devenv with `args` in the project.
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_cmd(self.cmd(args))
    }

    /// Runs devenv with `args` and extra environment variables.
    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = self.cmd(args);
        for (k, v) in env {
            cmd.env(k, v);
        }
        self.run_cmd(cmd)
    }

    pub fn run_cmd(&self, mut cmd: Command) -> Output {
        let out = cmd.output().expect("spawn devenv");
        Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// The committed store entries (not staging).
    pub fn store_entries(&self) -> Vec<PathBuf> {
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
    pub fn staging_leftovers(&self) -> Vec<PathBuf> {
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
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// This machine's platform as devenv spells it.
pub fn platform() -> String {
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
pub fn tool_tar_gz(name: &str, version: &str) -> Vec<u8> {
    archives::tar_gz(&[archives::Entry::file(
        &format!("{name}-{version}/bin/{name}"),
        format!("#!/bin/sh\necho \"{name} {version} $*\"\n").as_bytes(),
        0o755,
    )])
}

/// A manifest pinning `name` by URL on `server` with the right sha256.
pub fn url_tool_manifest(name: &str, version: &str, url: &str, bytes: &[u8]) -> String {
    format!(
        "[tools]\n{name} = {{ version = \"{version}\", url = \"{url}\", sha256 = \"{}\" }}\n",
        sha256_hex(bytes)
    )
}

/// Whether a path exists at all (even as a dangling link).
pub fn exists(p: &Path) -> bool {
    p.symlink_metadata().is_ok()
}
