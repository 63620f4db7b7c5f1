//! `devenv install`: make every pinned tool present in the store.

use crate::project::{Context, Project};
use anyhow::Result;
use devenv_model::config::Config;
use devenv_model::ui;

pub(crate) fn run(config: &Config, frozen: bool, tools: &[String]) -> Result<()> {
    if !tools.is_empty() {
        // `install ruff` is what other tool managers call adding a tool.
        anyhow::bail!(
            "`devenv install` installs what devenv.toml pins and takes no tool names; to add {} to the project, use `devenv add {}`",
            tools.join(", "),
            tools.join(" ")
        );
    }
    let cx = Context::new(config, frozen)?;
    let project = Project::find(&super::cwd()?, config)?;
    crate::project::warn_replaced_names(&project.manifest);
    // One download at a time: the shell hook's background install may be
    // fetching the same tools.
    if crate::watch::status(&cx.store, &project.id()) == crate::watch::Status::Installing {
        ui::info(format!(
            "waiting for the background install of {} to finish…",
            project.manifest.project_name()
        ));
        crate::watch::wait_for_installer(&cx.store, &project.id());
    }
    let (lock, report) = project.ensure_installed(&cx)?;
    project.record_generation(&cx, &lock, "install")?;
    let bytes: u64 = report.fetched.iter().map(|(_, _, b)| b).sum();
    if report.fetched.is_empty() {
        ui::info(match lock.tools.len() {
            1 => "the 1 tool is already installed".to_string(),
            n => format!("all {n} tools already installed"),
        });
    } else {
        ui::info(format!(
            "{} installed ({}), {} already present",
            ui::plural(report.fetched.len(), "tool", "tools"),
            ui::human_bytes(bytes),
            report.present
        ));
    }
    Ok(())
}
