//! `devenv lock`: resolve devenv.toml into devenv.lock.

use crate::project::{Context, Project};
use anyhow::Result;
use devenv_model::config::Config;
use devenv_sources::resolve::Update;

pub(crate) fn run(config: &Config, frozen: bool, member: Option<&str>) -> Result<()> {
    let cx = Context::new(config, frozen)?;
    let project = Project::find_member(&super::cwd()?, member, config)?;
    crate::project::warn_replaced_names(&project.manifest);
    let lock = if project.manifest.place.is_some() {
        // One lock for the workspace: checked whole unless `-p` narrows it.
        project.ensure_workspace_lock(&cx, &Update::Nothing, "lock", member.is_none())?
    } else {
        project.ensure_lock(&cx, &Update::Nothing)?
    };
    devenv_model::ui::verbose(format!(
        "devenv.lock pins {} for {}",
        devenv_model::ui::plural(lock.tools.len(), "tool", "tools"),
        devenv_model::ui::plural(lock.platforms.len(), "platform", "platforms")
    ));
    // Installed tools show which commands two of them provide.
    project.warn_shadowed(&lock, &cx);
    Ok(())
}
