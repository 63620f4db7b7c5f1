//! The shell hook in real bash.

use crate::common;
use common::{hook_cases, shell};

use shell::Sh;

const SH: Sh = Sh::BASH;

// The behaviour every shell must show (tests/common/hook_cases.rs).
common::hook_cases::for_shell!(SH);

#[test]
fn passes_shellcheck() {
    let sb = shell::Sandbox::new();
    let out = std::process::Command::new("shellcheck")
        .args(["--enable=all", "--shell=bash", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn();
    let Ok(mut child) = out else {
        return common::missing("shellcheck", "the bash hook's lint");
    };
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(sb.hook(SH).as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn works_under_set_u() {
    let (sb, qa) = hook_cases::one_project();
    let script = format!(
        "set -u\n{}\ncd {qa}\nprompt\nshow A1\ncd ..\nprompt\nshow A1\n",
        sb.hook(SH)
    );
    let helpers = sb.script(SH, "");
    let run = sb.run_raw(SH, &format!("{helpers}{script}"), &[]);
    assert_eq!(run.ok(), "A1=[one]\nA1 unset\n", "{}", run.stderr);
}

#[test]
fn keeps_a_prompt_command_string_and_the_exit_status() {
    let (sb, qa) = hook_cases::one_project();
    let script = format!(
        "PROMPT_COMMAND='echo \"user: $?\"'\n{hook}\n{hook}\nprintf '%s\\n' \"$PROMPT_COMMAND\"\n\
         cd {qa}\nfalse || prompt\nshow A1\n",
        hook = sb.hook(SH),
    );
    let run = sb.run_raw(SH, &sb.script(SH, &script), &[]);
    // The helper's `prompt` runs the whole PROMPT_COMMAND: ours first, then
    // the user's, which still sees the status of the last command.
    assert_eq!(
        run.ok(),
        "__devenv_hook;echo \"user: $?\"\nuser: 1\nA1=[one]\n",
        "{}",
        run.stderr
    );
}

#[test]
fn keeps_a_prompt_command_array() {
    let (sb, qa) = hook_cases::one_project();
    let script = format!(
        "PROMPT_COMMAND=('echo one' 'echo two')\n{hook}\n{hook}\n\
         printf '[%s]' \"${{PROMPT_COMMAND[@]}}\"; echo\ncd {qa}\nprompt\nshow A1\n",
        hook = sb.hook(SH),
    );
    let run = sb.run_raw(SH, &sb.script(SH, &script), &[]);
    assert_eq!(
        run.ok(),
        "[__devenv_hook][echo one][echo two]\none\ntwo\nA1=[one]\n",
        "{}",
        run.stderr
    );
}

#[test]
fn appends_itself_to_an_unset_prompt_command() {
    let sb = shell::Sandbox::new();
    let run = sb.run(SH, "printf '%s\\n' \"$PROMPT_COMMAND\"");
    assert_eq!(run.ok(), "__devenv_hook\n");
}

#[test]
fn real_interactive_prompts_keep_the_users_prompt_command() {
    let (sb, qa) = hook_cases::one_project();
    for user in [
        "PROMPT_COMMAND='echo \"user $?\"'",
        "PROMPT_COMMAND=('echo \"user $?\"')",
    ] {
        // The hook goes after the user's PROMPT_COMMAND, as in a real ~/.bashrc.
        let body = format!(
            "{user}\n{hook}\ncd {qa}\necho \"A1=$A1\"\nfalse\ncd ..\necho \"A1=${{A1-unset}}\"\n",
            hook = sb.hook(SH)
        );
        let run = sb.run_interactive(SH, &body);
        let out: Vec<&str> = run
            .stdout
            .lines()
            .filter(|l| !l.starts_with("user 0"))
            .collect();
        assert_eq!(
            out,
            ["A1=one", "user 1", "A1=unset"],
            "{user}\n{}",
            run.stderr
        );
        assert!(
            run.stderr.contains("devenv: loaded a +PATH +A1"),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn a_megabyte_of_variables_enters_and_leaves() {
    hook_cases::large_environment(SH);
}

/// Issue 14: `cd -P .` from a symlinked path to the same project neither
/// unloads nor reloads it.
#[test]
fn cd_physical_through_a_link_keeps_the_project() {
    let (sb, _) = hook_cases::one_project();
    std::os::unix::fs::symlink(sb.root.join("a"), sb.root.join("link")).unwrap();
    let script = format!(
        "cd {}\nprompt\ncd -P .\nprompt\nshow DEVENV_ROOT\nprintf '%s\\n' \"$PWD\"\n",
        sb.q(&sb.root.join("link"))
    );
    let run = sb.run(SH, &script);
    let real = sb.root.join("a");
    assert_eq!(
        run.ok(),
        format!("DEVENV_ROOT=[{0}]\n{0}\n", real.display()),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr, "devenv: loaded a +PATH +A1\n");
}

#[test]
fn path_helper_reorder_is_repaired_at_next_prompt() {
    if SH.available() {
        hook_cases::path_helper_reorder_is_repaired_at_next_prompt(SH);
    }
}

/// Issue 24: right after the user's own `devenv init`, the hook says the
/// manifest is new and gives the one command to load it; a manifest
/// someone else wrote (a clone) still asks for a review first, and so does
/// an edit made after `init`.
#[test]
fn after_init_the_notice_says_the_manifest_is_new_and_how_to_allow_it() {
    let sb = shell::Sandbox::new();
    let mine = sb.dir("mine");
    std::fs::write(mine.join(".nvmrc"), "20\n").unwrap();
    sb.devenv(&mine, &["init"]).ok();
    let theirs = sb.project("theirs", "[env]\nA = \"1\"\n");
    let script = format!("cd {}\nprompt\ncd {}\nprompt\n", sb.q(&mine), sb.q(&theirs));
    let run = sb.run(SH, &script);
    assert_eq!(
        run.stderr,
        "devenv: mine/devenv.toml is new, written by `devenv init` — run `devenv allow` to load it\n\
         devenv: theirs/devenv.toml is not allowed yet — review it, then run `devenv allow`\n"
    );

    // Allowed, then replaced by a new `init --force`: new again, not
    // "changed since it was allowed".
    sb.devenv(&mine, &["allow"]).ok();
    std::fs::write(mine.join(".nvmrc"), "22\n").unwrap();
    sb.devenv(&mine, &["init", "--force"]).ok();
    let run = sb.run(SH, &format!("cd {}\nprompt\n", sb.q(&mine)));
    assert_eq!(
        run.stderr,
        "devenv: mine/devenv.toml is new, written by `devenv init` — run `devenv allow` to load it\n"
    );

    // Once edited by hand, it is an edit like any other.
    let text = std::fs::read_to_string(mine.join("devenv.toml")).unwrap();
    std::fs::write(
        mine.join("devenv.toml"),
        format!("{text}\n[env]\nX = \"1\"\n"),
    )
    .unwrap();
    let run = sb.run(SH, &format!("cd {}\nprompt\n", sb.q(&mine)));
    assert_eq!(
        run.stderr,
        "devenv: devenv.toml changed since mine/devenv.toml was allowed — review the change, then run `devenv allow`\n"
    );
    sb.devenv(&mine, &["allow"]).ok();
    let run = sb.run(SH, &format!("cd {}\nprompt\nshow X\n", sb.q(&mine)));
    assert_eq!(run.ok(), "X=[1]\n", "{}", run.stderr);
}
