//! The command line, as one document: every subcommand and flag is
//! declared here; each subcommand's behaviour lives in its own file.

mod ci;
mod env;
mod exec;
mod init;
mod install;
mod list;
mod lock;
mod watch;
mod which;

use crate::shell::Format;
use anyhow::Result;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

const ENV_HELP: &str = "\
Environment variables:
  DEVENV_HOME           root of the store, trust records and generations
                        (default: the platform data directory, e.g. ~/.local/share/devenv)
  DEVENV_CACHE_DIR      keep the store of toolchains here instead of $DEVENV_HOME/store:
                        the one directory a CI system should cache between runs
  DEVENV_FROZEN=1       like --frozen: never write devenv.lock
  DEVENV_OFFLINE=1      like --offline: no network access at all
  DEVENV_HTTP_TIMEOUT   seconds before a stalled download fails (default 30)
  DEVENV_HTTP_RETRIES   retries on connection errors and 5xx answers (default 3)
  DEVENV_PLATFORM       pretend to run on another platform (e.g. macos-aarch64)";

/// Per-project development environments: pinned toolchains and variables, no containers.
#[derive(Parser, Debug)]
#[command(name = "devenv", version, about, after_help = ENV_HELP, propagate_version = true)]
pub struct Cli {
    /// Run as if started in DIR.
    #[arg(short = 'C', value_name = "DIR", global = true)]
    pub directory: Option<PathBuf>,
    /// Print only errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more detail about what happens.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// Never touch the network; use only the lock and the store.
    #[arg(long, global = true)]
    pub offline: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Write a commented devenv.toml in the current directory.
    Init {
        /// Overwrite an existing devenv.toml.
        #[arg(long)]
        force: bool,
    },
    /// Resolve devenv.toml into devenv.lock (exact versions, URLs, digests).
    Lock {
        /// Fail instead of writing if the lock does not match devenv.toml.
        #[arg(long)]
        frozen: bool,
    },
    /// Download, verify and store every tool the lock pins for this machine.
    Install {
        /// Use devenv.lock as it is; fail if it is missing or stale.
        #[arg(long)]
        frozen: bool,
    },
    /// Run a command inside the project's environment.
    Exec {
        /// Use devenv.lock as it is; fail if it is missing or stale.
        #[arg(long)]
        frozen: bool,
        /// The command and its arguments.
        #[arg(
            required = true,
            trailing_var_arg = true,
            allow_hyphen_values = true,
            value_name = "CMD"
        )]
        command: Vec<String>,
    },
    /// Print the project's environment for a shell or another program.
    Env {
        /// Output syntax.
        #[arg(long, short, value_enum, default_value = "bash")]
        format: Format,
        /// Use devenv.lock as it is; fail if it is missing or stale.
        #[arg(long)]
        frozen: bool,
    },
    /// List the pinned tools: versions, store paths, installed or not.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Print the absolute path a command resolves to inside the environment.
    Which {
        /// The command name.
        name: String,
    },
    /// In CI: install exactly the lock (frozen), verify, and export the
    /// environment to later steps ($GITHUB_ENV and $GITHUB_PATH in GitHub
    /// Actions; dotenv on stdout elsewhere).
    Ci {
        /// Print the environment on stdout in this syntax instead
        /// (`github` forces GitHub Actions' files).
        #[arg(long, short, value_enum)]
        format: Option<Format>,
    },
    /// Prepare the environment in the background: re-lock and install
    /// whenever devenv.toml, devenv.lock or a dotenv file changes.
    Watch {
        /// The project directory (default: the current one).
        dir: Option<PathBuf>,
        /// Never write devenv.lock; only install what it pins.
        #[arg(long)]
        frozen: bool,
    },
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    if let Some(dir) = &cli.directory {
        std::env::set_current_dir(dir).map_err(|e| {
            anyhow::anyhow!(
                "cannot use -C {}: {}",
                dir.display(),
                crate::error::io_reason(&e)
            )
        })?;
    }
    crate::ui::set_level(if cli.quiet {
        0
    } else if cli.verbose {
        2
    } else {
        1
    });
    if cli.offline {
        // SAFETY: single-threaded at this point; the fetcher reads it later.
        unsafe { std::env::set_var("DEVENV_OFFLINE", "1") };
    }
    match cli.command {
        Command::Init { force } => init::run(force),
        Command::Lock { frozen } => lock::run(frozen),
        Command::Install { frozen } => install::run(frozen),
        Command::Exec { frozen, command } => exec::run(frozen, &command),
        Command::Env { format, frozen } => env::run(format, frozen),
        Command::List { json } => list::run(json),
        Command::Which { name } => which::run(&name),
        Command::Ci { format } => ci::run(format),
        Command::Watch { dir, frozen } => watch::run(dir, frozen),
    }
}

/// The current directory, as an error a user understands if it is gone.
pub fn cwd() -> Result<PathBuf> {
    std::env::current_dir().map_err(|e| {
        anyhow::anyhow!(
            "cannot read the current directory: {}",
            crate::error::io_reason(&e)
        )
    })
}
