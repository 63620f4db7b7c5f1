//! `devenv rollback [N]`: restore an earlier generation's lock, offline.

use crate::generations::{self, History};
use crate::install;
use crate::platform::Platform;
use crate::project::{Context, Project};
use crate::ui;
use anyhow::{Result, bail};

pub fn run(target: Option<u32>) -> Result<()> {
    let cx = Context::from_env(false)?;
    let project = Project::find(&super::cwd()?)?;
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
    if Some(number) == current {
        ui::info(format!("generation {number} is already the current one"));
        return Ok(());
    }
    let lock = history.lock(number)?;
    project.write_lock(&cx, &lock)?;
    let recorded = history.record(&lock, &format!("rollback to {number}"))?;
    let missing: Vec<String> = install::missing(&lock, Platform::current(), &cx.store)
        .iter()
        .map(install::Missing::label)
        .collect();
    let new = recorded
        .map(|g| format!(" (recorded as generation {})", g.number))
        .unwrap_or_default();
    ui::info(format!("rolled back to generation {number}{new}"));
    if !missing.is_empty() {
        ui::warn(format!(
            "{} of its tools are no longer in the store ({}); run `devenv install` to fetch them again",
            missing.len(),
            missing.join(", ")
        ));
    }
    Ok(())
}
