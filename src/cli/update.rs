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
    // The whole workspace's pins without -p, this environment's with it.
    let whole = member.is_none() && project.manifest.place.is_some();
    let pins = |project: &Project| -> Result<Vec<(String, String)>> {
        let lock = if whole {
            project.read_whole_lock()?
        } else {
            project.read_lock()?
        };
        let Some(lock) = lock else {
            return Ok(Vec::new());
        };
        let shared = lock
            .tools
            .iter()
            .map(|(n, t)| (n.clone(), t.version.clone()));
        let own = lock.members.iter().flat_map(|(m, tools)| {
            tools
                .iter()
                .map(move |(n, t)| (format!("{m}:{n}"), t.version.clone()))
        });
        Ok(shared.chain(own).collect())
    };
    let before = pins(&project)?;
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
    if project.manifest.place.is_some() {
        project.ensure_workspace_lock(&cx, &update, "update", member.is_none())?;
    } else {
        project.ensure_lock(&cx, &update)?;
    }
    let mut changed = 0;
    for (name, version) in pins(&project)? {
        let old = before.iter().find(|(n, _)| *n == name).map(|(_, v)| v);
        match old {
            Some(v) if *v == version => {}
            Some(v) => {
                changed += 1;
                ui::info(format!("{name}: {v} → {version}"));
            }
            None => {
                changed += 1;
                ui::info(format!("{name}: pinned {version}"));
            }
        }
    }
    if changed == 0 {
        ui::info("every tool is already at the newest version its constraint allows");
    }
    Ok(())
}
