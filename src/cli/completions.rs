//! `devenv completions bash|zsh|fish`: print the script that makes the
//! shell complete devenv's subcommands, flags, and — read from the
//! project's `devenv.toml` at each TAB — task names and tool names.
//!
//! Decision: clap_complete's dynamic engine (`CompleteEnv`), not its static
//! scripts. The printed script calls the devenv binary with
//! `DEVENV_COMPLETE=<shell>` set for every completion, so the same Rust code
//! completes every shell and values that live in the manifest (tasks,
//! tools) come out right without per-shell additions. The engine sits
//! behind clap_complete's `unstable-dynamic` feature; its script and the
//! binary always come from the same build, so they agree.

use anyhow::{Context as _, Result};
use clap_complete::engine::CompletionCandidate;
use clap_complete::env::EnvCompleter;
use devenv_model::manifest::Manifest;

/// The variable that switches the binary into completion mode.
pub(crate) const COMPLETE_VAR: &str = devenv_model::config::vars::COMPLETE.name;

/// Shells devenv prints completion scripts for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}

pub(crate) fn run(shell: CompletionShell) -> Result<()> {
    let exe = std::env::current_exe().context("could not find the path of the devenv binary")?;
    let completer: &dyn EnvCompleter = match shell {
        CompletionShell::Bash => &clap_complete::env::Bash,
        CompletionShell::Zsh => &clap_complete::env::Zsh,
        CompletionShell::Fish => &clap_complete::env::Fish,
    };
    let mut script = Vec::new();
    completer.write_registration(
        COMPLETE_VAR,
        "devenv",
        "devenv",
        &exe.to_string_lossy(),
        &mut script,
    )?;
    use std::io::Write;
    std::io::stdout().write_all(&script).map_err(|e| {
        anyhow::anyhow!(
            "could not write to stdout: {}",
            devenv_model::error::io_reason(&e)
        )
    })
}

/// The manifest of the project around the current directory, if any and
/// valid: completion never prints errors.
fn manifest() -> Option<Manifest> {
    let cwd = std::env::current_dir().ok()?;
    let root = devenv_model::manifest::find_root(&cwd)?;
    // At the edge like the command line: completion runs before any command.
    let config = devenv_model::config::Config::from_env(false).ok()?;
    Manifest::load(&root, config.file_limits()).ok()
}

/// Task names, with their descriptions as help.
pub(crate) fn task_candidates() -> Vec<CompletionCandidate> {
    let Some(m) = manifest() else {
        return Vec::new();
    };
    m.tasks
        .iter()
        .map(|t| {
            let c = CompletionCandidate::new(&t.name);
            match &t.description {
                Some(d) => c.help(Some(d.clone().into())),
                None => c,
            }
        })
        .collect()
}

/// Tool names of `[tools]`, with the version asked for as help.
pub(crate) fn tool_candidates() -> Vec<CompletionCandidate> {
    let Some(m) = manifest() else {
        return Vec::new();
    };
    m.tools
        .iter()
        .map(|t| {
            let help = match &t.request {
                devenv_model::manifest::Request::Registry(r) => r.version.clone(),
                devenv_model::manifest::Request::Url(u) => u.version.clone(),
            };
            CompletionCandidate::new(&t.name).help(Some(help.into()))
        })
        .collect()
}
