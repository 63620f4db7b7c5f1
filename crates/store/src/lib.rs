//! devenv's machine state under `$DEVENV_HOME`: the content-addressed
//! store ([`store`]) and the safe unpacking that fills it ([`archive`]),
//! garbage collection ([`gc`]), each project's generations
//! ([`generations`]) and the trust records of `devenv allow` ([`trust`]).
//! It reads the model's types; it never resolves and never fetches.

// Tests write their fixtures and read the machine's variables directly.
#![cfg_attr(test, allow(clippy::disallowed_methods))]

pub mod archive;
mod decoders;
pub mod gc;
pub mod generations;
pub mod store;
pub mod trust;
