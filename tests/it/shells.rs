//! The registered shells from the outside: `devenv hook` names the shells
//! that exist, and `devenv env --format SHELL`, applied the way the README
//! says, in the real tcsh, elvish, xonsh and nushell, delivers every
//! awkward value byte for byte and unsets what `false` unsets. (bash, zsh
//! and fish: `exec_env.rs`.)

use crate::common;
use common::World;
use common::hook_cases::{AWKWARD, manifest};
use common::shell::{Sandbox, Sh};

#[test]
fn an_unknown_shell_is_refused_with_the_shells_that_exist() {
    let w = World::new();
    for args in [
        &["hook", "powershell"][..],
        &["hook-env", "--shell", "pwsh"],
        &["env", "--format", "cmd"],
    ] {
        w.run(args)
            .fails(2)
            .stderr_has("possible values: bash, zsh, fish, tcsh, elvish, xonsh, nu");
    }
}

#[test]
fn nushell_is_also_known_by_its_full_name() {
    let w = World::new();
    let out = w.run(&["hook", "nushell"]).ok();
    assert_eq!(out.stdout, w.run(&["hook", "nu"]).ok().stdout);
    assert!(out.stdout.contains("def --env __devenv_hook"));
}

/// How a user applies the saved output `$ENVFILE` in each shell.
fn apply(sh: Sh) -> &'static str {
    match sh.name() {
        "tcsh" => "source \"$ENVFILE\"\n",
        "elvish" => {
            "var d = (from-json < $E:ENVFILE)\n\
             keys $d[set] | each {|k| set-env $k $d[set][$k] }\n\
             for n $d[unset] { unset-env $n }\n"
        }
        "xonsh" => {
            "import json\nd = json.load(open($ENVFILE))\n\
             for k, v in d['set'].items():\n    __xonsh__.env[k] = v\n\n\
             for k in d['unset']:\n    __xonsh__.env.pop(k, None)\n\n"
        }
        "nu" => {
            "let d = (open --raw $env.ENVFILE | from json)\n\
             load-env $d.set\nfor n in $d.unset { hide-env -i $n }\n"
        }
        other => panic!("no recipe for {other}"),
    }
}

fn round_trip(sh: Sh) {
    if !sh.available() {
        return;
    }
    let sb = Sandbox::new();
    let vars: Vec<(String, String)> = AWKWARD
        .iter()
        .enumerate()
        .map(|(i, v)| (format!("P{i}"), v.to_string()))
        .collect();
    let pairs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut m = manifest(&pairs);
    m.push_str("GONE = false\n");
    let a = sb.project("a", &m);
    let out = sb.devenv(&a, &["env", "--format", sh.name()]);
    let file = sb.root.join("env.out");
    std::fs::write(&file, out.ok()).unwrap();
    // The helpers (for `snap`), then the recipe, without the hook.
    let script = sb.script(sh, &format!("{}snap applied\n", apply(sh)));
    let hook = sb.hook(sh);
    let script = script.replacen(&hook, "", 1);
    let run = sb.run_raw(
        sh,
        &script,
        &[("ENVFILE", file.to_str().unwrap()), ("GONE", "was set")],
    );
    run.ok();
    let env = sb.snapshot("applied");
    for (k, v) in &vars {
        assert_eq!(env.get(k), Some(v), "{}: {k}", sh.name());
    }
    assert_eq!(env.get("GONE"), None, "{}", sh.name());
    assert!(
        env["PATH"].starts_with(&format!("{}:", a.join("bin").display())),
        "{}: {}",
        sh.name(),
        env["PATH"]
    );
}

#[test]
fn tcsh_reads_back_exact_values() {
    round_trip(Sh::TCSH);
}

#[test]
fn elvish_reads_back_exact_values() {
    round_trip(Sh::ELVISH);
}

#[test]
fn xonsh_reads_back_exact_values() {
    round_trip(Sh::XONSH);
}

#[test]
fn nu_reads_back_exact_values() {
    round_trip(Sh::NU);
}
