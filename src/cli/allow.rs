//! `devenv allow [DIR]`: let the shell hook activate this manifest, as it
//! is now.

use crate::manifest::FILE_NAME;
use crate::store::Store;
use crate::{trust, ui};
use anyhow::Result;
use std::path::{Path, PathBuf};

pub fn run(dir: Option<&Path>) -> Result<()> {
    let store = Store::from_env()?;
    let path = manifest_in(dir)?;
    let content = std::fs::read_to_string(&path).map_err(|e| {
        anyhow::anyhow!(
            "could not read {}: {}",
            path.display(),
            crate::error::io_reason(&e)
        )
    })?;
    trust::allow(&store, &path, &content)?;
    ui::info(format!("allowed {}", path.display()));
    Ok(())
}

/// The manifest of the project containing `dir` (default: the current
/// directory), as an absolute path.
pub fn manifest_in(dir: Option<&Path>) -> Result<PathBuf> {
    let start = match dir {
        Some(d) => std::path::absolute(d)
            .map_err(|e| anyhow::anyhow!("cannot use {}: {}", d.display(), e))?,
        None => super::cwd()?,
    };
    Ok(crate::project::find_root(&start)?.join(FILE_NAME))
}
