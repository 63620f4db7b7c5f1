//! Compiles the built-in catalog (`src/catalog.toml`) and aqua registry
//! (`data/aqua/registry.jsonl`) into a sorted table of names and their
//! sources, so that the commands on the hot path (`exec`, `hook-env`,
//! `lock --frozen`) check a lock against the catalog with a binary search
//! instead of parsing either file: their cost does not depend on the
//! registry's size. The table follows `Catalog::builtin`'s rules (a
//! package answers to its short name and its commands' names, the first
//! package of a name wins, and an entry of `catalog.toml` whose default is
//! not `aqua` is never replaced); the test
//! `catalog::index::tests::the_compiled_index_is_the_builtin_catalog`
//! holds the two together.
//!
//! It also compiles the index of the registry's records: each package's
//! full name and aliases → the offset and length of its line, so that
//! finding one package parses one line (`aqua::builtin_record`).

use std::collections::BTreeMap;
use std::fmt::Write;

#[derive(serde::Deserialize)]
struct Package {
    name: Option<String>,
    repo_owner: Option<String>,
    repo_name: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    files: Option<Vec<File>>,
    #[serde(default)]
    aliases: Vec<File>,
    path: Option<String>,
    #[serde(rename = "crate")]
    crate_name: Option<String>,
    #[serde(default)]
    version_overrides: Vec<Override>,
}

#[derive(serde::Deserialize)]
struct Override {
    files: Option<Vec<File>>,
}

/// A package's full name, as `aqua::Package::full_name` gives it.
fn full_name(p: &Package) -> String {
    match (&p.name, &p.repo_owner, &p.repo_name) {
        (Some(n), _, _) => n.clone(),
        (None, Some(o), Some(r)) => format!("{o}/{r}"),
        _ => p.path.clone().unwrap_or_default(),
    }
}

#[derive(serde::Deserialize)]
struct File {
    name: String,
}

/// A source: its name, backend and package.
type Source = (String, String, Option<String>);

struct Entry {
    default: String,
    sources: Vec<Source>,
}

#[allow(
    clippy::disallowed_methods,
    reason = "a build script reads cargo's variables and writes into OUT_DIR, which cargo owns"
)]
fn main() {
    println!("cargo::rerun-if-changed=src/catalog.toml");
    println!("cargo::rerun-if-changed=data/aqua/registry.jsonl");
    let mut entries: BTreeMap<String, Entry> = BTreeMap::new();

    let catalog: toml::Table = std::fs::read_to_string("src/catalog.toml")
        .expect("src/catalog.toml is readable")
        .parse()
        .expect("src/catalog.toml is valid TOML");
    for (name, value) in &catalog {
        let t = value.as_table().expect("catalog entries are tables");
        let source = |sname: &str, spec: &toml::Table| -> Source {
            let backend = spec
                .get("backend")
                .and_then(|b| b.as_str())
                .unwrap_or(sname)
                .to_string();
            let package = spec
                .get("package")
                .and_then(|p| p.as_str())
                .map(str::to_string);
            (sname.to_string(), backend, package)
        };
        let entry = match t.get("sources").and_then(|s| s.as_table()) {
            Some(sources) => Entry {
                default: t["source"]
                    .as_str()
                    .expect("`source` names the default")
                    .to_string(),
                sources: sources
                    .iter()
                    .map(|(sname, spec)| source(sname, spec.as_table().expect("a source table")))
                    .collect(),
            },
            None => {
                let (_, backend, package) = source(name, t);
                Entry {
                    default: backend.clone(),
                    sources: vec![(backend.clone(), backend, package)],
                }
            }
        };
        entries.insert(name.clone(), entry);
    }

    let records = std::fs::read_to_string("data/aqua/registry.jsonl")
        .expect("data/aqua/registry.jsonl is readable");
    let mut packages: Vec<(Package, usize, usize)> = Vec::new();
    let mut at = 0;
    for line in records.split_inclusive('\n') {
        let record = line.trim_end_matches('\n');
        let p: Package = serde_json::from_str(record).unwrap_or_else(|e| {
            panic!("data/aqua/registry.jsonl: a record does not read ({e}): {record}")
        });
        packages.push((p, at, record.len()));
        at += line.len();
    }
    write_record_index(&packages);
    // Which package each name goes to: short names first (the first
    // package of a name wins), then commands no short name took.
    let mut claims: BTreeMap<String, usize> = BTreeMap::new();
    // Packages that download claim short names before those built from a
    // crate (`aqua::claims`).
    for pass in [false, true] {
        for (i, (p, _, _)) in packages.iter().enumerate() {
            if (p.kind.as_deref() == Some("cargo")) != pass {
                continue;
            }
            let full = full_name(p);
            let short = full.rsplit('/').next().unwrap_or(&full).to_string();
            if !short.is_empty() {
                claims.entry(short).or_insert(i);
            }
        }
    }
    for (i, (p, _, _)) in packages.iter().enumerate() {
        let files = p.files.iter().flatten().chain(
            p.version_overrides
                .iter()
                .flat_map(|o| o.files.iter().flatten()),
        );
        for f in files {
            if !f.name.is_empty() && !full_name(p).is_empty() {
                claims.entry(f.name.clone()).or_insert(i);
            }
        }
    }
    for (name, i) in claims {
        let p = &packages[i].0;
        let full = full_name(p);
        let mut sources = vec![("aqua".to_string(), "aqua".to_string(), Some(full.clone()))];
        if p.kind.as_deref().unwrap_or("github_release") == "github_release"
            && let (Some(o), Some(r)) = (&p.repo_owner, &p.repo_name)
        {
            sources.push(("github".into(), "github".into(), Some(format!("{o}/{r}"))));
        }
        // A package built from a crate is the `cargo` source's to build.
        let mut default = "aqua";
        if p.kind.as_deref() == Some("cargo") {
            let short = full.rsplit('/').next().unwrap_or(&full).to_string();
            let krate = p.crate_name.clone().unwrap_or(short);
            sources.push(("cargo".into(), "cargo".into(), Some(krate)));
            default = "cargo";
        }
        let taken = entries.get(&name).is_some_and(|e| e.default != "aqua");
        if taken {
            continue;
        }
        entries.insert(
            name,
            Entry {
                default: default.into(),
                sources,
            },
        );
    }

    // Strings as (offset, length) in one text, not `&str`s: a table of
    // pointers would need one dynamic relocation per string at every
    // start of the program, a cost that grows with the registry.
    let mut text = String::new();
    let mut span = |s: &str| {
        let at = text.len();
        text.push_str(s);
        format!("Span({at}, {})", s.len())
    };
    let mut rows = String::new();
    let mut source_rows = String::new();
    let mut count = 0;
    for (name, entry) in &entries {
        let mut sources = entry.sources.clone();
        sources.sort();
        writeln!(
            rows,
            "    Row {{ name: {}, default: {}, first: {count}, count: {} }},",
            span(name),
            span(&entry.default),
            sources.len()
        )
        .unwrap();
        for (sname, backend, package) in sources {
            let package = match package {
                Some(p) => format!("Some({})", span(&p)),
                None => "None".to_string(),
            };
            writeln!(
                source_rows,
                "    SourceRow {{ name: {}, backend: {}, package: {package} }},",
                span(&sname),
                span(&backend)
            )
            .unwrap();
            count += 1;
        }
    }
    let out = format!(
        "/// Every string of the index, one after another. Generated by build.rs.\n\
         static TEXT: &str = {text:?};\n\
         /// Every name of the built-in catalog, sorted by name.\n\
         static ROWS: &[Row] = &[\n{rows}];\n\
         /// The sources of the rows, each row's together.\n\
         static SOURCES: &[SourceRow] = &[\n{source_rows}];\n"
    );
    let dest = std::path::Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("catalog_index.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}

/// `aqua_index.rs`: every full name and alias → its record's span (a full
/// name wins over another package's alias; the first package of a name
/// wins, as in the registry).
#[allow(
    clippy::disallowed_methods,
    reason = "a build script writes into OUT_DIR, which cargo owns"
)]
fn write_record_index(packages: &[(Package, usize, usize)]) {
    let full = full_name;
    let mut keys: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (p, at, len) in packages {
        let name = full(p);
        if !name.is_empty() {
            keys.entry(name).or_insert((*at, *len));
        }
    }
    for (p, at, len) in packages {
        for a in &p.aliases {
            keys.entry(a.name.clone()).or_insert((*at, *len));
        }
    }
    let mut text = String::new();
    let mut rows = String::new();
    for (name, (at, len)) in &keys {
        writeln!(
            rows,
            "    Key {{ name: Span({}, {}), record: Span({at}, {len}) }},",
            text.len(),
            name.len()
        )
        .unwrap();
        text.push_str(name);
    }
    let out = format!(
        "/// The names of the index, one after another. Generated by build.rs.\n\
         static KEY_TEXT: &str = {text:?};\n\
         /// Every full name and alias of the built-in registry, sorted.\n\
         static KEYS: &[Key] = &[\n{rows}];\n"
    );
    let dest = std::path::Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("aqua_index.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}
