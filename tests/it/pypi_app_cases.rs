//! Issue 24: the PyPI applications real projects use, each as a user
//! meets it — awscli's setuptools scripts, cmake's platform wheels, an
//! application whose newest release needs a newer Python, and a machine
//! whose PATH is full of version-manager shims. The fixture index serves
//! them like PyPI; the real uv (`DEVENV_TEST_UV_WHEEL`) resolves them.

use crate::common;
use crate::pypi_apps::{PLATFORMS, PYTHON, index, metadata, publish, wheel};
use common::archives::{Entry, zip};
use common::server::FixtureServer;
use common::{World, sha256_hex};

/// One release of a project as the fixture index serves it.
struct Upload {
    version: &'static str,
    file: String,
    body: Vec<u8>,
    metadata: String,
    requires_python: String,
}

/// Serves `project` with several files (releases, or one release's wheels
/// per platform), each with its `Requires-Python`, in the JSON API and
/// the simple index.
fn publish_all(s: &FixtureServer, project: &str, uploads: &[Upload]) {
    let mut simple = Vec::new();
    let mut releases: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
    for u in uploads {
        let path = format!("/files/{}", u.file);
        s.add(&path, u.body.clone());
        s.add(&format!("{path}.metadata"), u.metadata.as_bytes().to_vec());
        let (sha, meta) = (sha256_hex(&u.body), sha256_hex(u.metadata.as_bytes()));
        simple.push(format!(
            r#"{{"filename": "{}", "url": "../../files/{}", "hashes": {{"sha256": "{sha}"}}, "requires-python": "{}", "size": {}, "upload-time": "2024-10-17T00:00:00.000000Z", "yanked": false, "core-metadata": {{"sha256": "{meta}"}}, "data-dist-info-metadata": {{"sha256": "{meta}"}}}}"#,
            u.file, u.file, u.requires_python, u.body.len()
        ));
        releases.entry(u.version).or_default().push(format!(
            r#"{{"filename": "{}", "packagetype": "bdist_wheel", "python_version": "py3", "url": "{}", "digests": {{"sha256": "{sha}"}}, "requires_python": "{}", "yanked": false, "size": {}}}"#,
            u.file,
            s.url(&path),
            u.requires_python,
            u.body.len()
        ));
    }
    let versions: Vec<String> = releases.keys().map(|v| format!("\"{v}\"")).collect();
    s.add_with_headers(
        &format!("/simple/{project}/"),
        200,
        &[("Content-Type", "application/vnd.pypi.simple.v1+json")],
        format!(
            r#"{{"meta": {{"api-version": "1.1", "_last-serial": 1}}, "name": "{project}", "versions": [{}], "files": [{}]}}"#,
            versions.join(", "),
            simple.join(", ")
        ),
    );
    let newest = releases.keys().last().unwrap();
    let releases: Vec<String> = releases
        .iter()
        .map(|(v, files)| format!("\"{v}\": [{}]", files.join(", ")))
        .collect();
    s.add(
        &format!("/pypi/{project}/json"),
        format!(
            r#"{{"info": {{"name": "{project}", "version": "{newest}", "summary": "s"}}, "last_serial": 1, "releases": {{{}}}, "urls": []}}"#,
            releases.join(", ")
        ),
    );
}

/// The lock's artifact of `tool` for `platform`.
fn artifact(lock: &str, tool: &str, platform: &str) -> toml::Value {
    let parsed: toml::Table = lock.parse().unwrap();
    parsed["tools"][tool]["artifacts"][platform].clone()
}

fn world(s: &FixtureServer, tools: &str) -> World {
    let w = World::new().with_env("DEVENV_PYPI_URL", &s.base());
    w.manifest(&format!("[tools]\n{tools}{PLATFORMS}"));
    w
}

/// awscli's shape: no entry points; its commands are setuptools
/// `scripts=` shipped in `cloud_cli-1.0.data/scripts/` (a `#!python`
/// script, a completer, and a Windows `.cmd` that is not a command here).
fn cloud_cli(s: &FixtureServer) {
    let body = wheel(
        "cloud_cli",
        "1.0",
        &[],
        &[
            ("cloud_cli/__init__.py", "VERSION = '1.0'\n"),
            (
                "cloud_cli-1.0.data/scripts/cloud",
                "#!python\nimport sys, cloud_cli\nprint('cloud-cli/' + cloud_cli.VERSION, 'Python/%d.%d' % sys.version_info[:2], ' '.join(sys.argv[1:]))\n",
            ),
            (
                "cloud_cli-1.0.data/scripts/cloud_completer",
                "#!python\nprint('completing')\n",
            ),
            ("cloud_cli-1.0.data/scripts/cloud.cmd", "@echo off\r\n"),
        ],
        "",
    );
    publish(
        s,
        "cloud-cli",
        "cloud_cli-1.0-py3-none-any.whl",
        &body,
        Some(&metadata("cloud-cli", "1.0", &[])),
        None,
    );
}

#[test]
fn setuptools_scripts_are_the_commands_of_a_package_without_entry_points() {
    let Some(s) = index(false) else { return };
    cloud_cli(&s);
    let p = world(&s, &format!("{PYTHON}\"pypi:cloud-cli\" = \"1\"\n"));
    p.run(&["lock"]).ok();
    let a = artifact(&p.lockfile(), "pypi:cloud-cli", "linux-x86_64");
    let a = a.as_table().unwrap();
    let bin: Vec<&str> = a["bin"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_str().unwrap())
        .collect();
    assert_eq!(
        bin,
        ["cloud=bin/cloud", "cloud_completer=bin/cloud_completer"]
    );
    p.run(&["exec", "--", "cloud", "--version"])
        .ok()
        .stdout_has("cloud-cli/1.0 Python/3.")
        .stdout_has("--version");
}

#[test]
fn bin_picks_among_an_applications_commands_and_a_wrong_name_is_located() {
    let Some(s) = index(false) else { return };
    cloud_cli(&s);
    let p = world(
        &s,
        &format!("{PYTHON}\"pypi:cloud-cli\" = {{ version = \"1\", bin = [\"cloud\"] }}\n"),
    );
    p.run(&["lock"]).ok();
    let a = artifact(&p.lockfile(), "pypi:cloud-cli", "linux-x86_64");
    assert_eq!(a["bin"].as_array().unwrap().len(), 1, "{a}");
    assert_eq!(a["bin"][0].as_str(), Some("cloud=bin/cloud"));
    p.run(&["exec", "--", "cloud"])
        .ok()
        .stdout_has("cloud-cli/1.0");

    let p = world(
        &s,
        &format!("{PYTHON}\"pypi:cloud-cli\" = {{ version = \"1\", bin = [\"clod\"] }}\n"),
    );
    p.run(&["lock"])
        .fails(1)
        .stderr_has("devenv.toml:3:")
        .stderr_has(
            "pypi:cloud-cli 1.0 has no command `clod` for `bin`; its entry points and scripts are: cloud, cloud_completer",
        );
}

/// cmake's shape: a platform wheel per platform whose command is a
/// console script that runs the binary inside the package.
fn platform_wheel(tag: &str) -> (String, Vec<u8>) {
    let info = "pcmake-3.30.2.dist-info";
    let mut files: Vec<(String, Vec<u8>, u32)> = vec![
        (
            "pcmake/__init__.py".into(),
            b"import os, sys\ndef main():\n    exe = os.path.join(os.path.dirname(__file__), 'data', 'bin', 'pcmake')\n    os.execv(exe, [exe] + sys.argv[1:])\n".to_vec(),
            0o644,
        ),
        (
            "pcmake/data/bin/pcmake".into(),
            b"#!/bin/sh\necho \"pcmake version 3.30.2 $*\"\n".to_vec(),
            0o755,
        ),
        (
            format!("{info}/METADATA"),
            metadata("pcmake", "3.30.2", &[]).into_bytes(),
            0o644,
        ),
        (
            format!("{info}/WHEEL"),
            format!("Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: false\nTag: py3-none-{tag}\n").into_bytes(),
            0o644,
        ),
        (
            format!("{info}/entry_points.txt"),
            b"[console_scripts]\npcmake = pcmake:main\n".to_vec(),
            0o644,
        ),
    ];
    let record: String = files
        .iter()
        .map(|(p, c, _)| format!("{p},sha256={},{}\n", sha256_hex(c), c.len()))
        .collect();
    files.push((
        format!("{info}/RECORD"),
        format!("{record}{info}/RECORD,,\n").into_bytes(),
        0o644,
    ));
    let entries: Vec<Entry> = files
        .iter()
        .map(|(p, c, m)| Entry::file(p, c, *m))
        .collect();
    (format!("pcmake-3.30.2-py3-none-{tag}.whl"), zip(&entries))
}

#[test]
fn with_python_declared_a_platform_wheels_console_scripts_are_its_commands() {
    let Some(s) = index(false) else { return };
    let uploads: Vec<Upload> = [
        "manylinux_2_17_x86_64.manylinux2014_x86_64",
        "macosx_11_0_arm64",
    ]
    .iter()
    .map(|tag| {
        let (file, body) = platform_wheel(tag);
        Upload {
            version: "3.30.2",
            file,
            body,
            metadata: metadata("pcmake", "3.30.2", &[]),
            requires_python: ">=3.7".into(),
        }
    })
    .collect();
    publish_all(&s, "pcmake", &uploads);

    let p = world(&s, &format!("{PYTHON}\"pypi:pcmake\" = \"~3.30\"\n"));
    p.run(&["lock"]).ok();
    let lock = p.lockfile();
    assert!(
        artifact(&lock, "pypi:pcmake", "macos-aarch64")["url"]
            .as_str()
            .unwrap()
            .ends_with("macosx_11_0_arm64.whl"),
        "{lock}"
    );
    p.run(&["exec", "--", "pcmake", "--version"])
        .ok()
        .stdout_has("pcmake version 3.30.2 --version");

    // Without a Python nothing runs the console script: the wheel's own
    // binary directory is what to name.
    let p = world(&s, "\"pypi:pcmake\" = \"~3.30\"\n");
    p.run(&["lock"])
        .fails(1)
        .stderr_has("bin = [\"pcmake/data/bin\"]");
}

/// The Python version the project's system `python` pins here.
fn pinned_python(s: &FixtureServer) -> (u32, u32) {
    let p = world(s, PYTHON);
    p.run(&["lock"]).ok();
    let lock: toml::Table = p.lockfile().parse().unwrap();
    let v = lock["tools"]["python"]["version"]
        .as_str()
        .unwrap()
        .to_string();
    let mut parts = v.split('.').map(|n| n.parse::<u32>().unwrap());
    (parts.next().unwrap(), parts.next().unwrap())
}

#[test]
fn latest_is_the_newest_release_the_projects_python_runs_and_a_pin_too_new_says_why() {
    let Some(s) = index(false) else { return };
    let (major, minor) = pinned_python(&s);
    let newer = format!(">={major}.{}", minor + 1);
    let uploads: Vec<Upload> = [
        ("0.5", "<3".to_string()),
        ("1.0", ">=3.8".to_string()),
        ("2.0", newer.clone()),
    ]
    .into_iter()
    .map(|(version, requires_python)| {
        let file = format!("vtool-{version}-py3-none-any.whl");
        let body = wheel(
            "vtool",
            version,
            &[],
            &[(
                "vtool/__init__.py",
                &format!("def main():\n    print('vtool {version}')\n"),
            )],
            "vtool = vtool:main\n",
        );
        Upload {
            version,
            file,
            body,
            metadata: metadata("vtool", version, &[]),
            requires_python,
        }
    })
    .collect();
    publish_all(&s, "vtool", &uploads);

    for latest in ["*", "latest"] {
        let p = world(&s, &format!("{PYTHON}\"pypi:vtool\" = \"{latest}\"\n"));
        p.run(&["lock"]).ok();
        let lock: toml::Table = p.lockfile().parse().unwrap();
        assert_eq!(
            lock["tools"]["pypi:vtool"]["version"].as_str(),
            Some("1.0"),
            "{latest}: {lock}"
        );
        p.run(&["exec", "--", "vtool"]).ok().stdout_has("vtool 1.0");
    }

    let p = world(&s, &format!("{PYTHON}\"pypi:vtool\" = \"2\"\n"));
    p.run(&["lock"]).fails(1).stderr_has("devenv.toml:3:").stderr_has("help: raise `python` in [tools]").stderr_has(&format!(
        "Python too old for pypi:vtool 2.0 (needs ≥ {major}.{}): the project's python is {major}.{minor}.",
        minor + 1
    ));
    // A release only Python 2 runs is not "too old" a Python.
    let p = world(&s, &format!("{PYTHON}\"pypi:vtool\" = \"0.5\"\n"));
    p.run(&["lock"])
        .fails(1)
        .stderr_has(&format!("Python {major}.{minor}."))
        .stderr_has("too new for pypi:vtool 0.5 (needs <3)");
}

/// Stand-ins for a version manager's shims: each `python…` logs that it
/// was run, then runs this machine's Python.
fn shims(w: &World) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let host = common::python_dist::host_python();
    let dir = w.root.join("shims");
    std::fs::create_dir_all(&dir).unwrap();
    for name in [
        "python",
        "python3",
        "python3.10",
        "python3.11",
        "python3.12",
        "python3.13",
    ] {
        let exe = dir.join(name);
        std::fs::write(
            &exe,
            format!(
                "#!/bin/sh\necho {name} >> {log}\nexec {host} \"$@\"\n",
                log = dir.join("calls.log").display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    dir
}

#[test]
fn locking_with_shims_on_path_asks_each_python_once_and_warns_once() {
    let Some(s) = index(false) else { return };
    cloud_cli(&s);
    let p = world(
        &s,
        &format!("{PYTHON}\"pypi:greet-app\" = \"2\"\n\"pypi:cloud-cli\" = \"1\"\n"),
    );
    let dir = shims(&p);
    let path = format!("{}:/usr/bin:/bin", dir.display());
    let run = p.run_env(&["lock"], &[("PATH", &path)]).ok();
    assert_eq!(
        run.stderr.matches("not reproducible").count(),
        1,
        "one warning: {}",
        run.stderr
    );
    let log = std::fs::read_to_string(dir.join("calls.log")).unwrap();
    let mut calls: Vec<&str> = log.lines().collect();
    calls.sort_unstable();
    assert_eq!(
        calls,
        [
            "python",
            "python3",
            "python3.10",
            "python3.11",
            "python3.12",
            "python3.13"
        ],
        "each shim runs once for the whole lock"
    );
}
