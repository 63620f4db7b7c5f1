//! `devenv search WORD`: catalog entries that match, the aqua registry's
//! packages (built in and the project's) by name, alias, description and
//! search words, npm packages from the registry's search, and the PyPI
//! project of exactly that name (PyPI has no search API).

use crate::project::Context;
use anyhow::Result;
use devenv_model::aqua::Package;
use devenv_model::catalog::Catalog;
use devenv_model::config::Config;
use devenv_model::manifest::{self, Manifest};
use devenv_model::ui;
use devenv_sources::backends::Backend;
use devenv_sources::backends::{Mirrors, npm, pypi};

/// What is shown of an aqua package.
struct AquaHit {
    package: Package,
    /// The catalog name that installs it (`jq`), if one does.
    catalog_name: Option<String>,
}

impl AquaHit {
    /// The crate the package is built from, when the registry builds it
    /// (devenv's `cargo:` source does).
    fn krate(&self) -> Option<String> {
        (self.package.fields.kind.as_deref() == Some("cargo")).then(|| {
            self.package
                .fields
                .crate_name
                .clone()
                .unwrap_or_else(|| self.package.short_name())
        })
    }

    /// How it is installed: `aqua:OWNER/NAME`, or `cargo:CRATE`.
    fn source(&self) -> String {
        match self.krate() {
            Some(k) => format!("cargo:{k}"),
            None => format!("aqua:{}", self.package.full_name()),
        }
    }

    fn checksums(&self) -> String {
        if let Some(k) = self.krate() {
            format!("built from the crate `{k}` (its checksum pinned)")
        } else if self.package.publishes_checksums() {
            "published checksums".into()
        } else {
            "no published checksums (digest recorded on first use)".into()
        }
    }
}

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
    // Names of aqua packages are listed with their packages below.
    let found: Vec<_> = catalog
        .search(word)
        .into_iter()
        .filter(|e| {
            !(e.default == "aqua" || (e.default == "cargo" && e.sources.contains_key("aqua")))
        })
        .collect();
    let aqua: Vec<AquaHit> = catalog
        .aqua
        .search(word)
        .into_iter()
        .map(|package| {
            let full = package.full_name();
            let catalog_name = package.names().into_iter().find(|n| {
                catalog.entries.get(n).is_some_and(|e| {
                    (e.default == "aqua" || e.default == "cargo")
                        && e.sources.get("aqua").and_then(|s| s.package.as_deref())
                            == Some(full.as_str())
                })
            });
            AquaHit {
                package,
                catalog_name,
            }
        })
        .collect();
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
            "aqua": aqua.iter().map(|h| serde_json::json!({
                "package": h.package.full_name(),
                "source": h.source(),
                "catalog_name": h.catalog_name,
                "aliases": h.package.aliases.iter().map(|a| a.name.clone()).collect::<Vec<_>>(),
                "description": h.package.description.as_deref().unwrap_or("").trim(),
                "type": h.package.fields.kind.as_deref().unwrap_or("github_release"),
                "checksums_published": h.package.publishes_checksums(),
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
    if !aqua.is_empty() {
        println!("aqua registry (add by the name shown, or as \"aqua:OWNER/NAME\"):");
        for h in &aqua {
            let full = h.package.full_name();
            let name = h.catalog_name.as_deref().unwrap_or(full.as_str());
            let description = h.package.description.as_deref().unwrap_or("");
            let first_line = description.lines().next().unwrap_or("").trim();
            println!("  {name:20} {first_line}");
            let mut also: Vec<String> = Vec::new();
            if h.catalog_name.is_some() || h.krate().is_some() {
                also.push(h.source());
            }
            also.extend(
                h.package
                    .aliases
                    .iter()
                    .map(|a| format!("alias {}", a.name)),
            );
            also.push(h.checksums());
            println!("  {:20} {}", "", also.join(", "));
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
