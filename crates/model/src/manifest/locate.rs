//! Errors found after parsing — by the resolver (a `source` the catalog
//! does not have) or by activation (`${VAR}` that is not set) — located in
//! the manifest's text like every parse error, with its line and a caret.

use super::validate::{Cx, display_path};
use super::{Manifest, ManifestError};
use toml_edit::Item;

impl Manifest {
    /// An error about the whole file, at its first line: for what has no
    /// place of its own in the text (a manifest built in memory).
    pub fn file_error(&self, message: String, help: Option<String>) -> ManifestError {
        ManifestError {
            file: display_path(&self.path),
            line: 1,
            column: 1,
            line_text: String::new(),
            width: 0,
            message,
            help,
        }
    }

    /// An error at the value of `keys` (`["tools", "node", "source"]`),
    /// narrowed to `needle` when the value's text contains it. `None` when
    /// the manifest has no such value (a manifest built in memory).
    pub fn value_error(
        &self,
        keys: &[&str],
        needle: Option<&str>,
        message: String,
        help: Option<String>,
    ) -> Option<ManifestError> {
        let (_, item) = self.find(keys)?;
        let mut span = item.span()?;
        if let Some(n) = needle
            && let Some(i) = self.source.get(span.clone()).and_then(|t| t.find(n))
        {
            span = span.start + i..span.start + i + n.len();
        }
        Some(self.cx().error(span, message, help))
    }

    /// An error at the key that ends `keys` (`["tools", "nodee"]`).
    pub fn key_error(
        &self,
        keys: &[&str],
        message: String,
        help: Option<String>,
    ) -> Option<ManifestError> {
        let (key_span, _) = self.find(keys)?;
        Some(self.cx().error(key_span?, message, help))
    }

    fn cx(&self) -> Cx<'_> {
        Cx {
            file: display_path(&self.path),
            source: &self.source,
        }
    }

    /// The span of the last key of `keys` and its item, in a fresh parse
    /// of the source (spans are only kept by a parsed document).
    fn find(&self, keys: &[&str]) -> Option<(Option<std::ops::Range<usize>>, Item)> {
        let doc = toml_edit::Document::parse(self.source.clone()).ok()?;
        let (last, parents) = keys.split_last()?;
        let mut table: &dyn toml_edit::TableLike = doc.as_table();
        for k in parents {
            table = table.get(k)?.as_table_like()?;
        }
        let key_span = table.key(last).and_then(|k| k.span());
        let item = table.get(last)?.clone();
        Some((key_span, item))
    }
}

/// Splits an error text "what; how to fix it" into message and help.
pub fn split_help(text: &str) -> (String, Option<String>) {
    match text.split_once("; ") {
        Some((m, h)) => (m.to_string(), Some(h.to_string())),
        None => (text.to_string(), None),
    }
}
