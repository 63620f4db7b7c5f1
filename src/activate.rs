//! Pins + `[env]` → the environment: which variables to set or unset and
//! which directories to put in front of PATH.
//!
//! Order of evaluation, each step able to refer to the ones before with
//! `${VAR}`: devenv's own variables (`DEVENV_ROOT`, `DEVENV_PROJECT_NAME`,
//! `DEVENV_ACTIVE`), then the dotenv files in the order listed, then the
//! `[env]` entries in file order. So `[env]` wins over a dotenv file, and a
//! dotenv file can feed values into `[env]`.

use anyhow::{Context, Result, bail};
use devenv_model::config::vars;
use devenv_model::lock::Lock;
use devenv_model::manifest::{EnvValue, Manifest};
use devenv_model::platform::Platform;
use devenv_store::store::Store;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The environment a project asks for, relative to any outer environment.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Environment {
    /// Variables in the order they were defined; `None` means unset.
    pub(crate) vars: Vec<(String, Option<String>)>,
    /// Directories to prepend to PATH, first wins.
    pub(crate) path: Vec<PathBuf>,
    /// Tools pinned for this platform but not in the store: (name, version).
    pub(crate) missing: Vec<(String, String)>,
}

/// The dotenv files of a project as read: each name as listed in the
/// manifest, with its content when the file exists.
pub(crate) type Dotenv = [(String, Option<String>)];

/// Reads the dotenv files `manifest` lists: only regular files, each under
/// [`devenv_model::files::MAX_DOTENV`] (or the manifest's configured limit).
pub(crate) fn read_dotenv(manifest: &Manifest) -> Result<Vec<(String, Option<String>)>> {
    manifest
        .env
        .dotenv
        .iter()
        .map(|name| {
            let path = manifest.root.join(name);
            let text = devenv_model::files::read_bounded(
                &path,
                manifest.limits.of(devenv_model::files::MAX_DOTENV),
                "dotenv file",
            )?;
            Ok((name.clone(), text))
        })
        .collect()
}

/// Computes the environment of `manifest` with the tools of `lock` (if any)
/// on `platform`, and the dotenv files' contents `dotenv` (as read by
/// [`read_dotenv`] or a trust snapshot). `outer` looks up variables of the
/// environment devenv runs in, for `${VAR}` interpolation.
pub(crate) fn compute(
    manifest: &Manifest,
    lock: Option<&Lock>,
    dotenv: &Dotenv,
    store: &Store,
    platform: Platform,
    outer: &dyn Fn(&str) -> Option<String>,
) -> Result<Environment> {
    let mut env = Environment::default();
    let root = manifest.root.to_string_lossy().into_owned();
    env.set(vars::ROOT.name, Some(root));
    env.set(vars::PROJECT_NAME.name, Some(manifest.project_name()));
    env.set(vars::ACTIVE.name, Some("1".into()));

    // Variables the tools need (JAVA_HOME), before the project's own, so
    // dotenv files and [env] can read or override them.
    if let Some(lock) = lock {
        for (name, tool) in &lock.tools {
            let Some(artifact) = tool.artifacts.get(&platform) else {
                continue;
            };
            let entry = store.entry_path(&artifact.entry_name(name, &tool.version));
            if !artifact.env.is_empty() && entry.is_dir() {
                for (var, value) in tool_env(&entry, &artifact.env)
                    .with_context(|| format!("devenv.lock: tool `{name}`"))?
                {
                    env.set(&var, Some(value));
                }
            }
        }
    }

    for (name, text) in dotenv {
        let Some(text) = text else { continue };
        let path = manifest.root.join(name);
        for (k, v) in
            parse_dotenv(text).with_context(|| format!("in dotenv file {}", path.display()))?
        {
            env.set(&k, Some(v));
        }
    }

    for (name, value) in &manifest.env.vars {
        let value = match value {
            EnvValue::Unset => None,
            EnvValue::Set(template) => Some(
                interpolate(template, |v| env.get(v).or_else(|| outer(v))).map_err(|e| {
                    let (message, help) = devenv_model::manifest::split_help(&e);
                    // The caret goes under the `${...}` the message names.
                    let needle = message
                        .split('`')
                        .nth(1)
                        .filter(|n| n.starts_with("${"))
                        .map(str::to_string);
                    match manifest.value_error(&["env", name], needle.as_deref(), message, help) {
                        Some(located) => anyhow::Error::new(located),
                        None => anyhow::anyhow!("{}: [env] {name}: {e}", manifest.path.display()),
                    }
                })?,
            ),
        };
        env.set(name, value);
    }

    for dir in &manifest.env.path {
        env.path.push(manifest.root.join(dir));
    }
    if let Some(lock) = lock {
        for (name, tool) in manifest_order(manifest, lock) {
            if let Some(exe) = crate::system::interpreter(tool) {
                let dir = crate::system::bin_dir(store, exe);
                if dir.is_dir() {
                    env.path.push(dir);
                } else {
                    env.missing.push((name.clone(), tool.version.clone()));
                }
                continue;
            }
            let Some(artifact) = tool.artifacts.get(&platform) else {
                continue;
            };
            let entry = store.entry_path(&artifact.entry_name(name, &tool.version));
            if !entry.is_dir() {
                env.missing.push((name.clone(), tool.version.clone()));
                continue;
            }
            env.path.extend(bin_dirs(&entry, &artifact.bin));
        }
    }
    Ok(env)
}

/// The lock's tools in the order devenv.toml lists them (then any the
/// manifest no longer names): PATH follows it, so when two tools provide
/// the same command, the one written first wins.
fn manifest_order<'a>(
    manifest: &Manifest,
    lock: &'a Lock,
) -> Vec<(&'a String, &'a devenv_model::lock::LockedTool)> {
    let position = |name: &str| {
        manifest
            .tools
            .iter()
            .position(|t| t.name == name)
            .unwrap_or(usize::MAX)
    };
    let mut tools: Vec<_> = lock.tools.iter().collect();
    tools.sort_by_key(|(name, _)| position(name));
    tools
}

/// Commands more than one tool provides, as (command, the tool that wins,
/// the tools it hides), in manifest order. Only installed tools are looked
/// at: a directory's commands are known once it is unpacked.
pub(crate) fn shadowed_commands(
    manifest: &Manifest,
    lock: &Lock,
    store: &Store,
    platform: Platform,
) -> Vec<(String, String, Vec<String>)> {
    let mut providers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for (name, tool) in manifest_order(manifest, lock) {
        let Some(artifact) = tool.artifacts.get(&platform) else {
            continue;
        };
        let entry = store.entry_path(&artifact.entry_name(name, &tool.version));
        for dir in bin_dirs(&entry, &artifact.bin) {
            let Ok(read) = std::fs::read_dir(&dir) else {
                continue;
            };
            let mut commands: Vec<String> = read
                .flatten()
                .filter(|e| e.path().is_file())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            commands.sort();
            for c in commands {
                let list = providers.entry(c.clone()).or_default();
                if !list.contains(name) {
                    list.push(name.clone());
                }
                if !order.contains(&c) {
                    order.push(c);
                }
            }
        }
    }
    order
        .into_iter()
        .filter_map(|c| {
            let list = &providers[&c];
            (list.len() > 1).then(|| (c.clone(), list[0].clone(), list[1..].to_vec()))
        })
        .collect()
}

/// A tool's variables with `{root}` made the store entry's path. The lock
/// is untrusted: names must be usable and values stay inside the entry.
pub(crate) fn tool_env(
    entry: &Path,
    vars: &BTreeMap<String, String>,
) -> Result<Vec<(String, String)>> {
    let root = entry.to_string_lossy();
    vars.iter()
        .map(|(k, v)| {
            if let Err((msg, _)) = devenv_model::manifest::check_var_name(k) {
                bail!("{msg}");
            }
            if let Some(what) = takes_over(k) {
                bail!("`{k}` would take over {what}; a tool's variables may not set it");
            }
            if !v.starts_with("{root}") || v.split('/').any(|p| p == "..") {
                bail!("`{k}` must be `{{root}}` or a directory inside it, not `{v}`");
            }
            Ok((k.clone(), v.replace("{root}", &root)))
        })
        .collect()
}

/// The directories of a store entry that go on PATH: the listed ones, or
/// `bin` when none are listed and it exists, else the entry itself.
pub(crate) fn bin_dirs(entry: &Path, bin: &[String]) -> Vec<PathBuf> {
    if !bin.is_empty() {
        let mut dirs: Vec<PathBuf> = Vec::new();
        for b in bin {
            let dir = if b.contains('=') {
                entry.join(devenv_model::lock::LINK_DIR)
            } else if b.is_empty() || b == "." {
                entry.to_path_buf()
            } else {
                entry.join(b)
            };
            if !dirs.contains(&dir) {
                dirs.push(dir);
            }
        }
        return dirs;
    }
    let default = entry.join("bin");
    vec![if default.is_dir() {
        default
    } else {
        entry.to_path_buf()
    }]
}

impl Environment {
    fn set(&mut self, name: &str, value: Option<String>) {
        self.vars.retain(|(n, _)| n != name);
        self.vars.push((name.to_string(), value));
    }

    /// The value this environment gives `name`, if it sets it.
    pub(crate) fn get(&self, name: &str) -> Option<String> {
        self.vars
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.clone())
    }

    /// PATH with this environment's directories in front of `outer`.
    pub(crate) fn full_path(&self, outer: Option<&str>) -> String {
        let mut parts: Vec<String> = self
            .path
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        if let Some(o) = outer.filter(|o| !o.is_empty()) {
            parts.push(o.to_string());
        }
        parts.join(":")
    }

    /// Every change as (name, new value or unset), PATH included in full,
    /// sorted by name: what `devenv env` prints.
    pub(crate) fn changes(&self, outer_path: Option<&str>) -> BTreeMap<String, Option<String>> {
        let mut out: BTreeMap<String, Option<String>> = self.vars.iter().cloned().collect();
        if !self.path.is_empty() {
            out.insert("PATH".into(), Some(self.full_path(outer_path)));
        }
        out
    }
}

/// Expands `${VAR}` and `${VAR:-default}`; `$$` is a literal `$`; a `$`
/// not followed by `{` or `$` is kept as is.
pub(crate) fn interpolate(
    template: &str,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<String, String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(body) = after.strip_prefix('{') {
            let end = body.find('}').ok_or_else(|| {
                format!("`${{` is not closed in `{template}`; write `$$` for a literal `$`")
            })?;
            let inner = &body[..end];
            let (name, default) = match inner.split_once(":-") {
                Some((n, d)) => (n, Some(d)),
                None => (inner, None),
            };
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(format!(
                    "`${{{inner}}}` is not a variable reference; write `$$` for a literal `$`"
                ));
            }
            match (lookup(name), default) {
                (Some(v), _) => out.push_str(&v),
                (None, Some(d)) => out.push_str(d),
                (None, None) => {
                    return Err(format!(
                        "`${{{name}}}` is not set; set it, or give a default with `${{{name}:-default}}`"
                    ));
                }
            }
            rest = &body[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// Parses a dotenv file: `KEY=value` lines, optional `export `, `#`
/// comments, 'single-quoted' literals and "double-quoted" values with
/// `\n`, `\"`, `\\` escapes that may span lines. Values are not interpolated.
pub(crate) fn parse_dotenv(text: &str) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((n, line)) = lines.next() {
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((key, raw)) = line.split_once('=') else {
            bail!("line {}: expected KEY=value, found `{line}`", n + 1);
        };
        let key = key.trim();
        if let Err((msg, _)) = devenv_model::manifest::check_var_name(key) {
            bail!("line {}: {msg}", n + 1);
        }
        if let Some(what) = takes_over(key) {
            bail!(
                "line {}: `{key}` is never set from a dotenv file: it would take over {what}; if the project really needs it, set it in [env] of devenv.toml, where `devenv allow` shows it",
                n + 1
            );
        }
        let raw = raw.trim_start();
        let value = if let Some(body) = raw.strip_prefix('\'') {
            let end = body
                .find('\'')
                .ok_or_else(|| anyhow::anyhow!("line {}: the single quote is not closed", n + 1))?;
            body[..end].to_string()
        } else if let Some(body) = raw.strip_prefix('"') {
            let mut value = String::new();
            let mut text = body.to_string();
            loop {
                if let Some(v) = unescape_until_quote(&text) {
                    value.push_str(&v);
                    break;
                }
                let (_, next) = lines.next().ok_or_else(|| {
                    anyhow::anyhow!("line {}: the double quote is not closed", n + 1)
                })?;
                text.push('\n');
                text.push_str(next);
            }
            value
        } else {
            let v = match raw.find(" #") {
                Some(i) => &raw[..i],
                None => raw,
            };
            v.trim_end().to_string()
        };
        if value.contains('\0') {
            bail!(
                "line {}: the value of `{key}` contains a NUL byte, which no environment variable can hold",
                n + 1
            );
        }
        out.push((key.to_string(), value));
    }
    Ok(out)
}

pub(crate) use devenv_model::names::takes_over;

/// Unescapes a double-quoted body up to its closing quote, or `None` when
/// the quote is not closed yet.
fn unescape_until_quote(text: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(out),
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolation() {
        let look = |v: &str| (v == "A").then(|| "x".to_string());
        assert_eq!(interpolate("a${A}b", look).unwrap(), "axb");
        assert_eq!(interpolate("${B:-dflt}", look).unwrap(), "dflt");
        assert_eq!(interpolate("$$HOME $5", look).unwrap(), "$HOME $5");
        assert!(
            interpolate("${B}", look)
                .unwrap_err()
                .contains("`${B}` is not set")
        );
        assert!(interpolate("${A", look).is_err());
    }

    #[test]
    fn dotenv() {
        let parsed = parse_dotenv("# c\nexport A=1\nB='x y'\nC=\"l1\\nl2 \\\"q\\\"\"\nD=plain # note\nE=\"multi\nline\"\n").unwrap();
        assert_eq!(
            parsed,
            vec![
                ("A".into(), "1".into()),
                ("B".into(), "x y".into()),
                ("C".into(), "l1\nl2 \"q\"".into()),
                ("D".into(), "plain".into()),
                ("E".into(), "multi\nline".into())
            ]
        );
        assert!(
            parse_dotenv("NOEQUALS\n")
                .unwrap_err()
                .to_string()
                .contains("line 1")
        );
    }
}
