//! The rules of names that the manifest, the lock and the backends share:
//! package names of the registries, and the variable names devenv writes
//! into shell code. Format rules, so they live below every stage that
//! checks them.

/// Whether `name` is an npm package name: `name` or `@scope/name`, at
/// most 214 characters of `a-z A-Z 0-9 - . _ ~` (npm's rule; old packages
/// may have capitals), neither part starting with `.` or `_`.
pub fn valid_package_name(name: &str) -> bool {
    let part = |p: &str| {
        !p.is_empty()
            && !p.starts_with(['.', '_'])
            && p.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c))
    };
    let plain = match name.strip_prefix('@') {
        Some(scoped) => scoped
            .split_once('/')
            .is_some_and(|(scope, rest)| part(scope) && part(rest)),
        None => part(name),
    };
    plain && name.len() <= 214
}

/// Whether `repo` is a GitHub repository written `owner/name`, each part a
/// plain GitHub name (`A-Z a-z 0-9 - _ .`, not starting with `.`).
pub fn github_repo(repo: &str) -> bool {
    let part = |s: &str| {
        !s.is_empty()
            && !s.starts_with('.')
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    };
    repo.split_once('/')
        .is_some_and(|(owner, name)| part(owner) && part(name))
}

/// A package name as PEP 503 normalizes it (`Typing_Extensions` → `typing-extensions`).
pub fn pypi_normalize(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !out.ends_with('-') {
                out.push('-');
            }
        } else {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// Whether `name` is a plain environment variable name (letters, digits
/// and `_`, not starting with a digit): the only names devenv ever writes
/// into shell code.
pub fn is_identifier(name: &str) -> bool {
    name.chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// What setting `name` would take over, for variables that make a shell
/// or the dynamic loader run code of the project's choosing: never set
/// from a dotenv file, and shown as a warning by `devenv allow` when
/// `[env]` sets them.
pub fn takes_over(name: &str) -> Option<&'static str> {
    const SHELL: &[&str] = &[
        "PROMPT_COMMAND",
        "PS0",
        "PS1",
        "PS2",
        "PS3",
        "PS4",
        "BASH_ENV",
        "ENV",
        "SHELLOPTS",
        "BASHOPTS",
        "IFS",
        "CDPATH",
        "GLOBIGNORE",
        "HISTFILE",
        "ZDOTDIR",
        "PROMPT",
        "RPROMPT",
        "RPS1",
        "fish_function_path",
        "fish_complete_path",
        "fish_user_paths",
        "SHELL",
        "HOME",
    ];
    if SHELL.contains(&name) || name.starts_with("BASH_FUNC_") {
        Some("your shell (its startup, prompt or functions)")
    } else if name.starts_with("LD_") || name.starts_with("DYLD_") {
        Some("the dynamic loader (code injected into every program)")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_repositories_are_owner_and_name() {
        for good in ["cli/cli", "jqlang/jq", "Byron/dua-cli", "a_b/c.d"] {
            assert!(github_repo(good), "{good}");
        }
        for bad in [
            "",
            "cli",
            "cli/",
            "/cli",
            "a/b/c",
            "../x",
            "a/..",
            "o/.github",
            "a b/c",
        ] {
            assert!(!github_repo(bad), "{bad}");
        }
    }

    #[test]
    fn package_names_follow_npms_rules() {
        for good in ["esbuild", "@swc/core", "left-pad", "JSONStream", "a.b_c~d"] {
            assert!(valid_package_name(good), "{good}");
        }
        let long = "a".repeat(215);
        for bad in [
            "", "@swc", "@/core", "@swc/", "../x", "a/b", ".hidden", "_private", "a b", "é",
            "@s/c/d", &long,
        ] {
            assert!(!valid_package_name(bad), "{bad}");
        }
    }
}
