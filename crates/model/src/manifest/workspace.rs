//! Monorepo workspaces: a root `devenv.toml` with `[workspace]` whose
//! members add to or override its tools, variables and tasks.
//!
//! A directory's environment is found in two steps. The nearest
//! `devenv.toml` upward decides the directory (exactly as the shell hooks
//! find it); then, when that manifest is not itself a workspace root, the
//! nearest manifest above it with `[workspace]` is asked whether it lists
//! the directory. A listed member gets the root's manifest merged under its
//! own ([`merge`]); a directory of the workspace that is no member and has
//! no manifest of its own finds the root's manifest first, and so gets the
//! root's environment. A `devenv.toml` the root does not list stays a
//! project of its own: it takes nothing from the root, its trust included.
//!
//! A member may add tools, override a tool's version (the source, `bin`
//! and the rest come from the root unless it says otherwise), add or
//! override variables, dotenv files, PATH entries and tasks. What the whole
//! workspace shares — `[settings]` (platforms, mirrors, caches), `[catalog]`
//! and `[workspace]` — belongs to the root, and a member cannot loosen a
//! pin of the root (drop a `sha256`, let more install scripts run); each
//! refusal is located in the member's file and names the root's line.

use super::validate::{Cx, display_path, item_span};
use super::{FILE_NAME, Manifest, ManifestError, Request, Sha256Spec, ToolSpec};
use std::path::{Component, Path, PathBuf};
use toml_edit::Item;

/// `[workspace]` of a root manifest.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorkspaceSpec {
    /// Member directories, relative to the root; globs (`services/*`) allowed.
    pub members: Vec<String>,
    /// Directories the member globs match that are not members.
    pub exclude: Vec<String>,
}

/// Where an environment's manifest stands in a workspace.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    /// The workspace root: the directory of the manifest with `[workspace]`.
    pub root: PathBuf,
    /// The member, as a `/`-separated path relative to the root; `None` for
    /// the root's own environment (the root and its non-member directories).
    pub member: Option<String>,
    /// Tools of the root whose request the member overrides, with the
    /// root's version as written (`node` → `22`), for `status`.
    pub overrides: Vec<(String, String)>,
    /// The root manifest's exact content as it was merged: what trust
    /// compares, so the hook applies exactly the bytes it checked.
    pub root_source: String,
}

impl Cx<'_> {
    /// Validates `[workspace]`: `members` and `exclude`, each a relative
    /// path (glob) inside the root.
    pub(super) fn workspace(&self, item: &Item) -> Result<WorkspaceSpec, ManifestError> {
        let table = self.table(
            item,
            "`workspace`",
            "[workspace] followed by `members = [\"services/*\"]`",
        )?;
        let mut spec = WorkspaceSpec::default();
        for (key, value) in table.iter() {
            let list = match key {
                "members" => &mut spec.members,
                "exclude" => &mut spec.exclude,
                other => {
                    let span = table.key(other).and_then(|k| k.span()).unwrap_or(0..0);
                    return Err(self.unknown_key(
                        span,
                        other,
                        "in [workspace]",
                        &["members", "exclude"],
                    ));
                }
            };
            let example = format!("{key} = [\"services/*\", \"tools/cli\"]");
            *list = self.string_list(value, &format!("`{key}`"), &example)?;
            for (i, entry) in list.iter().enumerate() {
                let span = value
                    .as_array()
                    .and_then(|a| a.get(i))
                    .and_then(|v| v.span())
                    .unwrap_or_else(|| item_span(value));
                if let Some(problem) = member_path_problem(entry) {
                    return Err(self.error(
                        span,
                        format!("`{entry}` {problem}"),
                        Some("list directories inside the workspace, relative to this file: `services/*`, `tools/cli`".into()),
                    ));
                }
            }
        }
        if spec.members.is_empty() {
            return Err(self.error(
                item_span(item),
                "[workspace] lists no members".into(),
                Some("add `members = [\"services/*\"]` (globs relative to this file)".into()),
            ));
        }
        Ok(spec)
    }
}

/// Why `entry` cannot name member directories, if it cannot.
fn member_path_problem(entry: &str) -> Option<String> {
    if entry.is_empty() || entry == "." {
        return Some("is the workspace root itself, which is no member".into());
    }
    if entry.contains('\\') {
        return Some("contains `\\`; separate directories with `/`".into());
    }
    let path = Path::new(entry);
    if path.is_absolute()
        || path
            .components()
            .any(|c| matches!(c, Component::ParentDir | Component::Prefix(_)))
    {
        return Some("leaves the workspace".into());
    }
    if let Err(e) = glob::Pattern::new(entry) {
        return Some(format!("is not a valid glob: {}", e.msg));
    }
    None
}

fn pattern(entry: &str) -> Option<glob::Pattern> {
    glob::Pattern::new(entry.trim_end_matches('/')).ok()
}

const MATCH: glob::MatchOptions = glob::MatchOptions {
    case_sensitive: true,
    require_literal_separator: true,
    require_literal_leading_dot: true,
};

impl WorkspaceSpec {
    /// Whether `rel` (a `/`-separated directory relative to the root) is a
    /// member: some `members` entry matches it and no `exclude` entry does.
    pub fn lists(&self, rel: &str) -> bool {
        let matches = |entries: &[String]| {
            entries
                .iter()
                .filter_map(|e| pattern(e))
                .any(|p| p.matches_with(rel, MATCH))
        };
        !rel.is_empty() && matches(&self.members) && !matches(&self.exclude)
    }
}

fn is_glob(entry: &str) -> bool {
    entry.contains(['*', '?', '['])
}

/// `dir` relative to `root` as a `/`-separated string, if inside it.
pub fn relative(root: &Path, dir: &Path) -> Option<String> {
    let rel = dir.strip_prefix(root).ok()?;
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    Some(parts?.join("/"))
}

/// The environment's manifest for `dir`, the directory holding the nearest
/// `devenv.toml`: its own, the root's merged under it when a workspace
/// above lists it, or the root's own (with its [`Place`]) when `dir` is a
/// workspace root.
pub fn locate(dir: &Path, limits: crate::files::Limits) -> anyhow::Result<Manifest> {
    let own = Manifest::load(dir, limits)?;
    if own.workspace.is_some() {
        return Ok(Manifest {
            place: Some(Place {
                root: dir.to_path_buf(),
                member: None,
                overrides: Vec::new(),
                root_source: own.source.clone(),
            }),
            ..own
        });
    }
    let Some(root) = find_workspace_above(dir, limits)? else {
        return Ok(own);
    };
    let spec = root.workspace.as_ref().expect("found by its [workspace]");
    match relative(&root.root, dir) {
        Some(rel) if spec.lists(&rel) => {
            check_inside(&root, dir, &rel)?;
            Ok(merge(&root, &own, &rel)?)
        }
        _ => Ok(own),
    }
}

/// The nearest manifest above `dir` (exclusive) with `[workspace]`.
pub fn find_workspace_above(
    dir: &Path,
    limits: crate::files::Limits,
) -> anyhow::Result<Option<Manifest>> {
    for parent in dir.ancestors().skip(1) {
        let path = parent.join(FILE_NAME);
        if !path.is_file() {
            continue;
        }
        // A manifest whose text never says `workspace` cannot declare
        // one: it is neither parsed (on the hook's path) nor allowed to
        // fail the project below it, which is not its member.
        let Some(source) = crate::files::read_bounded(
            &path,
            limits.of(crate::files::MAX_MANIFEST),
            "the manifest",
        )?
        else {
            continue;
        };
        if !source.contains("workspace") {
            continue;
        }
        let m = Manifest {
            limits,
            ..Manifest::parse(&path, source)?
        };
        if m.workspace.is_some() {
            return Ok(Some(m));
        }
    }
    Ok(None)
}

/// A member reached through a symbolic link that leaves the workspace is
/// refused: its files would be trusted with the root's.
fn check_inside(root: &Manifest, dir: &Path, rel: &str) -> anyhow::Result<()> {
    let real_root = std::fs::canonicalize(&root.root).unwrap_or_else(|_| root.root.clone());
    let real = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    if !real.starts_with(&real_root) {
        anyhow::bail!(
            "the workspace member `{rel}` of {} is a link to {}, outside the workspace; devenv does not use it as a member — make it a real directory of the workspace",
            root.path.display(),
            real.display()
        );
    }
    Ok(())
}

/// Every member of the workspace rooted at `root` (which has
/// `[workspace]`), sorted by path, each with its merged manifest. An
/// explicit entry (no glob) without a `devenv.toml` is an error at the
/// entry; a glob takes the directories it matches that have one.
pub fn members(root: &Manifest) -> anyhow::Result<Vec<Manifest>> {
    let Some(spec) = &root.workspace else {
        return Ok(Vec::new());
    };
    let mut dirs: Vec<String> = Vec::new();
    for entry in &spec.members {
        let entry = entry.trim_end_matches('/');
        if !is_glob(entry) {
            if !root.root.join(entry).join(FILE_NAME).is_file() {
                let e = root.value_error(
                    &["workspace", "members"],
                    Some(&format!("\"{entry}\"")),
                    format!("the workspace member `{entry}` has no {FILE_NAME}"),
                    Some(format!(
                        "create {entry}/{FILE_NAME} (it may be empty), or remove `{entry}` from `members`"
                    )),
                );
                return Err(match e {
                    Some(e) => e.into(),
                    None => anyhow::anyhow!("the workspace member `{entry}` has no {FILE_NAME}"),
                });
            }
            dirs.push(entry.to_string());
            continue;
        }
        let pattern = format!(
            "{}/{entry}",
            glob::Pattern::escape(&root.root.to_string_lossy())
        );
        let found = glob::glob_with(&pattern, MATCH).ok();
        for path in found.into_iter().flatten().flatten() {
            if path.join(FILE_NAME).is_file()
                && let Some(rel) = relative(&root.root, &path)
            {
                dirs.push(rel);
            }
        }
    }
    dirs.retain(|d| spec.lists(d));
    dirs.sort();
    dirs.dedup();
    let mut out = Vec::with_capacity(dirs.len());
    for rel in dirs {
        let dir = root.root.join(&rel);
        check_inside(root, &dir, &rel)?;
        let own = Manifest::load(&dir, root.limits)?;
        out.push(merge(root, &own, &rel)?);
    }
    Ok(out)
}

/// "file:line:column" of `keys` in `m`, for naming the root's side of a refusal.
fn at(m: &Manifest, keys: &[&str]) -> String {
    match m.key_error(keys, String::new(), None) {
        Some(e) => format!("{}:{}:{}", e.file, e.line, e.column),
        None => display_path(&m.path),
    }
}

/// The member's environment: `root` with `member` (at `rel`) merged over
/// it. Errors are located in the member's file.
pub fn merge(root: &Manifest, member: &Manifest, rel: &str) -> Result<Manifest, ManifestError> {
    let refuse = |keys: &[&str], message: String, help: String| -> ManifestError {
        member
            .key_error(keys, message.clone(), Some(help.clone()))
            .unwrap_or_else(|| member.file_error(message, Some(help)))
    };
    let root_file = display_path(&root.path);
    if member.workspace.is_some() {
        return Err(refuse(
            &["workspace"],
            format!(
                "`{rel}` is a member of the workspace at {root_file}, so it cannot declare a workspace of its own"
            ),
            format!("list its directories in `members` of {root_file} instead"),
        ));
    }
    for (table, present) in [
        ("settings", member.settings != Default::default()),
        ("catalog", !member.catalog.is_empty()),
    ] {
        if present {
            return Err(refuse(
                &[table],
                format!("[{table}] applies to the whole workspace, so a member cannot set it"),
                format!("move it to {root_file}, the workspace root"),
            ));
        }
    }
    let mut tools = root.tools.clone();
    let mut overrides = Vec::new();
    for tool in &member.tools {
        match tools.iter_mut().find(|t| t.name == tool.name) {
            Some(inherited) => {
                let merged = override_tool(root, member, inherited, tool)?;
                if merged != *inherited {
                    overrides.push((tool.name.clone(), inherited.request.version().to_string()));
                }
                *inherited = merged;
            }
            None => tools.push(tool.clone()),
        }
    }
    let absolute = |p: &String| root.root.join(p).to_string_lossy().into_owned();
    let mut env = root.env.clone();
    env.path = member
        .env
        .path
        .iter()
        .cloned()
        .chain(root.env.path.iter().map(absolute))
        .collect();
    env.dotenv = root
        .env
        .dotenv
        .iter()
        .map(absolute)
        .chain(member.env.dotenv.iter().cloned())
        .collect();
    for (name, value) in &member.env.vars {
        match env.vars.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value.clone(),
            None => env.vars.push((name.clone(), value.clone())),
        }
    }
    // Registry files are the root's, relative to the root.
    let mut settings = root.settings.clone();
    for r in &mut settings.registries {
        if !r.starts_with("https://") && !r.starts_with("http://") {
            *r = absolute(r);
        }
    }
    let mut tasks: Vec<_> = root
        .tasks
        .iter()
        .filter(|t| !member.tasks.iter().any(|m| m.name == t.name))
        .cloned()
        .map(|mut t| {
            // The root's tasks run where the root says, not in the member.
            t.dir = Some(absolute(&t.dir.clone().unwrap_or_default()));
            t
        })
        .collect();
    tasks.extend(member.tasks.iter().cloned());
    Ok(Manifest {
        path: member.path.clone(),
        root: member.root.clone(),
        source: member.source.clone(),
        tools,
        env,
        settings,
        catalog: root.catalog.clone(),
        tasks,
        limits: root.limits,
        workspace: None,
        place: Some(Place {
            root: root.root.clone(),
            member: Some(rel.to_string()),
            overrides,
            root_source: root.source.clone(),
        }),
    })
}

/// The member's `tool` over the root's `inherited`: the member's version,
/// and each other field from the member when it says so, else the root's.
fn override_tool(
    root: &Manifest,
    member: &Manifest,
    inherited: &ToolSpec,
    tool: &ToolSpec,
) -> Result<ToolSpec, ManifestError> {
    let name = tool.name.as_str();
    let there = at(root, &["tools", name]);
    let refuse = |message: String, help: String| {
        member
            .value_error(&["tools", name], None, message.clone(), Some(help.clone()))
            .unwrap_or_else(|| member.file_error(message, Some(help)))
    };
    let request = match (&inherited.request, &tool.request) {
        (Request::Registry(r), Request::Registry(m)) => {
            let mut out = r.clone();
            out.version = m.version.clone();
            out.source = m.source.clone().or_else(|| r.source.clone());
            out.bin = m.bin.clone().or_else(|| r.bin.clone());
            out.asset = m.asset.clone().or_else(|| r.asset.clone());
            for (mine, theirs) in [
                (&mut out.components, &m.components),
                (&mut out.targets, &m.targets),
                (&mut out.extras, &m.extras),
            ] {
                if !theirs.is_empty() {
                    mine.clone_from(theirs);
                }
            }
            if let Some(extra) = m
                .allow_scripts
                .iter()
                .find(|s| !r.allow_scripts.contains(s))
            {
                return Err(refuse(
                    format!(
                        "`{name}` would let `{extra}` run install scripts, which the workspace root ({there}) does not allow"
                    ),
                    format!(
                        "a member cannot loosen the root's pins: add `{extra}` to `allow_scripts` of `{name}` at {there}, where the whole workspace sees it"
                    ),
                ));
            }
            Request::Registry(out)
        }
        (Request::Url(r), Request::Url(m)) => {
            if r.sha256 != Sha256Spec::None && m.sha256 == Sha256Spec::None {
                return Err(refuse(
                    format!("`{name}` drops the `sha256` the workspace root pins at {there}"),
                    "a member cannot loosen the root's pins: give the `sha256` of the member's version".into(),
                ));
            }
            Request::Url(m.clone())
        }
        (Request::Url(r), Request::Registry(m))
            if m.source.is_none() && m.bin.is_none() && m.asset.is_none() =>
        {
            // `mytool = "2.0"` over a URL tool: the same template, another version.
            if r.sha256 != Sha256Spec::None {
                return Err(refuse(
                    format!(
                        "`{name}` changes the version of a URL tool whose `sha256` the workspace root pins at {there}"
                    ),
                    format!(
                        "a member cannot loosen the root's pins: write the whole tool with the `sha256` of the member's version, `{name} = {{ url = \"…\", version = \"{}\", sha256 = \"…\" }}`",
                        m.version
                    ),
                ));
            }
            let mut out = r.clone();
            out.version = m.version.clone();
            Request::Url(out)
        }
        _ => {
            let kind = |r: &Request| match r {
                Request::Url(_) => "a URL tool",
                Request::Registry(_) => "a registry tool",
            };
            return Err(refuse(
                format!(
                    "`{name}` is {} in the workspace root ({there}) but {} here",
                    kind(&inherited.request),
                    kind(&tool.request)
                ),
                format!(
                    "override only its version (`{name} = \"…\"`), or give the tool another name"
                ),
            ));
        }
    };
    Ok(ToolSpec {
        name: name.to_string(),
        request,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(members: &[&str], exclude: &[&str]) -> WorkspaceSpec {
        WorkspaceSpec {
            members: members.iter().map(|s| s.to_string()).collect(),
            exclude: exclude.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn a_glob_lists_one_level_and_exclude_wins() {
        let s = spec(&["services/*", "tools/cli"], &["services/legacy"]);
        assert!(s.lists("services/api"));
        assert!(s.lists("tools/cli"));
        assert!(!s.lists("services/legacy"), "excluded");
        assert!(!s.lists("services/api/sub"), "`*` does not cross `/`");
        assert!(!s.lists("tools"));
        assert!(!s.lists(""), "the root is no member");
        assert!(!s.lists("services/.hidden"));
    }

    #[test]
    fn entries_that_leave_the_workspace_are_refused() {
        assert!(member_path_problem("../x").is_some());
        assert!(member_path_problem("/abs").is_some());
        assert!(member_path_problem("a/../../b").is_some());
        assert!(member_path_problem(".").is_some());
        assert!(member_path_problem("a/[").is_some());
        assert_eq!(member_path_problem("services/*"), None);
    }
}
