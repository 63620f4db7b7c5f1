//! The command line, as one document: every subcommand and flag is
//! declared here; each subcommand's behaviour lives in its own file.

mod add;
mod allow;
mod ci;
mod deny;
mod enter;
mod env;
mod exec;
mod gc;
mod generations;
mod hook;
mod hook_env;
mod init;
mod install;
mod list;
mod lock;
mod outdated;
mod remove;
mod rollback;
mod search;
mod shell;
mod status;
mod store;
mod update;
mod watch;
mod which;

use crate::shell::{Format, Shell};
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
  DEVENV_PLATFORM       pretend to run on another platform (e.g. macos-aarch64)
  DEVENV_NPM_REGISTRY   npm registry base URL (default https://registry.npmjs.org)
  DEVENV_PYPI_URL       PyPI base URL, serving /pypi/NAME/json (default https://pypi.org)
  DEVENV_NODE_MIRROR    Node.js downloads, serving index.json (default https://nodejs.org/dist)
  DEVENV_GO_MIRROR      Go downloads, serving /dl/?mode=json (default https://go.dev)
  DEVENV_ZIG_MIRROR     Zig downloads, serving /download/index.json (default https://ziglang.org)
  DEVENV_PYTHON_MIRROR  CPython builds, serving /download-metadata.json (uv's format)
                        (each overrides `[settings] mirrors` in devenv.toml)";

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
    /// Add tools to devenv.toml and lock them: `devenv add node@22 "pypi:uv@0.5"`.
    Add {
        /// NAME or NAME@VERSION (a catalog name or BACKEND:PACKAGE); no version means `latest`.
        #[arg(required = true, value_name = "TOOL[@VERSION]")]
        tools: Vec<String>,
        /// Take the tools from this source of their catalog entry (e.g. `npm`, `pypi`).
        #[arg(long)]
        source: Option<String>,
        /// Only edit devenv.toml; do not resolve.
        #[arg(long)]
        no_lock: bool,
    },
    /// Remove tools from devenv.toml and devenv.lock.
    Remove {
        #[arg(required = true, value_name = "TOOL")]
        tools: Vec<String>,
    },
    /// Re-resolve tools to the newest versions their constraints allow (all when none are named).
    Update {
        #[arg(value_name = "TOOL")]
        tools: Vec<String>,
    },
    /// Show, per tool, the locked version, the newest its constraint allows, and the newest of all.
    Outdated,
    /// Find tools: catalog entries, npm packages, and the PyPI project of that name.
    Search {
        /// A word to look for.
        word: String,
    },
    /// Print the absolute path a command resolves to inside the environment.
    Which {
        /// The command name.
        name: String,
    },
    /// List this project's generations: every lock it has used.
    Generations {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Restore the previous generation's lock (or generation N), offline.
    Rollback {
        /// The generation to restore (default: the one before the current).
        generation: Option<u32>,
    },
    /// Delete store entries no project, recent generation or running shell uses.
    Gc {
        /// Only show what would be freed.
        #[arg(long)]
        dry_run: bool,
    },
    /// Inspect the store.
    Store {
        #[command(subcommand)]
        command: StoreCommand,
    },
    /// Run a shell (or `-- CMD`) with tools on PATH, without a manifest.
    Shell {
        /// Tools as NAME@VERSION, e.g. node@22 "pypi:ruff@0.7"; no @ means latest.
        #[arg(required = true, value_name = "TOOL@VERSION")]
        tools: Vec<String>,
        /// The command to run instead of $SHELL.
        #[arg(last = true, value_name = "CMD")]
        command: Vec<String>,
    },
    /// Print the shell hook that activates projects as you `cd`.
    ///
    /// bash: add `eval "$(devenv hook bash)"` to ~/.bashrc;
    /// zsh: `eval "$(devenv hook zsh)"` to ~/.zshrc;
    /// fish: `devenv hook fish | source` to ~/.config/fish/config.fish.
    Hook {
        /// The shell to print the hook for.
        #[arg(value_enum)]
        shell: Shell,
    },
    /// What the shell hook runs when the directory's project or a watched
    /// file changed: prints shell code that moves to the new environment.
    #[command(hide = true)]
    HookEnv {
        /// The syntax of the code to print.
        #[arg(long, value_enum)]
        shell: Shell,
    },
    /// Let the shell hook activate this project's devenv.toml as it is now.
    Allow {
        /// The project directory (default: the current one).
        dir: Option<PathBuf>,
    },
    /// Stop the shell hook from activating this project's devenv.toml.
    Deny {
        /// The project directory (default: the current one).
        dir: Option<PathBuf>,
    },
    /// Show the active project, this directory's project, its trust state,
    /// the watched files and the tools that are not installed.
    Status {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Start a shell inside the project's environment (or run one command,
    /// like `exec`).
    Enter {
        /// The shell to start (default: $SHELL).
        #[arg(long, value_name = "SHELL")]
        shell: Option<String>,
        /// A command to run instead of a shell.
        #[arg(last = true, value_name = "CMD")]
        command: Vec<String>,
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

#[derive(Subcommand, Debug)]
pub enum StoreCommand {
    /// Re-hash every entry and report any that changed since it was installed.
    Verify {
        /// Re-download and reinstall entries that changed.
        #[arg(long)]
        repair: bool,
    },
    /// Print the store path of a tool of the current project.
    Path {
        /// The tool's name as in devenv.toml.
        tool: String,
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
        Command::Generations { json } => generations::run(json),
        Command::Rollback { generation } => rollback::run(generation),
        Command::Gc { dry_run } => gc::run(dry_run),
        Command::Store {
            command: StoreCommand::Verify { repair },
        } => store::verify(repair),
        Command::Store {
            command: StoreCommand::Path { tool },
        } => store::path(&tool),
        Command::Shell { tools, command } => shell::run(&tools, &command),
        Command::Add {
            tools,
            source,
            no_lock,
        } => add::run(&tools, source.as_deref(), no_lock),
        Command::Remove { tools } => remove::run(&tools),
        Command::Update { tools } => update::run(&tools),
        Command::Outdated => outdated::run(),
        Command::Search { word } => search::run(&word),
        Command::Hook { shell } => hook::run(shell),
        Command::HookEnv { shell } => hook_env::run(shell),
        Command::Allow { dir } => allow::run(dir.as_deref()),
        Command::Deny { dir } => deny::run(dir.as_deref()),
        Command::Status { json } => status::run(json),
        Command::Enter { shell, command } => enter::run(shell.as_deref(), &command),
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
