//! `devenv remove TOOL...`: remove tools from devenv.toml and the lock.

use crate::config::Config;
use crate::edit;
use crate::files;
use crate::manifest::{self, Manifest};
use crate::project::{Context, Project};
use crate::resolve::Update;
use crate::ui;
use anyhow::Result;

pub fn run(config: &Config, tools: &[String]) -> Result<()> {
    let project = Project::find(&super::cwd()?, config)?;
    let path = project.manifest.path.clone();
    let mut text = project.manifest.source.clone();
    for name in tools {
        text = edit::remove_tool(&text, name)?;
    }
    // The new manifest is locked in memory first and written (atomically)
    // once its lock is: an interrupted remove leaves devenv.toml as it was.
    let edited = Project {
        manifest: Manifest::parse(&path, text.clone())?,
    };
    // The other tools keep their pins, so this relock needs no network.
    if edited.read_lock()?.is_some() {
        edited
            .ensure_lock_as(&Context::new(config, false)?, &Update::Nothing, "remove")
            .map_err(|e| e.context(format!("{} was left unchanged", manifest::FILE_NAME)))?;
    }
    files::write_atomic(&path, text.as_bytes())?;
    for name in tools {
        ui::info(format!("removed {name}"));
    }
    Ok(())
}
