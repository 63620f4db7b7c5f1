//! The layout of a Python application's store entry: its verified wheels
//! unpacked into `site-packages/`, its scripts in `bin/`, and a launcher
//! per console script run by the project's Python. Resolution (which
//! wheels) is `devenv_sources::backends::pypi_tree`'s; this is install's.

use anyhow::{Context, Result, anyhow, bail};
use devenv_model::lock::Member;
use devenv_sources::backends::pypi::WheelName;
use devenv_sources::backends::pypi_tree::entry_point_targets;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Lays out the verified wheels of a tree (`(member, downloaded file)`,
/// root package first) in `tree`: each wheel's contents in
/// `site-packages/`, its `.data/purelib` and `platlib` there too, its
/// `.data/scripts` in `bin/` (`headers` and `data` are dropped), then a
/// launcher in `bin/` for each `NAME=bin/NAME` of the artifact's `bin`
/// that is a console script of the requested package (the artifact's URL is
/// its wheel). Two wheels providing one file is an error naming both.
pub(crate) fn install(
    job: &crate::install::Job<'_>,
    minor: u32,
    wheels: &[(&Member, PathBuf)],
    staging: &Path,
    tree: &Path,
    limits: &devenv_store::archive::Limits,
) -> Result<()> {
    let (tool, root_url, bin) = (job.name, &job.artifact.url, &job.artifact.bin);
    let site = tree.join("site-packages");
    let bin_dir = tree.join("bin");
    for dir in [&site, &bin_dir] {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("could not create {}", dir.display()))?;
    }
    let mut owners: BTreeMap<PathBuf, String> = BTreeMap::new();
    for (i, (member, file)) in wheels.iter().enumerate() {
        let unpacked = staging.join(format!("wheel-{i}"));
        devenv_store::archive::unpack_with(
            file,
            devenv_model::archive::Format::Zip,
            &unpacked,
            "",
            limits,
        )
        .with_context(|| format!("could not unpack {} from {}", member.path, member.url))?;
        let owner = member.path.trim_start_matches("site-packages/").to_string();
        // Unpacking strips a lone top directory: a wheel of metadata only.
        let has_dist_info = read_dir(&unpacked)?
            .iter()
            .any(|e| e.to_string_lossy().ends_with(".dist-info"));
        if !has_dist_info {
            continue;
        }
        for entry in read_dir(&unpacked)? {
            let from = unpacked.join(&entry);
            if entry.to_string_lossy().ends_with(".data") && from.is_dir() {
                for kind in read_dir(&from)? {
                    let sub = from.join(&kind);
                    match kind.to_str() {
                        Some("purelib" | "platlib") => {
                            for e in read_dir(&sub)? {
                                merge(&sub.join(&e), &site.join(&e), &owner, &mut owners)?;
                            }
                        }
                        Some("scripts") => {
                            for e in read_dir(&sub)? {
                                let dest = bin_dir.join(&e);
                                merge(&sub.join(&e), &dest, &owner, &mut owners)?;
                                fix_script(&dest, minor)?;
                            }
                        }
                        _ => {}
                    }
                }
                continue;
            }
            merge(&from, &site.join(&entry), &owner, &mut owners)?;
        }
    }
    let root = root_url
        .rsplit('/')
        .next()
        .and_then(WheelName::parse)
        .ok_or_else(|| anyhow!("`{root_url}` is not a wheel's URL"))?;
    let entry_points = site
        .join(format!("{}-{}.dist-info", root.dist, root.version))
        .join("entry_points.txt");
    let text = std::fs::read_to_string(&entry_points).unwrap_or_default();
    let targets = entry_point_targets(&text);
    for b in bin {
        let Some((name, file)) = b.split_once('=') else {
            continue;
        };
        if file != format!("bin/{name}") || bin_dir.join(name).exists() {
            continue;
        }
        let Some(target) = targets.get(name) else {
            continue;
        };
        let path = bin_dir.join(name);
        devenv_model::files::write_scratch(&path, launcher(tool, name, target, minor))?;
        set_executable(&path)?;
    }
    Ok(())
}

fn read_dir(dir: &Path) -> Result<Vec<std::ffi::OsString>> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("could not read {}", dir.display()))?
        .map(|e| e.map(|e| e.file_name()))
        .collect::<std::io::Result<_>>()
        .with_context(|| format!("could not read {}", dir.display()))?;
    out.sort();
    Ok(out)
}

/// Moves `from` to `to`, merging directories (namespace packages); a file
/// that two wheels provide is an error naming both.
fn merge(
    from: &Path,
    to: &Path,
    owner: &str,
    owners: &mut BTreeMap<PathBuf, String>,
) -> Result<()> {
    let meta = std::fs::symlink_metadata(to);
    match meta {
        Err(_) => {
            std::fs::rename(from, to).with_context(|| {
                format!("could not move {} to {}", from.display(), to.display())
            })?;
            owners.insert(to.to_path_buf(), owner.to_string());
            Ok(())
        }
        Ok(m) if m.is_dir() && from.is_dir() => {
            for e in read_dir(from)? {
                merge(&from.join(&e), &to.join(&e), owner, owners)?;
            }
            Ok(())
        }
        Ok(_) => {
            let first = to
                .ancestors()
                .find_map(|a| owners.get(a))
                .map_or("another wheel", String::as_str);
            bail!(
                "the wheels of {first} and {owner} both provide {}; devenv does not let one overwrite the other",
                to.file_name().unwrap_or_default().to_string_lossy()
            )
        }
    }
}

/// Makes a wheel's script run with `python3.Y` from PATH: a first line of
/// `#!python` (what the wheel format asks installers to rewrite) becomes the
/// launcher's shell trampoline.
fn fix_script(path: &Path, minor: u32) -> Result<()> {
    let text = std::fs::read(path).with_context(|| format!("could not read {}", path.display()))?;
    if let Some(rest) = text.strip_prefix(b"#!python") {
        let body = match rest.iter().position(|&b| b == b'\n') {
            Some(n) => &rest[n + 1..],
            None => &[][..],
        };
        let mut out =
            format!("#!/bin/sh\n\"exec\" \"python3.{minor}\" \"-I\" \"$0\" \"$@\"\n{SITE_SETUP}")
                .into_bytes();
        out.extend_from_slice(body);
        devenv_model::files::write_scratch(path, out)?;
    }
    set_executable(path)
}

fn set_executable(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mut perms = std::fs::metadata(path)
        .with_context(|| format!("could not read {}", path.display()))?
        .permissions();
    perms.set_mode(perms.mode() | 0o755);
    std::fs::set_permissions(path, perms)
        .with_context(|| format!("could not make {} executable", path.display()))
}

/// Puts the entry's `site-packages` first on `sys.path` (with its `.pth`
/// files processed), found from the script's own location so the entry
/// holds no store path; and keeps Python's bytecode out of the store: the
/// store is read-only (for root too, whom permissions do not stop, so
/// writing there would change an entry `store verify` checks), so
/// compiled modules go under [`PYCACHE`] in the user's cache directory,
/// mirroring the source paths, and are reused from there. Without a cache
/// directory, none is written.
const SITE_SETUP: &str = "import os, site, sys\nc = os.environ.get(\"XDG_CACHE_HOME\") or os.path.join(os.environ.get(\"HOME\") or \"~\", \".cache\")\nif os.path.isabs(c): sys.pycache_prefix = os.path.join(c, \"devenv\", \"pycache\")\nelse: sys.dont_write_bytecode = True\nsp = os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(__file__))), \"site-packages\")\nn = len(sys.path); site.addsitedir(sp); sys.path[:0] = sys.path[n:]; del sys.path[n:]\n";

/// The console script `name` of `tool`: a sh/python polyglot that runs
/// `python3.Y` from PATH in isolated mode on itself.
fn launcher(
    tool: &str,
    name: &str,
    (module, attr, _): &(String, String, Vec<String>),
    minor: u32,
) -> String {
    let call = if attr.is_empty() {
        "import runpy\nrunpy.run_module(m.__name__, run_name=\"__main__\")\nsys.exit(0)".to_string()
    } else {
        format!(
            "f = m\nfor part in \"{attr}\".split(\".\"):\n    f = getattr(f, part)\nsys.exit(f())"
        )
    };
    format!(
        "#!/bin/sh\n# devenv: console script `{name}` of {tool}; runs the environment's python3.{minor}.\n\"exec\" \"python3.{minor}\" \"-I\" \"$0\" \"$@\"\n{SITE_SETUP}import importlib\nsys.argv[0] = \"{name}\"\nm = importlib.import_module(\"{module}\")\n{call}\n"
    )
}
