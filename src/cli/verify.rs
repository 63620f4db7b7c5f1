//! `devenv verify`: the provenance devenv.lock records, verified again for
//! an audit.

use crate::project::{Context, Project};
use anyhow::{Result, bail};
use devenv_model::config::Config;
use devenv_model::ui::{self, plural};

pub(crate) fn run(config: &Config) -> Result<()> {
    let cx = Context::new(config, false)?;
    let project = Project::find(&super::cwd()?, config)?;
    let Some(lock) = project.read_lock()? else {
        bail!("there is no devenv.lock yet; run `devenv lock`");
    };
    let audit = crate::provenance::audit(&project.manifest, &lock, &cx)?;
    let mut said = vec![format!(
        "{} verified again offline",
        plural(audit.offline, "artifact", "artifacts")
    )];
    if audit.fetched > 0 {
        said.push(format!("{} fetched again", audit.fetched));
    }
    said.push(format!("{} not published", audit.none));
    said.push(format!("{} not checked when locked", audit.unchecked));
    if !audit.problems.is_empty() {
        bail!(
            "provenance does not hold for {}:\n  - {}\n({})",
            plural(audit.problems.len(), "artifact", "artifacts"),
            audit.problems.join("\n  - "),
            said.join(", ")
        );
    }
    ui::info(format!("provenance: {}", said.join(", ")));
    Ok(())
}
