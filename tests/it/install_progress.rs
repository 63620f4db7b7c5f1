//! Progress on a terminal: bars never start as `0 B/0 B`, "installed"
//! lines are printed through the progress display (so no bar is left
//! frozen above them), and the install ends with one summary line.

use crate::common;
use common::server::FixtureServer;
use common::{World, sha256_hex, tool_tar_gz};

const WIDTH: usize = 100;

/// What a terminal `WIDTH` columns wide shows after `raw` is written to
/// it: enough of a VT100 for what indicatif sends (wrapping at the last
/// column, `\r`, `\n`, erase line, cursor up and down).
fn screen_lines(raw: &str) -> Vec<String> {
    let mut rows: Vec<Vec<char>> = vec![Vec::new()];
    let (mut r, mut c, mut pending) = (0usize, 0usize, false);
    let mut chars = raw.chars().peekable();
    let row = |rows: &mut Vec<Vec<char>>, r: usize| {
        while rows.len() <= r {
            rows.push(Vec::new());
        }
    };
    while let Some(ch) = chars.next() {
        match ch {
            '\u{1b}' => {
                if chars.peek() != Some(&'[') {
                    continue;
                }
                chars.next();
                let mut param = String::new();
                let mut fin = ' ';
                for d in chars.by_ref() {
                    if d.is_ascii_alphabetic() {
                        fin = d;
                        break;
                    }
                    param.push(d);
                }
                let n: usize = param.trim_start_matches('?').parse().unwrap_or(1).max(1);
                match fin {
                    'A' => r = r.saturating_sub(n),
                    'B' => r += n,
                    'K' => {
                        row(&mut rows, r);
                        rows[r].clear();
                    }
                    'J' => rows.truncate(r + 1),
                    _ => {}
                }
                pending = false;
            }
            '\r' => {
                c = 0;
                pending = false;
            }
            '\n' => {
                r += 1;
                pending = false;
            }
            ch => {
                if pending {
                    r += 1;
                    c = 0;
                    pending = false;
                }
                row(&mut rows, r);
                let line = &mut rows[r];
                while line.len() <= c {
                    line.push(' ');
                }
                line[c] = ch;
                if c + 1 == WIDTH {
                    pending = true;
                } else {
                    c += 1;
                }
            }
        }
    }
    rows.iter()
        .map(|l| l.iter().collect::<String>().trim_end().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn install_on_a_terminal_prints_through_the_bars_and_ends_with_a_summary() {
    let s = FixtureServer::start();
    let w = World::new();
    let mut manifest = String::from("[tools]\n");
    for name in ["alpha", "beta"] {
        let bytes = tool_tar_gz(name, "1.0.0");
        let path = format!("/{name}.tar.gz");
        s.add(&path, bytes.clone());
        manifest.push_str(&format!(
            "{name} = {{ version = \"1.0.0\", url = \"{}\", sha256 = \"{}\" }}\n",
            s.url(&path),
            sha256_hex(&bytes)
        ));
    }
    w.manifest(&manifest);
    w.run(&["lock"]).ok();
    // `script` gives devenv a pseudo-terminal, so the bars are drawn.
    let mut cmd = std::process::Command::new("script");
    w.isolate(&mut cmd)
        .current_dir(&w.project)
        .env("TERM", "xterm")
        .args(["-q", "-e", "-c"])
        .arg(format!(
            "stty cols {WIDTH} rows 40; {} install",
            common::bin()
        ))
        .arg("/dev/null");
    let out = cmd.output().expect("`script` (util-linux) runs");
    let raw = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{raw}");
    assert!(
        !raw.contains("0 B/0 B"),
        "a bar started as 0 B/0 B:\n{raw:?}"
    );
    let lines = screen_lines(&raw);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("devenv: installed alpha 1.0.0")),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("devenv: installed beta 1.0.0")),
        "{lines:#?}"
    );
    assert!(
        lines
            .last()
            .unwrap()
            .starts_with("devenv: 2 tools installed"),
        "the last line is not the summary: {lines:#?}"
    );
    // No bar is left on screen between the lines.
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("B/") || l.contains("connecting")),
        "{lines:#?}"
    );
}
