//! `devenv enter [--shell S] [-- CMD...]`: a shell (or one command) inside
//! the project's environment.
//!
//! The shell gets the environment and the hook state together, exactly as
//! if its own hook had just loaded the project, so a hook in the user's rc
//! file sees nothing to do. Exiting returns to the parent shell, untouched.

use crate::hook::{self, Mode};
use crate::project::{Context, Project};
use anyhow::Result;
use devenv_model::config::Config;
use devenv_shell::state;
use std::process::Command;

pub(crate) fn run(config: &Config, shell: Option<&str>, command: &[String]) -> Result<()> {
    if !command.is_empty() {
        return super::exec::run(config, false, command);
    }
    let cx = Context::new(config, false)?;
    let project = Project::find(&super::cwd()?, config)?;
    project.ensure_installed(&cx)?;
    let pwd = hook::logical_pwd()?;
    let transition = hook::transition(
        &pwd,
        &state::process_vars(),
        &cx.store,
        cx.platform(),
        Mode::Enter,
    )?;
    for message in &transition.messages {
        devenv_model::ui::info(message);
    }
    let program = shell.map_or_else(super::exec::user_shell, str::to_string);
    let argv = super::exec::shell_argv(&program);
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..]);
    super::exec::set_env(&mut cmd, transition.changes);
    Err(super::exec::replace_process(
        config,
        cmd,
        &format!("start the shell `{program}`"),
    ))
}
