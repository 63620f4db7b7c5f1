//! Edits to devenv.toml that keep its comments and layout: `devenv add`
//! and `devenv remove` change one entry of `[tools]` through
//! `toml_edit::DocumentMut` and leave every other byte as it was.

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
}
