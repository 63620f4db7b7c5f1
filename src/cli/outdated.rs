//! `devenv outdated`: for each registry tool, the pinned version, the
//! newest its constraint allows, and the newest of all.

use crate::project::{Context, Project};
use anyhow::Result;
use devenv_model::config::Config;
use devenv_model::manifest::Request;
use devenv_model::ui;
use devenv_sources::backends::Lookup;

pub(crate) fn run(config: &Config, json: bool, member: Option<&str>) -> Result<()> {
    let cx = Context::new(config, false)?;
    let project = Project::find_member(&super::cwd()?, member, config)?;
    // In a workspace without `-p`: the root's tools, then each member's
    // own (added or overridden), named `MEMBER:TOOL`.
    let mut envs = vec![(String::new(), project)];
    if member.is_none()
        && let Some((root, members)) = envs[0].1.workspace()?
    {
        envs = std::iter::once((String::new(), Project { manifest: root }))
            .chain(members.into_iter().map(|m| {
                let rel = m
                    .place
                    .as_ref()
                    .and_then(|p| p.member.clone())
                    .unwrap_or_default();
                (format!("{rel}:"), Project { manifest: m })
            }))
            .collect();
    }
    let mut rows = vec![[
        "TOOL".to_string(),
        "CONSTRAINT".into(),
        "LOCKED".into(),
        "WANTED".into(),
        "LATEST".into(),
    ]];
    let root_tools: Vec<_> = envs[0].1.manifest.tools.clone();
    for (prefix, project) in &envs {
        let lock = project.read_lock()?;
        let platforms = project.platforms(lock.as_ref(), cx.platform());
        for tool in &project.manifest.tools {
            let Request::Registry(r) = &tool.request else {
                continue;
            };
            if !prefix.is_empty() && root_tools.contains(tool) {
                continue;
            }
            let locked = lock
                .as_ref()
                .and_then(|l| l.tools.get(&tool.name))
                .map_or("-".to_string(), |t| t.version.clone());
            let (wanted, latest) =
                match Lookup::open(&tool.name, r, &project.manifest, &platforms, &cx.sources()) {
                    Ok(l) => (
                        l.wanted()
                            .map_or_else(|_| "(none)".to_string(), |r| r.version.to_string()),
                        l.latest()
                            .map_or("-".to_string(), |r| r.version.to_string()),
                    ),
                    Err(e) => {
                        ui::warn(format!("{}: {e:#}", tool.name));
                        ("?".into(), "?".into())
                    }
                };
            rows.push([
                format!("{prefix}{}", tool.name),
                r.version.clone(),
                locked,
                wanted,
                latest,
            ]);
        }
    }
    if json {
        // "?" (the source could not be read) and "-" / "(none)" are null.
        let field = |v: &str| match v {
            "?" | "-" | "(none)" => serde_json::Value::Null,
            v => serde_json::Value::String(v.to_string()),
        };
        let items: Vec<serde_json::Value> = rows
            .iter()
            .skip(1)
            .map(|r| {
                serde_json::json!({
                    "name": r[0],
                    "constraint": r[1],
                    "locked": field(&r[2]),
                    "wanted": field(&r[3]),
                    "latest": field(&r[4]),
                    "error": r[3] == "?",
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&items)?);
        return Ok(());
    }
    let widths: Vec<usize> = (0..5)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    for row in &rows {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:w$}"))
            .collect();
        println!("{}", line.join("  ").trim_end());
    }
    if rows
        .iter()
        .skip(1)
        .any(|r| r[2] != r[3] && r[3] != "?" && r[3] != "(none)")
    {
        ui::info(
            "run `devenv update` to move the lock to WANTED; change a constraint in devenv.toml to reach LATEST",
        );
    }
    Ok(())
}
