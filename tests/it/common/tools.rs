//! Tools the tests need that no system package provides, installed by
//! devenv itself from the pinned projects in `tests/tools/` (so the suite
//! dogfoods the real backends): once per test process, into a store under
//! `target/tmp/devenv-test-tools` that later runs reuse. This needs the
//! network the first time; without it the tool is missing, which fails
//! the test in CI (see [`super::missing`]).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// nushell's `nu`, from the npm registry (`tests/tools/nushell`).
pub(crate) fn nu() -> Option<PathBuf> {
    static NU: OnceLock<Option<PathBuf>> = OnceLock::new();
    NU.get_or_init(|| install("nushell", "nu")).clone()
}

/// Installs the project `tests/tools/<project>` exactly as its lock pins it
/// and returns the path of its executable `bin`.
fn install(project: &str, bin: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/tools")
        .join(project);
    let home = Path::new(env!("CARGO_TARGET_TMPDIR")).join("devenv-test-tools");
    let run = |args: &[&str]| {
        Command::new(super::bin())
            .arg("-C")
            .arg(&dir)
            .args(args)
            .env("DEVENV_HOME", &home)
            .env_remove("DEVENV_OFFLINE")
            .env_remove("DEVENV_PLATFORM")
            .env_remove("DEVENV_CACHE_DIR")
            .output()
            .expect("run devenv")
    };
    let out = run(&["-q", "install", "--frozen"]);
    if !out.status.success() {
        eprintln!(
            "could not install {project} for the tests:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    let out = run(&["which", bin]);
    let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    (out.status.success() && path.is_file()).then_some(path)
}
