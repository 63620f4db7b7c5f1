//! `devenv completions bash|zsh|fish`: scripts that load cleanly in the
//! real shells and complete subcommands, task names and tool names read
//! from the project's manifest at TAB time.

use crate::common;
use common::World;
use common::shell::Sh;

fn world() -> World {
    let w = World::new();
    w.manifest(
        "[tools]\nnode = \"22\"\n\"npm:prettier\" = \"3\"\n\n[tasks]\nbuild = { run = \"true\", description = \"compile it\" }\ntest = \"true\"\n",
    );
    w
}

/// Runs `script` in a configless `shell` in the project, with the
/// completion script of that shell saved at `$COMPLETIONS`.
fn in_shell(w: &World, shell: Sh, script: &str) -> String {
    let completions = w.run(&["completions", shell.name()]).ok().stdout;
    let file = w.root.join(format!("completions.{}", shell.name()));
    std::fs::write(&file, completions).unwrap();
    let mut cmd = shell.command();
    w.isolate(&mut cmd)
        .current_dir(&w.project)
        .env("COMPLETIONS", &file)
        .arg("-c")
        .arg(script);
    let out = cmd.output().expect("the shell runs (it must be installed)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{}: {stderr}", shell.name());
    assert!(
        stderr.is_empty(),
        "{} printed to stderr: {stderr}",
        shell.name()
    );
    String::from_utf8(out.stdout).unwrap()
}

const BASH_COMPLETE: &str = r#"source "$COMPLETIONS"
complete_words() { COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMPREPLY=();
  _clap_complete_devenv devenv "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}";
  printf '%s\n' "${COMPREPLY[@]}"; }
"#;

#[test]
fn bash_completes_task_names_from_the_manifest() {
    let w = world();
    let out = in_shell(
        &w,
        Sh::BASH,
        &format!("{BASH_COMPLETE}complete_words devenv run b"),
    );
    assert_eq!(out, "build\n");
    let out = in_shell(
        &w,
        Sh::BASH,
        &format!("{BASH_COMPLETE}complete_words devenv run ''"),
    );
    assert!(out.starts_with("build\ntest\n"), "{out}");
}

#[test]
fn bash_completes_tool_names_and_subcommands() {
    let w = world();
    let out = in_shell(
        &w,
        Sh::BASH,
        &format!("{BASH_COMPLETE}complete_words devenv remove n; complete_words devenv comp"),
    );
    assert_eq!(out, "node\nnpm:prettier\ncompletions\n");
}

#[test]
fn fish_completes_tasks_with_their_descriptions() {
    let w = world();
    let out = in_shell(
        &w,
        Sh::FISH,
        "source $COMPLETIONS; complete -C 'devenv run '; complete -C 'devenv update no'",
    );
    assert!(out.starts_with("build\tcompile it\ntest\n"), "{out}");
    assert!(out.ends_with("node\t22\n"), "{out}");
}

#[test]
fn zsh_loads_the_script_and_the_engine_answers_in_its_format() {
    let w = world();
    // compinit is needed for `compdef`; the script must load without output.
    in_shell(
        &w,
        Sh::ZSH,
        "autoload -Uz compinit && compinit -u -D && source $COMPLETIONS && whence -w _clap_dynamic_completer_devenv",
    );
    let out = w
        .run_env(
            &["--", "devenv", "run", ""],
            &[
                ("DEVENV_COMPLETE", "zsh"),
                ("_CLAP_COMPLETE_INDEX", "2"),
                ("_CLAP_IFS", "\n"),
            ],
        )
        .ok();
    assert!(
        out.stdout.starts_with("build:compile it\ntest\n"),
        "{}",
        out.stdout
    );
}

#[test]
fn outside_a_project_completion_still_works_without_errors() {
    let w = World::new();
    let out = w
        .run_env(&["--", "devenv", "run", ""], &[("DEVENV_COMPLETE", "fish")])
        .ok();
    assert!(out.stderr.is_empty(), "{}", out.stderr);
    assert!(out.stdout.starts_with("--force"), "{}", out.stdout);
}
