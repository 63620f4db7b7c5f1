//! Shell syntax: quoting and export/unset statements per shell, and the
//! data formats `devenv env` prints. One quoting function per shell; every
//! value must read back byte for byte (invariant 7).
//!
//! The shell integration lives beside it: [`state`] (what the hook keeps in
//! the shell's environment), [`hook`] (the transition `hook-env` prints),
//! and [`Shell::hook_script`] (the scripts of `shell-hooks/`).

pub mod hook;
pub mod state;

use std::collections::BTreeMap;
use std::fmt::Write;

/// The shells devenv integrates with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

/// Output formats of `devenv env`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Bash,
    Zsh,
    Fish,
    Json,
    Dotenv,
    Github,
}

impl Shell {
    /// Quotes `value` as one word that the shell reads back exactly.
    pub fn quote(self, value: &str) -> String {
        match self {
            // Inside POSIX single quotes nothing is special but the quote itself.
            Shell::Bash | Shell::Zsh => format!("'{}'", value.replace('\'', r"'\''")),
            // fish single quotes only treat `\\` and `\'` as escapes.
            Shell::Fish => format!("'{}'", value.replace('\\', r"\\").replace('\'', r"\'")),
        }
    }

    /// A statement that exports `name=value`; nothing for a name that is
    /// not an identifier (see [`is_identifier`]).
    pub fn export(self, name: &str, value: &str) -> String {
        if !is_identifier(name) {
            return String::new();
        }
        match self {
            Shell::Bash | Shell::Zsh => format!("export {name}={};", self.quote(value)),
            // fish keeps PATH as a list; give it one element per directory.
            Shell::Fish if name == "PATH" => {
                let parts: Vec<String> = value
                    .split(':')
                    .filter(|p| !p.is_empty())
                    .map(|p| self.quote(p))
                    .collect();
                format!("set -gx PATH {};", parts.join(" "))
            }
            Shell::Fish => format!("set -gx {name} {};", self.quote(value)),
        }
    }

    /// A statement that unsets `name` (quietly, even if it was not set).
    pub fn unset(self, name: &str) -> String {
        if !is_identifier(name) {
            return String::new();
        }
        match self {
            Shell::Bash | Shell::Zsh => format!("unset {name};"),
            Shell::Fish => format!("set -e {name};"),
        }
    }

    /// The hook script of this shell (from `shell-hooks/`), calling the
    /// devenv binary at `devenv`.
    pub fn hook_script(self, devenv: &str) -> String {
        let template = match self {
            Shell::Bash => include_str!("../../shell-hooks/bash.sh"),
            Shell::Zsh => include_str!("../../shell-hooks/zsh.zsh"),
            Shell::Fish => include_str!("../../shell-hooks/fish.fish"),
        };
        template.replace("@DEVENV@", &self.quote(devenv))
    }

    pub fn name(self) -> &'static str {
        match self {
            Shell::Bash => "bash",
            Shell::Zsh => "zsh",
            Shell::Fish => "fish",
        }
    }
}

/// Whether `name` is a plain environment variable name (letters, digits
/// and `_`, not starting with a digit): the only names devenv ever writes
/// into shell code.
pub fn is_identifier(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Renders `changes` (name → value, `None` = unset) in `format`.
pub fn render(format: Format, changes: &BTreeMap<String, Option<String>>) -> String {
    let shell = match format {
        Format::Bash => Some(Shell::Bash),
        Format::Zsh => Some(Shell::Zsh),
        Format::Fish => Some(Shell::Fish),
        _ => None,
    };
    if let Some(shell) = shell {
        let mut out = String::new();
        for (name, value) in changes {
            match value {
                Some(v) => out.push_str(&shell.export(name, v)),
                None => out.push_str(&shell.unset(name)),
            }
            out.push('\n');
        }
        return out;
    }
    match format {
        Format::Json => {
            let map: serde_json::Map<String, serde_json::Value> = changes
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.clone()
                            .map_or(serde_json::Value::Null, serde_json::Value::String),
                    )
                })
                .collect();
            serde_json::to_string_pretty(&map).expect("strings serialize") + "\n"
        }
        Format::Dotenv => {
            let mut out = String::new();
            for (name, value) in changes {
                match value {
                    Some(v) => writeln!(out, "{name}={}", dotenv_quote(v)).unwrap(),
                    None => writeln!(out, "# {name} is unset in this environment").unwrap(),
                }
            }
            out
        }
        Format::Github => {
            let mut out = String::new();
            for (name, value) in changes {
                if let Some(v) = value {
                    out.push_str(&github_env_line(name, v));
                }
            }
            out
        }
        Format::Bash | Format::Zsh | Format::Fish => unreachable!("handled above"),
    }
}

/// A double-quoted dotenv value with `\`, `"`, `$` and newlines escaped.
pub fn dotenv_quote(v: &str) -> String {
    let mut out = String::from("\"");
    for c in v.chars() {
        match c {
            '\\' => out.push_str(r"\\"),
            '"' => out.push_str("\\\""),
            '$' => out.push_str("\\$"),
            '\n' => out.push_str(r"\n"),
            '\r' => out.push_str(r"\r"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One entry for a `$GITHUB_ENV` file, in the multi-line-safe heredoc
/// syntax: `NAME<<DELIM`, the value, `DELIM`, with a delimiter that does
/// not occur in the value.
pub fn github_env_line(name: &str, value: &str) -> String {
    let mut delim = String::from("DEVENV_EOF");
    let mut n = 0u32;
    while value.lines().any(|l| l == delim) {
        n += 1;
        delim = format!("DEVENV_EOF_{n}");
    }
    format!("{name}<<{delim}\n{value}\n{delim}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_is_total() {
        assert_eq!(Shell::Bash.quote("it's"), r"'it'\''s'");
        assert_eq!(Shell::Fish.quote(r"a\'b"), r"'a\\\'b'");
        assert_eq!(
            github_env_line("A", "x\nDEVENV_EOF\ny"),
            "A<<DEVENV_EOF_1\nx\nDEVENV_EOF\ny\nDEVENV_EOF_1\n"
        );
    }
}
