//! `devenv run`: tasks of `[tasks]` run in the project's environment, in
//! dependency order, directly or through `sh`, skipped when up to date.

use crate::common;
use common::World;

/// A world whose `scripts/` (on PATH through `[env] path`) holds
/// `parent`, printing the name of the process that started it, and
/// `args`, printing each argument in angle brackets.
fn world(tasks: &str) -> World {
    let w = World::new();
    w.write(
        "scripts/parent",
        "#!/bin/sh\nprintf 'parent=%s\\n' \"$(cat /proc/$PPID/comm)\"\n",
    );
    w.write("scripts/args", "#!/bin/sh\nprintf '<%s>' \"$@\"; echo\n");
    for s in ["scripts/parent", "scripts/args"] {
        use std::os::unix::fs::PermissionsExt;
        let p = w.project.join(s);
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    w.manifest(&format!(
        "[env]\npath = [\"scripts\"]\nGREETING = \"hello\"\n\n[tasks]\n{tasks}"
    ));
    w
}

#[test]
fn a_plain_command_runs_directly_with_its_arguments_as_written() {
    let w = world("who = \"parent\"\nshow = \"args 'a  b' \\\"c d\\\" e\\\\ f\"\n");
    w.run(&["run", "who"]).ok().stdout_has("parent=devenv");
    let out = w.run(&["run", "show"]).ok();
    assert_eq!(out.stdout, "<a  b><c d><e f>\n");
}

#[test]
fn a_command_with_shell_syntax_runs_through_sh_in_the_environment() {
    let w = world("who = \"parent; true\"\nshout = \"echo $GREETING | tr a-z A-Z\"\n");
    w.run(&["run", "who"]).ok().stdout_has("parent=sh");
    let out = w.run(&["run", "shout"]).ok();
    assert_eq!(out.stdout, "HELLO\n");
}

#[test]
fn a_task_shell_runs_every_command() {
    let w = world("who = { run = \"parent\", shell = \"bash --norc\" }\n");
    // bash may exec a single command itself; either way no `sh` is involved
    // and the command found the environment's PATH.
    let out = w.run(&["run", "who"]).ok();
    assert!(
        out.stdout == "parent=bash\n" || out.stdout == "parent=devenv\n",
        "{}",
        out.stdout
    );
}

#[test]
fn arguments_after_the_separator_reach_the_last_command_whole() {
    let w =
        world("direct = \"args x\"\nlast = { run = [\"false || true\", \"true && args x\"] }\n");
    let out = w.run(&["run", "direct", "--", "a b", "$HOME", "*"]).ok();
    assert_eq!(out.stdout, "<x><a b><$HOME><*>\n");
    // Through `sh`: appended as "$@", never re-split or expanded; only
    // the last command of the list gets them.
    let out = w.run(&["run", "last", "--", "a b", "$HOME", "*"]).ok();
    assert_eq!(out.stdout, "<x><a b><$HOME><*>\n");
}

#[test]
fn dependencies_run_first_once_each_with_prefixed_output() {
    let w = world(
        "d = \"sh -c 'echo d >> log'\"\n\
         b = { run = \"echo from-b\", depends = [\"d\"] }\n\
         c = { run = \"echo from-c\", depends = [\"d\"] }\n\
         a = { run = \"cat log\", depends = [\"b\", \"c\"] }\n",
    );
    let out = w.run(&["run", "a"]).ok();
    assert_eq!(w.read("log"), "d\n", "d ran once");
    assert!(out.stdout.contains("[b] from-b\n"), "{}", out.stdout);
    assert!(out.stdout.contains("[c] from-c\n"), "{}", out.stdout);
    assert!(out.stdout.ends_with("[a] d\n"), "{}", out.stdout);
}

#[test]
fn independent_tasks_run_at_the_same_time() {
    // Each waits (bounded) for the other to have started: both succeed
    // only if they run in parallel.
    let wait = |me: &str, other: &str| {
        format!(
            "touch {me}.started; i=0; while [ ! -e {other}.started ] && [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done; test -e {other}.started"
        )
    };
    let w = world(&format!(
        "x = '{}'\ny = '{}'\nboth = {{ depends = [\"x\", \"y\"] }}\n",
        wait("x", "y"),
        wait("y", "x")
    ));
    w.run(&["run", "--jobs", "2", "both"]).ok();
}

#[test]
fn the_first_failure_stops_what_has_not_started_with_its_exit_code() {
    let w = world(
        "bad = \"sh -c 'exit 7'\"\n\
         later = \"touch later-ran\"\n\
         all = { run = \"touch all-ran\", depends = [\"bad\", \"later\"] }\n",
    );
    w.run(&["run", "--jobs", "1", "all"])
        .fails(7)
        .stderr_has("task `bad` failed: `sh -c 'exit 7'` exited with status 7");
    assert!(!w.project.join("later-ran").exists());
    assert!(!w.project.join("all-ran").exists());
}

#[test]
fn a_missing_command_exits_127() {
    let w = world("t = \"no-such-command-here\"\n");
    w.run(&["run", "t"]).fails(127).stderr_has(
        "could not run `no-such-command-here`: no such command in the environment's PATH",
    );
}

#[test]
fn a_cycle_is_a_located_manifest_error() {
    let w = world(
        "a = { run = \"true\", depends = [\"b\"] }\nb = { run = \"true\", depends = [\"a\"] }\n",
    );
    w.run(&["run", "a"])
        .fails(1)
        .stderr_has("devenv.toml:7:32: tasks depend on each other in a cycle: a → b → a");
}

#[test]
fn an_unknown_dependency_is_located_with_a_suggestion() {
    let w = world("format = \"true\"\nt = { run = \"true\", depends = [\"fromat\"] }\n");
    w.run(&["run", "t"])
        .fails(1)
        .stderr_has("devenv.toml:7:32: task `t` depends on `fromat`, which is not a task")
        .stderr_has("did you mean `format`?");
}

#[test]
fn an_unknown_task_name_suggests_the_nearest() {
    let w = world("test = \"true\"\n");
    w.run(&["run", "tset"])
        .fails(1)
        .stderr_has("there is no task `tset`: did you mean `test`?");
}

#[test]
fn sources_and_outputs_skip_a_task_until_something_changes() {
    let w = world(
        "build = { run = \"sh -c 'cat src/a.txt > out.txt; echo run >> runs.log'\", sources = [\"src/**\"], outputs = [\"out.txt\"] }\n",
    );
    w.write("src/a.txt", "one");
    let runs = |w: &World| w.read("runs.log").lines().count();
    w.run(&["run", "build"]).ok();
    w.run(&["run", "build"])
        .ok()
        .stderr_has("task `build` is up to date");
    assert_eq!(runs(&w), 1);

    w.write("src/a.txt", "two");
    w.run(&["run", "build"]).ok();
    assert_eq!(w.read("out.txt"), "two");
    assert_eq!(runs(&w), 2);

    w.run(&["run", "build", "--force"]).ok();
    assert_eq!(runs(&w), 3);

    std::fs::remove_file(w.project.join("out.txt")).unwrap();
    w.run(&["run", "build"]).ok();
    assert_eq!(runs(&w), 4);

    // The environment is part of the fingerprint.
    let m = w.read("devenv.toml").replace("\"hello\"", "\"bye\"");
    w.manifest(&m);
    w.run(&["run", "build"]).ok();
    assert_eq!(runs(&w), 5);

    // Recorded under DEVENV_HOME, not in the project.
    let recorded = std::fs::read_dir(w.home.join("projects"))
        .unwrap()
        .flatten()
        .any(|p| p.path().join("tasks/build").is_file());
    assert!(recorded, "no fingerprint under DEVENV_HOME");
}

#[test]
fn a_failed_run_is_not_recorded_as_up_to_date() {
    let w = world(
        "build = { run = \"sh -c 'echo run >> runs.log; test -e ok'\", sources = [\"src/**\"] }\n",
    );
    w.write("src/a.txt", "one");
    w.run(&["run", "build"]).fails(1);
    w.write("ok", "");
    w.run(&["run", "build"]).ok();
    assert_eq!(w.read("runs.log").lines().count(), 2);
}

#[test]
fn without_a_name_the_tasks_are_listed_also_as_json() {
    let w = world(
        "fmt = \"cargo fmt --all\"\ntest = { run = \"cargo test\", depends = [\"fmt\"], description = \"the whole suite\" }\n",
    );
    let out = w.run(&["run"]).ok();
    assert_eq!(out.stdout, "fmt   cargo fmt --all\ntest  the whole suite\n");
    let json: serde_json::Value =
        serde_json::from_str(&w.run(&["run", "--json"]).ok().stdout).unwrap();
    assert_eq!(json[1]["name"], "test");
    assert_eq!(json[1]["description"], "the whole suite");
    assert_eq!(json[1]["depends"][0], "fmt");
    assert_eq!(json[0]["run"][0], "cargo fmt --all");
}

#[test]
fn dir_runs_the_task_in_a_project_subdirectory() {
    let w = world("where = { run = \"pwd\", dir = \"web\" }\n");
    std::fs::create_dir_all(w.project.join("web")).unwrap();
    let out = w.run(&["run", "where"]).ok();
    assert_eq!(
        out.stdout.trim(),
        w.project.join("web").display().to_string()
    );
}

#[test]
fn the_shell_hook_never_runs_a_task() {
    let w = world("t = \"touch task-ran\"\n");
    w.run(&["allow"]).ok();
    w.run(&["hook-env", "--shell", "bash"]).ok();
    w.run(&["env"]).ok();
    assert!(!w.project.join("task-ran").exists());
}

#[test]
fn a_misspelt_task_key_is_located_with_a_suggestion() {
    let w = world("t = { run = \"true\", depnds = [\"x\"] }\n");
    w.run(&["run", "t"])
        .fails(1)
        .stderr_has("devenv.toml:6:21: unknown key `depnds` in task `t`")
        .stderr_has("did you mean `depends`?");
}

#[test]
fn task_env_is_added_and_interpolated_like_env() {
    let w = world(
        "greet = { run = \"sh -c 'echo $WHO:$GREETING'\", env = { WHO = \"${GREETING}-world\" } }\n\
         broken = { run = \"true\", env = { X = \"${NOPE_NOT_SET}\" } }\n",
    );
    let out = w.run(&["run", "greet"]).ok();
    assert_eq!(out.stdout, "hello-world:hello\n");
    w.run(&["run", "broken"])
        .fails(1)
        .stderr_has("devenv.toml:7:39: `${NOPE_NOT_SET}` is not set");
}

#[test]
fn arguments_reach_a_fish_task_whole_too() {
    let w = world("f = { run = \"args x\", shell = \"fish --no-config\" }\n");
    let out = w.run(&["run", "f", "--", "a b", "$HOME"]).ok();
    assert_eq!(out.stdout, "<x><a b><$HOME>\n");
}
