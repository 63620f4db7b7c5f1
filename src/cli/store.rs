//! `devenv store verify [--repair]` and `devenv store path TOOL`.

use crate::archive::Format;
use crate::error::Exit;
use crate::install::{self, Bars, Job};
use crate::lock::Artifact;
use crate::platform::Platform;
use crate::project::{Context, Project};
use crate::store;
use crate::ui;
use anyhow::{Context as _, Result, bail};

/// Re-hashes every entry against the tree hash recorded at commit time.
pub fn verify(repair: bool) -> Result<()> {
    let cx = Context::from_env(false)?;
    let entries = cx.store.entries()?;
    let mut bad = Vec::new();
    for entry in &entries {
        let name = entry
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Some(meta) = cx.store.read_meta(entry) else {
            ui::warn(format!(
                "{name}: no record of its contents; it cannot be verified (remove it with `devenv gc` or reinstall)"
            ));
            continue;
        };
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
            bad.push((entry.clone(), meta));
        }
    }
    if bad.is_empty() {
        ui::info(format!(
            "all {} store entries match what was installed",
            entries.len()
        ));
        return Ok(());
    }
    if !repair {
        ui::info(format!(
            "{} of {} entries changed since they were installed; run `devenv store verify --repair` to fetch them again",
            bad.len(),
            entries.len()
        ));
        return Err(Exit(1).into());
    }
    let _shared = cx.store.lock_store(false)?;
    for (entry, meta) in &bad {
        let digest = meta
            .digest
            .parse()
            .map_err(|e: String| anyhow::anyhow!("{}: {e}", entry.display()))?;
        let format = Format::parse(&meta.format)
            .with_context(|| format!("{}: unknown format", entry.display()))?;
        let artifact = Artifact::new(
            &meta.name,
            &meta.version,
            meta.url.clone(),
            digest,
            format,
            meta.bin.clone(),
        );
        cx.store.remove_entry(entry)?;
        let job = Job {
            name: &meta.name,
            version: &meta.version,
            artifact: &artifact,
        };
        install::ensure(&job, &cx.store, &cx.fetcher, &Bars::new())?;
        let repaired = cx
            .store
            .entry_path(&artifact.key, &meta.name, &meta.version);
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

/// Prints the store path the current project uses for `tool`.
pub fn path(tool: &str) -> Result<()> {
    let cx = Context::from_env(false)?;
    let project = Project::find(&super::cwd()?)?;
    let Some(lock) = project.read_lock()? else {
        bail!("there is no devenv.lock yet; run `devenv install`");
    };
    let Some(locked) = lock.tools.get(tool) else {
        let names: Vec<&str> = lock.tools.keys().map(String::as_str).collect();
        let hint = crate::manifest::suggest(tool, &names)
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        bail!("`{tool}` is not a tool of this project{hint}");
    };
    let platform = Platform::current();
    let artifact = locked
        .artifacts
        .get(&platform)
        .with_context(|| format!("`{tool}` has nothing pinned for {platform}"))?;
    let entry = cx.store.entry_path(&artifact.key, tool, &locked.version);
    println!("{}", entry.display());
    if !entry.is_dir() {
        ui::warn(format!(
            "{tool} {} is not installed yet; run `devenv install`",
            locked.version
        ));
    }
    Ok(())
}
