//! `devenv add SPEC...`: add or change tools in devenv.toml, then lock.
//!
//! The manifest is edited with its comments and layout kept. The new
//! manifest is resolved in memory first and written (atomically) only once
//! its lock is: a typo, a failed download or a Ctrl-C during the re-lock
//! leaves devenv.toml exactly as it was, and a crash at any moment leaves
//! the old file or the new one, never a mix.

use crate::edit;
use crate::files;
use crate::manifest::{self, Manifest};
use crate::project::{Context, Project};
use crate::resolve::Update;
use crate::ui;
use anyhow::{Result, bail};

pub fn run(specs: &[String], source: Option<&str>, no_lock: bool) -> Result<()> {
    let project = Project::find(&super::cwd()?)?;
    let path = project.manifest.path.clone();
    let mut text = project.manifest.source.clone();
    let mut names = Vec::new();
    for spec in specs {
        let (name, version) = edit::parse_spec(spec);
        if name.is_empty() {
            bail!(
                "`{spec}` names no tool; write NAME or NAME@VERSION, e.g. `node@22` or `pypi:uv@0.5`"
            );
        }
        let version = version.unwrap_or_else(|| "latest".to_string());
        text = edit::add_tool(&text, &name, &version, source)?;
        names.push((name, version));
    }
    // Refuse what devenv.toml's own validation would refuse, before writing.
    let edited = Project {
        manifest: Manifest::parse(&path, text.clone())?,
    };
    if no_lock {
        files::write_atomic(&path, text.as_bytes())?;
        for (name, version) in &names {
            ui::info(format!(
                "added {name} = \"{version}\" to {}",
                manifest::FILE_NAME
            ));
        }
        return Ok(());
    }
    let cx = Context::from_env(false)?;
    let update = Update::Only(names.iter().map(|(n, _)| n.clone()).collect());
    let lock = edited
        .ensure_lock(&cx, &update)
        .map_err(|e| e.context(format!("{} was left unchanged", manifest::FILE_NAME)))?;
    files::write_atomic(&path, text.as_bytes())?;
    for (name, version) in &names {
        let pinned = lock.tools.get(name).map_or("?", |t| t.version.as_str());
        ui::info(format!("added {name} = \"{version}\" (pinned {pinned})"));
    }
    Ok(())
}
