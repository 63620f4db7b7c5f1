//! The shell hook in real fish.

mod common;
use common::{hook_cases, shell};

use shell::Sh;

const SH: Sh = Sh::Fish;

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
fn activates_on_cd_and_at_real_prompts() {
    let (sb, qa) = one_project();
    // Non-interactive: the PWD handler alone activates on `cd`.
    let run = sb.run(SH, &format!("cd {qa}\nshow A1\ncd ..\nshow A1\n"));
    assert_eq!(run.ok(), "A1=[one]\nA1 unset\n", "{}", run.stderr);
    // Interactive, commands on stdin: fish's own prompt events run it.
    let run = sb.run_interactive(
        SH,
        &format!("cd {qa}\necho \"A1=$A1\"\ncd ..\necho \"A1=$A1\"\n"),
    );
    assert_eq!(run.stdout, "A1=one\nA1=\n", "{}", run.stderr);
}
