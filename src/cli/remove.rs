//! `devenv remove TOOL...`: remove tools from devenv.toml and the lock.

use crate::project::{Context, Project};
use anyhow::Result;
use devenv_model::config::Config;
use devenv_model::edit;
use devenv_model::files;
use devenv_model::manifest::{self, Manifest};
use devenv_model::ui;
use devenv_sources::resolve::Update;

pub(crate) fn run(config: &Config, tools: &[String]) -> Result<()> {
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
    let cx = Context::new(config, false)?;
    let was_allowed = project.allowed(&cx);
    // The other tools keep their pins, so this relock needs no network.
    if edited.read_lock()?.is_some() {
        edited
            .ensure_lock_as(&cx, &Update::Nothing, "remove")
            .map_err(|e| e.context(format!("{} was left unchanged", manifest::FILE_NAME)))?;
    }
    files::write_atomic(&path, text.as_bytes())?;
    Project::keep_allowed(&cx, &path, was_allowed)?;
    for name in tools {
        ui::info(format!("removed {name}"));
    }
    Ok(())
}
