//! `python = "3.12"`: CPython from the python-build-standalone builds,
//! resolved from a mirror serving an index in the format of uv's
//! `download-metadata.json` and the archives at their release paths.
//!
//! The fixture archives are laid out like the real `install_only_stripped`
//! ones (`python/bin/python3.12`, a `python3` link, `python/lib/...`); the
//! interpreter in them runs this machine's python3, so `venv` and `pip`
//! really run.

use crate::common;
use common::World;
use common::python_dist::{BUILD, host_python, serve};
use common::server::FixtureServer;

const THREE: &str =
    "\n[settings]\nplatforms = [\"linux-x86_64\", \"linux-aarch64\", \"macos-aarch64\"]\n";

fn project(s: &FixtureServer, tools: &str) -> World {
    let w = World::new().with_env("DEVENV_PYTHON_MIRROR", &s.base());
    w.manifest(&format!("[tools]\n{tools}\n{THREE}"));
    w
}

#[test]
fn python_pins_the_gnu_baseline_build_of_every_platform_from_the_mirror() {
    let s = FixtureServer::start();
    serve(&s, &["3.11.10", "3.12.6", "3.12.7"]);
    let p = project(&s, r#"python = "3.12""#);
    p.run(&["lock"]).ok();
    let lock = p.lockfile();
    assert!(lock.contains("version = \"3.12.7\""), "{lock}");
    assert!(lock.contains("source = \"python-dist\""), "{lock}");
    for triple in [
        "x86_64-unknown-linux-gnu",
        "aarch64-unknown-linux-gnu",
        "aarch64-apple-darwin",
    ] {
        let url = s.url(&format!(
            "/{BUILD}/cpython-3.12.7%2B{BUILD}-{triple}-install_only_stripped.tar.gz"
        ));
        assert!(lock.contains(&url), "{url} not in\n{lock}");
    }
    assert!(!lock.contains("x86_64_v3"), "{lock}");
    assert!(!lock.contains("musl"), "{lock}");
    assert!(!lock.contains("freethreaded"), "{lock}");
}

#[test]
fn python_venv_and_pip_work_inside_the_environment() {
    let s = FixtureServer::start();
    serve(&s, &["3.12.7"]);
    let p = project(&s, r#"python = "3.12""#);
    p.run(&["install"]).ok();
    for command in ["python", "python3", "python3.12", "pip3"] {
        let which = p.run(&["which", command]).ok();
        assert!(
            which.stdout.starts_with(p.home.to_str().unwrap()),
            "{command} is not from the store: {}",
            which.stdout
        );
    }
    p.run(&["exec", "--", "python", "-c", "print('python ok')"])
        .ok()
        .stdout_has("python ok");
    p.run(&["exec", "--", "python", "-m", "venv", ".venv"]).ok();
    let pip = p.project.join(".venv/bin/pip");
    assert!(pip.is_file(), "python -m venv made no pip");
    let out = std::process::Command::new(p.project.join(".venv/bin/python"))
        .args(["-m", "pip", "--version"])
        .output()
        .unwrap();
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).starts_with("pip "),
        "{out:?}"
    );
}

#[test]
fn a_platform_without_a_build_is_named() {
    let s = FixtureServer::start();
    serve(&s, &["3.12.7"]);
    let p = World::new().with_env("DEVENV_PYTHON_MIRROR", &s.base());
    p.manifest(
        "[tools]\npython = \"3.12\"\n\n[settings]\nplatforms = [\"linux-x86_64\", \"macos-x86_64\"]\n",
    );
    p.run(&["lock"])
        .fails(1)
        .stderr_has("CPython 3.12.7 has no build for macos-x86_64 in the index (no `cpython-3.12.7-darwin-x86_64-none` entry)");
}

#[test]
fn a_tampered_interpreter_is_not_installed() {
    let s = FixtureServer::start();
    serve(&s, &["3.12.7"]);
    let p = project(&s, r#"python = "3.12""#);
    p.run(&["lock"]).ok();
    let file = format!(
        "/{BUILD}/cpython-3.12.7%2B{BUILD}-{}-install_only_stripped.tar.gz",
        match common::platform().as_str() {
            "linux-x86_64" => "x86_64-unknown-linux-gnu",
            "linux-aarch64" => "aarch64-unknown-linux-gnu",
            _ => "aarch64-apple-darwin",
        }
    );
    s.add(&file, b"tampered".to_vec());
    p.run(&["install"])
        .fails(1)
        .stderr_has("the download of `python` does not match the lock");
    assert!(p.store_entries().is_empty());
}

/// A directory holding `python3`, a stand-in interpreter that answers like
/// Python with the version in the file `version` beside it.
fn fake_python(w: &World, version: &str) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = w.root.join("host-python");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("version"), format!("{version}\n")).unwrap();
    let exe = dir.join("python3");
    std::fs::write(
        &exe,
        format!(
            "#!/bin/sh\nif [ \"$1\" = -I ]; then echo {exe}; read -r v < {dir}/version; echo \"$v\"; exit 0; fi\necho \"fake python $*\"\n",
            exe = exe.display(),
            dir = dir.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

#[test]
fn a_system_python_is_recorded_as_such_and_said_not_reproducible() {
    let p = World::new();
    let host = host_python();
    let dir = std::path::Path::new(&host).parent().unwrap();
    let path = format!("{}:/usr/bin:/bin", dir.display());
    p.manifest(&format!(
        "[tools]\npython = {{ version = \"3\", source = \"system\" }}\n{THREE}"
    ));
    let out = std::process::Command::new(&host)
        .args(["-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"])
        .output()
        .unwrap();
    let version = String::from_utf8(out.stdout).unwrap().trim().to_string();
    p.run_env(&["lock"], &[("PATH", &path)])
        .ok()
        .stderr_has(&format!(
            "`python` is this machine's Python {version} ({host}): not reproducible"
        ));
    let lock = p.lockfile();
    assert!(
        lock.contains(&format!("source = \"system:{host}\"")),
        "{lock}"
    );
    assert!(lock.contains(&format!("version = \"{version}\"")), "{lock}");
    let real = std::fs::canonicalize(&host).unwrap();
    let code = "import os, sys; print(os.path.realpath(sys.executable))";
    p.run_env(&["exec", "--", "python", "-c", code], &[("PATH", &path)])
        .ok()
        .stdout_has(real.to_str().unwrap());
    let which = p.run_env(&["which", "python"], &[("PATH", &path)]).ok();
    assert!(
        which
            .stdout
            .starts_with(p.home.join("system").to_str().unwrap()),
        "{}",
        which.stdout
    );
    // Relocking needs no search again: the pin is kept while the request is.
    p.run_env(&["lock"], &[("PATH", "/nonexistent")]).ok();
    assert_eq!(p.lockfile(), lock);
}

#[test]
fn no_system_python_satisfying_the_constraint_is_said_so() {
    let p = World::new();
    let dir = fake_python(&p, "3.11.7");
    p.manifest("[tools]\npython = { version = \"3.13\", source = \"system\" }\n");
    let path = format!("{}:/nonexistent", dir.display());
    p.run_env(&["lock"], &[("PATH", &path)])
        .fails(1)
        .stderr_has(&format!(
            "no Python on this machine's PATH satisfies `3.13` (found: 3.11.7 ({}/python3))",
            dir.display()
        ))
        .stderr_has("drop `source = \"system\"` to let devenv pin one");
}

#[test]
fn a_changed_system_python_is_not_used_silently() {
    let p = World::new();
    let dir = fake_python(&p, "3.11.7");
    p.manifest("[tools]\npython = { version = \"3.11\", source = \"system\" }\n");
    let path = format!("{}:/nonexistent", dir.display());
    p.run_env(&["lock"], &[("PATH", &path)]).ok();
    std::fs::write(dir.join("version"), "3.11.9\n").unwrap();
    p.run_env(&["install"], &[("PATH", &path)])
        .fails(1)
        .stderr_has(&format!(
            "`python` is pinned to this machine's Python 3.11.7 at {}/python3, which is now Python 3.11.9",
            dir.display()
        ))
        .stderr_has("run `devenv update python`");
    p.run_env(&["update", "python"], &[("PATH", &path)]).ok();
    p.run_env(&["exec", "--", "python", "hello"], &[("PATH", &path)])
        .ok()
        .stdout_has("fake python hello");
}

#[test]
fn only_python_comes_from_the_system() {
    let p = World::new();
    p.manifest("[tools]\nnode = { version = \"22\", source = \"system\" }\n");
    p.run(&["lock"])
        .fails(1)
        .stderr_has("`source = \"system\"` is available for `python` only");
}

#[test]
fn an_unreachable_index_points_at_the_mirror_and_the_system_python() {
    let s = FixtureServer::start();
    let base = s.base();
    s.stop();
    let p = World::new()
        .with_env("DEVENV_PYTHON_MIRROR", &base)
        .with_env("DEVENV_HTTP_RETRIES", "0");
    p.manifest("[tools]\npython = \"3.12\"\n");
    p.run(&["lock"])
        .fails(1)
        .stderr_has("point DEVENV_PYTHON_MIRROR (or `[settings] mirrors`) at a mirror")
        .stderr_has("`source = \"system\"` (this machine's Python)");
}

/// The interpreter's files keep the times the archive records: CPython's
/// shipped bytecode names each source's mtime, so a fresh time would make
/// Python recompile its standard library at every start (the store is
/// read-only), or, as root, write new bytecode into the store entry.
#[test]
fn the_interpreters_files_keep_the_archives_times() {
    let s = FixtureServer::start();
    serve(&s, &["3.12.7"]);
    let p = project(&s, r#"python = "3.12""#);
    p.run(&["install"]).ok();
    let entry = p.run(&["store", "path", "python"]).ok();
    let os_py = std::path::Path::new(entry.stdout.trim()).join("lib/python3.12/os.py");
    let mtime = std::fs::metadata(&os_py)
        .unwrap()
        .modified()
        .unwrap()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    // The fixture archives are written with this time (tests/common/archives.rs).
    assert_eq!(mtime, 1_700_000_000, "{}", os_py.display());
    p.run(&["store", "verify"]).ok();
}

#[test]
fn a_lock_naming_an_interpreter_through_proc_is_refused() {
    // The lock says `system:/proc/self/cwd/…`: `python3` would be whatever
    // the current directory holds.
    let p = World::new();
    let dir = fake_python(&p, "3.11.7");
    p.manifest("[tools]\npython = { version = \"3.11\", source = \"system\" }\n");
    let path = format!("{}:/nonexistent", dir.display());
    p.run_env(&["lock"], &[("PATH", &path)]).ok();
    let lock = p.lockfile();
    let exe = format!("{}/python3", dir.display());
    for forged in [
        "/proc/self/cwd/python3".to_string(),
        format!("/dev/..{exe}"),
    ] {
        p.write("devenv.lock", lock.replace(&exe, &forged));
        for command in [&["install"][..], &["exec", "--", "python3", "-V"][..]] {
            p.run_env(command, &[("PATH", &path)])
                .fails(1)
                .stderr_has("is not an interpreter: a system interpreter is a canonical absolute path outside /proc and /dev");
        }
    }
    // A link elsewhere that leads into /proc is refused as well, even with
    // a `python3` in the current directory for it to reach.
    std::fs::copy(dir.join("python3"), p.project.join("python3")).unwrap();
    let link = p.root.join("link-python3");
    std::os::unix::fs::symlink("/proc/self/cwd/python3", &link).unwrap();
    p.write("devenv.lock", lock.replace(&exe, link.to_str().unwrap()));
    p.run_env(&["install"], &[("PATH", &path)])
        .fails(1)
        .stderr_has("leads into /proc or /dev");
}

#[test]
fn a_system_python_upgraded_after_install_is_noticed_by_exec_install_and_ci() {
    let p = World::new();
    let dir = fake_python(&p, "3.11.7");
    p.manifest("[tools]\npython = { version = \"3.11\", source = \"system\" }\n");
    let path = format!("{}:/usr/bin:/bin", dir.display());
    p.run_env(&["install"], &[("PATH", &path)]).ok();
    p.run_env(&["exec", "--", "python3", "hi"], &[("PATH", &path)])
        .ok()
        .stdout_has("fake python hi");
    // The package manager replaces the interpreter with 3.11.9.
    let exe = dir.join("python3");
    let script = std::fs::read_to_string(&exe).unwrap();
    std::fs::remove_file(&exe).unwrap();
    std::fs::write(dir.join("version"), "3.11.9\n").unwrap();
    std::fs::write(&exe, script.replace("fake python", "fake python 3.11.9")).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
    let said = format!(
        "`python` is pinned to this machine's Python 3.11.7 at {}, which is now Python 3.11.9",
        exe.display()
    );
    for command in [
        &["exec", "--", "python3", "hi"][..],
        &["install"][..],
        &["ci"][..],
    ] {
        p.run_env(command, &[("PATH", &path)])
            .fails(1)
            .stderr_has(&said)
            .stderr_has("run `devenv update python`");
    }
    p.run_env(&["update", "python"], &[("PATH", &path)]).ok();
    p.run_env(&["exec", "--", "python3", "hi"], &[("PATH", &path)])
        .ok()
        .stdout_has("fake python 3.11.9 hi");
}
