use clap::Parser;
use devenv::error::Exit;
use devenv::manifest::ManifestError;
use std::process::ExitCode;

fn main() -> ExitCode {
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
