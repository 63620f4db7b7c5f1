//! `devenv init`: a first devenv.toml from the version files a repository
//! already has, with the source of each entry and what could not be
//! translated as comments; `--from FILE`; `--bare`; and a template that
//! takes pasted snippets.

use crate::common;
use common::World;

/// The written manifest, after checking that devenv itself reads it.
fn written(w: &World) -> String {
    w.run(&["run", "--json"]).ok();
    w.read("devenv.toml")
}

#[test]
fn asdf_nvm_pyenv_go_and_rustup_files_become_tools_with_their_origin() {
    let w = World::new();
    w.write(
        ".tool-versions",
        "# pins\nnodejs 20.11.0\nzig 0.13.0 0.12.0\nerlang 26.1\nshellcheck system\n",
    );
    w.write(".nvmrc", "lts/iron\n");
    w.write(".python-version", "pypy3.10\n");
    w.write(
        "go.mod",
        "module example.com/x\n\ngo 1.22\n\ntoolchain go1.22.3\n",
    );
    w.write(
        "rust-toolchain.toml",
        "[toolchain]\nchannel = \"1.80.0\"\ncomponents = [\"clippy\"]\n",
    );
    w.run(&["init"])
        .ok()
        .stderr_has("from .tool-versions, .nvmrc, .python-version, rust-toolchain.toml, go.mod");
    let m = written(&w);
    assert!(
        m.contains("node = \"20.11.0\"    # from .tool-versions:2\n"),
        "{m}"
    );
    assert!(
        m.contains("zig = \"0.13.0\"    # from .tool-versions:3\n"),
        "{m}"
    );
    assert!(m.contains("go = \"1.22.3\"    # from go.mod:5\n"), "{m}");
    // The `rust` tool takes rustup's components.
    assert!(
        m.contains("rust = { version = \"1.80.0\", components = [\"clippy\"] }    # from rust-toolchain.toml\n"),
        "{m}"
    );
    // Each untranslatable line is named with the reason.
    for line in [
        "# - .tool-versions:3 `zig 0.13.0 0.12.0`: devenv pins one version per tool; `0.13.0` (the first) is used",
        "# - .tool-versions:4 `erlang 26.1`: `erlang` is not in devenv's catalog",
        "# - .tool-versions:5 `shellcheck system`: `system` means the tool installed outside devenv",
        "# - .nvmrc:1 `lts/iron`: `node` is already taken from .tool-versions:2",
        "# - .python-version:1 `pypy3.10`: `pypy3.10` is not a CPython version",
    ] {
        assert!(m.contains(line), "missing {line:?} in:\n{m}");
    }
}

#[test]
fn nvm_aliases_become_devenv_constraints() {
    // The shapes real repositories' .nvmrc files have.
    for (nvmrc, expected) in [
        ("v22.11.0", "22.11.0"),
        ("^18.17.0", "^18.17.0"),
        ("node ^18.17.0", "^18.17.0"),
        (">= 18.17", ">=18.17"),
        ("lts/*", "lts"),
        ("lts/hydrogen", "18"),
        ("lts/jod", "22"),
        ("v20", "20"),
        ("20.11", "20.11"),
        ("node", "latest"),
    ] {
        let w = World::new();
        w.write(".nvmrc", format!("{nvmrc}\n"));
        w.run(&["init"]).ok();
        let m = written(&w);
        assert!(
            m.contains(&format!("node = \"{expected}\"    # from .nvmrc:1\n")),
            "{nvmrc}: {m}"
        );
    }
}

#[test]
fn mise_tools_env_and_tasks_carry_over() {
    let w = World::new();
    w.write(
        "mise.toml",
        r#"[tools]
"npm:prettier" = "3"
"pipx:black" = "24"
"cargo:ripgrep" = "14"
node = ["22", "20"]

[env]
FOO = "bar ${HOME}"
_.path = ["./bin"]
_.file = ".env.local"

[tasks.lint]
run = "prettier --check ."
description = "style"

[tasks.check]
depends = ["lint"]
"#,
    );
    w.run(&["init"]).ok();
    let m = written(&w);
    for line in [
        "\"npm:prettier\" = \"3\"    # from mise.toml [tools]\n",
        "\"pypi:black\" = \"24\"    # from mise.toml [tools]\n",
        "node = \"22\"    # from mise.toml [tools]\n",
        "FOO = \"bar ${HOME}\"    # from mise.toml [env]\n",
        "path = [\"bin\"]    # from mise.toml [env]\n",
        "dotenv = [\".env.local\"]    # from mise.toml [env]\n",
        "lint = { run = \"prettier --check .\", description = \"style\" }    # from mise.toml [tasks]\n",
        "check = { depends = [\"lint\"] }    # from mise.toml [tasks]\n",
        "\"cargo:ripgrep\" = \"14\"    # from mise.toml [tools]\n",
    ] {
        assert!(m.contains(line), "missing {line:?} in:\n{m}");
    }
    let json = w.run(&["run", "--json"]).ok().stdout;
    assert!(json.contains("\"lint\""), "{json}");
}

#[test]
fn devbox_packages_env_and_scripts_carry_over() {
    let w = World::new();
    w.write(
        "devbox.json",
        r#"{"packages": ["nodejs@20", "cowsay@3", "no-such-tool-xyz@3", "just@latest"],
            "env": {"X": "1"},
            "shell": {"init_hook": ["echo hi"], "scripts": {"test": ["just test"]}}}"#,
    );
    w.run(&["init"]).ok();
    let m = written(&w);
    for line in [
        "node = \"20\"    # from devbox.json\n",
        "just = \"latest\"    # from devbox.json\n",
        "X = \"1\"    # from devbox.json\n",
        "test = { run = \"just test\" }    # from devbox.json shell.scripts\n",
        // The whole aqua registry is built in: cowsay is one of its packages.
        "cowsay = \"3\"    # from devbox.json\n",
        "# - devbox.json `\"no-such-tool-xyz@3\"`: `no-such-tool-xyz` is not in devenv's catalog",
        "# - devbox.json `shell.init_hook`: devenv runs no code when entering a project",
    ] {
        assert!(m.contains(line), "missing {line:?} in:\n{m}");
    }
}

#[test]
fn simple_envrc_lines_carry_over_and_shell_code_does_not() {
    let w = World::new();
    w.write(
        ".envrc",
        "export A=\"x y\"\nexport B=$HOME/x\nexport C=\"$(date)\"\nPATH_add scripts\ndotenv\ndotenv_if_exists .env.local\nuse nix\n",
    );
    w.run(&["init"]).ok();
    let m = written(&w);
    for line in [
        "A = \"x y\"    # from .envrc:1\n",
        "path = [\"scripts\"]    # from .envrc:4\n",
        "dotenv = [\".env\", \".env.local\"]    # from .envrc:5, .envrc:6\n",
        "# - .envrc:2 `export B=$HOME/x`: only `${VAR}` expansions carry over",
        "# - .envrc:3 `export C=\"$(date)\"`: command substitution is shell code",
        "# - .envrc:7 `use nix`: devenv replaces this",
    ] {
        assert!(m.contains(line), "missing {line:?} in:\n{m}");
    }
}

#[test]
fn from_imports_only_the_named_file() {
    let w = World::new();
    w.write(".tool-versions", "nodejs 20.1.0\n");
    w.write(".node-version", "18.20.0\n");
    w.run(&["init", "--from", ".node-version"]).ok();
    let m = written(&w);
    assert!(
        m.contains("node = \"18.20.0\"    # from .node-version:1\n"),
        "{m}"
    );
    assert!(!m.contains(".tool-versions"), "{m}");
    w.run(&["init", "--force", "--from", "Makefile"])
        .fails(1)
        .stderr_has("devenv does not know how to import `Makefile`; it reads `mise.toml`");
}

#[test]
fn bare_ignores_version_files_and_takes_pasted_tables() {
    let w = World::new();
    w.write(".nvmrc", "22\n");
    w.run(&["init", "--bare"]).ok();
    let m = w.read("devenv.toml");
    assert!(!m.contains(".nvmrc"), "{m}");
    for example in ["# node = \"22\"", "# \"npm:prettier\"", "# \"pypi:ruff\""] {
        assert!(m.contains(example), "template lacks {example}: {m}");
    }
    // A README snippet pasted below the template loads.
    w.manifest(&format!(
        "{m}\n[env]\nRUST_LOG = \"debug\"\n\n[settings]\nplatforms = [\"linux-x86_64\"]\n"
    ));
    w.run(&["run"]).ok();
}

#[test]
fn a_table_defined_twice_points_at_the_first_definition() {
    let w = World::new();
    w.manifest("[tools]\n\n[env]\nA = \"1\"\n\n[env]\nB = \"2\"\n");
    w.run(&["run"])
        .fails(1)
        .stderr_has("devenv.toml:3:1: `[env]` is defined again at line 6")
        .stderr_has("3 | [env]");
}

#[test]
fn with_nothing_to_import_init_writes_the_template() {
    let w = World::new();
    w.run(&["init"])
        .ok()
        .stderr_has("declare tools under [tools]");
    assert!(w.read("devenv.toml").contains("# [env]"));
    w.run(&["init"])
        .fails(1)
        .stderr_has("already exists; edit it, or run `devenv init --force`");
}

#[test]
fn envrc_exports_inside_branches_functions_and_loops_are_not_made_unconditional() {
    let w = World::new();
    w.write(
        ".envrc",
        "if [ -n \"$CI\" ]; then\n  export E=ci\nelse\n  export E=local\nfi\ncase \"$USER\" in\n  root) export WHO=admin ;;\nesac\nsetup() {\n  export F=1\n}\nfor x in a b; do\n  export G=$x\ndone\nexport ALWAYS=yes\n",
    );
    w.run(&["init"]).ok();
    let m = written(&w);
    assert!(m.contains("ALWAYS = \"yes\"    # from .envrc:15\n"), "{m}");
    for name in ["E =", "WHO =", "F =", "G ="] {
        assert!(
            !m.contains(&format!("\n{name}")),
            "{name} became unconditional:\n{m}"
        );
    }
    for line in [
        "# - .envrc:2 `export E=ci`: inside an `if` block, it runs only sometimes",
        "# - .envrc:4 `export E=local`: inside an `if` block, it runs only sometimes",
        "# - .envrc:7 `root) export WHO=admin ;;`: inside a `case` block",
        "# - .envrc:10 `export F=1`: inside a function",
        "# - .envrc:13 `export G=$x`: inside a loop",
    ] {
        assert!(m.contains(line), "missing {line:?} in:\n{m}");
    }
}

#[test]
fn mise_templates_are_translated_or_skipped_never_copied() {
    let w = World::new();
    w.write(
        "mise.toml",
        "[env]\nCACHE = \"{{env.HOME}}/.cache/x\"\nROOT = \"{{ config_root }}/data\"\nREV = \"{{ exec(command='git rev-parse HEAD') }}\"\n",
    );
    w.run(&["init"]).ok();
    let m = written(&w);
    assert!(
        m.contains("CACHE = \"${HOME}/.cache/x\"    # from mise.toml [env]\n"),
        "{m}"
    );
    assert!(
        m.contains("ROOT = \"${DEVENV_ROOT}/data\"    # from mise.toml [env]\n"),
        "{m}"
    );
    assert!(!m.contains("\nREV ="), "{m}");
    assert!(
        m.contains(
            "the mise template `{{ exec(command='git rev-parse HEAD') }}` has no devenv equivalent"
        ),
        "{m}"
    );
    assert!(!m.contains("\nCACHE = \"{{"), "{m}");
}

#[test]
fn devbox_json_with_comments_and_trailing_commas_is_read() {
    let w = World::new();
    w.write(
        "devbox.json",
        "{\n  // the toolchain\n  \"packages\": [\"nodejs@20\", /* the runner */ \"just@latest\",],\n  \"env\": {\"URL\": \"http://x//y\", \"N\": \"1\",},\n}\n",
    );
    w.run(&["init"]).ok();
    let m = written(&w);
    for line in [
        "node = \"20\"    # from devbox.json\n",
        "just = \"latest\"    # from devbox.json\n",
        "URL = \"http://x//y\"    # from devbox.json\n",
        "N = \"1\"    # from devbox.json\n",
    ] {
        assert!(m.contains(line), "missing {line:?} in:\n{m}");
    }
}

#[test]
fn other_managers_names_and_sources_map_to_devenvs() {
    let w = World::new();
    w.write(
        "mise.toml",
        "[tools]\n\"ubi:BurntSushi/ripgrep\" = \"14\"\n\"github:cli/cli\" = \"2\"\n\"aqua:jqlang/jq\" = \"1.7\"\n\"go:golang.org/x/tools/gopls\" = \"latest\"\nterragrunt = \"0.55\"\nno-such-tool-xyz = \"1\"\n",
    );
    w.write(
        "devbox.json",
        r#"{"packages": ["python312@latest", "nodejs_20@latest", "go_1_22@latest"]}"#,
    );
    w.write(".python-version", "3.11.4-myenv\n");
    w.write(
        "rust-toolchain.toml",
        "[toolchain]\nchannel = \"1.83.0\"\ncomponents = [\"clippy\", \"rustfmt\"]\ntargets = [\"wasm32-unknown-unknown\"]\nprofile = \"minimal\"\n",
    );
    w.run(&["init"]).ok();
    let m = written(&w);
    for line in [
        "\"github:BurntSushi/ripgrep\" = \"14\"    # from mise.toml [tools]\n",
        "\"github:cli/cli\" = \"2\"    # from mise.toml [tools]\n",
        "\"aqua:jqlang/jq\" = \"1.7\"    # from mise.toml [tools]\n",
        "python = \"3.12\"    # from devbox.json\n",
        "node = \"20\"    # from devbox.json\n",
        "go = \"1.22\"    # from devbox.json\n",
        "rust = { version = \"1.83.0\", components = [\"clippy\", \"rustfmt\"], targets = [\"wasm32-unknown-unknown\"] }    # from rust-toolchain.toml\n",
        "# - mise.toml [tools] `go:golang.org/x/tools/gopls = \"latest\"`: devenv does not build Go modules",
        "terragrunt = \"0.55\"    # from mise.toml [tools]\n",
        "# - mise.toml [tools] `no-such-tool-xyz = \"1\"`: `no-such-tool-xyz` is not in devenv's catalog (`devenv search no-such-tool-xyz` looks for it by other names); if it publishes release binaries on GitHub, use `github:OWNER/no-such-tool-xyz`",
        "# - .python-version:1 `3.11.4-myenv`: `3.11.4-myenv` looks like a pyenv virtualenv's name, not a version",
    ] {
        assert!(m.contains(line), "missing {line:?} in:\n{m}");
    }
    assert!(!m.contains("try `npm:"), "{m}");
}
