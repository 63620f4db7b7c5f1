//! Every environment variable devenv reads or sets, declared once.
//!
//! This table is the only place a `DEVENV_*` name is spelled: the
//! configuration reads each setting through its entry ([`super::Config`]
//! and [`super::Config::var`] take a [`Var`], not a string), `devenv --help`
//! lists [`SETTINGS`] from it, and the reference page
//! `docs/src/environment.md` is generated from it (`devenv generate
//! environment`), so none of the three can name a variable the others lack.

/// One environment variable: its name and what it means.
#[derive(Debug, PartialEq, Eq)]
pub struct Var {
    /// The variable's name.
    pub name: &'static str,
    /// What a value looks like (`DIR`, `SECONDS`, `1|0`, `URL`…), for
    /// `--help` and the reference.
    pub value: &'static str,
    /// One line for `devenv --help`.
    pub help: &'static str,
    /// The reference's description (Markdown), when it says more than
    /// [`Var::help`]; empty otherwise.
    pub doc: &'static str,
}

impl Var {
    /// The reference's description: [`Var::doc`], else [`Var::help`].
    pub fn description(&self) -> &'static str {
        if self.doc.is_empty() {
            self.help
        } else {
            self.doc
        }
    }
}

macro_rules! vars {
    ($($(#[$meta:meta])* $id:ident = $name:literal, $value:literal, $help:literal $(, $doc:literal)?;)*) => {
        $($(#[$meta])* pub const $id: Var = Var {
            name: $name,
            value: $value,
            help: $help,
            doc: concat!("" $(, $doc)?),
        };)*
    };
}

vars! {
    /// Root of all machine-wide state.
    HOME = "DEVENV_HOME", "DIR",
        "root of the store, trust records and generations (default: the platform data directory, e.g. ~/.local/share/devenv)",
        "root of all machine-wide state: the store, trust records, generations and logs (default: the platform data directory, `~/.local/share/devenv` on Linux, `~/Library/Application Support/devenv` on macOS)";
    /// Where the store's entries live instead of `$DEVENV_HOME/store`.
    CACHE_DIR = "DEVENV_CACHE_DIR", "DIR",
        "keep the store of toolchains here instead of $DEVENV_HOME/store: the one directory a CI system should cache between runs";
    /// Like `--frozen` for every command.
    FROZEN = "DEVENV_FROZEN", "1|0",
        "like --frozen: never write devenv.lock";
    /// Like `--offline`.
    OFFLINE = "DEVENV_OFFLINE", "1|0",
        "like --offline: no network access at all",
        "like `--offline`: no network access at all; `--offline` reaches the commands `exec`, `enter` and `shell` start as `DEVENV_OFFLINE=1`";
    /// The stall timeout of a download.
    HTTP_TIMEOUT = "DEVENV_HTTP_TIMEOUT", "SECONDS",
        "seconds before a stalled download fails (default 30)";
    /// Retries of transient failures.
    HTTP_RETRIES = "DEVENV_HTTP_RETRIES", "N",
        "retries on connection errors, 5xx, 429 and 408 answers (default 3)",
        "retries on connection errors, 5xx, 429 and 408 answers (default 3, at most 100); a pause doubles each time, with random jitter, and a server's `Retry-After` (seconds or an HTTP date, at most 60 s) is honoured and said";
    /// The first pause before a retry.
    HTTP_BACKOFF_MS = "DEVENV_HTTP_BACKOFF_MS", "MILLISECONDS",
        "the first pause before a retry, doubled each time (default 200)";
    /// The slowest transfer tolerated.
    HTTP_MIN_SPEED = "DEVENV_HTTP_MIN_SPEED", "BYTES/S",
        "the slowest download tolerated, averaged over DEVENV_HTTP_TIMEOUT (default 1024)",
        "the slowest download tolerated, in bytes/s averaged over `DEVENV_HTTP_TIMEOUT` (default 1024)";
    /// The bound on devenv's parallelism.
    JOBS = "DEVENV_JOBS", "N",
        "downloads, installs and registry look-ups at once (default 8, at most 256)",
        "how many downloads, installs, tree members, registry look-ups, cache transfers and a new store entry's file flushes run at once (default 8, at most 256): the one bound on devenv's threads and connections";
    /// The largest download.
    MAX_DOWNLOAD_MB = "DEVENV_MAX_DOWNLOAD_MB", "MIB",
        "the largest download (default 4096)";
    /// The largest manifest, lock, dotenv file or record read.
    MAX_FILE_MB = "DEVENV_MAX_FILE_MB", "MIB",
        "the largest manifest, lock, dotenv file or record devenv reads (defaults: manifest 1, lock 32, dotenv 1)";
    /// The most bytes an archive may unpack to.
    MAX_UNPACKED_MB = "DEVENV_MAX_UNPACKED_MB", "MIB",
        "the most content an archive may unpack to (default 8192)";
    /// The most entries an archive may hold.
    MAX_FILES = "DEVENV_MAX_FILES", "N",
        "the most entries an archive may unpack (default 500000)";
    /// The team caches, replacing `[settings] caches`.
    CACHES = "DEVENV_CACHES", "LIST",
        "team caches, comma-separated (oci://HOST/REPO, oci-layout:DIR); replaces `[settings] caches`; empty turns caches off";
    /// The bearer token for the caches of `DEVENV_CACHES`.
    CACHE_TOKEN = "DEVENV_CACHE_TOKEN", "TOKEN",
        "a bearer token for the registry caches of DEVENV_CACHES (never sent to a cache only the repository names)",
        "a bearer token sent to the registry caches of your `DEVENV_CACHES` only (never to a cache only the repository names; see [Security](security.md))";
    /// More hosts `DEVENV_CACHE_TOKEN` may be sent to.
    CACHE_TOKEN_HOSTS = "DEVENV_CACHE_TOKEN_HOSTS", "HOSTS",
        "more hosts (host[:port] or URLs, comma-separated) DEVENV_CACHE_TOKEN may be sent to";
    /// More hosts `GITHUB_TOKEN` may be sent to.
    GITHUB_TOKEN_HOSTS = "DEVENV_GITHUB_TOKEN_HOSTS", "HOSTS",
        "more hosts (host[:port] or URLs, comma-separated) GITHUB_TOKEN may be sent to, besides DEVENV_GITHUB_API's";
    /// Pretend to run on another platform.
    PLATFORM = "DEVENV_PLATFORM", "PLATFORM",
        "pretend to run on another platform (e.g. macos-aarch64, linux-x86_64-musl); malformed is an error";
    /// The GitHub API, for `github:` and aqua tools.
    GITHUB_API = "DEVENV_GITHUB_API", "URL",
        "GitHub API base URL, also for aqua tools (default https://api.github.com)";
    /// The npm registry.
    NPM_REGISTRY = "DEVENV_NPM_REGISTRY", "URL",
        "npm registry base URL (default https://registry.npmjs.org)";
    /// PyPI.
    PYPI_URL = "DEVENV_PYPI_URL", "URL",
        "PyPI base URL, serving /pypi/NAME/json (default https://pypi.org)";
    /// Node.js's downloads.
    NODE_MIRROR = "DEVENV_NODE_MIRROR", "URL",
        "Node.js downloads, serving index.json (default https://nodejs.org/dist)";
    /// Go's downloads.
    GO_MIRROR = "DEVENV_GO_MIRROR", "URL",
        "Go downloads, serving /dl/?mode=json (default https://go.dev)";
    /// Zig's downloads.
    ZIG_MIRROR = "DEVENV_ZIG_MIRROR", "URL",
        "Zig downloads, serving /download/index.json (default https://ziglang.org)";
    /// CPython builds.
    PYTHON_MIRROR = "DEVENV_PYTHON_MIRROR", "URL",
        "CPython builds, serving /download-metadata.json (uv's format)";
    /// HashiCorp's releases.
    HASHICORP_MIRROR = "DEVENV_HASHICORP_MIRROR", "URL",
        "HashiCorp releases mirror (default https://releases.hashicorp.com)";
    /// The Adoptium API, for Java.
    ADOPTIUM_API = "DEVENV_ADOPTIUM_API", "URL",
        "Adoptium API base URL, for java (default https://api.adoptium.net)";
    /// The Rust dist server.
    RUST_MIRROR = "DEVENV_RUST_MIRROR", "URL",
        "Rust dist server, serving the channel manifests (default https://static.rust-lang.org)";
    /// The crate registry's sparse index, for `cargo:` tools.
    CARGO_INDEX = "DEVENV_CARGO_INDEX", "URL",
        "the crate registry's sparse index, for `cargo:` tools and their dependencies (default https://index.crates.io)";
    /// URL prefix rewrites for downloads.
    URL_MIRRORS = "DEVENV_URL_MIRRORS", "FROM=TO;…",
        "URL prefix rewrites for aqua `http` downloads, `;`-separated FROM=TO pairs",
        "`FROM=TO` URL prefix rewrites, `;`-separated, for aqua `http` downloads (override the URL prefixes of `[settings] mirrors`)";

    /// Set while a project is active: its root.
    ROOT = "DEVENV_ROOT", "DIR",
        "set by devenv while a project is active: the project's root directory";
    /// Set while a project is active: its name.
    PROJECT_NAME = "DEVENV_PROJECT_NAME", "NAME",
        "set by devenv while a project is active: the project's name (its directory's)",
        "set by devenv while a project is active: the project's name (its directory's); `[env]` reads it as `${DEVENV_PROJECT_NAME}`";
    /// Set while a project is active.
    ACTIVE = "DEVENV_ACTIVE", "1",
        "set by devenv while a project is active, for prompts such as starship or powerlevel10k";
    /// Set by the completion scripts.
    COMPLETE = "DEVENV_COMPLETE", "SHELL",
        "set by the script of `devenv completions` when it asks devenv for completions";
}

/// The variables devenv is configured by, in the order `--help` and the
/// reference list them.
pub const SETTINGS: &[&Var] = &[
    &HOME,
    &CACHE_DIR,
    &FROZEN,
    &OFFLINE,
    &HTTP_TIMEOUT,
    &HTTP_RETRIES,
    &HTTP_BACKOFF_MS,
    &HTTP_MIN_SPEED,
    &JOBS,
    &MAX_DOWNLOAD_MB,
    &MAX_FILE_MB,
    &MAX_UNPACKED_MB,
    &MAX_FILES,
    &CACHES,
    &CACHE_TOKEN,
    &CACHE_TOKEN_HOSTS,
    &GITHUB_TOKEN_HOSTS,
    &PLATFORM,
    &GITHUB_API,
    &NPM_REGISTRY,
    &PYPI_URL,
    &NODE_MIRROR,
    &GO_MIRROR,
    &ZIG_MIRROR,
    &PYTHON_MIRROR,
    &HASHICORP_MIRROR,
    &ADOPTIUM_API,
    &RUST_MIRROR,
    &CARGO_INDEX,
    &URL_MIRRORS,
];

/// The variables devenv sets for what it runs, and never reads as settings.
pub const SET_BY_DEVENV: &[&Var] = &[&ROOT, &PROJECT_NAME, &ACTIVE, &COMPLETE];

/// The lines `devenv --help` ends with: every setting, its description
/// wrapped under a column of names so no terminal of 80 columns re-wraps it.
pub fn help_text() -> String {
    const INDENT: usize = 28;
    const WIDTH: usize = 80;
    let mut out = String::from("Environment variables:\n");
    for var in SETTINGS {
        let mut line = format!("  {}", var.name);
        if line.len() >= INDENT {
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        for word in var.help.split(' ') {
            if line.len() > INDENT && line.len() + 1 + word.len() > WIDTH {
                out.push_str(&line);
                out.push('\n');
                line.clear();
            }
            if line.len() < INDENT {
                line = format!("{line:<INDENT$}{word}");
            } else {
                line.push(' ');
                line.push_str(word);
            }
        }
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str(
        "Flags take 1/true/yes/on or 0/false/no/off; a malformed value of any of these\n\
         variables stops every command with its name and what it accepts. The mirror\n\
         URLs override `[settings] mirrors` in devenv.toml.",
    );
    out
}

/// The reference's table of `vars`, in Markdown.
pub fn markdown_table(vars: &[&Var]) -> String {
    let mut out = String::from("| variable | value | meaning |\n|---|---|---|\n");
    for var in vars {
        out.push_str(&format!(
            "| `{}` | `{}` | {} |\n",
            var.name,
            var.value,
            var.description().replace('|', "\\|")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_is_declared_once_and_is_a_devenv_name() {
        let mut names: Vec<&str> = SETTINGS
            .iter()
            .chain(SET_BY_DEVENV)
            .map(|v| v.name)
            .collect();
        assert!(names.iter().all(|n| n.starts_with("DEVENV_")));
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count, "a variable is listed twice");
    }

    #[test]
    fn help_lists_every_setting_on_its_own_line() {
        let help = help_text();
        for var in SETTINGS {
            assert!(
                help.lines()
                    .any(|l| l.trim_start().starts_with(&format!("{} ", var.name))
                        || l.trim() == var.name),
                "{} missing from:\n{help}",
                var.name
            );
        }
        assert!(help.lines().all(|l| l.chars().count() <= 80), "{help}");
    }
}
