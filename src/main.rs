use clap::{CommandFactory, Parser};
use devenv::error::Exit;
use devenv::manifest::ManifestError;
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
    clap_complete::CompleteEnv::with_factory(devenv::cli::Cli::command)
        .var(devenv::cli::COMPLETE_VAR)
        .complete();
    let cli = devenv::cli::Cli::parse();
    match devenv::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            if let Some(Exit(code)) = err.downcast_ref::<Exit>() {
                return ExitCode::from(*code as u8);
            }
            if let Some(m) = err.downcast_ref::<ManifestError>() {
                devenv::ui::error(m.to_string());
            } else {
                devenv::ui::error(format!("{err:#}"));
            }
            ExitCode::from(1)
        }
    }
}
