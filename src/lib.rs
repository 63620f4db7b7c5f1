//! devenv: per-project development environments.
//!
//! The modules follow the pipeline of DESIGN.md:
//! manifest → resolve (backends) → lock → install (fetch, archive, store)
//! → activate → shell.

pub mod archive;
pub mod digest;
pub mod fetch;
pub mod platform;
