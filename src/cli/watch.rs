//! `devenv watch [DIR]`: keep the project's environment prepared in the
//! background (see `crate::watch`).

use crate::watch::{self, Acquired, Options};
use anyhow::Result;
use devenv_model::config::Config;
use devenv_model::ui;
use devenv_store::store::Store;
use std::io::IsTerminal;
use std::path::PathBuf;

pub(crate) fn run(
    config: &Config,
    dir: Option<PathBuf>,
    frozen: bool,
    install_once: bool,
) -> Result<()> {
    let dir = match dir {
        Some(d) => d,
        None => super::cwd()?,
    };
    let dir = dir.canonicalize().map_err(|e| {
        anyhow::anyhow!(
            "cannot watch {}: {}",
            dir.display(),
            devenv_model::error::io_reason(&e)
        )
    })?;
    let root = crate::project::find_root(&dir)?;
    let store = Store::open(config)?;
    let lock = match watch::acquire(&store, &devenv_store::gc::project_id(&root))? {
        Acquired::Mine(lock) => lock,
        // Another watcher or installer does the job.
        Acquired::Busy { .. } if install_once => return Ok(()),
        Acquired::Busy { pid } => {
            let pid = pid.map_or_else(|| "pid unknown".to_string(), |p| format!("pid {p}"));
            ui::info(format!("already watching {} ({pid})", root.display()));
            return Ok(());
        }
    };
    if install_once {
        ui::set_level(0);
        return watch::install_once(config, &root, &store, lock);
    }
    let echo = ui::level() >= 1 && std::io::stderr().is_terminal();
    // The watcher reports through its log; the install's own messages
    // would only repeat it.
    ui::set_level(0);
    watch::run(config, &root, &store, lock, Options { frozen, echo })
}
