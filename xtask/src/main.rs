//! Maintenance tasks, run by hand (not part of the default build).
//!
//! `cargo run -p xtask -- aqua DIR`: converts DIR/registry.yaml (aqua's
//! registry as published, with its LICENSE and a SOURCE.md naming the
//! upstream commit) into `crates/model/data/aqua/`, the form the build
//! embeds. A test of devenv-model holds the committed files equal to
//! this output.

use anyhow::{Context, Result, bail};
use devenv_model::aqua::compact;
use devenv_model::files::write_atomic;
use std::path::{Path, PathBuf};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [task, dir] if task == "aqua" => aqua(Path::new(dir)),
        _ => bail!(
            "usage: cargo run -p xtask -- aqua DIR   (DIR holds registry.yaml, LICENSE and SOURCE.md)"
        ),
    }
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
