//! `devenv deny [DIR]`: stop the shell hook from activating this manifest.

use crate::config::Config;
use crate::store::Store;
use crate::{trust, ui};
use anyhow::Result;
use std::path::Path;

pub fn run(config: &Config, dir: Option<&Path>) -> Result<()> {
    let store = Store::open(config)?;
    let path = super::allow::manifest_in(dir)?;
    trust::deny(&store, &path)?;
    ui::info(format!("denied {}", path.display()));
    Ok(())
}
