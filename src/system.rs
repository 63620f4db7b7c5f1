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
            "the lock's source of `{name}` (`{}`) is not an absolute path to an interpreter; run `devenv update {name}`",
            tool.source
        )
    })?;
    let dir = bin_dir(store, exe);
    // The hot path (every `exec`): made before, and the interpreter is there.
    if dir.is_dir() && exe.is_file() {
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
