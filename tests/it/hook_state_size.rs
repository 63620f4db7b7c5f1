//! Issue 22: the hook's state stays under 8 KiB whatever the project's
//! size — 100 installed tools and 1,000 variables — because what the
//! prompt does not read lives in the hash-named state file, and the watch
//! list holds no line per PATH entry. Leaving still restores exactly.

use crate::common::shell::Sandbox;
use std::collections::BTreeMap;
use std::path::Path;

/// A project with `tools` URL tools, each locked and installed (its store
/// entry exists, with a `bin`), and `vars` `[env]` variables.
fn project(sb: &Sandbox, tools: usize, vars: usize) -> std::path::PathBuf {
    use devenv_model::lock::{self, Artifact, Lock, LockedTool};
    let mut m = String::from("[tools]\n");
    for i in 0..tools {
        m.push_str(&format!(
            "tool{i} = {{ url = \"https://example.invalid/tool{i}-{{version}}.tar.gz\", version = \"1.0.0\" }}\n"
        ));
    }
    m.push_str("[env]\n");
    for i in 0..vars {
        m.push_str(&format!("VAR_{i} = \"value number {i}\"\n"));
    }
    let dir = sb.project("big", &m);
    let path = dir.join("devenv.toml");
    let manifest =
        devenv_model::manifest::Manifest::parse(&path, std::fs::read_to_string(&path).unwrap())
            .unwrap();
    let host = devenv_model::config::Config::from_env(false)
        .unwrap()
        .platform();
    let store = devenv_store::store::Store::at(&sb.home);
    let mut locked = BTreeMap::new();
    for spec in &manifest.tools {
        let artifact = Artifact::new(
            &spec.name,
            "1.0.0",
            format!("https://example.invalid/{}-1.0.0.tar.gz", spec.name),
            devenv_model::digest::Digest::sha256_from_hex(&"0".repeat(64)).unwrap(),
            devenv_store::archive::Format::TarGz,
            vec!["bin".into()],
        );
        let entry = store.entry_path(&artifact.entry_name(&spec.name, "1.0.0"));
        std::fs::create_dir_all(entry.join("bin")).unwrap();
        let tool = LockedTool {
            version: "1.0.0".into(),
            requested: lock::request_key(&spec.request),
            source: "url".into(),
            artifacts: [(host, artifact)].into_iter().collect(),
        };
        locked.insert(spec.name.clone(), tool);
    }
    let platforms = vec![host];
    let lock = Lock {
        version: lock::FORMAT_VERSION,
        manifest: lock::manifest_hash(&manifest, &platforms),
        platforms,
        tools: locked,

        members: Default::default(),
    };
    std::fs::write(lock::path_in(&dir), lock.render()).unwrap();
    sb.devenv(&dir, &["allow"]).ok();
    dir
}

/// `hook-env --shell json`-like: runs `devenv hook-env --shell nu` (JSON
/// output) in `dir` with `env`, and returns what it sets and unsets.
fn hook_env(
    sb: &Sandbox,
    dir: &Path,
    env: &[(&str, &str)],
) -> (BTreeMap<String, String>, Vec<String>) {
    let run = sb.devenv_io(dir, &["hook-env", "--shell", "nu"], env, "");
    let out: serde_json::Value = serde_json::from_str(run.ok()).unwrap();
    let set = out["set"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            let v = match v {
                serde_json::Value::Array(parts) => parts
                    .iter()
                    .map(|p| p.as_str().unwrap())
                    .collect::<Vec<_>>()
                    .join(":"),
                v => v.as_str().unwrap().to_string(),
            };
            (k.clone(), v)
        })
        .collect();
    let unset = out["unset"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    (set, unset)
}

#[test]
fn state_stays_under_8_kib_with_100_tools_and_1000_variables() {
    let sb = Sandbox::new();
    let dir = project(&sb, 100, 1000);
    let outer_path = "/usr/bin:/bin";
    let (set, _) = hook_env(&sb, &dir, &[("PATH", outer_path)]);
    assert_eq!(
        set.get("VAR_999").map(String::as_str),
        Some("value number 999")
    );
    let path = &set["PATH"];
    assert_eq!(path.split(':').count(), 102, "100 tools' bin dirs: {path}");
    let state: Vec<(&String, &String)> = set
        .iter()
        .filter(|(k, _)| k.starts_with("__DEVENV_"))
        .collect();
    let size: usize = state.iter().map(|(k, v)| k.len() + 1 + v.len() + 1).sum();
    assert!(
        size <= 8 << 10,
        "the __DEVENV_* variables take {size} bytes: {state:#?}"
    );
    assert!(
        !set["__DEVENV_WATCH"].contains("store"),
        "no watch line per PATH entry: {}",
        set["__DEVENV_WATCH"]
    );

    // Leaving, with that state in the environment, restores PATH exactly
    // and unsets every variable.
    let mut env: Vec<(&str, &str)> = set.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    env.retain(|(k, _)| *k != "PWD");
    let outside = sb.dir("outside");
    let (back, unset) = hook_env(&sb, &outside, &env);
    assert_eq!(back.get("PATH").map(String::as_str), Some(outer_path));
    assert!(unset.contains(&"VAR_0".to_string()) && unset.contains(&"VAR_999".to_string()));
    assert!(unset.contains(&"__DEVENV_STATE".to_string()), "{unset:?}");
}

/// Issue 24: entering a 100-tool, 1,000-variable project in bash says so
/// in one short line: a few tools and variables, how many more, and where
/// to see them all — not every name.
#[test]
fn the_loaded_notice_stays_one_short_line_with_100_tools() {
    let sh = crate::common::shell::Sh::BASH;
    let sb = Sandbox::new();
    let dir = project(&sb, 100, 1000);
    let run = sb.run(sh, &format!("cd {}\nprompt\nshow VAR_999\n", sb.q(&dir)));
    assert_eq!(run.ok(), "VAR_999=[value number 999]\n", "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "devenv: loaded big (tool0 1.0.0, tool1 1.0.0, tool10 1.0.0, +97 more) +PATH \
         +VAR_0 +VAR_1 +VAR_2 +VAR_3, 996 more variables — `devenv list` and `devenv env` show all\n"
    );

    // A small project still names everything, with no pointer.
    let small = sb.allowed_project("small", "[env]\nA = \"1\"\nB = false\n");
    let run = sb.run(sh, &format!("cd {}\nprompt\n", sb.q(&small)));
    assert_eq!(run.stderr, "devenv: loaded small +A -B\n");
}
