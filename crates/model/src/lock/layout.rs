//! The layouts a lock may name: how an artifact's parts or members become
//! one store entry. Nouns of the lock; the install stage assembles them.

/// The layouts devenv can assemble from parts.
pub const LAYOUTS: &[&str] = &["rust-installer"];

/// Whether `layout` is a Python tree's: `python-wheels-3.Y` (the wheels of
/// its members unpacked into `site-packages/`, run by Python 3.Y; see
/// `backends::pypi_tree`). Such an artifact has members, never parts.
pub(crate) fn is_python_wheels(layout: &str) -> bool {
    layout
        .strip_prefix(LAYOUT_PREFIX)
        .and_then(|v| v.strip_prefix("3."))
        .is_some_and(|m| !m.is_empty() && m.len() <= 3 && m.bytes().all(|b| b.is_ascii_digit()))
}

/// The prefix of the layout of a Python tree; the Python `X.Y` follows.
pub const LAYOUT_PREFIX: &str = "python-wheels-";

/// The Python `3.Y` of a tree's layout, if it is one.
pub fn layout_minor(layout: Option<&str>) -> Option<u32> {
    layout?
        .strip_prefix(LAYOUT_PREFIX)?
        .strip_prefix("3.")?
        .parse()
        .ok()
}
