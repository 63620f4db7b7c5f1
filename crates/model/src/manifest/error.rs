//! The one error type of manifest validation: where, what, and how to fix it.

use std::fmt;

/// A mistake in a manifest, located precisely enough to show the line.
#[derive(Debug, Clone)]
pub struct ManifestError {
    /// The file, as the user should read it (relative to the cwd when inside it).
    pub(crate) file: String,
    /// 1-based line and column (in characters).
    pub line: usize,
    pub column: usize,
    /// The text of the offending line and how many characters to underline.
    pub line_text: String,
    pub(crate) width: usize,
    pub message: String,
    pub help: Option<String>,
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let num = self.line.to_string();
        let pad = " ".repeat(num.len());
        writeln!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )?;
        writeln!(f, "{pad} |")?;
        // The line is quoted from the file: escape what a terminal would
        // obey, and put the caret under the escaped text.
        let escaped = crate::ui::escape_controls(&self.line_text);
        let before: String = self.line_text.chars().take(self.column - 1).collect();
        let marked: String = self
            .line_text
            .chars()
            .skip(self.column - 1)
            .take(self.width.max(1))
            .collect();
        let offset = crate::ui::escape_controls(&before).chars().count();
        let width = crate::ui::escape_controls(&marked).chars().count().max(1);
        writeln!(f, "{num} | {escaped}")?;
        write!(f, "{pad} | {}{}", " ".repeat(offset), "^".repeat(width))?;
        if let Some(help) = &self.help {
            write!(f, "\n{pad} = help: {help}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ManifestError {}
