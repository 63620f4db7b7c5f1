//! Multi-part artifacts: more archives joined with the main one into a
//! single store entry, as Rust toolchains are shipped (`rustc`, `cargo`,
//! `rust-std`, ... each its own tarball).
//!
//! Every part is downloaded into the same staging directory as the main
//! archive and verified against its own digest before anything is
//! unpacked, so the entry stays "complete or absent" and "nothing
//! unverified" (DESIGN invariants 1 and 2) whatever its number of parts.
//!
//! Layouts: `rust-installer` — each unpacked archive lists its components
//! in a `components` file, one directory each; their contents are merged
//! into the entry's root (what rust-installer's `install.sh` does), so
//! `rustc/bin/rustc` and `rust-std-*/lib/rustlib/...` end up as one
//! sysroot.

use crate::install::DigestMismatch;
use anyhow::{Context, Result, anyhow, bail};
use devenv_model::digest::Digest;
use devenv_model::lock::Artifact;
use devenv_net::fetch::Fetcher;
use devenv_store::archive;
use std::fs;
use std::path::Path;

pub(crate) use devenv_model::lock::layout::LAYOUTS;

/// Turns `staging/tree` (the unpacked main archive) and the artifact's
/// parts into the entry's tree; returns the bytes downloaded for parts.
pub(crate) fn assemble(
    tool: &str,
    artifact: &Artifact,
    layout: &str,
    staging: &Path,
    fetcher: &Fetcher,
    limits: &archive::Limits,
) -> Result<u64> {
    if !LAYOUTS.contains(&layout) {
        bail!("the lock asks for the layout `{layout}`, which this devenv does not know");
    }
    let tree = staging.join("tree");
    let unpacked = staging.join("parts");
    fs::create_dir_all(&unpacked)
        .with_context(|| format!("could not create {}", unpacked.display()))?;
    let main = unpacked.join("0");
    fs::rename(&tree, &main).with_context(|| format!("could not move {}", tree.display()))?;
    let mut bytes = 0;
    let mut dirs = vec![main];
    for (i, part) in artifact.parts.iter().enumerate() {
        let download = staging.join(format!("part-{}", i + 1));
        let (actual, n) =
            fetcher.download(&part.url, &download, part.digest.algorithm, &mut |_, _| {})?;
        check(tool, &part.url, &part.digest, actual)?;
        bytes += n;
        let dir = unpacked.join((i + 1).to_string());
        archive::unpack_with(&download, part.format, &dir, tool, limits)
            .with_context(|| format!("could not unpack `{tool}` from {}", part.url))?;
        fs::remove_file(&download).ok();
        dirs.push(dir);
    }
    fs::create_dir(&tree).with_context(|| format!("could not create {}", tree.display()))?;
    for dir in &dirs {
        merge_rust_installer(dir, &tree)?;
    }
    // Moving directories can change where a relative link points.
    archive::check_all_links(&tree)?;
    Ok(bytes)
}

fn check(tool: &str, url: &str, expected: &Digest, actual: Digest) -> Result<()> {
    if actual != *expected {
        bail!(DigestMismatch {
            tool: tool.to_string(),
            url: url.to_string(),
            expected: expected.clone(),
            actual,
        });
    }
    Ok(())
}

/// Moves the components `dir/components` lists into `tree`.
fn merge_rust_installer(dir: &Path, tree: &Path) -> Result<()> {
    let list = dir.join("components");
    let text = fs::read_to_string(&list).map_err(|_| {
        anyhow!(
            "{} is not a rust-installer archive (it has no `components` file)",
            dir.display()
        )
    })?;
    for component in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let plain = Path::new(component)
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)))
            && !component.contains('/');
        if !plain {
            bail!("the archive lists `{component}` as a component, which is not a plain name");
        }
        let src = dir.join(component);
        if !src.is_dir() {
            bail!("the archive lists the component `{component}` but has no such directory");
        }
        merge_dir(&src, tree)?;
    }
    Ok(())
}

/// Moves the contents of `src` into `dest`, merging directories; a later
/// file replaces an earlier one. rust-installer's own bookkeeping
/// (`manifest.in`) is left out.
fn merge_dir(src: &Path, dest: &Path) -> Result<()> {
    for entry in fs::read_dir(src).with_context(|| format!("could not read {}", src.display()))? {
        let entry = entry?;
        let name = entry.file_name();
        if name == "manifest.in" {
            continue;
        }
        let from = entry.path();
        let to = dest.join(&name);
        let kind = entry.file_type()?;
        if kind.is_dir() && !kind.is_symlink() {
            if to.is_dir() {
                merge_dir(&from, &to)?;
                continue;
            }
            if to.symlink_metadata().is_ok() {
                fs::remove_file(&to).ok();
            }
        } else if to.symlink_metadata().is_ok() {
            if to.is_dir() && !to.symlink_metadata()?.file_type().is_symlink() {
                fs::remove_dir_all(&to)?;
            } else {
                fs::remove_file(&to)?;
            }
        }
        fs::rename(&from, &to)
            .with_context(|| format!("could not move {} to {}", from.display(), to.display()))?;
    }
    Ok(())
}
