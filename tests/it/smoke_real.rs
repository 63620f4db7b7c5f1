//! Opt-in smoke test against the real npm registry and PyPI: installs
//! Node.js 22 (npm's `node-{os}-{arch}` packages), zig, ruff and cmake (PyPI
//! wheels) into a temp DEVENV_HOME and runs each; and runs the committed
//! `examples/polyglot` lock on a fresh store; Node.js from PyPI runs npm,
//! npx and corepack and installs a package; `pypi:cmake` says what to
//! expose; a system Python makes a venv; black and httpie run with their
//! dependency trees; esbuild's allowed postinstall runs and black's `d`
//! extra brings blackd; awscli's setuptools script `aws`, `pypi:cmake`
//! without `bin` when the project has a Python, and ansible-core pinned
//! for the newest release the project's Python 3.11 supports; a crate from
//! the crate registry is built with cargo and runs. It needs the network,
//! so its
//! tests are ignored by plain `cargo test` (which stays hermetic);
//! `.ci/run` runs them with `cargo test --test it smoke_real -- --ignored`.

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
#[ignore = "needs the real registries: cargo test --test it smoke_real -- --ignored"]
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
#[ignore = "needs the real registries: cargo test --test it smoke_real -- --ignored"]
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
    // Node.js from its PyPI wheels runs npm and npx (issue: relative requires).
    assert_eq!(
        run(&["npm", "--version"]).trim(),
        run(&["npx", "--version"]).trim()
    );
    assert_eq!(
        std::fs::read_to_string(example.join("devenv.lock")).unwrap(),
        lock,
        "--frozen changed the lock"
    );
}

/// Runs devenv and returns (success, stdout, stderr) without asserting.
fn devenv_try(
    dir: &std::path::Path,
    home: &std::path::Path,
    args: &[&str],
) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_devenv"))
        .args(args)
        .current_dir(dir)
        .env("DEVENV_HOME", home)
        .env_remove("DEVENV_PLATFORM")
        .env_remove("DEVENV_OFFLINE")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
#[ignore = "needs the real registries: cargo test --test it smoke_real -- --ignored"]
fn node_from_pypi_runs_npm_npx_corepack_and_installs_a_package() {
    let dir = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("devenv.toml"),
        "[tools]\nnode = { version = \"22\", source = \"pypi\" }\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        let mut all = vec!["exec", "--"];
        all.extend_from_slice(args);
        devenv(dir.path(), home.path(), &all)
    };
    let npm = run(&["npm", "--version"]);
    assert!(npm.trim().starts_with("10."), "{npm}");
    assert_eq!(run(&["npx", "--version"]), npm);
    assert!(!run(&["corepack", "--version"]).trim().is_empty());
    let which = devenv(dir.path(), home.path(), &["which", "npm"]);
    assert!(which.starts_with(home.path().to_str().unwrap()), "{which}");
    run(&[
        "npm",
        "install",
        "is-number@7.0.0",
        "--no-audit",
        "--no-fund",
    ]);
    assert_eq!(
        run(&["node", "-e", "console.log(require('is-number')(5))"]).trim(),
        "true"
    );
}

#[test]
#[ignore = "needs the real registries: cargo test --test it smoke_real -- --ignored"]
fn pypi_cmake_says_what_to_expose_and_runs_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("devenv.toml");
    std::fs::write(&manifest, "[tools]\n\"pypi:cmake\" = \"~3.30\"\n").unwrap();
    let (ok, _, stderr) = devenv_try(dir.path(), home.path(), &["lock"]);
    assert!(!ok, "pypi:cmake without bin was locked");
    assert!(stderr.contains("would expose nothing"), "{stderr}");
    assert!(stderr.contains("bin = [\"cmake/data/bin\"]"), "{stderr}");
    std::fs::write(
        &manifest,
        "[tools]\n\"pypi:cmake\" = { version = \"~3.30\", bin = [\"cmake/data/bin\"] }\n",
    )
    .unwrap();
    let out = devenv(
        dir.path(),
        home.path(),
        &["exec", "--", "cmake", "--version"],
    );
    assert!(out.starts_with("cmake version 3.30."), "{out}");
}

#[test]
#[ignore = "needs the real registries: cargo test --test it smoke_real -- --ignored"]
fn a_system_python_makes_virtual_environments() {
    let dir = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("devenv.toml"),
        "[tools]\npython = { version = \"3\", source = \"system\" }\n",
    )
    .unwrap();
    devenv(
        dir.path(),
        home.path(),
        &["exec", "--", "python", "-m", "venv", ".venv"],
    );
    let pip = Command::new(dir.path().join(".venv/bin/python"))
        .args(["-m", "pip", "--version"])
        .output()
        .unwrap();
    assert!(pip.status.success(), "{pip:?}");
}

#[test]
#[ignore = "needs the real registries: cargo test --test it smoke_real -- --ignored"]
fn npm_applications_with_dependencies_run() {
    let dir = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("devenv.toml"),
        "[tools]\nnode = { version = \"22\", source = \"pypi\" }\n\"npm:eslint\" = \"9\"\n\"npm:typescript\" = \"5\"\n\"npm:esbuild\" = \"0.24\"\n\n[settings]\nplatforms = [\"linux-x86_64\", \"linux-aarch64\", \"macos-aarch64\"]\n",
    )
    .unwrap();
    devenv(dir.path(), home.path(), &["install"]);
    let lock = std::fs::read_to_string(dir.path().join("devenv.lock")).unwrap();
    let run = |args: &[&str]| {
        let mut all = vec!["exec", "--"];
        all.extend_from_slice(args);
        devenv(dir.path(), home.path(), &all)
    };
    let eslint = pinned(&lock, "\"npm:eslint\"");
    assert_eq!(run(&["eslint", "--version"]).trim(), format!("v{eslint}"));
    let tsc = pinned(&lock, "\"npm:typescript\"");
    assert_eq!(run(&["tsc", "--version"]).trim(), format!("Version {tsc}"));
    // esbuild's platform package is locked for every platform.
    for platform in ["linux-x64", "linux-arm64", "darwin-arm64"] {
        assert!(
            lock.contains(&format!("node_modules/@esbuild/{platform}")),
            "{platform}"
        );
    }
    assert_eq!(
        run(&["esbuild", "--version"]).trim(),
        pinned(&lock, "\"npm:esbuild\"")
    );
}

#[test]
#[ignore = "needs the real registries: cargo test --test it smoke_real -- --ignored"]
fn pypi_black_and_httpie_run_with_a_system_python() {
    let dir = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("devenv.toml"),
        "[tools]\npython = { version = \"3\", source = \"system\" }\n\"pypi:black\" = \"24\"\n\"pypi:httpie\" = \"3\"\n\n[settings]\nplatforms = [\"linux-x86_64\", \"macos-aarch64\"]\n",
    )
    .unwrap();
    devenv(dir.path(), home.path(), &["install"]);
    let lock = std::fs::read_to_string(dir.path().join("devenv.lock")).unwrap();
    assert!(lock.contains("site-packages/click"), "{lock}");
    let black = devenv(
        dir.path(),
        home.path(),
        &["exec", "--", "black", "--version"],
    );
    assert!(black.starts_with("black, 24."), "{black}");
    std::fs::write(dir.path().join("f.py"), "x = ( 1,2 )\n").unwrap();
    devenv(
        dir.path(),
        home.path(),
        &["exec", "--", "black", "-q", "f.py"],
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("f.py")).unwrap(),
        "x = (1, 2)\n"
    );
    let http = devenv(
        dir.path(),
        home.path(),
        &["exec", "--", "http", "--version"],
    );
    assert!(http.starts_with("3."), "{http}");
}

/// An install script the manifest allows runs for real: esbuild's
/// `postinstall` (`node install.js`, run by the project's Node.js) replaces
/// its JavaScript launcher with the native binary, and the entry still
/// verifies; a Python application installed with an extra runs the script
/// that needs it, and running it leaves the store untouched.
#[test]
#[ignore = "needs the real registries: cargo test --test it smoke_real -- --ignored"]
fn allowed_install_scripts_and_extras_work_for_real() {
    let dir = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("devenv.toml"),
        "[tools]\nnode = { version = \"22\", source = \"pypi\" }\n\"npm:esbuild\" = { version = \"0.24\", allow_scripts = [\"esbuild\"] }\npython = { version = \"3\", source = \"system\" }\n\"pypi:black\" = { version = \"24\", extras = [\"d\"] }\n\n[settings]\nplatforms = [\"linux-x86_64\"]\n",
    )
    .unwrap();
    devenv(dir.path(), home.path(), &["install"]);
    let lock = std::fs::read_to_string(dir.path().join("devenv.lock")).unwrap();
    assert!(lock.contains("allow_scripts = [\"esbuild\"]"), "{lock}");
    assert!(
        lock.contains("site-packages/aiohttp"),
        "black[d] brings aiohttp: {lock}"
    );
    let esbuild = devenv(
        dir.path(),
        home.path(),
        &["exec", "--", "esbuild", "--version"],
    );
    assert_eq!(esbuild.trim(), pinned(&lock, "\"npm:esbuild\""));
    let entry = devenv(dir.path(), home.path(), &["store", "path", "npm:esbuild"]);
    let launcher =
        std::fs::read(std::path::Path::new(entry.trim()).join("node_modules/esbuild/bin/esbuild"))
            .unwrap();
    assert!(
        launcher.starts_with(b"\x7fELF"),
        "esbuild's postinstall did not put the native binary in place"
    );
    let blackd = devenv(dir.path(), home.path(), &["exec", "--", "blackd", "--help"]);
    assert!(blackd.contains("--bind-port"), "{blackd}");
    devenv(dir.path(), home.path(), &["store", "verify"]);
}

#[test]
#[ignore = "needs the real registries: cargo test --test it smoke_real -- --ignored"]
fn yarn_installs_without_its_preinstall_script_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("devenv.toml"),
        "[tools]\nnode = { version = \"22\", source = \"pypi\" }\n\"npm:yarn\" = \"latest\"\n",
    )
    .unwrap();
    let version = devenv(
        dir.path(),
        home.path(),
        &["exec", "--", "yarn", "--version"],
    );
    assert!(version.trim().starts_with("1.22."), "{version}");
}

/// The README's and the book's ```console,network examples (the committed
/// `examples/polyglot` lock), run as a reader would from the repository.
#[test]
#[ignore = "needs the real registries: cargo test --test it smoke_real -- --ignored"]
fn console_examples_that_need_the_network() {
    let (failures, ran) = crate::doc_examples::run_pages(true);
    assert!(ran >= 2, "only {ran} network console examples ran");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Issue 24: awscli's `aws` is a setuptools script (`.data/scripts`), not
/// an entry point; it is exposed and runs with the system Python.
#[test]
#[ignore = "needs the real registries: cargo test --test it smoke_real -- --ignored"]
fn pypi_awscli_runs_its_setuptools_script() {
    let dir = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("devenv.toml"),
        "[tools]\npython = { version = \"3\", source = \"system\" }\n\"pypi:awscli\" = \"1\"\n\n[settings]\nplatforms = [\"linux-x86_64\"]\n",
    )
    .unwrap();
    let aws = devenv(dir.path(), home.path(), &["exec", "--", "aws", "--version"]);
    assert!(aws.starts_with("aws-cli/1."), "{aws}");
}

/// Issue 24: with a Python declared, `pypi:cmake` needs no `bin`: its
/// console scripts run, as pipx and `uv tool` run them.
#[test]
#[ignore = "needs the real registries: cargo test --test it smoke_real -- --ignored"]
fn pypi_cmake_runs_without_bin_when_the_project_has_python() {
    let dir = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("devenv.toml"),
        "[tools]\npython = { version = \"3\", source = \"system\" }\n\"pypi:cmake\" = \"~3.30\"\n\n[settings]\nplatforms = [\"linux-x86_64\"]\n",
    )
    .unwrap();
    let out = devenv(
        dir.path(),
        home.path(),
        &["exec", "--", "cmake", "--version"],
    );
    assert!(out.starts_with("cmake version 3.30."), "{out}");
}

/// Issue 24: ansible-core 2.20 and later need Python 3.12; with the
/// project's Python 3.11, `latest` picks the newest 2.19.x (what pip
/// and uv install there), and pinning 2.21 says why it cannot run.
#[test]
#[ignore = "needs the real registries: cargo test --test it smoke_real -- --ignored"]
fn latest_ansible_core_for_python_3_11_is_the_newest_it_supports() {
    let dir = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("devenv.toml");
    let write = |version: &str| {
        std::fs::write(
            &manifest,
            format!("[tools]\npython = {{ version = \"3.11\", source = \"system\" }}\n\"pypi:ansible-core\" = \"{version}\"\n\n[settings]\nplatforms = [\"linux-x86_64\"]\n"),
        )
        .unwrap();
    };
    write("2.21");
    let (ok, _, stderr) = devenv_try(dir.path(), home.path(), &["lock"]);
    assert!(!ok, "ansible-core 2.21 was locked for Python 3.11");
    assert!(
        stderr.contains("Python too old for pypi:ansible-core 2.21.")
            && stderr.contains("(needs ≥ 3.12)"),
        "{stderr}"
    );
    write("latest");
    devenv(dir.path(), home.path(), &["install"]);
    let lock = std::fs::read_to_string(dir.path().join("devenv.lock")).unwrap();
    let version = pinned(&lock, "\"pypi:ansible-core\"");
    assert!(version.starts_with("2.19."), "{version}");
    let out = devenv(
        dir.path(),
        home.path(),
        &["exec", "--", "ansible", "--version"],
    );
    assert!(
        out.starts_with(&format!("ansible [core {version}]")),
        "{out}"
    );
}

/// `cargo:` tools from the real crate registry, built by this machine's
/// cargo: `fortune` 0.2.0 (a binary crate with no dependencies) builds and
/// runs; `hexdump` (a library) is refused before anything compiles.
#[test]
#[ignore = "needs the real crate registry: cargo test --test it smoke_real -- --ignored"]
fn a_real_crate_is_built_and_runs() {
    let dir = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("devenv.toml"),
        "[tools]\n\"cargo:fortune\" = { version = \"=0.2.0\", source = \"system\" }\n",
    )
    .unwrap();
    devenv(dir.path(), home.path(), &["install"]);
    let lock = std::fs::read_to_string(dir.path().join("devenv.lock")).unwrap();
    assert!(
        lock.contains("digest = \"sha256:")
            && lock.contains("by = \"cargo\"")
            && lock.contains("index = \"sparse+https://index.crates.io/\""),
        "{lock}"
    );
    let out = devenv(
        dir.path(),
        home.path(),
        &["--offline", "exec", "--", "fortune"],
    );
    assert_eq!(out.trim(), "Hello, world!");

    std::fs::write(
        dir.path().join("devenv.toml"),
        "[tools]\n\"cargo:hexdump\" = { version = \"0.1\", source = \"system\" }\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_devenv"))
        .arg("install")
        .current_dir(dir.path())
        .env("DEVENV_HOME", home.path())
        .env_remove("DEVENV_OFFLINE")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("has no binaries"), "{stderr}");
    assert!(!stderr.contains("building"), "{stderr}");
}
