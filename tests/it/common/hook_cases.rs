//! The behaviour every shell hook must have (issue 4's "what must hold"),
//! written once over the [`shell`] harness's common vocabulary and run by
//! `hook_bash.rs`, `hook_zsh.rs` and `hook_fish.rs` for their shell.

#![allow(dead_code)]

use super::shell::{Sandbox, Sh, Steady};
use std::path::Path;
use std::process::Command;

/// A manifest `[env]` string literal for `value`, taken literally (`$` doubled).
pub(crate) fn toml_str(value: &str) -> String {
    toml::Value::String(value.replace('$', "$$")).to_string()
}

/// Project manifest with these variables and one `path` entry.
pub(crate) fn manifest(vars: &[(&str, &str)]) -> String {
    let mut m = String::from("[env]\n");
    for (k, v) in vars {
        m.push_str(&format!("{k} = {}\n", toml_str(v)));
    }
    m.push_str("path = [\"bin\"]\n");
    m
}

/// `n` prompts.
fn prompts(n: usize) -> String {
    "prompt\n".repeat(n)
}

/// Only `__DEVENV_*` differ between two snapshots? Returns the others.
fn differences(
    a: &std::collections::BTreeMap<String, String>,
    b: &std::collections::BTreeMap<String, String>,
) -> Vec<String> {
    let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    keys.into_iter()
        .filter(|k| !k.starts_with("__DEVENV_") && a.get(*k) != b.get(*k))
        .map(|k| format!("{k}: {:?} -> {:?}", a.get(k), b.get(k)))
        .collect()
}

pub(crate) fn zero_forks_at_steady_prompt(sh: Sh) {
    if sh.steady != Steady::NoProcess {
        return steady_prompt_cost(sh);
    }
    let sb = Sandbox::new();
    let a = sb.allowed_project("a", &manifest(&[("A1", "one")]));
    sb.dir("a/src/deep");
    sb.dir("elsewhere/x");
    let (qa, out) = (sb.q(&a), sb.q(&sb.root.join("outside")));
    let deep = sb.q(&a.join("src/deep"));
    let elsewhere = sb.q(&sb.root.join("elsewhere/x"));
    let script = format!(
        "{p}cd {elsewhere}\n{p}cd {out}\n{p}\
         cd {qa}\nprompt\n{p}cd {deep}\n{p}cd {qa}\n{p}cd {deep}\n{p}show A1\n\
         cd {out}\nprompt\n{p}cd {elsewhere}\n{p}",
        p = prompts(25)
    );
    let run = sb.run(sh, &script);
    assert_eq!(run.ok(), "A1=[one]\n", "{}", run.stderr);
    assert_eq!(
        sb.calls(),
        vec![format!("hook-env --shell {}", sh.name()); 2],
        "devenv ran once to enter and once to leave, never at a steady prompt"
    );
}

/// Under strace: between two markers (many steady prompts and `cd`s inside
/// one project), the shell creates no process at all.
pub(crate) fn no_process_at_steady_prompt(sh: Sh) {
    if Command::new("strace").arg("-V").output().is_err() {
        return super::missing("strace", "the steady-prompt proofs");
    }
    let sb = Sandbox::new();
    let a = sb.allowed_project("a", &manifest(&[("A1", "one")]));
    sb.dir("a/sub");
    if sh.steady == Steady::EveryPrompt {
        return;
    }
    // A shell that needs devenv inside projects proves it outside them.
    let (a, sub) = if sh.steady == Steady::InProjects {
        (sb.dir("elsewhere"), sb.dir("elsewhere/sub"))
    } else {
        (a.clone(), a.join("sub"))
    };
    let (start, end) = (sb.root.join("marker-start"), sb.root.join("marker-end"));
    let body = format!(
        "cd {qa}\nprompt\nmark {start}\n{p}cd {sub}\n{p}cd {qa}\n{p}mark {end}\n",
        qa = sb.q(&a),
        sub = sb.q(&sub),
        start = sb.q(&start),
        end = sb.q(&end),
        p = prompts(10)
    );
    let trace = sb.root.join("trace.log");
    sb.run_traced(sh, &body, &trace).ok();
    let forks = processes_between(&trace, &start, &end);
    assert!(
        forks.is_empty(),
        "processes at a steady prompt:\n{forks:#?}"
    );
    let entering = usize::from(sh.steady == Steady::NoProcess);
    assert_eq!(sb.calls().len(), entering, "only entering ran devenv");
}

/// The processes (not threads) `strace -f` saw created between the
/// creation of the files `start` and `end`.
fn processes_between(trace: &Path, start: &Path, end: &Path) -> Vec<String> {
    let log = std::fs::read_to_string(trace).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    let at = |marker: &Path| {
        let m = marker.to_string_lossy();
        lines
            .iter()
            .position(|l| l.contains(&*m))
            .expect("the marker is in the trace")
    };
    lines[at(start)..at(end)]
        .iter()
        // A thread (elvish's and nushell's runtimes start them) is not a process.
        .filter(|l| !l.contains("CLONE_THREAD"))
        .filter(|l| {
            ["clone(", "clone3(", "fork(", "vfork(", "execve("]
                .iter()
                .any(|c| l.contains(c))
        })
        .map(|l| l.to_string())
        .collect()
}

/// Issue 21 item 8: a project whose path holds a newline activates, and
/// its steady prompts start no process (the watch list holds the project's
/// files relative to it, so no line is split), while the shells that ask
/// devenv at prompts (tcsh, elvish) get an empty answer from it.
pub(crate) fn newline_in_the_project_path(sh: Sh) {
    if Command::new("strace").arg("-V").output().is_err() {
        return super::missing("strace", "the steady-prompt proofs");
    }
    let sb = Sandbox::new();
    let a = sb.allowed_project("new\nline", &manifest(&[("A1", "one")]));
    sb.dir("new\nline/sub");
    let cd = match sh.name() {
        "bash" | "zsh" => "cd \"$PROJECT_DIR\"",
        "tcsh" => "cd $PROJECT_DIR:q",
        "elvish" => "cd $E:PROJECT_DIR",
        "nu" => "cd $env.PROJECT_DIR",
        _ => "cd $PROJECT_DIR",
    };
    let (start, end) = (sb.root.join("marker-start"), sb.root.join("marker-end"));
    let body = format!(
        "{cd}\nprompt\nshow A1\nmark {start}\n{p}cd sub\n{p}mark {end}\nshow A1\n",
        start = sb.q(&start),
        end = sb.q(&end),
        p = prompts(10)
    );
    let trace = sb.root.join("trace.log");
    let dir = a.to_string_lossy();
    let run = sb.run_traced_with(sh, &body, &trace, &[("PROJECT_DIR", &dir)]);
    assert_eq!(run.ok(), "A1=[one]\nA1=[one]\n", "{}", run.stderr);
    assert_eq!(run.count_stderr("devenv: loaded"), 1, "{}", run.stderr);
    assert!(
        !run.stderr.contains("unloaded") && !run.stderr.contains("error"),
        "steady prompts say nothing: {}",
        run.stderr
    );
    if sh.steady == Steady::NoProcess {
        let forks = processes_between(&trace, &start, &end);
        assert!(
            forks.is_empty(),
            "processes at a steady prompt:\n{forks:#?}"
        );
        assert_eq!(sb.calls().len(), 1, "only entering ran devenv");
    }
}

/// Shells that cannot compare file times with builtins run `hook-env` at
/// prompts (tcsh at every one, elvish inside projects): it must leave the
/// shell as it is and print nothing, and the test counts the cost.
fn steady_prompt_cost(sh: Sh) {
    let sb = Sandbox::new();
    let a = sb.allowed_project("a", &manifest(&[("A1", "one")]));
    sb.dir("a/src/deep");
    sb.dir("elsewhere/x");
    let (qa, out) = (sb.q(&a), sb.q(&sb.root.join("outside")));
    let deep = sb.q(&a.join("src/deep"));
    let elsewhere = sb.q(&sb.root.join("elsewhere/x"));
    let script = format!(
        "{p}cd {elsewhere}\n{p}cd {out}\n{p}\
         cd {qa}\nprompt\nsnap entered\n{p}cd {deep}\n{p}cd {qa}\n{p}snap steady\nshow A1\n\
         cd {out}\nprompt\n{p}cd {elsewhere}\n{p}",
        p = prompts(5)
    );
    let run = sb.run(sh, &script);
    assert_eq!(run.ok(), "A1=[one]\n", "{}", run.stderr);
    assert_eq!(
        run.stderr.lines().collect::<Vec<_>>(),
        ["devenv: loaded a +PATH +A1", "devenv: unloaded a"],
        "steady prompts say nothing"
    );
    assert_eq!(
        differences(&sb.snapshot("entered"), &sb.snapshot("steady")),
        Vec::<String>::new()
    );
    assert_eq!(
        sb.snapshot("entered").get("__DEVENV_STATE"),
        sb.snapshot("steady").get("__DEVENV_STATE")
    );
    let calls = sb.calls();
    assert!(
        calls
            .iter()
            .all(|c| *c == format!("hook-env --shell {}", sh.name())),
        "{calls:?}"
    );
    let expected = match sh.steady {
        // One process at every prompt, in a project or not: 8 × 5 + 2.
        Steady::EveryPrompt => 42,
        // elvish: at each `cd` and `prompt` while a project is in view,
        // and once to leave; none outside.
        _ => 1 + 1 + 5 + 1 + 5 + 1 + 5 + 1,
    };
    assert_eq!(calls.len(), expected, "{calls:?}");
}

/// A devenv.lock for `dir`'s manifest pinning `mytool 1.0.0` (a URL tool
/// the manifest must declare); with `installed`, its store entry exists.
pub(crate) fn write_lock(sb: &Sandbox, dir: &Path, installed: bool) -> std::path::PathBuf {
    use devenv_model::lock::{self, Artifact, Lock, LockedTool};
    use devenv_store::archive::Format;
    let path = dir.join("devenv.toml");
    let m = devenv_model::manifest::Manifest::parse(&path, std::fs::read_to_string(&path).unwrap())
        .unwrap();
    let host = devenv_model::config::Config::from_env(false)
        .unwrap()
        .platform();
    let platforms = vec![host];
    let artifact = Artifact::new(
        "mytool",
        "1.0.0",
        "https://example.invalid/mytool-1.0.0.tar.gz".into(),
        devenv_model::digest::Digest::sha256_from_hex(&"0".repeat(64)).unwrap(),
        Format::TarGz,
        vec!["bin".into()],
    );
    let entry = devenv_store::store::Store::at(&sb.home)
        .entry_path(&artifact.entry_name("mytool", "1.0.0"));
    if installed {
        std::fs::create_dir_all(entry.join("bin")).unwrap();
    }
    let tool = LockedTool {
        version: "1.0.0".into(),
        requested: lock::request_key(&m.tools[0].request),
        source: "url".into(),
        artifacts: [(host, artifact)].into_iter().collect(),
    };
    let lock = Lock {
        version: lock::FORMAT_VERSION,
        manifest: lock::manifest_hash(&m, &platforms),
        platforms,
        tools: [("mytool".to_string(), tool)].into_iter().collect(),

        members: Default::default(),
    };
    std::fs::write(lock::path_in(dir), lock.render()).unwrap();
    entry.join("bin")
}

pub(crate) const TOOL: &str = "[tools]\nmytool = { url = \"https://example.invalid/mytool-{version}.tar.gz\", version = \"1.0.0\" }\n";

pub(crate) fn enter_switch_leave_nested(sh: Sh) {
    let sb = Sandbox::new();
    let a = sb.allowed_project("a", &manifest(&[("A1", "a"), ("ONLY_A", "x")]));
    let n = sb.allowed_project("a/nested", &manifest(&[("A1", "nested")]));
    let b = sb.allowed_project("b", &manifest(&[("B1", "b")]));
    sb.dir("a/plain");
    let script = format!(
        "cd {a}\nprompt\nshow A1\nshow DEVENV_ACTIVE\nshow DEVENV_PROJECT_NAME\n\
         cd {n}\nprompt\nshow A1\nshow ONLY_A\n\
         cd {plain}\nprompt\nshow A1\n\
         cd {b}\nprompt\nshow A1\nshow B1\nshow DEVENV_ROOT\n\
         cd {out}\nprompt\nshow B1\nshow DEVENV_ACTIVE\nshow DEVENV_ROOT\n",
        a = sb.q(&a),
        n = sb.q(&n),
        plain = sb.q(&a.join("plain")),
        b = sb.q(&b),
        out = sb.q(&sb.root.join("outside")),
    );
    let run = sb.run(sh, &script);
    let expected = format!(
        "A1=[a]\nDEVENV_ACTIVE=[1]\nDEVENV_PROJECT_NAME=[a]\n\
         A1=[nested]\nONLY_A unset\n\
         A1=[a]\n\
         A1 unset\nB1=[b]\nDEVENV_ROOT=[{}]\n\
         B1 unset\nDEVENV_ACTIVE unset\nDEVENV_ROOT unset\n",
        b.display()
    );
    assert_eq!(run.ok(), expected, "{}", run.stderr);
    let messages: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(
        messages,
        vec![
            "devenv: loaded a +PATH +A1 +ONLY_A",
            "devenv: unloaded a",
            "devenv: loaded nested +PATH +A1",
            "devenv: unloaded nested",
            "devenv: loaded a +PATH +A1 +ONLY_A",
            "devenv: unloaded a",
            "devenv: loaded b +PATH +B1",
            "devenv: unloaded b",
        ]
    );
}

pub(crate) fn edits_reload_at_next_prompt(sh: Sh) {
    let sb = Sandbox::new();
    let mut m = manifest(&[("A1", "one")]);
    m.push_str("dotenv = [\".env\"]\n");
    let a = sb.project("a", &format!("{TOOL}{m}"));
    let bin = write_lock(&sb, &a, false);
    sb.devenv(&a, &["allow"]).ok();
    let edited = format!("{TOOL}{}", m.replace("\"one\"", "\"two\""));
    let script = format!(
        "cd {a}\nprompt\nshow A1\nshow FROM_DOTENV\n{p}\
         putenv EDITED devenv.toml\nreal allow\nprompt\nshow A1\n{p}\
         putenv DOTENV .env\nreal allow\nprompt\nshow FROM_DOTENV\n{p}\
         real install\nprompt\n{p}",
        a = sb.q(&a),
        p = prompts(3),
    );
    // `devenv install` cannot download here; write the store entry instead
    // and touch the lock, as an install that rewrote it would.
    let script = script.replace(
        "real install\n",
        &format!(
            "mkdirp {}\nreal lock\nappendnl devenv.lock\nreal allow\n",
            sb.q(&bin)
        ),
    );
    let run = sb.run_with(
        sh,
        &script,
        &[("EDITED", &edited), ("DOTENV", "FROM_DOTENV=yes\n")],
    );
    assert_eq!(
        run.ok(),
        "A1=[one]\nFROM_DOTENV unset\nA1=[two]\nFROM_DOTENV=[yes]\n",
        "{}",
        run.stderr
    );
    assert_eq!(
        run.count_stderr("not installed: mytool 1.0.0"),
        1,
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("reloaded a +PATH +A1"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("reloaded a (mytool 1.0.0) +PATH"),
        "the lock's edit reloads and activates the installed tool:\n{}",
        run.stderr
    );
    if sh.steady == Steady::NoProcess {
        assert_eq!(
            sb.calls().len(),
            4,
            "enter, then one per edit: {:?}",
            sb.calls()
        );
    }
}

/// Values no shell may mangle, for the project and for the user's own variables.
pub(crate) const AWKWARD: &[&str] = &[
    "two words",
    "line1\nline2\n",
    "it's \"quoted\"",
    "$HOME and ${HOME} and $(date) and `date`",
    "back\\slash \\n \\' \\\\",
    "unicode: é ✓ 日本 🎉",
    "tab\there; semi; & | < > * ? [x] ~ # !",
    " leading and trailing ",
    "",
];

pub(crate) fn exact_restore_awkward_values(sh: Sh) {
    let sb = Sandbox::new();
    let mut vars: Vec<(String, String)> = Vec::new();
    let mut env: Vec<(String, String)> = Vec::new();
    for (i, v) in AWKWARD.iter().enumerate() {
        vars.push((format!("P{i}"), v.to_string()));
        // The user's own value before entering, awkward too, for every other one.
        if i % 2 == 0 {
            env.push((
                format!("P{i}"),
                format!("user {}", AWKWARD[AWKWARD.len() - 1 - i]),
            ));
        }
    }
    let pairs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut m = manifest(&pairs);
    m.push_str("UNSET_ME = false\n");
    env.push(("UNSET_ME".into(), "was $set\n".into()));
    let a = sb.allowed_project("a b", &m);
    let mut script = format!("prompt\nsnap before\ncd {}\nprompt\n", sb.q(&a));
    for (k, _) in &vars {
        script.push_str(&format!("show {k}\n"));
    }
    script.push_str(&format!(
        "show UNSET_ME\nsnap inside\ncd {}\nprompt\nsnap after\n",
        sb.q(&sb.root.join("outside"))
    ));
    let env_ref: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let run = sb.run_with(sh, &script, &env_ref);
    let mut expected = String::new();
    for (k, v) in &vars {
        expected.push_str(&format!("{k}=[{v}]\n"));
    }
    expected.push_str("UNSET_ME unset\n");
    assert_eq!(run.ok(), expected, "{}", run.stderr);
    let inside = sb.snapshot("inside");
    for (k, v) in &vars {
        assert_eq!(inside.get(k), Some(v), "{k} as the child processes see it");
    }
    let (before, after) = (sb.snapshot("before"), sb.snapshot("after"));
    assert_eq!(differences(&before, &after), Vec::<String>::new());
    assert_eq!(before, after, "even the state variables are gone");
}

/// Round-trips `values` (as the project's values and as the user's previous
/// values) through `sh`, returning a description of the first mismatch.
pub(crate) fn round_trip(sh: Sh, values: &[String]) -> Result<(), String> {
    let sb = Sandbox::new();
    let pairs: Vec<(String, String)> = values
        .iter()
        .enumerate()
        .map(|(i, v)| (format!("V{i}"), v.clone()))
        .collect();
    let refs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let a = sb.allowed_project("p", &manifest(&refs));
    // The user's previous values are the same strings, reversed.
    let env: Vec<(String, String)> = values
        .iter()
        .rev()
        .enumerate()
        .map(|(i, v)| (format!("V{i}"), v.clone()))
        .collect();
    let env_ref: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let script = format!(
        "prompt\nsnap before\ncd {}\nprompt\nsnap inside\ncd {}\nprompt\nsnap after\n",
        sb.q(&a),
        sb.q(&sb.root.join("outside"))
    );
    let run = sb.run_with(sh, &script, &env_ref);
    if !run.success {
        return Err(format!("shell failed: {}", run.stderr));
    }
    let inside = sb.snapshot("inside");
    for (k, v) in &pairs {
        if inside.get(k) != Some(v) {
            return Err(format!("{k}: wanted {v:?}, got {:?}", inside.get(k)));
        }
    }
    let (before, after) = (sb.snapshot("before"), sb.snapshot("after"));
    if before != after {
        return Err(format!("not restored: {:?}", differences(&before, &after)));
    }
    Ok(())
}

pub(crate) fn user_changes_are_kept(sh: Sh) {
    let sb = Sandbox::new();
    let a = sb.allowed_project(
        "a",
        &manifest(&[("A1", "one"), ("A2", "two"), ("A3", "three")]),
    );
    let script = format!(
        "snap before\ncd {a}\nprompt\n\
         addpath /user/appended\nprependpath /user/prepended\n\
         setvar A1 mine\nunsetvar A2\nsetvar NEW_USER_VAR x\n\
         cd {out}\nprompt\nshow A1\nshow A2\nshow A3\nshow NEW_USER_VAR\nsnap after\n",
        a = sb.q(&a),
        out = sb.q(&sb.root.join("outside"))
    );
    let run = sb.run(sh, &script);
    assert_eq!(
        run.ok(),
        "A1=[mine]\nA2 unset\nA3 unset\nNEW_USER_VAR=[x]\n",
        "{}",
        run.stderr
    );
    let (before, after) = (sb.snapshot("before"), sb.snapshot("after"));
    assert_eq!(
        after["PATH"],
        format!("/user/prepended:{}:/user/appended", before["PATH"]),
        "exactly the project's PATH entry is gone"
    );
}

pub(crate) fn trust_gates_activation(sh: Sh) {
    let sb = Sandbox::new();
    let a = sb.project("a", &manifest(&[("A1", "one")]));
    let edited = manifest(&[("A1", "edited")]);
    let script = format!(
        "cd {a}\nprompt\nshow A1\n{p}cd {out}\nprompt\ncd {a}\nprompt\nshow A1\n\
         real allow\nprompt\nshow A1\n{p}\
         putenv EDITED devenv.toml\nprompt\nshow A1\n{p}\
         real allow\nprompt\nshow A1\n\
         real deny\nprompt\nshow A1\n{p}",
        a = sb.q(&a),
        out = sb.q(&sb.root.join("outside")),
        p = prompts(3),
    );
    let run = sb.run_with(sh, &script, &[("EDITED", &edited)]);
    assert_eq!(
        run.ok(),
        "A1 unset\nA1 unset\nA1=[one]\nA1 unset\nA1=[edited]\nA1 unset\n",
        "{}",
        run.stderr
    );
    assert_eq!(
        run.count_stderr("a/devenv.toml is not allowed yet — review it, then run `devenv allow`"),
        2,
        "once per entry into the directory:\n{}",
        run.stderr
    );
    assert_eq!(
        run.count_stderr("devenv.toml changed since a/devenv.toml was allowed"),
        1
    );
    assert_eq!(run.count_stderr("a/devenv.toml is denied"), 1);
    assert_eq!(run.count_stderr("unloaded a"), 2, "edit and deny revoke");
    let home = sb.home.join("trust");
    assert_eq!(
        std::fs::read_dir(home).unwrap().count(),
        1,
        "one record, in DEVENV_HOME"
    );
}

pub(crate) fn missing_tool_noticed_once(sh: Sh) {
    let sb = Sandbox::new();
    let a = sb.project("a", &format!("{TOOL}{}", manifest(&[("A1", "one")])));
    write_lock(&sb, &a, false);
    sb.devenv(&a, &["allow"]).ok();
    let script = format!(
        "cd {a}\nprompt\nshow A1\n{p}cd sub\n{p}",
        a = sb.q(&a),
        p = prompts(5)
    );
    sb.dir("a/sub");
    let run = sb.run(sh, &script);
    assert_eq!(run.ok(), "A1=[one]\n", "what is installed activates");
    assert_eq!(
        run.count_stderr("devenv: not installed: mytool 1.0.0 — run `devenv install`"),
        1,
        "{}",
        run.stderr
    );
    if sh.steady == Steady::NoProcess {
        assert_eq!(sb.calls().len(), 1);
    }
}

pub(crate) fn broken_manifest_leaves_shell_unchanged(sh: Sh) {
    let sb = Sandbox::new();
    // Never allowed: `devenv allow` refuses a manifest that does not load.
    let broken = sb.project("broken", "[env\nA1 = 1\n");
    let good = manifest(&[("A1", "one")]);
    let a = sb.allowed_project("a", &good);
    // Broken edits are never allowed (allow refuses them): the hook shows
    // the error whether or not the manifest was allowed.
    let typo = good.replace("[env]", "[evn]");
    let script = format!(
        "prompt\nsnap before\ncd {broken}\nprompt\n{p}snap in-broken\n\
         cd {a}\nprompt\nsnap active\nputenv TYPO devenv.toml\n\
         prompt\n{p}show A1\nsnap after-typo\n",
        broken = sb.q(&broken),
        a = sb.q(&a),
        p = prompts(3),
    );
    let run = sb.run_with(sh, &script, &[("TYPO", &typo)]);
    assert_eq!(run.ok(), "A1=[one]\n", "{}", run.stderr);
    assert_eq!(
        run.count_stderr("this is not valid TOML"),
        1,
        "{}",
        run.stderr
    );
    assert_eq!(run.count_stderr("did you mean `env`?"), 1, "{}", run.stderr);
    let none: Vec<String> = Vec::new();
    assert_eq!(
        differences(&sb.snapshot("before"), &sb.snapshot("in-broken")),
        none
    );
    assert_eq!(
        differences(&sb.snapshot("active"), &sb.snapshot("after-typo")),
        none
    );
}

/// Loading the hook prints nothing and fails nothing, even under strict options.
pub(crate) fn loads_silently(sh: Sh) {
    let sb = Sandbox::new();
    let hook = sb.hook(sh);
    let script = format!("{}{hook}", sh.strict());
    let run = sb.run_raw(sh, &script, &[]);
    assert!(run.success, "{}", run.stderr);
    assert_eq!((run.stdout.as_str(), run.stderr.as_str()), ("", ""));
}

/// `settings.auto_install`: installing starts in the background on entry,
/// the shell keeping its environment and saying so once; when it fails the
/// failure is one notice at the next prompt and what is installed still
/// activates (`devenv install` waits for the background install first,
/// which is how the script waits for it).
pub(crate) fn auto_install_failure_is_a_notice(sh: Sh) {
    let sb = Sandbox::new();
    let m = format!(
        "{TOOL}{}[settings]\nauto_install = true\n",
        manifest(&[("A1", "one")])
    );
    let a = sb.project("a", &m);
    write_lock(&sb, &a, false);
    sb.devenv(&a, &["allow"]).ok();
    let script = format!(
        "cd {}\nprompt\nreal install\nprompt\nshow A1\n{}",
        sb.q(&a),
        prompts(3)
    );
    let run = sb.run_with(sh, &script, &[("DEVENV_OFFLINE", "1")]);
    assert_eq!(run.ok(), "A1=[one]\n", "{}", run.stderr);
    assert_eq!(
        run.count_stderr("devenv: installing a… (in the background)"),
        1,
        "{}",
        run.stderr
    );
    assert_eq!(
        run.count_stderr("devenv: could not install"),
        1,
        "{}",
        run.stderr
    );
    assert_eq!(
        run.count_stderr("not installed: mytool 1.0.0"),
        1,
        "{}",
        run.stderr
    );
}

/// A sandbox with one allowed project `a` setting `A1=one`, and the
/// project's path quoted for the shell.
pub(crate) fn one_project() -> (Sandbox, String) {
    let sb = Sandbox::new();
    let a = sb.allowed_project("a", &manifest(&[("A1", "one")]));
    let qa = sb.q(&a);
    (sb, qa)
}

/// Declares one `#[test]` per shared case for the shell `$sh`, so the three
/// shell test files list only what is particular to their shell.
#[allow(unused_macros)] // every test crate compiles `common`; only three call it
macro_rules! for_shell {
    ($sh:expr) => {
        $crate::common::hook_cases::for_shell!(@cases $sh, zero_forks_at_steady_prompt, no_process_at_steady_prompt, enter_switch_leave_nested, edits_reload_at_next_prompt, exact_restore_awkward_values, user_changes_are_kept, trust_gates_activation, missing_tool_noticed_once, broken_manifest_leaves_shell_unchanged, auto_install_failure_is_a_notice, loads_silently, path_reset_is_repaired_at_next_prompt, auto_install_never_blocks_the_prompt, deleted_project_unloads_once, symlinked_path_is_the_same_project, inherited_state_unloads_quietly, newline_in_the_project_path);
    };
    (@cases $sh:expr, $($case:ident),*) => {
        $(
            #[test]
            fn $case() {
                if $sh.available() {
                    $crate::common::hook_cases::$case($sh);
                }
            }
        )*

        proptest::proptest! {
            #![proptest_config(proptest::prelude::ProptestConfig::with_cases(16))]
            #[test]
            fn any_value_round_trips(values in proptest::collection::vec("[^\u{0}]{0,12}", 1..6)) {
                if !$sh.available() {
                    return Ok(());
                }
                if let Err(e) = $crate::common::hook_cases::round_trip($sh, &values) {
                    proptest::prop_assert!(false, "{}", e);
                }
            }
        }
    };
}
#[allow(unused_imports)]
pub(crate) use for_shell;

/// The shell's own prompt machinery, in a terminal: the hook loaded as the
/// README says (`load`, with FILE standing for the saved hook; twice, as a
/// re-sourced rc file would) activates on entering (the directory-change
/// hook) and deactivates at the next prompt after `devenv deny` (the prompt
/// hook), once each. `mark` prints `MARK1`, `show` prints `A1=VALUE` or
/// `A1=unset` (neither word in the typed line), `real` runs the real devenv.
pub(crate) fn terminal_prompts(sh: Sh, load: &str, mark: &str, show: &str, real: &str) {
    let (sb, qa) = one_project();
    let file = sb.root.join("devenv-hook");
    std::fs::write(&file, sb.hook(sh)).unwrap();
    let load = load.replace("FILE", &file.to_string_lossy());
    let (enter, deny) = (format!("cd {qa}"), format!("{real} deny"));
    let steps = [
        (load.as_str(), ""),
        (load.as_str(), ""),
        (mark, "MARK1"),
        (enter.as_str(), "devenv: loaded a +PATH +A1"),
        (show, "A1=one"),
        (deny.as_str(), "devenv: unloaded a"),
        (show, "A1=unset"),
    ];
    let out = sb.run_pty(sh, &steps).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.matches("devenv: loaded a").count(), 1, "{out}");
    assert_eq!(out.matches("devenv: unloaded a").count(), 1, "{out}");
}

/// An allowed project `a` with about 1 MB of variables: `BIG_0`..`BIG_7`
/// from `.env`, 120,000 times one letter each (`BIG_7` is `h`s), and
/// `SHORT_0`..`SHORT_999` = `value number N` in `[env]`.
pub(crate) fn large_project(sb: &Sandbox) -> std::path::PathBuf {
    let mut m = String::from("[env]\ndotenv = [\".env\"]\npath = [\"bin\"]\n");
    for i in 0..1000 {
        m.push_str(&format!("SHORT_{i} = \"value number {i}\"\n"));
    }
    let a = sb.project("a", &m);
    let mut dotenv = String::new();
    for i in 0..8 {
        let c = char::from(b'a' + i);
        dotenv.push_str(&format!("BIG_{i}={}\n", c.to_string().repeat(120_000)));
    }
    std::fs::write(a.join(".env"), dotenv).unwrap();
    sb.devenv(&a, &["allow"]).ok();
    a
}

/// Issue 14: about 1 MB of variables (eight dotenv values of 120 KB, just
/// under Linux's 128 KiB for one variable, and 1000 short `[env]` entries)
/// enter and leave the shell, and every command keeps working: the state
/// keeps fingerprints, not copies, so it stays small.
pub(crate) fn large_environment(sh: Sh) {
    let sb = Sandbox::new();
    let a = large_project(&sb);
    let script = format!(
        "cd {qa}\nprompt\nshow SHORT_999\nputenv BIG_7 {big}\nputenv __DEVENV_STATE {state}\n\
         real status\nprompt\ncd {out}\nprompt\nshow SHORT_999\nshow BIG_7\nshow DEVENV_ACTIVE\n",
        qa = sb.q(&a),
        big = sb.q(&sb.root.join("big7")),
        state = sb.q(&sb.root.join("state")),
        out = sb.q(&sb.root.join("outside")),
    );
    let run = sb.run(sh, &script);
    let out = run.ok();
    assert!(
        out.starts_with("SHORT_999=[value number 999]\n"),
        "{out}\n{}",
        run.stderr
    );
    assert!(
        out.contains("active    a (0 tools, "),
        "devenv itself still runs inside: {out}\n{}",
        run.stderr
    );
    assert!(
        out.ends_with("SHORT_999 unset\nBIG_7 unset\nDEVENV_ACTIVE unset\n"),
        "{out}\n{}",
        run.stderr
    );
    let big = std::fs::read_to_string(sb.root.join("big7")).unwrap();
    assert_eq!(big, "h".repeat(120_000));
    let state = std::fs::metadata(sb.root.join("state")).unwrap().len();
    assert!(state < 16 << 10, "__DEVENV_STATE is {state} bytes");
    assert_eq!(run.count_stderr("devenv: unloaded a"), 1, "{}", run.stderr);
    assert!(!run.stderr.contains("too long"), "{}", run.stderr);
}

/// Issue 28: macOS login shells run `path_helper` (from /etc/zprofile and
/// /etc/profile), which rebuilds PATH as /etc/paths's entries followed by
/// the rest of the old PATH: devenv's entries stay, but behind /usr/bin,
/// so the system's tools would shadow the project's. The next prompt
/// notices PATH is not as devenv left it and puts its entries first again.
#[allow(dead_code)] // called by the login shells' files only (bash, zsh)
pub(crate) fn path_helper_reorder_is_repaired_at_next_prompt(sh: Sh) {
    let (sb, qa) = one_project();
    let bin = sb.root.join("a/bin");
    let reordered = format!(
        "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin:{}",
        bin.display()
    );
    let script = format!(
        "cd {qa}\nprompt\nsetvar PATH {reordered}\nprompt\nputenv PATH {path}\nshow A1\n",
        reordered = sb.q(Path::new(&reordered)),
        path = sb.q(&sb.root.join("path")),
    );
    let run = sb.run(sh, &script);
    let out = run.ok();
    assert!(out.ends_with("A1=[one]\n"), "{out}\n{}", run.stderr);
    let path = std::fs::read_to_string(sb.root.join("path")).unwrap();
    let entries: Vec<&str> = path.split(':').collect();
    assert_eq!(
        Path::new(entries[0]),
        bin,
        "devenv's entry is first again: {path}"
    );
    assert_eq!(
        entries.iter().filter(|e| Path::new(e) == bin).count(),
        1,
        "and only once: {path}"
    );
    assert!(
        path.contains(":/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"),
        "the profile's entries are kept, in its order: {path}"
    );
}

/// Issue 14: a login shell's profile resets PATH inside an active project;
/// `devenv status` no longer says active, and the next prompt puts devenv's
/// PATH entries back, quietly, with nothing else changed.
pub(crate) fn path_reset_is_repaired_at_next_prompt(sh: Sh) {
    let (sb, qa) = one_project();
    let bin = sb.root.join("a/bin");
    let script = format!(
        "cd {qa}\nprompt\nsetvar PATH /usr/bin:/bin\nreal status\nprompt\nreal status\n\
         putenv PATH {path}\nshow A1\n",
        path = sb.q(&sb.root.join("path")),
    );
    let run = sb.run(sh, &script);
    let out = run.ok();
    let status: Vec<&str> = out.lines().filter(|l| l.starts_with("active")).collect();
    assert_eq!(status.len(), 2, "{out}\n{}", run.stderr);
    assert!(
        status[0].starts_with("active    none: PATH lost the entries of a"),
        "{out}"
    );
    assert!(status[1].starts_with("active    a ("), "{out}");
    assert!(out.ends_with("A1=[one]\n"), "{out}");
    let path = std::fs::read_to_string(sb.root.join("path")).unwrap();
    assert!(
        // nushell writes its PATH list one entry a line.
        path.split([':', '\n']).any(|p| Path::new(p) == bin),
        "PATH after the repair: {path}"
    );
    assert!(
        path.contains("/usr/bin"),
        "the profile's PATH is kept: {path}"
    );
    assert_eq!(
        run.stderr.lines().collect::<Vec<_>>(),
        ["devenv: loaded a +PATH +A1"],
        "repaired quietly"
    );
}

/// Issue 14: deleting the project the shell is in unloads it once, with no
/// error, and devenv is not called again at the following prompts.
pub(crate) fn deleted_project_unloads_once(sh: Sh) {
    let (sb, qa) = one_project();
    let script = format!(
        "cd {qa}\nprompt\nshow A1\n{rm}\nprompt\nshow A1\n{}",
        prompts(3),
        // nushell's own rm refuses to remove a parent of the current
        // directory, and nushell runs nothing at all (its own commands
        // included) in a deleted directory until `cd` resets it.
        rm = if sh == Sh::NU {
            format!("^rm -rf {qa}\ncd {}", sb.q(&sb.root.join("outside")))
        } else {
            format!("rm -rf {qa}")
        },
    );
    let run = sb.run(sh, &script);
    assert_eq!(run.ok(), "A1=[one]\nA1 unset\n", "{}", run.stderr);
    // The test's logging wrapper is a `sh` script, which complains itself.
    let own = |l: &&str| !l.starts_with("sh: 0: getcwd() failed");
    assert_eq!(
        run.stderr.lines().filter(own).collect::<Vec<_>>(),
        ["devenv: loaded a +PATH +A1", "devenv: unloaded a"],
    );
    // Elvish also calls at the steady prompt inside the project.
    let expected = match sh.steady {
        Steady::NoProcess => Some(2),
        Steady::InProjects => Some(3),
        Steady::EveryPrompt => None,
    };
    if let Some(expected) = expected {
        assert_eq!(
            sb.calls().len(),
            expected,
            "once to enter and once to leave: {:?}",
            sb.calls()
        );
    }
}

/// Issue 14: a project reached through a symlink has the real project's
/// identity, and moving between the link and the real path is no change.
pub(crate) fn symlinked_path_is_the_same_project(sh: Sh) {
    let (sb, qa) = one_project();
    let real = sb.root.join("a");
    std::os::unix::fs::symlink(&real, sb.root.join("link")).unwrap();
    let script = format!(
        "cd {link}\nprompt\nshow DEVENV_ROOT\nshow DEVENV_PROJECT_NAME\ncd {qa}\nprompt\n\
         show DEVENV_ROOT\ncd {link}\nprompt\nshow A1\n",
        link = sb.q(&sb.root.join("link")),
    );
    let run = sb.run(sh, &script);
    let root = real.display();
    assert_eq!(
        run.ok(),
        format!("DEVENV_ROOT=[{root}]\nDEVENV_PROJECT_NAME=[a]\nDEVENV_ROOT=[{root}]\nA1=[one]\n"),
        "{}",
        run.stderr
    );
    assert_eq!(
        run.stderr.lines().collect::<Vec<_>>(),
        ["devenv: loaded a +PATH +A1"],
        "no unload or reload between the link and the real path"
    );
}

/// Issue 14: a new shell that inherited an active project's state (a new
/// terminal window) in another directory undoes it without announcing that
/// it left a project it never entered.
pub(crate) fn inherited_state_unloads_quietly(sh: Sh) {
    let (sb, qa) = one_project();
    let run = sb.run(sh, &format!("cd {qa}\nprompt\nsnap inside\n"));
    assert_eq!(run.stderr.trim(), "devenv: loaded a +PATH +A1");
    let inside = sb.snapshot("inside");
    assert_eq!(inside.get("A1").map(String::as_str), Some("one"));
    let env: Vec<(&str, &str)> = inside
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let run = sb.run_with(sh, "prompt\nshow A1\nshow DEVENV_ACTIVE\n", &env);
    assert_eq!(
        run.ok(),
        "A1 unset\nDEVENV_ACTIVE unset\n",
        "{}",
        run.stderr
    );
    assert_eq!(
        run.stderr, "",
        "nothing to say about a project never entered"
    );
}

/// Issue 14: with `auto_install`, a mirror that accepts the connection and
/// never answers does not hold up the prompt: the install runs in the
/// background, the shell keeps its environment and says "installing" once,
/// and neither the next prompts nor another shell start a second download.
pub(crate) fn auto_install_never_blocks_the_prompt(sh: Sh) {
    let sb = Sandbox::new();
    let server = super::server::FixtureServer::start();
    server.stall("/mytool-1.0.0.tar.gz", 0);
    let m = format!(
        "[tools]\nmytool = {{ url = \"{}\", version = \"1.0.0\" }}\n{}[settings]\nauto_install = true\n",
        server.url("/mytool-{version}.tar.gz"),
        manifest(&[("A1", "one")])
    );
    let a = sb.allowed_project("a", &m);
    let script = format!("cd {}\nprompt\nshow A1\n{}show A1\n", sb.q(&a), prompts(3));
    let run = sb.run(sh, &script);
    assert_eq!(run.ok(), "A1 unset\nA1 unset\n", "{}", run.stderr);
    assert_eq!(
        run.stderr.lines().collect::<Vec<_>>(),
        ["devenv: installing a… (in the background)"],
    );
    // The installer reaches the stalled server (an event, not a delay).
    let mut waited = 0;
    while server.hits("/mytool-1.0.0.tar.gz") == 0 && waited < 600 {
        std::thread::sleep(std::time::Duration::from_millis(50));
        waited += 1;
    }
    assert_eq!(server.hits("/mytool-1.0.0.tar.gz"), 1);
    // Another shell entering meanwhile (or the same one after Ctrl-C) waits
    // for the same installer rather than starting a download of its own.
    let run = sb.run(sh, &script);
    assert_eq!(run.ok(), "A1 unset\nA1 unset\n", "{}", run.stderr);
    assert_eq!(
        run.stderr.lines().collect::<Vec<_>>(),
        ["devenv: installing a… (in the background)"],
    );
    let status = sb.devenv(&a, &["status"]).stdout;
    assert!(status.contains("active    none"), "{status}");
    // Stopping the server releases the stalled download; the installer
    // then fails and leaves, and the failure is recorded, not retried.
    drop(server);
}
