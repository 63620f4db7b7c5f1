//! `devenv hook SHELL`: print the shell integration script.

use anyhow::{Context, Result};
use devenv_shell::Shell;
use std::io::Write;

pub(crate) fn run(shell: &Shell) -> Result<()> {
    let exe = std::env::current_exe().context("could not find the path of the devenv binary")?;
    let script = shell.hook_script(&exe.to_string_lossy());
    std::io::stdout().write_all(script.as_bytes()).map_err(|e| {
        anyhow::anyhow!(
            "could not write to stdout: {}",
            devenv_model::error::io_reason(&e)
        )
    })
}
