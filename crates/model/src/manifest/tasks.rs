//! `[tasks]`: the project's commands, checked where they stand.
//!
//! Everything that can be wrong with a task is found here, at parse time,
//! with its span: unknown keys, wrong types, paths leaving the project, a
//! `depends` naming no task ("did you mean"), and dependency cycles. The
//! task runner (`crate::tasks`) then only has to run a valid graph.

use super::validate::{Cx, item_span};
use super::{ManifestError, check_var_name, suggest};
use std::ops::Range;
use std::path::{Component, Path};
use toml_edit::Item;

/// One entry of `[tasks]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    /// The key as written: `test`, `build:docs`.
    pub name: String,
    /// The commands, run in order; empty for a task that only groups `depends`.
    pub run: Vec<String>,
    /// What `devenv run` prints next to the name.
    pub description: Option<String>,
    /// Tasks that must succeed first (names of other tasks).
    pub depends: Vec<String>,
    /// Where the commands run, relative to the project root (default: the root).
    pub dir: Option<String>,
    /// Variables set for this task's commands, on top of the environment.
    pub env: Vec<(String, String)>,
    /// Files (globs, relative to `dir`) whose content decides "up to date".
    pub sources: Vec<String>,
    /// Paths (globs, relative to `dir`) that must all exist to be "up to date".
    pub outputs: Vec<String>,
    /// The shell for commands (split with shell-words, e.g. `bash -eu`);
    /// when set, every command goes through it.
    pub shell: Option<String>,
}

const KEYS: &[&str] = &[
    "run",
    "description",
    "depends",
    "dir",
    "env",
    "sources",
    "outputs",
    "shell",
];

/// A `depends` entry naming another workspace member's task
/// (`../lib:build`): the member's directory, relative to this manifest's,
/// and the task's name. `None` for a task of this manifest.
pub fn member_task(dep: &str) -> Option<(&str, &str)> {
    if !dep.contains('/') {
        return None;
    }
    let (dir, task) = dep.rsplit_once(':')?;
    let plain = !dir.is_empty()
        && !dir.starts_with('/')
        && !task.is_empty()
        && !task.contains('/')
        && !dir.contains('\\');
    plain.then_some((dir, task))
}

/// Where each `depends` entry stands, for graph errors found after parsing.
struct DependSpans {
    spans: Vec<Vec<Range<usize>>>,
}

impl Cx<'_> {
    /// Validates `[tasks]`, its dependency names and its graph.
    pub(super) fn tasks(&self, item: &Item) -> Result<Vec<Task>, ManifestError> {
        let table = self.table(
            item,
            "`tasks`",
            "[tasks] followed by `test = \"cargo test\"`",
        )?;
        let mut tasks = Vec::new();
        let mut spans = DependSpans { spans: Vec::new() };
        for (name, value) in table.iter() {
            let span = table.key(name).and_then(|k| k.span()).unwrap_or(0..0);
            let (task, dep_spans) = self.task(name, span, value)?;
            tasks.push(task);
            spans.spans.push(dep_spans);
        }
        self.check_depends(&tasks, &spans)?;
        self.check_cycles(&tasks, &spans)?;
        Ok(tasks)
    }

    fn task(
        &self,
        name: &str,
        key_span: Range<usize>,
        item: &Item,
    ) -> Result<(Task, Vec<Range<usize>>), ManifestError> {
        let valid_name = !name.is_empty()
            && name.len() <= 100
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-:".contains(c))
            && !name.starts_with(['.', '-', ':']);
        if !valid_name {
            return Err(self.error(
                key_span,
                format!("`{name}` is not a valid task name"),
                Some(
                    "use letters, digits, `.`, `_`, `-` and `:`, starting with a letter or digit"
                        .into(),
                ),
            ));
        }
        let mut task = Task {
            name: name.to_string(),
            run: Vec::new(),
            description: None,
            depends: Vec::new(),
            dir: None,
            env: Vec::new(),
            sources: Vec::new(),
            outputs: Vec::new(),
            shell: None,
        };
        let example = format!(
            "{name} = \"cargo test\" or {name} = {{ run = \"cargo test\", depends = [\"fmt\"] }}"
        );
        if item.is_str() || item.is_array() {
            task.run = self.commands(item, &example)?;
            return Ok((task, Vec::new()));
        }
        let table = item.as_table_like().ok_or_else(|| {
            self.wrong_type(
                item,
                &format!("task `{name}`"),
                "a command, a list of commands or a table",
                &example,
            )
        })?;
        let mut dep_spans = Vec::new();
        for (key, value) in table.iter() {
            let span = table.key(key).and_then(|k| k.span()).unwrap_or(0..0);
            match key {
                "run" => task.run = self.commands(value, &example)?,
                "description" => {
                    task.description = Some(
                        self.string(value, "`description`", "description = \"run the tests\"")?
                            .to_string(),
                    )
                }
                "depends" => {
                    task.depends =
                        self.string_list(value, "`depends`", "depends = [\"fmt\", \"lint\"]")?;
                    dep_spans = value
                        .as_array()
                        .map(|a| a.iter().map(|v| v.span().unwrap_or(0..0)).collect())
                        .unwrap_or_default();
                }
                "dir" => {
                    let dir = self.string(value, "`dir`", "dir = \"frontend\"")?;
                    self.check_relative(value, dir, "`dir`")?;
                    task.dir = Some(dir.to_string());
                }
                "env" => task.env = self.task_env(value)?,
                "sources" | "outputs" => {
                    let what = format!("`{key}`");
                    let list = self.string_list(value, &what, &format!("{key} = [\"src/**\"]"))?;
                    for p in &list {
                        self.check_relative(value, p, &what)?;
                        if let Err(e) = glob::Pattern::new(p) {
                            return Err(self.error(
                                item_span(value),
                                format!("`{p}` is not a valid pattern: {}", e.msg),
                                Some("use `*` for any name, `**` for any depth, e.g. \"src/**/*.rs\"".into()),
                            ));
                        }
                    }
                    if key == "sources" {
                        task.sources = list;
                    } else {
                        task.outputs = list;
                    }
                }
                "shell" => {
                    let shell = self.string(value, "`shell`", "shell = \"bash -eu\"")?;
                    match shell_words::split(shell) {
                        Ok(words) if !words.is_empty() => task.shell = Some(shell.to_string()),
                        _ => {
                            return Err(self.error(
                                item_span(value),
                                format!("`{shell}` is not a shell command"),
                                Some(
                                    "name a shell and its options, e.g. shell = \"bash -eu\""
                                        .into(),
                                ),
                            ));
                        }
                    }
                }
                other => {
                    return Err(self.unknown_key(span, other, &format!("in task `{name}`"), KEYS));
                }
            }
        }
        if task.run.is_empty() && task.depends.is_empty() {
            return Err(self.error(
                key_span,
                format!("task `{name}` has nothing to run"),
                Some(format!(
                    "add `run = \"...\"` or `depends = [...]`, e.g. {example}"
                )),
            ));
        }
        Ok((task, dep_spans))
    }

    /// `run`: one command or a non-empty list of them, none blank.
    fn commands(&self, item: &Item, example: &str) -> Result<Vec<String>, ManifestError> {
        let list = if let Some(s) = item.as_str() {
            vec![s.to_string()]
        } else {
            self.string_list(item, "`run`", example)?
        };
        if list.is_empty() || list.iter().any(|c| c.trim().is_empty()) {
            return Err(self.error(
                item_span(item),
                "a task's command cannot be empty".into(),
                Some(format!("for example: {example}")),
            ));
        }
        Ok(list)
    }

    fn task_env(&self, item: &Item) -> Result<Vec<(String, String)>, ManifestError> {
        let example = "env = { RUST_LOG = \"debug\" }";
        let table = self.table(item, "`env`", example)?;
        let mut out = Vec::new();
        for (name, value) in table.iter() {
            let span = table.key(name).and_then(|k| k.span()).unwrap_or(0..0);
            check_var_name(name).map_err(|(msg, help)| self.error(span, msg, Some(help)))?;
            let v = match value.as_value() {
                Some(toml_edit::Value::String(s)) => s.value().clone(),
                Some(toml_edit::Value::Integer(i)) => i.value().to_string(),
                _ => {
                    return Err(self.wrong_type(
                        value,
                        &format!("variable `{name}`"),
                        "a string or a number",
                        example,
                    ));
                }
            };
            out.push((name.to_string(), v));
        }
        Ok(out)
    }

    fn check_relative(&self, item: &Item, path: &str, what: &str) -> Result<(), ManifestError> {
        let p = Path::new(path);
        if path.is_empty()
            || p.is_absolute()
            || p.components().any(|c| matches!(c, Component::ParentDir))
        {
            return Err(self.error(
                item_span(item),
                format!("{what} `{path}` must be a path inside the project"),
                Some("use a path relative to the project root, without `..`".into()),
            ));
        }
        Ok(())
    }

    /// Every `depends` entry names a task of this manifest, or a task of
    /// another workspace member (`../lib:build`, checked when it runs).
    fn check_depends(&self, tasks: &[Task], spans: &DependSpans) -> Result<(), ManifestError> {
        let names: Vec<&str> = tasks.iter().map(|t| t.name.as_str()).collect();
        for (i, task) in tasks.iter().enumerate() {
            for (j, dep) in task.depends.iter().enumerate() {
                if names.contains(&dep.as_str()) {
                    continue;
                }
                if dep.contains('/') {
                    if member_task(dep).is_some() {
                        continue;
                    }
                    return Err(self.error(
                        spans.spans[i][j].clone(),
                        format!("`{dep}` is not a task of another member"),
                        Some("name a member's directory relative to this one, a colon and its task: `../lib:build`".into()),
                    ));
                }
                let help = match suggest(dep, &names) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None if names.len() > 1 => format!(
                        "the tasks are {}",
                        names
                            .iter()
                            .filter(|n| **n != task.name)
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    None => format!("define it in [tasks]: {dep} = \"...\""),
                };
                return Err(self.error(
                    spans.spans[i][j].clone(),
                    format!(
                        "task `{}` depends on `{dep}`, which is not a task",
                        task.name
                    ),
                    Some(help),
                ));
            }
        }
        Ok(())
    }

    /// No task depends on itself, directly or through others. The error
    /// points at the `depends` entry that closes the cycle.
    fn check_cycles(&self, tasks: &[Task], spans: &DependSpans) -> Result<(), ManifestError> {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            Open,
            Done,
        }
        let index = |n: &str| tasks.iter().position(|t| t.name == n).expect("checked");
        let mut marks = vec![Mark::New; tasks.len()];
        for start in 0..tasks.len() {
            if marks[start] != Mark::New {
                continue;
            }
            // Iterative DFS: (task, next depends entry to look at).
            let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
            marks[start] = Mark::Open;
            while let Some(&mut (t, ref mut next)) = stack.last_mut() {
                if *next == tasks[t].depends.len() {
                    marks[t] = Mark::Done;
                    stack.pop();
                    continue;
                }
                let j = *next;
                *next += 1;
                if member_task(&tasks[t].depends[j]).is_some() {
                    // Another member's task: a process of its own, which
                    // refuses to start a chain it is already part of.
                    continue;
                }
                let d = index(&tasks[t].depends[j]);
                match marks[d] {
                    Mark::Done => {}
                    Mark::New => {
                        marks[d] = Mark::Open;
                        stack.push((d, 0));
                    }
                    Mark::Open => {
                        let from = stack.iter().position(|(s, _)| *s == d).expect("open");
                        let mut path: Vec<&str> = stack[from..]
                            .iter()
                            .map(|(s, _)| tasks[*s].name.as_str())
                            .collect();
                        path.push(&tasks[d].name);
                        return Err(self.error(
                            spans.spans[t][j].clone(),
                            format!("tasks depend on each other in a cycle: {}", path.join(" → ")),
                            Some(format!(
                                "remove `{}` from the `depends` of `{}`, or another link of the cycle",
                                tasks[d].name, tasks[t].name
                            )),
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::Manifest;
    use super::*;

    fn parse(s: &str) -> Result<Manifest, ManifestError> {
        Manifest::parse(Path::new("/nowhere/devenv.toml"), s.to_string())
    }

    #[test]
    fn all_three_forms_parse() {
        let m = parse(
            r#"
[tasks]
fmt = "cargo fmt --all"
test = { run = "cargo test --all", depends = ["fmt"], description = "the whole suite" }
build = { run = ["npm ci", "npm run build"], sources = ["src/**", "package-lock.json"], outputs = ["dist"] }
"#,
        )
        .unwrap();
        assert_eq!(m.tasks.len(), 3);
        assert_eq!(m.tasks[0].run, vec!["cargo fmt --all"]);
        assert_eq!(m.tasks[1].depends, vec!["fmt"]);
        assert_eq!(m.tasks[2].run.len(), 2);
        assert_eq!(m.tasks[2].outputs, vec!["dist"]);
    }

    #[test]
    fn a_cycle_points_at_the_closing_dependency() {
        let e = parse("[tasks]\na = { run = \"x\", depends = [\"b\"] }\nb = { run = \"y\", depends = [\"a\"] }\n")
            .unwrap_err();
        assert_eq!(e.line, 3);
        assert_eq!(e.column, 29);
        assert!(e.message.contains("a → b → a"), "{}", e.message);
    }

    #[test]
    fn an_unknown_dependency_suggests_a_task() {
        let e = parse("[tasks]\nformat = \"x\"\nt = { run = \"y\", depends = [\"fromat\"] }\n")
            .unwrap_err();
        assert_eq!((e.line, e.column), (3, 29));
        assert_eq!(e.help.as_deref(), Some("did you mean `format`?"));
    }
}
