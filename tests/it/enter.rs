//! `devenv enter`: a shell in the project's environment, with the hook state
//! set so the user's own hook does not load the project again.

use crate::common;
use common::{hook_cases, shell};

use shell::{Sandbox, Sh, Steady};

#[test]
fn starts_shell_in_the_environment_without_a_second_load() {
    for sh in shell::ALL {
        if !sh.available() {
            continue;
        }
        let sb = Sandbox::new();
        let a = sb.project("a", &hook_cases::manifest(&[("A1", "it's $x")]));
        sb.dir("a/sub");
        // The entered shell loads the hook as a user's rc file would.
        let body = "prompt\nshow A1\nshow DEVENV_ACTIVE\ncd sub\nprompt\nshow A1\n";
        let script = sb.script(sh, body);
        let shell_path = sh.enter_program(&sb.root);
        let shell_path = shell_path.to_str().unwrap();
        // `$SHELL` for bash, zsh and fish; `--shell` (which wins over a
        // useless `$SHELL`) for the others.
        let run = if ["bash", "zsh", "fish"].contains(&sh.name()) {
            sb.devenv_io(&a, &["enter"], &[("SHELL", shell_path)], &script)
        } else {
            let args = ["enter", "--shell", shell_path];
            sb.devenv_io(&a, &args, &[("SHELL", "/bin/false")], &script)
        };
        // fish reading commands from a pipe still toggles bracketed paste.
        let out = run
            .ok()
            .replace("\u{1b}[?2004h", "")
            .replace("\u{1b}[?2004l", "");
        assert_eq!(
            out, "A1=[it's $x]\nDEVENV_ACTIVE=[1]\nA1=[it's $x]\n",
            "{sh:?}: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains("devenv: loaded a +PATH +A1"),
            "{}",
            run.stderr
        );
        if sh.steady == Steady::NoProcess {
            assert_eq!(
                sb.calls(),
                Vec::<String>::new(),
                "{sh:?}: the hook had nothing to do"
            );
        }
        assert_eq!(run.count_stderr("loaded a"), 1, "{sh:?}: loaded once");
    }
}

#[test]
fn shell_flag_overrides_shell_and_leaving_unloads() {
    let sb = Sandbox::new();
    let a = sb.project("a", &hook_cases::manifest(&[("A1", "one")]));
    let body = format!(
        "show A1\ncd {}\nprompt\nshow A1\n",
        sb.q(&sb.root.join("outside"))
    );
    let script = sb.script(Sh::ZSH, &body);
    let run = sb.devenv_io(
        &a,
        &["enter", "--shell", "zsh"],
        &[("SHELL", "/bin/false")],
        &script,
    );
    assert_eq!(run.ok(), "A1=[one]\nA1 unset\n", "{}", run.stderr);
}

#[test]
fn enter_with_a_command_is_exec() {
    let sb = Sandbox::new();
    let a = sb.project("a", &hook_cases::manifest(&[("A1", "one")]));
    let run = sb.devenv(&a, &["enter", "--", "printenv", "A1"]);
    assert_eq!(run.ok(), "one\n");
    let run = sb.devenv(&a, &["enter", "--", "sh", "-c", "exit 7"]);
    assert!(!run.success);
}

#[test]
fn enter_from_another_active_project_switches_cleanly() {
    let sb = Sandbox::new();
    let a = sb.allowed_project(
        "a",
        &hook_cases::manifest(&[("A1", "one"), ("SHARED", "a")]),
    );
    let b = sb.project("b", &hook_cases::manifest(&[("SHARED", "b")]));
    // A shell with A active runs `devenv enter` in B (the wrapper logs it).
    let body = format!(
        "cd {a}\nprompt\ncd {b}\nprintf 'show A1\\nshow SHARED\\n' | \"$DEVENV_REAL\" enter --shell sh 2>/dev/null\n",
        a = sb.q(&a),
        b = sb.q(&b),
    );
    // `sh` has no `show`; print with printenv instead.
    let body = body.replace(
        "show A1\\nshow SHARED\\n",
        "printenv A1 || echo A1 unset; printenv SHARED\\n",
    );
    let run = sb.run(Sh::BASH, &body);
    assert_eq!(run.ok(), "A1 unset\nb\n", "{}", run.stderr);
}

#[test]
fn a_shell_given_with_options_is_split_into_words() {
    let sb = Sandbox::new();
    let a = sb.project("a", &hook_cases::manifest(&[("A1", "one")]));
    let script = "printenv A1\necho \"$0\"\n";
    let run = sb.devenv_io(&a, &["enter", "--shell", "bash --norc"], &[], script);
    assert_eq!(run.ok(), "one\nbash\n", "{}", run.stderr);
    let run = sb.devenv_io(&a, &["enter"], &[("SHELL", "/bin/bash --norc")], script);
    assert_eq!(run.ok(), "one\n/bin/bash\n", "{}", run.stderr);
}

/// Issue 14: `devenv enter` in a project with about 1 MB of variables
/// starts the shell, and every command in it (devenv included) runs.
#[test]
fn a_megabyte_of_variables_enters() {
    let sb = Sandbox::new();
    let a = hook_cases::large_project(&sb);
    let script = "printf '%s\\n' \"$SHORT_999\"\nprintf '%s' \"$BIG_7\" | wc -c\n\
                  \"$DEVENV_REAL\" status | grep '^active'\nprintf '%s' \"$__DEVENV_STATE\" | wc -c\n";
    let run = sb.devenv_io(&a, &["enter", "--shell", "sh"], &[], script);
    let out: Vec<&str> = run.ok().lines().map(str::trim).collect();
    assert_eq!(out.len(), 4, "{out:?}\n{}", run.stderr);
    assert_eq!(out[..2], ["value number 999", "120000"], "{}", run.stderr);
    assert!(out[2].starts_with("active    a ("), "{out:?}");
    let state: usize = out[3].parse().unwrap();
    assert!(state < 16 << 10, "__DEVENV_STATE is {state} bytes");
}
