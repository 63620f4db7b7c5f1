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
        eprintln!("devenv: {}", escape_controls(msg.as_ref()));
    }
}

/// A warning: shown unless quiet.
pub fn warn(msg: impl AsRef<str>) {
    if level() >= 1 {
        eprintln!("devenv: warning: {}", escape_controls(msg.as_ref()));
    }
}

/// Detail for `--verbose`.
pub fn verbose(msg: impl AsRef<str>) {
    if level() >= 2 {
        eprintln!("devenv: {}", escape_controls(msg.as_ref()));
    }
}

/// An error, always shown, even when quiet: `devenv: error: …` (the
/// command decides the exit status).
pub fn error(msg: impl AsRef<str>) {
    eprintln!("devenv: error: {}", escape_controls(msg.as_ref()));
}

/// A message from the shell hook (`devenv: …`), always shown.
pub fn notice(msg: impl AsRef<str>) {
    eprintln!("devenv: {}", escape_controls(msg.as_ref()));
}

/// `text` made safe to print on a terminal: control characters (but line
/// feeds and tabs), DEL, C1 controls and bidirectional overrides are shown
/// as `\u{..}` escapes, so text quoted from a repository's files can never
/// move the cursor, retitle the window, write the clipboard or reorder
/// what the user reads. Idempotent.
pub fn escape_controls(text: &str) -> String {
    let dangerous = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
    };
    if !text.chars().any(dangerous) {
        return text.to_string();
    }
    text.chars()
        .map(|c| {
            if dangerous(c) {
                format!("\\u{{{:x}}}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
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

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_what_a_terminal_would_obey() {
        let hostile = "a\u{1b}]52;c;ZXZpbA==\u{7}b\rc\u{9b}2Jd\u{202e}e\nf\tg";
        let shown = super::escape_controls(hostile);
        assert_eq!(
            shown,
            "a\\u{1b}]52;c;ZXZpbA==\\u{7}b\\u{d}c\\u{9b}2Jd\\u{202e}e\nf\tg"
        );
        assert_eq!(super::escape_controls(&shown), shown);
        assert_eq!(super::escape_controls("plain é ✓"), "plain é ✓");
    }
}
