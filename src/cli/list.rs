//! `devenv list [--provenance] [--json]`: the pinned tools and where they
//! live, or who built them.

use crate::install;
use crate::project::{Context, Project};
use anyhow::Result;
use devenv_model::config::Config;

pub(crate) fn run(config: &Config, json: bool, provenance: bool) -> Result<()> {
    let cx = Context::new(config, false)?;
    let project = Project::find(&super::cwd()?, config)?;
    let Some(lock) = project.read_lock()? else {
        anyhow::bail!("there is no devenv.lock yet; run `devenv lock` (or `devenv install`)");
    };
    let platforms = project.platforms(Some(&lock), cx.platform());
    if let Some(reasons) = lock.staleness(&project.manifest, &platforms) {
        devenv_model::ui::warn(format!(
            "devenv.lock is out of date ({}); run `devenv lock`",
            reasons.join("; ")
        ));
    }
    let rows = install::entries(&lock, config.platform(), &cx.store);
    let shown = |name: &str| {
        lock.tools[name]
            .artifacts
            .get(&config.platform())
            .map(crate::provenance::Shown::of)
    };
    // The columns: as wide as the longest name and version.
    let width = rows
        .iter()
        .map(|(n, _, _)| n.len())
        .max()
        .unwrap_or(4)
        .max(4);
    let vwidth = rows
        .iter()
        .map(|(_, v, _)| v.len())
        .max()
        .unwrap_or(7)
        .max(7);
    if provenance && !json {
        println!("{:width$}  {:vwidth$}  PROVENANCE", "TOOL", "VERSION");
        for (name, version, _) in &rows {
            let text = shown(name).map_or_else(
                || format!("(nothing pinned for {})", config.platform()),
                |s| s.text(),
            );
            println!("{name:width$}  {version:vwidth$}  {text}");
        }
        return Ok(());
    }
    if json {
        let items: Vec<serde_json::Value> = rows
            .iter()
            .map(|(name, version, path)| {
                let mut item = serde_json::json!({
                    "name": name,
                    "version": version,
                    "source": lock.tools[name].source,
                    "path": path.as_ref().map(|p| p.display().to_string()),
                    "installed": path.as_ref().is_some_and(|p| p.is_dir()),
                });
                if provenance {
                    item["provenance"] = shown(name).map(|s| s.json()).into();
                }
                item
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&items)?);
        return Ok(());
    }
    println!(
        "{:width$}  {:vwidth$}  {:13}  PATH",
        "TOOL", "VERSION", "STATUS"
    );
    for (name, version, path) in rows {
        let (status, shown) = match &path {
            Some(p) if p.is_dir() => ("installed", p.display().to_string()),
            Some(p) => ("not installed", p.display().to_string()),
            None => (
                "no artifact",
                format!("(nothing pinned for {})", config.platform()),
            ),
        };
        println!("{name:width$}  {version:vwidth$}  {status:13}  {shown}");
    }
    Ok(())
}
