//! Messages to the user on stderr, prefixed `devenv:`, honouring
//! `--quiet` and `--verbose`. Stdout is kept for data and shell code.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU8, Ordering};

static LEVEL: AtomicU8 = AtomicU8::new(1);

/// 0 = quiet (errors only), 1 = normal, 2 = verbose.
pub fn set_level(level: u8) {
    LEVEL.store(level, Ordering::Relaxed);
}

pub fn level() -> u8 {
    LEVEL.load(Ordering::Relaxed)
}

/// A normal progress or result message.
pub fn info(msg: impl AsRef<str>) {
    if level() >= 1 {
        eprintln!("devenv: {}", msg.as_ref());
    }
}

/// A warning: shown unless quiet.
pub fn warn(msg: impl AsRef<str>) {
    if level() >= 1 {
        eprintln!("devenv: warning: {}", msg.as_ref());
    }
}

/// An error that does not end the command by itself (the command decides
/// the exit status): always shown, even when quiet.
pub fn error(msg: impl AsRef<str>) {
    eprintln!("devenv: error: {}", msg.as_ref());
}

/// Detail for `--verbose`.
pub fn verbose(msg: impl AsRef<str>) {
    if level() >= 2 {
        eprintln!("devenv: {}", msg.as_ref());
    }
}

/// Whether progress bars may be drawn (stderr is a terminal, not quiet).
pub fn progress_enabled() -> bool {
    level() >= 1 && std::io::stderr().is_terminal()
}

/// `n` with its noun: `1 tool`, `5 tools`, `0 tools`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Bytes in human units: `1.5 MiB`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit < UNITS.len() - 1 {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[unit])
    }
}
