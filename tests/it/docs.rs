//! The documentation holds: the generated reference matches the program
//! (`--help`, the variable table, the catalog, the man pages), every link
//! and `#anchor` of README.md and docs/src points at something that
//! exists, and every `DEVENV_*` name the docs or the code mention is one
//! the table declares.
//!
//! `DEVENV_REGENERATE=1 cargo test --test it docs::` rewrites the
//! generated files instead of comparing them (CONTRIBUTING.md).

use crate::common::World;
use devenv_model::config::vars;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository's root.
fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn regenerate() -> bool {
    std::env::var("DEVENV_REGENERATE").is_ok_and(|v| devenv_model::flag_is_on(&v))
}

/// What `devenv generate ARGS` prints.
fn generated(args: &[&str]) -> String {
    let w = World::new();
    let mut all = vec!["generate"];
    all.extend(args);
    let out = w.run(&all).ok();
    out.stdout
}

/// Compares `path` (relative to the repository) with `expected`, or
/// rewrites it under `DEVENV_REGENERATE=1`; returns a complaint.
fn check_file(path: &str, expected: &[u8]) -> Option<String> {
    let full = repo().join(path);
    if regenerate() {
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(&full, expected).unwrap();
        return None;
    }
    match std::fs::read(&full) {
        Ok(actual) if actual == expected => None,
        Ok(_) => Some(format!("{path} is out of date")),
        Err(_) => Some(format!("{path} is missing")),
    }
}

const HOW: &str =
    "regenerate with `DEVENV_REGENERATE=1 cargo test --test it docs::` (CONTRIBUTING.md)";

#[test]
fn generated_pages_match_the_program() {
    let mut stale = Vec::new();
    for (what, path) in [
        ("commands", "docs/src/commands.md"),
        ("environment", "docs/src/environment.md"),
        ("catalog", "docs/src/catalog.md"),
    ] {
        stale.extend(check_file(path, generated(&[what]).as_bytes()));
    }
    assert!(stale.is_empty(), "{}; {HOW}", stale.join(", "));
}

#[test]
fn man_pages_match_the_program() {
    let w = World::new();
    let dir = w.root.join("man");
    w.run(&["generate", "man", dir.to_str().unwrap()]).ok();
    let fresh: BTreeMap<String, Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().into_string().unwrap(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    assert!(fresh.contains_key("devenv.1") && fresh.contains_key("devenv-cache-push.1"));
    w.run(&["generate", "man"])
        .fails(1)
        .stderr_has("`devenv generate man` needs the directory to write the pages into");
    assert!(
        !fresh.contains_key("devenv-hook-env.1"),
        "hidden commands get no page"
    );
    let committed = repo().join("docs/man");
    if regenerate() {
        let _ = std::fs::remove_dir_all(&committed);
    }
    let mut stale: Vec<String> = fresh
        .iter()
        .filter_map(|(name, bytes)| check_file(&format!("docs/man/{name}"), bytes))
        .collect();
    for e in std::fs::read_dir(&committed).unwrap() {
        let name = e.unwrap().file_name().into_string().unwrap();
        if !fresh.contains_key(&name) {
            stale.push(format!("docs/man/{name} is a page of no command"));
        }
    }
    assert!(stale.is_empty(), "{}; {HOW}", stale.join(", "));
}

#[test]
fn help_lists_every_setting_and_teaches_with_examples() {
    let w = World::new();
    let help = w.run(&["--help"]).ok().stdout;
    for var in vars::SETTINGS {
        assert!(
            help.contains(var.name),
            "--help lacks {}:\n{help}",
            var.name
        );
    }
    // Every visible command's long help shows how it is used.
    let commands = generated(&["commands"]);
    for section in commands.split("\n## devenv ").skip(1) {
        let name = section.lines().next().unwrap();
        assert!(
            section.contains("Examples:\n  "),
            "`devenv {name} --help` has no examples"
        );
    }
}

#[test]
fn help_prints_the_manifest_reference_offline() {
    let w = World::new().with_env("DEVENV_OFFLINE", "1");
    let out = w.run(&["help", "manifest"]).ok().stdout;
    let page = std::fs::read_to_string(repo().join("docs/src/manifest.md")).unwrap();
    assert_eq!(out, page);
    assert!(out.contains("### `[env]`"));
    let out = w.run(&["help", "environment"]).ok().stdout;
    assert!(out.starts_with("# Environment variables"), "{out}");
    assert_eq!(w.run(&["help"]).ok().stdout, w.run(&["--help"]).ok().stdout);
    // A command's help, as `devenv CMD --help` prints it.
    let via_help = w.run(&["help", "cache", "push"]).ok().stdout;
    let via_flag = w.run(&["cache", "push", "--help"]).ok().stdout;
    assert_eq!(via_help, via_flag);
    w.run(&["help", "manifests"])
        .fails(1)
        .stderr_has("`manifests` is neither a command nor a help topic")
        .stderr_has("devenv help manifest");
}

/// The Markdown files the checks read: README.md, CONTRIBUTING.md and
/// every page of the book.
fn markdown_files() -> Vec<PathBuf> {
    let mut files = vec![repo().join("README.md"), repo().join("CONTRIBUTING.md")];
    let mut pages: Vec<PathBuf> = std::fs::read_dir(repo().join("docs/src"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    pages.sort();
    files.extend(pages);
    files
}

/// `text` without fenced code blocks and inline code, where a `](` or a
/// variable name is an example rather than a link or a mention.
fn prose(text: &str) -> String {
    let mut out = String::new();
    let mut fence: Option<&str> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        match fence {
            Some(f) if trimmed.starts_with(f) => fence = None,
            Some(_) => {}
            None if trimmed.starts_with("```") => fence = Some("```"),
            None if trimmed.starts_with("~~~") => fence = Some("~~~"),
            None => {
                // Inline code spans: drop what is between backticks.
                let mut inside = false;
                for c in line.chars() {
                    if c == '`' {
                        inside = !inside;
                    } else if !inside {
                        out.push(c);
                    }
                }
            }
        }
        out.push('\n');
    }
    out
}

/// The headings of `text` (outside code blocks), with their text as
/// rendered: inline code, emphasis and links reduced to their words.
fn headings(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_fence = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        let hashes = line.chars().take_while(|c| *c == '#').count();
        if (1..=6).contains(&hashes) && line[hashes..].starts_with(' ') {
            let raw = line[hashes..].trim();
            // [words](target) → words
            let mut words = String::new();
            let mut rest = raw;
            while let Some(open) = rest.find('[') {
                words.push_str(&rest[..open]);
                let after = &rest[open + 1..];
                match (after.find("]("), after.find(')')) {
                    (Some(close), Some(end)) if close < end => {
                        words.push_str(&after[..close]);
                        rest = &after[end + 1..];
                    }
                    _ => {
                        words.push('[');
                        rest = after;
                    }
                }
            }
            words.push_str(rest);
            // mdBook's smart punctuation makes `--` a dash (dropped from
            // the id), except inside code spans; the backticks go.
            let text: String = words
                .split('`')
                .enumerate()
                .map(|(i, part)| {
                    if i % 2 == 0 {
                        part.replace("---", "—").replace("--", "–")
                    } else {
                        part.to_string()
                    }
                })
                .collect();
            out.push(text.replace('*', ""));
        }
    }
    out
}

/// mdBook's id of a heading (checked against mdBook 0.5's output):
/// lowercase letters, digits, `_` and `-` kept, whitespace made `-`,
/// everything else dropped; a repeated id gets `-1`, `-2`… in order.
fn anchors(text: &str) -> BTreeSet<String> {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut out = BTreeSet::new();
    for heading in headings(text) {
        let id: String = heading
            .chars()
            .filter_map(|c| {
                if c.is_alphanumeric() || c == '_' || c == '-' {
                    Some(c.to_ascii_lowercase())
                } else if c.is_whitespace() {
                    Some('-')
                } else {
                    None
                }
            })
            .collect();
        let n = seen.entry(id.clone()).or_insert(0);
        out.insert(if *n == 0 {
            id.clone()
        } else {
            format!("{id}-{n}")
        });
        *n += 1;
    }
    out
}

/// The targets of the Markdown links and images in `text`'s prose.
fn links(text: &str) -> Vec<String> {
    let prose = prose(text);
    let mut out = Vec::new();
    let mut rest = prose.as_str();
    while let Some(i) = rest.find("](") {
        let after = &rest[i + 2..];
        let Some(end) = after.find(')') else { break };
        out.push(
            after[..end]
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_string(),
        );
        rest = &after[end..];
    }
    out
}

/// Why `target`, linked from `from`, does not resolve; `None` when it does.
fn broken(from: &Path, target: &str) -> Option<String> {
    if target.contains("://") || target.starts_with("mailto:") {
        return None;
    }
    let (file, anchor) = match target.split_once('#') {
        Some((f, a)) => (f, Some(a)),
        None => (target, None),
    };
    let path = if file.is_empty() {
        from.to_path_buf()
    } else {
        from.parent().unwrap().join(file)
    };
    if !path.exists() {
        return Some(format!("{target}: no such file"));
    }
    if let Some(anchor) = anchor {
        let text = std::fs::read_to_string(&path).ok()?;
        if !anchors(&text).contains(anchor) {
            return Some(format!("{target}: no heading has the id `{anchor}`"));
        }
    }
    None
}

#[test]
fn every_link_and_anchor_resolves() {
    let mut bad = Vec::new();
    let mut count = 0;
    for file in markdown_files() {
        let text =
            std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for target in links(&text) {
            count += 1;
            if let Some(why) = broken(&file, &target) {
                bad.push(format!(
                    "{}: {why}",
                    file.strip_prefix(repo()).unwrap().display()
                ));
            }
        }
    }
    assert!(count > 50, "only {count} links found: is the parser blind?");
    assert!(bad.is_empty(), "broken links:\n{}", bad.join("\n"));
}

#[test]
fn the_link_checker_sees_a_broken_anchor_and_a_missing_file() {
    let w = World::new();
    let page = w.write(
        "a.md",
        "# The `devenv.toml` file\n\n## Settings\n\n## Settings\n\n## \"--frozen\" and `--json`\n\n```sh\n# not a heading\n```\n",
    );
    let ids = anchors(&std::fs::read_to_string(&page).unwrap());
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    assert_eq!(
        ids,
        [
            "frozen-and---json",
            "settings",
            "settings-1",
            "the-devenvtoml-file"
        ]
    );
    assert_eq!(broken(&page, "#settings-1"), None);
    assert!(
        broken(&page, "#not-here")
            .unwrap()
            .contains("no heading has the id")
    );
    assert!(broken(&page, "b.md").unwrap().contains("no such file"));
    assert_eq!(
        links("see [x](a.md#s) and `[y](z.md)` and\n```\n[q](r.md)\n```\n"),
        ["a.md#s"]
    );
}

/// Every `DEVENV_*` word in `text`, whole.
fn devenv_names(text: &str) -> BTreeSet<String> {
    let bytes = text.as_bytes();
    let mut out = BTreeSet::new();
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut i = 0;
    while let Some(found) = text[i..].find("DEVENV_") {
        let start = i + found;
        let mut end = start + "DEVENV_".len();
        while end < bytes.len() && word(bytes[end]) {
            end += 1;
        }
        let before_ok = start == 0 || !word(bytes[start - 1]);
        let name = &text[start..end];
        if before_ok && name.len() > "DEVENV_".len() && !name.ends_with('_') {
            out.insert(name.to_string());
        }
        i = end;
    }
    out
}

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let path = e.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_variable_the_code_and_docs_name_is_in_the_table() {
    let declared: BTreeSet<&str> = vars::SETTINGS
        .iter()
        .chain(vars::SET_BY_DEVENV)
        .map(|v| v.name)
        .collect();
    let mut files = Vec::new();
    sources(&repo().join("src"), &mut files);
    for krate in std::fs::read_dir(repo().join("crates")).unwrap() {
        sources(&krate.unwrap().path().join("src"), &mut files);
    }
    files.extend(markdown_files());
    let mut unknown = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for name in devenv_names(&text) {
            // Not settings: the shell hook's heredoc delimiter, and the
            // variables the test suite itself reads (CONTRIBUTING.md).
            let not_a_setting = name.starts_with("DEVENV_EOF")
                || name == "DEVENV_REGENERATE"
                || name.starts_with("DEVENV_TEST_");
            if !declared.contains(name.as_str()) && !not_a_setting {
                unknown.push(format!(
                    "{}: {name}",
                    file.strip_prefix(repo()).unwrap().display()
                ));
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "named but not declared in crates/model/src/config/vars.rs:\n{}",
        unknown.join("\n")
    );
}

#[test]
fn the_man_pages_install_with_the_documented_command() {
    // README.md's command, into a scratch MANPATH, then read by `man`
    // where it exists.
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let line = "install -D -m 644 -t ~/.local/share/man/man1 docs/man/*.1";
    assert!(readme.contains(line), "README.md lost the man page command");
    let w = World::new();
    let home = w.root.join("user-home");
    let status = Command::new("sh")
        .arg("-c")
        .arg(line)
        .env("HOME", &home)
        .current_dir(repo())
        .status()
        .unwrap();
    assert!(status.success());
    let installed = home.join(".local/share/man/man1");
    assert!(installed.join("devenv.1").is_file());
    assert!(installed.join("devenv-lock.1").is_file());
}
