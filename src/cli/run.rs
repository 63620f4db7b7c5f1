//! `devenv run [NAME] [-- ARGS]`: run a task of `[tasks]` in the project's
//! environment, exactly as `exec` would (same lock, installs, variables),
//! or list the tasks when no name is given.

use crate::project::{Context, Project};
use crate::tasks::Runner;
use anyhow::Result;
use devenv_model::config::Config;
use devenv_model::lock::Lock;
use devenv_model::manifest::Task;
use sha2::{Digest as _, Sha256};

/// What `devenv run` was asked.
pub(crate) struct Args<'a> {
    pub(crate) name: Option<&'a str>,
    pub(crate) args: &'a [String],
    pub(crate) force: bool,
    pub(crate) frozen: bool,
    /// At most this many tasks at once (default: the number of cores).
    pub(crate) jobs: Option<u16>,
    pub(crate) json: bool,
}

pub(crate) fn run(config: &Config, a: Args) -> Result<()> {
    let project = Project::find(&super::cwd()?, config)?;
    let tasks = &project.manifest.tasks;
    let Some(name) = a.name else {
        return list(tasks, a.json);
    };
    // An unknown name is reported before anything is locked or installed.
    let planned = crate::tasks::plan(tasks, name)?;
    let cx = Context::new(config, a.frozen)?;
    let (lock, _) = project.ensure_installed(&cx)?;
    let env = project.environment(Some(&lock), &cx.store, cx.platform())?;
    let tasks = &interpolated(&project.manifest, &env, &planned)?;
    let runner = Runner {
        tasks,
        root: project.root(),
        env: env.changes(devenv_model::config::outer_var("PATH").as_deref()),
        context_fingerprint: context_fingerprint(&env, &lock, cx.platform()),
        state_dir: cx.store.project_dir(&project.id()).join("tasks"),
        force: a.force,
        jobs: match a.jobs {
            Some(n) => usize::from(n),
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        },
    };
    runner.run(name, a.args)
}

/// The tasks, with `${VAR}` in the `env` values of those `planned` to run
/// expanded as in `[env]`: from the project's environment first, then
/// devenv's own.
fn interpolated(
    manifest: &devenv_model::manifest::Manifest,
    env: &crate::activate::Environment,
    planned: &[usize],
) -> Result<Vec<Task>> {
    let mut tasks = manifest.tasks.clone();
    for (i, task) in tasks.iter_mut().enumerate() {
        if !planned.contains(&i) {
            continue;
        }
        for (name, value) in &mut task.env {
            let expanded = crate::activate::interpolate(value, |v| {
                env.get(v).or_else(|| devenv_model::config::outer_var(v))
            })
            .map_err(|e| {
                let (message, help) = devenv_model::manifest::split_help(&e);
                let needle = message.split('`').nth(1).map(str::to_string);
                let keys = ["tasks", task.name.as_str(), "env", name.as_str()];
                match manifest.value_error(&keys, needle.as_deref(), message, help) {
                    Some(located) => anyhow::Error::new(located),
                    None => anyhow::anyhow!("task `{}`: env {name}: {e}", task.name),
                }
            })?;
            *value = expanded;
        }
    }
    Ok(tasks)
}

/// The project's own environment (not the outer PATH) and the pins of the
/// lock for this platform: when either changes, every task runs again.
fn context_fingerprint(
    env: &crate::activate::Environment,
    lock: &Lock,
    platform: devenv_model::platform::Platform,
) -> String {
    let mut h = Sha256::new();
    for (k, v) in &env.vars {
        h.update(format!("var {k}={v:?}\n"));
    }
    for p in &env.path {
        h.update(format!("path {}\n", p.display()));
    }
    for (name, tool) in &lock.tools {
        let digest = tool
            .artifacts
            .get(&platform)
            .map(|a| a.digest.to_string())
            .unwrap_or_default();
        h.update(format!("pin {name} {} {digest}\n", tool.version));
    }
    devenv_model::digest::hex(&h.finalize())
}

/// `devenv run` without a name: each task with its description (or its
/// commands when it has none).
fn list(tasks: &[Task], json: bool) -> Result<()> {
    if json {
        let items: Vec<serde_json::Value> = tasks
            .iter()
            .map(|t| {
                serde_json::json!({
                    "name": t.name,
                    "description": t.description,
                    "run": t.run,
                    "depends": t.depends,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&items)?);
        return Ok(());
    }
    if tasks.is_empty() {
        devenv_model::ui::info(
            "devenv.toml has no [tasks]; add one, e.g.\n\n[tasks]\ntest = \"cargo test\"\n",
        );
        return Ok(());
    }
    let width = tasks.iter().map(|t| t.name.len()).max().unwrap_or(0);
    for t in tasks {
        let about = match &t.description {
            Some(d) => d.clone(),
            None if t.run.is_empty() => format!("runs {}", t.depends.join(", ")),
            None => t.run.join(" && "),
        };
        // Control characters could rewrite the terminal: shown as spaces.
        let about: String = about
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        println!("{:width$}  {about}", t.name);
    }
    Ok(())
}
