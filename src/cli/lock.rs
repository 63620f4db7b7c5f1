//! `devenv lock`: resolve devenv.toml into devenv.lock.

use crate::config::Config;
use crate::project::{Context, Project};
use crate::resolve::Update;
use anyhow::Result;

pub fn run(config: &Config, frozen: bool) -> Result<()> {
    let cx = Context::new(config, frozen)?;
    let project = Project::find(&super::cwd()?, config)?;
    let lock = project.ensure_lock(&cx, &Update::Nothing)?;
    crate::ui::verbose(format!(
        "devenv.lock pins {} for {}",
        crate::ui::plural(lock.tools.len(), "tool", "tools"),
        crate::ui::plural(lock.platforms.len(), "platform", "platforms")
    ));
    // Installed tools show which commands two of them provide.
    project.warn_shadowed(&lock, &cx);
    Ok(())
}
