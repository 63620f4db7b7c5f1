//! `devenv status`: what the shell hook sees here — the active project,
//! the project of this directory, its trust state, the files the hook
//! watches and the tools it could not activate.

use crate::activate;
use crate::hook;
use anyhow::Result;
use devenv_model::config::Config;
use devenv_model::manifest::{FILE_NAME, Manifest};
use devenv_shell::state::{DIR_VAR, State};
use devenv_store::store::Store;
use devenv_store::trust;
use serde_json::{Value, json};
use std::path::Path;

pub(crate) fn run(config: &Config, json: bool) -> Result<()> {
    let store = Store::open(config)?;
    let pwd = hook::logical_pwd()?;
    let state = State::from_env_in(&store.state_dir());
    // Active only while PATH still holds what devenv put there: a login
    // shell's profile resets PATH, and its tools are then gone.
    let path = devenv_model::config::outer_var("PATH").unwrap_or_default();
    let gone: Vec<&String> = state
        .active
        .iter()
        .flat_map(|a| &a.path)
        .filter(|p| !path.split(':').any(|e| e == p.as_str()))
        .collect();
    let active = state.active.as_ref().filter(|_| gone.is_empty());
    let report = json!({
        "platform": config.platform().to_string(),
        "rosetta": devenv_model::platform::rosetta_note(),
        "hook": devenv_model::config::outer_var_os(DIR_VAR).is_some(),
        "path_reset": state.active.as_ref().filter(|_| !gone.is_empty()).map(|a| json!({
            "name": a.name,
            "root": a.root,
            "missing": gone,
        })),
        "active": active.map(|a| json!({
            "name": a.name,
            "root": a.root,
            "tools": a.tools,
            "path": a.path,
            "vars": a.vars.iter().map(|c| &c.name).collect::<Vec<_>>(),
        })),
        "project": hook::find_dir(&pwd).map(|dir| project(config, &store, &dir)),
    });
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", render(&report));
    }
    Ok(())
}

/// What is known about the project rooted at `dir`.
fn project(config: &Config, store: &Store, dir: &str) -> Value {
    let root = Path::new(dir);
    let manifest = match devenv_model::manifest::workspace::locate(root, config.file_limits()) {
        Ok(m) => m,
        Err(e) => return json!({ "root": dir, "error": format!("{e:#}") }),
    };
    let snapshot = match trust::Snapshot::read(&manifest) {
        Ok(s) => s,
        Err(e) => return json!({ "root": dir, "error": format!("{e:#}") }),
    };
    let trust = trust::check(store, &manifest.trust_path(), &snapshot);
    let workspace = manifest.place.as_ref().map(|place| {
        let overrides: std::collections::BTreeMap<_, _> = place.overrides.iter().cloned().collect();
        // The member's own file says which tools it adds.
        let own: Vec<String> = Manifest::parse(&manifest.path, manifest.source.clone())
            .map(|m| m.tools.into_iter().map(|t| t.name).collect())
            .unwrap_or_default();
        let tools: Vec<Value> = manifest
            .tools
            .iter()
            .map(|t| {
                let from = match (&place.member, overrides.get(&t.name)) {
                    (None, _) => "the workspace root".to_string(),
                    (Some(m), Some(was)) => format!("{m} (overrides the root's {was})"),
                    (Some(m), None) if own.contains(&t.name) => m.clone(),
                    (Some(_), None) => "the workspace root".to_string(),
                };
                json!({
                    "name": t.name,
                    "requested": t.request.version(),
                    "from": from,
                })
            })
            .collect();
        json!({
            "root": place.root.display().to_string(),
            "member": place.member,
            "tools": tools,
        })
    });
    let new = trust::new_from_init(store, &manifest.path, &snapshot, &trust);
    let project = crate::project::Project { manifest };
    let mut watched = project.manifest.watched_files();
    watched.insert(1, project.lock_path());
    let missing = match project.read_lock() {
        Ok(lock) => activate::compute(
            &project.manifest,
            lock.as_ref(),
            &snapshot.dotenv,
            store,
            config.platform(),
            &|v| devenv_model::config::outer_var(v),
        )
        .map(|env| {
            env.missing
                .iter()
                .map(|(n, v)| format!("{n} {v}"))
                .collect::<Vec<_>>()
        })
        .map_err(|e| format!("{e:#}")),
        Err(e) => Err(format!("{e:#}")),
    };
    json!({
        "root": dir,
        "name": project.manifest.project_name(),
        "workspace": workspace,
        "trust": if new { "new, written by `devenv init`".to_string() } else { trust.describe() },
        "new": new,
        "allowed": trust == trust::Trust::Allowed,
        "watched": watched.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
        "missing": missing.as_ref().ok(),
        "error": missing.as_ref().err(),
    })
}

fn render(report: &Value) -> String {
    let mut out = String::new();
    let mut line = |k: &str, v: String| out.push_str(&format!("{k:<9} {v}\n"));
    match report["active"].as_object() {
        Some(a) => {
            let tools = a["tools"].as_array().map_or(0, Vec::len);
            line(
                "active",
                format!(
                    "{} ({}, {}) from {}",
                    a["name"].as_str().unwrap_or(""),
                    devenv_model::ui::plural(tools, "tool", "tools"),
                    devenv_model::ui::plural(
                        a["vars"].as_array().map_or(0, Vec::len),
                        "variable",
                        "variables"
                    ),
                    a["root"].as_str().unwrap_or("")
                ),
            );
        }
        None => match report["path_reset"].as_object() {
            Some(r) => line(
                "active",
                format!(
                    "none: PATH lost the entries of {} (a login shell's profile resets PATH); \
                     the next prompt puts them back",
                    r["name"].as_str().unwrap_or("")
                ),
            ),
            None => line("active", "none".into()),
        },
    }
    if let Some(note) = report["rosetta"].as_str() {
        line("platform", note.to_string());
    }
    if !report["hook"].as_bool().unwrap_or(false) {
        let shell = super::exec::hook_shell(
            devenv_model::config::outer_var("SHELL").as_deref(),
            std::env::consts::OS,
        );
        line(
            "hook",
            format!("not loaded in this shell; {}", shell.setup()),
        );
    }
    let Some(p) = report["project"].as_object() else {
        line("project", format!("none: no {FILE_NAME} here or above"));
        return out;
    };
    line(
        "project",
        format!("{}/{FILE_NAME}", p["root"].as_str().unwrap_or("")),
    );
    if let Some(w) = p.get("workspace").and_then(Value::as_object) {
        let root = w["root"].as_str().unwrap_or("");
        line(
            "workspace",
            match w["member"].as_str() {
                Some(m) => format!("{root}, member {m}"),
                None => format!("{root} (the root's environment)"),
            },
        );
        for t in w["tools"].as_array().into_iter().flatten() {
            line(
                "  tool",
                format!(
                    "{} {} from {}",
                    t["name"].as_str().unwrap_or(""),
                    t["requested"].as_str().unwrap_or(""),
                    t["from"].as_str().unwrap_or("")
                ),
            );
        }
    }
    if let Some(t) = p.get("trust").and_then(Value::as_str) {
        let hint = if p["allowed"].as_bool() == Some(true) {
            ""
        } else if p["new"].as_bool() == Some(true) {
            " — run `devenv allow` to load it"
        } else {
            " — review it, then run `devenv allow`"
        };
        line("trust", format!("{t}{hint}"));
    }
    if let Some(files) = p.get("watched").and_then(Value::as_array) {
        let files: Vec<&str> = files.iter().filter_map(Value::as_str).collect();
        line("watching", files.join(", "));
    }
    if let Some(missing) = p.get("missing").and_then(Value::as_array)
        && !missing.is_empty()
    {
        let names: Vec<&str> = missing.iter().filter_map(Value::as_str).collect();
        line(
            "missing",
            format!("{} — run `devenv install`", names.join(", ")),
        );
    }
    if let Some(e) = p.get("error").and_then(Value::as_str) {
        line("error", e.to_string());
    }
    out
}
