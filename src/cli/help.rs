//! `devenv help`: a command's long help, or a reference topic, offline.
//!
//! clap's own `help` subcommand only knows commands; this one also prints
//! the topics a user reaches for without a browser — the manifest
//! reference is the book's page itself, compiled in, so the two never
//! differ.

use anyhow::{Result, bail};
use clap::CommandFactory;

/// The topics `devenv help TOPIC` prints, with the text of each.
const TOPICS: &[(&str, &str)] = &[
    ("manifest", include_str!("../../docs/src/manifest.md")),
    ("environment", include_str!("../../docs/src/environment.md")),
];

/// Prints the long help of the command `path` names (none: devenv's own),
/// or the topic it names.
pub(crate) fn run(path: &[String]) -> Result<()> {
    if let [topic] = path
        && let Some((_, text)) = TOPICS.iter().find(|(name, _)| name == topic)
    {
        print!("{}", strip_generated_note(text));
        return Ok(());
    }
    let cmd = super::Cli::command();
    match help_of(cmd, path) {
        Ok(help) => {
            help.print()?;
            Ok(())
        }
        Err(_) => {
            let topics: Vec<&str> = TOPICS.iter().map(|(n, _)| *n).collect();
            bail!(
                "`{}` is neither a command nor a help topic; run `devenv help` for the commands, or one of: devenv help {}",
                path.join(" "),
                topics.join(", devenv help ")
            )
        }
    }
}

/// What `devenv PATH… --help` prints, exactly (clap chooses the long or
/// the short layout), as clap's "display help" answer; an `Err` when
/// `path` names no command.
pub(crate) fn help_of(cmd: clap::Command, path: &[String]) -> Result<clap::Error, clap::Error> {
    let mut cmd = cmd;
    cmd.build();
    let mut current = &cmd;
    for word in path {
        match current.find_subcommand(word) {
            Some(sub) => current = sub,
            None => return Err(clap::Error::new(clap::error::ErrorKind::InvalidSubcommand)),
        }
    }
    let args = std::iter::once("devenv")
        .chain(path.iter().map(String::as_str))
        .chain(std::iter::once("--help"));
    match cmd.try_get_matches_from(args) {
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelp => Ok(e),
        Err(e) => Err(e),
        Ok(_) => Err(clap::Error::new(clap::error::ErrorKind::InvalidSubcommand)),
    }
}

/// A generated page's first line says how it was generated: for the
/// book's editors, not for a reader at a terminal.
fn strip_generated_note(text: &str) -> &str {
    match text.strip_prefix("<!--") {
        Some(rest) => rest
            .split_once("-->")
            .map_or(text, |(_, after)| after.trim_start()),
        None => text,
    }
}
