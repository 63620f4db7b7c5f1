//! `devenv which NAME`: the absolute path NAME resolves to in the environment.

use crate::project::{Context, Project};
use anyhow::{Result, bail};
use devenv_model::config::Config;

pub(crate) fn run(config: &Config, name: &str) -> Result<()> {
    let cx = Context::new(config, false)?;
    let project = Project::find(&super::cwd()?, config)?;
    let lock = project.read_lock()?;
    let env = project.environment(lock.as_ref(), &cx.store, cx.platform())?;
    let path = env.full_path(devenv_model::config::outer_var("PATH").as_deref());
    match which::which_in(name, Some(&path), project.root()) {
        Ok(found) => {
            println!("{}", found.display());
            Ok(())
        }
        Err(_) => {
            let hint = if env.missing.is_empty() {
                String::new()
            } else {
                format!(
                    " ({} not installed yet; run `devenv install`)",
                    env.missing
                        .iter()
                        .map(|(n, v)| format!("{n} {v}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            bail!("`{name}` is not on the environment's PATH{hint}")
        }
    }
}
