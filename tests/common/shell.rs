//! A harness for testing the shell hook in real bash, zsh and fish.
//!
//! A [`Sandbox`] is a [`World`] (a temp directory with its own
//! `DEVENV_HOME`, and the hermetic environment every test runs devenv in)
//! with projects written by the test, and a `devenv` wrapper that logs
//! every call before running the real binary, so a test can count how often the prompt
//! forked devenv. [`Sandbox::run`] runs a script in a fresh shell with a
//! clean environment and the hook loaded, after defining the same small
//! vocabulary in every shell, so one script serves all three:
//!
//! - `prompt`: what the shell does before drawing a prompt (runs bash's
//!   `PROMPT_COMMAND`, zsh's `precmd_functions`, fish's `fish_prompt` event);
//! - `show NAME`: prints `NAME=[value]` or `NAME unset`;
//! - `setvar NAME VALUE`, `unsetvar NAME`: the user changing a variable;
//! - `addpath DIR`, `prependpath DIR`: the user changing PATH;
//! - `snap NAME`: saves the exported environment, read with [`Sandbox::snapshot`].
//!
//! `"$DEVENV_REAL" ARGS` runs the real devenv (not logged).
//! Values that would need shell-specific quoting are passed in through the
//! environment ([`Sandbox::run_with`]) and used as `"$NAME"`.

#![allow(dead_code)]

use super::World;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The shells the hook supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sh {
    Bash,
    Zsh,
    Fish,
}

pub const ALL: [Sh; 3] = [Sh::Bash, Sh::Zsh, Sh::Fish];

impl Sh {
    pub fn name(self) -> &'static str {
        match self {
            Sh::Bash => "bash",
            Sh::Zsh => "zsh",
            Sh::Fish => "fish",
        }
    }

    /// The shell started without any user configuration.
    pub fn command(self) -> Command {
        let mut cmd = Command::new(self.name());
        match self {
            Sh::Bash => cmd.args(["--noprofile", "--norc"]),
            Sh::Zsh => cmd.arg("-f"),
            Sh::Fish => cmd.arg("--no-config"),
        };
        cmd
    }

    fn helpers(self) -> &'static str {
        match self {
            Sh::Bash => {
                r#"status_is() { return "$1"; }
prompt() { local s=$? c; for c in "${PROMPT_COMMAND[@]}"; do status_is "$s"; eval "$c"; done; }
show() { if [[ -n ${!1+x} ]]; then printf '%s=[%s]\n' "$1" "${!1}"; else printf '%s unset\n' "$1"; fi; }
setvar() { export "$1=$2"; }
unsetvar() { unset "$1"; }
addpath() { PATH=$PATH:$1; }
prependpath() { PATH=$1:$PATH; }
snap() { env -0 > "$SNAPS/$1"; }
"#
            }
            Sh::Zsh => {
                r#"prompt() { local f; for f in $precmd_functions; do $f; done; }
show() { if [[ -v $1 ]]; then printf '%s=[%s]\n' "$1" "${(P)1}"; else printf '%s unset\n' "$1"; fi; }
setvar() { export "$1=$2"; }
unsetvar() { unset "$1"; }
addpath() { PATH=$PATH:$1; }
prependpath() { PATH=$1:$PATH; }
snap() { env -0 > "$SNAPS/$1"; }
"#
            }
            Sh::Fish => {
                r#"function prompt; emit fish_prompt; end
function show; if set -q $argv[1]; printf '%s=[%s]\n' $argv[1] "$$argv[1]"; else; printf '%s unset\n' $argv[1]; end; end
function setvar; set -gx $argv[1] $argv[2]; end
function unsetvar; set -e $argv[1]; end
function addpath; set -gx PATH $PATH $argv[1]; end
function prependpath; set -gx PATH $argv[1] $PATH; end
function snap; env -0 > $SNAPS/$argv[1]; end
"#
            }
        }
    }
}

/// What a shell script did.
#[derive(Debug)]
pub struct ShellRun {
    pub stdout: String,
    pub stderr: String,
    pub success: bool,
}

impl ShellRun {
    /// Asserts success and returns stdout.
    #[track_caller]
    pub fn ok(&self) -> &str {
        assert!(
            self.success,
            "the shell failed\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        &self.stdout
    }

    /// How many stderr lines contain `needle`.
    pub fn count_stderr(&self, needle: &str) -> usize {
        self.stderr.lines().filter(|l| l.contains(needle)).count()
    }
}

impl From<super::Output> for ShellRun {
    fn from(out: super::Output) -> ShellRun {
        ShellRun {
            success: out.code == 0,
            stdout: out.stdout,
            stderr: out.stderr,
        }
    }
}

/// A [`World`] with projects, snapshots and a logging `devenv`.
pub struct Sandbox {
    world: World,
    /// The world's temp directory, canonical (so it matches `$PWD` in shells).
    pub root: PathBuf,
    /// The world's `DEVENV_HOME`.
    pub home: PathBuf,
    /// The logging wrapper the hooks call instead of the real binary.
    pub wrapper: PathBuf,
    log: PathBuf,
    snaps: PathBuf,
}

/// The real devenv binary.
pub fn devenv_bin() -> &'static str {
    super::bin()
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let world = World::new();
        let (root, home) = (world.root.clone(), world.home.clone());
        let snaps = root.join("snaps");
        let bin = root.join("wrapper");
        for d in [&home, &snaps, &bin, &root.join("outside")] {
            std::fs::create_dir_all(d).unwrap();
        }
        let log = root.join("calls.log");
        let wrapper = bin.join("devenv");
        std::fs::write(
            &wrapper,
            format!(
                "#!/bin/sh\necho \"$*\" >> '{}'\nexec '{}' \"$@\"\n",
                log.display(),
                devenv_bin()
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
        Sandbox {
            world,
            root,
            home,
            wrapper,
            log,
            snaps,
        }
    }

    /// A directory under the sandbox, created if needed.
    pub fn dir(&self, rel: &str) -> PathBuf {
        let d = self.root.join(rel);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    /// Writes `manifest` as `rel/devenv.toml` and returns the project dir.
    pub fn project(&self, rel: &str, manifest: &str) -> PathBuf {
        let d = self.dir(rel);
        std::fs::write(d.join("devenv.toml"), manifest).unwrap();
        d
    }

    /// Writes a project and allows it.
    pub fn allowed_project(&self, rel: &str, manifest: &str) -> PathBuf {
        let d = self.project(rel, manifest);
        self.devenv(&d, &["allow"]).ok();
        d
    }

    /// Runs the real devenv in `dir` with this sandbox's `DEVENV_HOME`.
    pub fn devenv(&self, dir: &Path, args: &[&str]) -> ShellRun {
        self.devenv_io(dir, args, &[], "")
    }

    /// Runs the real devenv in `dir` with extra environment variables and
    /// `stdin` as its input.
    pub fn devenv_io(
        &self,
        dir: &Path,
        args: &[&str],
        env: &[(&str, &str)],
        stdin: &str,
    ) -> ShellRun {
        let mut cmd = Command::new(devenv_bin());
        self.clean(&mut cmd)
            .args(args)
            .current_dir(dir)
            .env("PWD", dir);
        for (k, v) in env {
            cmd.env(k, v);
        }
        self.world.run_cmd_input(cmd, stdin).into()
    }

    /// The world's hermetic environment, plus what the shells need: a
    /// UTF-8 locale, a dumb terminal, and the variables the helpers use.
    fn clean<'a>(&self, cmd: &'a mut Command) -> &'a mut Command {
        self.world
            .isolate(cmd)
            .env("LANG", "C.UTF-8")
            .env("LC_ALL", "C.UTF-8")
            .env("TERM", "dumb")
            .env("SNAPS", &self.snaps)
            .env("DEVENV_REAL", devenv_bin())
    }

    /// The hook script of `sh`, calling the logging wrapper.
    pub fn hook(&self, sh: Sh) -> String {
        let script = self.world.run(&["hook", sh.name()]).ok().stdout;
        let real = format!("'{}'", devenv_bin());
        assert!(
            script.contains(&real),
            "the hook names the binary it came from"
        );
        script.replace(&real, &format!("'{}'", self.wrapper.display()))
    }

    /// Runs `script` in `sh` with the hook loaded, starting in `outside/`.
    pub fn run(&self, sh: Sh, script: &str) -> ShellRun {
        self.run_with(sh, script, &[])
    }

    /// Like [`Sandbox::run`], with extra environment variables.
    pub fn run_with(&self, sh: Sh, script: &str, env: &[(&str, &str)]) -> ShellRun {
        self.run_raw(sh, &self.script(sh, script), env)
    }

    /// `body` with the hook and the helpers loaded before it.
    pub fn script(&self, sh: Sh, body: &str) -> String {
        format!("{}{}\n{body}\n", self.hook(sh), sh.helpers())
    }

    /// Runs `script` as is (no hook, no helpers) in `sh`.
    pub fn run_raw(&self, sh: Sh, script: &str, env: &[(&str, &str)]) -> ShellRun {
        self.run_in(sh.command(), sh, script, env)
    }

    /// Runs `script` (hook and helpers loaded) in `sh` under
    /// `strace -f`, writing process and file-open events to `trace`.
    pub fn run_traced(&self, sh: Sh, body: &str, trace: &Path) -> ShellRun {
        let mut cmd = Command::new("strace");
        cmd.args(["-f", "-qq", "-e", "trace=process,openat", "-o"])
            .arg(trace)
            .arg(sh.name())
            .args(sh.command().get_args());
        self.run_in(cmd, sh, &self.script(sh, body), &[])
    }

    /// Runs `body` (hook and helpers loaded) in an interactive `sh`
    /// reading commands from stdin, so the shell's own prompt machinery
    /// runs the hook. Prompts go to stderr; stdout is the commands' output.
    pub fn run_interactive(&self, sh: Sh, body: &str) -> ShellRun {
        let mut cmd = sh.command();
        cmd.arg("-i");
        let outside = self.root.join("outside");
        self.clean(&mut cmd)
            .current_dir(&outside)
            .env("PWD", &outside);
        self.world.run_cmd_input(cmd, &self.script(sh, body)).into()
    }

    fn run_in(&self, mut cmd: Command, sh: Sh, script: &str, env: &[(&str, &str)]) -> ShellRun {
        let file = self.root.join(format!("script.{}", sh.name()));
        std::fs::write(&file, script).unwrap();
        let outside = self.root.join("outside");
        self.clean(&mut cmd)
            .current_dir(&outside)
            .env("PWD", &outside)
            .arg(&file);
        for (k, v) in env {
            cmd.env(k, v);
        }
        self.world.run_cmd(cmd).into()
    }

    /// The environment saved by `snap NAME`, without the variables every
    /// shell changes on its own.
    pub fn snapshot(&self, name: &str) -> BTreeMap<String, String> {
        let bytes = std::fs::read(self.snaps.join(name)).unwrap();
        String::from_utf8(bytes)
            .unwrap()
            .split('\0')
            .filter(|e| !e.is_empty())
            .filter_map(|e| e.split_once('='))
            .filter(|(k, _)| !["_", "PWD", "OLDPWD", "SHLVL"].contains(k))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// The `devenv` calls the hooks made so far, one line each.
    pub fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// Forgets the calls logged so far.
    pub fn reset_calls(&self) {
        let _ = std::fs::remove_file(&self.log);
    }

    /// A path as a word every shell reads back unchanged (single-quoted;
    /// sandbox paths hold no quotes or backslashes).
    pub fn q(&self, path: &Path) -> String {
        let s = path.to_string_lossy();
        assert!(!s.contains('\'') && !s.contains('\\'));
        format!("'{s}'")
    }
}
