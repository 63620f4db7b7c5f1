//! `devenv exec -- CMD`: run one command in the environment.
//!
//! The hot path of CI and scripts: with a fresh lock and everything
//! installed it reads two small files, stats the store entries and execs.

use crate::error::Exit;
use crate::project::{Context, Project};
use anyhow::Result;
use std::os::unix::process::CommandExt;
use std::process::Command;

pub fn run(frozen: bool, command: &[String]) -> Result<()> {
    let cx = Context::from_env(frozen)?;
    let project = Project::find(&super::cwd()?)?;
    let (lock, _) = project.ensure_installed(&cx)?;
    let env = project.environment(Some(&lock), &cx.store)?;
    let mut cmd = Command::new(&command[0]);
    cmd.args(&command[1..]);
    set_env(&mut cmd, env.changes(std::env::var("PATH").ok().as_deref()));
    Err(replace_process(cmd, &format!("run `{}`", command[0])))
}

/// Gives `cmd` each change: `Some(value)` sets, `None` unsets.
pub(super) fn set_env(
    cmd: &mut Command,
    changes: impl IntoIterator<Item = (String, Option<String>)>,
) {
    for (name, value) in changes {
        match value {
            Some(v) => cmd.env(name, v),
            None => cmd.env_remove(name),
        };
    }
}

/// `$SHELL`, or `/bin/sh` when it is not set.
pub(super) fn user_shell() -> String {
    std::env::var("SHELL")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "/bin/sh".into())
}

/// Replaces this process with `cmd` (so the command's exit status is
/// devenv's). Only returns when that failed: says why, and exits the way a
/// shell would — 127 for a command that does not exist, 126 otherwise.
pub(super) fn replace_process(mut cmd: Command, what: &str) -> anyhow::Error {
    if crate::config::Config::get().offline {
        // `devenv --offline exec`: a devenv the command starts is offline too.
        cmd.env("DEVENV_OFFLINE", "1");
    }
    let err = cmd.exec();
    let (code, reason) = if err.kind() == std::io::ErrorKind::NotFound {
        (127, "no such command in the environment's PATH".to_string())
    } else {
        (126, crate::error::io_reason(&err))
    };
    crate::ui::error(format!("could not {what}: {reason}"));
    Exit(code).into()
}
