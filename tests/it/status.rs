//! `devenv status`: what the hook sees, in text and JSON.

use crate::common;
use common::{hook_cases, shell};

use shell::{Sandbox, Sh};

#[test]
fn reports_the_active_project_trust_watched_files_and_missing_tools() {
    let sb = Sandbox::new();
    let a = sb.project(
        "a",
        &format!(
            "{}{}",
            hook_cases::TOOL,
            hook_cases::manifest(&[("A1", "one")])
        ),
    );
    hook_cases::write_lock(&sb, &a, false);
    sb.devenv(&a, &["allow"]).ok();
    let script = format!(
        "cd {}\nprompt\n\"$DEVENV_REAL\" status --json\n\"$DEVENV_REAL\" status\n",
        sb.q(&a)
    );
    let run = sb.run(Sh::BASH, &script);
    let out = run.ok();
    let json_end = out.find("\n}\n").unwrap() + 3;
    let v: serde_json::Value = serde_json::from_str(&out[..json_end]).unwrap();
    assert_eq!(v["hook"], true);
    assert_eq!(v["active"]["name"], "a");
    assert_eq!(v["active"]["path"][0], a.join("bin").display().to_string());
    assert_eq!(v["project"]["trust"], "allowed");
    assert_eq!(v["project"]["missing"][0], "mytool 1.0.0");
    assert_eq!(
        v["project"]["watched"],
        serde_json::json!([
            a.join("devenv.toml").display().to_string(),
            a.join("devenv.lock").display().to_string()
        ])
    );
    let text = &out[json_end..];
    assert!(
        text.contains("active    a (0 tools, 4 variables)"),
        "{text}"
    );
    assert!(
        text.contains("missing   mytool 1.0.0 — run `devenv install`"),
        "{text}"
    );
}

#[test]
fn outside_any_project_without_the_hook() {
    let sb = Sandbox::new();
    let run = sb.devenv(&sb.root.join("outside"), &["status"]);
    let out = run.ok();
    assert!(out.contains("active    none"), "{out}");
    assert!(out.contains("hook      not loaded in this shell"), "{out}");
    assert!(out.contains("project   none"), "{out}");
}

/// Issue 24: after the user's own `devenv init`, `status` says the manifest
/// is new and how to allow it, as the hook does; someone else's asks for a
/// review.
#[test]
fn a_manifest_devenv_init_wrote_is_new_not_someone_elses_to_review() {
    let sb = Sandbox::new();
    let mine = sb.dir("mine");
    sb.devenv(&mine, &["init"]).ok();
    let out = sb.devenv(&mine, &["status"]).ok().to_string();
    assert!(
        out.contains("trust     new, written by `devenv init` — run `devenv allow` to load it"),
        "{out}"
    );
    let json = sb.devenv(&mine, &["status", "--json"]).ok().to_string();
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["project"]["new"], true);
    assert_eq!(v["project"]["allowed"], false);

    let theirs = sb.project("theirs", "[env]\nA = \"1\"\n");
    let out = sb.devenv(&theirs, &["status"]).ok().to_string();
    assert!(
        out.contains("trust     not allowed yet — review it, then run `devenv allow`"),
        "{out}"
    );
}
