//! `devenv cache push|status|export|import`: fill and inspect the team
//! caches (see [`devenv_net::cache`]).

use crate::install;
use crate::project::{Context, Project};
use anyhow::{Result, bail};
use devenv_model::config::Config;
use devenv_model::lock::Lock;
use devenv_model::platform::Platform;
use devenv_model::ui;
use devenv_net::cache::layout::Layout;
use devenv_net::cache::{self, Backend, CacheError, Caches, Downloads, Item, Spec, oci, push};
use devenv_sources::resolve::Update;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// Which platforms of the lock a command covers.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Platforms {
    /// This machine's platform.
    Current,
    /// Every platform the lock pins.
    All,
}

impl Platforms {
    fn filter(self, cx: &Context) -> Option<Platform> {
        match self {
            Platforms::Current => Some(cx.platform()),
            Platforms::All => None,
        }
    }
}

/// The project, its lock and its caches, for a command that needs the network.
fn setup(config: &Config, verb: &str) -> Result<(Context, Project, Lock, Vec<Spec>)> {
    let cx = Context::new(config, false)?;
    if cx.offline() {
        bail!(
            "devenv is offline, and `cache {verb}` reaches caches and upstream; run it without --offline"
        );
    }
    let project = Project::find(&super::cwd()?, config)?;
    let lock = project.ensure_lock(&cx, &Update::Nothing)?;
    let specs = cx
        .caches
        .specs(&project.manifest.settings.caches, project.root())?;
    Ok((cx, project, lock, specs))
}

fn no_caches() -> anyhow::Error {
    anyhow::anyhow!(
        "no cache is configured: add `caches = [\"oci://HOST/REPOSITORY\"]` to [settings] in devenv.toml, or set DEVENV_CACHES"
    )
}

/// A fetcher that takes bytes from `sources`, then upstream.
fn downloads_from(cx: &Context, sources: &[Spec]) -> Downloads {
    if sources.is_empty() {
        return Downloads::upstream(&cx.fetcher);
    }
    let backends = sources
        .iter()
        .map(|s| Backend::open(s, &cx.caches, &cx.fetcher))
        .collect();
    Downloads::with_caches(&cx.fetcher, Some(Arc::new(Caches::new(backends, true))))
}

/// `devenv cache push`: the lock's artifacts into the first cache.
pub(crate) fn push(config: &Config, platforms: Platforms, tools: &[String]) -> Result<()> {
    let (cx, _project, lock, specs) = setup(config, "push")?;
    let Some((first, rest)) = specs.split_first() else {
        return Err(no_caches());
    };
    let items = cache::items(&lock, platforms.filter(&cx), tools)?;
    let target = Backend::open(first, &cx.caches, &cx.fetcher);
    let downloads = downloads_from(&cx, rest);
    let report = push::push(
        &lock,
        &items,
        &target,
        &downloads,
        &packer(&cx),
        &cx.store.home().join("tmp"),
    )?;
    warn_not_built(&report);
    ui::info(summary("pushed", &report, target.name()));
    Ok(())
}

/// `devenv cache export DIR`: the lock's artifacts as an OCI image layout.
pub(crate) fn export(config: &Config, dir: &Path, platforms: Platforms) -> Result<()> {
    let (cx, _project, lock, specs) = setup(config, "export")?;
    let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    let layout = Layout::new(dir, cx.fetcher.settings().max_bytes);
    layout.create()?;
    let target = Backend::Layout(layout);
    let items = cache::items(&lock, platforms.filter(&cx), &[])?;
    let downloads = downloads_from(&cx, &specs);
    let report = push::push(
        &lock,
        &items,
        &target,
        &downloads,
        &packer(&cx),
        &cx.store.home().join("tmp"),
    )?;
    warn_not_built(&report);
    ui::info(summary("exported", &report, target.name()));
    Ok(())
}

/// Packs built entries from this machine's store: a build is shared from
/// the store that made it.
fn packer(cx: &Context) -> impl Fn(&Item, &Path) -> Result<Option<u64>> + Sync + '_ {
    |item: &Item, dest: &Path| {
        let entry = cx
            .store
            .entry_path(&item.artifact.entry_name(item.tool, item.version));
        if !entry.is_dir() {
            return Ok(None);
        }
        devenv_store::store::pack_entry(&entry, dest).map(Some)
    }
}

/// Says which builds were left out, and how to add them.
fn warn_not_built(report: &push::Report) {
    if !report.not_built.is_empty() {
        ui::warn(format!(
            "not pushed, since this machine's store does not hold their build: {}; a build is pushed from a machine that made it (`devenv install`, then `devenv cache push` on that platform)",
            report.not_built.join(", ")
        ));
    }
}

fn summary(verb: &str, report: &push::Report, target: &str) -> String {
    if report.pushed.is_empty() && !report.not_built.is_empty() {
        return format!(
            "nothing uploaded to {target}; {} artifact(s) already there",
            report.present
        );
    }
    if report.pushed.is_empty() {
        return format!(
            "nothing to upload: all {} artifact(s) are already in {target}",
            report.present
        );
    }
    let bytes: u64 = report.pushed.iter().map(|(_, b)| b).sum();
    format!(
        "{verb} {} artifact(s) ({}) to {target}; {} already there",
        report.pushed.len(),
        ui::human_bytes(bytes),
        report.present
    )
}

/// `devenv cache import DIR`: installs this machine's artifacts of the
/// lock from an OCI image layout, without the network.
pub(crate) fn import(config: &Config, dir: &Path) -> Result<()> {
    let cx = Context::new(config, true)?;
    let project = Project::find(&super::cwd()?, config)?;
    let lock = project.ensure_lock(&cx, &Update::Nothing)?;
    let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    let layout = Backend::Layout(Layout::new(dir, cx.fetcher.settings().max_bytes));
    let platform = config.platform();
    let items = cache::items(&lock, Some(platform), &[])?;
    let mut absent = Vec::new();
    for item in &items {
        if !layout.has(&oci::tag_of(item.tool, item.artifact))? {
            absent.push(item.label());
        }
    }
    if !absent.is_empty() {
        bail!(
            "{} lacks {} artifact(s) of devenv.lock: {}; export them with `devenv cache export` on a machine with network access",
            layout.name(),
            absent.len(),
            absent.join(", ")
        );
    }
    let name = layout.name().to_string();
    let caches = Caches::new(vec![layout], false);
    let downloads = Downloads::with_caches(&cx.fetcher, Some(Arc::new(caches)));
    devenv_store::gc::register_project(&cx.store, project.manifest.lock_root())?;
    let report = install::install_lock(&lock, platform, &cx.store, &downloads)?;
    project.record_generation(&cx, &lock, "install")?;
    ui::info(format!(
        "imported {} tool(s) from {name}; {} already in the store",
        report.fetched.len(),
        report.present
    ));
    Ok(())
}

/// What one cache said about one artifact.
fn state(result: &Result<bool, CacheError>) -> &'static str {
    match result {
        Ok(true) => "present",
        Ok(false) => "missing",
        Err(_) => "error",
    }
}

/// `devenv cache status`: which cache has which artifact of the lock.
pub(crate) fn status(config: &Config, json: bool) -> Result<()> {
    let (cx, _project, lock, specs) = setup(config, "status")?;
    if specs.is_empty() {
        return Err(no_caches());
    }
    let items = cache::items(&lock, None, &[])?;
    let backends: Vec<Backend> = specs
        .iter()
        .map(|s| Backend::open(s, &cx.caches, &cx.fetcher))
        .collect();
    // results[cache][item]; a cache that fails is not asked again.
    let mut results: Vec<Vec<Result<bool, CacheError>>> = Vec::new();
    let mut errors: BTreeMap<String, String> = BTreeMap::new();
    for backend in &backends {
        let mut column = Vec::new();
        let mut failed: Option<String> = None;
        for item in &items {
            let r = match &failed {
                Some(m) => Err(CacheError::Down(m.clone())),
                None => backend.has(&oci::tag_of(item.tool, item.artifact)),
            };
            if let Err(e) = &r
                && failed.is_none()
            {
                failed = Some(e.to_string());
                errors.insert(backend.name().to_string(), e.to_string());
            }
            column.push(r);
        }
        results.push(column);
    }
    if json {
        print_json(&items, &backends, &results, &errors);
        return Ok(());
    }
    print_table(&items, &backends, &results);
    for message in errors.values() {
        ui::warn(message);
    }
    Ok(())
}

fn print_json(
    items: &[Item],
    backends: &[Backend],
    results: &[Vec<Result<bool, CacheError>>],
    errors: &BTreeMap<String, String>,
) {
    let artifacts: Vec<serde_json::Value> = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let caches: serde_json::Map<String, serde_json::Value> = backends
                .iter()
                .zip(results)
                .map(|(b, col)| (b.name().to_string(), state(&col[i]).into()))
                .collect();
            serde_json::json!({
                "tool": item.tool,
                "version": item.version,
                "platform": item.platform.to_string(),
                "digest": item.artifact.digest.to_string(),
                "tag": oci::tag_of(item.tool, item.artifact),
                "caches": caches,
            })
        })
        .collect();
    let names: Vec<&str> = backends.iter().map(Backend::name).collect();
    let doc = serde_json::json!({ "caches": names, "artifacts": artifacts, "errors": errors });
    println!("{}", serde_json::to_string_pretty(&doc).expect("json"));
}

fn print_table(items: &[Item], backends: &[Backend], results: &[Vec<Result<bool, CacheError>>]) {
    let mut rows = vec![{
        let mut h = vec!["TOOL".to_string(), "VERSION".into(), "PLATFORM".into()];
        h.extend((1..=backends.len()).map(|n| format!("[{n}]")));
        h
    }];
    for (i, item) in items.iter().enumerate() {
        let mut row = vec![
            item.tool.to_string(),
            item.version.to_string(),
            item.platform.to_string(),
        ];
        row.extend(results.iter().map(|col| state(&col[i]).to_string()));
        rows.push(row);
    }
    let widths: Vec<usize> = (0..rows[0].len())
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in &rows {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell:w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    for (n, b) in backends.iter().enumerate() {
        out.push_str(&format!("[{}] {}\n", n + 1, b.name()));
    }
    let present = results
        .iter()
        .map(|col| col.iter().filter(|r| matches!(r, Ok(true))).count());
    let counts: Vec<String> = present.map(|p| format!("{p}/{}", items.len())).collect();
    out.push_str(&format!("present: {}\n", counts.join(", ")));
    print!("{out}");
}
