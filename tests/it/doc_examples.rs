//! Every `console` example of README.md and docs/src runs, and prints
//! what the page says it prints.
//!
//! A page is a session: its examples run in order in one fresh project,
//! `~/my-project` as the page shows it (with its own `DEVENV_HOME`, shown
//! as `~/.local/share/devenv`, and HOME), with `devenv` on PATH and a fixture
//! npm registry on 127.0.0.1 behind `DEVENV_NPM_REGISTRY` that publishes
//! `prettier` (2.8.8, 3.3.2 and 3.3.3, each printing its version as the
//! real one does). In a ```console block, `$ CMD` runs CMD through `sh`
//! (stderr merged into stdout, as a terminal shows them); the lines up to
//! the next `$ ` are its output, where `[..]` matches any text within a
//! line and a line `...` any number of lines; a last line `? N` expects
//! exit status N (else 0). `<!-- file: PATH -->` just before a fenced
//! block writes the block into the project as PATH first.
//!
//! ```console,network blocks need the real registries: they run in the
//! smoke suite (`smoke_real::console_examples_that_need_the_network`),
//! from the repository's root, so `-C examples/polyglot` works.

use crate::common::server::FixtureServer;
use crate::common::{World, bin, publish_npm};
use std::path::{Path, PathBuf};
use std::process::Command;

/// One step of a page's session.
#[derive(Debug, PartialEq)]
enum Step {
    /// Write `contents` to `path`, relative to the project.
    File { path: String, contents: String },
    /// Run `command`; expect `output` and `status`.
    Run {
        line: usize,
        command: String,
        output: Vec<String>,
        status: i32,
        network: bool,
    },
}

/// The steps of `text`, in order.
fn steps(text: &str) -> Vec<Step> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut pending_file: Option<String> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i].trim_end();
        if let Some(rest) = line.strip_prefix("<!-- file: ") {
            pending_file = Some(rest.trim_end_matches("-->").trim().to_string());
            i += 1;
            continue;
        }
        let Some(info) = line.strip_prefix("```") else {
            if !line.trim().is_empty() {
                pending_file = None;
            }
            i += 1;
            continue;
        };
        let start = i + 1;
        let end = (start..lines.len())
            .find(|&j| lines[j].trim_end() == "```")
            .unwrap_or_else(|| panic!("line {}: unclosed code block", i + 1));
        let body = &lines[start..end];
        if let Some(path) = pending_file.take() {
            let mut contents = body.join("\n");
            contents.push('\n');
            out.push(Step::File { path, contents });
        } else if info == "console" || info == "console,network" {
            let network = info.ends_with(",network");
            let mut j = 0;
            while j < body.len() {
                let Some(command) = body[j].strip_prefix("$ ") else {
                    panic!(
                        "line {}: a console block's lines start with `$ ` or follow one",
                        start + j + 1
                    );
                };
                let line = start + j + 1;
                j += 1;
                let mut output = Vec::new();
                while j < body.len() && !body[j].starts_with("$ ") {
                    output.push(body[j].to_string());
                    j += 1;
                }
                let mut status = 0;
                if let Some(last) = output.last()
                    && let Some(code) = last.strip_prefix("? ")
                {
                    status = code.trim().parse().expect("`? N` takes a number");
                    output.pop();
                }
                out.push(Step::Run {
                    line,
                    command: command.to_string(),
                    output,
                    status,
                    network,
                });
            }
        }
        i = end + 1;
    }
    out
}

/// Whether `actual` matches the `pattern` line (`[..]`: any text).
fn line_matches(pattern: &str, actual: &str) -> bool {
    let parts: Vec<&str> = pattern.split("[..]").collect();
    if parts.len() == 1 {
        return pattern == actual;
    }
    let mut rest = actual;
    for (k, part) in parts.iter().enumerate() {
        if k == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if k == parts.len() - 1 {
            return rest.ends_with(part);
        } else {
            let Some(at) = rest.find(part) else {
                return false;
            };
            rest = &rest[at + part.len()..];
        }
    }
    true
}

/// Whether `actual` lines match the `expected` lines (`...`: any lines).
fn output_matches(expected: &[String], actual: &[&str]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((first, rest)) if first == "..." => {
            (0..=actual.len()).any(|skip| output_matches(rest, &actual[skip..]))
        }
        Some((first, rest)) => actual
            .split_first()
            .is_some_and(|(a, more)| line_matches(first, a) && output_matches(rest, more)),
    }
}

/// The fixture registry the hermetic examples install from.
fn registry() -> FixtureServer {
    let server = FixtureServer::start();
    let tarball = |version: &str| {
        let script = format!("#!/bin/sh\necho {version}\n");
        let pkg = format!(r#"{{"name": "prettier", "version": "{version}"}}"#);
        crate::common::archives::tar_gz(&[
            crate::common::archives::Entry::file("package/package.json", pkg.as_bytes(), 0o644),
            crate::common::archives::Entry::file(
                "package/bin/prettier.cjs",
                script.as_bytes(),
                0o755,
            ),
        ])
    };
    let (a, b, c) = (tarball("2.8.8"), tarball("3.3.2"), tarball("3.3.3"));
    publish_npm(
        &server,
        "prettier",
        &[("2.8.8", &a), ("3.3.2", &b), ("3.3.3", &c)],
        r#""bin": {"prettier": "bin/prettier.cjs"},"#,
    );
    server
}

/// The pages whose examples run: README.md and docs/src/*.md.
fn pages() -> Vec<PathBuf> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut pages: Vec<PathBuf> = std::fs::read_dir(root.join("docs/src"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    pages.sort();
    pages.insert(0, root.join("README.md"));
    pages
}

/// Runs the examples of every page (`network`: only the network ones,
/// else only the hermetic ones); returns the failures, and how many ran.
pub(crate) fn run_pages(network: bool) -> (Vec<String>, usize) {
    let server = (!network).then(registry);
    let devenv_dir = Path::new(bin()).parent().unwrap().to_path_buf();
    let shared = World::new();
    let mut failures = Vec::new();
    let mut ran = 0;
    for page in pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        let name = page.file_name().unwrap().to_string_lossy().into_owned();
        let steps = steps(&text);
        if !steps
            .iter()
            .any(|s| matches!(s, Step::Run { network: n, .. } if *n == network))
        {
            continue;
        }
        // The network pages share one store: the real downloads are big.
        let mut own = World::new();
        if let Some(server) = &server {
            own = own.with_env("DEVENV_NPM_REGISTRY", &server.base());
        }
        let world = if network { &shared } else { &own };
        // The project is `~/my-project` on the page: its real path, the
        // store's and the fixture registry's URL are shown as a reader's
        // machine would show them.
        let dir = if network {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        } else {
            world.project.join("my-project")
        };
        std::fs::create_dir_all(&dir).unwrap();
        let mut shown = vec![
            (dir.display().to_string(), "~/my-project".to_string()),
            (
                world.home.display().to_string(),
                "~/.local/share/devenv".to_string(),
            ),
        ];
        if let Some(server) = &server {
            shown.push((server.base(), "https://registry.npmjs.org".to_string()));
        }
        for step in steps {
            match step {
                // The network examples run in the repository itself:
                // they may not write into it.
                Step::File { .. } if network => {}
                Step::File { path, contents } => {
                    std::fs::write(dir.join(path), contents).unwrap();
                }
                Step::Run {
                    line,
                    command,
                    output,
                    status,
                    network: n,
                } => {
                    if n != network {
                        continue;
                    }
                    ran += 1;
                    let mut cmd = Command::new("sh");
                    world.isolate(&mut cmd);
                    cmd.arg("-c")
                        .arg(format!("exec 2>&1\n{command}"))
                        .env(
                            "PATH",
                            format!("{}:/usr/local/bin:/usr/bin:/bin", devenv_dir.display()),
                        )
                        .current_dir(&dir);
                    let out = world.run_cmd(cmd);
                    let printed = shown.iter().fold(out.stdout.clone(), |text, (real, page)| {
                        text.replace(real, page)
                    });
                    let actual: Vec<&str> = printed.lines().collect();
                    if out.code != status || !output_matches(&output, &actual) {
                        failures.push(format!(
                            "{name}:{line}: $ {command}\n--- the page says (status {status}):\n{}\n--- devenv printed (status {}):\n{}",
                            output.join("\n"),
                            out.code,
                            printed.trim_end()
                        ));
                    }
                }
            }
        }
    }
    (failures, ran)
}

#[test]
fn console_examples_print_what_the_docs_say() {
    let (failures, ran) = run_pages(false);
    assert!(ran >= 10, "only {ran} console examples ran");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn the_runner_reads_steps_and_matches_like_the_docs_say() {
    let page = "<!-- file: devenv.toml -->\n```toml\n[tools]\n```\n\n```console\n$ devenv lock\nwrote [..]\n...\n$ false\n? 1\n```\n\n```sh\n$ not run\n```\n";
    let s = steps(page);
    assert_eq!(
        s[0],
        Step::File {
            path: "devenv.toml".into(),
            contents: "[tools]\n".into()
        }
    );
    assert!(matches!(&s[1], Step::Run { command, status: 0, output, .. }
        if command == "devenv lock" && output == &["wrote [..]", "..."]));
    assert!(matches!(&s[2], Step::Run { status: 1, output, .. } if output.is_empty()));
    assert_eq!(s.len(), 3);
    let pat = |p: &[&str]| p.iter().map(|l| l.to_string()).collect::<Vec<_>>();
    assert!(output_matches(
        &pat(&["a [..] c", "..."]),
        &["a b c", "d", "e"]
    ));
    assert!(output_matches(&pat(&["...", "e"]), &["a", "e"]));
    assert!(!output_matches(&pat(&["a [..] c"]), &["a b d"]));
    assert!(!output_matches(&pat(&["a"]), &["a", "more"]));
    assert!(line_matches("[..]allowed[..]", "devenv: allowed /x"));
}
