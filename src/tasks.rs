//! Running `[tasks]`: which commands, in what order, how, and whether
//! they can be skipped.
//!
//! A task's `depends` are run first, each task at most once per
//! invocation; tasks whose dependencies are done run in parallel, up to
//! the number of cores. The first failure stops everything that has not
//! started; tasks already running finish, and devenv exits with the failed
//! command's status. The manifest has already checked the graph (no cycle,
//! no unknown name), so this module only runs it.
//!
//! How one command runs is decided by [`Invocation::of`]: see there.

use anyhow::{Result, anyhow, bail};
use devenv_model::error::Exit;
use devenv_model::manifest::Task;
use sha2::{Digest as _, Sha256};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::mpsc;

/// Characters that make a command shell code rather than a plain argument
/// list: pipes, lists, redirections, subshells, expansions, globs,
/// comments, history and line breaks. Quotes and backslashes are not here:
/// shell-words understands them exactly as `sh` would.
const SHELL_SYNTAX: &[char] = &[
    '|', '&', ';', '<', '>', '(', ')', '$', '`', '*', '?', '[', ']', '{', '}', '~', '#', '!', '\n',
    '\r',
];

/// Words that only mean something to a shell (builtins that change the
/// shell itself, and keywords): a command starting with one runs in `sh`.
const SHELL_WORDS: &[&str] = &[
    ".", ":", "alias", "break", "case", "cd", "continue", "eval", "exec", "exit", "export", "for",
    "function", "if", "read", "readonly", "return", "set", "shift", "source", "then", "times",
    "trap", "ulimit", "umask", "unset", "until", "wait", "while",
];

/// How one command of a task is started.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Invocation {
    /// Executed directly: the program and its arguments, exactly as written.
    Direct(Vec<String>),
    /// Given to a shell: its argv (e.g. `["sh"]`) and the script for `-c`.
    Shell(Vec<String>, String),
}

impl Invocation {
    /// The rule: with a task `shell`, always that shell. Otherwise a
    /// command runs directly — split with shell-words, no `sh` process —
    /// unless it contains shell syntax ([`SHELL_SYNTAX`] anywhere, even
    /// inside quotes), starts with a variable assignment (`A=1 cmd`) or a
    /// shell builtin or keyword ([`SHELL_WORDS`]), or cannot be split
    /// (an unclosed quote); then it runs through `sh -c`.
    pub(crate) fn of(command: &str, shell: Option<&str>) -> Invocation {
        let shell_argv = |s: Option<&str>| match s.and_then(|s| shell_words::split(s).ok()) {
            Some(words) if !words.is_empty() => words,
            _ => vec!["sh".to_string()],
        };
        if shell.is_some() || command.contains(SHELL_SYNTAX) {
            return Invocation::Shell(shell_argv(shell), command.to_string());
        }
        match shell_words::split(command) {
            Ok(words)
                if !words.is_empty()
                    && !words[0].contains('=')
                    && !SHELL_WORDS.contains(&words[0].as_str()) =>
            {
                Invocation::Direct(words)
            }
            _ => Invocation::Shell(shell_argv(None), command.to_string()),
        }
    }

    /// The process for this invocation, with `args` appended whole: as
    /// more argv for a direct command; as `"$@"` for a shell script (`$argv`
    /// for fish), so the shell never re-splits or expands them.
    pub(crate) fn command(&self, name: &str, args: &[String]) -> Command {
        match self {
            Invocation::Direct(words) => {
                let mut cmd = Command::new(&words[0]);
                cmd.args(&words[1..]).args(args);
                cmd
            }
            Invocation::Shell(shell, script) => {
                let mut cmd = Command::new(&shell[0]);
                cmd.args(&shell[1..]).arg("-c");
                let fish = Path::new(&shell[0])
                    .file_name()
                    .is_some_and(|n| n == "fish");
                if args.is_empty() {
                    cmd.arg(script);
                } else if fish {
                    // fish puts every argument after the script in `$argv`,
                    // and expands a list variable to one word per element.
                    cmd.arg(format!("{script} $argv")).args(args);
                } else {
                    // `$0` is the task's name, the arguments are `$1`...
                    cmd.arg(format!("{script} \"$@\"")).arg(name).args(args);
                }
                cmd
            }
        }
    }
}

/// The tasks `target` needs, dependencies before dependents, each once.
pub(crate) fn plan(tasks: &[Task], target: &str) -> Result<Vec<usize>> {
    fn visit(tasks: &[Task], t: usize, seen: &mut Vec<bool>, out: &mut Vec<usize>) {
        if seen[t] {
            return;
        }
        seen[t] = true;
        for dep in &tasks[t].depends {
            if let Some(d) = tasks.iter().position(|x| &x.name == dep) {
                visit(tasks, d, seen, out);
            }
        }
        out.push(t);
    }
    let Some(t) = tasks.iter().position(|x| x.name == target) else {
        let names: Vec<&str> = tasks.iter().map(|t| t.name.as_str()).collect();
        let hint = match devenv_model::manifest::suggest(target, &names) {
            Some(s) => format!("did you mean `{s}`?"),
            None if names.is_empty() => "devenv.toml has no [tasks]".to_string(),
            None => format!("the tasks are {}", quoted_list(&names)),
        };
        bail!("there is no task `{target}`: {hint}");
    };
    let mut seen = vec![false; tasks.len()];
    let mut out = Vec::new();
    visit(tasks, t, &mut seen, &mut out);
    Ok(out)
}

fn quoted_list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Everything a run needs besides the tasks themselves.
pub(crate) struct Runner<'a> {
    pub(crate) tasks: &'a [Task],
    /// The project root; `dir` is relative to it.
    pub(crate) root: &'a Path,
    /// The environment changes every command gets (as `exec` applies them).
    pub(crate) env: BTreeMap<String, Option<String>>,
    /// What besides a task's own definition and sources decides "up to
    /// date": the project's environment and the lock's pins.
    pub(crate) context_fingerprint: String,
    /// Where fingerprints of successful runs are kept (under `DEVENV_HOME`).
    pub(crate) state_dir: PathBuf,
    /// Run tasks even when they are up to date.
    pub(crate) force: bool,
    /// How many tasks may run at once.
    pub(crate) jobs: usize,
}

/// How one task ended.
enum Outcome {
    Ran,
    UpToDate,
    /// The exit code devenv should leave with.
    Failed(i32),
}

impl Runner<'_> {
    /// Runs `target` (after its dependencies), `args` appended to its last
    /// command. Returns `Err(Exit(code))` when a command failed.
    pub(crate) fn run(&self, target: &str, args: &[String]) -> Result<()> {
        let order = plan(self.tasks, target)?;
        let target_index = *order.last().expect("the target is planned");
        if !args.is_empty() && self.tasks[target_index].run.is_empty() {
            bail!(
                "task `{target}` only runs its dependencies, so it takes no arguments; pass them to one of {}",
                quoted_list(
                    &self.tasks[target_index]
                        .depends
                        .iter()
                        .map(String::as_str)
                        .collect::<Vec<_>>()
                )
            );
        }
        let prefixed = order.len() > 1;
        let mut done = vec![false; self.tasks.len()];
        let mut started = vec![false; self.tasks.len()];
        let mut failure: Option<i32> = None;
        let (tx, rx) = mpsc::channel::<(usize, Result<Outcome>)>();
        std::thread::scope(|scope| -> Result<()> {
            let mut running = 0usize;
            loop {
                if failure.is_none() {
                    for &t in &order {
                        if running >= self.jobs.max(1) {
                            break;
                        }
                        // Other members' tasks ran before this run started.
                        let ready = !started[t]
                            && self.tasks[t].depends.iter().all(|d| {
                                devenv_model::manifest::member_task(d).is_some()
                                    || self
                                        .tasks
                                        .iter()
                                        .position(|x| &x.name == d)
                                        .is_some_and(|i| done[i])
                            });
                        if !ready {
                            continue;
                        }
                        started[t] = true;
                        running += 1;
                        let tx = tx.clone();
                        let task_args: &[String] = if t == target_index { args } else { &[] };
                        scope.spawn(move || {
                            let result = self.run_task(&self.tasks[t], task_args, prefixed);
                            let _ = tx.send((t, result));
                        });
                    }
                }
                if running == 0 {
                    break;
                }
                let (t, result) = rx.recv().expect("a worker reports");
                running -= 1;
                match result {
                    Ok(Outcome::Ran | Outcome::UpToDate) => done[t] = true,
                    Ok(Outcome::Failed(code)) => {
                        failure.get_or_insert(code);
                    }
                    Err(e) => {
                        devenv_model::ui::error(format!("{e:#}"));
                        failure.get_or_insert(1);
                    }
                }
            }
            Ok(())
        })?;
        match failure {
            Some(code) => Err(Exit(code).into()),
            None => Ok(()),
        }
    }

    fn run_task(&self, task: &Task, args: &[String], prefixed: bool) -> Result<Outcome> {
        let dir = match &task.dir {
            Some(d) => self.root.join(d),
            None => self.root.to_path_buf(),
        };
        let fingerprint = if task.sources.is_empty() && task.outputs.is_empty() {
            None
        } else {
            Some(self.fingerprint(task, &dir, args)?)
        };
        if let Some(fp) = &fingerprint
            && !self.force
            && self.recorded(task).as_deref() == Some(fp.as_str())
            && outputs_exist(&dir, &task.outputs)
        {
            devenv_model::ui::info(format!("task `{}` is up to date", task.name));
            return Ok(Outcome::UpToDate);
        }
        for (i, command) in task.run.iter().enumerate() {
            let last = i + 1 == task.run.len();
            let invocation = Invocation::of(command, task.shell.as_deref());
            let mut cmd = invocation.command(&task.name, if last { args } else { &[] });
            cmd.current_dir(&dir);
            for (name, value) in &self.env {
                match value {
                    Some(v) => cmd.env(name, v),
                    None => cmd.env_remove(name),
                };
            }
            for (name, value) in &task.env {
                cmd.env(name, value);
            }
            devenv_model::ui::verbose(format!("task `{}`: {command}", task.name));
            let status = match spawn_and_wait(cmd, &task.name, prefixed) {
                Ok(status) => status,
                Err(e) => {
                    let (code, reason) = if e.kind() == std::io::ErrorKind::NotFound {
                        if dir.is_dir() {
                            (127, "no such command in the environment's PATH".to_string())
                        } else {
                            (
                                126,
                                format!("its directory {} does not exist", dir.display()),
                            )
                        }
                    } else {
                        (126, devenv_model::error::io_reason(&e))
                    };
                    devenv_model::ui::error(format!(
                        "task `{}`: could not run `{command}`: {reason}",
                        task.name
                    ));
                    return Ok(Outcome::Failed(code));
                }
            };
            if !status.success() {
                let code = exit_code(status);
                devenv_model::ui::error(format!(
                    "task `{}` failed: `{command}` exited with status {code}",
                    task.name
                ));
                return Ok(Outcome::Failed(code));
            }
        }
        if let Some(fp) = fingerprint {
            self.record(task, &fp)?;
        }
        Ok(Outcome::Ran)
    }

    /// The hash of everything that decides whether `task` must run again.
    fn fingerprint(&self, task: &Task, dir: &Path, args: &[String]) -> Result<String> {
        fn field(h: &mut Sha256, label: &str, value: &[u8]) {
            h.update(label.as_bytes());
            h.update((value.len() as u64).to_le_bytes());
            h.update(value);
        }
        let mut hasher = Sha256::new();
        let h = &mut hasher;
        field(h, "context", self.context_fingerprint.as_bytes());
        field(h, "dir", dir.as_os_str().as_encoded_bytes());
        for c in &task.run {
            field(h, "run", c.as_bytes());
        }
        for a in args {
            field(h, "arg", a.as_bytes());
        }
        field(h, "shell", task.shell.as_deref().unwrap_or("").as_bytes());
        for (k, v) in &task.env {
            field(h, "env", format!("{k}={v}").as_bytes());
        }
        for o in &task.outputs {
            field(h, "output", o.as_bytes());
        }
        for file in source_files(dir, &task.sources)? {
            let rel = file.strip_prefix(dir).unwrap_or(&file);
            field(h, "source", rel.as_os_str().as_encoded_bytes());
            let mut f = devenv_model::files::open_regular(&file).map_err(|e| {
                anyhow!(
                    "could not read {}: {}",
                    file.display(),
                    devenv_model::error::io_reason(&e)
                )
            })?;
            let mut buf = [0u8; 64 * 1024];
            loop {
                let n = f.read(&mut buf).map_err(|e| {
                    anyhow!(
                        "could not read {}: {}",
                        file.display(),
                        devenv_model::error::io_reason(&e)
                    )
                })?;
                if n == 0 {
                    break;
                }
                h.update(&buf[..n]);
            }
        }
        Ok(devenv_model::digest::hex(&hasher.finalize()))
    }

    fn state_file(&self, task: &Task) -> PathBuf {
        self.state_dir.join(&task.name)
    }

    fn recorded(&self, task: &Task) -> Option<String> {
        let text = devenv_model::files::read_bounded(&self.state_file(task), 4096, "a task record")
            .ok()??;
        Some(text.trim().to_string())
    }

    fn record(&self, task: &Task, fingerprint: &str) -> Result<()> {
        std::fs::create_dir_all(&self.state_dir).map_err(|e| {
            anyhow!(
                "could not create {}: {}",
                self.state_dir.display(),
                devenv_model::error::io_reason(&e)
            )
        })?;
        let path = self.state_file(task);
        // A unique temporary file: tasks named `gen.a` and `gen.b` record
        // in parallel without sharing one.
        devenv_model::files::write_atomic(&path, fingerprint.as_bytes()).map_err(|e| {
            anyhow!(
                "could not record that task `{}` succeeded: {e:#}",
                task.name
            )
        })
    }
}

/// The most files `sources` may match: beyond this hashing them would
/// make a run slower than running the task.
const MAX_SOURCE_FILES: usize = 100_000;

/// The regular files `patterns` match under `dir` (a matched directory
/// counts with every file below it), sorted, each once.
fn source_files(dir: &Path, patterns: &[String]) -> Result<Vec<PathBuf>> {
    let mut walk = Walk::default();
    let escaped_dir = glob::Pattern::escape(&dir.to_string_lossy());
    for pattern in patterns {
        // `src/**` means everything below `src`; the glob crate matches no
        // file with a trailing `**`, so match the directory and walk it.
        let pattern = match pattern.strip_suffix("**") {
            Some(base) if base.is_empty() || base.ends_with('/') => base.trim_end_matches('/'),
            _ => pattern.as_str(),
        };
        let joined = if pattern.is_empty() {
            escaped_dir.clone()
        } else {
            format!("{escaped_dir}/{pattern}")
        };
        let invalid =
            |e: glob::PatternError| anyhow!("`{pattern}` is not a valid pattern: {}", e.msg);
        if pattern.split('/').any(|part| part == "**") {
            // The glob crate follows directory links through `**` without
            // end: walk the literal part ourselves, each directory once,
            // and keep what the pattern (or a directory it names) matches.
            let matcher = glob::Pattern::new(&joined).map_err(invalid)?;
            let literal: Vec<&str> = pattern
                .split('/')
                .take_while(|part| !part.contains(['*', '?', '[']))
                .collect();
            let base = dir.join(literal.join("/"));
            let options = glob::MatchOptions {
                require_literal_separator: true,
                ..glob::MatchOptions::new()
            };
            let mut below = Vec::new();
            walk.collect(&base, &mut below)?;
            walk.files.extend(below.into_iter().filter(|file| {
                file.ancestors()
                    .take_while(|a| a.starts_with(&base))
                    .any(|a| matcher.matches_path_with(a, options))
            }));
            continue;
        }
        for entry in glob::glob(&joined).map_err(invalid)?.flatten() {
            let mut found = Vec::new();
            walk.collect(&entry, &mut found)?;
            walk.files.extend(found);
        }
    }
    let mut files = walk.files;
    files.sort();
    files.dedup();
    Ok(files)
}

/// The most directory entries the walk of `sources` looks at.
const MAX_WALKED: usize = 1_000_000;

/// A walk of `sources` that enters each directory once, however many
/// links lead to it (a link to `..` is a loop), and stops at
/// [`MAX_SOURCE_FILES`] files or [`MAX_WALKED`] entries.
#[derive(Default)]
struct Walk {
    files: Vec<PathBuf>,
    seen: std::collections::HashSet<(u64, u64)>,
    walked: usize,
}

impl Walk {
    /// Every file at or below `path`, each directory entered once.
    fn collect(&mut self, path: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
        self.seen.clear();
        self.descend(path, files)
    }

    fn descend(&mut self, path: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
        use std::os::unix::fs::MetadataExt;
        self.walked += 1;
        if self.walked > MAX_WALKED {
            bail!(
                "`sources` walk more than {MAX_WALKED} entries below the task's directory; narrow the patterns"
            );
        }
        let Ok(meta) = std::fs::metadata(path) else {
            return Ok(());
        };
        if meta.is_file() {
            if self.files.len() + files.len() >= MAX_SOURCE_FILES {
                bail!("`sources` match more than {MAX_SOURCE_FILES} files; narrow the patterns");
            }
            files.push(path.to_path_buf());
        } else if meta.is_dir() && self.seen.insert((meta.dev(), meta.ino())) {
            let read = std::fs::read_dir(path).map_err(|e| {
                anyhow!(
                    "could not read {}: {}",
                    path.display(),
                    devenv_model::error::io_reason(&e)
                )
            })?;
            for entry in read.flatten() {
                self.descend(&entry.path(), files)?;
            }
        }
        Ok(())
    }
}

/// Whether every `outputs` pattern matches at least one existing path.
fn outputs_exist(dir: &Path, outputs: &[String]) -> bool {
    let escaped_dir = glob::Pattern::escape(&dir.to_string_lossy());
    outputs.iter().all(|o| {
        glob::glob(&format!("{escaped_dir}/{o}"))
            .map(|mut m| m.any(|e| e.is_ok()))
            .unwrap_or(false)
    })
}

/// The status a shell would report: the code, or 128 + the signal.
pub(crate) fn exit_code(status: ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status
        .code()
        .or_else(|| status.signal().map(|s| 128 + s))
        .unwrap_or(1)
}

/// Runs `cmd`. Prefixed, its output lines are copied with `[name] ` in
/// front (stdout to stdout, stderr to stderr) and stdin is closed, since
/// several tasks may run at once; otherwise it uses devenv's own streams.
pub(crate) fn spawn_and_wait(
    mut cmd: Command,
    name: &str,
    prefixed: bool,
) -> std::io::Result<ExitStatus> {
    if !prefixed {
        return cmd.status();
    }
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let out = child.stdout.take().expect("piped");
    let err = child.stderr.take().expect("piped");
    std::thread::scope(|s| {
        s.spawn(|| copy_prefixed(out, name, std::io::stdout()));
        s.spawn(|| copy_prefixed(err, name, std::io::stderr()));
    });
    child.wait()
}

/// Copies lines from `from` to `to`, each with `[name] ` in front, one
/// write per line so lines of parallel tasks never interleave. A closed
/// `to` (`| head`) is not an error: the rest is read and dropped.
fn copy_prefixed(from: impl Read, name: &str, to: impl Write) {
    let mut reader = BufReader::new(from);
    let mut to = to;
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                if !line.ends_with(b"\n") {
                    line.push(b'\n');
                }
                let mut buf = format!("[{name}] ").into_bytes();
                buf.extend_from_slice(&line);
                let _ = to.write_all(&buf).and_then(|()| to.flush());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(ws: &[&str]) -> Invocation {
        Invocation::Direct(ws.iter().map(|s| s.to_string()).collect())
    }

    fn sh(script: &str) -> Invocation {
        Invocation::Shell(vec!["sh".into()], script.into())
    }

    #[test]
    fn plain_commands_run_directly_with_quotes_understood() {
        assert_eq!(
            Invocation::of("cargo test --all", None),
            words(&["cargo", "test", "--all"])
        );
        assert_eq!(
            Invocation::of("printf '%s|' \"a b\" c\\ d", None),
            sh("printf '%s|' \"a b\" c\\ d"),
            "`|` inside quotes is still shell syntax by the rule"
        );
        assert_eq!(
            Invocation::of("echo 'a b' \"c d\" e\\ f", None),
            words(&["echo", "a b", "c d", "e f"])
        );
    }

    #[test]
    fn shell_syntax_builtins_and_assignments_go_through_sh() {
        for c in [
            "a | b",
            "a && b",
            "a; b",
            "a > f",
            "echo $HOME",
            "ls *.rs",
            "echo ~",
            "A=1 cmd",
            "cd sub",
            "export A=1",
            "echo 'unclosed",
        ] {
            assert_eq!(Invocation::of(c, None), sh(c), "{c}");
        }
    }

    #[test]
    fn a_task_shell_takes_every_command() {
        assert_eq!(
            Invocation::of("echo hi", Some("bash -eu")),
            Invocation::Shell(vec!["bash".into(), "-eu".into()], "echo hi".into())
        );
    }
}
