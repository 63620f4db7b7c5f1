//! `devenv deny [DIR]`: stop the shell hook from activating this manifest.

use crate::store::Store;
use crate::{trust, ui};
use anyhow::Result;
use std::path::Path;

pub fn run(dir: Option<&Path>) -> Result<()> {
    let store = Store::from_env()?;
    let path = super::allow::manifest_in(dir)?;
    trust::deny(&store, &path)?;
    ui::info(format!("denied {}", path.display()));
    Ok(())
}
