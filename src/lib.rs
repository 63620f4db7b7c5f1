//! devenv: per-project development environments.
//!
//! The modules follow the pipeline of DESIGN.md:
//! manifest → resolve (backends) → lock → install (fetch, archive, store)
//! → activate → shell.

pub mod activate;
pub mod archive;
pub mod backends;
pub mod catalog;
pub mod cli;
pub mod digest;
pub mod edit;
pub mod error;
pub mod fetch;
pub mod gc;
pub mod generations;
pub mod install;
pub mod lock;
pub mod manifest;
pub mod platform;
pub mod project;
pub mod resolve;
pub mod shell;
pub mod store;
pub mod system;
pub mod trust;
pub mod ui;
pub mod version;
pub mod watch;

/// How every boolean environment variable of devenv (`DEVENV_FROZEN`,
/// `DEVENV_OFFLINE`) reads: on unless empty, `0`, `false` or `no`.
pub fn flag_is_on(value: &str) -> bool {
    !matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "" | "0" | "false" | "no"
    )
}
