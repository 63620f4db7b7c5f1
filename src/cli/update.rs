//! `devenv update [TOOL...]`: re-resolve tools to the newest versions their
//! constraints allow (all tools when none are named).

use crate::project::{Context, Project};
use anyhow::{Result, bail};
use devenv_model::config::Config;
use devenv_model::ui;
use devenv_sources::resolve::Update;

pub(crate) fn run(config: &Config, tools: &[String], member: Option<&str>) -> Result<()> {
    let cx = Context::new(config, false)?;
    let project = Project::find_member(&super::cwd()?, member, config)?;
    for name in tools {
        if !project.manifest.tools.iter().any(|t| &t.name == name) {
            let known: Vec<&str> = project
                .manifest
                .tools
                .iter()
                .map(|t| t.name.as_str())
                .collect();
            let hint = devenv_model::manifest::suggest(name, &known)
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            bail!("devenv.toml has no tool `{name}`{hint}");
        }
    }
    let before = project.read_lock()?;
    let update = match (tools.is_empty(), member) {
        (false, _) => Update::Only(tools.to_vec()),
        // `-p`: the tools that member uses, not the whole workspace's.
        (true, Some(_)) => Update::Only(
            project
                .manifest
                .tools
                .iter()
                .map(|t| t.name.clone())
                .collect(),
        ),
        (true, None) => Update::All,
    };
    let after = if project.manifest.place.is_some() {
        project.ensure_workspace_lock(&cx, &update, "update", member.is_none())?
    } else {
        project.ensure_lock(&cx, &update)?
    };
    let mut changed = 0;
    for (name, tool) in &after.tools {
        let old = before
            .as_ref()
            .and_then(|l| l.tools.get(name))
            .map(|t| t.version.as_str());
        match old {
            Some(v) if v == tool.version => {}
            Some(v) => {
                changed += 1;
                ui::info(format!("{name}: {v} → {}", tool.version));
            }
            None => {
                changed += 1;
                ui::info(format!("{name}: pinned {}", tool.version));
            }
        }
    }
    if changed == 0 {
        ui::info("every tool is already at the newest version its constraint allows");
    }
    Ok(())
}
