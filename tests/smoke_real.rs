//! Opt-in smoke test against the real npm registry and PyPI: installs
//! Node.js 22 (npm's `node-{os}-{arch}` packages), zig, ruff and cmake (PyPI
//! wheels) into a temp DEVENV_HOME and runs each; and runs the committed
//! `examples/polyglot` lock on a fresh store. It needs the network, so its
//! tests are ignored by plain `cargo test` (which stays hermetic);
//! `.ci/run` runs them with `cargo test --test smoke_real -- --ignored`.

use std::process::Command;

fn devenv(dir: &std::path::Path, home: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_devenv"))
        .args(args)
        .current_dir(dir)
        .env("DEVENV_HOME", home)
        .env_remove("DEVENV_PLATFORM")
        .env_remove("DEVENV_OFFLINE")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "devenv {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The pinned version of `tool` in the lock text.
fn pinned(lock: &str, tool: &str) -> String {
    let header = format!("[tools.{tool}]");
    let start = lock
        .find(&header)
        .unwrap_or_else(|| panic!("no {tool} in:\n{lock}"));
    let line = lock[start..]
        .lines()
        .find(|l| l.starts_with("version = "))
        .unwrap();
    line.trim_start_matches("version = ")
        .trim_matches('"')
        .to_string()
}

/// `0.13.0.post1` → `0.13.0`: a wheel's version may add a packaging suffix.
fn release(v: &str) -> String {
    v.split('.').take(3).collect::<Vec<_>>().join(".")
}

#[test]
#[ignore = "needs the real registries: cargo test --test smoke_real -- --ignored"]
fn real_toolchains_install_and_run() {
    let dir = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("devenv.toml"),
        "[tools]\nnode = { version = \"22\", source = \"npm\" }\nzig = \"0.13\"\nruff = \"~0.7\"\ncmake = \"3.30\"\n",
    )
    .unwrap();
    devenv(dir.path(), home.path(), &["install"]);
    let lock = std::fs::read_to_string(dir.path().join("devenv.lock")).unwrap();
    let run = |args: &[&str]| {
        let mut all = vec!["exec", "--"];
        all.extend_from_slice(args);
        devenv(dir.path(), home.path(), &all)
    };
    assert_eq!(
        run(&["node", "--version"]).trim(),
        format!("v{}", pinned(&lock, "node"))
    );
    assert_eq!(
        run(&["zig", "version"]).trim(),
        release(&pinned(&lock, "zig"))
    );
    assert_eq!(
        run(&["ruff", "--version"]).trim(),
        format!("ruff {}", pinned(&lock, "ruff"))
    );
    let cmake = run(&["cmake", "--version"]);
    assert!(
        cmake.starts_with(&format!(
            "cmake version {}",
            release(&pinned(&lock, "cmake"))
        )),
        "{cmake}"
    );
}

#[test]
#[ignore = "needs the real registries: cargo test --test smoke_real -- --ignored"]
fn the_polyglot_example_runs_from_its_committed_lock() {
    let home = tempfile::tempdir().unwrap();
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/polyglot");
    let lock = std::fs::read_to_string(example.join("devenv.lock")).unwrap();
    let run = |args: &[&str]| {
        let mut all = vec!["exec", "--frozen", "--"];
        all.extend_from_slice(args);
        devenv(&example, home.path(), &all)
    };
    assert_eq!(
        run(&["node", "--version"]).trim(),
        format!("v{}", pinned(&lock, "node"))
    );
    assert_eq!(
        run(&["prettier", "--version"]).trim(),
        pinned(&lock, "\"npm:prettier\"")
    );
    assert_eq!(
        run(&["zig", "version"]).trim(),
        release(&pinned(&lock, "zig"))
    );
    assert_eq!(
        run(&["ruff", "--version"]).trim(),
        format!("ruff {}", pinned(&lock, "ruff"))
    );
    assert_eq!(
        std::fs::read_to_string(example.join("devenv.lock")).unwrap(),
        lock,
        "--frozen changed the lock"
    );
}
