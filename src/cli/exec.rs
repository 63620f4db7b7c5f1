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
    for (name, value) in env.changes(std::env::var("PATH").ok().as_deref()) {
        match value {
            Some(v) => cmd.env(name, v),
            None => cmd.env_remove(name),
        };
    }
    // `exec` only returns on failure.
    let err = cmd.exec();
    let code = if err.kind() == std::io::ErrorKind::NotFound {
        127
    } else {
        126
    };
    let reason = if code == 127 {
        "no such command in the environment's PATH".to_string()
    } else {
        crate::error::io_reason(&err)
    };
    eprintln!("devenv: error: could not run `{}`: {reason}", command[0]);
    Err(Exit(code).into())
}
