//! The shell hook in real fish.

use crate::common;
use common::{hook_cases, shell};

use shell::Sh;

const SH: Sh = Sh::FISH;

// The behaviour every shell must show (tests/common/hook_cases.rs).
common::hook_cases::for_shell!(SH);

#[test]
fn activates_on_cd_and_at_real_prompts() {
    let (sb, qa) = hook_cases::one_project();
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

#[test]
fn a_megabyte_of_variables_enters_and_leaves() {
    hook_cases::large_environment(SH);
}
