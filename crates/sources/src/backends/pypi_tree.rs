//! Python applications with dependencies (`pypi:black`): uv resolves the
//! tree, devenv pins and installs it.
//!
//! At lock time devenv installs uv into the store like any tool (the
//! catalog's `uv` at [`UV_ENGINE`], whatever the project pins as its own
//! `uv` tool, whose command line may differ) and,
//! for every locked platform, runs
//! `uv pip compile --format pylock.toml --no-build --python-platform T
//! --python-version X.Y.Z` on a requirement of exactly the version devenv
//! picked. uv writes a PEP 751 `pylock.toml` listing every package of the
//! tree for that platform with its wheels' URLs and sha256; devenv chooses
//! one wheel per package and records each as a member of the tool's tree,
//! at `site-packages/NAME`, in the layout `python-wheels-X.Y`. Installing
//! needs no uv: devenv downloads and verifies every wheel itself, unpacks
//! them into `site-packages/`, and writes each console script of the
//! requested package as a small launcher that runs `pythonX.Y` from PATH
//! (the project's `python`).

use super::pypi::WheelName;
use anyhow::{Context, Result, anyhow, bail};
use devenv_model::digest::Digest;
use devenv_model::lock::{Artifact, LockedTool, Member};
use devenv_model::manifest::{Manifest, RegistryTool, Request};
use devenv_model::platform::{Arch, Os, Platform};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The uv release line devenv resolves trees with. A project's own `uv`
/// tool is the project's: an older uv lacks the options devenv passes.
pub(crate) const UV_ENGINE: &str = "0.13";

pub(crate) use devenv_model::lock::layout::{LAYOUT_PREFIX, layout_minor};

/// The largest pylock.toml read, and the most packages in one tree.
const MAX_PYLOCK_BYTES: u64 = 16 * 1024 * 1024;
const MAX_PACKAGES: usize = 2000;

/// `pylock.toml` (PEP 751), the parts devenv reads.
#[derive(Debug, Deserialize)]
struct PyLock {
    #[serde(rename = "lock-version")]
    lock_version: String,
    #[serde(default)]
    packages: Vec<PyPackage>,
}

#[derive(Debug, Deserialize)]
struct PyPackage {
    name: String,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    wheels: Vec<PyWheel>,
}

#[derive(Debug, Deserialize)]
struct PyWheel {
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    hashes: BTreeMap<String, String>,
}

pub(crate) use devenv_model::names::pypi_normalize as normalize;

/// How well a wheel's tags suit CPython `minor` (3.`minor`) on `platform`;
/// higher is better, `None` if not at all: an exact `cp3Y-cp3Y` build first,
/// then `abi3`, then pure Python for the platform, then `py3-none-any`.
fn wheel_score(w: &WheelName, minor: u32, platform: Platform) -> Option<(u8, (u8, i64))> {
    let exact = format!("cp3{minor}");
    let abi3 = |p: &str| {
        p.strip_prefix("cp3")
            .and_then(|m| m.parse::<u32>().ok())
            .is_some_and(|m| m <= minor)
    };
    let kind = if w.python.contains(&exact) && w.abi.contains(&exact) {
        4
    } else if w.abi.iter().any(|a| a == "abi3") && w.python.iter().any(|p| abi3(p)) {
        3
    } else if w.abi.iter().any(|a| a == "none")
        && w.python.iter().any(|p| p == "py3" || p == &exact)
    {
        if w.platforms.iter().all(|p| p == "any") {
            1
        } else {
            2
        }
    } else {
        return None;
    };
    let plat = if w.platforms.iter().any(|p| p == "any") {
        Some((0, 0))
    } else {
        w.platforms
            .iter()
            .filter_map(|t| plat_score(t, platform))
            .max()
    }?;
    Some((kind, plat))
}

/// A platform tag's fit for `platform` (see `pypi.rs`), also for macOS tags
/// that name no architecture of ours.
fn plat_score(tag: &str, platform: Platform) -> Option<(u8, i64)> {
    let probe = WheelName {
        dist: String::new(),
        version: String::new(),
        python: vec!["py3".into()],
        abi: vec!["none".into()],
        platforms: vec![tag.to_string()],
    };
    probe.score(platform)
}

/// One package's chosen wheel.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Chosen {
    pub(crate) name: String,
    pub(crate) url: String,
    pub(crate) digest: Digest,
}

/// The tree in uv's pylock `text`: one wheel per package for CPython
/// 3.`minor` on `platform`.
pub(crate) fn parse(text: &str, minor: u32, platform: Platform) -> Result<Vec<Chosen>> {
    let lock: PyLock = toml::from_str(text)
        .map_err(|e| anyhow!("uv wrote a pylock.toml devenv cannot read: {}", e.message()))?;
    if !lock.lock_version.starts_with("1.") {
        bail!(
            "uv wrote a pylock.toml of lock-version {}; devenv reads 1.x",
            lock.lock_version
        );
    }
    if lock.packages.len() > MAX_PACKAGES {
        bail!(
            "the tree has {} packages; devenv locks at most {MAX_PACKAGES}",
            lock.packages.len()
        );
    }
    let mut out = Vec::new();
    for p in &lock.packages {
        let name = normalize(&p.name);
        let plain = !name.is_empty()
            && name.len() <= 200
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !plain {
            bail!(
                "uv's pylock.toml names a package `{}`",
                p.name.escape_debug()
            );
        }
        let version = p.version.as_deref().unwrap_or("?");
        let best = p
            .wheels
            .iter()
            .filter_map(|w| {
                let url = w.url.as_deref()?;
                let file = w
                    .name
                    .as_deref()
                    .or_else(|| url.rsplit('/').next())
                    .map(|f| f.split(['#', '?']).next().unwrap_or(f))?;
                let score = wheel_score(&WheelName::parse(file)?, minor, platform)?;
                Some((score, file.to_string(), w, url))
            })
            .max_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.cmp(&a.1)));
        let Some((_, file, wheel, url)) = best else {
            bail!(
                "{name} {version} has no wheel for CPython 3.{minor} on {platform} (devenv installs wheels only, never builds source archives)"
            );
        };
        if url.len() > 8192 || !(url.starts_with("https://") || url.starts_with("http://")) {
            bail!("the wheel {file} of {name} has no https or http URL in uv's pylock.toml");
        }
        let hex = wheel
            .hashes
            .get("sha256")
            .ok_or_else(|| anyhow!("{file} has no sha256 in uv's pylock.toml"))?;
        let digest = Digest::sha256_from_hex(hex)
            .ok_or_else(|| anyhow!("the sha256 of {file} is malformed: `{hex}`"))?;
        out.push(Chosen {
            name,
            url: url.to_string(),
            digest,
        });
    }
    Ok(out)
}

/// uv's name for `platform` (`--python-platform`): the glibc 2.17 floor on Linux.
fn uv_platform(platform: Platform) -> &'static str {
    match (platform.os, platform.arch) {
        (Os::Linux, Arch::X86_64) => "x86_64-manylinux_2_17",
        (Os::Linux, Arch::Aarch64) => "aarch64-manylinux_2_17",
        (Os::Macos, Arch::X86_64) => "x86_64-apple-darwin",
        (Os::Macos, Arch::Aarch64) => "aarch64-apple-darwin",
    }
}

/// The manifest's `python` request, or the error saying to add one.
fn python_request<'m>(
    manifest: &'m Manifest,
    label: &str,
    version: &str,
) -> Result<&'m RegistryTool> {
    manifest
        .tools
        .iter()
        .find_map(|t| match (&t.request, t.name.as_str()) {
            (Request::Registry(r), "python") => Some(r),
            _ => None,
        })
        .ok_or_else(|| {
            anyhow!(
                "{label} {version} is a Python application: it runs with the project's `python`, and devenv.toml has none. Add `python = \"3.12\"` (or `python = {{ version = \"3.12\", source = \"system\" }}` for this machine's) to [tools]"
            )
        })
}

/// The full version of the project's `python` (`3.11.7`) on this machine,
/// when the manifest declares one that can be pinned; what a PyPI
/// release's `Requires-Python` is checked against. A `python` that cannot
/// be pinned is reported where the tree needs it, not here.
pub(crate) fn project_python(manifest: &Manifest, cx: &crate::Cx<'_>) -> Option<String> {
    let python = python_request(manifest, "", "").ok()?;
    super::resolve_registry("python", python, manifest, &[cx.platform()], cx)
        .ok()
        .map(|py| py.version)
}

/// The PyPI application a tree is resolved for.
#[derive(Clone, Copy)]
pub(crate) struct Application<'a> {
    /// Its distribution name (`black`).
    pub(crate) package: &'a str,
    /// The extras asked for with it, normalized (`d`).
    pub(crate) extras: &'a [String],
    /// How messages name it (`pypi:black`).
    pub(crate) label: &'a str,
    /// The exact version to resolve.
    pub(crate) version: &'a str,
    /// The manifest's `bin`: the commands to expose, when not all.
    pub(crate) bin: Option<&'a [String]>,
}

/// Installs the uv engine for this machine and returns its executable.
fn engine(manifest: &Manifest, cx: &crate::Cx<'_>) -> Result<(PathBuf, String)> {
    let tool = RegistryTool {
        version: UV_ENGINE.to_string(),
        source: None,
        bin: None,
        asset: None,
        components: Vec::new(),
        targets: Vec::new(),
        extras: Vec::new(),
        allow_scripts: Vec::new(),
        provenance: None,
        features: Vec::new(),
    };
    let host = cx.platform();
    let locked = super::resolve_registry("uv", &tool, manifest, &[host], cx)
        .context("devenv resolves Python trees with uv, and could not pin it")?;
    let artifact = locked
        .artifacts
        .get(&host)
        .ok_or_else(|| anyhow!("uv has no build for {host}"))?;
    let entry = cx
        .installer
        .install("uv", &locked.version, artifact)
        .context("could not install uv, the engine that resolves Python trees")?;
    let exe = artifact
        .bin
        .iter()
        .map(|b| entry.join(b.split_once('=').map_or(b.as_str(), |(_, f)| f)))
        .map(|p| if p.is_dir() { p.join("uv") } else { p })
        .find(|p| p.is_file())
        .ok_or_else(|| anyhow!("the uv in {} has no `uv` executable", entry.display()))?;
    Ok((exe, locked.version))
}

/// Pins the tree of `package` at `version` for every platform, run by the
/// manifest's `python`.
pub(crate) fn resolve(
    name: &str,
    app: &Application<'_>,
    manifest: &Manifest,
    platforms: &[Platform],
    cx: &crate::Cx<'_>,
) -> Result<LockedTool> {
    let Application {
        package,
        extras,
        label,
        version,
        bin: _,
    } = *app;
    // What uv is asked for: `black[d]==24.10.0`.
    let requirement = match extras {
        [] => package.to_string(),
        _ => format!("{package}[{}]", extras.join(",")),
    };
    let python = python_request(manifest, label, version)?;
    let host = cx.platform();
    let py = super::resolve_registry("python", python, manifest, &[host], cx)
        .context("the tree's Python could not be pinned")?;
    let full = py.version.clone();
    let minor: u32 = full
        .split('.')
        .nth(1)
        .and_then(|m| m.parse().ok())
        .filter(|_| full.starts_with("3."))
        .ok_or_else(|| anyhow!("`python` is pinned to {full}, which is not a Python 3.X.Y"))?;
    let host_python = crate::system::interpreter(&py)
        .map(Path::to_path_buf)
        .or_else(|| which::which("python3").ok())
        .ok_or_else(|| {
            anyhow!("uv needs a Python on this machine to resolve {label}: none is on PATH")
        })?;
    let (uv, uv_version) = engine(manifest, cx)?;
    let index = super::Mirrors::new(cx.config, Some(manifest)).base(super::Backend::Pypi);
    let uv_cache = cx.cache.join("uv");
    let work = std::env::temp_dir().join(format!(
        "devenv-pypi-tree-{}-{}",
        std::process::id(),
        &devenv_model::digest::sha256_hex(format!("{requirement}=={version}").as_bytes())[..12]
    ));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)
        .with_context(|| format!("could not create {}", work.display()))?;
    let results: Vec<(Platform, Result<Vec<Chosen>>)> = std::thread::scope(|s| {
        let handles: Vec<_> = platforms
            .iter()
            .map(|&platform| {
                let (work, uv, uv_cache, host_python, index, full, requirement) = (
                    &work,
                    &uv,
                    &uv_cache,
                    &host_python,
                    &index,
                    &full,
                    &requirement,
                );
                s.spawn(move || {
                    let text = compile(
                        uv,
                        uv_cache,
                        work,
                        host_python,
                        index,
                        requirement,
                        version,
                        platform,
                        full,
                    );
                    (platform, text.and_then(|t| parse(&t, minor, platform)))
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("uv thread panicked"))
            .collect()
    });
    let _ = std::fs::remove_dir_all(&work);
    let root = normalize(package);
    let mut artifacts = BTreeMap::new();
    let mut scripts: Option<Vec<String>> = None;
    for (platform, chosen) in results {
        let chosen = chosen.with_context(|| format!("{label} {version} for {platform}"))?;
        let Some(top) = chosen.iter().find(|c| c.name == root) else {
            bail!("uv's tree for {platform} does not contain {package} itself");
        };
        if scripts.is_none() {
            let contents = super::wheel::contents(&top.url, cx.fetcher, !extras.is_empty())
                .with_context(|| {
                    format!("could not read what the wheel of {label} {version} holds")
                })?;
            if let Some(unknown) = extras.iter().find(|e| !contents.extras.contains(e)) {
                let declared = match contents.extras.as_slice() {
                    [] => "none: remove `extras`".to_string(),
                    known => format!(
                        "{} (extras = [{}])",
                        known.join(", "),
                        known
                            .iter()
                            .map(|e| format!("\"{e}\""))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                let message =
                    format!("{label} {version} has no extra `{unknown}`; it declares {declared}");
                let help =
                    "name only extras the package declares (its `Provides-Extra`)".to_string();
                return Err(
                    match manifest.key_error(
                        &["tools", name, "extras"],
                        message.clone(),
                        Some(help),
                    ) {
                        Some(located) => located.into(),
                        None => anyhow!(message),
                    },
                );
            }
            scripts = Some(commands(&contents, app, name, manifest)?);
        }
        let commands = scripts.as_deref().unwrap_or_default();
        let bin = commands.iter().map(|c| format!("{c}=bin/{c}")).collect();
        let members = chosen
            .iter()
            .map(|c| Member {
                path: format!("site-packages/{}", c.name),
                url: c.url.clone(),
                digest: c.digest.clone(),
                provenance: None,
            })
            .collect();
        let mut artifact = Artifact::new(
            name,
            version,
            top.url.clone(),
            top.digest.clone(),
            devenv_model::archive::Format::Zip,
            bin,
        )
        .with_members(name, members);
        artifact.layout = Some(format!("{LAYOUT_PREFIX}3.{minor}"));
        artifact.key = artifact.derived_key(name);
        artifact.digest_from = Some(format!("uv {uv_version} pylock.toml"));
        artifacts.insert(platform, artifact);
    }
    Ok(LockedTool {
        version: version.to_string(),
        requested: String::new(),
        source: label.to_string(),
        artifacts,
    })
}

/// The commands a tree exposes: the root wheel's console scripts whose
/// extras were asked for, and its `.data/scripts` (setuptools' `scripts=`,
/// awscli's `aws`); only those the manifest's `bin` names, when it names
/// any. A package with neither is a library.
fn commands(
    contents: &super::wheel::Contents,
    app: &Application<'_>,
    name: &str,
    manifest: &Manifest,
) -> Result<Vec<String>> {
    let (label, version, extras) = (app.label, app.version, app.extras);
    // Scripts that need an extra (black's `blackd = … [d]`) would fail
    // without it: only those whose extras were asked for are exposed.
    let targets = entry_point_targets(&contents.entry_points_text);
    let (mut runnable, needing): (Vec<String>, Vec<String>) =
        contents.entry_points.iter().cloned().partition(|n| {
            targets
                .get(n)
                .is_some_and(|t| t.2.iter().all(|e| extras.contains(e)))
        });
    runnable.extend(data_scripts(contents));
    runnable.sort();
    runnable.dedup();
    let needs_extras = |names: &[String]| match names.first().and_then(|n| targets.get(n)) {
        Some(t) => format!(
            "{} need extras: add `extras = [{}]` to the tool",
            names.join(", "),
            t.2.iter()
                .map(|e| format!("\"{e}\""))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => String::new(),
    };
    let Some(bin) = app.bin else {
        if runnable.is_empty() {
            if needing.is_empty() {
                bail!(
                    "{label} {version} has no entry points or scripts, so it would expose no command: it is a library, not an application. Use it from a virtual environment of the project's python (`python -m venv`)"
                );
            }
            bail!(
                "{label} {version} has no entry points or scripts that run with the extras asked for, so it would expose no command; its scripts {}",
                needs_extras(&needing)
            );
        }
        return Ok(runnable);
    };
    let mut chosen = Vec::new();
    for entry in bin {
        let command = match entry.split_once('=') {
            Some((n, file)) if file == format!("bin/{n}") => n,
            Some(_) => entry.as_str(),
            None => entry.as_str(),
        };
        if runnable.iter().any(|r| r == command) {
            chosen.push(command.to_string());
            continue;
        }
        let has = if runnable.is_empty() {
            "none that run".to_string()
        } else {
            runnable.join(", ")
        };
        let message = if needing.iter().any(|n| n == command) {
            format!(
                "{label} {version}: the command `{command}` in `bin` {}",
                needs_extras(&[command.to_string()])
            )
        } else {
            format!(
                "{label} {version} has no command `{command}` for `bin`; its entry points and scripts are: {has}"
            )
        };
        let help =
            "in a Python application, `bin` lists the names of the commands to expose".to_string();
        let needle = format!("\"{entry}\"");
        return Err(
            match manifest.value_error(
                &["tools", name, "bin"],
                Some(&needle),
                message.clone(),
                Some(help),
            ) {
                Some(located) => located.into(),
                None => anyhow!(message),
            },
        );
    }
    Ok(chosen)
}

/// The names of the wheel's `{dist}.data/scripts/NAME` files, less those
/// only Windows runs.
fn data_scripts(contents: &super::wheel::Contents) -> Vec<String> {
    contents
        .files
        .iter()
        .filter_map(|f| {
            let (top, rest) = f.path.split_once('/')?;
            let script = rest.strip_prefix("scripts/")?;
            let windows = [".cmd", ".bat", ".exe", ".ps1"]
                .iter()
                .any(|ext| script.to_ascii_lowercase().ends_with(ext));
            (top.ends_with(".data") && !script.is_empty() && !script.contains('/') && !windows)
                .then(|| script.to_string())
        })
        .collect()
}

/// Runs `uv pip compile` for `requirement` (`black[d]`) at `version` for
/// one platform; returns the pylock text.
#[allow(clippy::too_many_arguments)]
fn compile(
    uv: &Path,
    cache: &Path,
    work: &Path,
    python: &Path,
    index: &str,
    requirement: &str,
    version: &str,
    platform: Platform,
    python_version: &str,
) -> Result<String> {
    let dir = work.join(platform.to_string());
    std::fs::create_dir_all(&dir).with_context(|| format!("could not create {}", dir.display()))?;
    let req = dir.join("requirements.in");
    devenv_model::files::write_scratch(&req, format!("{requirement}=={version}\n"))?;
    let out_file = dir.join("pylock.devenv.toml");
    let mut cmd = Command::new(uv);
    for (k, _) in devenv_model::config::outer_vars() {
        if k.to_string_lossy().starts_with("UV_") {
            cmd.env_remove(k);
        }
    }
    let out = cmd
        .args(["pip", "compile"])
        .arg(&req)
        .arg("-o")
        .arg(&out_file)
        .args([
            "--format",
            "pylock.toml",
            "--no-config",
            "--no-header",
            "--quiet",
            "--no-build",
            "--python-platform",
            uv_platform(platform),
            "--python-version",
            python_version,
        ])
        .arg("--default-index")
        .arg(format!("{index}/simple"))
        .arg("--python")
        .arg(python)
        .env("UV_PYTHON_DOWNLOADS", "never")
        .env("UV_CACHE_DIR", cache)
        .current_dir(&dir)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("could not run {}", uv.display()))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(12).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        bail!(
            "uv could not resolve the dependencies of {requirement}=={version}:\n{}",
            tail.join("\n")
        );
    }
    let mut text = String::new();
    std::fs::File::open(&out_file)
        .and_then(|f| f.take(MAX_PYLOCK_BYTES).read_to_string(&mut text))
        .with_context(|| format!("uv wrote no readable {}", out_file.display()))?;
    Ok(text)
}

/// `name = module:attr [extras]` of `[console_scripts]` and `[gui_scripts]`.
/// The third value is the extras it needs (`[d]`), normalized.
pub fn entry_point_targets(text: &str) -> BTreeMap<String, (String, String, Vec<String>)> {
    let mut section = "";
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let line = line.trim();
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.trim();
        } else if matches!(section, "console_scripts" | "gui_scripts")
            && !line.starts_with(['#', ';'])
            && let Some((name, value)) = line.split_once('=')
        {
            let extras: Vec<String> = value
                .split_once('[')
                .map(|(_, e)| e.trim_end().trim_end_matches(']'))
                .into_iter()
                .flat_map(|e| e.split(','))
                .map(|e| normalize(e.trim()))
                .filter(|e| !e.is_empty())
                .collect();
            let value = value.split('[').next().unwrap_or(value).trim();
            let (module, attr) = value.split_once(':').unwrap_or((value, ""));
            let ident = |s: &str| {
                s.split('.')
                    .all(|p| !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || c == '_'))
            };
            if ident(module.trim()) && (attr.trim().is_empty() || ident(attr.trim())) {
                out.insert(
                    name.trim().to_string(),
                    (module.trim().to_string(), attr.trim().to_string(), extras),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn console_scripts_become_module_and_attribute() {
        let t = entry_point_targets(
            "[console_scripts]\nblack = black:patched_main\nblackd = blackd:patched_main [d]\nx = a.b:c.d\nboth = m:f [Fancy_Extra, d]\nbad = os; rm:x\n[other]\ny = z:w\n",
        );
        assert_eq!(t["black"], ("black".into(), "patched_main".into(), vec![]));
        assert_eq!(
            t["blackd"],
            (
                "blackd".into(),
                "patched_main".into(),
                vec!["d".to_string()]
            )
        );
        assert_eq!(t["x"], ("a.b".into(), "c.d".into(), vec![]));
        assert_eq!(t["both"].2, ["fancy-extra", "d"]);
        assert!(!t.contains_key("bad") && !t.contains_key("y"));
    }

    fn p(s: &str) -> Platform {
        s.parse().unwrap()
    }

    const SAMPLE: &str = r#"lock-version = "1.0"
created-by = "uv"
requires-python = ">=3.12"

[[packages]]
name = "black"
version = "24.10.0"
wheels = [
    { url = "https://f/black-24.10.0-cp312-cp312-macosx_11_0_arm64.whl", size = 1, hashes = { sha256 = "d37d422772111794b26757c5b55a3eade028aa3fde43121ab7b673d050949d65" } },
    { url = "https://f/black-24.10.0-py3-none-any.whl", size = 2, hashes = { sha256 = "3bb2b7a1f7b685f85b11fed1ef10f8a9148bceb49853e47a294a3dd963c1dd7d" } },
]

[[packages]]
name = "Mypy_Extensions"
version = "1.2.0"
wheels = [{ url = "https://f/mypy_extensions-1.2.0-py3-none-any.whl", hashes = { sha256 = "993e7a20aa5671eb41a7132cf555af30062da99729601601b9a8382b11cae768" } }]
"#;

    #[test]
    fn the_exact_cpython_build_beats_pure_python_and_names_are_normalized() {
        let mac = parse(SAMPLE, 12, p("macos-aarch64")).unwrap();
        assert_eq!(
            mac[0].url,
            "https://f/black-24.10.0-cp312-cp312-macosx_11_0_arm64.whl"
        );
        assert_eq!(mac[1].name, "mypy-extensions");
        let linux = parse(SAMPLE, 12, p("linux-x86_64")).unwrap();
        assert_eq!(linux[0].url, "https://f/black-24.10.0-py3-none-any.whl");
        let other_python = parse(SAMPLE, 11, p("macos-aarch64")).unwrap();
        assert_eq!(
            other_python[0].url,
            "https://f/black-24.10.0-py3-none-any.whl"
        );
    }

    #[test]
    fn unusable_or_hostile_pylocks_are_refused() {
        let sdist_only = SAMPLE.replace(
            "wheels = [{ url = \"https://f/mypy_extensions-1.2.0-py3-none-any.whl\", hashes = { sha256 = \"993e7a20aa5671eb41a7132cf555af30062da99729601601b9a8382b11cae768\" } }]",
            "sdist = { url = \"https://f/m.tar.gz\" }",
        );
        let err = parse(&sdist_only, 12, p("linux-x86_64"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("mypy-extensions 1.2.0 has no wheel"), "{err}");
        let no_hash = SAMPLE.replace("hashes = { sha256 = \"993e", "hashes = { md5 = \"993e");
        let err = parse(&no_hash, 12, p("linux-x86_64"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("has no sha256"), "{err}");
        let bad_name = SAMPLE.replace("Mypy_Extensions", "../etc");
        assert!(parse(&bad_name, 12, p("linux-x86_64")).is_err());
        let v2 = SAMPLE.replace("lock-version = \"1.0\"", "lock-version = \"2.0\"");
        assert!(
            parse(&v2, 12, p("linux-x86_64"))
                .unwrap_err()
                .to_string()
                .contains("1.x")
        );
        let file_url = SAMPLE.replace("https://f/mypy", "file:///f/mypy");
        assert!(parse(&file_url, 12, p("linux-x86_64")).is_err());
    }
}
