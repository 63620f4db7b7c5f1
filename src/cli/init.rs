//! `devenv init`: a first devenv.toml, imported from the version files the
//! repository already has (see `crate::import`), or a commented template.

use crate::import::{self, Imported};
use anyhow::{Result, bail};
use devenv_model::catalog::Catalog;
use devenv_model::config::Config;
use devenv_model::manifest::{FILE_NAME, Manifest};
use devenv_model::ui;
use devenv_store::store::Store;
use devenv_store::trust;
use std::path::Path;

const HEADER: &str = "\
# devenv.toml: this project's development environment.
# After editing: `devenv install`, then `devenv exec -- CMD` (or enter the
# directory with the shell hook installed: `eval \"$(devenv hook bash)\"`).
";

/// The template: every table commented out, so pasting a snippet that has
/// its own `[env]` or `[settings]` never defines a table twice.
const TEMPLATE: &str = r#"
[tools]
# node = "22"                  # a catalog name: newest 22.x.y (`devenv search WORD` lists them)
# "npm:prettier" = "^3.3"      # any npm package
# "pypi:ruff" = "0.7"          # any PyPI package with executables
# A tool downloaded from a URL; {version}, {os} (linux, macos) and
# {arch} (x86_64, aarch64) are filled in for each platform.
# mytool = { version = "1.4.2", url = "https://example.com/mytool-{version}-{os}-{arch}.tar.gz", bin = ["bin"] }

# [env]
# Variables set while the environment is active; ${VAR} reads other variables.
# RUST_LOG = "debug"
# DATABASE_URL = "postgres://localhost/${DEVENV_PROJECT_NAME}"
# OLD_VAR = false          # unset while active
# path = ["scripts"]       # prepended to PATH, relative to this directory
# dotenv = [".env"]        # loaded if present

# [tasks]
# test = { run = "cargo test", description = "the whole suite" }   # `devenv run test`

# [settings]
# Platforms devenv.lock covers (default: the machine that writes it).
# platforms = ["linux-x86_64", "linux-aarch64", "macos-x86_64", "macos-aarch64"]
"#;

/// What `devenv init` was asked.
pub(crate) struct Args<'a> {
    pub(crate) force: bool,
    /// Import only this file.
    pub(crate) from: Option<&'a Path>,
    /// Write the template; import nothing.
    pub(crate) bare: bool,
}

pub(crate) fn run(config: &Config, a: Args) -> Result<()> {
    let dir = super::cwd()?;
    let path = dir.join(FILE_NAME);
    if path.exists() && !a.force {
        bail!(
            "{} already exists; edit it, or run `devenv init --force` to replace it",
            path.display()
        );
    }
    let catalog = Catalog::builtin();
    let mut imported = match (a.bare, a.from) {
        (true, _) => Imported::default(),
        (false, Some(file)) => import::import_file(&dir.join(file), &catalog)?,
        (false, None) => import::import_dir(&dir, &catalog)?,
    };
    let text = if imported.is_empty() {
        format!("{HEADER}{TEMPLATE}")
    } else {
        import::render_valid(&mut imported, HEADER, &path)
    };
    // What init writes must load: a bug here would be the user's first error.
    Manifest::parse(&path, text.clone())?;
    devenv_model::files::write_atomic(&path, text.as_bytes())?;
    // Only so the hook can tell the user's own new manifest from someone
    // else's: a failure here changes no outcome, so it is a warning.
    if let Err(e) = Store::open(config).and_then(|s| trust::note_written(&s, &path, &text)) {
        ui::warn(format!("{e:#}"));
    }
    if imported.is_empty() {
        ui::info(format!(
            "wrote {}; declare tools under [tools], then run `devenv install`",
            path.display()
        ));
        return Ok(());
    }
    let n = imported.tools.len();
    ui::info(format!(
        "wrote {} with {} from {}; run `devenv install`",
        path.display(),
        devenv_model::ui::plural(n, "tool", "tools"),
        imported.files.join(", ")
    ));
    if !imported.skipped.is_empty() {
        ui::warn(format!(
            "{} not imported; see the comments at the end of {FILE_NAME}",
            devenv_model::ui::plural(imported.skipped.len(), "line was", "lines were")
        ));
    }
    Ok(())
}
