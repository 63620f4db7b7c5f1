//! `devenv hook-env --shell S`: what the prompt hook runs when the project
//! or a watched file changed. Stdout is only shell code for `eval`;
//! messages go to stderr.

use crate::hook::{self, Mode};
use anyhow::Result;
use devenv_model::config::Config;
use devenv_shell::Shell;
use devenv_shell::state;
use devenv_store::store::Store;
use std::io::Write;

/// Prints what moves the shell to the current directory's environment.
pub(crate) fn run(config: &Config, shell: &Shell) -> Result<()> {
    let store = Store::open(config)?;
    let pwd = hook::logical_pwd()?;
    let current = state::process_vars();
    if hook::unchanged(&pwd, &current) {
        return write(&shell.render(&Default::default()));
    }
    let transition = hook::transition(&pwd, &current, &store, config.platform(), Mode::Hook)?;
    for message in &transition.messages {
        devenv_model::ui::notice(message);
    }
    write(&transition.script(shell))
}

fn write(text: &str) -> Result<()> {
    std::io::stdout().write_all(text.as_bytes()).map_err(|e| {
        anyhow::anyhow!(
            "could not write to stdout: {}",
            devenv_model::error::io_reason(&e)
        )
    })
}
