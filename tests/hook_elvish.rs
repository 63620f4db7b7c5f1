//! The shell hook in real elvish.

mod common;
use common::shell::Sh;

const SH: Sh = Sh::ELVISH;

// The behaviour every shell must show (tests/common/hook_cases.rs).
common::hook_cases::for_shell!(SH);
