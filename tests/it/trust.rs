//! `devenv allow` / `deny` and what they mean for the hook and for explicit
//! commands.

use crate::common;
use common::{hook_cases, shell};

use shell::Sandbox;

fn status_trust(sb: &Sandbox, dir: &std::path::Path) -> String {
    let run = sb.devenv(dir, &["status", "--json"]);
    let v: serde_json::Value = serde_json::from_str(run.ok()).unwrap();
    v["project"]["trust"].as_str().unwrap().to_string()
}

#[test]
fn records_live_under_devenv_home_and_follow_the_content() {
    let sb = Sandbox::new();
    let a = sb.project("a", &hook_cases::manifest(&[("A1", "one")]));
    let sub = sb.dir("a/src");
    assert_eq!(status_trust(&sb, &a), "not allowed yet");
    let run = sb.devenv(&sub, &["allow"]);
    run.ok();
    assert!(run.stderr.contains("allowed"), "{}", run.stderr);
    assert_eq!(status_trust(&sb, &a), "allowed");
    let records: Vec<_> = std::fs::read_dir(sb.home.join("trust"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(records.len(), 1);
    let record = std::fs::read_to_string(&records[0]).unwrap();
    assert!(
        record.starts_with("allow v2\nfile devenv.toml sha256:"),
        "{record}"
    );

    std::fs::write(
        a.join("devenv.toml"),
        hook_cases::manifest(&[("A1", "two")]),
    )
    .unwrap();
    assert_eq!(
        status_trust(&sb, &a),
        "devenv.toml changed since it was allowed"
    );
    sb.devenv(&sb.root, &["allow", "a"]).ok();
    assert_eq!(status_trust(&sb, &a), "allowed");
    sb.devenv(&a, &["deny"]).ok();
    assert_eq!(status_trust(&sb, &a), "denied");
}

#[test]
fn a_symlinked_checkout_shares_the_record() {
    let sb = Sandbox::new();
    let a = sb.allowed_project("a", &hook_cases::manifest(&[("A1", "one")]));
    let link = sb.root.join("link");
    std::os::unix::fs::symlink(&a, &link).unwrap();
    assert_eq!(status_trust(&sb, &link), "allowed");
}

#[test]
fn explicit_commands_need_no_trust() {
    let sb = Sandbox::new();
    let a = sb.project("a", &hook_cases::manifest(&[("A1", "one")]));
    let run = sb.devenv(&a, &["exec", "--", "printenv", "A1"]);
    assert_eq!(run.ok(), "one\n");
    let run = sb.devenv_io(&a, &["enter"], &[("SHELL", "/bin/sh")], "printenv A1\n");
    assert_eq!(run.ok(), "one\n", "{}", run.stderr);
}

#[test]
fn untrusted_never_activates_in_any_shell() {
    for sh in shell::ALL {
        if !sh.available() {
            continue;
        }
        let sb = Sandbox::new();
        let a = sb.project("a", &hook_cases::manifest(&[("A1", "one")]));
        let run = sb.run(sh, &format!("cd {}\nprompt\nprompt\nshow A1\n", sb.q(&a)));
        assert_eq!(run.ok(), "A1 unset\n", "{sh:?}");
        assert_eq!(run.count_stderr("is not allowed yet"), 1, "{sh:?}");
    }
}
