//! The shell hook in real nu.

use crate::common;
use common::shell::Sh;

const SH: Sh = Sh::NU;

// The behaviour every shell must show (tests/common/hook_cases.rs).
common::hook_cases::for_shell!(SH);

#[test]
fn real_prompts_in_a_terminal_run_the_hook() {
    if SH.available() {
        common::hook_cases::terminal_prompts(
            SH,
            "source 'FILE'",
            "print $\"MARK(1)\"",
            "print $\"A1=($env.A1? | default ('un' + 'set'))\"",
            "^$env.DEVENV_REAL",
        );
    }
}
