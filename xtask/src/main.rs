//! Maintenance tasks, run by hand (not part of the default build).
//!
//! `cargo run -p xtask -- aqua DIR`: converts DIR/registry.yaml (aqua's
//! registry as published, with its LICENSE and a SOURCE.md naming the
//! upstream commit) into `crates/model/data/aqua/`, the form the build
//! embeds. A test of devenv-model holds the committed files equal to
//! this output.
//!
//! `cargo xtask dist` builds the release binary as it is meant to be run
//! (static-pie on Linux with glibc, see `dist.rs`) and prints its path;
//! `cargo xtask install [--root DIR]` builds it and copies it to
//! `DIR/bin/devenv` (default: cargo's own root, `~/.cargo`).

use anyhow::{Context, Result, bail};
use devenv_model::aqua::compact;
use devenv_model::files::write_atomic;
use std::path::{Path, PathBuf};

mod dist;

fn main() -> std::process::ExitCode {
    match run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    match args.as_slice() {
        [task, dir] if task == "aqua" => aqua(Path::new(dir)),
        [task] if task == "dist" => {
            println!("{}", dist::dist(&workspace)?.display());
            Ok(())
        }
        [task, rest @ ..] if task == "install" => {
            let root = match rest {
                [] => cargo_root()?,
                [flag, dir] if flag == "--root" => PathBuf::from(dir),
                _ => bail!("usage: cargo xtask install [--root DIR]"),
            };
            let dest = dist::install(&workspace, &root)?;
            println!("installed {}", dest.display());
            Ok(())
        }
        _ => bail!(
            "usage: cargo xtask aqua DIR              regenerate the built-in aqua registry from DIR\n       \
             cargo xtask dist                  build the release binary and print its path\n       \
             cargo xtask install [--root DIR]  build it and copy it to DIR/bin (default ~/.cargo)"
        ),
    }
}

/// Where `cargo install` puts binaries: `$CARGO_HOME`, else `~/.cargo`.
fn cargo_root() -> Result<PathBuf> {
    #[allow(clippy::disallowed_methods)] // a build tool's own variables
    if let Some(home) = std::env::var_os("CARGO_HOME").filter(|h| !h.is_empty()) {
        return Ok(PathBuf::from(home));
    }
    #[allow(clippy::disallowed_methods)]
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .context("HOME is not set; pass --root DIR")?;
    Ok(PathBuf::from(home).join(".cargo"))
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

fn aqua(dir: &Path) -> Result<()> {
    let registry = read(&dir.join("registry.yaml"))?;
    let license = read(&dir.join("LICENSE"))?;
    let commit = compact::upstream_commit(&read(&dir.join("SOURCE.md"))?)?;
    let records = compact::generate(&registry)?;
    let count = records.lines().count();
    let out: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/model/data/aqua");
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    for (name, text) in [
        ("registry.jsonl", records),
        ("LICENSE", license),
        ("COMMIT", format!("{commit}\n")),
        ("SOURCE.md", compact::source_note(&commit, count)),
    ] {
        let path = out.join(name);
        write_atomic(&path, text.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    println!(
        "wrote {} packages of aqua-registry {commit} to {}",
        count,
        out.display()
    );
    Ok(())
}
