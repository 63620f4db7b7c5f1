//! The trust boundary, tested as the attacks it stops: a hostile lock, a
//! symlinked manifest, edited or booby-trapped dotenv files, special files,
//! terminal escapes, a trickling server, archive and download bombs, and a
//! forged shell state. Each asserts that nothing hostile runs or is
//! written, and that the user is told what happened.

use crate::common;
use common::server::FixtureServer;
use common::shell::{Sandbox, Sh};
use common::{World, archives, sha256_hex};
use devenv_model::lock::Lock;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A tool archive whose `bin/tool` prints `says`.
fn tool_saying(says: &str) -> Vec<u8> {
    archives::tar_gz(&[archives::Entry::file(
        "tool-1.0.0/bin/tool",
        format!("#!/bin/sh\necho {says}\n").as_bytes(),
        0o755,
    )])
}

/// A server with a good and an evil build of `tool`.
fn good_and_evil() -> (FixtureServer, Vec<u8>, Vec<u8>) {
    let server = FixtureServer::start();
    let (good, evil) = (tool_saying("good"), tool_saying("evil"));
    server.add("/good.tgz", good.clone());
    server.add("/evil.tgz", evil.clone());
    (server, good, evil)
}

/// The good and evil builds served, and a project pinning the good one,
/// after `devenv CMD` (`lock` or `install`).
fn good_project(cmd: &str) -> (FixtureServer, Vec<u8>, Vec<u8>, World) {
    let (server, good, evil) = good_and_evil();
    let world = World::new();
    world.manifest(&pinned(&server, "/good.tgz", &good));
    world.run(&[cmd]).ok();
    (server, good, evil, world)
}

fn pinned(server: &FixtureServer, file: &str, bytes: &[u8]) -> String {
    common::url_tool_manifest("tool", "1.0.0", &server.url(file), bytes)
}

/// A second project in `world`'s DEVENV_HOME.
fn second_project(world: &World, manifest: &str) -> PathBuf {
    let dir = world.root.join("other");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("devenv.toml"), manifest).unwrap();
    dir
}

fn run_in(world: &World, dir: &Path, args: &[&str]) -> common::Output {
    let mut cmd = world.cmd(args);
    cmd.current_dir(dir);
    world.run_cmd(cmd)
}

fn read_lock(dir: &Path) -> Lock {
    Lock::parse(&std::fs::read_to_string(dir.join("devenv.lock")).unwrap()).unwrap()
}

#[test]
fn a_lock_cannot_reuse_another_projects_store_key() {
    let (server, _good, evil, world) = good_project("install");
    assert_eq!(world.run(&["exec", "--", "tool"]).ok().stdout, "good\n");
    let good_key = read_lock(&world.project).tools["tool"]
        .artifacts
        .values()
        .next()
        .unwrap()
        .key
        .clone();

    // Project B pins the evil build, and its lock claims A's store key.
    let b = second_project(&world, &pinned(&server, "/evil.tgz", &evil));
    run_in(&world, &b, &["lock"]).ok();
    let text = std::fs::read_to_string(b.join("devenv.lock")).unwrap();
    let evil_key = read_lock(&b).tools["tool"]
        .artifacts
        .values()
        .next()
        .unwrap()
        .key
        .clone();
    std::fs::write(b.join("devenv.lock"), text.replace(&evil_key, &good_key)).unwrap();
    run_in(&world, &b, &["install", "--frozen"])
        .fails(1)
        .stderr_has("store keys are derived from content and cannot be chosen by a lock");
    assert_eq!(
        server.hits("/evil.tgz"),
        0,
        "nothing was fetched for the forged lock"
    );

    // A still runs its own bytes, and the store verifies.
    assert_eq!(world.run(&["exec", "--", "tool"]).ok().stdout, "good\n");
    world.run(&["store", "verify"]).ok();

    // B's honest lock gets an entry of its own: one key, one content.
    std::fs::write(b.join("devenv.lock"), &text).unwrap();
    assert_eq!(
        run_in(&world, &b, &["exec", "--", "tool"]).ok().stdout,
        "evil\n"
    );
    assert_eq!(world.run(&["exec", "--", "tool"]).ok().stdout, "good\n");
    assert_eq!(world.store_entries().len(), 2);
}

#[test]
fn lock_bin_paths_and_keys_cannot_leave_the_store() {
    let (_server, _good, _, world) = good_project("lock");
    let text = world.lockfile();
    assert!(text.contains("bin = []"), "{text}");
    let key = read_lock(&world.project).tools["tool"]
        .artifacts
        .values()
        .next()
        .unwrap()
        .key
        .clone();
    for bin in [
        "\"/proc/self/cwd\"",
        "\"../../..\"",
        "\"x=../../../etc/passwd\"",
    ] {
        world.write(
            "devenv.lock",
            text.replace("bin = []", &format!("bin = [{bin}]")),
        );
        world
            .run(&["install", "--frozen"])
            .fails(1)
            .stderr_has("points outside the tool's directory");
        world.run(&["exec", "--", "true"]).fails(1);
    }
    world.write("devenv.lock", text.replace(&key, "../../../escape"));
    world
        .run(&["install", "--frozen"])
        .fails(1)
        .stderr_has("is not the key its artifact derives");
    let escaped: Vec<_> = walk(&world.root)
        .into_iter()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().contains("escape"))
        })
        .collect();
    assert!(escaped.is_empty(), "written outside the store: {escaped:?}");
    assert!(world.store_entries().is_empty());
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        out.push(path.clone());
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            out.extend(walk(&path));
        }
    }
    out
}

#[test]
fn the_manifests_pin_wins_over_the_lock() {
    let (server, good, evil, world) = good_project("lock");
    // The lock is grafted with the evil artifact, correctly keyed, so only
    // its disagreement with devenv.toml gives it away.
    let b = second_project(&world, &pinned(&server, "/evil.tgz", &evil));
    run_in(&world, &b, &["lock"]).ok();
    let mut lock = read_lock(&world.project);
    lock.tools.get_mut("tool").unwrap().artifacts = read_lock(&b).tools["tool"].artifacts.clone();
    world.write("devenv.lock", lock.render());

    let out = world.run(&["exec", "--frozen", "--", "tool"]).fails(1);
    let err = &out.stderr;
    assert!(err.contains("devenv.lock contradicts devenv.toml"), "{err}");
    assert!(
        err.contains("devenv.toml:2:"),
        "the manifest's pin is located: {err}"
    );
    assert!(
        err.contains(&sha256_hex(&good)) && err.contains(&sha256_hex(&evil)),
        "{err}"
    );
    world
        .run(&["ci"])
        .fails(1)
        .stderr_has("contradicts devenv.toml");
    assert_eq!(server.hits("/evil.tgz"), 0);

    // Without --frozen the manifest's pin is resolved again, and wins.
    let out = world.run(&["exec", "--", "tool"]).ok();
    assert_eq!(out.stdout, "good\n");
    assert!(
        out.stderr.contains("resolved again from devenv.toml"),
        "{}",
        out.stderr
    );
    assert_eq!(server.hits("/evil.tgz"), 0);
}

#[test]
fn an_edited_lock_is_not_applied_by_the_prompt_nor_installed() {
    let (server, good, evil) = good_and_evil();
    let sb = Sandbox::new();
    let manifest = format!(
        "{}\n[settings]\nauto_install = true\n",
        pinned(&server, "/good.tgz", &good)
    );
    let a = sb.project("a", &manifest);
    sb.devenv(&a, &["install"]).ok();
    sb.devenv(&a, &["allow"]).ok();
    // A pull request swaps the lock for one naming other bytes.
    let b = sb.project("b", &pinned(&server, "/evil.tgz", &evil));
    sb.devenv(&b, &["lock"]).ok();
    let mut lock = read_lock(&a);
    lock.tools.get_mut("tool").unwrap().artifacts = read_lock(&b).tools["tool"].artifacts.clone();
    std::fs::write(a.join("devenv.lock"), lock.render()).unwrap();

    let run = sb.run(
        Sh::BASH,
        &format!("cd {}\nprompt\ncommand -v tool || echo no tool\n", sb.q(&a)),
    );
    assert_eq!(run.ok(), "no tool\n");
    assert!(
        run.stderr
            .contains("devenv.lock changed since a/devenv.toml was allowed"),
        "{}",
        run.stderr
    );
    assert_eq!(server.hits("/evil.tgz"), 0, "auto_install fetched nothing");
}

#[test]
fn devenv_itself_rewriting_an_allowed_lock_keeps_it_allowed() {
    let (server, good, _) = good_and_evil();
    let sb = Sandbox::new();
    let a = sb.allowed_project("a", &pinned(&server, "/good.tgz", &good));
    sb.devenv(&a, &["install"]).ok();
    let run = sb.run(Sh::BASH, &format!("cd {}\nprompt\ntool\n", sb.q(&a)));
    assert_eq!(run.ok(), "good\n", "{}", run.stderr);
}

#[test]
fn a_symlinked_manifest_is_not_the_allowed_one() {
    let sb = Sandbox::new();
    let a = sb.allowed_project("a", "[env]\nA1 = \"one\"\npath = [\"scripts\"]\n");
    let b = sb.dir("b");
    std::os::unix::fs::symlink(a.join("devenv.toml"), b.join("devenv.toml")).unwrap();
    let run = sb.run(Sh::BASH, &format!("cd {}\nprompt\nshow A1\n", sb.q(&b)));
    assert_eq!(run.ok(), "A1 unset\n");
    assert!(
        run.stderr.contains("b/devenv.toml is not allowed yet"),
        "{}",
        run.stderr
    );
    // The real project still activates.
    let run = sb.run(Sh::BASH, &format!("cd {}\nprompt\nshow A1\n", sb.q(&a)));
    assert_eq!(run.ok(), "A1=[one]\n");
}

#[test]
fn an_edited_dotenv_file_needs_a_new_allow() {
    let sb = Sandbox::new();
    let a = sb.project("a", "[env]\ndotenv = [\".env\"]\n");
    std::fs::write(a.join(".env"), "X=1\n").unwrap();
    sb.devenv(&a, &["allow"]).ok();
    let run = sb.run(
        Sh::BASH,
        &format!(
            "cd {}\nprompt\nshow X\nprintf 'X=2\\n' > .env\nprompt\nshow X\n",
            sb.q(&a)
        ),
    );
    assert_eq!(run.ok(), "X=[1]\nX unset\n");
    assert!(
        run.stderr
            .contains(".env changed since a/devenv.toml was allowed"),
        "{}",
        run.stderr
    );
    // A dotenv file created after the allow counts as a change too.
    let c = sb.project("c", "[env]\nC = \"c\"\ndotenv = [\".env\"]\n");
    sb.devenv(&c, &["allow"]).ok();
    std::fs::write(c.join(".env"), "C2=late\n").unwrap();
    let run = sb.run(
        Sh::BASH,
        &format!("cd {}\nprompt\nshow C\nshow C2\n", sb.q(&c)),
    );
    assert_eq!(run.ok(), "C unset\nC2 unset\n");
}

#[test]
fn dotenv_files_cannot_take_over_the_shell_or_the_loader() {
    let sb = Sandbox::new();
    for (i, line) in [
        "LD_PRELOAD=/tmp/evil.so",
        "PROMPT_COMMAND='touch pwned'",
        "BASH_ENV=/tmp/evil.sh",
        "fish_function_path=/tmp/evil",
        "DYLD_INSERT_LIBRARIES=/tmp/evil.dylib",
    ]
    .iter()
    .enumerate()
    {
        let dir = sb.project(
            &format!("p{i}"),
            "[env]\nSAFE = \"yes\"\ndotenv = [\".env\"]\n",
        );
        std::fs::write(dir.join(".env"), format!("OK=1\n{line}\n")).unwrap();
        sb.devenv(&dir, &["allow"]).ok();
        let name = line.split('=').next().unwrap();
        let run = sb.run(
            Sh::BASH,
            &format!(
                "cd {}\nprompt\nshow SAFE\nshow {name}\n[ -e pwned ] && echo PWNED\ntrue\n",
                sb.q(&dir)
            ),
        );
        // The hook's own PROMPT_COMMAND stays; nothing from the file is set.
        let own = if name == "PROMPT_COMMAND" {
            "PROMPT_COMMAND=[__devenv_hook]"
        } else {
            &format!("{name} unset")
        };
        assert_eq!(run.ok(), format!("SAFE unset\n{own}\n"), "{line}");
        assert!(
            run.stderr
                .contains(&format!("line 2: `{name}` is never set from a dotenv file")),
            "{}",
            run.stderr
        );
        let out = sb.devenv(&dir, &["exec", "--", "true"]);
        assert!(!out.success);
        assert!(
            out.stderr.contains("is never set from a dotenv file"),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn allow_warns_about_env_entries_that_take_over_the_shell() {
    let sb = Sandbox::new();
    let a = sb.project("a", "[env]\nLD_LIBRARY_PATH = \"/opt/lib\"\nFINE = \"1\"\n");
    let run = sb.devenv(&a, &["allow"]);
    run.ok();
    assert!(
        run.stderr
            .contains("[env] sets `LD_LIBRARY_PATH`, which takes over the dynamic loader"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("FINE"), "{}", run.stderr);
}

#[test]
fn allow_refuses_a_manifest_that_does_not_load() {
    let sb = Sandbox::new();
    let a = sb.project("a", "[tools\n");
    let run = sb.devenv(&a, &["allow"]);
    assert!(!run.success);
    assert!(run.stderr.contains("devenv.toml:1:"), "{}", run.stderr);
    assert!(!run.stderr.contains("allowed"), "{}", run.stderr);
    assert!(!sb.home.join("trust").exists() || walk(&sb.home.join("trust")).is_empty());
}

#[test]
fn special_files_are_refused_without_reading_them() {
    let world = World::new();
    world.manifest("[env]\nA = \"1\"\ndotenv = [\".env\"]\n");
    std::os::unix::fs::symlink("/dev/stdin", world.project.join(".env")).unwrap();
    let out = world.run_cmd_input(
        world.cmd(&["exec", "--", "true"]),
        "what the user types next\n",
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("is not a regular file (it is a"),
        "{}",
        out.stderr
    );

    std::fs::remove_file(world.project.join(".env")).unwrap();
    let _ = std::fs::remove_file(world.project.join("devenv.lock"));
    std::os::unix::fs::symlink("/dev/zero", world.project.join("devenv.lock")).unwrap();
    world
        .run(&["install"])
        .fails(1)
        .stderr_has("is not a regular file (it is a character device)");

    // The prompt stays usable: the error is a notice, the shell goes on.
    let sb = Sandbox::new();
    let a = sb.allowed_project("a", "[env]\nA = \"1\"\n");
    std::os::unix::fs::symlink("/dev/zero", a.join("devenv.lock")).unwrap();
    let run = sb.run(
        Sh::BASH,
        &format!("cd {}\nprompt\nshow A\necho after\n", sb.q(&a)),
    );
    assert_eq!(run.ok(), "A unset\nafter\n");
    assert!(run.stderr.contains("character device"), "{}", run.stderr);
}

#[test]
fn quoted_input_cannot_drive_the_terminal() {
    let sb = Sandbox::new();
    // Not valid TOML, with a clipboard-writing OSC 52 and a screen clear.
    let a = sb.project("a", "[tools]\nx = \u{1b}]52;c;ZXZpbA==\u{7}\u{1b}[2J\n");
    let run = sb.run(Sh::BASH, &format!("cd {}\nprompt\necho done\n", sb.q(&a)));
    assert_eq!(run.ok(), "done\n");
    assert!(
        run.stderr.contains("\\u{1b}]52;c;ZXZpbA==\\u{7}"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains('\u{1b}') && !run.stderr.contains('\u{7}'));
    let out = sb.devenv(&a, &["exec", "--", "true"]);
    assert!(!out.success);
    assert!(!out.stderr.contains('\u{1b}'), "{:?}", out.stderr);

    let world = World::new();
    world.manifest("[env]\ndotenv = [\".env\"]\n");
    world.write(".env", "\u{1b}[2Jnot a line\n");
    let out = world.run(&["exec", "--", "true"]).fails(1);
    assert!(
        out.stderr.contains("\\u{1b}[2Jnot a line"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains('\u{1b}'));
}

#[test]
fn a_lock_version_with_escapes_is_refused_and_shown_escaped() {
    let (_server, _good, _, world) = good_project("lock");
    let text = world.lockfile().replace(
        "version = \"1.0.0\"",
        "version = \"1.0.0\\u001b]0;pwned\\u0007\"",
    );
    world.write("devenv.lock", text);
    let out = world.run(&["install", "--frozen"]).fails(1);
    assert!(out.stderr.contains("is not a version"), "{}", out.stderr);
    assert!(!out.stderr.contains('\u{1b}') && !out.stderr.contains('\u{7}'));
}

#[test]
fn escapes_and_multibyte_text_in_a_url_never_panic() {
    let world = World::new();
    for url in [
        r#""https://h/\u00e9\u00e9{versoin}é.tgz""#,
        r#""https://h/\u001b[31m{ärch}\u00e9""#,
        r#""https://h/é\té{os""#,
        r#""https://h/\U0001F600{x}\U0001F600""#,
    ] {
        world.manifest(&format!(
            "[tools]\nt = {{ version = \"1\", url = {url} }}\n"
        ));
        let out = world.run(&["exec", "--", "true"]).fails(1);
        assert!(out.stderr.contains("devenv.toml:2:"), "{}", out.stderr);
    }
}

#[test]
fn a_nul_in_an_env_value_is_a_located_error() {
    let world = World::new();
    world.manifest("[env]\nOK = \"1\"\nBAD = \"a\\u0000b\"\n");
    world
        .run(&["exec", "--", "true"])
        .fails(1)
        .stderr_has("devenv.toml:3:7: the value of `BAD` contains a NUL character");
    world.manifest("[env]\ndotenv = [\".env\"]\n");
    world.write(".env", "A=\"x\\0y\"\nB=\"a\0b\"\n");
    world
        .run(&["exec", "--", "true"])
        .fails(1)
        .stderr_has("line 2: the value of `B` contains a NUL byte");
}

#[test]
fn a_forged_shell_state_cannot_inject_code() {
    use base64::Engine;
    let world = World::new();
    let state = r#"{"dir":"/nowhere","active":{"root":"/nowhere","name":"p","vars":[{"name":"A;touch PWNED;B","before":null,"after":"1"}],"path":[]}}"#;
    let encoded = base64::engine::general_purpose::STANDARD.encode(state);
    for shell in ["bash", "zsh", "fish", "tcsh", "elvish", "xonsh", "nu"] {
        let out = world
            .run_env(
                &["hook-env", "--shell", shell],
                &[("__DEVENV_STATE", &encoded), ("A;touch PWNED;B", "1")],
            )
            .ok();
        assert!(!out.stdout.contains("touch"), "{shell}: {}", out.stdout);
    }
}

#[test]
fn store_verify_fails_for_entries_it_cannot_verify() {
    let (_server, _good, _, world) = good_project("install");
    world.run(&["store", "verify"]).ok();
    let meta_dir = world.home.join("store/.meta");
    let meta = std::fs::read_dir(&meta_dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    std::fs::write(&meta, "garbage = [").unwrap();
    world
        .run(&["store", "verify"])
        .fails(1)
        .stdout_has("unverifiable")
        .stdout_has("garbled");
    std::fs::remove_file(&meta).unwrap();
    world
        .run(&["store", "verify"])
        .fails(1)
        .stdout_has("no record of its contents");
    // --repair removes what cannot be verified; install brings it back.
    world.run(&["store", "verify", "--repair"]).ok();
    assert!(world.store_entries().is_empty());
    assert_eq!(world.run(&["exec", "--", "tool"]).ok().stdout, "good\n");
    world.run(&["store", "verify"]).ok();
}

#[test]
fn a_planted_entry_fails_verification() {
    let (_server, _good, _, world) = good_project("install");
    let entry = world.store_entries().pop().unwrap();
    let meta_dir = world.home.join("store/.meta");
    let name = entry.file_name().unwrap().to_string_lossy().into_owned();
    let planted = format!("{}-planted", "f".repeat(32));
    // A copy under another name, with a record copied too.
    std::process::Command::new("cp")
        .arg("-a")
        .arg(&entry)
        .arg(entry.with_file_name(&planted))
        .status()
        .unwrap();
    std::fs::copy(
        meta_dir.join(format!("{name}.toml")),
        meta_dir.join(format!("{planted}.toml")),
    )
    .unwrap();
    world
        .run(&["store", "verify"])
        .fails(1)
        .stdout_has("the entry was renamed or planted");
}

/// Installing in `world` with `env` fails for `reason` and commits nothing.
#[track_caller]
fn install_refused(world: &World, env: &[(&str, &str)], reason: &str) {
    world.run_env(&["install"], env).fails(1).stderr_has(reason);
    assert!(world.store_entries().is_empty(), "nothing is committed");
    assert!(
        world.staging_leftovers().is_empty(),
        "nothing is left staged"
    );
}

/// `bytes` served at `path`, and a project pinning them.
fn pin_served(server: &FixtureServer, world: &World, path: &str, bytes: &[u8]) {
    server.add(path, bytes.to_vec());
    world.manifest(&pinned(server, path, bytes));
}

#[test]
fn downloads_are_bounded_in_size_and_speed() {
    let server = FixtureServer::start();
    let world = World::new();
    let big = archives::big_tar_gz(2 << 20);
    pin_served(&server, &world, "/big.tgz", &big);
    let too_big = "larger than 1.0 MiB, the most devenv downloads";
    install_refused(&world, &[("DEVENV_MAX_DOWNLOAD_MB", "1")], too_big);
    let malformed = "DEVENV_MAX_DOWNLOAD_MB is `none`";
    install_refused(&world, &[("DEVENV_MAX_DOWNLOAD_MB", "none")], malformed);
    // One byte every 200 ms: alive, but far below the minimum speed.
    server.trickle("/slow.tgz", Duration::from_millis(200));
    pin_served(&server, &world, "/slow.tgz", &big);
    let slow = "slower than 1024 bytes/s";
    install_refused(&world, &[("DEVENV_HTTP_TIMEOUT", "1")], slow);
}

#[test]
fn archives_are_bounded_when_unpacked() {
    let server = FixtureServer::start();
    let world = World::new();
    // 4 MiB of zeros gzip to a few KiB: a small bomb.
    let bomb = archives::tar_gz(&[
        archives::Entry::file("bomb/bin/tool", b"#!/bin/sh\necho boom\n", 0o755),
        archives::Entry::file("bomb/zeros", &vec![0u8; 4 << 20], 0o644),
    ]);
    assert!(bomb.len() < 64 << 10);
    pin_served(&server, &world, "/bomb.tgz", &bomb);
    let bombed = "unpacks to more than 1.0 MiB";
    install_refused(&world, &[("DEVENV_MAX_UNPACKED_MB", "1")], bombed);
    let mut many: Vec<_> = (0..4)
        .map(|i| archives::Entry::file(&format!("many/f{i}"), b"x", 0o644))
        .collect();
    many.push(archives::Entry::file(
        "many/bin/tool",
        b"#!/bin/sh\n",
        0o755,
    ));
    pin_served(&server, &world, "/many.tgz", &archives::tar_gz(&many));
    install_refused(&world, &[("DEVENV_MAX_FILES", "3")], "more than 3 entries");
    world.run(&["install"]).ok();
}

#[test]
fn a_lock_cannot_set_loader_variables_or_invent_layouts() {
    let (_server, _good, _, world) = good_project("lock");
    let text = world.lockfile();
    let platform = common::platform();
    let table = format!("[tools.tool.artifacts.{platform}.env]");
    for (extra, reason) in [
        (
            format!("{table}\nLD_PRELOAD = \"{{root}}/evil.so\"\n"),
            "may not set the variable `LD_PRELOAD`",
        ),
        (
            format!("{table}\nTOOL_HOME = \"/etc\"\n"),
            "must name `{root}` or a directory inside it",
        ),
        (
            format!("{table}\nTOOL_HOME = \"{{root}}/../..\"\n"),
            "must name `{root}` or a directory inside it",
        ),
    ] {
        world.write("devenv.lock", format!("{text}\n{extra}"));
        world
            .run(&["install", "--frozen"])
            .fails(1)
            .stderr_has(reason);
    }
    let with_layout = text.replace(
        "format = \"tar.gz\"",
        "format = \"tar.gz\"\nlayout = \"anything\"",
    );
    world.write("devenv.lock", with_layout);
    world
        .run(&["install", "--frozen"])
        .fails(1)
        .stderr_has("is not a way devenv joins archives");
}

#[test]
fn oversized_files_beside_the_manifest_are_refused_with_a_setting_to_raise() {
    let world = World::new();
    world.manifest("[env]\ndotenv = [\".env\"]\n");
    // 1.2 MiB in values of 60 KiB (one variable may not pass 128 KiB).
    let text: String = (0..20)
        .map(|i| format!("BIG{i}={}\n", "x".repeat(60 << 10)))
        .collect();
    world.write(".env", text);
    world
        .run(&["exec", "--", "true"])
        .fails(1)
        .stderr_has("more than the 1.0 MiB devenv reads")
        .stderr_has("DEVENV_MAX_FILE_MB");
    let out = world.run_env(
        &["exec", "--", "printenv", "BIG19"],
        &[("DEVENV_MAX_FILE_MB", "3")],
    );
    assert_eq!(out.ok().stdout.len(), (60 << 10) + 1);
    world
        .run_env(&["exec", "--", "true"], &[("DEVENV_MAX_FILE_MB", "lots")])
        .fails(1)
        .stderr_has("DEVENV_MAX_FILE_MB is `lots`");
}
