//! `devenv enter [--shell S] [-- CMD...]`: a shell (or one command) inside
//! the project's environment.
//!
//! The shell gets the environment and the hook state together, exactly as
//! if its own hook had just loaded the project, so a hook in the user's rc
//! file sees nothing to do. Exiting returns to the parent shell, untouched.

use crate::error::Exit;
use crate::project::{Context, Project};
use crate::shell::hook::{self, Mode};
use crate::shell::state;
use anyhow::Result;
use std::os::unix::process::CommandExt;
use std::process::Command;

pub fn run(shell: Option<&str>, command: &[String]) -> Result<()> {
    if !command.is_empty() {
        return super::exec::run(false, command);
    }
    let cx = Context::from_env(false)?;
    let project = Project::find(&super::cwd()?)?;
    project.ensure_installed(&cx)?;
    let pwd = hook::logical_pwd()?;
    let transition = hook::transition(&pwd, &state::process_vars(), &cx.store, Mode::Enter)?;
    for message in &transition.messages {
        crate::ui::info(message);
    }
    let program = match shell {
        Some(s) => s.to_string(),
        None => std::env::var("SHELL")
            .ok()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "/bin/sh".into()),
    };
    let mut cmd = Command::new(&program);
    for (name, value) in &transition.changes {
        match value {
            Some(v) => cmd.env(name, v),
            None => cmd.env_remove(name),
        };
    }
    let err = cmd.exec();
    eprintln!(
        "devenv: error: could not start the shell `{program}`: {}",
        crate::error::io_reason(&err)
    );
    Err(Exit(if err.kind() == std::io::ErrorKind::NotFound {
        127
    } else {
        126
    })
    .into())
}
