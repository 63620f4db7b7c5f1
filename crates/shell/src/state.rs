//! The hook's state, kept in the shell's own environment so that every
//! shell session is independent and nothing on disk can go stale.
//!
//! Three exported variables, each with one job:
//!
//! - `__DEVENV_DIR`: the project directory (nearest `devenv.toml`) the state
//!   was computed for, whether or not it is active. The prompt function
//!   compares it with the directory it finds from `$PWD`.
//! - `__DEVENV_WATCH`: newline-separated; the first line is a stamp file
//!   whose mtime is the newest mtime devenv saw, then one line per watched
//!   file: `+PATH` (existed: changed if gone or `-nt` the stamp) or `-PATH`
//!   (did not exist: changed if it appears), a relative PATH being in
//!   `__DEVENV_DIR` (so a project path with a newline still fits a line),
//!   then `=LENGTH FINGERPRINT` of PATH as devenv left it (its length in
//!   characters and its [`fingerprint`]). `hook-env` checks the
//!   fingerprint for the shells that call it at every prompt. The other
//!   hooks notice an assignment to PATH (bash's and zsh's command hash
//!   table is emptied, fish sends an event, xonsh and nushell compare
//!   with their unexported copy) and call devenv again when PATH differs
//!   (a login shell's profile reset it); a new shell, without a copy yet,
//!   compares the length. One test, whatever the number of tools. Plain text, because the prompt function reads it with shell
//!   builtins; its size does not depend on the number of tools.
//! - `__DEVENV_STATE`: [`State`] as base64 of JSON, for `devenv` only: the
//!   active project, each variable's value before activation and a
//!   fingerprint of the value devenv gave it, the PATH entries added, the
//!   notices already shown. Base64 keeps any value (newlines, quotes, `$`,
//!   unicode) out of the shell's way.
//!
//! The state holds what undoing needs, never copies of what devenv set:
//! Linux refuses to start any program when one variable is over 128 KiB,
//! so a state that grew with the project's values (a large dotenv value,
//! a thousand `[env]` entries) would break every command in the shell,
//! `devenv` included. Its size is about 50 bytes per variable devenv sets,
//! plus the previous values of the variables it overrides (the user's own
//! values, already in the environment once). Past [`SPILL`] bytes, the
//! state goes to a file named by its SHA-256 under the store's
//! `states/`, and the variable holds `@` and that hash: with the watch
//! list and the directory, the `__DEVENV_*` variables stay under 8 KiB
//! whatever the number of tools and variables (the prompt never reads
//! this one).

use base64::Engine;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The exported variable holding the encoded [`State`].
pub const STATE_VAR: &str = "__DEVENV_STATE";
/// The exported variable holding the directory the state was computed for.
pub const DIR_VAR: &str = "__DEVENV_DIR";
/// The exported variable holding the stamp and the watched files.
pub const WATCH_VAR: &str = "__DEVENV_WATCH";

/// A process environment as devenv reasons about it: name → value.
pub type Vars = BTreeMap<String, String>;

/// What the hook knows about the shell it runs in.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// The project directory this state was computed for, active or not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dir: Option<String>,
    /// The project whose environment is applied, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<Active>,
    /// Keys of the notices already shown since the shell entered `dir`, so
    /// each is shown once per entry rather than at every prompt.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notices: Vec<String>,
    /// The process id of the shell that computed this state. A shell that
    /// inherited the state from another one (a new terminal window started
    /// with the environment of a shell in a project) undoes it quietly: it
    /// never entered that project, so it does not announce leaving it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shell: Option<u32>,
}

/// An applied project environment: everything needed to undo it exactly.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Active {
    /// The project root.
    pub root: String,
    /// The project's name, for messages.
    pub name: String,
    /// Each variable devenv changed, in the order it changed them.
    pub vars: Vec<VarChange>,
    /// PATH entries devenv put in front of PATH, in order.
    pub path: Vec<String>,
    /// Whether PATH was unset before activation.
    #[serde(default)]
    pub path_was_unset: bool,
    /// Active tools as `name version`, for messages and `status`.
    #[serde(default)]
    pub tools: Vec<String>,
}

/// One variable devenv changed: its value before, and the [`fingerprint`]
/// of the value devenv gave it (`None` = unset). Encoded as a three-element
/// array to keep the state small.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(into = "(String, Option<String>, Option<String>)")]
#[serde(from = "(String, Option<String>, Option<String>)")]
pub struct VarChange {
    pub name: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl From<VarChange> for (String, Option<String>, Option<String>) {
    fn from(c: VarChange) -> Self {
        (c.name, c.before, c.after)
    }
}

impl From<(String, Option<String>, Option<String>)> for VarChange {
    fn from((name, before, after): (String, Option<String>, Option<String>)) -> Self {
        VarChange {
            name,
            before,
            after,
        }
    }
}

/// What the state keeps of a value devenv set: enough to tell whether the
/// user changed it since (64 bits of its SHA-256), whatever its size.
pub fn fingerprint(value: &str) -> String {
    devenv_model::digest::sha256_hex(value.as_bytes())[..16].to_string()
}

/// The longest `__DEVENV_STATE` devenv reads.
const MAX_STATE: usize = 4 << 20;
/// The longest state kept in the variable itself; a longer one goes to a file.
pub(crate) const SPILL: usize = 4 << 10;

impl State {
    /// Encodes the state for `__DEVENV_STATE`.
    pub(crate) fn encode(&self) -> String {
        let json = serde_json::to_vec(self).expect("the state always serializes");
        base64::engine::general_purpose::STANDARD.encode(json)
    }

    /// Decodes `__DEVENV_STATE`; `None` when it is not ours (damaged or
    /// from an incompatible devenv), in which case the caller starts afresh.
    ///
    /// The state comes from the shell's environment, which anything the
    /// user ran could have set: it is bounded, and a state naming a
    /// variable that is not a plain identifier is not ours either, so no
    /// name from it ever reaches shell code unchecked.
    pub(crate) fn decode(text: &str) -> Option<State> {
        if text.len() > MAX_STATE {
            return None;
        }
        let json = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .ok()?;
        let state: State = serde_json::from_slice(&json).ok()?;
        let names_ok = state.active.as_ref().is_none_or(|a| {
            a.vars
                .iter()
                .all(|c| devenv_model::names::is_identifier(&c.name))
        });
        names_ok.then_some(state)
    }

    /// Encodes the state for `__DEVENV_STATE`, at most [`SPILL`] bytes:
    /// a longer one is written to `dir` under its SHA-256 (written once;
    /// the same state is the same file, its time of last use refreshed)
    /// and the value is `@HASH`. If that
    /// file cannot be written, the full encoding, which still works.
    pub fn encode_in(&self, dir: &std::path::Path) -> String {
        let text = self.encode();
        if text.len() <= SPILL {
            return text;
        }
        let hash = devenv_model::digest::sha256_hex(text.as_bytes());
        let file = dir.join(&hash);
        // Reused: mark it used now, so `gc` (which keeps states for a while
        // after their last use) sees it is still wanted.
        // Only a regular file: a FIFO or a link planted at this name is
        // neither waited on nor followed; the write below replaces it.
        let reused = devenv_model::files::touch_regular(&file);
        let written = reused
            || (std::fs::create_dir_all(dir).is_ok()
                && devenv_model::files::write_atomic(&file, text.as_bytes()).is_ok());
        if written { format!("@{hash}") } else { text }
    }

    /// Decodes `__DEVENV_STATE` as [`State::encode_in`] wrote it: `@HASH`
    /// is read from `dir` and must match its hash.
    pub fn decode_in(text: &str, dir: &std::path::Path) -> Option<State> {
        let Some(hash) = text.trim().strip_prefix('@') else {
            return State::decode(text);
        };
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let file = dir.join(hash);
        let body = devenv_model::files::read_bounded(&file, MAX_STATE as u64, "the shell state")
            .ok()??;
        (devenv_model::digest::sha256_hex(body.as_bytes()) == hash)
            .then(|| State::decode(&body))
            .flatten()
    }

    /// The state of this process's environment (empty when there is none),
    /// `dir` holding states too large for the variable.
    pub fn from_env_in(dir: &std::path::Path) -> State {
        devenv_model::config::outer_var(STATE_VAR)
            .filter(|s| !s.is_empty())
            .and_then(|s| State::decode_in(&s, dir))
            .unwrap_or_default()
    }
}

impl Active {
    /// Undoes this activation in `vars`: each variable devenv changed goes
    /// back to its previous value unless the user changed it since, and
    /// exactly the PATH entries devenv added are removed (the first
    /// occurrence of each), keeping whatever the user added around them.
    pub fn revert(&self, vars: &mut Vars) {
        for change in self.vars.iter().rev() {
            if vars.get(&change.name).map(|v| fingerprint(v)) == change.after {
                set(vars, &change.name, change.before.clone());
            }
        }
        if self.path.is_empty() {
            return;
        }
        let Some(path) = vars.get("PATH") else {
            return;
        };
        let mut parts: Vec<&str> = path.split(':').collect();
        for added in &self.path {
            if let Some(i) = parts.iter().position(|p| p == added) {
                parts.remove(i);
            }
        }
        let rest = parts.join(":");
        if rest.is_empty() && self.path_was_unset {
            vars.remove("PATH");
        } else {
            vars.insert("PATH".into(), rest);
        }
    }
}

/// Sets (`Some`) or removes (`None`) `name` in `vars`.
pub fn set(vars: &mut Vars, name: &str, value: Option<String>) {
    match value {
        Some(v) => vars.insert(name.to_string(), v),
        None => vars.remove(name),
    };
}

/// The process environment, with values that are not UTF-8 read lossily
/// (devenv never writes back a variable it did not change).
pub fn process_vars() -> Vars {
    devenv_model::config::outer_vars()
        .map(|(k, v)| {
            (
                k.to_string_lossy().into_owned(),
                v.to_string_lossy().into_owned(),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> Vars {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn round_trips_any_value() {
        let state = State {
            dir: Some("/p q".into()),
            active: Some(Active {
                root: "/p q".into(),
                name: "p q".into(),
                vars: vec![VarChange {
                    name: "A".into(),
                    before: Some("it's $x `y`\n\u{e9}".into()),
                    after: None,
                }],
                path: vec!["/p q/bin".into()],
                path_was_unset: false,
                tools: vec![],
            }),
            notices: vec!["n".into()],
            shell: Some(7),
        };
        assert_eq!(State::decode(&state.encode()), Some(state));
        assert_eq!(State::decode("not base64!"), None);
    }

    #[test]
    fn the_state_does_not_grow_with_the_values() {
        let change = |i: usize, len: usize| VarChange {
            name: format!("V{i}"),
            before: None,
            after: Some(fingerprint(&"x".repeat(len))),
        };
        let state = |len: usize| State {
            dir: Some("/p".into()),
            active: Some(Active {
                vars: (0..1000).map(|i| change(i, len)).collect(),
                ..Active::default()
            }),
            ..State::default()
        };
        let (small, large) = (state(1).encode(), state(350_000).encode());
        assert_eq!(small.len(), large.len());
        let dir = tempfile::tempdir().unwrap();
        let kept = state(350_000).encode_in(dir.path());
        assert_eq!(kept.len(), 65, "{kept}");
        assert_eq!(State::decode_in(&kept, dir.path()), Some(state(350_000)));
        let other = state(1);
        assert_eq!(
            State::decode_in(&other.encode_in(dir.path()), dir.path()),
            Some(other)
        );
        // A file that does not match its name is not ours.
        std::fs::write(dir.path().join(&kept[1..]), state(2).encode()).unwrap();
        assert_eq!(State::decode_in(&kept, dir.path()), None);
    }

    #[test]
    fn revert_keeps_user_changes() {
        let active = Active {
            vars: vec![
                VarChange {
                    name: "A".into(),
                    before: None,
                    after: Some(fingerprint("1")),
                },
                VarChange {
                    name: "B".into(),
                    before: Some("b".into()),
                    after: Some(fingerprint("2")),
                },
                VarChange {
                    name: "C".into(),
                    before: Some("c".into()),
                    after: None,
                },
            ],
            path: vec!["/p/bin".into()],
            ..Active::default()
        };
        let mut now = vars(&[("A", "1"), ("B", "user"), ("PATH", "/mine:/p/bin:/usr/bin")]);
        active.revert(&mut now);
        assert_eq!(
            now,
            vars(&[("B", "user"), ("C", "c"), ("PATH", "/mine:/usr/bin")])
        );
    }
}
