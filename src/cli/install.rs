//! `devenv install`: make every pinned tool present in the store.

use crate::project::{Context, Project};
use crate::ui;
use anyhow::Result;

pub fn run(frozen: bool) -> Result<()> {
    let cx = Context::from_env(frozen)?;
    let project = Project::find(&super::cwd()?)?;
    let (lock, report) = project.ensure_installed(&cx)?;
    project.record_generation(&cx, &lock, "install")?;
    let bytes: u64 = report.fetched.iter().map(|(_, _, b)| b).sum();
    if report.fetched.is_empty() {
        ui::info(format!(
            "all {} tool(s) already installed",
            lock.tools.len()
        ));
    } else {
        ui::info(format!(
            "{} tool(s) installed ({}), {} already present",
            report.fetched.len(),
            ui::human_bytes(bytes),
            report.present
        ));
    }
    Ok(())
}
