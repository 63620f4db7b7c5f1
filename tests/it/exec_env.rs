//! `devenv exec`, `devenv env`, `list`, `which`: the environment a project
//! asks for, and values that survive every shell byte for byte.

use crate::common;
use common::server::FixtureServer;
use common::{World, tool_tar_gz, url_tool_manifest};
use std::process::Command;

const AWKWARD: &[(&str, &str)] = &[
    ("SPACES", "a b  c"),
    ("QUOTES", "it's \"quoted\" 'twice'"),
    ("DOLLAR", "$HOME ${PATH} $(echo no) `echo no`"),
    ("NEWLINES", "line1\nline2\n\nend\n"),
    ("UNICODE", "héllo wörld ✓ 日本"),
    ("BACKSLASH", "a\\b\\\\c\\'d\\n"),
    ("EMPTY", ""),
];

/// A world whose [env] holds the awkward values (TOML literal strings
/// cannot hold all of them, so use basic strings with escapes).
fn awkward_world() -> World {
    let w = World::new();
    let mut m = String::from("[env]\n");
    for (k, v) in AWKWARD {
        let escaped = v
            .replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n")
            .replace('$', "$$");
        m.push_str(&format!("{k} = \"{escaped}\"\n"));
    }
    m.push_str("GONE = false\n");
    w.manifest(&m);
    w
}

fn shell_reads_back(shell: &str, format: &str) {
    let w = awkward_world();
    let script = w.run(&["env", "--format", format]).ok().stdout;
    // Each shell evaluates the script, then prints each value NUL-terminated.
    let mut check = String::new();
    for (k, _) in AWKWARD {
        match shell {
            "fish" => check.push_str(&format!("printf '%s\\0' \"${k}\"\n")),
            _ => check.push_str(&format!("printf '%s\\0' \"${k}\"\n")),
        }
    }
    let gone = if shell == "fish" {
        "set -q GONE; and echo SET; or echo UNSET"
    } else {
        "[ -z \"${GONE+x}\" ] && echo UNSET || echo SET"
    };
    let path = w.root.join(format!("script.{shell}"));
    std::fs::write(&path, format!("{script}\n{check}{gone}\n")).unwrap();
    let out = Command::new(shell)
        .arg(&path)
        .env("GONE", "was-set")
        .output()
        .expect("shell runs");
    assert!(
        out.status.success(),
        "{shell}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let mut parts = stdout.split('\0');
    for (k, v) in AWKWARD {
        assert_eq!(
            parts.next().unwrap(),
            *v,
            "{shell} changed the value of {k}"
        );
    }
    assert_eq!(parts.next().unwrap().trim(), "UNSET");
}

#[test]
fn bash_reads_back_exact_values() {
    shell_reads_back("bash", "bash");
}

#[test]
fn zsh_reads_back_exact_values() {
    shell_reads_back("zsh", "zsh");
}

#[test]
fn fish_reads_back_exact_values() {
    shell_reads_back("fish", "fish");
}

#[test]
fn json_lists_sets_unsets_and_the_full_path() {
    let w = awkward_world();
    w.manifest(&(w.read("devenv.toml") + "path = [\"scripts\"]\n"));
    let out = w.run(&["env", "--format", "json"]).ok();
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    for (k, val) in AWKWARD {
        assert_eq!(v[k], *val, "{k}");
    }
    assert!(v["GONE"].is_null());
    assert_eq!(v["DEVENV_ROOT"], w.project.to_string_lossy().as_ref());
    assert_eq!(v["DEVENV_PROJECT_NAME"], "proj");
    assert_eq!(v["DEVENV_ACTIVE"], "1");
    assert_eq!(
        v["PATH"],
        format!(
            "{}:/usr/local/bin:/usr/bin:/bin",
            w.project.join("scripts").display()
        )
    );
}

#[test]
fn dotenv_and_github_formats() {
    let w = World::new();
    w.manifest("[env]\nMULTI = \"a\\nb=c\"\nPLAIN = \"x\"\n");
    let dotenv = w.run(&["env", "--format", "dotenv"]).ok().stdout;
    assert!(dotenv.contains("MULTI=\"a\\nb=c\"\n"), "{dotenv}");
    assert!(dotenv.contains("PLAIN=\"x\"\n"), "{dotenv}");
    let gh = w.run(&["env", "--format", "github"]).ok().stdout;
    assert!(
        gh.contains("MULTI<<DEVENV_EOF\na\nb=c\nDEVENV_EOF\n"),
        "{gh}"
    );
}

#[test]
fn interpolation_dotenv_and_precedence() {
    let w = World::new();
    w.write(".env", "SECRET=from-dotenv\nDB_USER='me'\n");
    w.manifest(
        "[env]\ndotenv = [\".env\", \"missing.env\"]\nDATABASE_URL = \"postgres://${DB_USER}@localhost/${DEVENV_PROJECT_NAME}\"\nSECRET = \"manifest-wins\"\nHOME_COPY = \"${HOME}\"\nFALLBACK = \"${NOPE:-dflt}\"\n",
    );
    let v: serde_json::Value =
        serde_json::from_str(&w.run(&["env", "--format", "json"]).ok().stdout).unwrap();
    assert_eq!(v["DATABASE_URL"], "postgres://me@localhost/proj");
    assert_eq!(v["SECRET"], "manifest-wins");
    assert_eq!(
        v["HOME_COPY"],
        w.root.join("user-home").to_string_lossy().as_ref()
    );
    assert_eq!(v["FALLBACK"], "dflt");
    w.manifest("[env]\nX = \"${UNDEFINED_THING}\"\n");
    w.run(&["env"])
        .fails(1)
        .stderr_has("devenv.toml:2:6: `${UNDEFINED_THING}` is not set");
}

#[test]
fn exec_passes_the_exit_code_and_environment() {
    let w = World::new();
    w.manifest("[env]\nGREETING = \"hi there\"\nHOME = false\npath = [\"scripts\"]\n");
    w.write(
        "scripts/greet",
        "#!/bin/sh\necho \"$GREETING from greet; HOME=${HOME-unset}\"\nexit 7\n",
    );
    std::os::unix::fs::PermissionsExt::set_mode(
        &mut std::fs::metadata(w.project.join("scripts/greet"))
            .unwrap()
            .permissions(),
        0o755,
    );
    Command::new("chmod")
        .arg("+x")
        .arg(w.project.join("scripts/greet"))
        .status()
        .unwrap();
    let out = w.run(&["exec", "--", "greet"]);
    assert_eq!(out.code, 7, "{out:?}");
    assert_eq!(out.stdout, "hi there from greet; HOME=unset\n");
    w.run(&["exec", "--", "sh", "-c", "exit 0"]).ok();
    w.run(&["exec", "--", "definitely-not-a-command"])
        .fails(127)
        .stderr_has("`definitely-not-a-command`");
}

#[test]
fn minus_c_runs_elsewhere_and_subdirectories_find_the_project() {
    let w = World::new();
    w.manifest("[env]\nWHERE = \"root\"\n");
    std::fs::create_dir_all(w.project.join("a/b")).unwrap();
    let mut cmd = w.cmd(&["exec", "--", "sh", "-c", "echo $WHERE $DEVENV_ROOT"]);
    cmd.current_dir(w.project.join("a/b"));
    let out = w.run_cmd(cmd).ok();
    assert_eq!(out.stdout.trim(), format!("root {}", w.project.display()));
    let mut cmd = w.cmd(&[
        "-C",
        w.project.to_str().unwrap(),
        "exec",
        "--",
        "sh",
        "-c",
        "echo $WHERE",
    ]);
    cmd.current_dir(&w.root);
    assert_eq!(w.run_cmd(cmd).ok().stdout.trim(), "root");
}

#[test]
fn list_and_which_show_store_paths() {
    let server = FixtureServer::start();
    let w = World::new();
    let bytes = tool_tar_gz("lister", "0.9.1");
    server.add("/lister.tar.gz", bytes.clone());
    w.manifest(&url_tool_manifest(
        "lister",
        "0.9.1",
        &server.url("/lister.tar.gz"),
        &bytes,
    ));
    w.run(&["lock"]).ok();
    w.run(&["list"])
        .ok()
        .stdout_has("lister")
        .stdout_has("0.9.1")
        .stdout_has("not installed");
    w.run(&["which", "lister"])
        .fails(1)
        .stderr_has("lister 0.9.1 not installed yet");
    w.run(&["install"]).ok();
    let out = w.run(&["list", "--json"]).ok();
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v[0]["installed"], true);
    let entry = w.store_entries()[0].clone();
    assert_eq!(v[0]["path"], entry.to_string_lossy().as_ref());
    let which = w.run(&["which", "lister"]).ok().stdout;
    assert_eq!(which.trim(), entry.join("bin/lister").to_string_lossy());
    w.run(&["which", "sh"]).ok();
}

#[test]
fn a_mistyped_command_suggests_the_tool_and_install_points_to_add() {
    let server = FixtureServer::start();
    let w = World::new();
    let bytes = tool_tar_gz("ruff", "0.7.0");
    server.add("/ruff.tar.gz", bytes.clone());
    w.manifest(&url_tool_manifest(
        "ruff",
        "0.7.0",
        &server.url("/ruff.tar.gz"),
        &bytes,
    ));
    w.run(&["exec", "--", "rufff", "check"])
        .fails(127)
        .stderr_has("could not run `rufff`: no such command in the environment's PATH; did you mean `ruff`?");
    // A catalog tool the project does not have.
    w.run(&["exec", "--", "uv"])
        .fails(127)
        .stderr_has("`uv` is not a tool of this project; add it with `devenv add uv`");
    w.run(&["install", "uv"])
        .fails(1)
        .stderr_has("`devenv install` installs what devenv.toml pins and takes no tool names; to add uv to the project, use `devenv add uv`");
}

#[test]
fn a_project_without_tools_gets_no_lock_from_exec_install_or_env() {
    let w = World::new();
    w.manifest("[env]\nGREETING = \"hi\"\n");
    w.run(&["exec", "--", "sh", "-c", "echo $GREETING"])
        .ok()
        .stdout_has("hi");
    w.run(&["install"]).ok();
    w.run(&["env", "--format", "json"])
        .ok()
        .stdout_has("GREETING");
    assert!(!w.project.join("devenv.lock").exists());
    // Asked for, a lock is written.
    w.run(&["lock"]).ok();
    assert!(w.project.join("devenv.lock").exists());
}

#[test]
fn a_command_the_environment_lacks_lists_the_commands_that_extend_its_name() {
    let server = FixtureServer::start();
    let w = World::new();
    let bytes = common::archives::tar_gz(&[
        common::archives::Entry::file("jupyter-1.0/bin/jupyter-lab", b"#!/bin/sh\n", 0o755),
        common::archives::Entry::file("jupyter-1.0/bin/jupyter-server", b"#!/bin/sh\n", 0o755),
        common::archives::Entry::file("jupyter-1.0/bin/ipython", b"#!/bin/sh\n", 0o755),
    ]);
    server.add("/jupyter.tar.gz", bytes.clone());
    w.manifest(&url_tool_manifest(
        "jupyter",
        "1.0",
        &server.url("/jupyter.tar.gz"),
        &bytes,
    ));
    w.run(&["exec", "--", "jupyter", "lab"])
        .fails(127)
        .stderr_has("did you mean `jupyter-lab` or `jupyter-server`?");
}
