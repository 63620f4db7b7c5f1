//! The shell hook in real xonsh.

use crate::common;
use common::shell::Sh;

const SH: Sh = Sh::XONSH;

// The behaviour every shell must show (tests/common/hook_cases.rs).
common::hook_cases::for_shell!(SH);

#[test]
fn real_prompts_in_a_terminal_run_the_hook() {
    if SH.available() {
        common::hook_cases::terminal_prompts(
            SH,
            "execx(open('FILE').read())",
            "echo MARK@(1)",
            "echo A1=@(${...}.get('A1', 'un' + 'set'))",
            "@($DEVENV_REAL)",
        );
    }
}
