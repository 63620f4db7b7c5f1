//! One configuration: flags and `DEVENV_*` variables are resolved once,
//! when the command starts, and a malformed value fails it clearly.

use crate::common;
use common::World;

#[test]
fn malformed_settings_fail_every_command_naming_the_variable() {
    let w = World::new();
    w.manifest("[env]\nA = \"1\"\n");
    for (var, value, says) in [
        (
            "DEVENV_OFFLINE",
            "maybe",
            "DEVENV_OFFLINE is `maybe`, but it must be 1, true, yes or on (or 0, false, no, off, or empty)",
        ),
        ("DEVENV_FROZEN", "2", "DEVENV_FROZEN is `2`"),
        (
            "DEVENV_PLATFORM",
            "windows-x86",
            "DEVENV_PLATFORM is `windows-x86`, which is not a platform",
        ),
        (
            "DEVENV_HTTP_TIMEOUT",
            "soon",
            "DEVENV_HTTP_TIMEOUT is `soon`, but it must be a whole number of seconds",
        ),
        ("DEVENV_MAX_FILES", "0", "DEVENV_MAX_FILES is `0`"),
        (
            "DEVENV_JOBS",
            "0",
            "DEVENV_JOBS is `0`, but it must be at least 1",
        ),
        (
            "DEVENV_JOBS",
            "many",
            "DEVENV_JOBS is `many`, but it must be a whole number of parallel jobs",
        ),
    ] {
        for args in [&["exec", "--", "true"][..], &["status"]] {
            w.run_env(args, &[(var, value)]).fails(1).stderr_has(says);
        }
    }
}

#[test]
fn offline_from_the_flag_or_the_environment_reaches_the_commands_exec_runs() {
    let w = World::new();
    w.manifest("[env]\nA = \"1\"\n");
    let show = ["exec", "--", "sh", "-c", "echo offline=${DEVENV_OFFLINE:-}"];
    let mut flag = vec!["--offline"];
    flag.extend_from_slice(&show);
    w.run(&flag).ok().stdout_has("offline=1");
    w.run_env(&show, &[("DEVENV_OFFLINE", "on")])
        .ok()
        .stdout_has("offline=1");
    // Off is off, however it is written.
    w.run_env(&show, &[("DEVENV_OFFLINE", "off")])
        .ok()
        .stdout_has("offline=off");
}
