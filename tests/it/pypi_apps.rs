//! Python applications with dependencies (`pypi:greet-app`): the real uv,
//! served by a fixture index on 127.0.0.1 like any PyPI package, resolves
//! the tree per platform; devenv pins every wheel with its sha256,
//! downloads and verifies each, and runs the console script with the
//! project's `python` (this machine's, `source = "system"`).
//!
//! uv's wheel comes from `DEVENV_TEST_UV_WHEEL` (`.ci/run` downloads it).

use crate::common;
use common::archives::{Entry, zip};
use common::server::FixtureServer;
use common::{World, sha256_hex};

pub(crate) const PLATFORMS: &str =
    "\n[settings]\nplatforms = [\"linux-x86_64\", \"macos-aarch64\"]\n";
pub(crate) const PYTHON: &str = "python = { version = \"3\", source = \"system\" }\n";

/// A pure-Python wheel of `dist` `version` in the real layout (METADATA,
/// WHEEL, RECORD, optional entry points) with `files`.
pub(crate) fn wheel(
    dist: &str,
    version: &str,
    requires: &[&str],
    files: &[(&str, &str)],
    scripts: &str,
) -> Vec<u8> {
    let info = format!("{dist}-{version}.dist-info");
    let name = dist.replace('_', "-");
    let meta = metadata(&name, version, requires);
    let mut entries: Vec<(String, String)> = files
        .iter()
        .map(|(p, c)| (p.to_string(), c.to_string()))
        .collect();
    entries.push((format!("{info}/METADATA"), meta));
    entries.push((
        format!("{info}/WHEEL"),
        "Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\nTag: py3-none-any\n".into(),
    ));
    if !scripts.is_empty() {
        entries.push((
            format!("{info}/entry_points.txt"),
            format!("[console_scripts]\n{scripts}"),
        ));
    }
    let record: String = entries
        .iter()
        .map(|(p, c)| format!("{p},sha256={},{}\n", sha256_hex(c.as_bytes()), c.len()))
        .collect();
    entries.push((
        format!("{info}/RECORD"),
        format!("{record}{info}/RECORD,,\n"),
    ));
    let list: Vec<Entry> = entries
        .iter()
        .map(|(p, c)| Entry::file(p, c.as_bytes(), 0o644))
        .collect();
    zip(&list)
}

/// `METADATA` of `name` `version` requiring `requires`; a requirement
/// marked `extra == "X"` declares the extra X, as real metadata does.
pub(crate) fn metadata(name: &str, version: &str, requires: &[&str]) -> String {
    let mut m = format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n");
    for r in requires {
        if let Some(extra) = r.split("extra == \"").nth(1) {
            m.push_str(&format!(
                "Provides-Extra: {}\n",
                extra.trim_end_matches('"')
            ));
        }
        m.push_str(&format!("Requires-Dist: {r}\n"));
    }
    m
}

/// Serves one project: the JSON API (devenv picks the version) and the
/// PEP 691 simple index with `core-metadata` (uv resolves). `advertised`
/// overrides the sha256 the index states.
pub(crate) fn publish(
    s: &FixtureServer,
    project: &str,
    file: &str,
    body: &[u8],
    metadata: Option<&str>,
    advertised: Option<&str>,
) {
    let version = file.split('-').nth(1).unwrap();
    let path = format!("/files/{file}");
    s.add(&path, body.to_vec());
    let sha = advertised.map_or_else(|| sha256_hex(body), str::to_string);
    let core = match metadata {
        Some(m) => {
            s.add(&format!("{path}.metadata"), m.as_bytes().to_vec());
            format!(
                r#", "core-metadata": {{"sha256": "{}"}}, "data-dist-info-metadata": {{"sha256": "{}"}}"#,
                sha256_hex(m.as_bytes()),
                sha256_hex(m.as_bytes())
            )
        }
        None => String::new(),
    };
    s.add_with_headers(
        &format!("/simple/{project}/"),
        200,
        &[("Content-Type", "application/vnd.pypi.simple.v1+json")],
        format!(
            r#"{{"meta": {{"api-version": "1.1", "_last-serial": 1}}, "name": "{project}", "versions": ["{version}"], "files": [{{"filename": "{file}", "url": "../../files/{file}", "hashes": {{"sha256": "{sha}"}}, "requires-python": ">=3.8", "size": {}, "upload-time": "2024-10-17T00:00:00.000000Z", "yanked": false{core}}}]}}"#,
            body.len()
        ),
    );
    s.add(
        &format!("/pypi/{project}/json"),
        format!(
            r#"{{"info": {{"name": "{project}", "version": "{version}", "summary": "s", "requires_python": ">=3.8"}}, "last_serial": 1, "releases": {{"{version}": [{{"filename": "{file}", "packagetype": "bdist_wheel", "python_version": "py3", "url": "{}", "digests": {{"sha256": "{sha}"}}, "yanked": false, "size": {}}}]}}, "urls": []}}"#,
            s.url(&path),
            body.len()
        ),
    );
}

/// The fixture index: `greet-app` 2.1 needs `greet-lib`, which needs
/// `greet-core`; `greet-app` has the console script `greet`; plus the
/// real uv. `None` when uv's wheel is not available (and not required).
pub(crate) fn index(bad_core_hash: bool) -> Option<FixtureServer> {
    let Some(uv) = std::env::var_os("DEVENV_TEST_UV_WHEEL").filter(|v| !v.is_empty()) else {
        common::missing(
            "uv's wheel (DEVENV_TEST_UV_WHEEL; `python3 -m pip download --no-deps --only-binary :all: uv==0.13.9`)",
            "the Python application tests",
        );
        return None;
    };
    let s = FixtureServer::start();
    let uv_path = std::path::PathBuf::from(uv);
    let uv_body = std::fs::read(&uv_path).expect("DEVENV_TEST_UV_WHEEL names a readable wheel");
    let uv_file = uv_path.file_name().unwrap().to_string_lossy().to_string();
    publish(&s, "uv", &uv_file, &uv_body, None, None);
    let meta = metadata;
    let core = wheel(
        "greet_core",
        "1.2",
        &[],
        &[("greet_core/__init__.py", "WORD = 'hello'\n")],
        "",
    );
    publish(
        &s,
        "greet-core",
        "greet_core-1.2-py3-none-any.whl",
        &core,
        Some(&meta("greet-core", "1.2", &[])),
        bad_core_hash.then(|| "0".repeat(64)).as_deref(),
    );
    let lib = wheel(
        "greet_lib",
        "1.0",
        &["greet-core>=1"],
        &[(
            "greet_lib/__init__.py",
            "import greet_core\ndef hello():\n    return greet_core.WORD + ' from lib'\n",
        )],
        "",
    );
    publish(
        &s,
        "greet-lib",
        "greet_lib-1.0-py3-none-any.whl",
        &lib,
        Some(&meta("greet-lib", "1.0", &["greet-core>=1"])),
        None,
    );
    let fancy = wheel(
        "greet_fancy",
        "1.0",
        &[],
        &[("greet_fancy/__init__.py", "STYLE = '*** fancy ***'\n")],
        "",
    );
    publish(
        &s,
        "greet-fancy",
        "greet_fancy-1.0-py3-none-any.whl",
        &fancy,
        Some(&meta("greet-fancy", "1.0", &[])),
        None,
    );
    let app_requires = ["greet-lib>=1", "greet-fancy>=1 ; extra == \"fancy\""];
    let app = wheel(
        "greet_app",
        "2.1",
        &app_requires,
        &[(
            "greet_app/__init__.py",
            "import os, sys, greet_lib\ndef main():\n    print(greet_lib.hello(), 'via python', '%d.%d' % sys.version_info[:2], 'cpython', os.environ.get('FIXTURE_CPYTHON', 'host'))\ndef fancy():\n    import greet_fancy\n    print(greet_fancy.STYLE, greet_lib.hello())\n",
        )],
        "greet = greet_app:main\ngreet-fancy = greet_app:fancy [fancy]\n",
    );
    publish(
        &s,
        "greet-app",
        "greet_app-2.1-py3-none-any.whl",
        &app,
        Some(&meta("greet-app", "2.1", &app_requires)),
        None,
    );
    Some(s)
}

pub(crate) fn project(s: &FixtureServer, python: &str) -> World {
    let w = World::new().with_env("DEVENV_PYPI_URL", &s.base());
    w.manifest(&format!(
        "[tools]\n{python}\"pypi:greet-app\" = \"2\"\n{PLATFORMS}"
    ));
    w
}

pub(crate) fn artifact(lock: &str, platform: &str) -> toml::Value {
    let parsed: toml::Table = lock.parse().unwrap();
    parsed["tools"]["pypi:greet-app"]["artifacts"][platform].clone()
}

#[test]
fn the_tree_is_locked_per_platform_with_each_wheels_hash_and_runs_with_the_projects_python() {
    let Some(s) = index(false) else { return };
    let p = project(&s, PYTHON);
    p.run(&["lock"]).ok();
    let lock = p.lockfile();
    for platform in ["linux-x86_64", "macos-aarch64"] {
        let a = artifact(&lock, platform);
        let members: Vec<(String, String)> = a["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["path"].as_str().unwrap().to_string(),
                    m["digest"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let paths: Vec<&str> = members.iter().map(|m| m.0.as_str()).collect();
        assert_eq!(
            paths,
            [
                "site-packages/greet-app",
                "site-packages/greet-core",
                "site-packages/greet-lib"
            ],
            "{lock}"
        );
        assert!(members.iter().all(|m| m.1.starts_with("sha256:")), "{lock}");
        assert!(
            a["layout"]
                .as_str()
                .unwrap()
                .starts_with("python-wheels-3."),
            "{lock}"
        );
        assert!(
            a["digest_from"].as_str().unwrap().starts_with("uv 0.13"),
            "{lock}"
        );
        assert_eq!(
            a["bin"].as_array().unwrap()[0].as_str(),
            Some("greet=bin/greet")
        );
    }
    let out = p.run(&["exec", "--", "greet"]).ok();
    assert!(
        out.stdout.contains("hello from lib via python 3."),
        "{}",
        out.stdout
    );
    // Python's bytecode never lands in the store (root ignores its
    // read-only bits): it goes to the user's cache, and gc frees it with
    // the entry.
    let entry = p
        .store_entries()
        .into_iter()
        .find(|e| e.to_string_lossy().ends_with("-greet-app-2.1"))
        .unwrap();
    let pycache = |dir: &std::path::Path| -> Vec<std::path::PathBuf> {
        let mut found = Vec::new();
        let mut todo = vec![dir.to_path_buf()];
        while let Some(d) = todo.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let path = e.path();
                if path.extension().is_some_and(|x| x == "pyc") {
                    found.push(path);
                } else if path.is_dir() && !path.is_symlink() {
                    todo.push(path);
                }
            }
        }
        found
    };
    assert_eq!(
        pycache(&entry),
        Vec::<std::path::PathBuf>::new(),
        "bytecode written into the store"
    );
    p.run(&["store", "verify"]).ok();
    let cache = p.root.join("user-home/.cache/devenv/pycache");
    let cached = pycache(&cache);
    assert!(
        cached
            .iter()
            .any(|c| c.to_string_lossy().contains("greet_lib")),
        "no bytecode cached for the tree: {cached:?}"
    );
    p.manifest(&format!(
        "[tools]\n{PYTHON}{PLATFORMS}keep_generations = 1\n"
    ));
    p.run(&["lock"]).ok();
    p.run(&["gc"]).ok();
    assert!(!entry.exists(), "gc kept the application's entry");
    let left: Vec<_> = pycache(&cache)
        .into_iter()
        .filter(|c| c.to_string_lossy().contains("greet_"))
        .collect();
    assert!(left.is_empty(), "gc left the entry's bytecode: {left:?}");
}

#[test]
fn a_hash_mismatch_deep_in_the_tree_installs_nothing_and_names_the_wheel() {
    let Some(s) = index(true) else { return };
    let p = project(&s, PYTHON);
    p.run(&["lock"]).ok();
    let before: Vec<_> = p
        .store_entries()
        .into_iter()
        .filter(|e| e.to_string_lossy().contains("greet"))
        .collect();
    assert!(before.is_empty());
    p.run(&["install"])
        .fails(1)
        .stderr_has("site-packages/greet-core")
        .stderr_has("greet_core-1.2-py3-none-any.whl");
    let after: Vec<_> = p
        .store_entries()
        .into_iter()
        .filter(|e| e.to_string_lossy().contains("greet"))
        .collect();
    assert!(after.is_empty(), "{after:?}");
    p.run(&["exec", "--", "greet"]).fails(1);
}

#[test]
fn a_python_application_without_a_python_says_to_add_one() {
    let Some(s) = index(false) else { return };
    let p = project(&s, "");
    p.run(&["lock"])
        .fails(1)
        .stderr_has("is a Python application")
        .stderr_has("python = \"3.12\"");
}

#[test]
fn a_library_without_console_scripts_is_refused_at_lock_time() {
    let Some(s) = index(false) else { return };
    let p = World::new().with_env("DEVENV_PYPI_URL", &s.base());
    p.manifest(&format!(
        "[tools]\n{PYTHON}\"pypi:greet-lib\" = \"1\"\n{PLATFORMS}"
    ));
    p.run(&["lock"])
        .fails(1)
        .stderr_has("pypi:greet-lib 1.0 has no entry points or scripts")
        .stderr_has("it is a library");
}

#[test]
fn a_lock_with_a_wheel_outside_site_packages_is_refused() {
    let Some(s) = index(false) else { return };
    let p = project(&s, PYTHON);
    p.run(&["lock"]).ok();
    let lock = p.lockfile();
    for (bad, says) in [
        (
            "site-packages/greet-core/../../x",
            "is not a path inside the tree",
        ),
        ("node_modules/greet-core", "does not fit the artifact"),
    ] {
        p.write("devenv.lock", lock.replace("site-packages/greet-core", bad));
        p.run(&["install"]).fails(1).stderr_has(says);
    }
    assert!(
        p.store_entries()
            .iter()
            .all(|e| !e.to_string_lossy().contains("greet"))
    );
}

#[test]
fn console_scripts_that_leave_the_tool_are_refused_at_resolution() {
    let Some(s) = index(false) else { return };
    for (script, problem) in [
        (
            "../evil",
            "the command name `../evil` is not a plain file name",
        ),
        (
            "sub/evil",
            "the command name `sub/evil` is not a plain file name",
        ),
    ] {
        let app = wheel(
            "evil_app",
            "1.0",
            &[],
            &[("evil_app/__init__.py", "def main():\n    print('evil')\n")],
            &format!("{script} = evil_app:main\n"),
        );
        publish(
            &s,
            "evil-app",
            "evil_app-1.0-py3-none-any.whl",
            &app,
            Some(&metadata("evil-app", "1.0", &[])),
            None,
        );
        let p = World::new().with_env("DEVENV_PYPI_URL", &s.base());
        p.manifest(&format!(
            "[tools]\n{PYTHON}\"pypi:evil-app\" = \"1\"\n{PLATFORMS}"
        ));
        p.run(&["lock"])
            .fails(1)
            .stderr_has("pypi:evil-app 1.0 cannot be locked for")
            .stderr_has(problem);
        assert!(!p.project.join("devenv.lock").exists());
    }
}

#[test]
fn a_package_uv_cannot_resolve_is_reported_with_uvs_words() {
    let Some(s) = index(false) else { return };
    // greet-lib's metadata asks for a greet-core that does not exist.
    let lib = wheel(
        "greet_lib",
        "1.0",
        &["greet-core>=9"],
        &[("greet_lib/__init__.py", "")],
        "",
    );
    let meta =
        "Metadata-Version: 2.1\nName: greet-lib\nVersion: 1.0\nRequires-Dist: greet-core>=9\n";
    publish(
        &s,
        "greet-lib",
        "greet_lib-1.0-py3-none-any.whl",
        &lib,
        Some(meta),
        None,
    );
    let p = project(&s, PYTHON);
    p.run(&["lock"])
        .fails(1)
        .stderr_has("uv could not resolve the dependencies of greet-app==2.1")
        .stderr_has("greet-core>=9");
}

#[test]
fn changing_python_relocks_the_tree() {
    let Some(s) = index(false) else { return };
    let p = project(&s, PYTHON);
    p.run(&["lock"]).ok();
    let first = s.hits("/pypi/greet-app/json");
    p.run(&["lock"]).ok();
    assert_eq!(
        s.hits("/pypi/greet-app/json"),
        first,
        "an unchanged manifest reuses the pin"
    );
    p.manifest(&format!(
        "[tools]\npython = {{ version = \">=3\", source = \"system\" }}\n\"pypi:greet-app\" = \"2\"\n{PLATFORMS}"
    ));
    p.run(&["lock"]).ok();
    assert!(
        s.hits("/pypi/greet-app/json") > first,
        "a new python pin relocks the tree"
    );
    p.run(&["exec", "--", "greet"])
        .ok()
        .stdout_has("hello from lib");
}

#[test]
fn an_sdist_only_dependency_is_named() {
    let Some(s) = index(false) else { return };
    // greet-core publishes only a source archive: devenv never builds one.
    s.add_with_headers(
        "/simple/greet-core/",
        200,
        &[("Content-Type", "application/vnd.pypi.simple.v1+json")],
        r#"{"meta": {"api-version": "1.1"}, "name": "greet-core", "versions": ["1.2"], "files": [{"filename": "greet_core-1.2.tar.gz", "url": "../../files/greet_core-1.2.tar.gz", "hashes": {"sha256": "0000000000000000000000000000000000000000000000000000000000000000"}, "requires-python": ">=3.8", "size": 10, "yanked": false}]}"#,
    );
    let p = project(&s, PYTHON);
    p.run(&["lock"])
        .fails(1)
        .stderr_has("uv could not resolve the dependencies of greet-app==2.1")
        .stderr_has("greet-core")
        .stderr_has("usable wheels");
    assert!(!p.project.join("devenv.lock").exists());
}

/// The application runs with the project's python from python-build-standalone
/// (`python = "3.12"`): the launchers call the entry's `python3.12`, which
/// every build of the index ships, found on the environment's PATH, not a
/// host interpreter; and the launcher finds it from any directory.
#[test]
fn the_tree_runs_with_a_python_build_standalone_interpreter() {
    let Some(s) = index(false) else { return };
    common::python_dist::serve(&s, &["3.12.7"]);
    let p = project(&s, "python = \"3.12\"\n").with_env("DEVENV_PYTHON_MIRROR", &s.base());
    p.run(&["install"]).ok();
    let lock = p.lockfile();
    assert!(
        artifact(&lock, "linux-x86_64")["layout"].as_str() == Some("python-wheels-3.12"),
        "{lock}"
    );
    let out = p.run(&["exec", "--", "greet"]).ok();
    assert!(
        out.stdout.contains("hello from lib via python") && out.stdout.contains("cpython 3.12.7"),
        "greet did not run with the store's CPython 3.12.7: {}",
        out.stdout
    );
    // The launcher itself names the minor version the tree was locked for.
    let which = p.run(&["which", "greet"]).ok();
    let launcher = std::fs::read_to_string(which.stdout.trim()).unwrap();
    assert!(launcher.contains("python3.12"), "{launcher}");
    let python = p.run(&["which", "python3.12"]).ok();
    assert!(
        python.stdout.starts_with(p.home.to_str().unwrap()),
        "python3.12 is not the store's: {}",
        python.stdout
    );
}

/// `extras = ["fancy"]` installs the optional dependencies with the
/// application and exposes the scripts that need them; without it they
/// are neither installed nor exposed; an extra the package lacks, or
/// `extras` on a tool that is not from PyPI, is refused.
#[test]
fn extras_install_optional_dependencies_and_their_scripts() {
    let Some(s) = index(false) else { return };
    let p = World::new().with_env("DEVENV_PYPI_URL", &s.base());
    p.manifest(&format!(
        "[tools]\n{PYTHON}\"pypi:greet-app\" = {{ version = \"2\", extras = [\"Fancy\"] }}\n{PLATFORMS}"
    ));
    p.run(&["install"]).ok();
    let lock = p.lockfile();
    let members = artifact(&lock, "linux-x86_64")["members"].clone();
    assert!(
        members
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["path"].as_str() == Some("site-packages/greet-fancy")),
        "the extra's dependency is not in the tree: {lock}"
    );
    p.run(&["exec", "--", "greet-fancy"])
        .ok()
        .stdout_has("*** fancy *** hello from lib");
    p.run(&["exec", "--", "greet"])
        .ok()
        .stdout_has("hello from lib");

    // Without the extra: neither the dependency nor its script.
    let plain = project(&s, PYTHON);
    plain.run(&["install"]).ok();
    let lock = plain.lockfile();
    assert!(!lock.contains("greet-fancy"), "{lock}");
    let which = plain.run(&["which", "greet-fancy"]);
    assert_ne!(which.code, 0, "{}", which.stdout);

    // An extra the package does not declare.
    p.manifest(&format!(
        "[tools]\n{PYTHON}\"pypi:greet-app\" = {{ version = \"2\", extras = [\"fancy\", \"turbo\"] }}\n{PLATFORMS}"
    ));
    p.run(&["lock"])
        .fails(1)
        .stderr_has(
            "pypi:greet-app 2.1 has no extra `turbo`; it declares fancy (extras = [\"fancy\"])",
        )
        .stderr_has("devenv.toml:3:");

    // `extras` belongs to PyPI applications.
    p.manifest("[tools]\n\"npm:prettier\" = { version = \"3\", extras = [\"x\"] }\n");
    p.run(&["lock"])
        .fails(1)
        .stderr_has("`extras` only applies to tools from the `pypi` backend");
}

#[test]
fn the_engine_is_devenvs_own_uv_whatever_the_project_pins_as_its_uv() {
    let Some(s) = index(false) else { return };
    // The index also offers an old uv, which the project pins as its own
    // tool: one that refuses the options devenv's engine is run with.
    let uv = std::path::PathBuf::from(std::env::var_os("DEVENV_TEST_UV_WHEEL").unwrap());
    let new_body = std::fs::read(&uv).unwrap();
    let new_file = uv.file_name().unwrap().to_string_lossy().to_string();
    let old_file = new_file.replacen("0.13.9", "0.5.5", 1);
    let old_body = wheel(
        "uv",
        "0.5.5",
        &[],
        &[(
            "uv-0.5.5.data/scripts/uv",
            "#!/bin/sh\necho \"error: unexpected argument '--format' found\" >&2\nexit 2\n",
        )],
        "",
    );
    s.add(&format!("/files/{old_file}"), old_body.clone());
    let release = |file: &str, body: &[u8]| {
        format!(
            r#"[{{"filename": "{file}", "packagetype": "bdist_wheel", "python_version": "py3", "url": "{}", "digests": {{"sha256": "{}"}}, "yanked": false, "size": {}}}]"#,
            s.url(&format!("/files/{file}")),
            sha256_hex(body),
            body.len()
        )
    };
    s.add(
        "/pypi/uv/json",
        format!(
            r#"{{"info": {{"name": "uv", "version": "0.13.9", "summary": "s"}}, "last_serial": 1, "releases": {{"0.5.5": {}, "0.13.9": {}}}, "urls": []}}"#,
            release(&old_file, &old_body),
            release(&new_file, &new_body)
        ),
    );
    let p = World::new().with_env("DEVENV_PYPI_URL", &s.base());
    p.manifest(&format!(
        "[tools]\n{PYTHON}uv = \"0.5.5\"\n\"pypi:greet-app\" = \"2\"\n[settings]\nplatforms = [\"linux-x86_64\"]\n"
    ));
    p.run(&["lock"]).ok();
    let lock = p.lockfile();
    let a = artifact(&lock, "linux-x86_64");
    assert!(
        a["digest_from"].as_str().unwrap().starts_with("uv 0.13.9"),
        "{a}"
    );
    assert!(
        lock.contains("version = \"0.5.5\""),
        "the project's own uv: {lock}"
    );
}
