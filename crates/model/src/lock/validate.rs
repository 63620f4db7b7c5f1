//! `devenv.lock` is untrusted input (invariant 9): any pull request can
//! change it. Two checks, both offline:
//!
//! - [`structure`], when the lock is read: every field is well formed —
//!   versions and names are plain text, URLs use an allowed scheme, bin
//!   paths stay inside their entry, platforms are the lock's own, and each
//!   store key is the one its artifact derives.
//! - [`disagreements`], before a lock is used for a manifest: every pin the
//!   manifest states holds in the lock — a URL tool's exact version, URL
//!   and `sha256`, a registry tool's source and version constraint, and any
//!   `bin` the manifest sets. The manifest wins: a lock that says otherwise
//!   is refused, naming both.

use super::{Artifact, Lock, LockedTool, request_key};
use crate::catalog::Catalog;
use crate::manifest::{Manifest, Request, Sha256Spec, ToolSpec};
use crate::version::{Constraint, Release, Scheme, Version};
use anyhow::{Result, bail};
use std::path::{Component, Path};

/// Checks every field of `lock`; the error names the tool, the platform
/// and the field.
pub fn structure(lock: &Lock) -> Result<()> {
    for (member, tools) in &lock.members {
        check_text(member, 4096, &format!("the member `{member}`"))?;
        let plain = member
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != ".." && !c.contains('\\'));
        if !plain {
            bail!("`{member}` is not a member directory inside the workspace");
        }
        check_tools(lock, tools, &format!("member `{member}`: "))?;
    }
    check_tools(lock, &lock.tools, "")
}

fn check_tools(
    lock: &Lock,
    tools: &std::collections::BTreeMap<String, super::LockedTool>,
    prefix: &str,
) -> Result<()> {
    for (name, tool) in tools {
        check_text(name, 256, &format!("the tool name `{name}`"))?;
        if !plain_component(super::binary_name(name)) {
            bail!("`{name}` is not a tool name");
        }
        let at = format!("{prefix}tool `{name}`");
        check_version(&tool.version).map_err(|e| anyhow::anyhow!("{at}: {e}"))?;
        check_text(&tool.requested, 8192, &format!("{at}: `requested`"))?;
        check_text(&tool.source, 512, &format!("{at}: `source`"))?;
        for (platform, artifact) in &tool.artifacts {
            let at = format!("{at} for {platform}");
            if !lock.platforms.contains(platform) {
                bail!("{at}: {platform} is not one of the lock's platforms");
            }
            check_artifact(name, artifact).map_err(|e| anyhow::anyhow!("{at}: {e}"))?;
            if let Some(build) = &artifact.build {
                check_build(lock, *platform, artifact, build)
                    .map_err(|e| anyhow::anyhow!("{at}: {e}"))?;
            }
        }
    }
    Ok(())
}

fn check_artifact(tool: &str, a: &Artifact) -> Result<()> {
    check_text(&a.url, 8192, "the URL")?;
    let scheme_ok = ["https://", "http://", "file://"]
        .iter()
        .any(|s| a.url.starts_with(s));
    if !scheme_ok || a.url.contains(char::is_whitespace) {
        bail!(
            "`{}` is not an https, http or file URL",
            crate::ui::escape_controls(&a.url)
        );
    }
    for entry in &a.bin {
        check_bin(entry)?;
    }
    if let Some(p) = &a.provenance {
        check_provenance(p).map_err(|e| anyhow::anyhow!("`provenance`: {e}"))?;
    }
    let mut seen = std::collections::BTreeSet::new();
    for m in &a.members {
        super::Member::check_path(&m.path)?;
        if let Some(p) = &m.provenance {
            check_provenance(p)
                .map_err(|e| anyhow::anyhow!("the member `{}`'s `provenance`: {e}", m.path))?;
        }
        if !seen.insert(m.path.as_str()) {
            bail!("`{}` is listed twice", m.path);
        }
        check_text(&m.url, 8192, "a member's URL")?;
        if !["https://", "http://", "file://"]
            .iter()
            .any(|s| m.url.starts_with(s))
        {
            bail!(
                "the member `{}` is not an https, http or file URL",
                crate::ui::escape_controls(&m.url)
            );
        }
    }
    for part in &a.parts {
        check_text(&part.url, 8192, "a part's URL")?;
        if !part.url.starts_with("https://") && !part.url.starts_with("http://") {
            bail!(
                "the part `{}` is not an https or http URL",
                crate::ui::escape_controls(&part.url)
            );
        }
    }
    check_allow_scripts(a)?;
    let python_tree = a
        .layout
        .as_deref()
        .is_some_and(crate::lock::layout::is_python_wheels);
    if python_tree && (a.members.is_empty() || !a.parts.is_empty()) {
        bail!("a Python tree (`layout = \"python-wheels-…\"`) is made of members only");
    }
    for m in &a.members {
        let in_site_packages = m.path.starts_with("site-packages/");
        if in_site_packages != python_tree {
            bail!(
                "`{}` does not fit the artifact: wheels of a Python tree go in site-packages/NAME, npm packages in node_modules/NAME",
                crate::ui::escape_controls(&m.path)
            );
        }
    }
    match a.layout.as_deref() {
        None if a.parts.is_empty() => {}
        Some(_) if python_tree => {}
        Some(layout) if crate::lock::layout::LAYOUTS.contains(&layout) => {}
        Some(other) => bail!(
            "`layout = \"{}\"` is not a way devenv joins archives (known: {})",
            crate::ui::escape_controls(other),
            crate::lock::layout::LAYOUTS.join(", ")
        ),
        None => bail!("the artifact has parts but no layout to join them"),
    }
    for (name, value) in &a.env {
        check_text(value, 1024, &format!("the variable `{name}`"))?;
        if !crate::names::is_identifier(name) || crate::names::takes_over(name).is_some() {
            bail!(
                "the lock may not set the variable `{}`",
                crate::ui::escape_controls(name)
            );
        }
        if !value.starts_with("{root}") || value.split('/').any(|p| p == "..") {
            bail!("the variable `{name}` must name `{{root}}` or a directory inside it");
        }
    }
    let derived = a.derived_key(tool);
    if a.key != derived {
        bail!(
            "the store key `{}` is not the key its artifact derives (`{derived}`): store keys are derived from content and cannot be chosen by a lock",
            crate::ui::escape_controls(&a.key)
        );
    }
    Ok(())
}

/// A built entry (see [`super::Build`]): built by cargo from one `.crate`
/// (a gzipped tarball pinned by sha256, nothing merged into it), with a
/// toolchain that is the lock's own `rust` at its pinned version or this
/// machine's `rustc`, for a target of its own platform, whose dependencies
/// come from a sparse index.
fn check_build(
    lock: &Lock,
    platform: crate::platform::Platform,
    a: &Artifact,
    b: &super::Build,
) -> Result<()> {
    let e = crate::ui::escape_controls;
    if b.by != super::BUILD_BY_CARGO {
        bail!(
            "`build.by = \"{}\"` is not a builder devenv knows (known: {})",
            e(&b.by),
            super::BUILD_BY_CARGO
        );
    }
    if a.format != crate::archive::Format::TarGz
        || a.digest.algorithm != crate::digest::Algorithm::Sha256
    {
        bail!("a crate built by cargo is a tar.gz archive pinned by its sha256");
    }
    if !a.members.is_empty() || !a.parts.is_empty() || a.layout.is_some() {
        bail!("a built entry is made of its one crate only");
    }
    check_text(&b.toolchain, 160, "`build.toolchain`")?;
    match (b.project_rust(), b.system_rustc()) {
        (Some(v), None) => {
            let pinned = lock.tools.get("rust").map(|t| t.version.as_str());
            if pinned != Some(v) {
                bail!(
                    "`build.toolchain = \"{}\"` names the project's rust {}, and the lock pins {}",
                    e(&b.toolchain),
                    e(v),
                    pinned.map_or("no `rust`".to_string(), |p| format!("rust {p}"))
                );
            }
        }
        (None, Some(v)) => check_version(v)?,
        _ => bail!(
            "`build.toolchain = \"{}\"` is neither `{}VERSION` (the project's rust) nor `{}VERSION` (this machine's)",
            e(&b.toolchain),
            super::TOOLCHAIN_PROJECT,
            super::TOOLCHAIN_SYSTEM
        ),
    }
    let targets = [
        platform.rust_target(crate::platform::Libc::Gnu),
        platform.rust_target(crate::platform::Libc::Musl),
    ];
    if !targets.contains(&b.target) {
        bail!(
            "`build.target = \"{}\"` is not a target of {platform} ({})",
            e(&b.target),
            targets.join(" or ")
        );
    }
    if b.features.len() > 256 {
        bail!("`build.features` lists more than 256 features");
    }
    let mut previous: Option<&str> = None;
    for f in &b.features {
        let plain = !f.is_empty()
            && f.len() <= 128
            && f.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        if !plain {
            bail!(
                "`build.features` names `{}`, which is not a feature name",
                e(f)
            );
        }
        if previous.is_some_and(|p| p >= f.as_str()) {
            bail!("`build.features` is not sorted, or lists `{f}` twice");
        }
        previous = Some(f);
    }
    check_text(&b.index, 2048, "`build.index`")?;
    let index_ok = ["sparse+https://", "sparse+http://"]
        .iter()
        .any(|s| b.index.starts_with(s))
        && b.index.ends_with('/')
        && !b.index.contains(char::is_whitespace)
        && !b.index.contains(['"', '\'', '\\']);
    if !index_ok {
        bail!(
            "`build.index = \"{}\"` is not a sparse registry index (`sparse+https://HOST/PATH/`)",
            e(&b.index)
        );
    }
    Ok(())
}

/// The most packages a lock may allow install scripts for.
const MAX_ALLOWED_SCRIPTS: usize = 256;

/// `allow_scripts`: npm package names, each once, and only on an npm tree
/// (the scripts run inside its `node_modules`).
fn check_allow_scripts(a: &Artifact) -> Result<()> {
    if a.allow_scripts.is_empty() {
        return Ok(());
    }
    if a.allow_scripts.len() > MAX_ALLOWED_SCRIPTS {
        bail!("`allow_scripts` lists more than {MAX_ALLOWED_SCRIPTS} packages");
    }
    let npm_tree = !a.members.is_empty()
        && a.members
            .iter()
            .all(|m| m.path.starts_with("node_modules/"));
    if !npm_tree {
        bail!("`allow_scripts` is only for npm trees (an artifact with node_modules members)");
    }
    let mut seen = std::collections::BTreeSet::new();
    for name in &a.allow_scripts {
        if !crate::names::valid_package_name(name) {
            bail!(
                "`allow_scripts` names `{}`, which is not an npm package name",
                crate::ui::escape_controls(name)
            );
        }
        if !seen.insert(name.as_str()) {
            bail!("`allow_scripts` lists `{name}` twice");
        }
    }
    Ok(())
}

/// What is wrong with the bin entry `entry` of a package's own definition
/// (an aqua `files` entry, a console script, an npm `bin`), in words that
/// blame the package: `None` when [`check_bin`] accepts it.
pub fn package_bin_problem(entry: &str) -> Option<String> {
    check_bin(entry).err()?;
    let e = crate::ui::escape_controls;
    Some(match entry.split_once('=') {
        Some((name, _)) if !plain_component(name) => format!(
            "the command name `{}` is not a plain file name (it has `/`, or is `.` or `..`)",
            e(name)
        ),
        Some((name, file)) => format!(
            "the command `{}` is the file `{}`, which is outside the tool's directory",
            e(name),
            e(file)
        ),
        None => format!(
            "the directory `{}` is outside the tool's directory",
            e(entry)
        ),
    })
}

/// A bin entry: a directory inside the entry (`bin`, `.`, ``), or
/// `NAME=FILE` with a plain command name and a file inside the entry.
pub(crate) fn check_bin(entry: &str) -> Result<()> {
    check_text(entry, 1024, "a bin entry")?;
    let (name, path) = match entry.split_once('=') {
        Some((name, file)) => (Some(name), file),
        None => (None, entry),
    };
    if let Some(name) = name
        && !plain_component(name)
    {
        bail!("bin entry `{entry}`: `{name}` is not a plain command name");
    }
    if !inside(path) || (name.is_some() && path.is_empty()) {
        bail!(
            "bin entry `{entry}` points outside the tool's directory; bin paths are relative to the unpacked tool and may not use `..` or start with `/`"
        );
    }
    Ok(())
}

/// Whether `path` is relative and never leaves the directory it is relative to.
fn inside(path: &str) -> bool {
    Path::new(path)
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

fn plain_component(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains('/')
}

fn check_version(version: &str) -> Result<()> {
    let ok = !version.is_empty()
        && version.len() <= 128
        && version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._+~!-".contains(c));
    if !ok {
        bail!(
            "`{}` is not a version (letters, digits and `._+~!-`, at most 128)",
            crate::ui::escape_controls(version)
        );
    }
    Ok(())
}

/// A verified record names its signer and issuer; a "none" record nothing.
fn check_provenance(p: &super::Provenance) -> Result<()> {
    use super::Provenance;
    match p.status.as_str() {
        Provenance::VERIFIED => {
            let (Some(identity), Some(issuer)) = (&p.identity, &p.issuer) else {
                bail!("a verified record names its `identity` and `issuer`");
            };
            check_text(identity, 4096, "the identity")?;
            check_text(issuer, 1024, "the issuer")?;
            if identity.is_empty() || issuer.is_empty() {
                bail!("the identity and the issuer cannot be empty");
            }
        }
        Provenance::NONE => {
            if p.identity.is_some() || p.issuer.is_some() || p.log_index.is_some() {
                bail!("`status = \"none\"` records no identity, issuer or log index");
            }
        }
        other => bail!(
            "`status` is `{}`; it is `verified` or `none`",
            crate::ui::escape_controls(other)
        ),
    }
    Ok(())
}

fn check_text(text: &str, max: usize, what: &str) -> Result<()> {
    if text.len() > max {
        bail!("{what} is longer than {max} bytes");
    }
    if text.chars().any(char::is_control) {
        bail!(
            "{} contains control characters",
            crate::ui::escape_controls(what)
        );
    }
    Ok(())
}

/// Every way `lock` contradicts a pin that `manifest` states: the tool, and
/// a sentence naming the manifest's value (with its line and column) and
/// the lock's. Tools whose request changed are left to
/// [`Lock::staleness`]: they are re-resolved, not trusted.
pub fn disagreements(lock: &Lock, manifest: &Manifest) -> Vec<(String, String)> {
    // This runs on every `exec` and entering prompt: the catalog is asked
    // through its compiled index, never parsed (invariant 12).
    let catalog = Catalogs { manifest };
    let mut out = Vec::new();
    for tool in &manifest.tools {
        let Some(locked) = lock.tools.get(&tool.name) else {
            continue;
        };
        if locked.requested != request_key(&tool.request) {
            continue;
        }
        let mut found = Vec::new();
        tool_disagreements(tool, locked, &catalog, manifest, &mut found);
        out.extend(found.into_iter().map(|m| (tool.name.clone(), m)));
    }
    out
}

fn tool_disagreements(
    tool: &ToolSpec,
    locked: &LockedTool,
    catalog: &Catalogs,
    manifest: &Manifest,
    out: &mut Vec<String>,
) {
    let name = &tool.name;
    let at = |field: &str| manifest_location(manifest, name, field);
    let allowed: &[String] = match &tool.request {
        Request::Registry(r) => &r.allow_scripts,
        Request::Url(_) => &[],
    };
    scripts_disagreement(name, allowed, locked, &at, out);
    let bin = match &tool.request {
        Request::Url(u) => {
            if locked.version != u.version {
                out.push(format!(
                    "`{name}`: {} pins version {}, the lock has {}",
                    at("version"),
                    u.version,
                    locked.version
                ));
            }
            for (platform, artifact) in &locked.artifacts {
                let expected = crate::manifest::render_url(u, *platform);
                if artifact.url != expected {
                    out.push(format!(
                        "`{name}` for {platform}: {} gives the URL {expected}, the lock has {}",
                        at("url"),
                        artifact.url
                    ));
                }
            }
            match &u.sha256 {
                Sha256Spec::None => {}
                Sha256Spec::Current(d) => {
                    if !locked.artifacts.values().any(|a| &a.digest == d) {
                        let has: Vec<String> = locked
                            .artifacts
                            .values()
                            .map(|a| a.digest.to_string())
                            .collect();
                        out.push(format!(
                            "`{name}`: {} pins {d}, the lock has {}",
                            at("sha256"),
                            has.join(", ")
                        ));
                    }
                }
                Sha256Spec::PerPlatform(map) => {
                    for (platform, artifact) in &locked.artifacts {
                        if let Some(d) = map.get(platform)
                            && &artifact.digest != d
                        {
                            out.push(format!(
                                "`{name}` for {platform}: {} pins {d}, the lock has {}",
                                at("sha256"),
                                artifact.digest
                            ));
                        }
                    }
                }
            }
            u.bin.clone()
        }
        Request::Registry(r) => {
            let spec = catalog.source_for(name, r.source.as_deref());
            let crate_tool = name.starts_with("cargo:")
                || spec
                    .as_ref()
                    .is_some_and(|s| s.backend == crate::backend::Backend::Cargo);
            build_disagreements(name, r, crate_tool, locked, &at, out);
            if let Some(spec) = spec {
                if locked.source != spec.label() {
                    out.push(format!(
                        "`{name}`: {} resolves through {}, the lock says it came from {}",
                        at(""),
                        spec.label(),
                        locked.source
                    ));
                }
                if let Some(problem) =
                    version_outside(&r.version, &locked.version, spec.backend.scheme())
                {
                    out.push(format!("`{name}`: {} {problem}", at("")));
                }
            }
            r.bin.clone()
        }
    };
    if let Some(bin) = bin {
        for (platform, artifact) in &locked.artifacts {
            if artifact.bin != bin {
                out.push(format!(
                    "`{name}` for {platform}: {} sets bin = {bin:?}, the lock has {:?}",
                    at("bin"),
                    artifact.bin
                ));
            }
        }
    }
}

/// A crate is built, and by the toolchain the manifest asks for: the
/// project's `rust`, or with `source = "system"` this machine's. A lock
/// can neither turn a build into a download nor choose the compiler.
fn build_disagreements(
    name: &str,
    r: &crate::manifest::RegistryTool,
    crate_tool: bool,
    locked: &LockedTool,
    at: &dyn Fn(&str) -> String,
    out: &mut Vec<String>,
) {
    let system = r.source.as_deref() == Some("system");
    let list = |f: &[String]| {
        if f.is_empty() {
            "defaults only".to_string()
        } else {
            f.join(", ")
        }
    };
    for (platform, artifact) in &locked.artifacts {
        match &artifact.build {
            None if crate_tool => out.push(format!(
                "`{name}` for {platform}: {} is a crate that devenv builds, the lock downloads it instead",
                at("")
            )),
            Some(b) if !crate_tool => out.push(format!(
                "`{name}` for {platform}: {} is not a crate, the lock builds it with {}",
                at(""),
                b.toolchain
            )),
            Some(b) if b.features != r.features => out.push(format!(
                "`{name}` for {platform}: {} builds it with the features {}, the lock with {}",
                at("features"),
                list(&r.features),
                list(&b.features)
            )),
            Some(b) if b.system_rustc().is_some() != system => out.push(format!(
                "`{name}` for {platform}: {} builds it with {}, the lock with {}",
                at("source"),
                if system {
                    "this machine's cargo"
                } else {
                    "the project's `rust`"
                },
                b.toolchain
            )),
            _ => {}
        }
    }
}

/// The install scripts the lock would run and the manifest does not allow
/// (or the reverse): a lock can never grant itself script execution.
fn scripts_disagreement(
    name: &str,
    allowed: &[String],
    locked: &LockedTool,
    at: &dyn Fn(&str) -> String,
    out: &mut Vec<String>,
) {
    let mut wanted: Vec<&str> = allowed.iter().map(String::as_str).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let list = |names: &[&str]| {
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        }
    };
    for (platform, artifact) in &locked.artifacts {
        let mut has: Vec<&str> = artifact.allow_scripts.iter().map(String::as_str).collect();
        has.sort_unstable();
        if has != wanted {
            out.push(format!(
                "`{name}` for {platform}: {} allows the install scripts of {}, the lock allows {}",
                at("allow_scripts"),
                list(&wanted),
                list(&has)
            ));
        }
    }
}

/// Where a manifest's tools come from, without parsing the catalog.
struct Catalogs<'a> {
    manifest: &'a Manifest,
}

impl Catalogs<'_> {
    fn source_for(&self, name: &str, source: Option<&str>) -> Option<crate::catalog::SourceSpec> {
        Catalog::source_offline(self.manifest, name, source)
    }
}

/// Why `version` does not satisfy `constraint`, if it does not. `latest`
/// and `lts` depend on what the registry offers, so only their form is
/// checked offline.
fn version_outside(constraint: &str, version: &str, scheme: Scheme) -> Option<String> {
    let constraint: Constraint = constraint.parse().ok()?;
    let Some(parsed) = Version::parse(scheme, version) else {
        return Some(format!("the lock's version `{version}` is not a version"));
    };
    let text = constraint.as_str();
    if text == "latest" || text == "lts" {
        return None;
    }
    if constraint.matches(&Release::new(parsed)) {
        None
    } else {
        Some(format!(
            "asks for `{text}`, and the lock pins {version}, which it does not allow"
        ))
    }
}

/// `devenv.toml:LINE:COL` of `tools.NAME.FIELD` (or of the tool's key when
/// FIELD is empty or absent), for messages.
fn manifest_location(manifest: &Manifest, name: &str, field: &str) -> String {
    let file = manifest
        .path
        .file_name()
        .map_or("devenv.toml".into(), |n| n.to_string_lossy().into_owned());
    let Some(offset) = tool_span(&manifest.source, name, field) else {
        return file;
    };
    let source = &manifest.source;
    let offset = source.floor_char_boundary(offset.min(source.len()));
    let line = source[..offset].matches('\n').count() + 1;
    let line_start = source[..offset].rfind('\n').map_or(0, |i| i + 1);
    let column = source[line_start..offset].chars().count() + 1;
    format!("{file}:{line}:{column}")
}

fn tool_span(source: &str, name: &str, field: &str) -> Option<usize> {
    let doc = toml_edit::Document::parse(source.to_string()).ok()?;
    let tools = doc.as_table().get("tools")?.as_table_like()?;
    let key_span = tools.key(name).and_then(|k| k.span()).map(|s| s.start);
    let entry = tools.get(name)?;
    if !field.is_empty()
        && let Some(t) = entry.as_table_like()
        && let Some(span) = t.key(field).and_then(|k| k.span())
    {
        return Some(span.start);
    }
    key_span
}
