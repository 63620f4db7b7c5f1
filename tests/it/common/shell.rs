//! A harness for testing the shell hook in real shells: bash, zsh, fish,
//! tcsh, elvish, xonsh and nushell, registered once in [`ALL`].
//!
//! A [`Sandbox`] is a [`World`] (a temp directory with its own
//! `DEVENV_HOME`, and the hermetic environment every test runs devenv in)
//! with projects written by the test, and a `devenv` wrapper that logs
//! every call before running the real binary, so a test can count how often the prompt
//! forked devenv. [`Sandbox::run`] runs a script in a fresh shell with a
//! clean environment and the hook loaded, after defining the same small
//! vocabulary in every shell, so one script serves all of them:
//!
//! - `prompt`: what the shell does before drawing a prompt (runs bash's
//!   `PROMPT_COMMAND`, zsh's `precmd_functions`, fish's `fish_prompt` event,
//!   tcsh's `precmd`, xonsh's `on_pre_prompt`, nushell's `pre_prompt`);
//! - `show NAME`: prints `NAME=[value]` or `NAME unset`;
//! - `setvar NAME VALUE`, `unsetvar NAME`: the user changing a variable;
//! - `addpath DIR`, `prependpath DIR`: the user changing PATH;
//! - `snap NAME`: saves the exported environment, read with [`Sandbox::snapshot`];
//! - `real ARGS`: runs the real devenv (not logged), its stderr dropped;
//! - `putenv NAME FILE`: writes the variable's exact value to FILE;
//! - `mark FILE`: creates an empty FILE without starting a process;
//! - `mkdirp DIR`, `appendnl FILE`.
//!
//! Every other word of a script is `cd` with a single-quoted path, which
//! all the shells read alike. Values that would need shell-specific
//! quoting are passed in through the environment ([`Sandbox::run_with`])
//! and written with `putenv` or read by devenv itself.

#![allow(dead_code)]

use super::World;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A shell the hook supports, as the tests drive it: how to start it
/// without user configuration, and the common vocabulary in its syntax.
/// [`ALL`] is the one registration; every shared case in
/// [`super::hook_cases`] runs in each shell through it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sh {
    name: &'static str,
    program: Program,
    /// Arguments that start the shell without any user configuration.
    args: &'static [&'static str],
    /// Arguments (shell words for `sh`) that make it run the commands
    /// read from stdin: nushell runs stdin only as a `-c` script.
    stdin_args: &'static [&'static str],
    /// Options a careful user's rc file sets before loading the hook.
    strict: &'static str,
    /// What a steady prompt costs in processes.
    pub(crate) steady: Steady,
    /// What the shell prints each time it draws a prompt in a terminal,
    /// when typing ahead of it confuses its line editor (nushell's
    /// cursor-position query, whose answer must not be mixed with typing).
    pty_prompt: Option<&'static str>,
    helpers: &'static str,
}

/// How many processes a steady prompt starts in a shell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Steady {
    /// None: the shell compares the directory and the watched files' times
    /// with builtins.
    NoProcess,
    /// None outside projects; inside one, `devenv hook-env` at each prompt
    /// (the shell has no builtin for a file's modification time).
    InProjects,
    /// `devenv hook-env` at each prompt (the shell cannot loop in a hook).
    EveryPrompt,
}

/// Where a shell's binary comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Program {
    /// A system package, looked up in the tests' PATH.
    System(&'static str),
    /// nushell, installed by devenv itself from the npm registry
    /// ([`super::tools::nu`]).
    Nu,
}

/// Every shell the hook supports.
pub(crate) const ALL: [Sh; 7] = [
    Sh::BASH,
    Sh::ZSH,
    Sh::FISH,
    Sh::TCSH,
    Sh::ELVISH,
    Sh::XONSH,
    Sh::NU,
];

impl Sh {
    pub(crate) const BASH: Sh = Sh {
        name: "bash",
        program: Program::System("bash"),
        args: &["--noprofile", "--norc"],
        stdin_args: &[],
        strict: "set -euo pipefail\n",
        steady: Steady::NoProcess,
        pty_prompt: None,
        helpers: r#"status_is() { return "$1"; }
prompt() { local s=$? c; for c in "${PROMPT_COMMAND[@]}"; do status_is "$s"; eval "$c"; done; }
show() { if [[ -n ${!1+x} ]]; then printf '%s=[%s]\n' "$1" "${!1}"; else printf '%s unset\n' "$1"; fi; }
setvar() { export "$1=$2"; }
unsetvar() { unset "$1"; }
addpath() { PATH=$PATH:$1; }
prependpath() { PATH=$1:$PATH; }
snap() { env -0 > "$SNAPS/$1"; }
real() { "$DEVENV_REAL" "$@" 2>/dev/null; }
putenv() { printf '%s' "${!1}" > "$2"; }
mark() { : > "$1"; }
mkdirp() { mkdir -p "$1"; }
appendnl() { printf '\n' >> "$1"; }
"#,
    };

    pub(crate) const ZSH: Sh = Sh {
        name: "zsh",
        program: Program::System("zsh"),
        args: &["-f"],
        stdin_args: &[],
        strict: "setopt err_exit no_unset pipe_fail\n",
        steady: Steady::NoProcess,
        pty_prompt: None,
        helpers: r#"prompt() { local f; for f in $precmd_functions; do $f; done; }
show() { if [[ -v $1 ]]; then printf '%s=[%s]\n' "$1" "${(P)1}"; else printf '%s unset\n' "$1"; fi; }
setvar() { export "$1=$2"; }
unsetvar() { unset "$1"; }
addpath() { PATH=$PATH:$1; }
prependpath() { PATH=$1:$PATH; }
snap() { env -0 > "$SNAPS/$1"; }
real() { "$DEVENV_REAL" "$@" 2>/dev/null; }
putenv() { printf '%s' "${(P)1}" > "$2"; }
mark() { : > "$1"; }
mkdirp() { mkdir -p "$1"; }
appendnl() { printf '\n' >> "$1"; }
"#,
    };

    pub(crate) const FISH: Sh = Sh {
        name: "fish",
        program: Program::System("fish"),
        args: &["--no-config"],
        stdin_args: &[],
        strict: "",
        steady: Steady::NoProcess,
        pty_prompt: None,
        helpers: r#"function prompt; emit fish_prompt; end
function show; if set -q $argv[1]; printf '%s=[%s]\n' $argv[1] "$$argv[1]"; else; printf '%s unset\n' $argv[1]; end; end
function setvar; set -gx $argv[1] $argv[2]; end
function unsetvar; set -e $argv[1]; end
function addpath; set -gx PATH $PATH $argv[1]; end
function prependpath; set -gx PATH $argv[1] $PATH; end
function snap; env -0 > $SNAPS/$argv[1]; end
function real; $DEVENV_REAL $argv 2>/dev/null; end
function putenv; printf '%s' "$$argv[1]" > $argv[2]; end
function mark; true > $argv[1]; end
function mkdirp; mkdir -p $argv[1]; end
function appendnl; printf '\n' >> $argv[1]; end
"#,
    };

    /// tcsh: `show` and `putenv` are small sh scripts (tcsh cannot print a
    /// variable holding a newline by itself).
    pub(crate) const TCSH: Sh = Sh {
        name: "tcsh",
        program: Program::System("tcsh"),
        args: &["-f"],
        stdin_args: &[],
        strict: "",
        steady: Steady::EveryPrompt,
        pty_prompt: None,
        helpers: r#"alias prompt precmd
alias show '"$HELPERS/show" \!:1'
alias setvar 'setenv \!:1 \!:2'
alias unsetvar 'unsetenv \!:1'
alias addpath 'setenv PATH "${PATH}:\!:1"'
alias prependpath 'setenv PATH \!:1":${PATH}"'
alias snap 'env -0 > "$SNAPS/\!:1"'
alias real '"$HELPERS/real" \!*'
alias putenv '"$HELPERS/putenv" \!:1 \!:2'
alias mark 'echo -n > \!:1'
alias mkdirp 'mkdir -p \!:1'
alias appendnl 'echo "" >> \!:1'
"#,
    };

    /// elvish: `prompt` runs the hook itself (`edit:before-readline`
    /// exists only in a terminal).
    pub(crate) const ELVISH: Sh = Sh {
        name: "elvish",
        program: Program::System("elvish"),
        args: &["-norc"],
        stdin_args: &[],
        strict: "",
        steady: Steady::InProjects,
        pty_prompt: None,
        helpers: r#"fn prompt { __devenv_hook }
fn show {|n| if (has-env $n) { printf "%s=[%s]\n" $n (get-env $n) } else { printf "%s unset\n" $n } }
fn setvar {|n v| set-env $n $v }
fn unsetvar {|n| unset-env $n }
fn addpath {|d| set-env PATH $E:PATH':'$d }
fn prependpath {|d| set-env PATH $d':'$E:PATH }
fn snap {|n| env -0 > $E:SNAPS/$n }
fn real {|@a| try { (external $E:DEVENV_REAL) $@a 2>/dev/null } catch { } }
fn putenv {|n f| print (get-env $n) > $f }
fn mark {|f| print '' > $f }
fn mkdirp {|d| mkdir -p $d }
fn appendnl {|f| echo '' >> $f }
"#,
    };

    pub(crate) const XONSH: Sh = Sh {
        name: "xonsh",
        program: Program::System("xonsh"),
        args: &["--no-rc"],
        stdin_args: &[],
        strict: "",
        steady: Steady::NoProcess,
        pty_prompt: None,
        helpers: r#"import os as _os
import subprocess as _sp
$THREAD_SUBPROCS = False
def _show(args):
    env = __xonsh__.env.detype()
    n = args[0]
    print(f'{n}=[{env[n]}]' if n in env else f'{n} unset', flush=True)
def _real(args):
    _sp.run([$DEVENV_REAL, *args], stderr=_sp.DEVNULL, env=__xonsh__.env.detype(), cwd=$PWD)
def _putenv(args):
    with open(args[1], 'w', newline='') as f:
        f.write(__xonsh__.env.detype()[args[0]])
def _setvar(args):
    __xonsh__.env[args[0]] = args[1]
def _unsetvar(args):
    __xonsh__.env.pop(args[0], None)
def _snap(args):
    with open($SNAPS + '/' + args[0], 'wb') as f:
        _sp.run(['env', '-0'], stdout=f, env=__xonsh__.env.detype())
aliases['prompt'] = lambda: events.on_pre_prompt.fire()
aliases['show'] = _show
aliases['setvar'] = _setvar
aliases['unsetvar'] = _unsetvar
aliases['addpath'] = lambda args: $PATH.append(args[0])
aliases['prependpath'] = lambda args: $PATH.insert(0, args[0])
aliases['snap'] = _snap
aliases['real'] = _real
aliases['putenv'] = _putenv
aliases['mark'] = lambda args: open(args[0], 'w').close()
aliases['mkdirp'] = lambda args: _os.makedirs(args[0], exist_ok=True)
aliases['appendnl'] = lambda args: open(args[0], 'a').write('\n')
"#,
    };

    /// nushell: `prompt` runs the `pre_prompt` hooks, as the REPL does.
    pub(crate) const NU: Sh = Sh {
        name: "nu",
        program: Program::Nu,
        args: &["--no-config-file", "--no-std-lib"],
        stdin_args: &["-c", "\"$(cat)\""],
        strict: "",
        steady: Steady::NoProcess,
        pty_prompt: Some("\u{1b}[6n"),
        helpers: r#"def --env prompt [] { for hook in $env.config.hooks.pre_prompt { do --env $hook } }
def show [n: string] { if $n in $env { print $"($n)=[($env | get $n)]" } else { print $"($n) unset" } }
def --env setvar [n: string, v: string] { load-env {$n: $v} }
def --env unsetvar [n: string] { hide-env -i $n }
def --env addpath [d: string] { $env.PATH = ($env.PATH | append $d) }
def --env prependpath [d: string] { $env.PATH = ($env.PATH | prepend $d) }
def snap [n: string] { ^env -0 | save -f --raw $"($env.SNAPS)/($n)" }
def real [...args: string] { do -i { ^$env.DEVENV_REAL ...$args err> /dev/null } }
def putenv [n: string, f: string] { $env | get $n | save -f --raw $f }
def mark [f: string] { '' | save -f --raw $f }
def mkdirp [d: string] { mkdir $d }
def appendnl [f: string] { "\n" | save --append --raw $f }
"#,
    };

    /// The name devenv knows the shell by (`devenv hook NAME`).
    pub(crate) fn name(self) -> &'static str {
        self.name
    }

    /// The shell's binary, or `None` (after failing the test in CI) when it
    /// is not installed.
    pub(crate) fn program(self) -> Option<PathBuf> {
        let found = match self.program {
            Program::System(name) => ["/usr/local/bin", "/usr/bin", "/bin"]
                .iter()
                .map(|d| Path::new(d).join(name))
                .find(|p| p.is_file()),
            Program::Nu => super::tools::nu(),
        };
        if found.is_none() {
            super::missing(self.name, "its shell tests");
        }
        found
    }

    /// Whether the shell can run here; in CI a missing shell fails the test.
    pub(crate) fn available(self) -> bool {
        self.program().is_some()
    }

    /// The shell started without any user configuration.
    pub(crate) fn command(self) -> Command {
        let program = self
            .program()
            .unwrap_or_else(|| panic!("{} is not installed", self.name));
        let mut cmd = Command::new(program);
        cmd.args(self.args);
        cmd
    }

    /// Options a careful user sets before loading the hook in an rc file.
    pub(crate) fn strict(self) -> &'static str {
        self.strict
    }

    /// A `$SHELL` for `devenv enter`: a script that starts this shell
    /// without user configuration, reading commands from stdin.
    pub(crate) fn enter_program(self, dir: &Path) -> PathBuf {
        let program = self.command().get_program().to_owned();
        let path = dir.join(format!("enter-{}", self.name));
        let mut script = format!("#!/bin/sh\nexec '{}'", program.to_string_lossy());
        for arg in self.args.iter().chain(self.stdin_args) {
            script.push_str(&format!(" {arg}"));
        }
        script.push_str(" \"$@\"\n");
        write_executable(&path, &script);
        path
    }
}

fn write_executable(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Helpers for shells that cannot print a variable exactly on their own:
/// `show NAME` and `putenv NAME FILE` read the exported environment.
const SHOW: &str = r#"#!/bin/sh
eval "set=\${$1+x}"
if [ -n "$set" ]; then eval "printf '%s=[%s]\n' \"\$1\" \"\${$1}\""; else printf '%s unset\n' "$1"; fi
"#;
/// `real` for tcsh, which cannot send only stderr to /dev/null.
const REAL: &str = r#"#!/bin/sh
exec "$DEVENV_REAL" "$@" 2>/dev/null
"#;
const PUTENV: &str = r#"#!/bin/sh
eval "printf '%s' \"\${$1}\"" > "$2"
"#;

/// What a shell script did.
#[derive(Debug)]
pub(crate) struct ShellRun {
    pub(crate) stdout: String,
    pub(crate) stderr: String,
    pub(crate) success: bool,
}

impl ShellRun {
    /// Asserts success and returns stdout.
    #[track_caller]
    pub(crate) fn ok(&self) -> &str {
        assert!(
            self.success,
            "the shell failed\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        &self.stdout
    }

    /// How many stderr lines contain `needle`.
    pub(crate) fn count_stderr(&self, needle: &str) -> usize {
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
pub(crate) struct Sandbox {
    world: World,
    /// The world's temp directory, canonical (so it matches `$PWD` in shells).
    pub(crate) root: PathBuf,
    /// The world's `DEVENV_HOME`.
    pub(crate) home: PathBuf,
    /// The logging wrapper the hooks call instead of the real binary.
    pub(crate) wrapper: PathBuf,
    log: PathBuf,
    snaps: PathBuf,
}

/// The real devenv binary.
pub(crate) fn devenv_bin() -> &'static str {
    super::bin()
}

impl Sandbox {
    pub(crate) fn new() -> Sandbox {
        let world = World::new();
        let (root, home) = (world.root.clone(), world.home.clone());
        let snaps = root.join("snaps");
        let bin = root.join("wrapper");
        for d in [&home, &snaps, &bin, &root.join("outside")] {
            std::fs::create_dir_all(d).unwrap();
        }
        let log = root.join("calls.log");
        let wrapper = bin.join("devenv");
        write_executable(
            &wrapper,
            &format!(
                "#!/bin/sh\necho \"$*\" >> '{}'\nexec '{}' \"$@\"\n",
                log.display(),
                devenv_bin()
            ),
        );
        let helpers = root.join("helpers");
        std::fs::create_dir_all(&helpers).unwrap();
        write_executable(&helpers.join("show"), SHOW);
        write_executable(&helpers.join("putenv"), PUTENV);
        write_executable(&helpers.join("real"), REAL);
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
    pub(crate) fn dir(&self, rel: &str) -> PathBuf {
        let d = self.root.join(rel);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    /// Writes `manifest` as `rel/devenv.toml` and returns the project dir.
    pub(crate) fn project(&self, rel: &str, manifest: &str) -> PathBuf {
        let d = self.dir(rel);
        std::fs::write(d.join("devenv.toml"), manifest).unwrap();
        d
    }

    /// Writes a project and allows it.
    pub(crate) fn allowed_project(&self, rel: &str, manifest: &str) -> PathBuf {
        let d = self.project(rel, manifest);
        self.devenv(&d, &["allow"]).ok();
        d
    }

    /// Runs the real devenv in `dir` with this sandbox's `DEVENV_HOME`.
    pub(crate) fn devenv(&self, dir: &Path, args: &[&str]) -> ShellRun {
        self.devenv_io(dir, args, &[], "")
    }

    /// Runs the real devenv in `dir` with extra environment variables and
    /// `stdin` as its input.
    pub(crate) fn devenv_io(
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
            .env("HELPERS", self.root.join("helpers"))
    }

    /// The hook script of `sh`, calling the logging wrapper.
    pub(crate) fn hook(&self, sh: Sh) -> String {
        let script = self.world.run(&["hook", sh.name()]).ok().stdout;
        let real = format!("'{}'", devenv_bin());
        assert!(
            script.contains(&real),
            "the hook names the binary it came from"
        );
        script.replace(&real, &format!("'{}'", self.wrapper.display()))
    }

    /// Runs `script` in `sh` with the hook loaded, starting in `outside/`.
    pub(crate) fn run(&self, sh: Sh, script: &str) -> ShellRun {
        self.run_with(sh, script, &[])
    }

    /// Like [`Sandbox::run`], with extra environment variables.
    pub(crate) fn run_with(&self, sh: Sh, script: &str, env: &[(&str, &str)]) -> ShellRun {
        self.run_raw(sh, &self.script(sh, script), env)
    }

    /// `body` with the hook and the helpers loaded before it.
    pub(crate) fn script(&self, sh: Sh, body: &str) -> String {
        format!("{}\n{}\n{body}\n", self.hook(sh), sh.helpers)
    }

    /// Runs `script` as is (no hook, no helpers) in `sh`.
    pub(crate) fn run_raw(&self, sh: Sh, script: &str, env: &[(&str, &str)]) -> ShellRun {
        self.run_in(sh.command(), sh, script, env)
    }

    /// Runs `script` (hook and helpers loaded) in `sh` under
    /// `strace -f`, writing process and file-open events to `trace`.
    pub(crate) fn run_traced(&self, sh: Sh, body: &str, trace: &Path) -> ShellRun {
        self.run_traced_with(sh, body, trace, &[])
    }

    /// Like [`Sandbox::run_traced`], with extra environment variables.
    pub(crate) fn run_traced_with(
        &self,
        sh: Sh,
        body: &str,
        trace: &Path,
        env: &[(&str, &str)],
    ) -> ShellRun {
        let mut cmd = Command::new("strace");
        cmd.args(["-f", "-qq", "-e", "trace=process,open,openat", "-o"])
            .arg(trace)
            .arg(sh.command().get_program())
            .args(sh.command().get_args());
        self.run_in(cmd, sh, &self.script(sh, body), env)
    }

    /// Runs `body` (hook and helpers loaded) in an interactive `sh`
    /// reading commands from stdin, so the shell's own prompt machinery
    /// runs the hook. Prompts go to stderr; stdout is the commands' output.
    pub(crate) fn run_interactive(&self, sh: Sh, body: &str) -> ShellRun {
        self.run_interactive_raw(sh, &self.script(sh, body))
    }

    /// Runs `input` as is (no hook, no helpers) in an interactive `sh`
    /// reading commands from stdin.
    pub(crate) fn run_interactive_raw(&self, sh: Sh, input: &str) -> ShellRun {
        let mut cmd = sh.command();
        cmd.arg("-i");
        let outside = self.root.join("outside");
        self.clean(&mut cmd)
            .current_dir(&outside)
            .env("PWD", &outside);
        self.world.run_cmd_input(cmd, input).into()
    }

    /// Drives `sh` in a terminal, as a person would: `script` gives it a
    /// pty, so its line editor and its own prompt hooks run. Each step
    /// types a line, then waits (synchronised on the output, up to a
    /// 30-second deadline) until the shell has printed `expect` since the
    /// previous step. A cursor-position query (nushell asks one at every
    /// prompt) is answered as a terminal would. Returns what was printed,
    /// or what it was waiting for and the output so far.
    pub(crate) fn run_pty(&self, sh: Sh, steps: &[(&str, &str)]) -> Result<String, String> {
        use std::io::{Read, Write};
        use std::sync::{Arc, Mutex};
        let shell = sh.command();
        let mut line = shell.get_program().to_string_lossy().into_owned();
        for arg in shell.get_args() {
            line.push(' ');
            line.push_str(&arg.to_string_lossy());
        }
        let mut cmd = Command::new("script");
        cmd.args(["-qec", &line, "/dev/null"]);
        let outside = self.root.join("outside");
        self.clean(&mut cmd)
            .current_dir(&outside)
            .env("PWD", &outside)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null());
        let mut child = cmd.spawn().map_err(|e| format!("script: {e}"))?;
        let mut stdin = child.stdin.take().unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let seen = Arc::new(Mutex::new(Vec::<u8>::new()));
        let reader = {
            let seen = Arc::clone(&seen);
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = stdout.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    seen.lock().unwrap().extend_from_slice(&buf[..n]);
                }
            })
        };
        let text = |seen: &Arc<Mutex<Vec<u8>>>| {
            String::from_utf8_lossy(&seen.lock().unwrap()).into_owned()
        };
        // Answers the cursor-position queries not answered yet.
        let answer = |out: &str, stdin: &mut std::process::ChildStdin, answered: &mut usize| {
            let queries = out.matches("\u{1b}[6n").count();
            if queries > *answered {
                let _ = stdin.write_all("\u{1b}[1;1R".repeat(queries - *answered).as_bytes());
                *answered = queries;
            }
        };
        let (mut from, mut answered) = (0, 0);
        let mut result = Ok(());
        for (typed, (input, expect)) in steps.iter().enumerate() {
            if let Some(marker) = sh.pty_prompt {
                let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
                while text(&seen).matches(marker).count() <= typed {
                    answer(&text(&seen), &mut stdin, &mut answered);
                    if std::time::Instant::now() > deadline {
                        result = Err(format!("no prompt before {input:?}"));
                        break;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                if result.is_err() {
                    break;
                }
            }
            stdin.write_all(format!("{input}\r").as_bytes()).unwrap();
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
            loop {
                let out = text(&seen);
                answer(&out, &mut stdin, &mut answered);
                if let Some(at) = out[from.min(out.len())..].find(expect) {
                    from += at + expect.len();
                    break;
                }
                if std::time::Instant::now() > deadline {
                    result = Err(format!("waited for {expect:?} after {input:?}"));
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            if result.is_err() {
                break;
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        drop(stdin);
        let _ = reader.join();
        let out = text(&seen);
        result
            .map(|()| out.clone())
            .map_err(|e| format!("{e}\n--- output\n{out}"))
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
    pub(crate) fn snapshot(&self, name: &str) -> BTreeMap<String, String> {
        let bytes = std::fs::read(self.snaps.join(name)).unwrap();
        String::from_utf8(bytes)
            .unwrap()
            .split('\0')
            .filter(|e| !e.is_empty())
            .filter_map(|e| e.split_once('='))
            .filter(|(k, _)| {
                ![
                    "_",
                    "PWD",
                    "OLDPWD",
                    "SHLVL",
                    "LAST_EXIT_CODE",
                    "XONSH_CAPTURE_ALWAYS",
                ]
                .contains(k)
            })
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    /// The `devenv` calls the hooks made so far, one line each.
    pub(crate) fn calls(&self) -> Vec<String> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// Forgets the calls logged so far.
    pub(crate) fn reset_calls(&self) {
        let _ = std::fs::remove_file(&self.log);
    }

    /// A path as a word every shell reads back unchanged (single-quoted;
    /// sandbox paths hold no quotes or backslashes).
    pub(crate) fn q(&self, path: &Path) -> String {
        let s = path.to_string_lossy();
        assert!(!s.contains('\'') && !s.contains('\\'));
        format!("'{s}'")
    }
}
