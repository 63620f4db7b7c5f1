//! Monorepo workspaces (issue 26): a root `devenv.toml` with
//! `[workspace]`, members that add to or override it, one lock, one trust
//! decision, and a hook that moves between members changing only what
//! differs — in real bash, zsh, fish and elvish.

use crate::common;
use common::server::FixtureServer;
use common::shell::{Sandbox, Sh, Steady};
use common::{World, tool_tar_gz};
use std::path::Path;

/// A three-level workspace in `w.project`: the root (alpha 1.0.0, shared
/// variables, a task), `services/api` (alpha overridden to 1.1.0, gamma
/// added), `services/web` (the same gamma as api), `tools/cli` (empty), an
/// excluded `services/legacy` with a manifest of its own, and `docs/guide`,
/// a directory of no member.
fn workspace(server: &FixtureServer) -> World {
    for (name, version) in [("alpha", "1.0.0"), ("alpha", "1.1.0"), ("gamma", "3.0.0")] {
        server.add(
            &format!("/{name}-{version}.tar.gz"),
            tool_tar_gz(name, version),
        );
    }
    let w = World::new();
    let alpha = server.url("/alpha-{version}.tar.gz");
    let gamma = server.url("/gamma-{version}.tar.gz");
    w.manifest(&format!(
        "[workspace]\nmembers = [\"services/*\", \"tools/cli\"]\nexclude = [\"services/legacy\"]\n\n\
         [tools]\nalpha = {{ version = \"1.0.0\", url = \"{alpha}\" }}\n\n\
         [env]\nSHARED = \"root\"\nONLY_ROOT = \"r\"\n\n\
         [tasks]\nhello = \"echo root-hello\"\n"
    ));
    w.write(
        "services/api/devenv.toml",
        format!(
            "[tools]\nalpha = \"1.1.0\"\ngamma = {{ version = \"3.0.0\", url = \"{gamma}\" }}\n\n\
             [env]\nSHARED = \"api\"\nAPI_ONLY = \"1\"\n\n[tasks]\ntest = \"echo api-test\"\n"
        ),
    );
    w.write(
        "services/web/devenv.toml",
        format!(
            "[tools]\ngamma = {{ version = \"3.0.0\", url = \"{gamma}\" }}\n\n\
             [env]\nWEB = \"1\"\ndotenv = [\".env\"]\n\n[tasks]\ntest = \"echo web-test\"\n"
        ),
    );
    w.write("services/web/.env", "FROM_DOTENV=web\n");
    w.write("tools/cli/devenv.toml", "");
    w.write("services/legacy/devenv.toml", "[env]\nLEGACY = \"1\"\n");
    std::fs::create_dir_all(w.project.join("docs/guide")).unwrap();
    w
}

/// Runs devenv with `args` in `rel` under the workspace.
fn run_in(w: &World, rel: &str, args: &[&str]) -> common::Output {
    let mut cmd = w.cmd(args);
    cmd.current_dir(w.project.join(rel));
    w.run_cmd(cmd)
}

const PROBE: &str = "alpha; command -v gamma >/dev/null && gamma; echo \"SHARED=$SHARED API=$API_ONLY WEB=$WEB ROOT=$ONLY_ROOT LEGACY=$LEGACY\"";

#[test]
fn one_lock_pins_every_member_once_and_stays_byte_stable() {
    let server = FixtureServer::start();
    let w = workspace(&server);
    // From a member's directory, `lock` acts on the whole workspace.
    run_in(&w, "services/web", &["lock"])
        .ok()
        .stderr_has("wrote");
    let lock = w.lockfile();
    assert!(!common::exists(&w.project.join("services/web/devenv.lock")));
    assert!(lock.contains("[tools.alpha]"), "{lock}");
    assert!(
        lock.contains("[members.\"services/api\".alpha]"),
        "the override is pinned for its member: {lock}"
    );
    assert!(lock.contains("[members.\"services/api\".gamma]"), "{lock}");
    assert!(lock.contains("[members.\"services/web\".gamma]"), "{lock}");
    assert!(
        !lock.contains("[members.\"tools/cli\""),
        "a member that adds nothing has no section: {lock}"
    );
    assert!(!lock.contains("legacy"), "an excluded directory: {lock}");
    // gamma is asked by two members alike: resolved (downloaded to be
    // trusted on first use) once.
    assert_eq!(server.hits("/gamma-3.0.0.tar.gz"), 1);
    // The same bytes from anywhere, again, without the network.
    std::fs::remove_file(w.project.join("devenv.lock")).unwrap();
    run_in(&w, "docs/guide", &["lock"]).ok();
    assert_eq!(w.lockfile(), lock);
    server.stop();
    run_in(&w, "services/api", &["lock"]).ok();
    run_in(&w, ".", &["lock", "--frozen"]).ok();
    assert_eq!(w.lockfile(), lock);
}

#[test]
fn each_directory_gets_its_members_environment() {
    let server = FixtureServer::start();
    let w = workspace(&server);
    let probe = |rel: &str| {
        let out = run_in(&w, rel, &["exec", "--", "sh", "-c", PROBE]).ok();
        out.stdout
    };
    assert_eq!(
        probe("services/api"),
        "alpha 1.1.0 \ngamma 3.0.0 \nSHARED=api API=1 WEB= ROOT=r LEGACY=\n"
    );
    assert_eq!(
        probe("services/web"),
        "alpha 1.0.0 \ngamma 3.0.0 \nSHARED=root API= WEB=1 ROOT=r LEGACY=\n"
    );
    assert_eq!(
        probe("tools/cli"),
        "alpha 1.0.0 \nSHARED=root API= WEB= ROOT=r LEGACY=\n"
    );
    // A directory of the workspace that is no member: the root's environment.
    assert_eq!(
        probe("docs/guide"),
        "alpha 1.0.0 \nSHARED=root API= WEB= ROOT=r LEGACY=\n"
    );
    // An excluded directory with its own manifest is a project of its own.
    let legacy = run_in(
        &w,
        "services/legacy",
        &[
            "exec",
            "--",
            "sh",
            "-c",
            "echo \"SHARED=$SHARED LEGACY=$LEGACY\"",
        ],
    )
    .ok();
    assert_eq!(legacy.stdout, "SHARED= LEGACY=1\n");
    let out = run_in(
        &w,
        "services/web",
        &["exec", "--", "printenv", "FROM_DOTENV"],
    )
    .ok();
    assert_eq!(out.stdout, "web\n");
    // Tasks: the member's own, and the root's, which run at the root.
    run_in(&w, "services/api", &["run", "test"])
        .ok()
        .stdout_has("api-test");
    run_in(&w, "services/web", &["run", "test"])
        .ok()
        .stdout_has("web-test");
    run_in(&w, "services/api", &["run", "hello"])
        .ok()
        .stdout_has("root-hello");
}

#[test]
fn status_names_the_workspace_the_member_and_where_each_tool_comes_from() {
    let server = FixtureServer::start();
    let w = workspace(&server);
    let out = run_in(&w, "services/api", &["status"]).ok();
    let root = w.project.display().to_string();
    assert!(
        out.stdout
            .contains(&format!("workspace {root}, member services/api\n")),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("tool    alpha 1.1.0 from services/api (overrides the root's 1.0.0)"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("tool    gamma 3.0.0 from services/api\n"),
        "{}",
        out.stdout
    );
    let out = run_in(&w, "services/web", &["status"]).ok();
    assert!(
        out.stdout
            .contains("tool    alpha 1.0.0 from the workspace root\n"),
        "{}",
        out.stdout
    );
    let out = run_in(&w, "docs/guide", &["status"]).ok();
    assert!(
        out.stdout
            .contains(&format!("workspace {root} (the root's environment)\n")),
        "{}",
        out.stdout
    );
}

#[test]
fn p_narrows_to_one_member_and_an_unknown_member_is_named() {
    let server = FixtureServer::start();
    let w = workspace(&server);
    run_in(&w, "docs/guide", &["install", "-p", "services/web"]).ok();
    let names: Vec<String> = w
        .store_entries()
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().any(|n| n.ends_with("gamma-3.0.0")),
        "{names:?}"
    );
    assert!(
        names.iter().any(|n| n.ends_with("alpha-1.0.0")),
        "{names:?}"
    );
    assert!(
        !names.iter().any(|n| n.ends_with("alpha-1.1.0")),
        "api's override is not installed for web: {names:?}"
    );
    // Without -p: every member's tools.
    run_in(&w, "services/web", &["install"])
        .ok()
        .stderr_has("installed for the workspace");
    // gc keeps what any member pins: the workspace's lock is one root.
    run_in(&w, ".", &["gc"]).ok();
    let kept: Vec<String> = w
        .store_entries()
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    for tool in ["alpha-1.0.0", "alpha-1.1.0", "gamma-3.0.0"] {
        assert!(kept.iter().any(|n| n.ends_with(tool)), "{tool}: {kept:?}");
    }
    run_in(&w, ".", &["lock", "-p", "services/nope"])
        .fails(1)
        .stderr_has(
            "has no member `services/nope`; its members are: services/api, services/web, tools/cli",
        );
    run_in(&w, ".", &["lock", "-p", "services/legacy"])
        .fails(1)
        .stderr_has("has no member `services/legacy`");
}

/// The error's first line, `file:line:column: message`.
fn first_line(out: &common::Output) -> String {
    out.stderr
        .lines()
        .next()
        .unwrap_or_default()
        .trim_start_matches("devenv: error: ")
        .to_string()
}

#[test]
fn overrides_that_loosen_or_conflict_are_located_in_the_member() {
    let server = FixtureServer::start();
    let w = workspace(&server);
    let sha = "a".repeat(64);
    // The root pins a digest; a member that drops it is refused.
    w.write(
        "devenv.toml",
        format!(
            "[workspace]\nmembers = [\"services/*\"]\n\n[tools]\npinned = {{ version = \"1\", url = \"{}\", sha256 = \"{sha}\" }}\n",
            server.url("/p-{version}.tar.gz")
        ),
    );
    w.write(
        "services/api/devenv.toml",
        "[env]\nA = \"1\"\n\n[tools]\npinned = \"2\"\n",
    );
    // Run at the root, so both files are named relative to it.
    let out = run_in(&w, ".", &["lock"]).fails(1);
    assert_eq!(
        first_line(&out),
        "services/api/devenv.toml:5:10: `pinned` changes the version of a URL tool whose `sha256` the workspace root pins at devenv.toml:5:1",
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("5 | pinned = \"2\""), "{}", out.stderr);
    w.write(
        "services/api/devenv.toml",
        format!(
            "[tools]\npinned = {{ version = \"2\", url = \"{}\" }}\n",
            server.url("/p.tgz")
        ),
    );
    let out = run_in(&w, ".", &["install", "-p", "services/api"]).fails(1);
    assert!(
        first_line(&out).starts_with("services/api/devenv.toml:2:10: `pinned` drops the `sha256` the workspace root pins at devenv.toml:5:1"),
        "{}",
        out.stderr
    );
    // What the whole workspace shares belongs to the root.
    w.write(
        "services/api/devenv.toml",
        "[env]\nA = \"1\"\n\n[settings]\nplatforms = [\"linux-x86_64\"]\n",
    );
    let out = run_in(&w, ".", &["install", "-p", "services/api"]).fails(1);
    assert_eq!(
        first_line(&out),
        "services/api/devenv.toml:4:2: [settings] applies to the whole workspace, so a member cannot set it",
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("move it to devenv.toml, the workspace root")
    );
    // A member cannot open a workspace of its own.
    w.write(
        "services/api/devenv.toml",
        "[workspace]\nmembers = [\"x\"]\n",
    );
    let out = run_in(&w, ".", &["lock"]).fails(1);
    assert!(
        out.stderr
            .contains("services/api/devenv.toml:1:2: `services/api` is a member of the workspace"),
        "{}",
        out.stderr
    );
}

#[test]
fn members_entries_are_checked_where_they_stand() {
    let w = World::new();
    w.manifest("[workspace]\nmembers = [\"services/*\", \"tools/cli\"]\n");
    w.write("services/a/devenv.toml", "");
    // An explicit member without a manifest: located at its entry.
    let out = w.run(&["lock"]).fails(1);
    assert_eq!(
        first_line(&out),
        "devenv.toml:2:26: the workspace member `tools/cli` has no devenv.toml",
        "{}",
        out.stderr
    );
    w.manifest("[workspace]\nmembers = [\"../elsewhere\"]\n");
    let out = w.run(&["lock"]).fails(1);
    assert_eq!(
        first_line(&out),
        "devenv.toml:2:12: `../elsewhere` leaves the workspace",
        "{}",
        out.stderr
    );
    // A member that is a link out of the workspace would be trusted with
    // the root: refused.
    w.manifest("[workspace]\nmembers = [\"services/*\"]\n");
    let outside = w.root.join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("devenv.toml"), "[env]\nX = \"1\"\n").unwrap();
    std::os::unix::fs::symlink(&outside, w.project.join("services/evil")).unwrap();
    let out = w.run(&["allow"]).fails(1);
    assert!(
        out.stderr.contains("the workspace member `services/evil`")
            && out.stderr.contains("outside the workspace"),
        "{}",
        out.stderr
    );
    w.manifest("[workspace]\nmember = [\"a\"]\n");
    let out = w.run(&["lock"]).fails(1);
    assert!(
        out.stderr.contains("did you mean `members`?"),
        "{}",
        out.stderr
    );
}

#[test]
fn one_allow_covers_the_workspace_and_an_edit_anywhere_names_the_file() {
    let server = FixtureServer::start();
    let w = workspace(&server);
    let trust_of = |rel: &str| {
        let out = run_in(&w, rel, &["status"]).ok();
        out.stdout
            .lines()
            .find_map(|l| l.strip_prefix("trust     "))
            .unwrap_or_default()
            .to_string()
    };
    assert!(trust_of("services/api").starts_with("not allowed yet"));
    run_in(&w, "services/api", &["allow"])
        .ok()
        .stderr_has("services/web/devenv.toml and services/web/.env and tools/cli/devenv.toml");
    for rel in [
        "services/api",
        "services/web",
        "tools/cli",
        "docs/guide",
        ".",
    ] {
        assert_eq!(trust_of(rel), "allowed", "{rel}");
    }
    // A member's dotenv file changes: that member needs a new allow, and
    // the notice names the file; the others keep working.
    w.write("services/web/.env", "FROM_DOTENV=evil\n");
    assert_eq!(
        trust_of("services/web"),
        "services/web/.env changed since it was allowed — review it, then run `devenv allow`"
    );
    assert_eq!(trust_of("services/api"), "allowed");
    // The root's manifest applies to every member.
    let root = w.read("devenv.toml");
    w.write("devenv.toml", format!("{root}\n# reviewed\n"));
    assert!(trust_of("services/api").starts_with("devenv.toml changed"));
    run_in(&w, "services/web", &["allow"]).ok();
    assert_eq!(trust_of("services/api"), "allowed");
    // A directory the root does not list cannot pull the root's trust.
    assert!(trust_of("services/legacy").starts_with("not allowed yet"));
    // `deny` in a member denies the workspace it belongs to.
    run_in(&w, "tools/cli", &["deny"]).ok();
    assert_eq!(
        trust_of("services/api"),
        "denied — review it, then run `devenv allow`"
    );
}

/// The workspace of the shell tests: variables only, so every shell moves
/// between members without tools to install.
fn shell_workspace(sb: &Sandbox) -> std::path::PathBuf {
    let root = sb.project(
        "ws",
        "[workspace]\nmembers = [\"services/*\"]\nexclude = [\"services/legacy\"]\n\n\
         [env]\nSHARED = \"root\"\nONLY_ROOT = \"r\"\npath = [\"bin\"]\n",
    );
    sb.project(
        "ws/services/api",
        "[env]\nSHARED = \"api\"\nAPI_ONLY = \"1\"\n",
    );
    sb.project("ws/services/web", "[env]\nWEB = \"1\"\n");
    sb.project("ws/services/legacy", "[env]\nLEGACY = \"1\"\n");
    sb.dir("ws/docs/guide");
    sb.devenv(&root.join("services/api"), &["allow"]).ok();
    root
}

fn moves_between_members(sh: Sh) {
    if !sh.available() {
        return;
    }
    let sb = Sandbox::new();
    let root = shell_workspace(&sb);
    let q = |rel: &str| sb.q(&root.join(rel));
    let script = format!(
        "cd {guide}\nprompt\nshow SHARED\nshow API_ONLY\n\
         cd {api}\nprompt\nshow SHARED\nshow API_ONLY\nshow ONLY_ROOT\nsnap api\n\
         cd {web}\nprompt\nshow SHARED\nshow API_ONLY\nshow WEB\nsnap web\n\
         cd {legacy}\nprompt\nshow LEGACY\nshow SHARED\n\
         cd {out}\nprompt\nshow SHARED\n",
        guide = q("docs/guide"),
        api = q("services/api"),
        web = q("services/web"),
        legacy = q("services/legacy"),
        out = sb.q(&sb.root.join("outside")),
    );
    let run = sb.run(sh, &script);
    assert_eq!(
        run.ok(),
        "SHARED=[root]\nAPI_ONLY unset\n\
         SHARED=[api]\nAPI_ONLY=[1]\nONLY_ROOT=[r]\n\
         SHARED=[root]\nAPI_ONLY unset\nWEB=[1]\n\
         LEGACY unset\nSHARED unset\n\
         SHARED unset\n",
        "{}",
        run.stderr
    );
    let messages: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(
        messages,
        vec![
            "devenv: loaded ws +PATH +SHARED +ONLY_ROOT",
            "devenv: moved to api +API_ONLY ~SHARED",
            "devenv: moved to web ~SHARED +WEB -API_ONLY",
            "devenv: legacy/devenv.toml is not allowed yet — review it, then run `devenv allow`",
            "devenv: unloaded web",
        ],
        "{}",
        run.stderr
    );
    // Moving between members changed only what differs: PATH and the
    // shared variable's neighbours stayed as they were.
    let (api, web) = (sb.snapshot("api"), sb.snapshot("web"));
    assert_eq!(api.get("PATH"), web.get("PATH"));
    let changed: Vec<&String> = api
        .keys()
        .chain(web.keys())
        .filter(|k| !k.starts_with("__DEVENV_") && !k.starts_with("DEVENV_"))
        .filter(|k| api.get(*k) != web.get(*k))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(changed, vec!["API_ONLY", "SHARED", "WEB"]);
    // One hook-env per place entered, none at the prompts in between.
    if sh.steady == Steady::NoProcess {
        assert_eq!(sb.calls().len(), 5, "{:?}", sb.calls());
    }
}

#[test]
fn bash_moves_between_members() {
    moves_between_members(Sh::BASH);
}

#[test]
fn zsh_moves_between_members() {
    moves_between_members(Sh::ZSH);
}

#[test]
fn fish_moves_between_members() {
    moves_between_members(Sh::FISH);
}

#[test]
fn elvish_moves_between_members() {
    moves_between_members(Sh::ELVISH);
}

/// A workspace of tasks only: `lib` builds, `api` and `web` test (web's
/// test fails), `api`'s test depends on `lib`'s build.
fn task_workspace() -> World {
    let w = World::new();
    w.manifest("[workspace]\nmembers = [\"lib\", \"services/*\"]\n\n[env]\nSHARED = \"root\"\n");
    w.write(
        "lib/devenv.toml",
        "[env]\nWHO = \"lib\"\n\n[tasks]\nbuild = \"sh -c 'echo built $WHO > ../built.txt; echo building'\"\n",
    );
    w.write(
        "services/api/devenv.toml",
        "[env]\nWHO = \"api\"\n\n[tasks]\ntest = { run = \"sh -c 'cat ../../built.txt; echo tested $WHO $SHARED'\", depends = [\"../../lib:build\"] }\n",
    );
    w.write(
        "services/web/devenv.toml",
        "[env]\nWHO = \"web\"\n\n[tasks]\ntest = \"sh -c 'echo web fails >&2; exit 3'\"\n",
    );
    w
}

#[test]
fn a_task_runs_another_members_task_first_in_that_members_environment() {
    let w = task_workspace();
    let out = run_in(&w, "services/api", &["run", "test"]).ok();
    assert_eq!(
        out.stdout, "[../../lib:build] building\nbuilt lib\ntested api root\n",
        "{}",
        out.stderr
    );
}

#[test]
fn run_w_runs_the_task_in_every_member_that_has_it_and_reports_failures() {
    let w = task_workspace();
    let out = run_in(&w, "lib", &["run", "-w", "test"]).fails(3);
    let mut lines: Vec<&str> = out.stdout.lines().collect();
    lines.sort();
    assert_eq!(
        lines,
        vec![
            "[services/api] [../../lib:build] building",
            "[services/api] built lib",
            "[services/api] tested api root",
        ],
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("[services/web] web fails\n"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("`test` failed in 1 of 2 members: services/web (exit 3)"),
        "{}",
        out.stderr
    );
    // Every member passing: exit 0.
    w.write(
        "services/web/devenv.toml",
        "[tasks]\ntest = \"echo web ok\"\n",
    );
    run_in(&w, ".", &["run", "-w", "test"])
        .ok()
        .stdout_has("[services/web] web ok")
        .stderr_has("`test` passed in 2 members");
    run_in(&w, ".", &["run", "-w", "deploy"])
        .fails(1)
        .stderr_has("no member of the workspace at");
}

#[test]
fn a_cycle_across_members_is_refused_and_a_non_member_is_named() {
    let w = task_workspace();
    w.write(
        "lib/devenv.toml",
        "[tasks]\nbuild = { run = \"echo lib\", depends = [\"../services/api:test\"] }\n",
    );
    let out = run_in(&w, "services/api", &["run", "test"]).fails(1);
    assert!(
        out.stderr
            .contains("tasks of the workspace's members depend on each other in a cycle"),
        "{}",
        out.stderr
    );
    w.write(
        "services/api/devenv.toml",
        "[tasks]\ntest = { run = \"true\", depends = [\"../../elsewhere:build\"] }\n",
    );
    std::fs::create_dir_all(w.project.join("elsewhere")).unwrap();
    w.write("elsewhere/devenv.toml", "[tasks]\nbuild = \"true\"\n");
    run_in(&w, "services/api", &["run", "test"])
        .fails(1)
        .stderr_has("is not a member of the workspace at");
    w.write(
        "services/api/devenv.toml",
        "[tasks]\ntest = { run = \"true\", depends = [\"../lib/\"] }\n",
    );
    let out = run_in(&w, "services/api", &["run", "test"]).fails(1);
    assert!(
        first_line(&out).starts_with("devenv.toml:2:35: `../lib/` is not a task of another member"),
        "{}",
        out.stderr
    );
}

#[test]
fn the_example_monorepo_lock_matches_its_manifests() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/monorepo");
    let w = World::new();
    for dir in ["services/api", "docs"] {
        let mut cmd = w.cmd(&["--offline", "lock", "--frozen"]);
        cmd.current_dir(example.join(dir));
        w.run_cmd(cmd).ok();
    }
}

#[test]
fn update_from_any_directory_moves_every_members_pins() {
    let s = FixtureServer::start();
    let v = |ver: &str| common::npm_tarball("fmt", ver);
    let bin = r#""bin": {"fmt": "./bin/fmt"},"#;
    common::publish_npm(&s, "fmt", &[("1.0.0", &v("1.0.0"))], bin);
    let w = World::new().with_env("DEVENV_NPM_REGISTRY", &s.base());
    w.manifest("[workspace]\nmembers = [\"services/*\"]\n\n[tools]\n\"npm:fmt\" = \"^1\"\n");
    w.write(
        "services/api/devenv.toml",
        "[tools]\n\"npm:fmt\" = \"~1.0\"\n",
    );
    w.write("services/web/devenv.toml", "");
    std::fs::create_dir_all(w.project.join("docs")).unwrap();
    run_in(&w, "docs", &["lock"]).ok();
    common::publish_npm(
        &s,
        "fmt",
        &[
            ("1.0.0", &v("1.0.0")),
            ("1.0.5", &v("1.0.5")),
            ("1.1.0", &v("1.1.0")),
        ],
        bin,
    );
    let out = run_in(&w, "docs", &["update"]).ok();
    assert!(
        out.stderr.contains("npm:fmt: 1.0.0 → 1.1.0"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("services/api:npm:fmt: 1.0.0 → 1.0.5"),
        "{}",
        out.stderr
    );
    let lock = w.lockfile();
    assert!(lock.contains("version = \"1.1.0\""), "{lock}");
    assert!(lock.contains("version = \"1.0.5\""), "{lock}");
    // web uses the root's pin: what it runs moved with it.
    let out = run_in(&w, "services/web", &["list"]).ok();
    assert!(out.stdout.contains("1.1.0"), "{}", out.stdout);
}

/// A project inside another project's directory is no workspace member
/// unless that manifest declares `[workspace]`: the outer manifest, even a
/// broken one that never mentions `workspace`, is neither parsed nor
/// allowed to fail the project below it.
#[test]
fn an_unrelated_outer_manifest_never_fails_the_project_inside() {
    let w = World::new();
    w.manifest("[tools\nthis is not toml\n");
    w.write("inner/devenv.toml", "[env]\nINNER = \"yes\"\n");
    let out = run_in(
        &w,
        "inner",
        &["exec", "--", "sh", "-c", "echo INNER=$INNER"],
    )
    .ok();
    assert_eq!(out.stdout, "INNER=yes\n");
    // An outer manifest that does declare a workspace and is broken is
    // still reported, with its place.
    w.manifest("[workspace]\nmembers = [\"inner\"\n");
    let out = run_in(&w, "inner", &["exec", "--", "true"]).fails(1);
    out.stderr_has("devenv.toml:2:");
}
