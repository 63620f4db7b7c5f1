//! `devenv ci`: the pinned environment for a CI job in one step.
//!
//! Installs with `--frozen` (a stale lock fails, naming the tool), checks
//! that every pinned tool is in the store, then hands the environment to
//! the CI system: in GitHub Actions by appending to the files named by
//! `GITHUB_ENV` and `GITHUB_PATH`, so later steps run inside it; elsewhere
//! on stdout (dotenv unless `--format` says otherwise). One summary line on
//! stderr says what the job got.

use crate::activate::Environment;
use crate::install::{self, Report};
use crate::project::{Context, Project};
use anyhow::{Result, bail};
use devenv_model::config::Config;
use devenv_model::error::IoContext;
use devenv_model::lock::Lock;
use devenv_model::ui;
use devenv_shell::{self as shell, Format};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Where the environment goes.
enum Target {
    /// GitHub Actions' environment files.
    Github {
        env_file: PathBuf,
        path_file: PathBuf,
    },
    /// Stdout, in `format`; `hint` when the format was chosen for the user.
    Stdout { format: Format, hint: bool },
}

pub(crate) fn run(config: &Config, format: Option<Format>) -> Result<()> {
    let started = Instant::now();
    let target = target(format)?;
    let cx = Context::new(config, true)?;
    let project = Project::find(&super::cwd()?, config)?;
    let (lock, report) = project.ensure_installed(&cx)?;
    verify(&lock, &cx)?;
    // A store that CI caches should not carry the garbage of killed installs.
    cx.store.clean_staging()?;
    let env = project.environment(Some(&lock), &cx.store, cx.platform())?;
    let exported = match &target {
        Target::Github {
            env_file,
            path_file,
        } => export_github(&env, env_file, path_file)?,
        Target::Stdout { format, hint } => {
            let changes = env.changes(devenv_model::config::outer_var("PATH").as_deref());
            std::io::stdout()
                .write_all(shell::render(*format, &changes).as_bytes())
                .map_err(|e| {
                    anyhow::anyhow!(
                        "could not write to stdout: {}",
                        devenv_model::error::io_reason(&e)
                    )
                })?;
            if *hint {
                ui::info(
                    "not in GitHub Actions, so the environment is on stdout in dotenv form: \
                     save it (`devenv ci > devenv.env`) for your CI system, or load it into this \
                     shell with `eval \"$(devenv ci --format bash)\"`",
                );
            }
            "printed the environment on stdout".to_string()
        }
    };
    ui::info(summary(&lock, &report, started, &exported));
    Ok(())
}

/// GitHub Actions when its documented variables say so (and `--format`
/// does not ask for something else); stdout otherwise.
fn target(format: Option<Format>) -> Result<Target> {
    let var = |name: &str| devenv_model::config::outer_var_os(name).filter(|v| !v.is_empty());
    let files = var("GITHUB_ENV").zip(var("GITHUB_PATH"));
    let in_actions = devenv_model::config::outer_var("GITHUB_ACTIONS").is_some_and(|v| v == "true");
    match (format, files) {
        (Some(Format::Github), Some((env_file, path_file))) => Ok(Target::Github {
            env_file: env_file.into(),
            path_file: path_file.into(),
        }),
        (Some(Format::Github), None) => bail!(
            "--format github appends to the files named by GITHUB_ENV and GITHUB_PATH, and they are not set; \
             GitHub Actions sets them in every step (elsewhere use `devenv env --format github`)"
        ),
        (Some(format), _) => Ok(Target::Stdout {
            format,
            hint: false,
        }),
        (None, Some((env_file, path_file))) if in_actions => Ok(Target::Github {
            env_file: env_file.into(),
            path_file: path_file.into(),
        }),
        (None, _) => {
            if in_actions {
                ui::warn(
                    "GITHUB_ACTIONS is set but GITHUB_ENV or GITHUB_PATH is not; printing dotenv instead",
                );
            }
            Ok(Target::Stdout {
                format: Format::Dotenv,
                hint: true,
            })
        }
    }
}

/// Every tool the lock pins for this platform is in the store.
fn verify(lock: &Lock, cx: &Context) -> Result<()> {
    let absent: Vec<String> = install::missing(lock, cx.platform(), &cx.store)
        .iter()
        .map(install::Missing::label)
        .collect();
    if !absent.is_empty() {
        bail!(
            "after installing, these pinned tools are not in the store for {}: {}",
            cx.platform(),
            absent.join(", ")
        );
    }
    Ok(())
}

/// Appends the variables to `GITHUB_ENV` and the PATH additions to
/// `GITHUB_PATH`; returns what it did, for the summary.
fn export_github(env: &Environment, env_file: &Path, path_file: &Path) -> Result<String> {
    let mut vars = String::new();
    let mut count = 0;
    let mut unset = Vec::new();
    // PATH itself is never written: GITHUB_PATH prepends to the runner's own
    // PATH, which later steps (and other actions) keep extending.
    for (name, value) in env.changes(None) {
        if name == "PATH" {
            continue;
        }
        if value.is_none() {
            unset.push(name.clone());
        }
        vars.push_str(&shell::github_env_line(
            &name,
            value.as_deref().unwrap_or(""),
        ));
        count += 1;
    }
    // The runner prepends each line of GITHUB_PATH in turn, so the last line
    // ends up first on PATH: write them in reverse to keep devenv's order.
    let mut dirs = String::new();
    for dir in env.path.iter().rev() {
        let line = dir.to_string_lossy();
        if line.contains('\n') {
            bail!("cannot add {line:?} to GITHUB_PATH: the path contains a newline");
        }
        dirs.push_str(&line);
        dirs.push('\n');
    }
    append(env_file, &vars)?;
    append(path_file, &dirs)?;
    if !unset.is_empty() {
        ui::warn(format!(
            "GitHub Actions cannot unset variables for later steps; set to empty instead: {}",
            unset.join(", ")
        ));
    }
    Ok(format!(
        "exported {} to $GITHUB_ENV and {} to $GITHUB_PATH",
        devenv_model::ui::plural(count, "variable", "variables"),
        devenv_model::ui::plural(env.path.len(), "directory", "directories")
    ))
}

fn append(path: &Path, text: &str) -> Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .io_context("open", path)?;
    file.write_all(text.as_bytes())
        .io_context("append to", path)
}

/// `ci: node 22.1.0, zig 0.13.0 (1 fetched, 41.2 MiB; 3.1 s); exported …`
fn summary(lock: &Lock, report: &Report, started: Instant, exported: &str) -> String {
    let tools = if lock.tools.is_empty() {
        "no tools pinned".to_string()
    } else {
        lock.tools
            .iter()
            .map(|(name, t)| format!("{name} {}", t.version))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let bytes: u64 = report.fetched.iter().map(|(_, _, b)| b).sum();
    // With team caches: where the fetched artifacts came from.
    let mut origins = String::new();
    if !report.from_caches.is_empty() {
        for (cache, n) in &report.from_caches {
            origins.push_str(&format!(" {n} from {cache},"));
        }
        origins.push_str(&format!(" {} from upstream;", report.upstream_count()));
        origins.insert(0, ':');
    } else {
        origins.push(',');
    }
    // Who built the tools, as the lock records it, when anything was checked.
    let mut counts = [0usize; 3];
    for tool in lock.tools.values() {
        for artifact in tool.artifacts.values() {
            // A tree counts its packages (its own record is one of them).
            let records: Vec<_> = if artifact.members.is_empty() {
                vec![&artifact.provenance]
            } else {
                artifact.members.iter().map(|m| &m.provenance).collect()
            };
            for p in records {
                match p {
                    Some(p) if p.signer().is_some() => counts[0] += 1,
                    Some(_) => counts[1] += 1,
                    None => counts[2] += 1,
                }
            }
        }
    }
    let provenance = if counts[0] + counts[1] > 0 {
        format!(
            "; provenance: {} verified, {} not published, {} not checked",
            counts[0], counts[1], counts[2]
        )
    } else {
        String::new()
    };
    format!(
        "ci: {tools} ({} fetched{origins} {}; {:.1} s); {exported}{provenance}",
        report.fetched.len(),
        ui::human_bytes(bytes),
        started.elapsed().as_secs_f64()
    )
}
