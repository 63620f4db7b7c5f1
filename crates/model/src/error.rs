//! How failures reach the user: sentences, never debug dumps.
//!
//! Every error is an `anyhow::Error` whose chain reads as a sentence. Two
//! special types carry meaning for `main`: [`Exit`] (leave with a code,
//! print nothing — used by `exec` to pass on the child's status) and
//! [`crate::manifest::ManifestError`], which renders its own source excerpt.

/// "Exit with this status and print nothing."
#[derive(Debug, thiserror::Error)]
#[error("exit status {0}")]
pub struct Exit(pub i32);

/// A short, lowercase reason for an I/O error, without Rust's `(os error N)`.
pub fn io_reason(e: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    match e.kind() {
        NotFound => "it does not exist".into(),
        PermissionDenied => "permission denied".into(),
        AlreadyExists => "it already exists".into(),
        _ => {
            let s = e.to_string();
            let s = match s.find(" (os error") {
                Some(i) => s[..i].to_string(),
                None => s,
            };
            let mut c = s.chars();
            match c.next() {
                Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
                None => s,
            }
        }
    }
}

/// Adds "could not <what> <path>: <reason>" context to I/O results.
pub trait IoContext<T> {
    fn io_context(self, what: &str, path: &std::path::Path) -> anyhow::Result<T>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn io_context(self, what: &str, path: &std::path::Path) -> anyhow::Result<T> {
        self.map_err(|e| anyhow::anyhow!("could not {what} {}: {}", path.display(), io_reason(&e)))
    }
}
