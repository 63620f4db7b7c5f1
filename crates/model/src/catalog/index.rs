//! The built-in catalog compiled into a sorted table (see `build.rs`): what
//! the lock check on every `exec`, prompt and `lock --frozen` asks of the
//! catalog — where a name comes from — answered by a binary search, without
//! parsing `catalog.toml` or the aqua registry, whatever their size.

use super::{Backend, Entry, SourceSpec};
use std::collections::BTreeMap;

/// A string of [`TEXT`]: its offset and length.
#[derive(Clone, Copy)]
struct Span(u32, u32);

/// One name of the catalog: its default source, and where its sources are
/// in [`SOURCES`].
struct Row {
    name: Span,
    default: Span,
    first: u32,
    count: u32,
}

/// One source of a name: its name, backend and package.
struct SourceRow {
    name: Span,
    backend: Span,
    package: Option<Span>,
}

include!(concat!(env!("OUT_DIR"), "/catalog_index.rs"));

fn text(span: Span) -> &'static str {
    &TEXT[span.0 as usize..(span.0 + span.1) as usize]
}

/// The sources of `row`.
fn sources(row: &Row) -> &'static [SourceRow] {
    &SOURCES[row.first as usize..(row.first + row.count) as usize]
}

/// The row of `name`, by binary search.
fn row(name: &str) -> Option<&'static Row> {
    ROWS.binary_search_by(|r| text(r.name).cmp(name))
        .ok()
        .map(|i| &ROWS[i])
}

/// The source of the built-in name `name`: the one named `source`, else
/// the entry's default. Carries what the lock check needs (backend and
/// package, hence the lock's `source` label and the version scheme), not
/// `bin` or `env`.
pub(crate) fn builtin_source(name: &str, source: Option<&str>) -> Option<SourceSpec> {
    let row = row(name)?;
    let chosen = source.unwrap_or(text(row.default));
    let found = sources(row).iter().find(|s| text(s.name) == chosen)?;
    Some(SourceSpec {
        name: text(found.name).to_string(),
        backend: Backend::parse(text(found.backend))?,
        package: found.package.map(|p| text(p).to_string()),
        bin: None,
        env: BTreeMap::new(),
    })
}

/// The entries of the names the aqua registry gives, as
/// `Catalog::add_aqua` makes them, without their descriptions.
pub(crate) fn aqua_entries() -> impl Iterator<Item = Entry> {
    ROWS.iter()
        .filter(|r| {
            // The registry's names: aqua's by default, or, for a package
            // the registry builds from a crate, the `cargo` source's.
            text(r.default) == "aqua"
                || (text(r.default) == "cargo"
                    && sources(r).iter().any(|s| text(s.backend) == "aqua"))
        })
        .map(|r| Entry {
            name: text(r.name).to_string(),
            description: String::new(),
            default: text(r.default).into(),
            sources: sources(r)
                .iter()
                .filter_map(|s| {
                    Some((
                        text(s.name).to_string(),
                        SourceSpec {
                            name: text(s.name).to_string(),
                            backend: Backend::parse(text(s.backend))?,
                            package: s.package.map(|p| text(p).to_string()),
                            bin: None,
                            env: BTreeMap::new(),
                        },
                    ))
                })
                .collect(),
            from_project: false,
            keywords: Vec::new(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    #[test]
    fn the_compiled_index_is_the_builtin_catalog() {
        let catalog = Catalog::builtin_parsed();
        let indexed = Catalog::builtin();
        assert_eq!(
            indexed.entries.keys().collect::<Vec<_>>(),
            catalog.entries.keys().collect::<Vec<_>>()
        );
        for (name, entry) in &catalog.entries {
            let got = &indexed.entries[name];
            assert_eq!(
                (&got.default, &got.sources),
                (&entry.default, &entry.sources),
                "{name}"
            );
        }
        let names: Vec<&str> = ROWS.iter().map(|r| text(r.name)).collect();
        let expected: Vec<&str> = catalog.entries.keys().map(String::as_str).collect();
        assert_eq!(
            names, expected,
            "the index and the catalog name different tools"
        );
        for (name, entry) in &catalog.entries {
            let row = row(name).unwrap();
            assert_eq!(text(row.default), entry.default, "{name}");
            assert_eq!(sources(row).len(), entry.sources.len(), "{name}");
            for sname in entry.sources.keys().map(String::as_str) {
                let want = catalog.source_for(name, Some(sname)).unwrap();
                let got = builtin_source(name, Some(sname)).unwrap();
                assert_eq!(
                    (got.label(), got.backend),
                    (want.label(), want.backend),
                    "{name} from {sname}"
                );
            }
            let want = catalog.source_for(name, None).unwrap();
            assert_eq!(
                builtin_source(name, None).unwrap().label(),
                want.label(),
                "{name}"
            );
        }
    }

    #[test]
    fn every_builtin_package_is_in_the_index() {
        let packages = crate::aqua::builtin_packages();
        assert_eq!(packages.len(), crate::aqua::BUILTIN.lines().count());
        assert!(packages.len() >= 2278, "{}", packages.len());
        assert!(ROWS.len() >= 2278, "{} names", ROWS.len());
        // Each package is found by its full name and each alias.
        for p in &packages {
            let full = p.full_name();
            let found = crate::aqua::Registry::builtin().find(&full).unwrap();
            assert_eq!(found.full_name(), full);
            for a in &p.aliases {
                assert!(crate::aqua::builtin_record(&a.name).is_some(), "{}", a.name);
            }
        }
        let jq = crate::aqua::Registry::builtin()
            .find("stedolan/jq")
            .unwrap();
        assert_eq!(jq.full_name(), "jqlang/jq");
        assert!(crate::aqua::builtin_record("no/such-package").is_none());
    }

    #[test]
    fn names_and_sources_outside_the_catalog_have_no_source() {
        assert!(builtin_source("no-such-tool", None).is_none());
        assert!(builtin_source("jq", Some("no-such-source")).is_none());
        assert_eq!(
            builtin_source("jq", None).unwrap().label(),
            "aqua:jqlang/jq"
        );
    }
}
