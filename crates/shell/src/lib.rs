//! Shell dialects: how each shell devenv integrates with quotes a value,
//! sets and unsets a variable, and keeps PATH; and the data formats `devenv
//! env` prints. Every value must read back byte for byte (invariant 7).
//!
//! [`SHELLS`] is the one registration point: a shell is one entry there
//! plus its template in `shell-hooks/`. Shells that evaluate code (bash,
//! zsh, fish, tcsh) get statements to evaluate; shells with structured data
//! (elvish, xonsh, nushell) get JSON that their thin template applies.
//!
//! This layer only spells things: it never resolves, installs or reads
//! trust. The transition it spells is computed by [`crate::hook`];
//! [`state`] is what the hook keeps in the shell's environment.

// Tests write their fixtures and read the machine's variables directly.
#![cfg_attr(test, allow(clippy::disallowed_methods))]

pub mod state;

use clap::builder::TypedValueParser;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::LazyLock;

/// A shell devenv integrates with: its name, its hook template, and how it
/// reads the changes `hook-env` prints.
#[derive(Debug)]
pub struct Shell {
    /// The name users type (`devenv hook NAME`, `--shell NAME`).
    pub(crate) name: &'static str,
    /// Other accepted names (`nushell` for `nu`).
    pub(crate) aliases: &'static [&'static str],
    /// The hook script from `shell-hooks/`, with `@DEVENV@` standing for
    /// the quoted path of the binary.
    template: &'static str,
    /// How a user loads the hook: what to add to which start-up file.
    setup: &'static str,
    /// Quotes a string as one literal word of this shell.
    quote: fn(&str) -> String,
    /// How `hook-env` output is applied.
    syntax: Syntax,
}

/// Shells are registered once, so a name identifies one.
impl PartialEq for Shell {
    fn eq(&self, other: &Shell) -> bool {
        self.name == other.name
    }
}

impl Eq for Shell {}

/// How a shell applies a set of changes.
#[derive(Debug)]
enum Syntax {
    /// Statements to evaluate: `set` and `unset` are patterns where
    /// `{name}` is the variable and `{value}` the quoted value.
    Code {
        set: &'static str,
        unset: &'static str,
        path: PathStyle,
        /// What code standing alone (`devenv env`) needs first; the hook
        /// template sets the same up itself.
        prelude: &'static str,
    },
    /// A JSON object `{"set": {NAME: VALUE, ...}, "unset": [NAME, ...]}`
    /// that the template applies with the shell's own data commands.
    Data { path: PathStyle },
}

/// How a shell holds PATH.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PathStyle {
    /// One string of `:`-separated directories.
    String,
    /// A list with one element per directory.
    List,
}

/// Every shell devenv supports, in the order help texts list them. Adding
/// a shell is one entry here and one template in `shell-hooks/`.
pub(crate) static SHELLS: &[Shell] = &[
    Shell {
        name: "bash",
        aliases: &[],
        template: include_str!("../../../shell-hooks/bash.sh"),
        setup: "add `eval \"$(devenv hook bash)\"` to ~/.bashrc",
        quote: posix_quote,
        syntax: POSIX,
    },
    Shell {
        name: "zsh",
        aliases: &[],
        template: include_str!("../../../shell-hooks/zsh.zsh"),
        setup: "add `eval \"$(devenv hook zsh)\"` to ~/.zshrc",
        quote: posix_quote,
        syntax: POSIX,
    },
    Shell {
        name: "fish",
        aliases: &[],
        template: include_str!("../../../shell-hooks/fish.fish"),
        setup: "add `devenv hook fish | source` to ~/.config/fish/config.fish",
        quote: fish_quote,
        syntax: Syntax::Code {
            set: "set -gx {name} {value};",
            unset: "set -e {name};",
            path: PathStyle::List,
            prelude: "",
        },
    },
    Shell {
        name: "tcsh",
        aliases: &[],
        template: include_str!("../../../shell-hooks/tcsh.tcsh"),
        setup: "add `devenv hook tcsh >! ~/.devenv.tcsh && source ~/.devenv.tcsh` to ~/.tcshrc",
        quote: tcsh_quote,
        syntax: Syntax::Code {
            set: "setenv {name} {value};",
            unset: "unsetenv {name};",
            path: PathStyle::String,
            prelude: "set __devenv_nl = '\\\n'\n",
        },
    },
    Shell {
        name: "elvish",
        aliases: &[],
        template: include_str!("../../../shell-hooks/elvish.elv"),
        setup: "add `eval (devenv hook elvish | slurp)` to ~/.config/elvish/rc.elv",
        quote: elvish_quote,
        syntax: Syntax::Data {
            path: PathStyle::String,
        },
    },
    Shell {
        name: "xonsh",
        aliases: &[],
        template: include_str!("../../../shell-hooks/xonsh.xsh"),
        setup: "add `execx($(devenv hook xonsh))` to ~/.xonshrc",
        quote: python_quote,
        syntax: Syntax::Data {
            path: PathStyle::String,
        },
    },
    Shell {
        name: "nu",
        aliases: &["nushell"],
        template: include_str!("../../../shell-hooks/nu.nu"),
        setup: "run `devenv hook nu | save -f ~/.config/nushell/devenv.nu` once, then add `source ~/.config/nushell/devenv.nu` to config.nu",
        quote: nu_quote,
        syntax: Syntax::Data {
            path: PathStyle::List,
        },
    },
];

const POSIX: Syntax = Syntax::Code {
    set: "export {name}={value};",
    unset: "unset {name};",
    path: PathStyle::String,
    prelude: "",
};

impl Shell {
    /// The registered shell called `name` (or one of its aliases).
    pub fn find(name: &str) -> Option<&'static Shell> {
        SHELLS
            .iter()
            .find(|s| s.name == name || s.aliases.contains(&name))
    }

    /// A clap parser accepting the registered shells; an unknown name is
    /// refused with the list of shells that exist.
    pub fn parser() -> impl clap::builder::TypedValueParser<Value = &'static Shell> {
        clap::builder::PossibleValuesParser::new(SHELLS.iter().map(Shell::possible_value))
            .map(|name| Shell::find(&name).expect("clap only accepts registered shells"))
    }

    /// The name users type (`devenv hook NAME`).
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// How to load this shell's hook, e.g. "add `eval …` to ~/.bashrc".
    pub fn setup(&self) -> &'static str {
        self.setup
    }

    fn possible_value(&self) -> clap::builder::PossibleValue {
        clap::builder::PossibleValue::new(self.name).aliases(self.aliases.iter().copied())
    }

    /// Quotes `value` as one word that the shell reads back exactly.
    pub(crate) fn quote(&self, value: &str) -> String {
        (self.quote)(value)
    }

    /// The hook script of this shell (from `shell-hooks/`), calling the
    /// devenv binary at `devenv`.
    pub fn hook_script(&self, devenv: &str) -> String {
        self.template.replace("@DEVENV@", &self.quote(devenv))
    }

    /// What the shell evaluates (or, for data shells, parses) to apply
    /// `changes` (name → value, `None` = unset).
    ///
    /// Only names that are identifiers ([`is_identifier`]) are rendered:
    /// a name that came from a forged shell state never reaches shell code.
    pub fn render(&self, changes: &BTreeMap<String, Option<String>>) -> String {
        let changes: BTreeMap<&String, &Option<String>> = changes
            .iter()
            .filter(|(name, _)| is_identifier(name))
            .collect();
        match &self.syntax {
            Syntax::Code {
                set, unset, path, ..
            } => {
                let mut out = String::new();
                for (name, value) in changes {
                    let line = match value {
                        Some(v) => {
                            let value = if name == "PATH" && *path == PathStyle::List {
                                let parts: Vec<String> =
                                    path_list(v).into_iter().map(|p| self.quote(p)).collect();
                                parts.join(" ")
                            } else {
                                self.quote(v)
                            };
                            set.replace("{name}", name).replace("{value}", &value)
                        }
                        None => unset.replace("{name}", name),
                    };
                    out.push_str(&line);
                    out.push('\n');
                }
                out
            }
            Syntax::Data { path } => {
                let mut set = serde_json::Map::new();
                let mut unset = Vec::new();
                for (name, value) in changes {
                    match value {
                        Some(v) if name == "PATH" && *path == PathStyle::List => {
                            set.insert(name.clone(), path_list(v).into());
                        }
                        Some(v) => {
                            set.insert(name.clone(), v.clone().into());
                        }
                        None => unset.push(serde_json::Value::String(name.clone())),
                    }
                }
                let data = serde_json::json!({ "set": set, "unset": unset });
                data.to_string() + "\n"
            }
        }
    }
}

/// PATH's directories, without the empty entries a list cannot hold.
fn path_list(path: &str) -> Vec<&str> {
    path.split(':').filter(|p| !p.is_empty()).collect()
}

/// Inside POSIX single quotes nothing is special but the quote itself.
fn posix_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

/// fish single quotes only treat `\\` and `\'` as escapes.
fn fish_quote(value: &str) -> String {
    format!("'{}'", value.replace('\\', r"\\").replace('\'', r"\'"))
}

/// tcsh single quotes keep everything but the quote itself, history
/// substitution (`!`, escaped as `\!`) and newlines. The hook `eval`s a
/// command substitution, which joins lines, so a newline cannot be written
/// literally: it is `${__devenv_nl:q}`, a variable holding one newline that
/// the hook (and `devenv env`'s prelude) defines.
fn tcsh_quote(value: &str) -> String {
    let mut out = String::from("'");
    for c in value.chars() {
        match c {
            '\'' => out.push_str(r"'\''"),
            '!' => out.push_str(r"\!"),
            '\n' => out.push_str("'${__devenv_nl:q}'"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// elvish single quotes keep everything; a quote is written twice.
fn elvish_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// A Python string literal (xonsh): single quotes, with `\`, `'` and
/// control characters escaped.
fn python_quote(value: &str) -> String {
    let mut out = String::from("'");
    for c in value.chars() {
        match c {
            '\\' => out.push_str(r"\\"),
            '\'' => out.push_str(r"\'"),
            c if c.is_control() => write!(out, "\\U{:08x}", c as u32).unwrap(),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A nushell raw string `r#'…'#`, with enough `#` that the value cannot
/// close it.
fn nu_quote(value: &str) -> String {
    let mut hashes = String::from("#");
    while value.contains(&format!("'{hashes}")) {
        hashes.push('#');
    }
    format!("r{hashes}'{value}'{hashes}")
}

/// Output formats of `devenv env` and `devenv ci`: a registered shell, or
/// data for another program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Shell(&'static Shell),
    Json,
    Dotenv,
    Github,
}

/// Every format `devenv env --format` accepts.
static FORMATS: LazyLock<Vec<(&'static str, Format)>> = LazyLock::new(|| {
    let mut all: Vec<(&str, Format)> = Vec::new();
    for shell in SHELLS {
        all.push((shell.name, Format::Shell(shell)));
        for alias in shell.aliases {
            all.push((alias, Format::Shell(shell)));
        }
    }
    all.extend([
        ("json", Format::Json),
        ("dotenv", Format::Dotenv),
        ("github", Format::Github),
    ]);
    all
});

impl Format {
    /// A clap parser accepting every format; an unknown one is refused
    /// with the list.
    pub fn parser() -> impl clap::builder::TypedValueParser<Value = Format> {
        let names: Vec<clap::builder::PossibleValue> = SHELLS
            .iter()
            .map(Shell::possible_value)
            .chain(["json", "dotenv", "github"].map(clap::builder::PossibleValue::new))
            .collect();
        clap::builder::PossibleValuesParser::new(names).map(|name| {
            FORMATS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, f)| *f)
                .expect("clap only accepts listed formats")
        })
    }
}

pub(crate) use devenv_model::names::is_identifier;

/// Renders `changes` (name → value, `None` = unset) in `format`.
pub fn render(format: Format, changes: &BTreeMap<String, Option<String>>) -> String {
    match format {
        Format::Shell(shell) => match shell.syntax {
            Syntax::Code { prelude, .. } => format!("{prelude}{}", shell.render(changes)),
            Syntax::Data { .. } => shell.render(changes),
        },
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
    }
}

/// A double-quoted dotenv value with `\`, `"`, `$` and newlines escaped.
pub(crate) fn dotenv_quote(v: &str) -> String {
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

    fn shell(name: &str) -> &'static Shell {
        Shell::find(name).unwrap()
    }

    #[test]
    fn quoting_is_total() {
        assert_eq!(shell("bash").quote("it's"), r"'it'\''s'");
        assert_eq!(shell("fish").quote(r"a\'b"), r"'a\\\'b'");
        assert_eq!(
            shell("tcsh").quote("a!'\nb"),
            r"'a\!'\'''${__devenv_nl:q}'b'"
        );
        assert_eq!(shell("elvish").quote("it's"), "'it''s'");
        assert_eq!(shell("xonsh").quote("a\\'\n"), r"'a\\\'\U0000000a'");
        assert_eq!(shell("nu").quote("x'#y"), "r##'x'#y'##");
        assert_eq!(
            github_env_line("A", "x\nDEVENV_EOF\ny"),
            "A<<DEVENV_EOF_1\nx\nDEVENV_EOF\ny\nDEVENV_EOF_1\n"
        );
    }

    #[test]
    fn names_and_aliases_are_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for s in SHELLS {
            for name in std::iter::once(&s.name).chain(s.aliases) {
                assert!(seen.insert(*name), "{name} is registered twice");
            }
        }
        assert_eq!(shell("nushell").name, "nu");
    }

    #[test]
    fn data_shells_get_json_and_list_shells_a_path_list() {
        let changes: BTreeMap<String, Option<String>> = [
            ("PATH".to_string(), Some("/a b:/c".to_string())),
            ("GONE".to_string(), None),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            shell("nu").render(&changes),
            "{\"set\":{\"PATH\":[\"/a b\",\"/c\"]},\"unset\":[\"GONE\"]}\n"
        );
        assert_eq!(
            shell("elvish").render(&changes),
            "{\"set\":{\"PATH\":\"/a b:/c\"},\"unset\":[\"GONE\"]}\n"
        );
        assert_eq!(
            shell("fish").render(&changes),
            "set -e GONE;\nset -gx PATH '/a b' '/c';\n"
        );
    }
}
