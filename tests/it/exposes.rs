//! Nothing installs without working: a pin whose commands are not in its
//! artifact is refused when locking (wheels, npm packages) or when
//! unpacking (tarballs), and `exec` says so when the command it runs came
//! from the host although a pinned tool was meant to provide it.

use crate::common;
use common::archives::{Entry, tar_gz, zip};
use common::server::FixtureServer;
use common::{World, publish_npm, sha256_hex};

/// A wheel laid out like cmake's: binaries in `cmake/data/bin`, Python
/// entry points, no `cmake-VERSION.data/scripts`.
fn cmake_wheel(version: &str) -> Vec<u8> {
    zip(&[
        Entry::file("cmake/__init__.py", b"def cmake(): pass\n", 0o644),
        Entry::file(
            "cmake/data/bin/cmake",
            format!("#!/bin/sh\necho cmake version {version}\n").as_bytes(),
            0o755,
        ),
        Entry::file("cmake/data/bin/ctest", b"#!/bin/sh\necho ctest\n", 0o755),
        Entry::file(
            &format!("cmake-{version}.dist-info/entry_points.txt"),
            b"[console_scripts]\ncmake = cmake:cmake\nctest = cmake:ctest\n",
            0o644,
        ),
        Entry::file(
            &format!("cmake-{version}.dist-info/WHEEL"),
            b"Wheel-Version: 1.0\nRoot-Is-Purelib: false\nTag: py3-none-manylinux_2_17_x86_64\n",
            0o644,
        ),
    ])
}

/// Serves `pypi:cmake` 3.30.9 with one wheel per platform (same layout).
fn serve_cmake(s: &FixtureServer) -> Vec<u8> {
    let body = cmake_wheel("3.30.9");
    let mut files = Vec::new();
    for tag in [
        "manylinux_2_17_x86_64.manylinux2014_x86_64",
        "manylinux_2_17_aarch64.manylinux2014_aarch64",
        "macosx_11_0_arm64",
    ] {
        let name = format!("cmake-3.30.9-py3-none-{tag}.whl");
        let path = format!("/files/{name}");
        s.add(&path, body.clone());
        files.push(format!(
            r#"{{"filename": "{name}", "packagetype": "bdist_wheel", "python_version": "py3", "url": "{}", "digests": {{"sha256": "{}"}}, "yanked": false, "size": {}}}"#,
            s.url(&path),
            sha256_hex(&body),
            body.len()
        ));
    }
    s.add(
        "/pypi/cmake/json",
        format!(
            r#"{{"info": {{"name": "cmake", "version": "3.30.9", "summary": "CMake"}}, "releases": {{"3.30.9": [{}]}}, "urls": []}}"#,
            files.join(",")
        ),
    );
    body
}

fn project(s: &FixtureServer, tools: &str) -> World {
    let w = World::new()
        .with_env("DEVENV_PYPI_URL", &s.base())
        .with_env("DEVENV_NPM_REGISTRY", &s.base());
    w.manifest(&format!(
        "[tools]\n{tools}\n\n[settings]\nplatforms = [\"linux-x86_64\", \"linux-aarch64\", \"macos-aarch64\"]\n"
    ));
    w
}

#[test]
fn a_wheel_without_its_scripts_directory_is_refused_with_what_it_holds() {
    let s = FixtureServer::start();
    serve_cmake(&s);
    let p = project(&s, r#""pypi:cmake" = "~3.30""#);
    let out = p
        .run(&["lock"])
        .fails(1)
        .stderr_has("pypi:cmake 3.30.9 would expose nothing on linux-x86_64")
        .stderr_has("has no `cmake-3.30.9.data/scripts`")
        .stderr_has("entry points (Python console scripts, run by a Python): cmake, ctest")
        .stderr_has("executables: cmake/data/bin/cmake, cmake/data/bin/ctest")
        .stderr_has(r#"`"pypi:cmake" = { version = "3.30.9", bin = ["cmake/data/bin"] }`"#);
    assert!(!common::exists(&p.project.join("devenv.lock")), "{out:?}");
    // Only parts of the wheel were asked for: its end, then the entry points.
    let wheel = "/files/cmake-3.30.9-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl";
    let range = s.last_header(wheel, "range").expect("a range request");
    assert!(range.starts_with("bytes="), "{range}");
    assert!(
        p.store_entries().is_empty(),
        "nothing is installed by a refused lock"
    );
}

#[test]
fn the_suggested_bin_locks_installs_and_runs() {
    let s = FixtureServer::start();
    serve_cmake(&s);
    let p = project(
        &s,
        r#""pypi:cmake" = { version = "~3.30", bin = ["cmake/data/bin"] }"#,
    );
    p.run(&["lock"]).ok();
    if common::platform() == "linux-x86_64" {
        p.run(&["exec", "--", "cmake", "--version"])
            .ok()
            .stdout_has("cmake version 3.30.9");
    }
}

#[test]
fn a_bin_file_missing_from_the_wheel_is_named() {
    let s = FixtureServer::start();
    serve_cmake(&s);
    let p = project(
        &s,
        r#""pypi:cmake" = { version = "~3.30", bin = ["cmake/data/bin", "cpack=cmake/data/bin/cpack"] }"#,
    );
    p.run(&["lock"])
        .fails(1)
        .stderr_has("would not expose everything it should")
        .stderr_has("has no `cpack=cmake/data/bin/cpack`");
}

#[test]
fn an_npm_package_without_bin_is_refused_at_lock() {
    let s = FixtureServer::start();
    let tarball = tar_gz(&[Entry::file(
        "package/package.json",
        br#"{"name": "leftpad", "version": "1.0.0"}"#,
        0o644,
    )]);
    publish_npm(&s, "leftpad", &[("1.0.0", &tarball)], "");
    let p = project(&s, r#""npm:leftpad" = "1""#);
    p.run(&["lock"])
        .fails(1)
        .stderr_has("npm:leftpad 1.0.0 would expose nothing on linux-x86_64: its package.json declares no `bin`")
        .stderr_has(r#"`"npm:leftpad" = { version = "1.0.0", bin = ["NAME=path/in/package"] }`"#);
}

#[test]
fn a_tarball_whose_bin_directory_is_missing_is_not_installed() {
    let s = FixtureServer::start();
    let bytes = tar_gz(&[Entry::file(
        "tool-1.0/share/readme.txt",
        b"no executables here\n",
        0o644,
    )]);
    s.add("/tool-1.0.tar.gz", bytes.clone());
    let p = World::new();
    p.manifest(&format!(
        "[tools]\ntool = {{ version = \"1.0\", url = \"{}\", sha256 = \"{}\", bin = [\"bin\"] }}\n",
        s.url("/tool-1.0.tar.gz"),
        sha256_hex(&bytes)
    ));
    p.run(&["install"])
        .fails(1)
        .stderr_has("`tool` 1.0 was not installed")
        .stderr_has("`bin`, which goes on PATH, is not a directory in the unpacked artifact");
    assert!(p.store_entries().is_empty());
    assert!(p.staging_leftovers().is_empty());
}

#[test]
fn a_bin_directory_without_executables_is_not_installed() {
    let s = FixtureServer::start();
    let bytes = tar_gz(&[Entry::file("tool-1.0/bin/README", b"docs\n", 0o644)]);
    s.add("/tool-1.0.tar.gz", bytes.clone());
    let p = World::new();
    p.manifest(&common::url_tool_manifest(
        "tool",
        "1.0",
        &s.url("/tool-1.0.tar.gz"),
        &bytes,
    ));
    p.run(&["install"])
        .fails(1)
        .stderr_has("`bin`, which goes on PATH, holds no executable file");
    assert!(p.store_entries().is_empty());
}

#[test]
fn exec_says_when_the_host_provides_a_command_a_tool_was_meant_to() {
    let s = FixtureServer::start();
    // `mytool` pins an archive whose only command is `helper`.
    let bytes = tar_gz(&[Entry::file(
        "mytool-1.0/bin/helper",
        b"#!/bin/sh\necho helper\n",
        0o755,
    )]);
    s.add("/mytool-1.0.tar.gz", bytes.clone());
    let p = World::new();
    p.manifest(&common::url_tool_manifest(
        "mytool",
        "1.0",
        &s.url("/mytool-1.0.tar.gz"),
        &bytes,
    ));
    let host = p.root.join("host-bin");
    std::fs::create_dir_all(&host).unwrap();
    let fake = host.join("mytool");
    std::fs::write(&fake, "#!/bin/sh\necho host mytool\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!("{}:/usr/bin:/bin", host.display());
    p.run(&["install"]).ok();
    p.run_env(&["exec", "--", "mytool"], &[("PATH", &path)])
        .ok()
        .stdout_has("host mytool")
        .stderr_has(&format!(
            "`mytool` runs {}, which is not from this environment, although `mytool` was meant to provide it",
            fake.display()
        ));
    // A command the environment provides runs without a word.
    let out = p
        .run_env(&["exec", "--", "helper"], &[("PATH", &path)])
        .ok();
    assert_eq!(out.stdout, "helper\n");
    assert!(out.stderr.is_empty(), "{}", out.stderr);
}

#[test]
fn a_wheel_that_is_not_a_zip_is_named_when_locking() {
    let s = FixtureServer::start();
    serve_cmake(&s);
    s.add(
        "/files/cmake-3.30.9-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        b"<html>an error page, not a wheel</html>".to_vec(),
    );
    let p = project(
        &s,
        r#""pypi:cmake" = { version = "~3.30", bin = ["cmake/data/bin"] }"#,
    );
    p.run(&["lock"])
        .fails(1)
        .stderr_has("could not read what the wheel of pypi:cmake 3.30.9 for linux-x86_64 holds")
        .stderr_has("is not a readable wheel: it has no zip directory");
}
