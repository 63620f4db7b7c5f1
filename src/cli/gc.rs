//! `devenv gc [--dry-run] [--json]`: free what nothing uses.

use crate::project::Context;
use anyhow::Result;
use devenv_model::config::Config;
use devenv_model::ui::{self, human_bytes, plural};
use devenv_store::gc;

pub(crate) fn run(config: &Config, dry_run: bool, json: bool) -> Result<()> {
    let cx = Context::new(config, false)?;
    let plan = gc::collect(&cx.store, dry_run)?;
    if json {
        let report = serde_json::json!({
            "dry_run": dry_run,
            "delete": plan.delete.iter().map(|(entry, size)| serde_json::json!({
                "path": entry.display().to_string(),
                "bytes": size,
            })).collect::<Vec<_>>(),
            "bytes": plan.bytes(),
            "kept": plan.kept,
            "projects": plan.projects,
            "pruned_roots": plan.pruned_roots,
            "states": plan.states.iter().map(|(state, size)| serde_json::json!({
                "path": state.display().to_string(),
                "bytes": size,
            })).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    let verb = if dry_run { "would free" } else { "freed" };
    for (entry, size) in &plan.delete {
        let name = entry
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        println!("{verb} {:>10}  {name}", human_bytes(*size));
    }
    if !plan.states.is_empty() {
        ui::info(format!(
            "{verb} {} in {} unused for {} days",
            human_bytes(plan.states.iter().map(|(_, b)| b).sum()),
            plural(plan.states.len(), "shell state", "shell states"),
            gc::STATE_GRACE.as_secs() / 86_400
        ));
    }
    for root in &plan.pruned_roots {
        ui::info(format!(
            "{} the root of {root}: the project no longer exists",
            if dry_run { "would drop" } else { "dropped" }
        ));
    }
    ui::info(format!(
        "{verb} {} in {}; kept {} used by {} and running shells",
        human_bytes(plan.bytes()),
        plural(plan.delete.len(), "entry", "entries"),
        plural(plan.kept, "entry", "entries"),
        plural(plan.projects, "project", "projects"),
    ));
    Ok(())
}
