//! Built entries: a crate pinned by its checksum, made into commands by
//! `cargo install --locked` in the staging directory, then committed like
//! any other entry.
//!
//! A team cache that holds the entry's build (tagged by its store key,
//! which covers the crate, the toolchain, the target and the features)
//! serves it instead, and nothing is compiled. Otherwise the `.crate` is
//! downloaded and verified against the lock, unpacked, checked to have a
//! binary target, and built from that very tree — cargo never downloads
//! the crate itself, only its dependencies, each pinned by the crate's own
//! `Cargo.lock` (`--locked`), from the index the lock names. The build
//! runs from `/` with a fresh `CARGO_HOME` whose `config.toml` points the
//! crate registry at that index, and without the caller's `CARGO_*` and
//! `RUSTFLAGS`-like variables or `.cargo/config.toml` files, which the
//! store key does not cover.

use super::{Job, check_digest, check_exposed};
use anyhow::{Context, Result, anyhow, bail};
use devenv_model::lock::{Artifact, Build, CRATES_DEFAULT_INDEX, Lock};
use devenv_model::platform::Platform;
use devenv_model::ui;
use devenv_net::cache::Downloads;
use devenv_store::archive;
use devenv_store::store::Store;
use std::collections::VecDeque;
use std::ffi::OsString;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// How many of cargo's last lines a failed build shows.
const TAIL_LINES: usize = 25;
/// The longest line of cargo's output kept for the tail.
const MAX_LINE: usize = 2048;

/// Where a build gets its toolchain from.
#[derive(Debug, Clone)]
pub(crate) struct Toolchain {
    /// The PATH the build runs with: the project's `rust` first when that
    /// builds it, then this machine's PATH (for the linker).
    pub(crate) path: OsString,
}

/// The toolchain of a built entry: the lock's `rust` in the store (now
/// installed) before this machine's PATH, or this machine's PATH alone.
pub(crate) fn toolchain(
    lock: &Lock,
    platform: Platform,
    store: &Store,
    artifact: &Artifact,
) -> Toolchain {
    let host = devenv_model::config::outer_var("PATH").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = Vec::new();
    let project = artifact
        .build
        .as_ref()
        .is_some_and(|b| b.project_rust().is_some());
    if project
        && let Some(rust) = lock.tools.get("rust")
        && let Some(a) = rust.artifacts.get(&platform)
    {
        let entry = store.entry_path(&a.entry_name("rust", &rust.version));
        dirs.extend(crate::activate::bin_dirs(&entry, &a.bin));
    }
    dirs.extend(std::env::split_paths(&host));
    Toolchain {
        path: std::env::join_paths(dirs).unwrap_or_else(|_| host.into()),
    }
}

/// Stages the built entry of `job` in `staging/tree`; returns the bytes
/// downloaded (the build's from a cache, or the crate's).
pub(crate) fn stage(
    job: &Job<'_>,
    build: &Build,
    staging: &Path,
    downloads: &Downloads,
    limits: &archive::Limits,
) -> Result<u64> {
    let a = job.artifact;
    let tree = staging.join("tree");
    let cached = staging.join("built.tar.gz");
    if let Some(bytes) = downloads.built(job.name, job.version, a, &cached) {
        match unpack_build(job, &cached, &tree, limits) {
            Ok(()) => {
                ui::info(format!(
                    "installed {} {} built with {} from the team cache ({})",
                    job.name,
                    job.version,
                    build.toolchain,
                    ui::human_bytes(bytes)
                ));
                return Ok(bytes);
            }
            // A build the cache holds but that is no usable entry: built
            // here instead, as when the cache has none.
            Err(e) => {
                ui::warn(format!("{e:#}; building it here instead"));
                devenv_store::store::remove_tree(&tree)?;
            }
        }
    }
    let Some(toolchain) = &job.toolchain else {
        bail!(
            "`{}` {} is built with {}, and this command has no toolchain to build it with",
            job.name,
            job.version,
            build.toolchain
        );
    };
    let download = staging.join("crate");
    let (actual, bytes) =
        downloads.download(job.name, job.version, a, &download, &mut |_, _| {})?;
    check_digest(job, actual)?;
    let source = staging.join("source");
    archive::unpack_file(&download, a.format, &source, "", limits).with_context(|| {
        format!(
            "could not unpack the crate of `{}` from {}",
            job.name, a.url
        )
    })?;
    check_has_binaries(job, &source)?;
    check_toolchain(job, build, toolchain)?;
    let started = Instant::now();
    ui::info(format!(
        "building {} {} with {} for {} (cargo install --locked)",
        job.name, job.version, build.toolchain, build.target
    ));
    cargo_install(job, build, toolchain, staging, &source, &tree, downloads)?;
    // cargo's records of what it installed name the staging directory.
    for record in [".crates.toml", ".crates2.json"] {
        let _ = std::fs::remove_file(tree.join(record));
    }
    check_exposed(&tree, &a.bin).with_context(|| {
        format!(
            "`{}` {} was built but provides no command",
            job.name, job.version
        )
    })?;
    ui::info(format!(
        "built {} {} ({:.1} s)",
        job.name,
        job.version,
        started.elapsed().as_secs_f64()
    ));
    Ok(bytes)
}

/// Unpacks a team cache's build of `job` into `tree`, which must then
/// provide the commands the pin names.
fn unpack_build(job: &Job<'_>, cached: &Path, tree: &Path, limits: &archive::Limits) -> Result<()> {
    archive::unpack_file(cached, job.artifact.format, tree, "", limits).with_context(|| {
        format!(
            "could not unpack the team cache's build of `{}` {}",
            job.name, job.version
        )
    })?;
    let _ = std::fs::remove_file(cached);
    check_exposed(tree, &job.artifact.bin).with_context(|| {
        format!(
            "the team cache's build of `{}` {} provides no command",
            job.name, job.version
        )
    })
}

/// Refuses a crate without a binary target before compiling anything: its
/// `Cargo.toml` lists none in `[[bin]]`, and it has no `src/main.rs` or
/// `src/bin/` that cargo would find on its own.
fn check_has_binaries(job: &Job<'_>, source: &Path) -> Result<()> {
    let manifest = source.join("Cargo.toml");
    let text = devenv_model::files::read_bounded(
        &manifest,
        devenv_model::files::MAX_MANIFEST,
        "the crate's Cargo.toml",
    )?
    .ok_or_else(|| anyhow!("the crate of `{}` has no Cargo.toml", job.name))?;
    let doc: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        anyhow!(
            "the Cargo.toml of `{}` is not TOML: {}",
            job.name,
            e.message()
        )
    })?;
    let listed = doc
        .get("bin")
        .and_then(|b| b.as_array())
        .is_some_and(|b| !b.is_empty());
    let autobins = doc
        .get("package")
        .and_then(|p| p.get("autobins"))
        .and_then(|v| v.as_bool())
        .unwrap_or(true);
    let found =
        autobins && (source.join("src/main.rs").is_file() || source.join("src/bin").is_dir());
    if !listed && !found {
        bail!(
            "`{}` {} has no binaries: the crate is a library, so there is no command to install (a crate's commands are its `[[bin]]` targets); look for the crate that provides the command",
            job.name,
            job.version
        );
    }
    Ok(())
}

/// Refuses to build with another `rustc` than the one the lock names
/// (this machine's may have changed since the lock was made).
fn check_toolchain(job: &Job<'_>, build: &Build, toolchain: &Toolchain) -> Result<()> {
    let path = toolchain.path.to_string_lossy();
    let found = devenv_sources::backends::cargo::host_rustc(&path);
    let wanted = build
        .system_rustc()
        .or_else(|| build.project_rust())
        .unwrap_or_default();
    match found {
        Some(v) if v == wanted => Ok(()),
        Some(v) => bail!(
            "`{}` {} is locked to be built with {}, and the rustc found is {v}; run `devenv update {}` to build it with this one, or install rustc {wanted}",
            job.name,
            job.version,
            build.toolchain,
            job.name
        ),
        None => bail!(
            "`{}` {} is built with {}, and no working `rustc` was found{}",
            job.name,
            job.version,
            build.toolchain,
            if build.system_rustc().is_some() {
                " on PATH; install Rust (https://rustup.rs) or drop `source = \"system\"` to build it with a pinned `rust`"
            } else {
                " in the project's `rust`"
            }
        ),
    }
}

/// Runs `cargo install --locked` of the unpacked crate at `source` into
/// `tree`, with a fresh `CARGO_HOME` pointing at the lock's index.
fn cargo_install(
    job: &Job<'_>,
    build: &Build,
    toolchain: &Toolchain,
    staging: &Path,
    source: &Path,
    tree: &Path,
    downloads: &Downloads,
) -> Result<()> {
    let home = staging.join("cargo-home");
    std::fs::create_dir(&home).map_err(|e| anyhow!("could not create {}: {e}", home.display()))?;
    if build.index != CRATES_DEFAULT_INDEX {
        // The index is validated with the lock: no quote can close the string.
        let config = format!(
            "[source.crates-io]\nreplace-with = \"devenv-index\"\n\n[source.devenv-index]\nregistry = \"{}\"\n",
            build.index
        );
        devenv_model::files::write_scratch(&home.join("config.toml"), config.as_bytes())?;
    }
    let cargo = which::which_in("cargo", Some(&toolchain.path), "/").map_err(|_| {
        anyhow!(
            "`{}` {} is built with {}, and no `cargo` was found on its PATH",
            job.name,
            job.version,
            build.toolchain
        )
    })?;
    let mut cmd = Command::new(cargo);
    cmd.arg("install")
        .arg("--locked")
        .arg("--path")
        .arg(source)
        .arg("--root")
        .arg(tree)
        .arg("--target")
        .arg(&build.target)
        .arg("--color")
        .arg("never");
    if !build.features.is_empty() {
        cmd.arg("--features").arg(build.features.join(","));
    }
    if downloads.fetcher.offline {
        cmd.arg("--offline");
    }
    // The caller's cargo and compiler settings would shape the build
    // without being part of its key.
    for (name, _) in devenv_model::config::outer_vars() {
        let text = name.to_string_lossy();
        if text.starts_with("CARGO_")
            || [
                "RUSTFLAGS",
                "RUSTDOCFLAGS",
                "RUSTC",
                "RUSTC_WRAPPER",
                "RUSTC_WORKSPACE_WRAPPER",
            ]
            .contains(&text.as_ref())
        {
            cmd.env_remove(&name);
        }
    }
    cmd.env("PATH", &toolchain.path)
        .env("CARGO_HOME", &home)
        .env("CARGO_TARGET_DIR", staging.join("target"))
        .env("CARGO_TERM_PROGRESS_WHEN", "never")
        // From `/`, cargo reads no `.cargo/config.toml` of the project or
        // the user's home (only the fresh CARGO_HOME's), and rustup picks
        // the toolchain the lock was checked against.
        .current_dir("/")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .map_err(|e| anyhow!("could not run cargo to build `{}`: {e}", job.name))?;
    let tail = read_tail(child.stderr.take().expect("stderr is piped"));
    let status = child
        .wait()
        .map_err(|e| anyhow!("could not wait for cargo building `{}`: {e}", job.name))?;
    if !status.success() {
        let shown: Vec<String> = tail.iter().map(|l| ui::escape_controls(l)).collect();
        bail!(
            "building `{}` {} with {} failed ({status}); cargo's last lines:\n  {}",
            job.name,
            job.version,
            build.toolchain,
            shown.join("\n  ")
        );
    }
    Ok(())
}

/// The last [`TAIL_LINES`] lines of `reader`, each cut at [`MAX_LINE`]
/// bytes; everything before is read and dropped.
fn read_tail(reader: impl std::io::Read) -> VecDeque<String> {
    let mut tail = VecDeque::new();
    let mut reader = BufReader::new(reader);
    let mut line = Vec::new();
    loop {
        line.clear();
        let read = (&mut reader)
            .take(MAX_LINE as u64)
            .read_until(b'\n', &mut line);
        match read {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        if !line.ends_with(b"\n") && line.len() == MAX_LINE {
            skip_line(&mut reader);
        }
        let text = String::from_utf8_lossy(&line).trim_end().to_string();
        if text.is_empty() {
            continue;
        }
        if tail.len() == TAIL_LINES {
            tail.pop_front();
        }
        tail.push_back(text);
    }
    tail
}

/// Drops the rest of the current line, however long, without keeping it.
fn skip_line(reader: &mut impl BufRead) {
    loop {
        let (used, done) = match reader.fill_buf() {
            Ok([]) | Err(_) => return,
            Ok(buf) => match buf.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (buf.len(), false),
            },
        };
        reader.consume(used);
        if done {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_build_keeps_only_its_last_lines() {
        let mut text = String::new();
        for i in 0..100 {
            text.push_str(&format!("line {i}\n"));
        }
        text.push_str(&"x".repeat(10_000));
        text.push_str("\nerror: the end\n");
        let tail = read_tail(text.as_bytes());
        assert_eq!(tail.len(), TAIL_LINES);
        assert_eq!(tail.back().unwrap(), "error: the end");
        assert!(tail.iter().all(|l| l.len() <= MAX_LINE));
        assert_eq!(tail.front().unwrap(), "line 77");
    }
}
