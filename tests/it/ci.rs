//! `devenv ci`: a frozen install, verified, exported to GitHub Actions'
//! environment files (or printed as dotenv elsewhere), and a store that CI
//! can cache between runs.

use crate::common;
use common::server::FixtureServer;
use common::{World, tool_tar_gz, url_tool_manifest};
use std::path::Path;

/// A project pinning `hello` from `server`, with awkward values and a
/// project script directory, locked.
fn locked_world(server: &FixtureServer) -> World {
    let w = World::new();
    let bytes = tool_tar_gz("hello", "1.2.3");
    server.add("/hello.tar.gz", bytes.clone());
    let mut manifest = url_tool_manifest("hello", "1.2.3", &server.url("/hello.tar.gz"), &bytes);
    manifest.push_str(
        "\n[env]\nMULTI = \"line1\\nline2=x\"\nEQ = \"a=b==c\"\nTRICKY = \"x\\nDEVENV_EOF\\ny\"\nGONE = false\npath = [\"scripts\"]\n",
    );
    w.manifest(&manifest);
    std::fs::create_dir_all(w.project.join("scripts")).unwrap();
    w.run(&["lock"]).ok();
    w
}

fn github_env<'a>(env_file: &'a Path, path_file: &'a Path) -> [(&'a str, &'a str); 3] {
    [
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_ENV", env_file.to_str().unwrap()),
        ("GITHUB_PATH", path_file.to_str().unwrap()),
    ]
}

#[test]
fn github_actions_gets_exact_env_and_path_files() {
    let server = FixtureServer::start();
    let w = locked_world(&server);
    let env_file = w.root.join("gh-env");
    let path_file = w.root.join("gh-path");
    // The runner's files already hold earlier steps' lines: devenv appends.
    std::fs::write(&env_file, "EARLIER=1\n").unwrap();
    std::fs::write(&path_file, "/earlier/bin\n").unwrap();
    let out = w.run_env(&["ci"], &github_env(&env_file, &path_file)).ok();
    assert_eq!(out.stdout, "", "nothing on stdout in GitHub Actions");
    assert!(
        out.stderr.contains("ci: hello 1.2.3 (1 fetched"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("set to empty instead: GONE"),
        "{}",
        out.stderr
    );
    let entry = w.store_entries()[0].clone();
    let expected_env = format!(
        "EARLIER=1\n\
         DEVENV_ACTIVE<<DEVENV_EOF\n1\nDEVENV_EOF\n\
         DEVENV_PROJECT_NAME<<DEVENV_EOF\nproj\nDEVENV_EOF\n\
         DEVENV_ROOT<<DEVENV_EOF\n{}\nDEVENV_EOF\n\
         EQ<<DEVENV_EOF\na=b==c\nDEVENV_EOF\n\
         GONE<<DEVENV_EOF\n\nDEVENV_EOF\n\
         MULTI<<DEVENV_EOF\nline1\nline2=x\nDEVENV_EOF\n\
         TRICKY<<DEVENV_EOF_1\nx\nDEVENV_EOF\ny\nDEVENV_EOF_1\n",
        w.project.display()
    );
    assert_eq!(std::fs::read_to_string(&env_file).unwrap(), expected_env);
    // The runner prepends each GITHUB_PATH line in turn, so the last line
    // wins: the project's own scripts (first in devenv's PATH) come last.
    let expected_path = format!(
        "/earlier/bin\n{}\n{}\n",
        entry.join("bin").display(),
        w.project.join("scripts").display()
    );
    assert_eq!(std::fs::read_to_string(&path_file).unwrap(), expected_path);
}

#[test]
fn elsewhere_it_prints_dotenv_and_says_how_to_use_it() {
    let server = FixtureServer::start();
    let w = locked_world(&server);
    let out = w.run(&["ci"]).ok();
    assert!(
        out.stdout.contains("MULTI=\"line1\\nline2=x\"\n"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("EQ=\"a=b==c\"\n"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains(&format!("PATH=\"{}:", w.project.join("scripts").display())),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr.contains("not in GitHub Actions"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("devenv ci --format bash"),
        "{}",
        out.stderr
    );
    // An explicit format prints that, and no advice.
    let out = w.run(&["ci", "--format", "bash"]).ok();
    assert!(out.stdout.contains("export EQ='a=b==c';"), "{}", out.stdout);
    assert!(
        !out.stderr.contains("not in GitHub Actions"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("ci: hello 1.2.3 (0 fetched"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_stale_lock_fails_and_names_the_tool() {
    let server = FixtureServer::start();
    let w = locked_world(&server);
    let before = w.read("devenv.lock");
    w.manifest(
        &w.read("devenv.toml")
            .replace("version = \"1.2.3\"", "version = \"1.2.4\""),
    );
    let env_file = w.root.join("gh-env");
    let path_file = w.root.join("gh-path");
    let out = w
        .run_env(&["ci"], &github_env(&env_file, &path_file))
        .fails(1);
    assert!(out.stderr.contains("`hello` changed"), "{}", out.stderr);
    assert!(out.stderr.contains("devenv lock"), "{}", out.stderr);
    assert_eq!(
        w.read("devenv.lock"),
        before,
        "ci must never write the lock"
    );
    assert!(
        !env_file.exists() && !path_file.exists(),
        "nothing is exported from a failed run"
    );
    assert!(w.store_entries().is_empty());
}

#[test]
fn without_a_lock_it_fails() {
    let w = World::new();
    w.manifest("[env]\nA = \"1\"\n");
    w.run(&["ci"])
        .fails(1)
        .stderr_has("there is no devenv.lock");
}

#[test]
fn github_format_outside_actions_says_what_is_missing() {
    let server = FixtureServer::start();
    let w = locked_world(&server);
    w.run(&["ci", "--format", "github"])
        .fails(1)
        .stderr_has("GITHUB_ENV and GITHUB_PATH");
}

#[test]
fn a_cached_store_serves_a_fresh_runner_with_no_network() {
    let server = FixtureServer::start();
    let w = locked_world(&server);
    let cache = w.root.join("ci-cache");
    let cache_str = cache.to_str().unwrap();
    w.run_env(&["ci"], &[("DEVENV_CACHE_DIR", cache_str)]).ok();
    assert!(
        w.store_entries().is_empty(),
        "the store went to DEVENV_CACHE_DIR, not DEVENV_HOME"
    );
    let cached: Vec<String> = std::fs::read_dir(&cache)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    assert_eq!(cached.len(), 1, "{cached:?}");
    assert!(cached[0].ends_with("-hello-1.2.3"), "{cached:?}");
    // Garbage a killed install left in the cache is cleaned before CI saves it.
    let garbage = cache
        .join(".tmp")
        .join(format!("{}.999999.1", &cached[0][..32]));
    std::fs::create_dir_all(garbage.join("tree")).unwrap();
    // The next run: a new machine (another DEVENV_HOME), the cache restored, no network.
    server.stop();
    let mut cmd = w.cmd(&["--offline", "ci"]);
    cmd.env("DEVENV_HOME", w.root.join("other-home"))
        .env("DEVENV_CACHE_DIR", cache_str);
    let out = w.run_cmd(cmd).ok();
    assert!(out.stderr.contains("(0 fetched"), "{}", out.stderr);
    assert!(!garbage.exists(), "staging garbage survived `devenv ci`");
    let mut cmd = w.cmd(&["--offline", "exec", "--frozen", "--", "hello", "cached"]);
    cmd.env("DEVENV_CACHE_DIR", cache_str);
    assert_eq!(w.run_cmd(cmd).ok().stdout, "hello 1.2.3 cached\n");
}

#[test]
fn gitlab_jobs_load_it_into_their_shell() {
    let server = FixtureServer::start();
    let w = locked_world(&server);
    let script = format!(
        "set -eu\neval \"$('{}' ci --format bash)\"\nhello from-bash\nprintf '%s|' \"$MULTI\" \"$EQ\"\n",
        common::bin()
    );
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(script)
        .current_dir(&w.project)
        .env_clear()
        .env("PATH", "/usr/local/bin:/usr/bin:/bin")
        .env("HOME", w.root.join("user-home"))
        .env("DEVENV_HOME", &w.home)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout, "hello 1.2.3 from-bash\nline1\nline2=x|a=b==c|");
}

#[test]
fn the_ci_examples_lock_matches_its_manifest() {
    // examples/ci/ runs `devenv ci` (frozen) in examples/url-tool.
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/url-tool");
    let w = World::new();
    w.run(&[
        "--offline",
        "-C",
        example.to_str().unwrap(),
        "lock",
        "--frozen",
    ])
    .ok();
}
