//! The shell hook in real tcsh.

use crate::common;
use common::shell::Sh;

const SH: Sh = Sh::TCSH;

// The behaviour every shell must show (tests/common/hook_cases.rs).
common::hook_cases::for_shell!(SH);

#[test]
fn keeps_the_users_precmd_and_loads_once() {
    if !SH.available() {
        return;
    }
    let (sb, qa) = common::hook_cases::one_project();
    let hook = sb.hook(SH);
    let body = format!(
        "alias precmd 'echo user'\n{hook}\n{hook}\nalias precmd\ncd {qa}\nprecmd\nprintenv A1\n"
    );
    let run = sb.run_raw(SH, &body, &[]);
    assert_eq!(
        run.ok(),
        "__devenv_hook;echo user\nuser\none\n",
        "ours first, then the user's:\n{}",
        run.stderr
    );
}

#[test]
fn real_interactive_prompts_run_the_hook() {
    if !SH.available() {
        return;
    }
    let (sb, qa) = common::hook_cases::one_project();
    // Loaded as the README says: saved, then sourced.
    let file = sb.root.join("devenv.tcsh");
    std::fs::write(&file, sb.hook(SH)).unwrap();
    let input = format!(
        "source {}\ncd {qa}\nprintenv A1\ncd ..\nprintenv A1 || echo unset\n",
        sb.q(&file)
    );
    let run = sb.run_interactive_raw(SH, &input);
    let out: Vec<&str> = run
        .stdout
        .lines()
        .map(|l| l.trim_start_matches("> ").trim())
        .filter(|l| ["one", "unset"].iter().any(|w| l.ends_with(w)))
        .collect();
    assert_eq!(out.len(), 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        out[0].ends_with("one") && out[1].ends_with("unset"),
        "{out:?}"
    );
    assert_eq!(
        run.stderr
            .lines()
            .filter(|l| l.starts_with("devenv:"))
            .collect::<Vec<_>>(),
        ["devenv: loaded a +PATH +A1", "devenv: unloaded a"]
    );
}
