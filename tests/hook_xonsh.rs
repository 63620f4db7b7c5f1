//! The shell hook in real xonsh.

mod common;
use common::shell::Sh;

const SH: Sh = Sh::XONSH;

// The behaviour every shell must show (tests/common/hook_cases.rs).
common::hook_cases::for_shell!(SH);
