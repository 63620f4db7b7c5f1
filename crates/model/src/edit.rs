//! Edits to devenv.toml that keep its comments and layout: `devenv add`
//! and `devenv remove` change one entry of `[tools]`, and `devenv rollback`
//! puts back the `[tools]` and `[env]` of an earlier generation, through
//! `toml_edit::DocumentMut`, leaving every other byte as it was.

use anyhow::{Context, Result, bail};
use toml_edit::{DocumentMut, Item, value};

/// Splits `name@version` (`pypi:uv@0.5`, `npm:@scope/pkg@^1`, `node`).
/// The version is `None` when not given.
pub fn parse_spec(spec: &str) -> (String, Option<String>) {
    // A scope's leading `@` (after `npm:` or at the start) is not a separator.
    let body_start = spec.find(':').map_or(0, |i| i + 1);
    let search_from = if spec[body_start..].starts_with('@') {
        body_start + 1
    } else {
        body_start
    };
    match spec[search_from..].rfind('@') {
        Some(i) => {
            let at = search_from + i;
            (spec[..at].to_string(), Some(spec[at + 1..].to_string()))
        }
        None => (spec.to_string(), None),
    }
}

fn parse(source: &str) -> Result<DocumentMut> {
    source
        .parse()
        .context("devenv.toml is not valid TOML; fix it first (`devenv lock` shows where)")
}

/// `source` with the tool `name` set to `version` (and `source = ...` when
/// given): an existing entry keeps its place, comments and other keys; a
/// new one goes at the end of `[tools]`.
pub fn add_tool(source: &str, name: &str, version: &str, from: Option<&str>) -> Result<String> {
    let mut doc = parse(source)?;
    let tools = doc
        .entry("tools")
        .or_insert(toml_edit::table())
        .as_table_like_mut()
        .context("`tools` in devenv.toml is not a table")?;
    match tools.get_mut(name) {
        Some(item) if item.is_str() && from.is_none() => {
            let decor = item.as_value().map(|v| v.decor().clone());
            *item = value(version);
            if let (Some(decor), Some(v)) = (decor, item.as_value_mut()) {
                *v.decor_mut() = decor;
            }
        }
        Some(item) if item.is_str() => {
            let mut t = toml_edit::InlineTable::new();
            t.insert("version", version.into());
            t.insert("source", from.unwrap_or_default().into());
            let decor = item.as_value().map(|v| v.decor().clone());
            *item = Item::Value(t.into());
            if let (Some(decor), Some(v)) = (decor, item.as_value_mut()) {
                *v.decor_mut() = decor;
            }
        }
        Some(item) => {
            let t = item.as_table_like_mut().with_context(|| {
                format!("tool `{name}` in devenv.toml is neither a string nor a table")
            })?;
            if t.contains_key("url") {
                bail!(
                    "`{name}` is pinned by URL in devenv.toml; edit its `version` and `url` there"
                );
            }
            t.insert("version", value(version));
            if let Some(s) = from {
                t.insert("source", value(s));
            }
        }
        None => {
            let item = match from {
                None => value(version),
                Some(s) => {
                    let mut t = toml_edit::InlineTable::new();
                    t.insert("version", version.into());
                    t.insert("source", s.into());
                    Item::Value(t.into())
                }
            };
            tools.insert(name, item);
        }
    }
    Ok(doc.to_string())
}

/// `source` without the tool `name`; an error if it has no such tool.
pub fn remove_tool(source: &str, name: &str) -> Result<String> {
    let mut doc = parse(source)?;
    let removed = doc
        .get_mut("tools")
        .and_then(Item::as_table_like_mut)
        .and_then(|t| t.remove(name));
    if removed.is_none() {
        bail!("devenv.toml has no tool `{name}` in [tools]");
    }
    Ok(doc.to_string())
}

/// The tables `devenv rollback` restores from an earlier manifest.
pub(crate) const RESTORED_TABLES: [&str; 2] = ["tools", "env"];

/// `current` with the `[tools]` and `[env]` entries of `old`: entries whose
/// value is the same stay exactly as written (comments included), changed
/// values are replaced in place (keeping the comment after them), entries
/// `old` lacks are removed and entries only `old` has are added at the end
/// of their table. Everything outside those two tables is kept as it is.
pub fn restore_tables(current: &str, old: &str) -> Result<String> {
    let mut doc = parse(current)?;
    let old_doc: DocumentMut = old
        .parse()
        .context("the recorded devenv.toml of that generation is not valid TOML")?;
    for name in RESTORED_TABLES {
        let Some(old_item) = old_doc.get(name) else {
            doc.remove(name);
            continue;
        };
        let (Some(old_table), Some(table)) = (
            old_item.as_table_like(),
            doc.get_mut(name).and_then(Item::as_table_like_mut),
        ) else {
            // Absent now (or not a table): take the old one as it was written.
            doc.insert(name, old_item.clone());
            continue;
        };
        let gone: Vec<String> = table
            .iter()
            .map(|(k, _)| k.to_string())
            .filter(|k| !old_table.contains_key(k))
            .collect();
        for key in gone {
            table.remove(&key);
        }
        for (key, old_value) in old_table.iter() {
            match table.get_mut(key) {
                Some(item) if same_value(item, old_value) => {}
                Some(item) => {
                    let decor = item.as_value().map(|v| v.decor().clone());
                    *item = old_value.clone();
                    if let (Some(decor), Some(v)) = (decor, item.as_value_mut()) {
                        *v.decor_mut() = decor;
                    }
                }
                None => {
                    table.insert(key, old_value.clone());
                }
            }
        }
    }
    Ok(doc.to_string())
}

/// Whether two items mean the same TOML, however they are written.
fn same_value(a: &Item, b: &Item) -> bool {
    let plain = |item: &Item| -> Option<toml::Value> {
        let mut doc = DocumentMut::new();
        doc.insert("v", item.clone());
        let table: toml::Table = toml::from_str(&doc.to_string()).ok()?;
        table.get("v").cloned()
    };
    match (plain(a), plain(b)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_name_and_version() {
        let s = |x: &str| parse_spec(x);
        assert_eq!(s("pypi:uv@0.5"), ("pypi:uv".into(), Some("0.5".into())));
        assert_eq!(s("node"), ("node".into(), None));
        assert_eq!(
            s("npm:@biomejs/biome@^1.9"),
            ("npm:@biomejs/biome".into(), Some("^1.9".into()))
        );
        assert_eq!(s("npm:@biomejs/biome"), ("npm:@biomejs/biome".into(), None));
        assert_eq!(s("zig@>=0.12,<1"), ("zig".into(), Some(">=0.12,<1".into())));
    }

    #[test]
    fn restoring_tables_keeps_comments_layout_and_other_sections() {
        let current = "# my project\n[tools]\nnode = \"22\"   # runtime\nzig = \"0.13\"\nruff = \"0.8\" # lint\n\n[env]\nA = \"new\"\n\n[settings]\nwatch = true # keep\n";
        let old = "[tools]\nruff = \"0.7\"\nnode = \"22\"\ngo = { version = \"1.23\", source = \"pypi\" }\n\n[env]\nA = \"old\"\nB = false\n";
        let out = restore_tables(current, old).unwrap();
        assert_eq!(
            out,
            "# my project\n[tools]\nnode = \"22\"   # runtime\nruff = \"0.7\" # lint\ngo = { version = \"1.23\", source = \"pypi\" }\n\n[env]\nA = \"old\"\nB = false\n\n[settings]\nwatch = true # keep\n"
        );
        // An [env] the old manifest lacked goes; one it had comes back.
        let out = restore_tables(
            "[tools]\nx = \"1\"\n[env]\nA = \"1\"\n",
            "[tools]\nx = \"1\"\n",
        )
        .unwrap();
        assert_eq!(out, "[tools]\nx = \"1\"\n");
        let out = restore_tables(
            "[tools]\nx = \"1\"\n",
            "[tools]\nx = \"1\"\n[env]\nA = \"1\"\n",
        )
        .unwrap();
        assert_eq!(out, "[tools]\nx = \"1\"\n[env]\nA = \"1\"\n");
    }
}
