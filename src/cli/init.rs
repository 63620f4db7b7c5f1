//! `devenv init`: a commented starting manifest.

use crate::manifest::FILE_NAME;
use crate::ui;
use anyhow::{Result, bail};

const TEMPLATE: &str = r#"# devenv.toml: this project's development environment.
# After editing: `devenv install`, then `devenv exec -- CMD` (or enter the
# directory with the shell hook installed: `eval "$(devenv hook bash)"`).

[tools]
# A tool downloaded from a URL; {version}, {os} (linux, macos) and
# {arch} (x86_64, aarch64) are filled in for each platform.
# mytool = { version = "1.4.2", url = "https://example.com/mytool-{version}-{os}-{arch}.tar.gz", bin = ["bin"] }

[env]
# Variables set while the environment is active; ${VAR} reads other variables.
# RUST_LOG = "debug"
# DATABASE_URL = "postgres://localhost/${DEVENV_PROJECT_NAME}"
# OLD_VAR = false          # unset while active
# path = ["scripts"]       # prepended to PATH, relative to this directory
# dotenv = [".env"]        # loaded if present

[settings]
# Platforms devenv.lock covers (default: the machine that writes it).
# platforms = ["linux-x86_64", "linux-aarch64", "macos-x86_64", "macos-aarch64"]
"#;

pub fn run(force: bool) -> Result<()> {
    let dir = super::cwd()?;
    let path = dir.join(FILE_NAME);
    if path.exists() && !force {
        bail!(
            "{} already exists; edit it, or run `devenv init --force` to replace it",
            path.display()
        );
    }
    crate::files::write_atomic(&path, TEMPLATE.as_bytes())?;
    ui::info(format!(
        "wrote {}; declare tools under [tools], then run `devenv install`",
        path.display()
    ));
    Ok(())
}
