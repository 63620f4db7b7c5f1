//! `devenv add SPEC...`: add or change tools in devenv.toml, then lock.
//!
//! The manifest is edited in place (comments and layout kept). If the new
//! constraint cannot be resolved, devenv.toml is put back as it was, so a
//! typo never leaves a project that does not lock.

use crate::edit;
use crate::error::IoContext;
use crate::manifest::{self, Manifest};
use crate::project::{Context, Project};
use crate::resolve::Update;
use crate::ui;
use anyhow::{Result, bail};

pub fn run(specs: &[String], source: Option<&str>, no_lock: bool) -> Result<()> {
    let project = Project::find(&super::cwd()?)?;
    let path = project.manifest.path.clone();
    let original = project.manifest.source.clone();
    let mut text = original.clone();
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
    Manifest::parse(&path, text.clone())?;
    std::fs::write(&path, &text).io_context("write", &path)?;
    if no_lock {
        for (name, version) in &names {
            ui::info(format!(
                "added {name} = \"{version}\" to {}",
                manifest::FILE_NAME
            ));
        }
        return Ok(());
    }
    let relocked = Project::find(project.root()).and_then(|p| {
        let cx = Context::from_env(false)?;
        let update = Update::Only(names.iter().map(|(n, _)| n.clone()).collect());
        p.ensure_lock(&cx, &update)
    });
    match relocked {
        Ok(lock) => {
            for (name, version) in &names {
                let pinned = lock.tools.get(name).map_or("?", |t| t.version.as_str());
                ui::info(format!("added {name} = \"{version}\" (pinned {pinned})"));
            }
            Ok(())
        }
        Err(e) => {
            std::fs::write(&path, &original).io_context("restore", &path)?;
            Err(e.context(format!("{} was left unchanged", manifest::FILE_NAME)))
        }
    }
}
