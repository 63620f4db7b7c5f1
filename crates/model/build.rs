//! Compiles the built-in catalog (`src/catalog.toml`) and aqua registry
//! (`src/aqua-registry.yaml`) into a sorted table of names and their
//! sources, so that the commands on the hot path (`exec`, `hook-env`,
//! `lock --frozen`) check a lock against the catalog with a binary search
//! instead of parsing either file: their cost does not depend on the
//! registry's size. The table follows `Catalog::builtin`'s rules (a
//! package answers to its short name and its commands' names, the first
//! package of a name wins, and an entry of `catalog.toml` whose default is
//! not `aqua` is never replaced); the test
//! `catalog::index::tests::the_compiled_index_is_the_builtin_catalog`
//! holds the two together.

use std::collections::BTreeMap;
use std::fmt::Write;

#[derive(serde::Deserialize)]
struct RegistryFile {
    #[serde(default)]
    packages: Vec<Package>,
}

#[derive(serde::Deserialize)]
struct Package {
    name: Option<String>,
    repo_owner: Option<String>,
    repo_name: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    files: Option<Vec<File>>,
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
    println!("cargo::rerun-if-changed=src/aqua-registry.yaml");
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

    let registry: RegistryFile = serde_yaml_ng::from_str(
        &std::fs::read_to_string("src/aqua-registry.yaml")
            .expect("src/aqua-registry.yaml is readable"),
    )
    .expect("src/aqua-registry.yaml is an aqua registry");
    for p in registry.packages.iter().rev() {
        let full = match (&p.name, &p.repo_owner, &p.repo_name) {
            (Some(n), _, _) => n.clone(),
            (None, Some(o), Some(r)) => format!("{o}/{r}"),
            _ => continue,
        };
        if full.is_empty() {
            continue;
        }
        let mut sources = vec![("aqua".to_string(), "aqua".to_string(), Some(full.clone()))];
        if p.kind.as_deref().unwrap_or("github_release") == "github_release"
            && let (Some(o), Some(r)) = (&p.repo_owner, &p.repo_name)
        {
            sources.push(("github".into(), "github".into(), Some(format!("{o}/{r}"))));
        }
        let mut names = vec![full.rsplit('/').next().unwrap_or(&full).to_string()];
        for f in p.files.iter().flatten() {
            if !names.contains(&f.name) {
                names.push(f.name.clone());
            }
        }
        for name in names {
            let taken = entries.get(&name).is_some_and(|e| e.default != "aqua");
            if taken || name.is_empty() {
                continue;
            }
            entries.insert(
                name,
                Entry {
                    default: "aqua".into(),
                    sources: sources.clone(),
                },
            );
        }
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
