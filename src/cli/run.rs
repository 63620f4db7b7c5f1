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
    /// `-w`: in every member of the workspace that defines the task.
    pub(crate) workspace: bool,
}

pub(crate) fn run(config: &Config, a: Args) -> Result<()> {
    let project = Project::find(&super::cwd()?, config)?;
    if a.workspace {
        return in_every_member(config, &project, &a);
    }
    let tasks = &project.manifest.tasks;
    let Some(name) = a.name else {
        return list(tasks, a.json);
    };
    // An unknown name is reported before anything is locked or installed.
    let planned = crate::tasks::plan(tasks, name)?;
    let cx = Context::new(config, a.frozen)?;
    let (lock, _) = project.ensure_installed(&cx)?;
    other_members_first(&project, &planned, &a)?;
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

/// The variable that carries, to the `devenv run` of another member's
/// task, the chain of member tasks that led to it: a cycle across members
/// is refused instead of starting processes forever.
const CHAIN_VAR: &str = "__DEVENV_TASK_CHAIN";

/// Runs, in order and once each, the other members' tasks that the tasks
/// `planned` depend on (`depends = ["../lib:build"]`): each in its member's
/// own environment, its lines prefixed `[../lib:build]`. Each must be a
/// member of this project's workspace.
fn other_members_first(project: &Project, planned: &[usize], a: &Args) -> Result<()> {
    let tasks = &project.manifest.tasks;
    let mut seen = Vec::new();
    for &t in planned {
        for dep in &tasks[t].depends {
            if let Some(found) = devenv_model::manifest::member_task(dep)
                && !seen.contains(&found)
            {
                seen.push(found);
            }
        }
    }
    if seen.is_empty() {
        return Ok(());
    }
    let Some(place) = &project.manifest.place else {
        anyhow::bail!(
            "task `{}` depends on `{}:{}`, another member's task, but {} is in no workspace",
            a.name.unwrap_or_default(),
            seen[0].0,
            seen[0].1,
            project.root().display()
        );
    };
    let here = format!(
        "{}:{}",
        project.root().display(),
        a.name.unwrap_or_default()
    );
    let chain = devenv_model::config::outer_var(CHAIN_VAR).unwrap_or_default();
    let exe = std::env::current_exe()
        .map_err(|e| anyhow::anyhow!("cannot find devenv's own executable: {e}"))?;
    for (dir, task) in seen {
        let target = std::path::absolute(project.root().join(dir)).unwrap_or_default();
        let target = std::fs::canonicalize(&target).unwrap_or(target);
        let member = devenv_model::manifest::find_root(&target)
            .map(|r| devenv_model::manifest::workspace::locate(&r, project.manifest.limits))
            .transpose()?;
        let same = member.as_ref().is_some_and(|m| {
            m.root == target
                && m.place.as_ref().is_some_and(|p| {
                    p.member.is_some()
                        && std::fs::canonicalize(&p.root).ok()
                            == std::fs::canonicalize(&place.root).ok()
                })
        });
        if !same {
            anyhow::bail!(
                "`{dir}:{task}`: {} is not a member of the workspace at {}",
                target.display(),
                place.root.display()
            );
        }
        let link = format!("{}:{task}", target.display());
        if chain.lines().any(|l| l == link) || link == here {
            anyhow::bail!(
                "tasks of the workspace's members depend on each other in a cycle: {} → {link}",
                chain
                    .lines()
                    .chain([here.as_str()])
                    .collect::<Vec<_>>()
                    .join(" → ")
            );
        }
        let mut cmd = std::process::Command::new(&exe);
        cmd.arg("-C").arg(&target).arg("run").arg(task);
        if a.force {
            cmd.arg("--force");
        }
        if a.frozen {
            cmd.arg("--frozen");
        }
        cmd.env(CHAIN_VAR, format!("{chain}{here}\n"));
        let status = crate::tasks::spawn_and_wait(cmd, &format!("{dir}:{task}"), true)
            .map_err(|e| anyhow::anyhow!("could not start devenv for `{dir}:{task}`: {e}"))?;
        let code = crate::tasks::exit_code(status);
        if code != 0 {
            devenv_model::ui::error(format!("`{dir}:{task}` failed (exit {code})"));
            return Err(devenv_model::error::Exit(code).into());
        }
    }
    Ok(())
}

/// `devenv run -w NAME`: NAME in every member whose own devenv.toml
/// defines it, at most `jobs` at once, each in its own environment (a
/// `devenv run` in the member's directory), every line prefixed with the
/// member. The lock is brought up to date once first, so the members never
/// race to write it. Fails with the first failing member's exit code, after
/// every member ran and each failure was named.
fn in_every_member(config: &Config, project: &Project, a: &Args) -> Result<()> {
    let name = a.name.expect("clap requires NAME with -w");
    let Some((root, members)) = project.workspace()? else {
        anyhow::bail!(
            "-w runs a task in every member of a workspace, and {} is in none (no devenv.toml above it has [workspace]); run `devenv run {name}` here instead",
            project.root().display()
        );
    };
    let with: Vec<(String, &devenv_model::manifest::Manifest)> = members
        .iter()
        .filter(|m| {
            devenv_model::manifest::Manifest::parse(&m.path, m.source.clone())
                .is_ok_and(|own| own.tasks.iter().any(|t| t.name == name))
        })
        .map(|m| {
            (
                m.place
                    .as_ref()
                    .and_then(|p| p.member.clone())
                    .unwrap_or_default(),
                m,
            )
        })
        .collect();
    if with.is_empty() {
        anyhow::bail!(
            "no member of the workspace at {} defines a task `{name}`",
            root.root.display()
        );
    }
    let cx = Context::new(config, a.frozen)?;
    project.ensure_workspace_lock(&cx, &devenv_sources::resolve::Update::Nothing, "lock", true)?;
    let exe = std::env::current_exe()
        .map_err(|e| anyhow::anyhow!("cannot find devenv's own executable: {e}"))?;
    let jobs = match a.jobs {
        Some(n) => usize::from(n),
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let results = devenv_model::parallel::map(jobs, &with, |(rel, member)| {
        let mut cmd = std::process::Command::new(&exe);
        cmd.arg("-C").arg(&member.root).arg("run").arg(name);
        if a.force {
            cmd.arg("--force");
        }
        if a.frozen {
            cmd.arg("--frozen");
        }
        if !a.args.is_empty() {
            cmd.arg("--").args(a.args);
        }
        crate::tasks::spawn_and_wait(cmd, rel, true)
            .map(crate::tasks::exit_code)
            .map_err(|e| anyhow::anyhow!("could not start devenv for `{rel}`: {e}"))
    });
    let mut failed = Vec::new();
    for ((rel, _), result) in with.iter().zip(results) {
        match result {
            Ok(0) => {}
            Ok(code) => failed.push((rel.clone(), code)),
            Err(e) => {
                devenv_model::ui::error(format!("{e:#}"));
                failed.push((rel.clone(), 1));
            }
        }
    }
    let Some(&(_, code)) = failed.first() else {
        devenv_model::ui::info(format!(
            "`{name}` passed in {}",
            devenv_model::ui::plural(with.len(), "member", "members")
        ));
        return Ok(());
    };
    devenv_model::ui::error(format!(
        "`{name}` failed in {} of {}: {}",
        failed.len(),
        devenv_model::ui::plural(with.len(), "member", "members"),
        failed
            .iter()
            .map(|(rel, code)| format!("{rel} (exit {code})"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    Err(devenv_model::error::Exit(code).into())
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
