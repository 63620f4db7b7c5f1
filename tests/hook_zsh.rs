//! The shell hook in real zsh.

mod common;
use common::{hook_cases, shell};

use shell::Sh;

const SH: Sh = Sh::Zsh;

#[test]
fn zero_forks_at_steady_prompt() {
    hook_cases::zero_forks_at_steady_prompt(SH);
}

#[test]
fn no_process_at_steady_prompt() {
    hook_cases::no_process_at_steady_prompt(SH);
}

#[test]
fn enter_switch_leave_nested() {
    hook_cases::enter_switch_leave_nested(SH);
}

#[test]
fn edits_reload_at_next_prompt() {
    hook_cases::edits_reload_at_next_prompt(SH);
}

#[test]
fn exact_restore_awkward_values() {
    hook_cases::exact_restore_awkward_values(SH);
}

#[test]
fn user_changes_are_kept() {
    hook_cases::user_changes_are_kept(SH);
}

#[test]
fn trust_gates_activation() {
    hook_cases::trust_gates_activation(SH);
}

#[test]
fn missing_tool_noticed_once() {
    hook_cases::missing_tool_noticed_once(SH);
}

#[test]
fn broken_manifest_leaves_shell_unchanged() {
    hook_cases::broken_manifest_leaves_shell_unchanged(SH);
}

#[test]
fn auto_install_failure_is_a_notice() {
    hook_cases::auto_install_failure_is_a_notice(SH);
}

#[test]
fn loads_silently() {
    hook_cases::loads_silently(SH);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(16))]
    #[test]
    fn any_value_round_trips(values in proptest::collection::vec("[^\u{0}]{0,12}", 1..6)) {
        if let Err(e) = hook_cases::round_trip(SH, &values) {
            proptest::prop_assert!(false, "{}", e);
        }
    }
}

fn one_project() -> (shell::Sandbox, String) {
    let sb = shell::Sandbox::new();
    let a = sb.allowed_project("a", &hook_cases::manifest(&[("A1", "one")]));
    let qa = sb.q(&a);
    (sb, qa)
}

#[test]
fn joins_other_tools_precmd_and_chpwd_hooks() {
    let (sb, qa) = one_project();
    let body = format!(
        "other_precmd() {{ echo precmd; }}\nother_chpwd() {{ echo chpwd; }}\n\
         precmd_functions=(other_precmd)\nchpwd_functions=(other_chpwd)\n\
         {hook}\n{hook}\n\
         autoload -U add-zsh-hook\nlater() {{ echo later; }}\nadd-zsh-hook precmd later\n\
         print -r -- $precmd_functions\nprint -r -- $chpwd_functions\n\
         cd {qa}\nshow A1\nprompt\n",
        hook = sb.hook(SH),
    );
    let run = sb.run(SH, &body);
    assert_eq!(
        run.ok(),
        "__devenv_hook other_precmd later\n__devenv_hook other_chpwd\nchpwd\nA1=[one]\nprecmd\nlater\n",
        "the chpwd hook activates on `cd`, before any prompt:\n{}",
        run.stderr
    );
    assert_eq!(sb.calls().len(), 1);
}

#[test]
fn works_with_unusual_user_options() {
    let (sb, qa) = one_project();
    let body = format!(
        "setopt ksh_arrays sh_word_split no_unset err_return\n{hook}\ncd {qa}\nprompt\necho \"A1=$A1\"\n",
        hook = sb.hook(SH)
    );
    let run = sb.run(SH, &body);
    assert_eq!(run.ok(), "A1=one\n", "{}", run.stderr);
}
