//! devenv: per-project development environments.
//!
//! The modules follow the pipeline of DESIGN.md:
//! manifest → resolve (backends) → lock → install (fetch, archive, store)
//! → activate → shell.

pub mod activate;
pub mod archive;
pub mod backends;
pub mod cache;
pub mod catalog;
pub mod cli;
pub mod components;
pub mod config;
pub mod digest;
pub mod edit;
pub mod error;
pub mod fetch;
pub mod files;
pub mod gc;
pub mod generations;
pub mod hook;
pub mod import;
pub mod install;
pub mod lock;
pub mod manifest;
pub mod platform;
pub mod project;
pub mod resolve;
pub mod scripts;
pub mod shell;
pub mod store;
pub mod system;
pub mod tasks;
pub mod trust;
pub mod ui;
pub mod version;
pub mod watch;

/// Whether a boolean value is on, leniently: what [`config::parse_flag`]
/// accepts, and anything it does not read as on. Settings themselves are
/// read strictly, once, by [`config::Config`].
pub fn flag_is_on(value: &str) -> bool {
    config::parse_flag(value).unwrap_or(true)
}
