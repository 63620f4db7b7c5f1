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

use anyhow::{Result, anyhow, bail};
use devenv_model::lock::{LockedTool, request_key};
use devenv_model::manifest::{RegistryTool, Request};
use devenv_model::version::{Constraint, Release, Scheme, Version};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// The prefix of a system pin's `source` in the lock.
const PREFIX: &str = "system:";

/// The interpreter a system pin names, if `tool` is one. The lock is
/// untrusted, so only a canonical path is: absolute, written plainly (no
/// `.`, `..`, `//` or trailing `/`), and outside `/proc` and `/dev`, whose
/// links (`/proc/self/cwd/…`, `/dev/fd/…`) would name whatever the current
/// directory or an open file holds. Links elsewhere (`/usr/bin/python3`
/// to `python3.11`) are how systems install Python, and stay.
pub fn interpreter(tool: &LockedTool) -> Option<&Path> {
    let path = Path::new(tool.source.strip_prefix(PREFIX)?);
    is_canonical(path).then_some(path)
}

/// Whether `path` may be a system interpreter's (see [`interpreter`]).
pub fn is_canonical(path: &Path) -> bool {
    let plain = path.is_absolute()
        && path
            .components()
            .all(|c| matches!(c, Component::RootDir | Component::Normal(_)))
        && path.components().collect::<PathBuf>().as_os_str() == path.as_os_str();
    plain && !in_pseudo_fs(path)
}

/// Under `/proc` or `/dev`.
pub fn in_pseudo_fs(path: &Path) -> bool {
    path.starts_with("/proc") || path.starts_with("/dev")
}

/// Whether `path`, or any link on the way to its file, goes through
/// `/proc` or `/dev` (`/tmp/x` → `/proc/self/cwd/python3`). Resolving the
/// path would not tell: `/proc/self/cwd` resolves to a real directory.
/// A chain of more than 40 links counts as going there.
pub fn leads_into_pseudo_fs(path: &Path) -> bool {
    let mut path = normalize(path);
    for _ in 0..40 {
        if in_pseudo_fs(&path) {
            return true;
        }
        let mut prefix = PathBuf::new();
        let mut next = None;
        let components: Vec<Component> = path.components().collect();
        for (i, c) in components.iter().enumerate() {
            prefix.push(c);
            if let Ok(target) = std::fs::read_link(&prefix) {
                let mut joined = prefix.parent().unwrap_or(Path::new("/")).join(target);
                joined.extend(&components[i + 1..]);
                next = Some(normalize(&joined));
                break;
            }
        }
        match next {
            Some(n) => path = n,
            None => return false,
        }
    }
    true
}

/// `path` with `.` and `..` resolved as text.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::from("/");
    for c in path.components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::ParentDir => {
                out.pop();
            }
            _ => {}
        }
    }
    out
}

/// What one interpreter says about itself: (its real executable, version).
pub fn ask(candidate: &Path) -> Option<(PathBuf, String)> {
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

/// Every Python on `path` (the PATH value), by real executable, with its
/// version. The search asks each interpreter, which can be costly (a
/// version manager's shims each start the manager), so it runs once per
/// PATH in a process: one devenv command locks `python` and every PyPI
/// application's Python from the same answer.
fn candidates(path: &str) -> Vec<(PathBuf, String)> {
    static FOUND: Mutex<BTreeMap<String, Vec<(PathBuf, String)>>> = Mutex::new(BTreeMap::new());
    let mut found = FOUND
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    found
        .entry(path.to_string())
        .or_insert_with(|| search(path))
        .clone()
}

/// Asks every `python3`, `python` and `python3.X` on `path`; a file
/// reached twice (`python3` a link to `python3.11`) is asked once.
fn search(path: &str) -> Vec<(PathBuf, String)> {
    let mut names = vec!["python3".to_string(), "python".to_string()];
    names.extend((6..=20).rev().map(|minor| format!("python3.{minor}")));
    let mut found: Vec<(PathBuf, String)> = Vec::new();
    let mut asked: BTreeSet<PathBuf> = BTreeSet::new();
    for dir in std::env::split_paths(path) {
        for name in &names {
            let candidate = dir.join(name);
            if !candidate.is_file()
                || !asked.insert(std::fs::canonicalize(&candidate).unwrap_or(candidate.clone()))
            {
                continue;
            }
            // Only what the lock can name, and read back.
            if let Some((exe, version)) = ask(&candidate)
                && is_canonical(&exe)
                && !leads_into_pseudo_fs(&exe)
                && !found.iter().any(|(e, _)| *e == exe)
            {
                found.push((exe, version));
            }
        }
    }
    found
}

/// Pins the newest Python on this machine's PATH that `tool.version` allows.
pub(crate) fn resolve(name: &str, tool: &RegistryTool) -> Result<LockedTool> {
    if name != "python" {
        bail!(
            "`source = \"system\"` is available for `python` only; `{name}` is pinned from a registry or index"
        );
    }
    let constraint: Constraint = tool.version.parse().map_err(|e: String| anyhow!(e))?;
    let path = devenv_model::config::outer_var("PATH").unwrap_or_default();
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
    // Said once per command, however many trees this Python runs.
    static WARNED: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());
    let first = WARNED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(exe.clone());
    first.then(|| devenv_model::ui::warn(format!(
        "`{name}` is this machine's Python {version} ({}): not reproducible, as other machines need a Python {} of their own; drop `source = \"system\"` to pin one for every platform",
        exe.display(),
        tool.version
    )));
    Ok(LockedTool {
        version,
        requested: request_key(&Request::Registry(tool.clone())),
        source: format!("{PREFIX}{}", exe.display()),
        artifacts: Default::default(),
    })
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
        for path in [
            "system:/proc/self/cwd/venv/bin/python3",
            "system:/proc/1/root/usr/bin/python3",
            "system:/dev/fd/3",
            "system:/usr/bin//python3",
            "system:/usr/bin/python3/",
            "system:/usr/./bin/python3",
        ] {
            assert_eq!(interpreter(&tool(path)), None, "{path}");
        }
    }
}
