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
    let mut cmd = super::Cli::command();
    cmd.build();
    let mut current = &mut cmd;
    for (i, word) in path.iter().enumerate() {
        let Some(sub) = current.find_subcommand_mut(word) else {
            let topics: Vec<&str> = TOPICS.iter().map(|(n, _)| *n).collect();
            bail!(
                "`{}` is neither a command nor a help topic; run `devenv help` for the commands, or one of: devenv help {}",
                path[..=i].join(" "),
                topics.join(", devenv help ")
            );
        };
        current = sub;
    }
    print!("{}", current.render_long_help());
    Ok(())
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
