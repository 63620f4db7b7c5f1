//! `devenv hook-env --shell S`: what the prompt hook runs when the project
//! or a watched file changed. Stdout is only shell code for `eval`;
//! messages go to stderr.

use crate::shell::Shell;
use crate::shell::hook::{self, Mode};
use crate::shell::state;
use crate::store::Store;
use anyhow::Result;
use std::io::Write;

pub fn run(shell: Shell) -> Result<()> {
    let store = Store::from_env()?;
    let pwd = hook::logical_pwd()?;
    let transition = hook::transition(&pwd, &state::process_vars(), &store, Mode::Hook)?;
    for message in &transition.messages {
        crate::ui::notice(message);
    }
    std::io::stdout()
        .write_all(transition.script(shell).as_bytes())
        .map_err(|e| anyhow::anyhow!("could not write to stdout: {}", crate::error::io_reason(&e)))
}
