//! The shell hook in real nu.

mod common;
use common::shell::Sh;

const SH: Sh = Sh::NU;

// The behaviour every shell must show (tests/common/hook_cases.rs).
common::hook_cases::for_shell!(SH);
