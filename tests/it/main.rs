//! The test suite: one binary, one module per behaviour, sharing the
//! harness in `common` (a temporary project and `DEVENV_HOME`, fixture
//! servers and archives, real shells). The smoke suite against the real
//! registries is `smoke_real`, ignored unless asked for.

// Tests write their fixtures and read the machine's variables directly.
#![allow(clippy::disallowed_methods)]

mod adhoc_shell;
mod aqua_builtin_registry;
mod archive_hostile;
mod archive_safety;
mod attest_verify;
mod backend_npm;
mod backend_pypi;
mod cache_limits;
mod cargo_crates;
mod catalog_release_tools;
mod ci;
mod closed_pipe;
mod common;
mod completions;
mod concurrent_install;
mod configuration;
mod credentials;
mod doc_examples;
mod docs;
mod edit_manifest;
mod enter;
mod exec_env;
mod exposes;
mod fetch;
mod fixture_server;
mod formats;
mod gc;
mod generations;
mod github_releases;
mod hook_bash;
mod hook_elvish;
mod hook_fish;
mod hook_nu;
mod hook_state_size;
mod hook_tcsh;
mod hook_xonsh;
mod hook_zsh;
mod init_import;
mod install_progress;
mod json_output;
mod layering;
mod lock;
mod manifest_errors;
mod node_runs;
mod npm_apps;
mod npm_scripts;
mod offline;
mod platform;
mod project_registries;
mod provenance_aqua;
mod provenance_lock;
mod provenance_material;
mod provenance_pypi_tree;
mod provenance_release;
mod pypi_app_cases;
mod pypi_apps;
mod python_interpreter;
mod registry_errors;
mod shared_commands;
mod shells;
mod smoke_real;
mod special_files;
mod status;
mod store_atomic;
mod tasks;
mod team_cache;
mod toolchains;
mod transport;
mod trust;
mod trust_boundary;
mod vendor_indexes;
mod version_grammar;
mod watch;
mod watch_hook;
mod workspace;
