//! `devenv search WORD`: catalog entries that match, npm packages from the
//! registry's search, and the PyPI project of exactly that name (PyPI has
//! no search API).

use crate::project::Context;
use anyhow::Result;
use devenv_model::catalog::Catalog;
use devenv_model::config::Config;
use devenv_model::manifest::{self, Manifest};
use devenv_model::ui;
use devenv_sources::backends::Backend;
use devenv_sources::backends::{Mirrors, npm, pypi};

pub(crate) fn run(config: &Config, word: &str, json: bool) -> Result<()> {
    let cx = Context::new(config, false)?;
    let project = manifest::find_root(&super::cwd()?)
        .map(|root| Manifest::load(&root, config.file_limits()))
        .transpose()?;
    let (catalog, mirrors) = match &project {
        Some(m) => {
            let mirrors = Mirrors::new(config, Some(m));
            (
                devenv_sources::backends::aqua::load_catalog(m, &cx.fetcher, &mirrors)?,
                mirrors,
            )
        }
        None => (Catalog::builtin(), Mirrors::new(config, None)),
    };
    let found = catalog.search(word);
    let npm_base = mirrors.base(Backend::Npm);
    if json {
        let npm_hits = npm::search(&npm_base, word, &cx.fetcher)
            .map_err(|e| ui::warn(format!("npm search failed: {e:#}")))
            .unwrap_or_default();
        let pypi_hit = pypi::summary(&mirrors.base(Backend::Pypi), word, &cx.fetcher)
            .map_err(|e| ui::warn(format!("PyPI lookup failed: {e:#}")))
            .ok()
            .flatten();
        let report = serde_json::json!({
            "catalog": found.iter().map(|e| serde_json::json!({
                "name": e.name,
                "description": e.description,
                "default_source": e.default,
                "sources": e.sources.iter().map(|(n, s)| (n.clone(), serde_json::Value::String(s.label()))).collect::<serde_json::Map<_, _>>(),
            })).collect::<Vec<_>>(),
            "npm": npm_hits.iter().map(|h| serde_json::json!({
                "name": h.name,
                "version": h.version,
                "description": h.description,
            })).collect::<Vec<_>>(),
            "pypi": pypi_hit.map(|i| serde_json::json!({
                "name": i.name,
                "version": i.version,
                "summary": i.summary,
            })),
        });
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    if !found.is_empty() {
        println!("catalog:");
        for e in found {
            let sources: Vec<String> = e
                .sources
                .iter()
                .map(|(name, s)| {
                    let mark = if *name == e.default { " (default)" } else { "" };
                    format!("{name}{mark}: {}", s.label())
                })
                .collect();
            println!("  {:12} {}", e.name, e.description);
            println!("  {:12} sources: {}", "", sources.join(", "));
        }
    }
    let npm_base = mirrors.base(Backend::Npm);
    match npm::search(&npm_base, word, &cx.fetcher) {
        Ok(hits) if !hits.is_empty() => {
            println!("npm (use as \"npm:NAME\"):");
            for h in hits {
                println!("  {:40} {:10} {}", h.name, h.version, h.description);
            }
        }
        Ok(_) => {}
        Err(e) => ui::warn(format!("npm search failed: {e:#}")),
    }
    match pypi::summary(&mirrors.base(Backend::Pypi), word, &cx.fetcher) {
        Ok(Some(info)) => {
            println!("pypi (use as \"pypi:NAME\"):");
            println!(
                "  {:40} {:10} {}",
                info.name,
                info.version,
                info.summary.unwrap_or_default()
            );
        }
        Ok(None) => {}
        Err(e) => ui::warn(format!("PyPI lookup failed: {e:#}")),
    }
    Ok(())
}
