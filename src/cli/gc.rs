//! `devenv gc [--dry-run]`: free what nothing uses.

use crate::gc;
use crate::project::Context;
use crate::ui::{self, human_bytes};
use anyhow::Result;

pub fn run(dry_run: bool) -> Result<()> {
    let cx = Context::from_env(false)?;
    let plan = gc::collect(&cx.store, dry_run)?;
    let verb = if dry_run { "would free" } else { "freed" };
    for (entry, size) in &plan.delete {
        let name = entry
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        println!("{verb} {:>10}  {name}", human_bytes(*size));
    }
    for root in &plan.pruned_roots {
        ui::info(format!(
            "{} the root of {root}: the project no longer exists",
            if dry_run { "would drop" } else { "dropped" }
        ));
    }
    ui::info(format!(
        "{verb} {} in {} entr{}; kept {} entr{} used by {} project(s) and running shells",
        human_bytes(plan.bytes()),
        plan.delete.len(),
        if plan.delete.len() == 1 { "y" } else { "ies" },
        plan.kept,
        if plan.kept == 1 { "y" } else { "ies" },
        plan.projects
    ));
    Ok(())
}
