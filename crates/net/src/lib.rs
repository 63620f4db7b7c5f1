//! devenv's network: the one HTTP client ([`fetch::Fetcher`]: timeouts,
//! one retry policy, streaming digests, size limits) and the team caches
//! reached through it (OCI registries and image layouts, [`cache`]).

pub mod cache;
pub mod fetch;
