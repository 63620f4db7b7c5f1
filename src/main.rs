//! devenv: per-project development environments.
//!
//! The binary is the top of the pipeline of DESIGN.md: the commands, the
//! install stage (with the layouts of trees and parts), activation, the
//! shell hook and its watcher, tasks and `init`'s importers. The stages
//! below it are the workspace's crates: `devenv-model` (formats and
//! rules), `devenv-net` (HTTP, caches), `devenv-store` (the store, gc,
//! trust), `devenv-sources` (backends, resolution) and `devenv-shell`
//! (dialects and hook templates).

// Unit tests write their fixtures and read the machine's variables directly.
#![cfg_attr(test, allow(clippy::disallowed_methods))]

use clap::{CommandFactory, Parser};
mod activate;
mod cli;
mod hook;
mod import;
mod install;
mod project;
mod provenance;
mod provenance_aqua;
mod system;
mod tasks;
mod watch;

use devenv_model::error::Exit;
use devenv_model::manifest::ManifestError;
use std::process::ExitCode;

fn main() -> ExitCode {
    // A closed stdout (`devenv list --json | head -1`) ends devenv the way
    // it ends `cat` or `ls`: quietly, by SIGPIPE. Rust ignores SIGPIPE by
    // default, which turns every later `println!` into a panic (exit 101).
    // Sockets are unaffected: the standard library sends with MSG_NOSIGNAL
    // (SO_NOSIGPIPE on macOS), so a peer closing a download stays an error.
    // SAFETY: called first thing, before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // With DEVENV_COMPLETE set (by the script of `devenv completions`),
    // print completions and exit; otherwise this only reads one variable.
    clap_complete::CompleteEnv::with_factory(cli::Cli::command)
        .var(cli::COMPLETE_VAR)
        .complete();
    let cli = cli::fast_parse(std::env::args_os()).unwrap_or_else(cli::Cli::parse);
    match cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            if let Some(Exit(code)) = err.downcast_ref::<Exit>() {
                return ExitCode::from(*code as u8);
            }
            if let Some(m) = err.downcast_ref::<ManifestError>() {
                devenv_model::ui::error(m.to_string());
            } else {
                devenv_model::ui::error(format!("{err:#}"));
            }
            ExitCode::from(1)
        }
    }
}
