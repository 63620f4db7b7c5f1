//! npm applications with dependencies (`npm:eslint`): npm's own resolver
//! decides the tree, devenv pins and installs it.
//!
//! At lock time devenv writes a throw-away project that depends on exactly
//! the pinned version and runs `npm install --package-lock-only
//! --ignore-scripts` in it against the configured registry: npm writes a
//! `package-lock.json` and installs nothing. Every package of that lock
//! becomes a member of the tool's tree with its path, tarball and
//! `integrity`; devenv then downloads and verifies each tarball itself.
//! npm records optional dependencies for every platform (with their `os`,
//! `cpu` and `libc`), so one machine locks the tree of each platform:
//! a platform gets the members whose conditions it meets (glibc on Linux).
//! Packages with install scripts are named; their scripts run only when
//! the manifest allows them by name (see [`crate::scripts`]).

use anyhow::{Context, Result, anyhow, bail};
use devenv_model::digest::Digest;
use devenv_model::lock::Member;
use devenv_model::platform::{Os, Platform};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};

/// The largest package-lock read.
const MAX_LOCK_BYTES: u64 = 64 * 1024 * 1024;

/// `package-lock.json` (lockfileVersion 2 and 3), the parts devenv reads.
#[derive(Debug, Deserialize)]
pub(crate) struct PackageLock {
    #[serde(default, rename = "lockfileVersion")]
    pub(crate) lockfile_version: u32,
    #[serde(default)]
    pub(crate) packages: BTreeMap<String, LockedPackage>,
}

/// One entry of `packages`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct LockedPackage {
    pub(crate) version: Option<String>,
    pub(crate) resolved: Option<String>,
    pub(crate) integrity: Option<String>,
    pub(crate) os: Vec<String>,
    pub(crate) cpu: Vec<String>,
    pub(crate) libc: Vec<String>,
    #[serde(rename = "inBundle")]
    pub(crate) in_bundle: bool,
    pub(crate) link: bool,
    #[serde(rename = "hasInstallScript")]
    pub(crate) has_install_script: bool,
}

/// What a tree is, per platform, and the packages with install scripts.
#[derive(Debug, Default)]
pub(crate) struct Tree {
    pub(crate) members: BTreeMap<Platform, Vec<Member>>,
    pub(crate) install_scripts: Vec<String>,
}

/// The package a member path holds: `node_modules/a/node_modules/@s/b`
/// → `@s/b`.
pub fn package_name(path: &str) -> &str {
    path.rsplit("node_modules/").next().unwrap_or(path)
}

/// Whether an `os`/`cpu`/`libc` list admits `value`: empty admits all; a
/// list of `!x` admits everything else; otherwise `value` must be listed.
fn admits(list: &[String], value: &str) -> bool {
    if list.is_empty() {
        return true;
    }
    if list.iter().any(|v| v.strip_prefix('!') == Some(value)) {
        return false;
    }
    list.iter().any(|v| v == value) || list.iter().all(|v| v.starts_with('!'))
}

/// Whether the package `p` is installed on `platform` (npm's spelling).
fn installs_on(p: &LockedPackage, platform: Platform) -> bool {
    let (os, cpu) = super::node_names(platform);
    let libc_ok = match platform.os {
        Os::Linux => admits(&p.libc, "glibc"),
        Os::Macos => true,
    };
    admits(&p.os, os) && admits(&p.cpu, cpu) && libc_ok
}

/// The tree of `package` from npm's lock `text`, for each of `platforms`.
/// A member without `resolved` (npm's `omit-lockfile-registry-resolved`)
/// is fetched where npm would: `registry/NAME/-/BASENAME-VERSION.tgz`.
pub(crate) fn parse(
    text: &str,
    package: &str,
    platforms: &[Platform],
    registry: &str,
) -> Result<Tree> {
    let lock: PackageLock = serde_json::from_str(text)
        .map_err(|e| anyhow!("npm wrote a package-lock.json devenv cannot read: {e}"))?;
    if lock.lockfile_version < 2 {
        bail!(
            "npm wrote a package-lock.json of version {}; devenv needs npm 7 or newer",
            lock.lockfile_version
        );
    }
    let root = format!("node_modules/{package}");
    if !lock.packages.contains_key(&root) {
        bail!("npm's package-lock.json does not contain {package}");
    }
    let mut tree = Tree::default();
    for (path, p) in &lock.packages {
        // The throw-away project itself, and what ships inside a parent.
        if path.is_empty() || p.in_bundle {
            continue;
        }
        if p.link {
            bail!("{path} is a link in npm's lock; devenv installs registry packages only");
        }
        Member::check_path(path).with_context(|| format!("in the tree of npm:{package}"))?;
        let name = package_name(path);
        let url = match (&p.resolved, &p.version) {
            (Some(url), _) => url.clone(),
            (None, Some(version)) => {
                let base = name.rsplit('/').next().unwrap_or(name);
                format!("{registry}/{name}/-/{base}-{version}.tgz")
            }
            (None, None) => bail!("{path} has no version or tarball URL in npm's lock"),
        };
        let Some(integrity) = &p.integrity else {
            bail!("{path} has no integrity in npm's lock, so it cannot be verified");
        };
        let digest = integrity
            .split_whitespace()
            .find(|h| h.starts_with("sha512-"))
            .and_then(|h| h.parse::<Digest>().ok())
            .ok_or_else(|| anyhow!("{path} has no sha512 integrity in npm's lock"))?;
        let on_some_platform = platforms.iter().any(|&pl| installs_on(p, pl));
        if p.has_install_script
            && on_some_platform
            && !tree.install_scripts.iter().any(|n| n == name)
        {
            tree.install_scripts.push(name.to_string());
        }
        for &platform in platforms {
            if installs_on(p, platform) {
                tree.members.entry(platform).or_default().push(Member {
                    path: path.clone(),
                    url: url.clone(),
                    digest: digest.clone(),
                    provenance: None,
                });
            }
        }
    }
    Ok(tree)
}

/// Asks the `npm` on PATH to resolve `package@version` against `registry`.
pub(crate) fn resolve(
    registry: &str,
    package: &str,
    version: &str,
    platforms: &[Platform],
) -> Result<Tree> {
    let npm = which::which("npm").map_err(|_| {
        anyhow!(
            "npm:{package} {version} has dependencies, and npm's own resolver decides them: devenv needs `npm` on PATH to lock it (any npm 7 or newer; it installs nothing)"
        )
    })?;
    let dir = std::env::temp_dir().join(format!(
        "devenv-npm-tree-{}-{}",
        std::process::id(),
        &devenv_model::digest::sha256_hex(format!("{package}@{version}").as_bytes())[..12]
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).with_context(|| format!("could not create {}", dir.display()))?;
    let result = run_npm(&npm, &dir, registry, package, version)
        .and_then(|text| parse(&text, package, platforms, registry));
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn run_npm(npm: &Path, dir: &Path, registry: &str, package: &str, version: &str) -> Result<String> {
    let manifest = serde_json::json!({
        "name": "devenv-tree",
        "version": "0.0.0",
        "private": true,
        "dependencies": { package: version },
    });
    devenv_model::files::write_scratch(&dir.join("package.json"), manifest.to_string())?;
    let out = Command::new(npm)
        .args([
            "install",
            "--package-lock-only",
            "--ignore-scripts",
            "--no-audit",
            "--no-fund",
            "--no-update-notifier",
            "--loglevel=error",
            // Each member's URL is what devenv pins: have npm write it.
            "--omit-lockfile-registry-resolved=false",
        ])
        .arg(format!("--registry={registry}/"))
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("could not run {}", npm.display()))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(12).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        bail!(
            "npm could not resolve the dependencies of {package}@{version}:\n{}",
            tail.join("\n")
        );
    }
    let file = dir.join("package-lock.json");
    let mut text = String::new();
    std::fs::File::open(&file)
        .and_then(|f| f.take(MAX_LOCK_BYTES).read_to_string(&mut text))
        .with_context(|| format!("npm wrote no readable {}", file.display()))?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Platform {
        s.parse().unwrap()
    }

    fn sri(seed: u8) -> String {
        use base64::Engine;
        format!(
            "sha512-{}",
            base64::engine::general_purpose::STANDARD.encode([seed; 64])
        )
    }

    /// The shape of an npm 10 package-lock.json for a tool with a nested
    /// dependency and per-platform optional packages (as esbuild and
    /// rollup publish them).
    fn lock() -> String {
        format!(
            r#"{{
  "name": "devenv-tree", "version": "0.0.0", "lockfileVersion": 3, "requires": true,
  "packages": {{
    "": {{"name": "devenv-tree", "version": "0.0.0", "dependencies": {{"tool": "1.0.0"}}}},
    "node_modules/tool": {{"version": "1.0.0", "resolved": "https://r/tool/-/tool-1.0.0.tgz", "integrity": "{a}", "hasInstallScript": true,
      "dependencies": {{"dep": "^2"}}, "optionalDependencies": {{"@tool/linux-x64": "1.0.0", "@tool/darwin-arm64": "1.0.0"}},
      "bin": {{"tool": "bin/tool.js"}}}},
    "node_modules/dep": {{"version": "2.1.0", "resolved": "https://r/dep/-/dep-2.1.0.tgz", "integrity": "{b}", "license": "MIT"}},
    "node_modules/tool/node_modules/dep": {{"version": "1.0.0", "resolved": "https://r/dep/-/dep-1.0.0.tgz", "integrity": "{c}"}},
    "node_modules/@tool/linux-x64": {{"version": "1.0.0", "resolved": "https://r/@tool/linux-x64/-/linux-x64-1.0.0.tgz", "integrity": "{d}", "cpu": ["x64"], "os": ["linux"], "libc": ["glibc"], "optional": true}},
    "node_modules/@tool/linux-x64-musl": {{"version": "1.0.0", "resolved": "https://r/m.tgz", "integrity": "{d}", "cpu": ["x64"], "os": ["linux"], "libc": ["musl"], "optional": true}},
    "node_modules/@tool/darwin-arm64": {{"version": "1.0.0", "resolved": "https://r/@tool/darwin-arm64/-/darwin-arm64-1.0.0.tgz", "integrity": "{e}", "cpu": ["arm64"], "os": ["darwin"], "optional": true}},
    "node_modules/not-windows": {{"version": "1.0.0", "resolved": "https://r/nw.tgz", "integrity": "{e}", "os": ["!win32"]}},
    "node_modules/dep/node_modules/bundled": {{"version": "1.0.0", "inBundle": true}}
  }}
}}"#,
            a = sri(1),
            b = sri(2),
            c = sri(3),
            d = sri(4),
            e = sri(5)
        )
    }

    fn paths(tree: &Tree, platform: &str) -> Vec<String> {
        tree.members[&p(platform)]
            .iter()
            .map(|m| m.path.clone())
            .collect()
    }

    #[test]
    fn each_platform_gets_its_optional_packages() {
        let tree = parse(
            &lock(),
            "tool",
            &[p("linux-x86_64"), p("macos-aarch64")],
            "https://r",
        )
        .unwrap();
        assert_eq!(
            paths(&tree, "linux-x86_64"),
            vec![
                "node_modules/@tool/linux-x64",
                "node_modules/dep",
                "node_modules/not-windows",
                "node_modules/tool",
                "node_modules/tool/node_modules/dep"
            ]
        );
        assert_eq!(
            paths(&tree, "macos-aarch64"),
            vec![
                "node_modules/@tool/darwin-arm64",
                "node_modules/dep",
                "node_modules/not-windows",
                "node_modules/tool",
                "node_modules/tool/node_modules/dep"
            ]
        );
        assert_eq!(tree.install_scripts, vec!["tool"]);
        let dep = &tree.members[&p("linux-x86_64")][1];
        assert_eq!(dep.url, "https://r/dep/-/dep-2.1.0.tgz");
        assert_eq!(dep.digest.to_string(), sri(2));
    }

    #[test]
    fn hostile_or_unverifiable_entries_are_refused() {
        let bad_path = lock().replace("node_modules/dep\"", "node_modules/../../etc\"");
        let err = parse(&bad_path, "tool", &[p("linux-x86_64")], "https://r")
            .unwrap_err()
            .to_string();
        assert!(err.contains("in the tree of npm:tool"), "{err}");
        let no_integrity = lock().replace(&format!("\"integrity\": \"{}\"", sri(2)), "\"x\": 1");
        let err = parse(&no_integrity, "tool", &[p("linux-x86_64")], "https://r")
            .unwrap_err()
            .to_string();
        assert!(err.contains("node_modules/dep has no integrity"), "{err}");
        let unresolved = lock().replace("\"resolved\": \"https://r/dep/-/dep-2.1.0.tgz\", ", "");
        let tree = parse(
            &unresolved,
            "tool",
            &[p("linux-x86_64")],
            "https://m.example",
        )
        .unwrap();
        let dep = &tree.members[&p("linux-x86_64")][1];
        assert_eq!(dep.url, "https://m.example/dep/-/dep-2.1.0.tgz");
        let old = r#"{"lockfileVersion": 1, "dependencies": {}}"#;
        assert!(
            parse(old, "tool", &[], "https://r")
                .unwrap_err()
                .to_string()
                .contains("npm 7")
        );
    }
}
