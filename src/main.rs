use clap::{CommandFactory, Parser};
use devenv::error::Exit;
use devenv::manifest::ManifestError;
use std::process::ExitCode;

fn main() -> ExitCode {
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
                eprintln!("devenv: error: {m}");
            } else {
                eprintln!("devenv: error: {err:#}");
            }
            ExitCode::from(1)
        }
    }
}
