//! The shell hook in real elvish.

use crate::common;
use common::shell::Sh;

const SH: Sh = Sh::ELVISH;

// The behaviour every shell must show (tests/common/hook_cases.rs).
common::hook_cases::for_shell!(SH);

#[test]
fn real_prompts_in_a_terminal_run_the_hook() {
    if SH.available() {
        common::hook_cases::terminal_prompts(
            SH,
            "eval (slurp < 'FILE')",
            "echo MARK(+ 0 1)",
            "if (has-env A1) { echo A1=$E:A1 } else { echo A1=(put un)set }",
            "(external $E:DEVENV_REAL)",
        );
    }
}
