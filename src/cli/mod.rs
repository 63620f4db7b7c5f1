//! The command line, as one document: every subcommand and flag is
//! declared here; each subcommand's behaviour lives in its own file.

mod add;
mod allow;
mod attest;
mod cache;
mod ci;
mod completions;
mod deny;
mod enter;
mod env;
mod exec;
mod gc;
mod generate;
mod generations;
mod help;
mod hook;
mod hook_env;
mod init;
mod install;
mod list;
mod lock;
mod outdated;
mod remove;
mod rollback;
mod run;
mod search;
mod shell;
mod status;
mod store;
mod update;
mod verify;
mod watch;
mod which;

use anyhow::Result;
pub(crate) use attest::trusted_root as attest_trusted_root;
use clap::{Parser, Subcommand};
use clap_complete::engine::ArgValueCandidates;
pub(crate) use completions::COMPLETE_VAR;
use devenv_shell::{Format, Shell};
use std::path::PathBuf;

/// Per-project development environments: pinned toolchains and variables, no containers.
#[derive(Parser, Debug)]
#[command(
    name = "devenv",
    version,
    about,
    after_help = devenv_model::config::vars::help_text(),
    propagate_version = true,
    disable_help_subcommand = true
)]
pub(crate) struct Cli {
    /// Run as if started in DIR.
    #[arg(short = 'C', value_name = "DIR", global = true)]
    pub(crate) directory: Option<PathBuf>,
    /// Print only errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub(crate) quiet: bool,
    /// Print more detail about what happens.
    #[arg(short, long, global = true)]
    pub(crate) verbose: bool,
    /// Never touch the network; use only the lock and the store.
    #[arg(long, global = true)]
    pub(crate) offline: bool,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand, Debug)]
pub(crate) enum Command {
    /// Write a devenv.toml in the current directory, imported from the
    /// version files already there (.tool-versions, .nvmrc, .node-version,
    /// .python-version, mise.toml, rust-toolchain.toml, go.mod, devbox.json,
    /// .envrc), or a commented template when there are none.
    #[command(
        after_long_help = "Examples:\n  devenv init                      # import .tool-versions, .nvmrc, mise.toml, .envrc…\n  devenv init --from .nvmrc --allow"
    )]
    Init {
        /// Overwrite an existing devenv.toml.
        #[arg(long)]
        force: bool,
        /// Import only this file.
        #[arg(long, value_name = "FILE", conflicts_with = "bare")]
        from: Option<PathBuf>,
        /// Write the commented template; import nothing.
        #[arg(long)]
        bare: bool,
        /// Allow the new manifest at once (`devenv allow`): you wrote it.
        #[arg(long)]
        allow: bool,
    },
    /// Resolve devenv.toml into devenv.lock (exact versions, URLs, digests).
    #[command(
        after_long_help = "Examples:\n  devenv lock\n  devenv lock --frozen             # in CI: fail if devenv.lock does not match"
    )]
    Lock {
        /// Fail instead of writing if the lock does not match devenv.toml.
        #[arg(long)]
        frozen: bool,
        /// In a workspace: act on this member only (its directory relative
        /// to the workspace root, or its name); without it, on every member.
        #[arg(short = 'p', long = "member", value_name = "MEMBER")]
        member: Option<String>,
    },
    /// Download, verify and store every tool the lock pins for this machine.
    #[command(
        after_long_help = "Examples:\n  devenv install\n  devenv --offline install         # only from the store; names what is missing"
    )]
    Install {
        /// Use devenv.lock as it is; fail if it is missing or stale.
        #[arg(long)]
        frozen: bool,
        /// In a workspace: act on this member only (its directory relative
        /// to the workspace root, or its name); without it, on every member.
        #[arg(short = 'p', long = "member", value_name = "MEMBER")]
        member: Option<String>,
        /// Not accepted: tools are added with `devenv add` (this only
        /// explains that).
        #[arg(hide = true, value_name = "TOOL")]
        tools: Vec<String>,
    },
    /// Run a command inside the project's environment.
    #[command(
        after_long_help = "Examples:\n  devenv exec -- node --version\n  devenv exec --frozen -- make test"
    )]
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
    /// Run a task of devenv.toml's [tasks] in the environment, after its
    /// `depends`; without NAME, list the tasks.
    ///
    /// A command without shell syntax runs directly (split like a shell
    /// splits words); one with pipes, `&&`, redirections, globs or `$VAR`
    /// runs through `sh -c` (or the task's `shell`).
    #[command(
        after_long_help = "Examples:\n  devenv run                       # list the tasks\n  devenv run test -- --nocapture   # after its dependencies, with extra arguments"
    )]
    Run {
        /// The task to run (none: list the tasks).
        #[arg(value_name = "NAME", add = ArgValueCandidates::new(completions::task_candidates))]
        name: Option<String>,
        /// Arguments appended to the task's last command, each kept whole.
        #[arg(last = true, value_name = "ARGS")]
        args: Vec<String>,
        /// Run tasks even when their sources and outputs say "up to date".
        #[arg(long)]
        force: bool,
        /// Use devenv.lock as it is; fail if it is missing or stale.
        #[arg(long)]
        frozen: bool,
        /// Run at most N tasks at once (default: the number of cores).
        #[arg(long, short, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
        jobs: Option<u16>,
        /// List the tasks as JSON.
        #[arg(long)]
        json: bool,
        /// In a workspace: run NAME in every member that defines it, in
        /// parallel, each line prefixed with the member.
        #[arg(long, short = 'w', requires = "name")]
        workspace: bool,
    },
    /// Print the project's environment for a shell or another program.
    #[command(
        after_long_help = "Examples:\n  devenv env --format json\n  eval \"$(devenv env --format bash)\""
    )]
    Env {
        /// Output syntax: a shell (bash, zsh, fish, tcsh, elvish, xonsh,
        /// nu), json, dotenv or github.
        #[arg(long, short, value_parser = Format::parser(), default_value = "bash")]
        format: Format,
        /// Use devenv.lock as it is; fail if it is missing or stale.
        #[arg(long)]
        frozen: bool,
    },
    /// List the pinned tools: versions, store paths, installed or not.
    #[command(after_long_help = "Examples:\n  devenv list\n  devenv list --json")]
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// Show who built each tool, as verified when it was locked:
        /// verified (the signer identity), not published, or not checked.
        #[arg(long)]
        provenance: bool,
    },
    /// Add tools to devenv.toml and lock them: `devenv add node@22 "pypi:uv@0.5"`.
    #[command(
        after_long_help = "Examples:\n  devenv add node@22 \"pypi:uv@0.5\"\n  devenv add go@1.23 --source pypi"
    )]
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
    #[command(after_long_help = "Examples:\n  devenv remove ruff")]
    Remove {
        /// The tools to remove, by their names in devenv.toml.
        #[arg(required = true, value_name = "TOOL", add = ArgValueCandidates::new(completions::tool_candidates))]
        tools: Vec<String>,
    },
    /// Re-resolve tools to the newest versions their constraints allow (all when none are named).
    #[command(
        after_long_help = "Examples:\n  devenv update                    # every tool\n  devenv update node"
    )]
    Update {
        /// The tools to update, by their names in devenv.toml (default: all).
        #[arg(value_name = "TOOL", add = ArgValueCandidates::new(completions::tool_candidates))]
        tools: Vec<String>,
        /// In a workspace: act on this member only (its directory relative
        /// to the workspace root, or its name); without it, on every member.
        #[arg(short = 'p', long = "member", value_name = "MEMBER")]
        member: Option<String>,
    },
    /// Show, per tool, the locked version, the newest its constraint allows, and the newest of all.
    #[command(after_long_help = "Examples:\n  devenv outdated\n  devenv outdated --json")]
    Outdated {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// In a workspace: act on this member only (its directory relative
        /// to the workspace root, or its name); without it, on every member.
        #[arg(short = 'p', long = "member", value_name = "MEMBER")]
        member: Option<String>,
    },
    /// Find tools: catalog entries, npm packages, and the PyPI project of that name.
    #[command(after_long_help = "Examples:\n  devenv search lint")]
    Search {
        /// A word to look for.
        word: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Print the absolute path a command resolves to inside the environment.
    #[command(after_long_help = "Examples:\n  devenv which node")]
    Which {
        /// The command name.
        name: String,
    },
    /// List this project's generations: every lock it has used.
    #[command(after_long_help = "Examples:\n  devenv generations")]
    Generations {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Restore the previous generation (or generation N), offline: its lock
    /// and the [tools] and [env] of its devenv.toml.
    #[command(
        after_long_help = "Examples:\n  devenv rollback                  # the generation before this one\n  devenv rollback 3 --lock-only"
    )]
    Rollback {
        /// The generation to restore (default: the one before the current).
        generation: Option<u32>,
        /// Restore devenv.lock only and leave devenv.toml as it is.
        #[arg(long)]
        lock_only: bool,
    },
    /// Delete store entries no project, recent generation or running shell uses.
    #[command(after_long_help = "Examples:\n  devenv gc --dry-run\n  devenv gc")]
    Gc {
        /// Only show what would be freed.
        #[arg(long)]
        dry_run: bool,
        /// Print JSON instead of text (what was, or would be, deleted and kept).
        #[arg(long)]
        json: bool,
    },
    /// Fill and inspect the team caches (`[settings] caches`, DEVENV_CACHES).
    #[command(
        after_long_help = "Examples:\n  devenv cache push --platforms all\n  devenv cache status"
    )]
    Cache {
        #[command(subcommand)]
        command: CacheCommand,
    },
    /// Verify again, offline, the provenance devenv.lock records: each
    /// kept bundle against the trusted root, expecting exactly the recorded
    /// identity and issuer (a bundle not kept on this machine is fetched
    /// again, unless --offline).
    #[command(
        after_long_help = "Examples:\n  devenv verify                    # every recorded builder, again\n  devenv --offline verify          # only from the bundles kept here"
    )]
    Verify,
    /// Check Sigstore signatures and attestations offline.
    #[command(
        after_long_help = "Examples:\n  devenv attest verify --bundle tool.sigstore.json \\\n    --identity https://github.com/OWNER/REPO/.github/workflows/release.yml@refs/tags/v1 \\\n    --issuer https://token.actions.githubusercontent.com tool.tar.gz"
    )]
    Attest {
        #[command(subcommand)]
        command: AttestCommand,
    },
    /// Inspect the store.
    #[command(
        after_long_help = "Examples:\n  devenv store verify --repair\n  devenv store path node"
    )]
    Store {
        #[command(subcommand)]
        command: StoreCommand,
    },
    /// Run a shell (or `-- CMD`) with tools on PATH, without a manifest.
    #[command(
        after_long_help = "Examples:\n  devenv shell node@22 -- node --version\n  devenv shell \"pypi:httpie@3\""
    )]
    Shell {
        /// Tools as NAME@VERSION, e.g. node@22 "pypi:ruff@0.7"; no @ means latest.
        #[arg(required = true, value_name = "TOOL@VERSION")]
        tools: Vec<String>,
        /// Take the tools from this source of their catalog entry (e.g. `npm`, `pypi`).
        #[arg(long)]
        source: Option<String>,
        /// The command to run instead of $SHELL.
        #[arg(last = true, value_name = "CMD")]
        command: Vec<String>,
    },
    /// Print the shell hook that activates projects as you `cd`.
    ///
    /// bash: add `eval "$(devenv hook bash)"` to ~/.bashrc;
    /// zsh: `eval "$(devenv hook zsh)"` to ~/.zshrc;
    /// fish: `devenv hook fish | source` to ~/.config/fish/config.fish;
    /// tcsh: `devenv hook tcsh >! ~/.devenv.tcsh && source ~/.devenv.tcsh` in ~/.tcshrc;
    /// elvish: `eval (devenv hook elvish | slurp)` to ~/.config/elvish/rc.elv;
    /// xonsh: `execx($(devenv hook xonsh))` to ~/.xonshrc;
    /// nu: `devenv hook nu | save -f ~/.config/nushell/devenv.nu` once,
    /// then `source ~/.config/nushell/devenv.nu` in config.nu.
    #[command(after_long_help = "Examples:\n  eval \"$(devenv hook bash)\"       # in ~/.bashrc")]
    Hook {
        /// The shell to print the hook for.
        #[arg(value_parser = Shell::parser())]
        shell: &'static Shell,
    },
    /// What the shell hook runs when the directory's project or a watched
    /// file changed: prints shell code that moves to the new environment.
    #[command(hide = true)]
    HookEnv {
        /// The syntax of the code to print.
        #[arg(long, value_parser = Shell::parser())]
        shell: &'static Shell,
    },
    /// Print the script that completes devenv's commands, tasks and tools
    /// as you press TAB.
    ///
    /// bash: add `source <(devenv completions bash)` to ~/.bashrc;
    /// zsh: `source <(devenv completions zsh)` to ~/.zshrc (after compinit);
    /// fish: `devenv completions fish | source` to ~/.config/fish/config.fish.
    #[command(after_long_help = "Examples:\n  source <(devenv completions bash)   # in ~/.bashrc")]
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: completions::CompletionShell,
    },
    /// Let the shell hook activate this project's devenv.toml as it is now.
    #[command(after_long_help = "Examples:\n  devenv allow\n  devenv allow ../other-project")]
    Allow {
        /// The project directory (default: the current one).
        dir: Option<PathBuf>,
    },
    /// Stop the shell hook from activating this project's devenv.toml.
    #[command(after_long_help = "Examples:\n  devenv deny")]
    Deny {
        /// The project directory (default: the current one).
        dir: Option<PathBuf>,
    },
    /// Show the active project, this directory's project, its trust state,
    /// the watched files and the tools that are not installed.
    #[command(after_long_help = "Examples:\n  devenv status\n  devenv status --json")]
    Status {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Start a shell inside the project's environment (or run one command,
    /// like `exec`).
    #[command(after_long_help = "Examples:\n  devenv enter\n  devenv enter --shell zsh")]
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
    #[command(
        after_long_help = "Examples:\n  devenv ci                        # GitHub Actions: exports to later steps\n  eval \"$(devenv ci --format bash)\"   # GitLab CI and others"
    )]
    Ci {
        /// Print the environment on stdout in this syntax instead
        /// (`github` forces GitHub Actions' files).
        #[arg(long, short, value_parser = Format::parser())]
        format: Option<Format>,
    },
    /// Prepare the environment in the background: re-lock and install
    /// whenever devenv.toml, devenv.lock or a dotenv file changes.
    #[command(after_long_help = "Examples:\n  devenv watch &")]
    Watch {
        /// The project directory (default: the current one).
        dir: Option<PathBuf>,
        /// Never write devenv.lock; only install what it pins.
        #[arg(long)]
        frozen: bool,
        /// Build once and exit: the shell hook's background install for
        /// `settings.auto_install`.
        #[arg(long, hide = true)]
        install_once: bool,
    },
    /// Print the help of devenv or of a command, or a reference topic.
    ///
    /// Topics: `manifest` (the devenv.toml reference) and `environment`
    /// (every variable devenv reads or sets).
    #[command(after_long_help = "Examples:\n  devenv help manifest\n  devenv help cache push")]
    Help {
        /// A command (`lock`, `cache push`) or a topic (`manifest`, `environment`).
        #[arg(value_name = "COMMAND|TOPIC")]
        topic: Vec<String>,
    },
    /// Write the man pages, or print a generated page of the reference.
    ///
    /// The pages in docs/ are these outputs; `man` writes devenv.1 and one
    /// page per command into DIR.
    #[command(
        after_long_help = "Examples:\n  devenv generate man ~/.local/share/man/man1\n  devenv generate environment > docs/src/environment.md"
    )]
    Generate {
        /// What to generate.
        #[arg(value_enum)]
        what: generate::What,
        /// Where `man` writes the pages.
        #[arg(value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum CacheCommand {
    /// Upload the artifacts pinned in devenv.lock to the first cache;
    /// what it already has is skipped.
    #[command(
        after_long_help = "Examples:\n  devenv cache push\n  devenv cache push --platforms all node"
    )]
    Push {
        /// `all`: every platform of the lock, so one machine fills the
        /// cache for the others.
        #[arg(long, value_enum, default_value = "current")]
        platforms: cache::Platforms,
        /// Only these tools (default: all).
        #[arg(value_name = "TOOL")]
        tools: Vec<String>,
    },
    /// For each artifact of devenv.lock, whether each cache has it.
    #[command(after_long_help = "Examples:\n  devenv cache status\n  devenv cache status --json")]
    Status {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Write the lock's artifacts to DIR as an OCI image layout (for
    /// air-gapped networks; `oci-layout:DIR` is a cache too).
    #[command(
        after_long_help = "Examples:\n  devenv cache export /mnt/usb/devenv-cache --platforms all"
    )]
    Export {
        dir: PathBuf,
        /// `all`: every platform of the lock.
        #[arg(long, value_enum, default_value = "current")]
        platforms: cache::Platforms,
    },
    /// Install this machine's tools of devenv.lock from an OCI image
    /// layout DIR, verified, without the network.
    #[command(after_long_help = "Examples:\n  devenv cache import /mnt/usb/devenv-cache")]
    Import { dir: PathBuf },
}

#[derive(Subcommand, Debug)]
pub(crate) enum AttestCommand {
    /// Check FILE against a Sigstore bundle, like `cosign verify-blob` or
    /// `gh attestation verify`, offline: the signing certificate's chain to
    /// Fulcio, the transparency log entry, the signature, and who signed.
    /// Or against a detached signature by a key: a cosign `.sig` or a
    /// minisign `.minisig`. Exits non-zero with the reason when anything
    /// does not hold.
    #[command(
        group = clap::ArgGroup::new("material").required(true).args(["bundle", "signature"]),
        group = clap::ArgGroup::new("signer").required(true).args(["identity", "identity_regexp", "key", "minisign_key"]),
        after_long_help = "Examples:\n  devenv attest verify --bundle tool.sigstore.json \\\n    --identity https://github.com/OWNER/REPO/.github/workflows/release.yml@refs/tags/v1 \\\n    --issuer https://token.actions.githubusercontent.com tool.tar.gz\n  devenv attest verify --bundle tool.sigstore.json \\\n    --identity-regexp '^https://github\\.com/OWNER/REPO/' \\\n    --issuer https://token.actions.githubusercontent.com tool.tar.gz\n  devenv attest verify --bundle blob.sigstore.json --key cosign.pub blob\n  devenv attest verify --signature checksums.txt.sig --key cosign.pub checksums.txt\n  devenv attest verify --signature tool.tar.gz.minisig --minisign-key RWQ... tool.tar.gz"
    )]
    Verify {
        /// The Sigstore bundle (JSON, v0.1 to v0.3).
        #[arg(long, value_name = "FILE")]
        bundle: Option<PathBuf>,
        /// A detached signature instead of a bundle: a cosign `.sig` (with
        /// `--key`) or a minisign `.minisig` (with `--minisign-key`). Only
        /// the key is checked: no transparency log is consulted.
        #[arg(long, value_name = "FILE", conflicts_with_all = ["identity", "identity_regexp", "issuer"])]
        signature: Option<PathBuf>,
        /// The identity that must have signed: the certificate's SAN, e.g.
        /// `https://github.com/OWNER/REPO/.github/workflows/release.yml@refs/tags/v1.2.3`.
        #[arg(
            long,
            value_name = "ID",
            requires = "issuer",
            conflicts_with = "identity_regexp"
        )]
        identity: Option<String>,
        /// A pattern the identity must match instead, as cosign's
        /// `--certificate-identity-regexp`: a Go regular expression, found
        /// anywhere in the SAN unless anchored with `^` and `$`.
        #[arg(long, value_name = "RE", requires = "issuer")]
        identity_regexp: Option<String>,
        /// The OIDC issuer of that identity, e.g.
        /// `https://token.actions.githubusercontent.com`.
        #[arg(long, value_name = "URL")]
        issuer: Option<String>,
        /// A public key (PEM) that must have signed, instead of an identity.
        #[arg(long, value_name = "PEM", conflicts_with_all = ["identity", "identity_regexp", "issuer"])]
        key: Option<PathBuf>,
        /// The minisign public key that must have signed the `--signature`:
        /// the `RW…` line, or a `minisign.pub` file.
        #[arg(long, value_name = "KEY", requires = "signature", conflicts_with_all = ["bundle", "key"])]
        minisign_key: Option<String>,
        /// Trust this `trusted_root.json` instead of the Sigstore public-good
        /// root devenv ships.
        #[arg(long, value_name = "FILE")]
        trusted_root: Option<PathBuf>,
        /// The signed file.
        file: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub(crate) enum StoreCommand {
    /// Re-hash every entry and report any that changed since it was installed.
    #[command(after_long_help = "Examples:\n  devenv store verify\n  devenv store verify --repair")]
    Verify {
        /// Re-download and reinstall entries that changed.
        #[arg(long)]
        repair: bool,
    },
    /// Print the store path of a tool of the current project.
    #[command(after_long_help = "Examples:\n  devenv store path node")]
    Path {
        /// The tool's name as in devenv.toml.
        #[arg(add = ArgValueCandidates::new(completions::tool_candidates))]
        tool: String,
    },
}

/// Runs the parsed command line.
/// The two commands on the hot path, in exactly the shapes the shell hooks
/// and scripts use — `hook-env --shell NAME` and `exec [--] CMD…` with no
/// other flag — parsed without building clap's tree of every subcommand
/// (about a quarter of `hook-env`'s instructions). Anything else, help and
/// errors included, is `None`: clap parses it, so the two parsers cannot
/// disagree on a line this one accepts (the test
/// `fast_parse_agrees_with_clap` holds them together).
pub(crate) fn fast_parse(args: impl IntoIterator<Item = std::ffi::OsString>) -> Option<Cli> {
    let mut args = args.into_iter().skip(1);
    let cli = |command| Cli {
        directory: None,
        quiet: false,
        verbose: false,
        offline: false,
        command,
    };
    let first = args.next()?;
    match first.to_str()? {
        "hook-env" => {
            let shell = match (args.next()?.to_str()?, args.next()) {
                ("--shell", Some(name)) => Shell::find(name.to_str()?)?,
                (flag, None) => Shell::find(flag.strip_prefix("--shell=")?)?,
                _ => return None,
            };
            args.next()
                .is_none()
                .then(|| cli(Command::HookEnv { shell }))
        }
        "exec" => {
            let head = args.next()?;
            let mut command: Vec<String> = Vec::new();
            match head.to_str()? {
                "--" => {}
                word if !word.starts_with('-') && !word.is_empty() => {
                    command.push(word.to_string())
                }
                _ => return None,
            }
            for arg in args {
                command.push(arg.into_string().ok()?);
            }
            (!command.is_empty()).then(|| {
                cli(Command::Exec {
                    frozen: false,
                    command,
                })
            })
        }
        _ => None,
    }
}

pub(crate) fn run(cli: Cli) -> Result<()> {
    if let Some(dir) = &cli.directory {
        std::env::set_current_dir(dir).map_err(|e| {
            anyhow::anyhow!(
                "cannot use -C {}: {}",
                dir.display(),
                devenv_model::error::io_reason(&e)
            )
        })?;
    }
    devenv_model::ui::set_level(if cli.quiet {
        0
    } else if cli.verbose {
        2
    } else {
        1
    });
    // Flags and environment, resolved once (after -C: relative paths in
    // the environment are the user's, from the directory asked for).
    let config = devenv_model::config::Config::from_env(cli.offline)?;
    if !matches!(
        cli.command,
        Command::Hook { .. } | Command::Help { .. } | Command::Generate { .. }
    ) {
        // Every other command pins, installs or activates for this machine:
        // say now, once, if it is not one devenv serves.
        config.host()?;
    }
    let config = &config;
    match cli.command {
        Command::Init {
            force,
            from,
            bare,
            allow,
        } => {
            init::run(
                config,
                init::Args {
                    force,
                    from: from.as_deref(),
                    bare,
                },
            )?;
            if allow {
                allow::run(config, None)?;
            }
            Ok(())
        }
        Command::Lock { frozen, member } => lock::run(config, frozen, member.as_deref()),
        Command::Install {
            frozen,
            tools,
            member,
        } => install::run(config, frozen, &tools, member.as_deref()),
        Command::Exec { frozen, command } => exec::run(config, frozen, &command),
        Command::Env { format, frozen } => env::run(config, format, frozen),
        Command::Run {
            name,
            args,
            force,
            frozen,
            jobs,
            json,
            workspace,
        } => run::run(
            config,
            run::Args {
                name: name.as_deref(),
                args: &args,
                force,
                frozen,
                jobs,
                json,
                workspace,
            },
        ),
        Command::List { json, provenance } => list::run(config, json, provenance),
        Command::Which { name } => which::run(config, &name),
        Command::Generations { json } => generations::run(config, json),
        Command::Rollback {
            generation,
            lock_only,
        } => rollback::run(config, generation, lock_only),
        Command::Gc { dry_run, json } => gc::run(config, dry_run, json),
        Command::Store {
            command: StoreCommand::Verify { repair },
        } => store::verify(config, repair),
        Command::Store {
            command: StoreCommand::Path { tool },
        } => store::path(config, &tool),
        Command::Verify => verify::run(config),
        Command::Attest {
            command:
                AttestCommand::Verify {
                    bundle,
                    signature,
                    identity,
                    identity_regexp,
                    issuer,
                    key,
                    minisign_key,
                    trusted_root,
                    file,
                },
        } => attest::verify(attest::VerifyArgs {
            material: match (&bundle, &signature) {
                (Some(bundle), _) => attest::Material::Bundle(bundle),
                (None, Some(signature)) => attest::Material::Signature(signature),
                // clap requires one of the two.
                (None, None) => unreachable!("clap requires --bundle or --signature"),
            },
            signer: match (identity, identity_regexp, issuer, key, minisign_key) {
                (_, _, _, Some(key), _) => attest::Signer::Key(key),
                (_, _, _, _, Some(key)) => attest::Signer::Minisign(key),
                (Some(identity), _, Some(issuer), _, _) => {
                    attest::Signer::Identity { identity, issuer }
                }
                (None, Some(pattern), Some(issuer), _, _) => {
                    attest::Signer::IdentityRegex { pattern, issuer }
                }
                // clap requires one of them, an identity with its issuer.
                _ => unreachable!("clap requires an identity with --issuer, or a key"),
            },
            trusted_root: trusted_root.as_deref(),
            file: &file,
        }),
        Command::Cache { command } => match command {
            CacheCommand::Push { platforms, tools } => cache::push(config, platforms, &tools),
            CacheCommand::Status { json } => cache::status(config, json),
            CacheCommand::Export { dir, platforms } => cache::export(config, &dir, platforms),
            CacheCommand::Import { dir } => cache::import(config, &dir),
        },
        Command::Shell {
            tools,
            source,
            command,
        } => shell::run(config, &tools, source.as_deref(), &command),
        Command::Add {
            tools,
            source,
            no_lock,
        } => add::run(config, &tools, source.as_deref(), no_lock),
        Command::Remove { tools } => remove::run(config, &tools),
        Command::Update { tools, member } => update::run(config, &tools, member.as_deref()),
        Command::Outdated { json, member } => outdated::run(config, json, member.as_deref()),
        Command::Search { word, json } => search::run(config, &word, json),
        Command::Hook { shell } => hook::run(shell),
        Command::Help { topic } => help::run(&topic),
        Command::Generate { what, dir } => generate::run(what, dir.as_deref()),
        Command::Completions { shell } => completions::run(shell),
        Command::HookEnv { shell } => hook_env::run(config, shell),
        Command::Allow { dir } => allow::run(config, dir.as_deref()),
        Command::Deny { dir } => deny::run(config, dir.as_deref()),
        Command::Status { json } => status::run(config, json),
        Command::Enter { shell, command } => enter::run(config, shell.as_deref(), &command),
        Command::Ci { format } => ci::run(config, format),
        Command::Watch {
            dir,
            frozen,
            install_once,
        } => watch::run(config, dir, frozen, install_once),
    }
}

/// The current directory, as an error a user understands if it is gone.
pub(crate) use crate::project::cwd;

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    /// Every line the fast parser accepts, clap parses the same way; the
    /// lines it declines go to clap.
    #[test]
    fn fast_parse_agrees_with_clap() {
        let parsed = |line: &[&str]| {
            let argv: Vec<std::ffi::OsString> = line.iter().map(Into::into).collect();
            (
                fast_parse(argv.clone()).map(|c| format!("{c:?}")),
                Cli::try_parse_from(argv).map(|c| format!("{c:?}")),
            )
        };
        let accepted: &[&[&str]] = &[
            &["devenv", "hook-env", "--shell", "bash"],
            &["devenv", "hook-env", "--shell=fish"],
            &["devenv", "hook-env", "--shell", "nushell"],
            &["devenv", "exec", "--", "true"],
            &["devenv", "exec", "--", "sh", "-c", "echo $1", "--", "-x"],
            &["devenv", "exec", "node", "--version", "--frozen"],
            &["devenv", "exec", "--", "--frozen"],
        ];
        for line in accepted {
            let (fast, clap) = parsed(line);
            assert!(fast.is_some(), "{line:?} takes the fast path");
            assert_eq!(fast, clap.ok(), "{line:?}");
        }
        let declined: &[&[&str]] = &[
            &["devenv"],
            &["devenv", "hook-env"],
            &["devenv", "hook-env", "--shell"],
            &["devenv", "hook-env", "--shell", "cmd.exe"],
            &["devenv", "hook-env", "--shell", "bash", "extra"],
            &["devenv", "hook-env", "--help"],
            &["devenv", "exec"],
            &["devenv", "exec", "--"],
            &["devenv", "exec", "--frozen", "true"],
            &["devenv", "exec", "-q", "true"],
            &["devenv", "-q", "exec", "true"],
            &["devenv", "exec", "--help"],
            &["devenv", "exec", ""],
            &["devenv", "status"],
        ];
        for line in declined {
            assert!(parsed(line).0.is_none(), "{line:?} goes to clap");
        }
    }
}
