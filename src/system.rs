//! Host interpreters: `python = { version = "3.11", source = "system" }`
//! uses a Python this machine already has (for companies that provide
//! their own, and for machines that cannot download one).
//!
//! Such a pin is not reproducible, and says so: the lock records the
//! interpreter as `source = "system:<absolute path>"` with its version and
//! no artifact; `install` checks that the interpreter is there and is that
//! version (naming `devenv update` when not) when it first exposes it as
//! `python`, `python3`, `python3.X` and `pip` through links in a small
//! directory of devenv's home. Nothing is downloaded or verified by digest.

use crate::lock::{LockedTool, request_key};
use crate::manifest::{RegistryTool, Request};
use crate::store::Store;
use crate::version::{Constraint, Release, Scheme, Version};
use anyhow::{Context, Result, anyhow, bail};
use std::path::{Component, Path, PathBuf};
use std::process::Command;

/// The prefix of a system pin's `source` in the lock.
const PREFIX: &str = "system:";

/// The interpreter a system pin names, if `tool` is one. A path that is not
/// absolute and plain (no `..`) is not accepted: the lock is untrusted.
pub fn interpreter(tool: &LockedTool) -> Option<&Path> {
    let path = Path::new(tool.source.strip_prefix(PREFIX)?);
    let plain = path.is_absolute()
        && path
            .components()
            .all(|c| matches!(c, Component::RootDir | Component::Normal(_)));
    plain.then_some(path)
}

/// What one interpreter says about itself: (its real executable, version).
fn ask(candidate: &Path) -> Option<(PathBuf, String)> {
    let out = Command::new(candidate)
        .args([
            "-I",
            "-c",
            "import sys; print(sys.executable); print('%d.%d.%d' % sys.version_info[:3])",
        ])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    let text = String::from_utf8(out.stdout).ok()?;
    let mut lines = text.lines();
    let (exe, version) = (lines.next()?.trim(), lines.next()?.trim());
    (!exe.is_empty()).then(|| (PathBuf::from(exe), version.to_string()))
}

/// Every Python on `path` (the PATH value), by real executable, with its version.
fn candidates(path: &str) -> Vec<(PathBuf, String)> {
    let mut names = vec!["python3".to_string(), "python".to_string()];
    names.extend((6..=20).rev().map(|minor| format!("python3.{minor}")));
    let mut found: Vec<(PathBuf, String)> = Vec::new();
    for dir in std::env::split_paths(path) {
        for name in &names {
            let candidate = dir.join(name);
            if !candidate.is_file() {
                continue;
            }
            if let Some((exe, version)) = ask(&candidate)
                && !found.iter().any(|(e, _)| *e == exe)
            {
                found.push((exe, version));
            }
        }
    }
    found
}

/// Pins the newest Python on this machine's PATH that `tool.version` allows.
pub fn resolve(name: &str, tool: &RegistryTool) -> Result<LockedTool> {
    if name != "python" {
        bail!(
            "`source = \"system\"` is available for `python` only; `{name}` is pinned from a registry or index"
        );
    }
    let constraint: Constraint = tool.version.parse().map_err(|e: String| anyhow!(e))?;
    let path = std::env::var("PATH").unwrap_or_default();
    let found = candidates(&path);
    let releases: Vec<Release> = found
        .iter()
        .filter_map(|(_, v)| Version::parse(Scheme::Pep440, v))
        .map(Release::new)
        .collect();
    let release = constraint.select(&releases).map_err(|_| {
        let seen: Vec<String> = found
            .iter()
            .map(|(exe, v)| format!("{v} ({})", exe.display()))
            .collect();
        let seen = if seen.is_empty() {
            "none at all".to_string()
        } else {
            seen.join(", ")
        };
        anyhow!(
            "no Python on this machine's PATH satisfies `{}` (found: {seen}); install one, or drop `source = \"system\"` to let devenv pin one",
            tool.version
        )
    })?;
    let version = release.version.as_str().to_string();
    let (exe, _) = found
        .iter()
        .find(|(_, v)| *v == version)
        .expect("the selected release was found");
    crate::ui::warn(format!(
        "`{name}` is this machine's Python {version} ({}): not reproducible, as other machines need a Python {} of their own; drop `source = \"system\"` to pin one for every platform",
        exe.display(),
        tool.version
    ));
    Ok(LockedTool {
        version,
        requested: request_key(&Request::Registry(tool.clone())),
        source: format!("{PREFIX}{}", exe.display()),
        artifacts: Default::default(),
    })
}

/// The directory holding the commands of the system interpreter `exe`.
pub fn bin_dir(store: &Store, exe: &Path) -> PathBuf {
    let id = &crate::digest::sha256_hex(exe.as_os_str().as_encoded_bytes())[..16];
    store.home().join("system").join(id)
}

/// Checks that the pinned interpreter is still there and the same version,
/// and makes its commands directory.
pub fn install(store: &Store, name: &str, tool: &LockedTool) -> Result<()> {
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
    std::fs::write(
        &pip,
        format!("#!/bin/sh\nexec '{}' -m pip \"$@\"\n", exe.display()),
    )
    .with_context(|| format!("could not write {}", pip.display()))?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn tool(source: &str) -> LockedTool {
        LockedTool {
            version: "3.11.7".into(),
            requested: "3.11 source=system".into(),
            source: source.into(),
            artifacts: Default::default(),
        }
    }

    #[test]
    fn only_plain_absolute_paths_are_interpreters() {
        assert_eq!(
            interpreter(&tool("system:/usr/bin/python3.11")),
            Some(Path::new("/usr/bin/python3.11"))
        );
        assert_eq!(interpreter(&tool("system:python3")), None);
        assert_eq!(interpreter(&tool("system:/usr/../tmp/python")), None);
        assert_eq!(interpreter(&tool("pypi:python")), None);
    }
}
