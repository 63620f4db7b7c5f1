//! devenv's network: the one HTTP client ([`fetch::Fetcher`]: timeouts,
//! one retry policy, streaming digests, size limits) and the team caches
//! reached through it (OCI registries and image layouts, [`cache`]).

// Tests write their fixtures and read the machine's variables directly.
#![cfg_attr(test, allow(clippy::disallowed_methods))]

pub mod cache;
pub mod credentials;
pub mod fetch;
