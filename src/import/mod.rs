//! Importing what a repository already has: the version files of asdf,
//! nvm, nodenv, pyenv, mise, rustup, Go and devbox, and simple `.envrc`
//! lines, turned into the entries of a first `devenv.toml`.
//!
//! Each reader turns one file into [`Imported`] entries, each remembering
//! the file (and line) it came from; whatever cannot be translated is kept
//! as a [`Skipped`] line with the reason, so `devenv init` can write it as a
//! comment instead of dropping it silently. [`render`] writes the manifest;
//! its output is always re-read by the manifest parser before it is used.

mod files;

use anyhow::{Result, bail};
use devenv_model::catalog::Catalog;
use devenv_model::manifest::{Manifest, check_var_name};
use std::path::Path;

/// The files `devenv init` looks for, in the order they are read. When two
/// files pin the same tool, the first one listed here wins and the other
/// is kept as a comment. Tool managers' own configuration comes first, then
/// the one-tool files, then devbox and direnv.
pub(crate) const FILES: &[&str] = &[
    "mise.toml",
    ".mise.toml",
    ".tool-versions",
    ".nvmrc",
    ".node-version",
    ".python-version",
    "rust-toolchain.toml",
    "go.mod",
    "devbox.json",
    ".envrc",
];

/// The largest file read: version files are a few lines.
const MAX_FILE: u64 = 1024 * 1024;

/// One entry, with where it came from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry<T> {
    pub(crate) value: T,
    /// `.nvmrc`, or `.tool-versions:3`.
    pub(crate) from: String,
}

/// A task carried over from mise or devbox.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ImportedTask {
    pub(crate) name: String,
    pub(crate) run: Vec<String>,
    pub(crate) description: Option<String>,
    pub(crate) depends: Vec<String>,
}

/// A line devenv could not translate.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Skipped {
    pub(crate) from: String,
    pub(crate) text: String,
    pub(crate) why: String,
}

/// Everything imported from one or more files.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Imported {
    /// The files read, in order.
    pub(crate) files: Vec<String>,
    /// (tool name, version constraint).
    pub(crate) tools: Vec<Entry<(String, String)>>,
    pub(crate) env: Vec<Entry<(String, String)>>,
    pub(crate) path: Vec<Entry<String>>,
    pub(crate) dotenv: Vec<Entry<String>>,
    pub(crate) tasks: Vec<Entry<ImportedTask>>,
    pub(crate) skipped: Vec<Skipped>,
    /// List options of imported tools: (tool, option, values), such as
    /// rustup's `components` for `rust`.
    pub(crate) tool_lists: Vec<(String, &'static str, Vec<String>)>,
}

impl Imported {
    /// Whether nothing at all was found.
    pub(crate) fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    fn skip(&mut self, from: impl Into<String>, text: impl Into<String>, why: impl Into<String>) {
        self.skipped.push(Skipped {
            from: from.into(),
            text: text.into(),
            why: why.into(),
        });
    }

    /// Adds a tool unless an earlier file pinned it; checks name and
    /// version the way the manifest will.
    fn tool(&mut self, catalog: &Catalog, name: &str, version: &str, from: String, text: &str) {
        let (name, named_version) = devenv_name(name);
        // A Nix attribute names its version (`nodejs_20`): it stands for
        // "latest" and for nothing, never against an explicit version.
        let version = match (version.trim(), &named_version) {
            ("" | "latest", Some(v)) => v.as_str(),
            (v, _) => v,
        };
        if let Some(why) = untranslatable_tool(catalog, &name) {
            self.skip(from, text, why);
            return;
        }
        if version.is_empty()
            || !version
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._+-^~<>=!*, ".contains(c))
        {
            self.skip(
                from,
                text,
                format!("`{version}` is not a version devenv understands"),
            );
            return;
        }
        if let Some(first) = self.tools.iter().find(|t| t.value.0 == name) {
            let why = format!("`{name}` is already taken from {}", first.from);
            self.skip(from, text, why);
            return;
        }
        self.tools.push(Entry {
            value: (name, version.to_string()),
            from,
        });
    }

    fn var(&mut self, name: &str, value: &str, from: String, text: &str) {
        if let Err((msg, _)) = check_var_name(name) {
            self.skip(from, text, msg);
            return;
        }
        if self.env.iter().any(|e| e.value.0 == name) {
            self.skip(from, text, format!("`{name}` is already set above"));
            return;
        }
        // devenv interpolates `${VAR}` and keeps other `$` as they are; a
        // shell's `$VAR` or `$(cmd)` would silently mean something else.
        let mut rest = value;
        while let Some(i) = rest.find('$') {
            let after = &rest[i + 1..];
            if !(after.starts_with('{') || after.starts_with('$')) {
                self.skip(
                    from,
                    text,
                    "only `${VAR}` expansions carry over; write the value without shell code",
                );
                return;
            }
            rest = &after[1..];
        }
        self.env.push(Entry {
            value: (name.to_string(), value.to_string()),
            from,
        });
    }
}

/// The name devenv's catalog uses for another tool manager's name (asdf,
/// mise and Nix spell some differently), and the version a Nix attribute
/// name carries (`python312` is Python 3.12).
fn devenv_name(name: &str) -> (String, Option<String>) {
    let name = name.trim();
    let plain = |n: &str| (n.to_string(), None);
    match name {
        "nodejs" | "node" => return plain("node"),
        "golang" | "go" => return plain("go"),
        "python3" | "python" => return plain("python"),
        "rust" | "rustc" | "cargo" | "rustup" => return plain("rust"),
        "github-cli" => return plain("gh"),
        "temurin" | "openjdk" | "jdk" => return plain("java"),
        _ => {}
    }
    if let Some((backend, package)) = name.split_once(':') {
        return match backend {
            // mise's pipx installs PyPI packages, as devenv's pypi backend
            // does; ubi installs a GitHub project's release assets.
            "pipx" => (format!("pypi:{package}"), None),
            "ubi" => (format!("github:{package}"), None),
            _ => plain(name),
        };
    }
    // Nix attribute names: `python312`, `nodejs_20`, `go_1_22`, `jdk21`.
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if let Some(v) = name.strip_prefix("python3").filter(|v| digits(v)) {
        return ("python".into(), Some(format!("3.{v}")));
    }
    if let Some(v) = name
        .strip_prefix("nodejs_")
        .or_else(|| name.strip_prefix("nodejs-"))
        .map(|v| v.trim_end_matches("_x"))
        .filter(|v| digits(v))
    {
        return ("node".into(), Some(v.to_string()));
    }
    if let Some(v) = name.strip_prefix("go_").map(|v| v.replace('_', "."))
        && v.split('.').all(digits)
    {
        return ("go".into(), Some(v));
    }
    if let Some(v) = name
        .strip_prefix("jdk")
        .or_else(|| name.strip_prefix("openjdk"))
        .or_else(|| name.strip_prefix("temurin-bin-"))
        .filter(|v| digits(v))
    {
        return ("java".into(), Some(v.to_string()));
    }
    plain(name)
}

/// Why `name` cannot be a devenv tool, if it cannot.
fn untranslatable_tool(catalog: &Catalog, name: &str) -> Option<String> {
    if let Some((backend, _)) = name.split_once(':') {
        if devenv_model::backend::Backend::parse(backend).is_some_and(|b| b.takes_packages()) {
            return None;
        }
        return Some(match backend {
            "go" => "devenv does not build Go modules; use the project's release binaries with `github:OWNER/REPO`".into(),
            _ => format!(
                "devenv has no `{backend}:` source; its sources are {}, the catalog (`devenv search`), and URL tools",
                devenv_model::backend::Backend::package_forms()
            ),
        });
    }
    if catalog.entries.contains_key(name) {
        return None;
    }
    Some(format!(
        "`{name}` is not in devenv's catalog (`devenv search {name}` looks for it by other names); if it publishes release binaries on GitHub, use `github:OWNER/{name}`, or `npm:{name}`/`pypi:{name}` if it is published there, or pin it by URL"
    ))
}

/// Reads `dir`'s known files (see [`FILES`]).
pub(crate) fn import_dir(dir: &Path, catalog: &Catalog) -> Result<Imported> {
    let mut out = Imported::default();
    for name in FILES {
        let path = dir.join(name);
        if path.is_file() {
            import_into(&path, catalog, &mut out)?;
        }
    }
    Ok(out)
}

/// Reads one file, whose kind is known by its name (see [`FILES`]).
pub(crate) fn import_file(path: &Path, catalog: &Catalog) -> Result<Imported> {
    let mut out = Imported::default();
    import_into(path, catalog, &mut out)?;
    Ok(out)
}

fn import_into(path: &Path, catalog: &Catalog, out: &mut Imported) -> Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !FILES.contains(&name.as_str()) {
        bail!(
            "devenv does not know how to import `{name}`; it reads {}",
            FILES
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let text = read_small(path)?;
    out.files.push(name.clone());
    use files::*;
    match name.as_str() {
        "mise.toml" | ".mise.toml" => mise(&text, &name, catalog, out),
        ".tool-versions" => tool_versions(&text, catalog, out),
        ".nvmrc" | ".node-version" => node_version(&text, &name, catalog, out),
        ".python-version" => python_version(&text, catalog, out),
        "rust-toolchain.toml" => rust_toolchain(&text, catalog, out),
        "go.mod" => go_mod(&text, catalog, out),
        "devbox.json" => devbox(&text, catalog, out),
        ".envrc" => envrc(&text, out),
        _ => unreachable!("checked against FILES"),
    }
    Ok(())
}

fn read_small(path: &Path) -> Result<String> {
    let reason = |e: std::io::Error| {
        anyhow::anyhow!(
            "could not read {}: {}",
            path.display(),
            devenv_model::error::io_reason(&e)
        )
    };
    let meta = std::fs::metadata(path).map_err(reason)?;
    if !meta.is_file() {
        bail!(
            "could not read {}: it is not a regular file",
            path.display()
        );
    }
    if meta.len() > MAX_FILE {
        bail!(
            "{} is larger than {}; it is not a version file devenv can import",
            path.display(),
            devenv_model::ui::human_bytes(MAX_FILE)
        );
    }
    let bytes = devenv_model::files::read_bytes(path).map_err(reason)?;
    String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("{} is not UTF-8 text", path.display()))
}

/// TOML for a key: bare when possible, quoted otherwise.
fn key(k: &str) -> String {
    toml_edit::Key::new(k).display_repr().into_owned()
}

/// TOML for a string value.
fn string(s: &str) -> String {
    toml_edit::Value::from(s).to_string().trim().to_string()
}

fn string_list(items: &[String]) -> String {
    let inner: Vec<String> = items.iter().map(|s| string(s)).collect();
    format!("[{}]", inner.join(", "))
}

/// Keeps a comment on one line, whatever the imported text held.
fn comment_text(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// The devenv.toml for `imp`, headed by `header` (comment lines).
pub(crate) fn render(imp: &Imported, header: &str) -> String {
    let mut s = String::from(header);
    s.push_str(&format!(
        "# Imported by `devenv init` from {}.\n",
        imp.files.join(", ")
    ));
    s.push_str("\n[tools]\n");
    for t in &imp.tools {
        let (name, version) = &t.value;
        let lists: Vec<String> = imp
            .tool_lists
            .iter()
            .filter(|(tool, _, _)| tool == name)
            .map(|(_, option, values)| format!("{option} = {}", string_list(values)))
            .collect();
        let value = if lists.is_empty() {
            string(version)
        } else {
            format!("{{ version = {}, {} }}", string(version), lists.join(", "))
        };
        s.push_str(&format!("{} = {value}    # from {}\n", key(name), t.from));
    }
    if imp.tools.is_empty() {
        s.push_str("# node = \"22\"\n");
    }
    if !imp.env.is_empty() || !imp.path.is_empty() || !imp.dotenv.is_empty() {
        s.push_str("\n[env]\n");
        for e in &imp.env {
            // `$$` is a literal `$` in devenv; `${VAR}` carried over as is.
            s.push_str(&format!(
                "{} = {}    # from {}\n",
                key(&e.value.0),
                string(&e.value.1),
                e.from
            ));
        }
        if !imp.path.is_empty() {
            let list: Vec<String> = imp.path.iter().map(|p| p.value.clone()).collect();
            let from: Vec<&str> = imp.path.iter().map(|p| p.from.as_str()).collect();
            s.push_str(&format!(
                "path = {}    # from {}\n",
                string_list(&list),
                from.join(", ")
            ));
        }
        if !imp.dotenv.is_empty() {
            let list: Vec<String> = imp.dotenv.iter().map(|p| p.value.clone()).collect();
            let from: Vec<&str> = imp.dotenv.iter().map(|p| p.from.as_str()).collect();
            s.push_str(&format!(
                "dotenv = {}    # from {}\n",
                string_list(&list),
                from.join(", ")
            ));
        }
    }
    if !imp.tasks.is_empty() {
        s.push_str("\n[tasks]\n");
        for t in &imp.tasks {
            let task = &t.value;
            let mut fields = vec![format!(
                "run = {}",
                if task.run.len() == 1 {
                    string(&task.run[0])
                } else {
                    string_list(&task.run)
                }
            )];
            if task.run.is_empty() {
                fields.clear();
            }
            if let Some(d) = &task.description {
                fields.push(format!("description = {}", string(d)));
            }
            if !task.depends.is_empty() {
                fields.push(format!("depends = {}", string_list(&task.depends)));
            }
            s.push_str(&format!(
                "{} = {{ {} }}    # from {}\n",
                key(&task.name),
                fields.join(", "),
                t.from
            ));
        }
    }
    if !imp.skipped.is_empty() {
        s.push_str("\n# Not imported:\n");
        for k in &imp.skipped {
            let text = if k.text.is_empty() {
                String::new()
            } else {
                format!(" `{}`", comment_text(&k.text))
            };
            s.push_str(&format!(
                "# - {}{}: {}\n",
                comment_text(&k.from),
                text,
                comment_text(&k.why)
            ));
        }
    }
    s
}

/// Drops what the manifest parser refuses (a task depending on a task that
/// was not imported, say), one entry at a time, so the written file always
/// loads; each dropped entry becomes a "not imported" line.
pub(crate) fn render_valid(imp: &mut Imported, header: &str, path: &Path) -> String {
    loop {
        let text = render(imp, header);
        let Err(e) = Manifest::parse(path, text.clone()) else {
            return text;
        };
        let line = e.line_text.clone();
        let why = e.message.clone();
        let before = imp.tools.len() + imp.env.len() + imp.tasks.len();
        imp.tools.retain(|t| !line.starts_with(&key(&t.value.0)));
        imp.env.retain(|t| !line.starts_with(&key(&t.value.0)));
        imp.tasks.retain(|t| !line.starts_with(&key(&t.value.name)));
        if imp.tools.len() + imp.env.len() + imp.tasks.len() == before {
            // Not an entry (should not happen): give up on everything but tools.
            imp.env.clear();
            imp.path.clear();
            imp.dotenv.clear();
            imp.tasks.clear();
            imp.skip("devenv.toml", line, why);
            if Manifest::parse(path, render(imp, header)).is_err() {
                imp.tools.clear();
            }
            continue;
        }
        imp.skip("devenv.toml", line, why);
    }
}
