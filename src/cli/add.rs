//! `devenv add SPEC...`: add or change tools in devenv.toml, then lock.
//!
//! The manifest is edited with its comments and layout kept. The new
//! manifest is resolved in memory first and written (atomically) only once
//! its lock is: a typo, a failed download or a Ctrl-C during the re-lock
//! leaves devenv.toml exactly as it was, and a crash at any moment leaves
//! the old file or the new one, never a mix.

use crate::project::{Context, Project};
use anyhow::{Result, bail};
use devenv_model::config::Config;
use devenv_model::edit;
use devenv_model::files;
use devenv_model::manifest::{self, Manifest};
use devenv_model::ui;
use devenv_sources::resolve::Update;

pub(crate) fn run(
    config: &Config,
    specs: &[String],
    source: Option<&str>,
    no_lock: bool,
) -> Result<()> {
    let project = Project::find(&super::cwd()?, config)?;
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
        if version.as_deref().is_some_and(|v| v.trim().is_empty()) {
            bail!(
                "`{spec}` has nothing after `@`; write `{name}` for the latest version, or `{name}@VERSION`, e.g. `{name}@1`"
            );
        }
        let version = version.unwrap_or_else(|| "latest".to_string());
        text = edit::add_tool(&text, &name, &version, source)?;
        // Checked one spec at a time, so an error names the spec the user
        // typed rather than a line of a file that was never written.
        check_edit(&path, &text, spec)?;
        names.push((name, version));
    }
    let cx = Context::new(config, false)?;
    let was_allowed = project.allowed(&cx);
    if no_lock {
        files::write_atomic(&path, text.as_bytes())?;
        Project::keep_allowed(&cx, &path, was_allowed)?;
        for (name, version) in &names {
            let verb = if before(&project.manifest, name).is_some() {
                "changed"
            } else {
                "added"
            };
            ui::info(format!(
                "{verb} {name} = \"{version}\" in {}",
                manifest::FILE_NAME
            ));
        }
        return Ok(());
    }
    let edited = Project {
        manifest: Manifest::parse(&path, text.clone())?,
    };
    let update = Update::Only(names.iter().map(|(n, _)| n.clone()).collect());
    let lock = edited
        .ensure_lock_as(&cx, &update, "add")
        .map_err(|e| e.context(format!("{} was left unchanged", manifest::FILE_NAME)))?;
    files::write_atomic(&path, text.as_bytes())?;
    Project::keep_allowed(&cx, &path, was_allowed)?;
    for (name, version) in &names {
        let pinned = lock.tools.get(name).map_or("?", |t| t.version.as_str());
        let verb = match before(&project.manifest, name) {
            None => "added".to_string(),
            Some(old) if old == *version => "kept".to_string(),
            Some(old) => format!("changed {name} from \"{old}\" to"),
        };
        if verb.starts_with("changed") {
            ui::info(format!("{verb} \"{version}\" (pinned {pinned})"));
        } else {
            ui::info(format!("{verb} {name} = \"{version}\" (pinned {pinned})"));
        }
    }
    Ok(())
}

/// The version `name` had in the manifest before this command, if any.
fn before(manifest: &Manifest, name: &str) -> Option<String> {
    manifest
        .tools
        .iter()
        .find(|t| t.name == name)
        .map(|t| match &t.request {
            manifest::Request::Registry(r) => r.version.clone(),
            manifest::Request::Url(u) => u.version.clone(),
        })
}

/// Refuses an edit devenv.toml's own validation would refuse, saying what
/// in `spec` is wrong (the edited text was never written, so its line
/// numbers would point at nothing).
fn check_edit(path: &std::path::Path, text: &str, spec: &str) -> Result<()> {
    if let Err(e) = Manifest::parse(path, text.to_string()) {
        let help = e.help.map(|h| format!("; {h}")).unwrap_or_default();
        bail!("`{spec}`: {}{help}", e.message);
    }
    Ok(())
}
