//! One reader per file kind: each turns a file's text into entries of
//! [`Imported`], and every line it cannot translate into a [`Skipped`]
//! with the reason.

use super::{Entry, Imported, ImportedTask};
use devenv_model::catalog::Catalog;
use std::path::Path;

/// Lines with their 1-based numbers, without comments and blanks.
fn content_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().enumerate().filter_map(|(i, l)| {
        let l = match l.find('#') {
            Some(c) => &l[..c],
            None => l,
        }
        .trim();
        (!l.is_empty()).then_some((i + 1, l))
    })
}

/// asdf's `.tool-versions`: `tool version [fallback versions...]`.
pub(super) fn tool_versions(text: &str, catalog: &Catalog, out: &mut Imported) {
    for (n, line) in content_lines(text) {
        let from = format!(".tool-versions:{n}");
        let mut words = line.split_whitespace();
        let (Some(tool), Some(version)) = (words.next(), words.next()) else {
            out.skip(from, line, "a line needs a tool and a version");
            continue;
        };
        if let Some(why) = special_version(version) {
            out.skip(from, line, why);
            continue;
        }
        let more = words.next().is_some();
        let before = out.tools.len();
        out.tool(catalog, tool, version, from.clone(), line);
        if more && out.tools.len() > before {
            out.skip(
                from,
                line,
                format!("devenv pins one version per tool; `{version}` (the first) is used"),
            );
        }
    }
}

/// Versions that name no release: the tool outside devenv, a git ref, a path.
fn special_version(version: &str) -> Option<String> {
    if version == "system" {
        return Some("`system` means the tool installed outside devenv; leave it out".into());
    }
    for prefix in ["ref:", "path:", "prefix:", "sub-"] {
        if version.starts_with(prefix) {
            return Some(format!(
                "`{prefix}` versions are not releases devenv can download"
            ));
        }
    }
    None
}

/// Node.js release lines by their LTS code names.
const NODE_CODENAMES: &[(&str, &str)] = &[
    ("argon", "4"),
    ("boron", "6"),
    ("carbon", "8"),
    ("dubnium", "10"),
    ("erbium", "12"),
    ("fermium", "14"),
    ("gallium", "16"),
    ("hydrogen", "18"),
    ("iron", "20"),
    ("jod", "22"),
    ("krypton", "24"),
];

/// `.nvmrc` / `.node-version`: one version, `v` prefix allowed, nvm's
/// `lts/*`, `lts/<codename>` and `node` aliases.
pub(super) fn node_version(text: &str, file: &str, catalog: &Catalog, out: &mut Imported) {
    let Some((n, line)) = content_lines(text).next() else {
        out.skip(file, "", "the file names no version");
        return;
    };
    let from = format!("{file}:{n}");
    let lower = node_constraint(line).to_ascii_lowercase();
    let version = match lower.as_str() {
        "node" | "stable" | "current" | "latest" => "latest".to_string(),
        "lts/*" | "lts" => "lts".to_string(),
        other => match other.strip_prefix("lts/") {
            Some(code) => match NODE_CODENAMES.iter().find(|(c, _)| *c == code) {
                Some((_, major)) => major.to_string(),
                None => {
                    out.skip(from, line, format!("`{code}` is not a Node.js LTS code name devenv knows; write the major version"));
                    return;
                }
            },
            None => other.strip_prefix('v').unwrap_or(other).to_string(),
        },
    };
    if let Some(why) = special_version(&version) {
        out.skip(from, line, why);
        return;
    }
    out.tool(catalog, "node", &version, from, line);
}

/// The version part of an `.nvmrc` line: nvm reads the first word, but
/// real files also hold `node ^18.17.0` (the tool's name first, as in
/// `.tool-versions`) and ranges written with a space (`>= 18.17`), which
/// tools such as setup-node read as a semver range.
fn node_constraint(line: &str) -> String {
    let words: Vec<&str> = line.split_whitespace().collect();
    let words = match words.as_slice() {
        [tool, rest @ ..] if !rest.is_empty() && matches!(*tool, "node" | "nodejs") => rest,
        all => all,
    };
    match words {
        [op, rest @ ..] if !rest.is_empty() && op.chars().all(|c| "<>=^~!".contains(c)) => {
            format!("{op}{}", rest.join(" "))
        }
        [first, ..] => first.to_string(),
        [] => String::new(),
    }
}

/// pyenv's `.python-version`: the first line; pyenv's other lines are
/// fallbacks, and other implementations are not CPython.
pub(super) fn python_version(text: &str, catalog: &Catalog, out: &mut Imported) {
    for (i, (n, line)) in content_lines(text).enumerate() {
        let from = format!(".python-version:{n}");
        if i > 0 {
            out.skip(from, line, "devenv pins one Python; the first line is used");
            continue;
        }
        if is_python_version(line) {
            out.tool(catalog, "python", line, from, line);
        } else if line.chars().next().is_some_and(|c| c.is_ascii_digit()) {
            out.skip(
                from,
                line,
                format!("`{line}` looks like a pyenv virtualenv's name, not a version; write the Python version it uses"),
            );
        } else if let Some(why) = special_version(line) {
            out.skip(from, line, why);
        } else {
            out.skip(
                from,
                line,
                format!("`{line}` is not a CPython version; devenv's python is CPython"),
            );
        }
    }
}

/// A CPython version as pyenv writes one: `3`, `3.12`, `3.12.4`, or a
/// pre-release such as `3.13.0rc1`; a virtualenv's name is none of these.
fn is_python_version(text: &str) -> bool {
    let (release, pre) = match text.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => text.split_at(i),
        None => (text, ""),
    };
    let parts: Vec<&str> = release.split('.').collect();
    let numbers = parts.len() <= 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let pre_ok = pre.is_empty()
        || ["a", "b", "rc"].iter().any(|tag| {
            pre.strip_prefix(tag)
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        });
    numbers && pre_ok
}

/// rustup's `rust-toolchain.toml`: `[toolchain] channel`, `components`
/// and `targets`.
pub(super) fn rust_toolchain(text: &str, catalog: &Catalog, out: &mut Imported) {
    let from = "rust-toolchain.toml".to_string();
    let Ok(doc) = text.parse::<toml::Table>() else {
        out.skip(from, "", "the file is not valid TOML");
        return;
    };
    let Some(toolchain) = doc.get("toolchain").and_then(|t| t.as_table()) else {
        out.skip(from, "", "there is no [toolchain] table");
        return;
    };
    match toolchain.get("channel").and_then(|c| c.as_str()) {
        Some(ch @ ("stable" | "beta" | "nightly")) => {
            let version = if ch == "stable" { "latest" } else { ch };
            out.tool(
                catalog,
                "rust",
                version,
                from.clone(),
                &format!("channel = \"{ch}\""),
            );
        }
        Some(ch) if ch.starts_with("nightly-") || ch.starts_with("beta-") => out.skip(
            from.clone(),
            format!("channel = \"{ch}\""),
            "dated nightly and beta toolchains are not pinned by devenv; use rustup for them",
        ),
        Some(ch) => out.tool(
            catalog,
            "rust",
            ch,
            from.clone(),
            &format!("channel = \"{ch}\""),
        ),
        None => out.skip(from.clone(), "[toolchain]", "there is no `channel`"),
    }
    let imported_rust = out
        .tools
        .iter()
        .any(|t| t.value.0 == "rust" && t.from == from);
    for key in toolchain.keys() {
        let text = format!("{key} = {}", toolchain[key]);
        match key.as_str() {
            "channel" => {}
            // The `rust` tool takes rustup's components and targets.
            "components" | "targets" if imported_rust => {
                let option = if key == "components" { "components" } else { "targets" };
                match toolchain[key].as_array().and_then(|a| {
                    a.iter()
                        .map(|v| v.as_str().map(str::to_string))
                        .collect::<Option<Vec<_>>>()
                }) {
                    Some(values) => out.tool_lists.push(("rust".into(), option, values)),
                    None => out.skip(from.clone(), text, "expected a list of names"),
                }
            }
            "profile" => out.skip(
                from.clone(),
                text,
                "devenv installs the toolchain's default components; list extra ones in `components`",
            ),
            _ => out.skip(
                from.clone(),
                text,
                format!("devenv does not manage rustup's `{key}`"),
            ),
        }
    }
}

/// `go.mod`: the `toolchain goX.Y.Z` line, or else the `go X.Y` line.
pub(super) fn go_mod(text: &str, catalog: &Catalog, out: &mut Imported) {
    let mut go_line = None;
    for (n, line) in text.lines().enumerate() {
        let line = line.split("//").next().unwrap_or("").trim();
        let mut words = line.split_whitespace();
        match (words.next(), words.next()) {
            (Some("toolchain"), Some(tc)) => {
                let from = format!("go.mod:{}", n + 1);
                match tc.strip_prefix("go") {
                    Some(v) if v.chars().next().is_some_and(|c| c.is_ascii_digit()) => {
                        out.tool(catalog, "go", v, from, line)
                    }
                    _ => out.skip(from, line, format!("`{tc}` is not a Go release")),
                }
                return;
            }
            (Some("go"), Some(v)) if go_line.is_none() => {
                go_line = Some((n + 1, line.to_string(), v.to_string()))
            }
            _ => {}
        }
    }
    if let Some((n, line, v)) = go_line {
        out.tool(catalog, "go", &v, format!("go.mod:{n}"), &line);
    }
}

/// mise's `[tools]`, `[env]` (with `_.path` and `_.file`) and `[tasks]`.
pub(super) fn mise(text: &str, file: &str, catalog: &Catalog, out: &mut Imported) {
    let doc = match text.parse::<toml::Table>() {
        Ok(d) => d,
        Err(e) => {
            out.skip(
                file,
                "",
                format!("the file is not valid TOML: {}", e.message()),
            );
            return;
        }
    };
    let from = |what: &str| format!("{file} {what}");
    for (key, value) in &doc {
        match key.as_str() {
            "tools" => {
                for (tool, v) in value.as_table().into_iter().flatten() {
                    let text = format!("{tool} = {v}");
                    let version = match v {
                        toml::Value::String(s) => Some(s.clone()),
                        toml::Value::Array(a) => {
                            if a.len() > 1 {
                                out.skip(
                                    from("[tools]"),
                                    &text,
                                    "devenv pins one version per tool; the first is used",
                                );
                            }
                            a.first().and_then(|x| x.as_str()).map(str::to_string)
                        }
                        toml::Value::Table(t) => t
                            .get("version")
                            .and_then(|x| x.as_str())
                            .map(str::to_string),
                        _ => None,
                    };
                    match version {
                        Some(v) => match special_version(&v) {
                            Some(why) => out.skip(from("[tools]"), &text, why),
                            None => out.tool(catalog, tool, &v, from("[tools]"), &text),
                        },
                        None => out.skip(from("[tools]"), &text, "no version string found"),
                    }
                }
            }
            "env" => {
                for (name, v) in value.as_table().into_iter().flatten() {
                    let text = format!("{name} = {v}");
                    if name == "_" {
                        mise_directives(v, &from("[env]"), out);
                        continue;
                    }
                    match v {
                        toml::Value::String(s) if s.contains("{{") => match mise_template(s) {
                            Ok(value) => out.var(name, &value, from("[env]"), &text),
                            Err(why) => out.skip(from("[env]"), &text, why),
                        },
                        toml::Value::String(s) => out.var(name, s, from("[env]"), &text),
                        toml::Value::Integer(i) => {
                            out.var(name, &i.to_string(), from("[env]"), &text)
                        }
                        _ => out.skip(from("[env]"), &text, "only strings and numbers carry over"),
                    }
                }
            }
            "tasks" => {
                for (name, v) in value.as_table().into_iter().flatten() {
                    task(name, v, &from("[tasks]"), out);
                }
            }
            other => out.skip(
                file,
                format!("[{other}]"),
                "devenv has no equivalent of this table",
            ),
        }
    }
}

/// A mise `[env]` value with `{{…}}` templates, in devenv's `${VAR}`
/// terms: `{{env.NAME}}` is `${NAME}`, `{{config_root}}` the project's
/// root, `${DEVENV_ROOT}`. Anything else has no equivalent, and is never
/// copied as literal text.
fn mise_template(value: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = value;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find("}}") else {
            return Err("an unclosed mise `{{` template has no devenv equivalent".into());
        };
        let inner = rest[start + 2..start + len].trim();
        match inner.strip_prefix("env.") {
            Some(name) if devenv_model::names::is_identifier(name) => {
                out.push_str(&format!("${{{name}}}"))
            }
            _ if inner == "config_root" => out.push_str("${DEVENV_ROOT}"),
            _ => {
                return Err(format!(
                    "the mise template `{{{{ {inner} }}}}` has no devenv equivalent (devenv has `${{VAR}}` and `${{DEVENV_ROOT}}`); set the value by hand"
                ));
            }
        }
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// mise's `_.path` and `_.file` in `[env]`.
fn mise_directives(v: &toml::Value, from: &str, out: &mut Imported) {
    let strings = |x: Option<&toml::Value>| -> Vec<String> {
        match x {
            Some(toml::Value::String(s)) => vec![s.clone()],
            Some(toml::Value::Array(a)) => a
                .iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    };
    let Some(t) = v.as_table() else {
        out.skip(from, format!("_ = {v}"), "unrecognised mise directive");
        return;
    };
    for (k, x) in t {
        match k.as_str() {
            "path" => {
                for p in strings(Some(x)) {
                    push_path(out, &p, from.to_string(), &format!("_.path = {x}"));
                }
            }
            "file" => {
                for f in strings(Some(x)) {
                    out.dotenv.push(Entry {
                        value: f,
                        from: from.to_string(),
                    });
                }
            }
            other => out.skip(from, format!("_.{other} = {x}"), "devenv has no equivalent"),
        }
    }
}

fn push_path(out: &mut Imported, p: &str, from: String, text: &str) {
    let clean = p.strip_prefix("./").unwrap_or(p);
    if clean.is_empty() || Path::new(clean).is_absolute() || clean.contains('$') {
        out.skip(
            from,
            text,
            "`path` entries are directories inside the project",
        );
        return;
    }
    out.path.push(Entry {
        value: clean.to_string(),
        from,
    });
}

/// A mise or devbox task: a command, a list, or a table with `run`.
fn task(name: &str, v: &toml::Value, from: &str, out: &mut Imported) {
    let text = format!("{name} = {v}");
    let cmds = |x: &toml::Value| -> Option<Vec<String>> {
        match x {
            toml::Value::String(s) => Some(vec![s.clone()]),
            toml::Value::Array(a) => a.iter().map(|s| s.as_str().map(str::to_string)).collect(),
            _ => None,
        }
    };
    let valid_name = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-:".contains(c))
        && !name.starts_with(['.', '-', ':']);
    if !valid_name {
        out.skip(from, text, "not a valid devenv task name");
        return;
    }
    let mut t = ImportedTask {
        name: name.to_string(),
        run: Vec::new(),
        description: None,
        depends: Vec::new(),
    };
    match v {
        toml::Value::Table(table) => {
            for (k, x) in table {
                match k.as_str() {
                    "run" => t.run = cmds(x).unwrap_or_default(),
                    "description" => t.description = x.as_str().map(str::to_string),
                    "depends" => t.depends = cmds(x).unwrap_or_default(),
                    other => out.skip(
                        from,
                        format!("{name}.{other} = {x}"),
                        "this task key is not carried over",
                    ),
                }
            }
        }
        other => t.run = cmds(other).unwrap_or_default(),
    }
    if t.run.is_empty() && t.depends.is_empty() {
        out.skip(from, text, "the task has no command devenv can read");
        return;
    }
    out.tasks.push(Entry {
        value: t,
        from: from.to_string(),
    });
}

/// `text` (JSON with comments, as devbox reads it) as plain JSON: `//` and
/// `/* */` comments outside strings become spaces (so positions in errors
/// stay right), and a comma before `}` or `]` is dropped.
fn strip_jsonc(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let (mut i, mut in_string) = (0, false);
    while i < chars.len() {
        let c = chars[i];
        if in_string {
            out.push(c);
            if c == '\\' && i + 1 < chars.len() {
                out.push(chars[i + 1]);
                i += 1;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                out.push(' ');
                i += 1;
            }
            continue;
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            out.push_str("  ");
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                out.push(if chars[i] == '\n' { '\n' } else { ' ' });
                i += 1;
            }
            out.push_str("  ");
            i += 2;
            continue;
        } else if c == ',' {
            let next = chars[i + 1..].iter().find(|c| !c.is_whitespace());
            out.push(if matches!(next, Some('}' | ']')) {
                ' '
            } else {
                ','
            });
        } else {
            out.push(c);
        }
        i += 1;
    }
    out
}

/// devbox's `packages` (list of `name@version` or a table), `env` and
/// `shell.scripts`.
pub(super) fn devbox(text: &str, catalog: &Catalog, out: &mut Imported) {
    let from = "devbox.json".to_string();
    // devbox reads JSONC: comments and trailing commas are allowed.
    let doc: serde_json::Value = match serde_json::from_str(&strip_jsonc(text)) {
        Ok(d) => d,
        Err(e) => {
            out.skip(from, "", format!("the file is not valid JSON: {e}"));
            return;
        }
    };
    let mut package = |spec: &str, version: Option<&str>| {
        let (name, version) = match version {
            Some(v) => (spec.to_string(), v.to_string()),
            None => match spec.rsplit_once('@') {
                Some((n, v)) => (n.to_string(), v.to_string()),
                None => (spec.to_string(), "latest".to_string()),
            },
        };
        let text = format!("\"{name}@{version}\"");
        if name.contains(['#', '/']) {
            out.skip(from.clone(), text, "flake references are Nix-only");
            return;
        }
        out.tool(catalog, &name, &version, from.clone(), &text);
    };
    match doc.get("packages") {
        Some(serde_json::Value::Array(a)) => {
            for p in a.iter().filter_map(|p| p.as_str()) {
                package(p, None);
            }
        }
        Some(serde_json::Value::Object(o)) => {
            for (name, v) in o {
                let version = v
                    .as_str()
                    .or_else(|| v.get("version").and_then(|x| x.as_str()))
                    .unwrap_or("latest");
                package(name, Some(version));
            }
        }
        _ => {}
    }
    if let Some(env) = doc.get("env").and_then(|e| e.as_object()) {
        for (name, v) in env {
            let text = format!("\"{name}\": {v}");
            match v.as_str() {
                Some(s) => out.var(name, s, from.clone(), &text),
                None => out.skip(from.clone(), text, "only string values carry over"),
            }
        }
    }
    if let Some(shell) = doc.get("shell").and_then(|s| s.as_object()) {
        if let Some(scripts) = shell.get("scripts").and_then(|s| s.as_object()) {
            for (name, v) in scripts {
                let as_toml = match v {
                    serde_json::Value::String(s) => toml::Value::String(s.clone()),
                    serde_json::Value::Array(a) => toml::Value::Array(
                        a.iter()
                            .filter_map(|x| x.as_str().map(|s| toml::Value::String(s.into())))
                            .collect(),
                    ),
                    _ => toml::Value::Boolean(false),
                };
                task(name, &as_toml, "devbox.json shell.scripts", out);
            }
        }
        if shell.contains_key("init_hook") {
            out.skip(
                from.clone(),
                "shell.init_hook",
                "devenv runs no code when entering a project; make it a task",
            );
        }
    }
}

/// direnv's `.envrc`: `export NAME=value`, `PATH_add DIR`, `dotenv [FILE]`
/// and `dotenv_if_exists [FILE]`; anything else is shell code.
pub(super) fn envrc(text: &str, out: &mut Imported) {
    // The shell blocks open at each line: an export inside one happens only
    // when its condition holds (or its function is called).
    let mut blocks: Vec<&'static str> = Vec::new();
    for (n, line) in content_lines(text) {
        let from = format!(".envrc:{n}");
        let Ok(words) = shell_words::split(line) else {
            out.skip(from, line, "unbalanced quotes");
            continue;
        };
        let first = words.first().map(String::as_str);
        let inside = blocks.last().copied();
        track_blocks(&words, &mut blocks);
        if let Some(block) = inside
            && !matches!(first, Some("fi" | "esac" | "done" | "}"))
        {
            out.skip(
                from,
                line,
                format!("inside {block}, it runs only sometimes; set the value in [env] if it always applies"),
            );
            continue;
        }
        match first {
            Some("export") if words.len() == 2 && words[1].contains('=') => {
                if line.contains("$(") || line.contains('`') {
                    out.skip(from, line, "command substitution is shell code");
                    continue;
                }
                let (name, value) = words[1].split_once('=').expect("checked");
                out.var(name, value, from, line);
            }
            Some("PATH_add") if words.len() == 2 => push_path(out, &words[1], from, line),
            Some("dotenv" | "dotenv_if_exists") if words.len() <= 2 => {
                let file = words.get(1).cloned().unwrap_or_else(|| ".env".into());
                out.dotenv.push(Entry { value: file, from });
            }
            Some("use" | "layout") => {
                out.skip(from, line, "devenv replaces this: its tools are in [tools]")
            }
            _ => out.skip(from, line, "shell code does not carry over"),
        }
    }
}

/// Opens and closes the shell blocks `words` (one line) start and end:
/// `if`…`fi`, `case`…`esac`, loops …`done`, functions and `{`…`}`.
fn track_blocks(words: &[String], blocks: &mut Vec<&'static str>) {
    for (i, w) in words.iter().enumerate() {
        let w = w.trim_end_matches(';');
        let command_position = i == 0 || words[i - 1].ends_with(';') || words[i - 1] == "then";
        match w {
            "if" if command_position => blocks.push("an `if` block"),
            "case" if command_position => blocks.push("a `case` block"),
            "for" | "while" | "until" if command_position => blocks.push("a loop"),
            "function" if i == 0 => blocks.push("a function"),
            "{" if i == 0 => blocks.push("a `{ … }` group"),
            "{" if words[i - 1].ends_with("()") => blocks.push("a function"),
            "fi" | "esac" | "done" | "}" => {
                blocks.pop();
            }
            _ if i == 0 && w.ends_with("(){") => blocks.push("a function"),
            _ => {}
        }
    }
}
