//! `devenv env --format F`: print the environment for another program.

use crate::project::{Context, Project};
use anyhow::Result;
use devenv_model::config::Config;
use devenv_shell::{self as shell, Format};
use std::io::Write;

pub(crate) fn run(config: &Config, format: Format, frozen: bool) -> Result<()> {
    let cx = Context::new(config, frozen)?;
    let project = Project::find(&super::cwd()?, config)?;
    let (lock, _) = project.ensure_installed(&cx)?;
    let env = project.environment(Some(&lock), &cx.store, cx.platform())?;
    let text = shell::render(
        format,
        &env.changes(devenv_model::config::outer_var("PATH").as_deref()),
    );
    std::io::stdout().write_all(text.as_bytes()).map_err(|e| {
        anyhow::anyhow!(
            "could not write to stdout: {}",
            devenv_model::error::io_reason(&e)
        )
    })
}
