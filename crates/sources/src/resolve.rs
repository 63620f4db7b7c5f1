//! Constraints → pins: turns the manifest's `[tools]` into a [`Lock`],
//! asking the backends, and reusing every pin of the previous lock whose
//! request has not changed (so relocking is offline and byte-stable).

use crate::backends;
use anyhow::{Context, Result};
use devenv_model::lock::{
    FORMAT_VERSION, Lock, LockedTool, manifest_hash, request_key, workspace_hash,
};
use devenv_model::manifest::{Manifest, Request, ToolSpec};
use devenv_model::platform::Platform;
use std::collections::BTreeMap;

/// Which tools to resolve again even if their request did not change.
#[derive(Debug, Clone, Default)]
pub enum Update {
    /// Keep every pin that still matches its request.
    #[default]
    Nothing,
    /// Re-resolve everything (newest versions within the constraints).
    All,
    /// Re-resolve only these tools.
    Only(Vec<String>),
}

impl Update {
    fn wants(&self, name: &str) -> bool {
        match self {
            Update::Nothing => false,
            Update::All => true,
            Update::Only(names) => names.iter().any(|n| n == name),
        }
    }
}

/// Resolves `manifest` for `platforms`, starting from `previous`.
/// Independent tools resolve in parallel.
pub fn resolve(
    manifest: &Manifest,
    platforms: &[Platform],
    previous: Option<&Lock>,
    cx: &crate::Cx<'_>,
    update: &Update,
) -> Result<Lock> {
    let results: Vec<Result<(String, LockedTool)>> =
        devenv_model::parallel::map(cx.fetcher.settings().jobs, &manifest.tools, |tool| {
            let locked = match keep(tool, manifest, platforms, previous, update) {
                Some(old) => old,
                None => resolve_tool(tool, manifest, platforms, cx)
                    .and_then(readable)
                    .with_context(|| format!("could not resolve `{}`", tool.name))?,
            };
            Ok((tool.name.clone(), locked))
        });
    let mut tools = BTreeMap::new();
    for r in results {
        let (name, locked) = r?;
        tools.insert(name, locked);
    }
    name_project_rust(&mut tools)?;
    let lock = Lock {
        version: FORMAT_VERSION,
        manifest: manifest_hash(manifest, platforms),
        platforms: platforms.to_vec(),
        tools,
        members: BTreeMap::new(),
    };
    // What is written must read back: the reader's own checks, once more,
    // so a lock devenv wrote is never "damaged or hand-edited".
    devenv_model::lock::validate::structure(&lock)
        .context("devenv resolved a lock it would refuse to read, so it was not written")?;
    Ok(lock)
}

/// Crates built by the project's `rust` (resolved beside them) are
/// recorded with the version the lock pins for it, which is part of their
/// store key. Without a `rust` tool there is nothing to build with.
fn name_project_rust(tools: &mut BTreeMap<String, LockedTool>) -> Result<()> {
    let rust = tools.get("rust").map(|t| t.version.clone());
    for (name, tool) in tools.iter_mut() {
        for artifact in tool.artifacts.values_mut() {
            let Some(build) = artifact.build.as_mut() else {
                continue;
            };
            if build.toolchain != backends::cargo::PROJECT_RUST {
                continue;
            }
            let Some(version) = &rust else {
                anyhow::bail!(
                    "could not resolve `{name}`: a crate is built by the project's `rust`, and devenv.toml has none; add `rust = \"1\"` to [tools], or build it with this machine's cargo: `\"{name}\" = {{ version = \"{}\", source = \"system\" }}`",
                    tool.requested.split(' ').next().unwrap_or(&tool.version)
                );
            };
            build.toolchain = format!("{}{version}", devenv_model::lock::TOOLCHAIN_PROJECT);
            artifact.key = artifact.derived_key(name);
        }
    }
    Ok(())
}

/// Resolves a whole workspace — the root's manifest and every member's
/// merged one — into one lock. The root's tools are resolved once and
/// shared; a member records only the pins of the tools it adds or whose
/// request it overrides, and a request several members make alike is
/// resolved once and recorded for each.
pub fn resolve_workspace(
    root: &Manifest,
    members: &[Manifest],
    platforms: &[Platform],
    previous: Option<&Lock>,
    cx: &crate::Cx<'_>,
    update: &Update,
) -> Result<Lock> {
    let root_previous = previous.map(|p| p.view(None, root));
    let mut lock = resolve(root, platforms, root_previous.as_ref(), cx, update)?;
    // Every pin this run made or kept, by tool and request: what a later
    // member asking the same thing gets without asking a backend again.
    let mut pinned: BTreeMap<(String, String), LockedTool> = lock
        .tools
        .iter()
        .map(|(n, t)| ((n.clone(), t.requested.clone()), t.clone()))
        .collect();
    for member in members {
        let rel = member
            .place
            .as_ref()
            .and_then(|p| p.member.clone())
            .unwrap_or_default();
        let mut start = previous
            .map(|p| p.view(Some(&rel), member))
            .unwrap_or_else(|| Lock {
                version: FORMAT_VERSION,
                manifest: String::new(),
                platforms: platforms.to_vec(),
                tools: BTreeMap::new(),
                members: BTreeMap::new(),
            });
        let mut again = Vec::new();
        for tool in &member.tools {
            let key = (tool.name.clone(), request_key(&tool.request));
            if let Some(done) = pinned.get(&key) {
                start.tools.insert(tool.name.clone(), done.clone());
            } else if update.wants(&tool.name) {
                again.push(tool.name.clone());
            }
        }
        let resolved = resolve(member, platforms, Some(&start), cx, &Update::Only(again))
            .with_context(|| format!("in the workspace member `{rel}`"))?;
        let mut own = BTreeMap::new();
        for (name, tool) in resolved.tools {
            pinned.insert((name.clone(), tool.requested.clone()), tool.clone());
            if lock.tools.get(&name) != Some(&tool) {
                own.insert(name, tool);
            }
        }
        if !own.is_empty() {
            lock.members.insert(rel, own);
        }
    }
    lock.manifest = workspace_hash(root, members, platforms);
    devenv_model::lock::validate::structure(&lock)
        .context("devenv resolved a lock it would refuse to read, so it was not written")?;
    Ok(lock)
}

/// `locked`, unless a package's own definition names a command the lock's
/// reader would refuse (a name with `/` or `..`, a file outside the tool):
/// then an error naming the package and the entry.
fn readable(locked: LockedTool) -> Result<LockedTool> {
    for (platform, artifact) in &locked.artifacts {
        for entry in &artifact.bin {
            if let Some(problem) = devenv_model::lock::validate::package_bin_problem(entry) {
                anyhow::bail!(
                    "{} {} cannot be locked for {platform}: {problem}. devenv installs only commands inside the tool; this comes from the package's definition, so report it to its publisher (or, for a registry file, fix its `files`)",
                    locked.source,
                    locked.version
                );
            }
        }
    }
    Ok(locked)
}

/// The tools of `manifest` that [`resolve`] would ask a backend about: those
/// whose previous pin cannot be kept. Empty means resolving needs no network.
pub fn needs_resolving<'a>(
    manifest: &'a Manifest,
    platforms: &[Platform],
    previous: Option<&Lock>,
    update: &Update,
) -> Vec<&'a str> {
    manifest
        .tools
        .iter()
        .filter(|tool| keep(tool, manifest, platforms, previous, update).is_none())
        .map(|tool| tool.name.as_str())
        .collect()
}

/// The previous pin of `tool` if it can be kept ([`reusable`]); a Python
/// tree (`pypi:black`) only while the manifest's `python` keeps its pin of
/// the same `3.Y`, since its wheels and launchers are made for that Python.
fn keep(
    tool: &ToolSpec,
    manifest: &Manifest,
    platforms: &[Platform],
    previous: Option<&Lock>,
    update: &Update,
) -> Option<LockedTool> {
    let old = reusable(tool, platforms, previous, update)?;
    // A crate built by the project's `rust`: only while `rust` keeps the
    // pin it was built by.
    if let Some(built_by) = old
        .artifacts
        .values()
        .find_map(|a| a.build.as_ref()?.project_rust().map(str::to_string))
    {
        let rust = manifest.tools.iter().find(|t| t.name == "rust")?;
        let pinned = reusable(rust, platforms, previous, update)?;
        return (pinned.version == built_by).then_some(old);
    }
    let Some(minor) = old
        .artifacts
        .values()
        .find_map(|a| backends::pypi_tree::layout_minor(a.layout.as_deref()))
    else {
        return Some(old);
    };
    let python = manifest.tools.iter().find(|t| t.name == "python")?;
    let pinned = reusable(python, platforms, previous, update)?;
    let same = pinned.version.split('.').nth(1) == Some(minor.to_string().as_str());
    same.then_some(old)
}

/// The previous pin of `tool`, if it can be kept: not asked to update, made
/// for the same request, and covering every platform.
fn reusable(
    tool: &ToolSpec,
    platforms: &[Platform],
    previous: Option<&Lock>,
    update: &Update,
) -> Option<LockedTool> {
    previous
        .and_then(|l| l.tools.get(&tool.name))
        .filter(|old| !update.wants(&tool.name) && old.requested == request_key(&tool.request))
        .and_then(|old| restrict(old, platforms))
}

/// The old pin restricted to `platforms`, if it covers all of them.
fn restrict(old: &LockedTool, platforms: &[Platform]) -> Option<LockedTool> {
    if crate::system::interpreter(old).is_some() {
        // A host interpreter serves whatever platform this machine is.
        return Some(old.clone());
    }
    let mut t = old.clone();
    t.artifacts.retain(|p, _| platforms.contains(p));
    (t.artifacts.len() == platforms.len()).then_some(t)
}

fn resolve_tool(
    tool: &ToolSpec,
    manifest: &Manifest,
    platforms: &[Platform],
    cx: &crate::Cx<'_>,
) -> Result<LockedTool> {
    match &tool.request {
        Request::Url(u) => backends::url::resolve(&tool.name, u, platforms, cx),
        Request::Registry(r) => backends::resolve_registry(&tool.name, r, manifest, platforms, cx),
    }
}
