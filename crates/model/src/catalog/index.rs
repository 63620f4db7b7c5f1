//! The built-in catalog compiled into a sorted table (see `build.rs`): what
//! the lock check on every `exec`, prompt and `lock --frozen` asks of the
//! catalog — where a name comes from — answered by a binary search, without
//! parsing `catalog.toml` or the aqua registry, whatever their size.

use super::{Backend, SourceSpec};
use std::collections::BTreeMap;

/// A source of an entry: its name, backend and package.
type IndexedSource = (&'static str, &'static str, Option<&'static str>);

include!(concat!(env!("OUT_DIR"), "/catalog_index.rs"));

/// The source of the built-in name `name`: the one named `source`, else
/// the entry's default. Carries what the lock check needs (backend and
/// package, hence the lock's `source` label and the version scheme), not
/// `bin` or `env`.
pub(crate) fn builtin_source(name: &str, source: Option<&str>) -> Option<SourceSpec> {
    let i = INDEX.binary_search_by_key(&name, |(n, _, _)| n).ok()?;
    let (_, default, sources) = INDEX[i];
    let chosen = source.unwrap_or(default);
    let (sname, backend, package) = sources.iter().find(|(s, _, _)| *s == chosen)?;
    Some(SourceSpec {
        name: sname.to_string(),
        backend: Backend::parse(backend)?,
        package: package.map(str::to_string),
        bin: None,
        env: BTreeMap::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    #[test]
    fn the_compiled_index_is_the_builtin_catalog() {
        let catalog = Catalog::builtin();
        let names: Vec<&str> = INDEX.iter().map(|(n, _, _)| *n).collect();
        let expected: Vec<&str> = catalog.entries.keys().map(String::as_str).collect();
        assert_eq!(
            names, expected,
            "the index and the catalog name different tools"
        );
        for (name, entry) in &catalog.entries {
            let (_, default, sources) =
                INDEX[INDEX.binary_search_by_key(&name.as_str(), |e| e.0).unwrap()];
            assert_eq!(default, entry.default, "{name}");
            assert_eq!(sources.len(), entry.sources.len(), "{name}");
            for sname in entry
                .sources
                .keys()
                .map(String::as_str)
                .chain([None].into_iter().flatten())
            {
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
    fn names_and_sources_outside_the_catalog_have_no_source() {
        assert!(builtin_source("no-such-tool", None).is_none());
        assert!(builtin_source("jq", Some("no-such-source")).is_none());
        assert_eq!(
            builtin_source("jq", None).unwrap().label(),
            "aqua:jqlang/jq"
        );
    }
}
