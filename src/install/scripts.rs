//! npm install scripts, run in a staged tree before it is committed.
//!
//! devenv installs an npm application's tree without npm, so it runs the
//! install scripts npm would — but only those of the packages the manifest
//! names in `allow_scripts`, never one the lock alone asks for. They run
//! at install time, on the host, inside the staging directory, so a
//! failing script leaves no store entry. For each allowed package
//! (dependencies before dependents, as npm orders them) its `preinstall`,
//! `install` and `postinstall` scripts from its own `package.json` run
//! with `sh -c` in the package's directory, with npm's lifecycle
//! variables and a PATH of the tree's `node_modules/.bin` directories and
//! the environment's `node` in front of the host's PATH.
//!
//! npm's implicit `node-gyp rebuild` (a package with `binding.gyp` and no
//! install script) is not done: such a package is named instead.

use anyhow::{Context, Result, anyhow, bail};
use devenv_model::lock::Member;
use devenv_model::ui;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};

/// The largest `package.json` read.
const MAX_PACKAGE_JSON: u64 = 4 << 20;

/// How many lines of a failed script's output are shown.
const TAIL_LINES: usize = 20;

/// The scripts npm runs when it installs a package, in its order.
const EVENTS: [&str; 3] = ["preinstall", "install", "postinstall"];

/// What a tree's install scripts need to run.
pub(crate) struct Scripts<'a> {
    /// The tool, for messages (`npm:app`).
    pub(crate) tool: &'a str,
    /// The staged tree (the entry's future root, holding `node_modules`).
    pub(crate) tree: &'a Path,
    /// Where the scripts' output is kept while they run (outside the tree).
    pub(crate) work: &'a Path,
    pub(crate) members: &'a [Member],
    /// The packages whose scripts may run.
    pub(crate) allowed: &'a [String],
    /// The bin directories of the environment's `node`; empty when the
    /// project has none (the host's `node` on PATH is used, with a warning).
    pub(crate) node_bin: &'a [PathBuf],
}

/// The parts of a `package.json` the scripts need.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PackageJson {
    name: Option<String>,
    version: Option<String>,
    scripts: BTreeMap<String, serde_json::Value>,
    dependencies: BTreeMap<String, serde_json::Value>,
    #[serde(rename = "optionalDependencies")]
    optional_dependencies: BTreeMap<String, serde_json::Value>,
    bin: Option<serde_json::Value>,
}

impl PackageJson {
    fn script(&self, event: &str) -> Option<&str> {
        self.scripts.get(event).and_then(|s| s.as_str())
    }
}

/// Runs the install scripts of the allowed packages of the tree; the first
/// failure stops and is returned, naming the package, the script, its
/// command, its exit status and the end of its output.
pub(crate) fn run(s: &Scripts<'_>) -> Result<()> {
    if s.allowed.is_empty() {
        return Ok(());
    }
    let mut packages: BTreeMap<&str, PackageJson> = BTreeMap::new();
    for m in s.members {
        Member::check_path(&m.path)?;
        packages.insert(&m.path, read_package(&s.tree.join(&m.path))?);
    }
    link_dot_bin(s.tree, &packages)?;
    let order = order(&packages, s.allowed);
    let node = node_path(s);
    for path in order {
        let package = &packages[path];
        let name = devenv_sources::backends::npm_tree::package_name(path);
        let version = package.version.as_deref().unwrap_or("");
        let dir = s.tree.join(path);
        let mut ran = false;
        for event in EVENTS {
            let Some(command) = package.script(event) else {
                continue;
            };
            ran = true;
            ui::info(format!("running {event} of {name} {version}"));
            run_one(s, &node, path, name, version, event, command, &dir)?;
        }
        if !ran && dir.join("binding.gyp").is_file() {
            ui::warn(format!(
                "{}: {name} {version} has a binding.gyp and no install script; npm would run `node-gyp rebuild` for it, devenv does not",
                s.tool
            ));
        }
    }
    Ok(())
}

fn read_package(dir: &Path) -> Result<PackageJson> {
    let file = dir.join("package.json");
    let Some(text) =
        devenv_model::files::read_bounded(&file, MAX_PACKAGE_JSON, "the package file")?
    else {
        bail!("{} does not exist", file.display());
    };
    serde_json::from_str(&text).map_err(|e| anyhow!("{} is not valid: {e}", file.display()))
}

/// The paths of the allowed packages in the order their scripts run: each
/// after every package it depends on (resolved as Node.js resolves
/// `require`: the nearest `node_modules` upward), cycles broken by path.
fn order<'p>(packages: &BTreeMap<&'p str, PackageJson>, allowed: &[String]) -> Vec<&'p str> {
    fn visit<'p>(
        path: &'p str,
        packages: &BTreeMap<&'p str, PackageJson>,
        allowed: &[String],
        seen: &mut BTreeSet<&'p str>,
        out: &mut Vec<&'p str>,
    ) {
        if !seen.insert(path) {
            return;
        }
        let package = &packages[path];
        let deps = package
            .dependencies
            .keys()
            .chain(package.optional_dependencies.keys());
        for dep in deps {
            if let Some(found) = resolve(path, dep, packages) {
                visit(found, packages, allowed, seen, out);
            }
        }
        let name = devenv_sources::backends::npm_tree::package_name(path);
        if allowed.iter().any(|a| a == name) {
            out.push(path);
        }
    }
    // Shallow packages first, so a cycle runs its outer package last.
    let mut roots: Vec<&'p str> = packages.keys().copied().collect();
    roots.sort_by_key(|p| (p.matches("node_modules/").count(), *p));
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for path in roots {
        visit(path, packages, allowed, &mut seen, &mut out);
    }
    out
}

/// The member that `require(dep)` finds from the package at `from`.
fn resolve<'p>(
    from: &str,
    dep: &str,
    packages: &BTreeMap<&'p str, PackageJson>,
) -> Option<&'p str> {
    let mut dir = from.to_string();
    loop {
        let candidate = format!("{dir}/node_modules/{dep}");
        if let Some((found, _)) = packages.get_key_value(candidate.as_str()) {
            return Some(found);
        }
        // Up one package: `node_modules/a/node_modules/b` → `node_modules/a`.
        match dir.rfind("/node_modules/") {
            Some(i) => dir.truncate(i),
            None => break,
        }
    }
    let top = format!("node_modules/{dep}");
    packages
        .get_key_value(top.as_str())
        .map(|(found, _)| *found)
}

/// Links the `bin` entries of the top-level packages into
/// `node_modules/.bin`, as npm does before running scripts (a script may
/// call a dependency's command, such as `node-gyp-build`).
fn link_dot_bin(tree: &Path, packages: &BTreeMap<&str, PackageJson>) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let dot_bin = tree.join("node_modules/.bin");
    for (path, package) in packages {
        let name = devenv_sources::backends::npm_tree::package_name(path);
        if *path != format!("node_modules/{name}") {
            continue;
        }
        let links: Vec<(String, String)> = match &package.bin {
            Some(serde_json::Value::String(file)) => {
                let own = package.name.as_deref().unwrap_or(name);
                vec![(
                    own.rsplit('/').next().unwrap_or(own).to_string(),
                    file.clone(),
                )]
            }
            Some(serde_json::Value::Object(map)) => map
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect(),
            _ => Vec::new(),
        };
        for (command, file) in links {
            let file = file.trim_start_matches("./");
            let plain =
                !command.is_empty() && !command.contains('/') && command != "." && command != "..";
            let inside = !file.is_empty()
                && Path::new(file)
                    .components()
                    .all(|c| matches!(c, Component::Normal(_)));
            let target = tree.join(path).join(file);
            if !plain || !inside || !target.is_file() {
                continue;
            }
            fs::create_dir_all(&dot_bin)
                .with_context(|| format!("could not create {}", dot_bin.display()))?;
            let link = dot_bin.join(&command);
            if link.symlink_metadata().is_ok() {
                continue;
            }
            let rel = Path::new("..")
                .join(&path["node_modules/".len()..])
                .join(file);
            std::os::unix::fs::symlink(&rel, &link)
                .with_context(|| format!("could not create {}", link.display()))?;
            let mut perms = fs::metadata(&target)
                .with_context(|| format!("could not read {}", target.display()))?
                .permissions();
            perms.set_mode(perms.mode() | 0o755);
            fs::set_permissions(&target, perms)
                .with_context(|| format!("could not make {} executable", target.display()))?;
        }
    }
    Ok(())
}

/// The `node` the scripts get: the environment's, else the host's (said).
fn node_path(s: &Scripts<'_>) -> Option<PathBuf> {
    if let Some(node) = s
        .node_bin
        .iter()
        .map(|d| d.join("node"))
        .find(|n| n.is_file())
    {
        return Some(node);
    }
    let host = which::which("node").ok();
    let names = s.allowed.join(", ");
    match &host {
        Some(node) => ui::warn(format!(
            "{}: the project has no `node` tool, so the install scripts of {names} run with the node found on PATH ({}); add `node = \"22\"` to [tools] to pin the one they run with",
            s.tool,
            node.display()
        )),
        None => ui::warn(format!(
            "{}: the project has no `node` tool and there is none on PATH; the install scripts of {names} that need node will fail. Add `node = \"22\"` to [tools]",
            s.tool
        )),
    }
    host
}

/// Runs one script; an error says everything needed to act on it.
#[allow(clippy::too_many_arguments)]
fn run_one(
    s: &Scripts<'_>,
    node: &Option<PathBuf>,
    path: &str,
    name: &str,
    version: &str,
    event: &str,
    command: &str,
    dir: &Path,
) -> Result<()> {
    let log_file = s.work.join("script-output");
    let log = fs::File::create(&log_file)
        .with_context(|| format!("could not create {}", log_file.display()))?;
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(command)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(
            log.try_clone()
                .context("could not share the script's output file")?,
        )
        .stderr(log)
        .env("PATH", script_path(s, path, node))
        .env("npm_lifecycle_event", event)
        .env("npm_lifecycle_script", command)
        .env("npm_package_name", name)
        .env("npm_package_version", version)
        .env("npm_package_json", dir.join("package.json"))
        .env("INIT_CWD", s.tree)
        .env_remove("npm_config_ignore_scripts")
        .env_remove("NPM_CONFIG_IGNORE_SCRIPTS");
    if let Some(node) = node {
        cmd.env("npm_node_execpath", node).env("NODE", node);
    }
    let status = cmd
        .status()
        .with_context(|| format!("could not start `sh` to run the {event} script of {name}"))?;
    if status.success() {
        return Ok(());
    }
    let how = match (
        status.code(),
        std::os::unix::process::ExitStatusExt::signal(&status),
    ) {
        (Some(code), _) => format!("exit status {code}"),
        (None, Some(signal)) => format!("signal {signal}"),
        _ => "an unknown status".to_string(),
    };
    let tail = tail(&log_file);
    let shown = if tail.is_empty() {
        "  (it printed nothing)".to_string()
    } else {
        tail.lines()
            .map(|l| format!("    {l}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    bail!(
        "the {event} script of {name} {version} ({path}) failed with {how}, so `{tool}` was not installed\n  command: {}\n  last lines of its output:\n{shown}\nFix what the script needs and run the command again, or remove \"{name}\" from `allow_scripts` of `{tool}` in devenv.toml to install it without running the script",
        ui::escape_controls(command),
        tool = s.tool
    )
}

/// PATH for a script of the package at `path`: the `node_modules/.bin` of
/// the package and of each package above it, the environment's node, then
/// the host's PATH (for `sh`, `cp`, compilers...), as npm builds it.
fn script_path(s: &Scripts<'_>, path: &str, node: &Option<PathBuf>) -> std::ffi::OsString {
    let mut dirs: Vec<PathBuf> = Vec::new();
    let mut rel = path.to_string();
    loop {
        dirs.push(s.tree.join(&rel).join("node_modules/.bin"));
        match rel.rfind("/node_modules/") {
            Some(i) => rel.truncate(i),
            None => break,
        }
    }
    dirs.push(s.tree.join("node_modules/.bin"));
    dirs.extend(s.node_bin.iter().cloned());
    if let Some(dir) = node.as_ref().and_then(|n| n.parent())
        && !dirs.iter().any(|d| d == dir)
    {
        dirs.push(dir.to_path_buf());
    }
    if let Some(host) = devenv_model::config::outer_var_os("PATH") {
        dirs.extend(std::env::split_paths(&host));
    }
    std::env::join_paths(dirs).unwrap_or_default()
}

/// The last [`TAIL_LINES`] lines of a script's output (from its last 64
/// KiB), made safe to print.
fn tail(file: &Path) -> String {
    let mut bytes = Vec::new();
    if let Ok(mut f) = fs::File::open(file) {
        let len = f.metadata().map(|m| m.len()).unwrap_or(0);
        let _ = f.seek(SeekFrom::Start(len.saturating_sub(64 * 1024)));
        let _ = f.take(64 * 1024).read_to_end(&mut bytes);
    }
    let text = String::from_utf8_lossy(&bytes);
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(TAIL_LINES);
    ui::escape_controls(&lines[start..].join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(deps: &[&str]) -> PackageJson {
        PackageJson {
            dependencies: deps
                .iter()
                .map(|d| (d.to_string(), serde_json::Value::from("*")))
                .collect(),
            ..PackageJson::default()
        }
    }

    #[test]
    fn dependencies_run_before_their_dependents() {
        let packages: BTreeMap<&str, PackageJson> = BTreeMap::from([
            ("node_modules/app", package(&["lib", "mid"])),
            ("node_modules/lib", package(&[])),
            ("node_modules/mid", package(&["lib"])),
            ("node_modules/mid/node_modules/lib", package(&["base"])),
            ("node_modules/base", package(&["app"])),
        ]);
        let all = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        assert_eq!(
            order(&packages, &all(&["app", "lib", "mid", "base"])),
            vec![
                "node_modules/lib",
                "node_modules/base",
                "node_modules/mid/node_modules/lib",
                "node_modules/mid",
                "node_modules/app",
            ],
            "mid's own lib (nested) is the one it resolves; base's cycle back to app is broken"
        );
        assert_eq!(order(&packages, &all(&["mid"])), vec!["node_modules/mid"]);
    }
}
