//! The shell hook in real fish.

mod common;
use common::{hook_cases, shell};

use shell::Sh;

const SH: Sh = Sh::Fish;

// The behaviour every shell must show (tests/common/hook_cases.rs).
common::hook_cases::for_shell!(SH);

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
