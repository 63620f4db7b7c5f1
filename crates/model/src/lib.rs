//! devenv's formats and rules: what a project declares (the manifest), what
//! it pins (the lock), the catalog of short names, the platforms, versions
//! and digests they are written in, the configuration, and the messages
//! every stage prints. No network and no store: every later stage reads
//! these types, and none of them reads a later stage.

// Tests write their fixtures and read the machine's variables directly.
#![cfg_attr(test, allow(clippy::disallowed_methods))]

pub mod aqua;
pub mod archive;
pub mod backend;
pub mod cache_spec;
pub mod catalog;
pub mod config;
pub mod digest;
pub mod edit;
pub mod error;
pub mod files;
pub mod lock;
pub mod manifest;
pub mod names;
pub mod parallel;
pub mod platform;
pub mod time;
pub mod ui;
pub mod version;

/// Whether a boolean value is on, leniently: what [`config::parse_flag`]
/// accepts, and anything it does not read as on. Settings themselves are
/// read strictly, once, by [`config::Config`].
pub fn flag_is_on(value: &str) -> bool {
    config::parse_flag(value).unwrap_or(true)
}
