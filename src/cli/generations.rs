//! `devenv generations`: every lock this project has used.

use crate::project::{Context, Project};
use anyhow::Result;
use devenv_model::config::Config;
use devenv_store::generations::History;

pub(crate) fn run(config: &Config, json: bool) -> Result<()> {
    let cx = Context::new(config, false)?;
    let project = Project::find(&super::cwd()?, config)?;
    let history = History::open(&cx.store, &project.id());
    let list = history.list()?;
    let current = history.current(project.read_lock()?.as_ref())?;
    if json {
        let items: Vec<serde_json::Value> = list
            .iter()
            .map(|g| {
                serde_json::json!({
                    "number": g.number, "time": g.time, "reason": g.reason,
                    "summary": g.summary, "current": Some(g.number) == current,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&items)?);
        return Ok(());
    }
    if list.is_empty() {
        devenv_model::ui::info(
            "no generations yet; one is recorded each time devenv writes or installs devenv.lock",
        );
        return Ok(());
    }
    for g in &list {
        let mark = if Some(g.number) == current {
            "(current)"
        } else {
            ""
        };
        println!(
            "{:>4} {:9} {}  {:<14} {}",
            g.number, mark, g.time, g.reason, g.summary
        );
    }
    Ok(())
}
