//! `devenv deny [DIR]`: stop the shell hook from activating this manifest.

use anyhow::Result;
use devenv_model::config::Config;
use devenv_model::ui;
use devenv_store::store::Store;
use devenv_store::trust;
use std::path::Path;

pub(crate) fn run(config: &Config, dir: Option<&Path>) -> Result<()> {
    let store = Store::open(config)?;
    let path = super::allow::manifest_in(dir)?;
    // A workspace member is denied with its workspace: one record covers both.
    let root = path.parent().unwrap_or(Path::new("/"));
    let path = devenv_model::manifest::workspace::locate(root, config.file_limits())
        .map_or(path, |m| m.trust_path());
    trust::deny(&store, &path)?;
    ui::info(format!("denied {}", path.display()));
    Ok(())
}
