//! Every manifest mistake is shown at its file, line and column, with the
//! line, a caret, and what to do — never a debug dump or a panic.

use crate::common;
use common::World;

fn error_for(manifest: &str) -> String {
    let w = World::new();
    w.manifest(manifest);
    w.run(&["lock"]).fails(1).stderr
}

#[test]
fn bad_toml_is_located() {
    let err = error_for("[tools]\nnode = \"22\n");
    assert!(err.contains("devenv.toml:2:"), "{err}");
    assert!(err.contains("not valid TOML"), "{err}");
    assert!(err.contains("2 | node = \"22"), "{err}");
    assert!(err.contains('^'), "{err}");
}

#[test]
fn unknown_top_level_key_suggests_the_right_one() {
    let err = error_for("[env]\nA = \"1\"\n\n[tool]\nnode = \"22\"\n");
    assert!(
        err.contains("devenv.toml:4:2: unknown key `tool` at the top level"),
        "{err}"
    );
    assert!(err.contains("4 | [tool]"), "{err}");
    assert!(err.contains("  |  ^^^^\n"), "{err}");
    assert!(err.contains("help: did you mean `tools`?"), "{err}");
}

#[test]
fn unknown_key_in_a_url_tool() {
    let err = error_for(
        "[tools]\nt = { version = \"1.0\", url = \"https://h/t.tgz\", sha265 = \"00\" }\n",
    );
    assert!(err.contains("devenv.toml:2:"), "{err}");
    assert!(err.contains("unknown key `sha265` in tool `t`"), "{err}");
    assert!(err.contains("did you mean `sha256`?"), "{err}");
}

#[test]
fn unknown_setting() {
    let err = error_for("[settings]\nplatform = [\"linux-x86_64\"]\n");
    assert!(
        err.contains("devenv.toml:2:1: unknown key `platform` in [settings]"),
        "{err}"
    );
    assert!(err.contains("did you mean `platforms`?"), "{err}");
}

#[test]
fn wrong_type_says_what_is_expected() {
    let err = error_for("[env]\nNAMES = [\"a\", \"b\"]\n");
    assert!(
        err.contains(
            "devenv.toml:2:9: variable `NAMES` must be a string, a number or `false`, not an array"
        ),
        "{err}"
    );
    let err = error_for("[tools]\nnode = 22\n");
    assert!(
        err.contains(
            "devenv.toml:2:8: tool `node` must be a version string or a table, not an integer"
        ),
        "{err}"
    );
}

#[test]
fn bad_version_for_a_url_tool() {
    let err =
        error_for("[tools]\nt = { version = \"^1.2\", url = \"https://h/t-{version}.tgz\" }\n");
    assert!(
        err.contains("devenv.toml:2:17: `^1.2` is not an exact version"),
        "{err}"
    );
    assert!(
        err.contains("help: a tool downloaded by URL needs the exact version"),
        "{err}"
    );
}

#[test]
fn bad_version_constraint() {
    let err = error_for("[tools]\nnode = \"22 || 20\"\n");
    assert!(
        err.contains("devenv.toml:2:8: `22 || 20` is not a version or version range"),
        "{err}"
    );
}

#[test]
fn bad_template_placeholder_points_at_it() {
    let err =
        error_for("[tools]\nt = { version = \"1\", url = \"https://h/t-{verison}-{os}.tgz\" }\n");
    assert!(
        err.contains("devenv.toml:2:41: unknown placeholder `{verison}` in the URL template"),
        "{err}"
    );
    assert!(err.contains("did you mean `{version}`?"), "{err}");
    let err = error_for("[tools]\nt = { version = \"1\", url = \"ftp://h/t.tgz\" }\n");
    assert!(err.contains("is not an http(s) or file URL"), "{err}");
}

#[test]
fn bad_sha256_and_platform() {
    let err =
        error_for("[tools]\nt = { version = \"1\", url = \"https://h/t\", sha256 = \"abc\" }\n");
    assert!(err.contains("`abc` is not a sha256 digest"), "{err}");
    let err = error_for("[settings]\nplatforms = [\"linux-x64\"]\n");
    assert!(
        err.contains("devenv.toml:2:14: unknown platform `linux-x64`"),
        "{err}"
    );
    assert!(err.contains("did you mean `linux-x86_64`?"), "{err}");
}

#[test]
fn reserved_and_invalid_variable_names() {
    let err = error_for("[env]\nPATH = \"/x\"\n");
    assert!(err.contains("PATH cannot be set directly"), "{err}");
    assert!(err.contains("path = [\"scripts\"]"), "{err}");
    let err = error_for("[env]\n\"1BAD\" = \"x\"\n");
    assert!(
        err.contains("`1BAD` is not a valid environment variable name"),
        "{err}"
    );
}

#[test]
fn no_manifest_says_how_to_start() {
    let w = World::new();
    w.run(&["exec", "--", "true"])
        .fails(1)
        .stderr_has("no devenv.toml in")
        .stderr_has("devenv init");
    for args in [&["allow"][..], &["watch"], &["install"]] {
        w.run(args)
            .fails(1)
            .stderr_has("no devenv.toml in")
            .stderr_has("devenv init");
    }
}

#[test]
fn usage_errors_exit_2() {
    let w = World::new();
    let out = w.run(&["frobnicate"]);
    assert_eq!(out.code, 2, "{out:?}");
}

#[test]
fn init_writes_a_manifest_that_parses() {
    let w = World::new();
    w.run(&["init"]).ok();
    assert!(w.read("devenv.toml").contains("[tools]"));
    w.run(&["init"])
        .fails(1)
        .stderr_has("already exists")
        .stderr_has("--force");
    w.run(&["lock"]).ok();
    assert!(w.read("devenv.lock").contains("version = 2"));
}

/// The fuzzing that found a panic in URL validation, again: manifests
/// mixing TOML escapes, multi-byte text, control characters and
/// placeholders never panic, and every error renders safely for a terminal.
mod fuzz {
    use devenv_model::manifest::Manifest;
    use proptest::prelude::*;
    use std::path::Path;

    fn piece() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("\\u00e9".to_string()),
            Just("\\U0001F600".to_string()),
            Just("\\t".to_string()),
            Just("\\u001b[2J".to_string()),
            Just("é".to_string()),
            Just("日本".to_string()),
            Just("🎉".to_string()),
            Just("{version}".to_string()),
            Just("{versoin}".to_string()),
            Just("{".to_string()),
            Just("}".to_string()),
            Just("{os".to_string()),
            Just("\u{1b}]52;c;eA==\u{7}".to_string()),
            "[a-z/.:-]{0,6}",
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        #[test]
        fn urls_keys_and_values_never_panic(
            url in proptest::collection::vec(piece(), 0..8),
            key in proptest::collection::vec(piece(), 1..3),
            value in proptest::collection::vec(piece(), 0..4),
            url_scheme in prop_oneof![Just("https://h/"), Just(""), Just("ftp://")],
        ) {
            let url = format!("{url_scheme}{}", url.concat());
            let source = format!(
                "[tools]\nt = {{ version = \"1\", url = \"{url}\" }}\n\"{}\" = \"{}\"\n[env]\nV = \"{}\"\n",
                key.concat(),
                value.concat(),
                value.concat()
            );
            if let Err(e) = Manifest::parse(Path::new("/p/devenv.toml"), source) {
                let shown = devenv_model::ui::escape_controls(&e.to_string());
                let raw = shown.contains('\x1b') || shown.contains('\x07');
                prop_assert!(!raw, "raw control characters in {:?}", shown);
                prop_assert!(e.line >= 1 && e.column >= 1);
            }
        }
    }
}

#[test]
fn a_constraint_the_grammar_refuses_is_located() {
    let err = error_for("[tools]\nnode = \"^^22\"\n");
    assert!(
        err.contains("devenv.toml:2:8: `^^22` is not a version constraint"),
        "{err}"
    );
    assert!(err.contains("2 | node = \"^^22\""), "{err}");
    assert!(err.contains("help: write an exact version"), "{err}");
}

#[test]
fn a_source_the_catalog_entry_lacks_is_located_with_a_suggestion() {
    let err = error_for("[tools]\nnode = { version = \"22\", source = \"pip\" }\n");
    assert!(
        err.contains("devenv.toml:2:35: `node` has no source `pip`"),
        "{err}"
    );
    assert!(
        err.contains("  |                                   ^^^^^\n"),
        "{err}"
    );
    assert!(err.contains("help: did you mean `pypi`?"), "{err}");
}

#[test]
fn a_tool_not_in_the_catalog_is_located_at_its_name() {
    let err = error_for("[env]\nA = \"1\"\n\n[tools]\nnodee = \"22\"\n");
    assert!(
        err.contains("devenv.toml:5:1: `nodee` is not in the catalog"),
        "{err}"
    );
    assert!(err.contains("did you mean `node`?"), "{err}");
}

#[test]
fn add_reports_a_bad_spec_by_the_spec() {
    let w = World::new();
    w.manifest("[tools]\n");
    w.run(&["add", "ruff@"])
        .fails(1)
        .stderr_has("`ruff@` has nothing after `@`; write `ruff` for the latest version");
    let err = w.run(&["add", "ruff@^^1"]).fails(1).stderr;
    assert!(
        err.contains("`ruff@^^1`: `^^1` is not a version constraint"),
        "{err}"
    );
    assert!(
        !err.contains(" | "),
        "no line of a file that was never written:\n{err}"
    );
    assert_eq!(w.read("devenv.toml"), "[tools]\n");
}
