//! `devenv hook SHELL`: print the shell integration script.

use crate::shell::Shell;
use anyhow::{Context, Result};
use std::io::Write;

pub fn run(shell: &Shell) -> Result<()> {
    let exe = std::env::current_exe().context("could not find the path of the devenv binary")?;
    let script = shell.hook_script(&exe.to_string_lossy());
    std::io::stdout()
        .write_all(script.as_bytes())
        .map_err(|e| anyhow::anyhow!("could not write to stdout: {}", crate::error::io_reason(&e)))
}
