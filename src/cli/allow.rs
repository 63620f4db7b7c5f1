//! `devenv allow [DIR]`: let the shell hook activate this manifest, as it
//! is now.

use crate::activate;
use anyhow::Result;
use devenv_model::config::Config;
use devenv_model::manifest::{EnvValue, FILE_NAME};
use devenv_model::ui;
use devenv_store::store::Store;
use devenv_store::trust;
use std::path::{Path, PathBuf};

pub(crate) fn run(config: &Config, dir: Option<&Path>) -> Result<()> {
    let store = Store::open(config)?;
    let path = manifest_in(dir)?;
    // A manifest that cannot load is never recorded as allowed: show why.
    let root = path.parent().unwrap_or(Path::new("/"));
    let manifest = devenv_model::manifest::workspace::locate(root, config.file_limits())?;
    // In a workspace, one allow covers the root and every member: each
    // member's manifest is read (and validated) now.
    let project = crate::project::Project { manifest };
    let snapshot = project.full_snapshot()?;
    let path = project.manifest.trust_path();
    let manifest = match project.workspace()? {
        Some((root, _)) => root,
        None => project.manifest,
    };
    for (name, value) in &manifest.env.vars {
        if let (Some(what), EnvValue::Set(_)) = (activate::takes_over(name), value) {
            ui::warn(format!(
                "[env] sets `{name}`, which takes over {what}: make sure you want this project to do that"
            ));
        }
    }
    crate::project::warn_replaced_names(&manifest);
    for place in &manifest.settings.registries {
        if (place.starts_with("https://") || place.starts_with("http://"))
            && !place.contains("#sha256=")
        {
            ui::warn(format!(
                "the registry {place} is read from the network when devenv locks: this allow covers its URL, not what it serves; pin its content as \"{place}#sha256=<hex>\" in [settings] registries"
            ));
        }
    }
    trust::allow(&store, &path, &snapshot)?;
    let mut covered = Vec::new();
    if snapshot.lock.is_some() {
        covered.push(devenv_model::lock::FILE_NAME.to_string());
    }
    covered.extend(
        snapshot
            .dotenv
            .iter()
            .chain(&snapshot.registries)
            .chain(&snapshot.members)
            .filter(|(_, t)| t.is_some())
            .map(|(n, _)| n.clone()),
    );
    let with = if covered.is_empty() {
        String::new()
    } else {
        format!(" with {} as they are now", covered.join(" and "))
    };
    ui::info(format!("allowed {}{with}", path.display()));
    Ok(())
}

/// The manifest of the project containing `dir` (default: the current
/// directory), as an absolute path.
pub(crate) fn manifest_in(dir: Option<&Path>) -> Result<PathBuf> {
    let start = match dir {
        Some(d) => std::path::absolute(d)
            .map_err(|e| anyhow::anyhow!("cannot use {}: {}", d.display(), e))?,
        None => super::cwd()?,
    };
    Ok(crate::project::find_root(&start)?.join(FILE_NAME))
}
