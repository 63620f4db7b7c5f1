//! `devenv store verify [--repair]` and `devenv store path TOOL`.

use crate::install::{self, Bars, Job};
use crate::project::{Context, Project};
use anyhow::{Context as _, Result, bail};
use devenv_model::config::Config;
use devenv_model::error::Exit;
use devenv_model::lock::Artifact;
use devenv_model::ui;
use devenv_store::archive::Format;
use devenv_store::store;

/// Re-hashes every entry against the tree hash recorded at commit time,
/// and checks that each entry's name is the one its record derives. An
/// entry that cannot be verified (no record, a garbled one, a name that
/// does not derive from it) fails like a changed one.
pub(crate) fn verify(config: &Config, repair: bool) -> Result<()> {
    let cx = Context::new(config, false)?;
    let entries = cx.store.entries()?;
    let mut changed = Vec::new();
    let mut unverifiable = Vec::new();
    for entry in &entries {
        let name = entry
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let meta = match cx.store.read_meta(entry) {
            Ok(Some(meta)) => meta,
            Ok(None) => {
                println!("unverifiable  {name}  (no record of its contents)");
                unverifiable.push(entry.clone());
                continue;
            }
            Err(e) => {
                println!("unverifiable  {name}  ({e:#})");
                unverifiable.push(entry.clone());
                continue;
            }
        };
        match artifact_of(&meta) {
            Ok(artifact) if artifact.entry_name(&meta.name, &meta.version) == name => {}
            Ok(artifact) => {
                println!(
                    "unverifiable  {name}  (its record describes the entry {}; the entry was renamed or planted)",
                    artifact.entry_name(&meta.name, &meta.version)
                );
                unverifiable.push(entry.clone());
                continue;
            }
            Err(e) => {
                println!("unverifiable  {name}  ({e:#})");
                unverifiable.push(entry.clone());
                continue;
            }
        }
        let actual = store::tree_hash(entry)?;
        if actual == meta.tree {
            ui::verbose(format!("ok {name}"));
        } else {
            println!(
                "changed  {} {}  {}",
                meta.name,
                meta.version,
                entry.display()
            );
            changed.push((entry.clone(), meta));
        }
    }
    let bad = changed.len() + unverifiable.len();
    if bad == 0 {
        ui::info(format!(
            "all {} store entries match what was installed",
            entries.len()
        ));
        return Ok(());
    }
    if !repair {
        ui::info(format!(
            "{bad} of {} entries changed since they were installed or cannot be verified; run `devenv store verify --repair` to remove them and fetch what the lock pins again",
            entries.len()
        ));
        return Err(Exit(1).into());
    }
    let _shared = cx.store.lock_store(false)?;
    for entry in &unverifiable {
        cx.store.remove_entry(entry)?;
        ui::info(format!(
            "removed {}; run `devenv install` in the projects that use it",
            entry.display()
        ));
    }
    for (entry, meta) in &changed {
        let artifact = artifact_of(meta)?;
        cx.store.remove_entry(entry)?;
        if artifact.build.is_some() {
            // A build is made again by its project's toolchain, and need
            // not come out bit for bit the same.
            ui::info(format!(
                "removed {} {}, which was built; run `devenv install` in the projects that use it to build it again",
                meta.name, meta.version
            ));
            continue;
        }
        let job = Job {
            name: &meta.name,
            version: &meta.version,
            artifact: &artifact,
            node_bin: Vec::new(),
            toolchain: None,
        };
        install::ensure(
            &job,
            &cx.store,
            &devenv_net::cache::Downloads::upstream(&cx.fetcher),
            &Bars::new(),
        )?;
        let repaired = cx
            .store
            .entry_path(&artifact.entry_name(&meta.name, &meta.version));
        if store::tree_hash(&repaired)? != meta.tree {
            bail!(
                "{} {} was reinstalled but still differs from its record",
                meta.name,
                meta.version
            );
        }
        ui::info(format!("repaired {} {}", meta.name, meta.version));
    }
    Ok(())
}

/// The artifact an entry's record describes.
fn artifact_of(meta: &store::EntryMeta) -> Result<Artifact> {
    let digest = meta
        .digest
        .parse()
        .map_err(|e: String| anyhow::anyhow!("its record has a bad digest: {e}"))?;
    let format = Format::parse(&meta.format)
        .with_context(|| format!("its record names an unknown format `{}`", meta.format))?;
    let artifact = Artifact::new(
        &meta.name,
        &meta.version,
        meta.url.clone(),
        digest,
        format,
        meta.bin.clone(),
    );
    let artifact = match &meta.build {
        Some(b) => artifact.with_build(&meta.name, b.clone()),
        None => artifact,
    };
    let artifact = match meta.members.as_slice() {
        [] => artifact,
        members => artifact
            .with_members(&meta.name, members.to_vec())
            .with_scripts(&meta.name, meta.allow_scripts.clone()),
    };
    let Some(layout) = &meta.layout else {
        return Ok(artifact);
    };
    let parts = meta
        .parts
        .iter()
        .map(|p| {
            Ok(devenv_model::lock::Part {
                url: p.url.clone(),
                digest: p
                    .digest
                    .parse()
                    .map_err(|e: String| anyhow::anyhow!("its record has a bad digest: {e}"))?,
                format: Format::parse(&p.format).with_context(|| {
                    format!("its record names an unknown format `{}`", p.format)
                })?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(artifact.with_parts(&meta.name, layout, parts))
}

/// Prints the store path the current project uses for `tool`.
pub(crate) fn path(config: &Config, tool: &str) -> Result<()> {
    let cx = Context::new(config, false)?;
    let project = Project::find(&super::cwd()?, config)?;
    let Some(lock) = project.read_lock()? else {
        bail!("there is no devenv.lock yet; run `devenv install`");
    };
    let Some(locked) = lock.tools.get(tool) else {
        let names: Vec<&str> = lock.tools.keys().map(String::as_str).collect();
        let hint = devenv_model::manifest::suggest(tool, &names)
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        bail!("`{tool}` is not a tool of this project{hint}");
    };
    let platform = config.platform();
    let artifact = locked
        .artifacts
        .get(&platform)
        .with_context(|| format!("`{tool}` has nothing pinned for {platform}"))?;
    let entry = cx
        .store
        .entry_path(&artifact.entry_name(tool, &locked.version));
    println!("{}", entry.display());
    if !entry.is_dir() {
        ui::warn(format!(
            "{tool} {} is not installed yet; run `devenv install`",
            locked.version
        ));
    }
    Ok(())
}
