//! `devenv install`: make every pinned tool present in the store.

use crate::project::{Context, Project};
use anyhow::Result;
use devenv_model::config::Config;
use devenv_model::ui;

pub(crate) fn run(
    config: &Config,
    frozen: bool,
    tools: &[String],
    member: Option<&str>,
) -> Result<()> {
    if !tools.is_empty() {
        // `install ruff` is what other tool managers call adding a tool.
        anyhow::bail!(
            "`devenv install` installs what devenv.toml pins and takes no tool names; to add {} to the project, use `devenv add {}`",
            tools.join(", "),
            tools.join(" ")
        );
    }
    let cx = Context::new(config, frozen)?;
    let project = Project::find_member(&super::cwd()?, member, config)?;
    crate::project::warn_replaced_names(&project.manifest);
    if member.is_none()
        && let Some((root, members)) = project.workspace()?
    {
        return install_workspace(&cx, &project, root, members);
    }
    // One download at a time: the shell hook's background install may be
    // fetching the same tools.
    if crate::watch::status(&cx.store, &project.id()) == crate::watch::Status::Installing {
        ui::info(format!(
            "waiting for the background install of {} to finish…",
            project.manifest.project_name()
        ));
        crate::watch::wait_for_installer(&cx.store, &project.id());
    }
    let (lock, report) = project.ensure_installed(&cx)?;
    project.record_generation(&cx, &lock, "install")?;
    let bytes: u64 = report.fetched.iter().map(|(_, _, b)| b).sum();
    if report.fetched.is_empty() {
        ui::info(match lock.tools.len() {
            1 => "the 1 tool is already installed".to_string(),
            n => format!("all {n} tools already installed"),
        });
    } else {
        ui::info(format!(
            "{} installed ({}), {} already present",
            ui::plural(report.fetched.len(), "tool", "tools"),
            ui::human_bytes(bytes),
            report.present
        ));
    }
    Ok(())
}

/// `devenv install` in a workspace without `-p`: the lock checked whole,
/// then the root's tools and every member's, each store entry once.
fn install_workspace(
    cx: &Context,
    project: &Project,
    root: devenv_model::manifest::Manifest,
    members: Vec<devenv_model::manifest::Manifest>,
) -> Result<()> {
    project.ensure_workspace_lock(
        cx,
        &devenv_sources::resolve::Update::Nothing,
        "install",
        true,
    )?;
    let (mut fetched, mut bytes, mut present) = (0, 0u64, 0);
    for manifest in std::iter::once(root).chain(members) {
        let env = Project { manifest };
        let (_, report) = env.ensure_installed(cx)?;
        fetched += report.fetched.len();
        bytes += report.fetched.iter().map(|(_, _, b)| b).sum::<u64>();
        present += report.present;
    }
    if fetched == 0 {
        ui::info("every tool of the workspace is already installed");
    } else {
        ui::info(format!(
            "{} installed for the workspace ({}), {} already present",
            ui::plural(fetched, "tool", "tools"),
            ui::human_bytes(bytes),
            present
        ));
    }
    Ok(())
}
