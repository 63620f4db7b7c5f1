//! `devenv remove TOOL...`: remove tools from devenv.toml and the lock.

use crate::edit;
use crate::error::IoContext;
use crate::project::{Context, Project};
use crate::resolve::Update;
use crate::ui;
use anyhow::Result;

pub fn run(tools: &[String]) -> Result<()> {
    let project = Project::find(&super::cwd()?)?;
    let path = project.manifest.path.clone();
    let mut text = project.manifest.source.clone();
    for name in tools {
        text = edit::remove_tool(&text, name)?;
    }
    std::fs::write(&path, &text).io_context("write", &path)?;
    // The other tools keep their pins, so this relock needs no network.
    let project = Project::find(project.root())?;
    if project.read_lock()?.is_some() {
        project.ensure_lock_as(&Context::from_env(false)?, &Update::Nothing, "remove")?;
    }
    for name in tools {
        ui::info(format!("removed {name}"));
    }
    Ok(())
}
