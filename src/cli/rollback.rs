//! `devenv rollback [N] [--lock-only]`: go back to an earlier generation,
//! offline — its lock, and the `[tools]` and `[env]` of the `devenv.toml`
//! it was made from, so that `exec --frozen` and the hook use the old
//! environment at once.
//!
//! Trust: a rollback that rewrites `devenv.toml` keeps an allowed project
//! allowed only when the generation it restores was itself allowed when it
//! was recorded (its manifest, lock and dotenv files were what `devenv
//! allow` had accepted). Otherwise the shell hook asks for `devenv allow`
//! again, as after any edit: a generation recorded by `devenv install` in a
//! repository never allowed must not become allowed by going back to it.

use crate::install;
use crate::project::{Context, Project};
use anyhow::{Result, bail};
use devenv_model::config::Config;
use devenv_model::edit;
use devenv_model::files;
use devenv_model::manifest::{self, Manifest};
use devenv_model::ui;
use devenv_store::generations::{self, History};
use devenv_store::trust;

pub(crate) fn run(config: &Config, target: Option<u32>, lock_only: bool) -> Result<()> {
    let cx = Context::new(config, false)?;
    let project = Project::find(&super::cwd()?, config)?;
    let history = History::open(&cx.store, &project.id());
    let list = history.list()?;
    let current = history.current(project.read_lock()?.as_ref())?;
    let number = match target {
        Some(n) => n,
        None => {
            let Some(cur) = current.or(list.last().map(|g| g.number)) else {
                bail!(
                    "this project has no generations yet; they are recorded each time devenv writes devenv.lock"
                );
            };
            let Some(prev) = list.iter().rev().map(|g| g.number).find(|n| *n < cur) else {
                bail!(
                    "generation {cur} is the oldest this project has, so there is nothing to roll back to (see `devenv generations`)"
                );
            };
            prev
        }
    };
    generations::check_exists(&list, number)?;
    let generation = list
        .iter()
        .find(|g| g.number == number)
        .expect("checked above");
    let restored = if lock_only {
        None
    } else {
        restored_manifest(&project, &history, number)?
    };
    if Some(number) == current && restored.is_none() {
        ui::info(format!("generation {number} is already the current one"));
        return Ok(());
    }
    let was_allowed = project.allowed(&cx);
    let lock = history.lock(number)?;
    // The lock first: while devenv.toml is still the allowed one, the trust
    // record follows the lock as for any lock devenv writes.
    project.write_lock(&cx, &lock)?;
    let project = match &restored {
        Some(text) => {
            files::write_atomic(&project.manifest.path, text.as_bytes())?;
            let project = Project::find(project.root(), config)?;
            if was_allowed && generation.allowed {
                trust::allow(
                    &cx.store,
                    &project.manifest.path,
                    &trust::Snapshot::read(&project.manifest)?,
                )?;
            } else if was_allowed {
                ui::warn(format!(
                    "generation {number} was not allowed for the shell hook when it was recorded, so the restored {} needs a new `devenv allow` after you review it",
                    manifest::FILE_NAME
                ));
            }
            project
        }
        None => project,
    };
    let recorded = project.record_generation(&cx, &lock, &format!("rollback to {number}"))?;
    let missing: Vec<String> = install::missing(&lock, config.platform(), &cx.store)
        .iter()
        .map(install::Missing::label)
        .collect();
    let new = recorded
        .map(|g| format!(" (recorded as generation {})", g.number))
        .unwrap_or_default();
    let what = if restored.is_some() {
        format!(
            "devenv.lock and the [tools] and [env] of {}",
            manifest::FILE_NAME
        )
    } else {
        "devenv.lock".to_string()
    };
    ui::info(format!(
        "rolled back to generation {number}{new}: restored {what}"
    ));
    if let Some(reasons) = lock.staleness(
        &project.manifest,
        &project.platforms(Some(&lock), cx.platform()),
    ) {
        ui::warn(format!(
            "{} asks for something else than the restored lock:\n  - {}\n`devenv exec --frozen` will refuse it and a plain `devenv lock` moves forward again{}",
            manifest::FILE_NAME,
            reasons.join("\n  - "),
            if lock_only {
                format!(
                    "; run `devenv rollback {number}` without --lock-only to restore the manifest too"
                )
            } else {
                String::new()
            }
        ));
    }
    if !missing.is_empty() {
        ui::warn(format!(
            "{} of its tools are no longer in the store ({}); run `devenv install` to fetch them again",
            missing.len(),
            missing.join(", ")
        ));
    }
    Ok(())
}

/// The project's `devenv.toml` with generation `number`'s `[tools]` and
/// `[env]`, or `None` when that changes nothing or the generation has no
/// recorded manifest (it predates them; then only the lock is restored).
fn restored_manifest(project: &Project, history: &History, number: u32) -> Result<Option<String>> {
    let Some(old) = history.manifest(number)? else {
        ui::warn(format!(
            "generation {number} was recorded without its {}, so only devenv.lock is restored",
            manifest::FILE_NAME
        ));
        return Ok(None);
    };
    let text = edit::restore_tables(&project.manifest.source, &old)?;
    if text == project.manifest.source {
        return Ok(None);
    }
    // Refuse what would not load, before anything is written.
    Manifest::parse(&project.manifest.path, text.clone()).map_err(|e| {
        anyhow::anyhow!(
            "{e}\nthat is {} with the [tools] and [env] of generation {number}, which does not load with the rest of the file as it is now; nothing was changed (`devenv rollback --lock-only {number}` restores the lock alone)",
            manifest::FILE_NAME
        )
    })?;
    Ok(Some(text))
}
