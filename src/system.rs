//! Installing a host interpreter's pin: checking that the interpreter the
//! lock names is still there and the same version, and exposing it through
//! a small commands directory of devenv's home. Resolving such a pin is
//! `devenv_sources::system`'s.

use anyhow::{Context, Result, anyhow, bail};
use devenv_model::lock::LockedTool;
use devenv_sources::system::ask;
pub(crate) use devenv_sources::system::interpreter;
use devenv_store::store::Store;
use std::path::{Path, PathBuf};

/// The file in an interpreter's commands directory recording which file,
/// at which version, was checked.
const STAMP: &str = ".interpreter";

/// The pinned `version` and the identity of the file `exe` leads to
/// (device, inode, size, modification time): what changes when the
/// interpreter is upgraded.
fn identity(exe: &Path, version: &str) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(exe).ok().filter(|m| m.is_file())?;
    Some(format!(
        "{version} {} {} {} {}.{}\n",
        m.dev(),
        m.ino(),
        m.size(),
        m.mtime(),
        m.mtime_nsec()
    ))
}

/// The directory holding the commands of the system interpreter `exe`.
pub(crate) fn bin_dir(store: &Store, exe: &Path) -> PathBuf {
    let id = &devenv_model::digest::sha256_hex(exe.as_os_str().as_encoded_bytes())[..16];
    store.home().join("system").join(id)
}

/// Checks that the pinned interpreter is still there and the same version,
/// and makes its commands directory.
pub(crate) fn install(store: &Store, name: &str, tool: &LockedTool) -> Result<()> {
    let exe = interpreter(tool).ok_or_else(|| {
        anyhow!(
            "the lock's source of `{name}` (`{}`) is not an interpreter: a system interpreter is a canonical absolute path outside /proc and /dev; run `devenv update {name}`",
            devenv_model::ui::escape_controls(&tool.source)
        )
    })?;
    // A link elsewhere into /proc or /dev is as bad as naming it.
    if devenv_sources::system::leads_into_pseudo_fs(exe) {
        bail!(
            "the lock's interpreter of `{name}` ({}) leads into /proc or /dev, which is never a system Python; run `devenv update {name}`",
            exe.display()
        );
    }
    let dir = bin_dir(store, exe);
    let stamp = dir.join(STAMP);
    let identity = identity(exe, &tool.version);
    // The hot path (every `exec`): made before, for the interpreter file as
    // it is now (one stat and one small read). An upgrade replaces the
    // file, or retargets the link, so the version is asked again.
    if dir.is_dir()
        && let Some(id) = &identity
        && devenv_model::files::read_bounded(&stamp, 4096, "interpreter stamp")
            .ok()
            .flatten()
            .as_deref()
            == Some(id.as_str())
    {
        return Ok(());
    }
    match ask(exe) {
        Some((_, version)) if version == tool.version => {}
        Some((_, version)) => bail!(
            "`{name}` is pinned to this machine's Python {} at {}, which is now Python {version}; system interpreters are not reproducible: run `devenv update {name}` to pin the one this machine has",
            tool.version,
            exe.display()
        ),
        None => bail!(
            "`{name}` is pinned to the system Python {} at {}, which does not run here; install it, or run `devenv update {name}` to pin the one this machine has",
            tool.version,
            exe.display()
        ),
    }
    if dir.is_dir() {
        if let Some(id) = &identity {
            devenv_model::files::write_atomic(&stamp, id.as_bytes())?;
        }
        return Ok(());
    }
    let parent = dir.parent().expect("the commands directory has a parent");
    std::fs::create_dir_all(parent)
        .with_context(|| format!("could not create {}", parent.display()))?;
    let staging = parent.join(format!(".tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir_all(&staging)
        .with_context(|| format!("could not create {}", staging.display()))?;
    let minor = tool.version.rsplit_once('.').map_or("3", |(mm, _)| mm);
    for command in ["python", "python3", &format!("python{minor}")] {
        std::os::unix::fs::symlink(exe, staging.join(command))
            .with_context(|| format!("could not link {command} in {}", staging.display()))?;
    }
    let pip = staging.join("pip");
    devenv_model::files::write_scratch(
        &pip,
        format!("#!/bin/sh\nexec '{}' -m pip \"$@\"\n", exe.display()),
    )?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&pip, std::fs::Permissions::from_mode(0o755))
        .with_context(|| format!("could not make {} executable", pip.display()))?;
    if let Some(id) = &identity {
        devenv_model::files::write_scratch(&staging.join(STAMP), id)?;
    }
    match std::fs::rename(&staging, &dir) {
        Ok(()) => Ok(()),
        // Another process made it meanwhile: theirs is as good.
        Err(_) if dir.is_dir() => {
            let _ = std::fs::remove_dir_all(&staging);
            Ok(())
        }
        Err(e) => Err(e).with_context(|| format!("could not create {}", dir.display())),
    }
}
