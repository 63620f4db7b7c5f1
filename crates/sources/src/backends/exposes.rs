//! Nothing is locked that would install and provide nothing: every `bin`
//! entry of a pin (a directory to put on PATH, or `NAME=FILE`) must be in
//! the artifact, checked where the artifact's contents can be known before
//! downloading it (a wheel's zip directory, an npm package's `bin`).
//!
//! A refusal names the package, what it holds (entry points, data
//! directories, executables) and the `bin` to write instead.

use super::wheel::Contents;
use anyhow::{Result, bail};
use devenv_model::platform::Platform;
use std::collections::BTreeMap;

/// How many items of each kind a refusal lists.
const SHOWN: usize = 8;

/// Refuses `bin` unless each entry is in the wheel `contents`.
/// `tool` and `version` are the manifest's name and the pinned version.
pub(crate) fn check_wheel(
    tool: &str,
    version: &str,
    platform: Platform,
    url: &str,
    bin: &[String],
    contents: &Contents,
) -> Result<()> {
    let absent: Vec<&String> = bin.iter().filter(|b| !present(b, contents)).collect();
    if !bin.is_empty() && absent.is_empty() {
        return Ok(());
    }
    let file = url.rsplit('/').next().unwrap_or(url);
    let what = if absent.len() == bin.len() {
        "would expose nothing"
    } else {
        "would not expose everything it should"
    };
    let missing: Vec<String> = absent.iter().map(|b| format!("`{b}`")).collect();
    let mut msg = format!(
        "{tool} {version} {what} on {platform}: {file} has no {}.\nIt holds:\n",
        missing.join(", ")
    );
    let entry = if contents.entry_points.is_empty() {
        "(none)".to_string()
    } else {
        abbreviate(&contents.entry_points)
    };
    msg.push_str(&format!(
        "  entry points (Python console scripts, run by a Python): {entry}\n"
    ));
    let data = data_dirs(contents);
    msg.push_str(&format!(
        "  data directories: {}\n",
        if data.is_empty() {
            "(none)".into()
        } else {
            abbreviate(&data)
        }
    ));
    let exes: Vec<String> = contents
        .files
        .iter()
        .filter(|f| f.executable)
        .map(|f| f.path.clone())
        .collect();
    msg.push_str(&format!(
        "  executables: {}\n",
        if exes.is_empty() {
            "(none)".into()
        } else {
            abbreviate(&exes)
        }
    ));
    match suggested_dir(contents) {
        Some(dir) => msg.push_str(&format!(
            "Set `bin` to what goes on PATH, e.g. `{} = {{ version = \"{version}\", bin = [\"{dir}\"] }}` in [tools]",
            toml_key(tool)
        )),
        None if !contents.entry_points.is_empty() => msg.push_str(
            "It is a Python application: its commands are entry points that a Python interpreter runs, not executables devenv can put on PATH",
        ),
        None => msg.push_str(
            "It holds no executable, so it is not a tool devenv can put on PATH; check the package name",
        ),
    }
    bail!(msg)
}

/// Whether one bin entry names something in the wheel: a directory with
/// at least one file directly inside, or a file.
fn present(entry: &str, contents: &Contents) -> bool {
    match entry.split_once('=') {
        Some((_, file)) => contents.files.iter().any(|f| f.path == file),
        None => {
            let dir = entry.trim_end_matches('/');
            contents.files.iter().any(|f| {
                let parent = f.path.rsplit_once('/').map_or("", |(p, _)| p);
                parent == dir || (dir.is_empty() || dir == ".") && !f.path.contains('/')
            })
        }
    }
}

/// `{dist}-{version}.data/<kind>` directories.
fn data_dirs(contents: &Contents) -> Vec<String> {
    let mut dirs: Vec<String> = contents
        .files
        .iter()
        .filter_map(|f| {
            let mut parts = f.path.splitn(3, '/');
            let (top, kind) = (parts.next()?, parts.next()?);
            parts.next()?;
            top.ends_with(".data").then(|| format!("{top}/{kind}"))
        })
        .collect();
    dirs.sort();
    dirs.dedup();
    dirs
}

/// The directory holding the most executables, preferring those named
/// like the wheel's entry points (`cmake/data/bin` for cmake).
fn suggested_dir(contents: &Contents) -> Option<String> {
    let mut score: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for f in contents.files.iter().filter(|f| f.executable) {
        let (dir, name) = f.path.rsplit_once('/').unwrap_or((".", &f.path));
        if dir.ends_with(".dist-info") {
            continue;
        }
        let s = score.entry(dir).or_default();
        s.0 += contents.entry_points.iter().any(|e| e == name) as usize;
        s.1 += 1;
    }
    score
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0)))
        .map(|(dir, _)| dir.to_string())
}

fn abbreviate(items: &[String]) -> String {
    if items.len() > SHOWN {
        format!("{}, … ({} in all)", items[..SHOWN].join(", "), items.len())
    } else {
        items.join(", ")
    }
}

/// A tool name as a TOML key: bare when it can be, else quoted.
pub(crate) fn toml_key(name: &str) -> String {
    if !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        name.to_string()
    } else {
        format!("\"{name}\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backends::wheel::WheelFile;

    fn file(path: &str, executable: bool) -> WheelFile {
        WheelFile {
            path: path.into(),
            executable,
        }
    }

    /// cmake 3.30's wheel, abridged: binaries in a package directory,
    /// Python entry points, no `.data/scripts`.
    fn cmake() -> Contents {
        Contents {
            files: vec![
                file("cmake/__init__.py", false),
                file("cmake/data/bin/cmake", true),
                file("cmake/data/bin/cpack", true),
                file("cmake/data/bin/ctest", true),
                file("cmake/data/share/cmake-3.30/Modules/X.cmake", false),
                file("cmake-3.30.9.dist-info/entry_points.txt", false),
            ],
            entry_points: vec!["cmake".into(), "cpack".into(), "ctest".into()],
            ..Contents::default()
        }
    }

    fn lx() -> Platform {
        "linux-x86_64".parse().unwrap()
    }

    #[test]
    fn a_wheel_without_its_scripts_dir_is_refused_with_what_it_holds() {
        let err = check_wheel(
            "pypi:cmake",
            "3.30.9",
            lx(),
            "https://f/cmake-3.30.9-py3-none-manylinux_2_17_x86_64.whl",
            &["cmake-3.30.9.data/scripts".into()],
            &cmake(),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("pypi:cmake 3.30.9 would expose nothing on linux-x86_64: cmake-3.30.9-py3-none-manylinux_2_17_x86_64.whl has no `cmake-3.30.9.data/scripts`"), "{err}");
        assert!(
            err.contains(
                "entry points (Python console scripts, run by a Python): cmake, cpack, ctest"
            ),
            "{err}"
        );
        assert!(
            err.contains("executables: cmake/data/bin/cmake, cmake/data/bin/cpack"),
            "{err}"
        );
        assert!(
            err.contains(r#"`"pypi:cmake" = { version = "3.30.9", bin = ["cmake/data/bin"] }`"#),
            "{err}"
        );
    }

    #[test]
    fn directories_and_files_that_exist_pass() {
        let c = cmake();
        check_wheel("cmake", "3.30.9", lx(), "u", &["cmake/data/bin".into()], &c).unwrap();
        check_wheel(
            "cmake",
            "3.30.9",
            lx(),
            "u",
            &["cm=cmake/data/bin/cmake".into()],
            &c,
        )
        .unwrap();
        let err = check_wheel(
            "cmake",
            "3.30.9",
            lx(),
            "u",
            &["cmake/data/bin".into(), "x=cmake/data/bin/nope".into()],
            &c,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("would not expose everything it should"),
            "{err}"
        );
        assert!(err.contains("`x=cmake/data/bin/nope`"), "{err}");
    }

    #[test]
    fn pure_python_applications_are_named_as_such() {
        let c = Contents {
            files: vec![file("black/__init__.py", false)],
            entry_points: vec!["black".into()],
            ..Contents::default()
        };
        let err = check_wheel("pypi:black", "24.10.0", lx(), "u", &[], &c)
            .unwrap_err()
            .to_string();
        assert!(err.contains("It is a Python application"), "{err}");
    }
}
