//! `devenv shell TOOL@VER... [-- CMD]`: tools on PATH without a manifest,
//! like `nix shell`. The resolution is cached per list of tools (so a
//! second run is offline and instant), and the tools stay in the store as
//! a temporary root that `gc` frees once no process uses them.

use crate::activate;
use crate::install;
use crate::project::Context;
use anyhow::{Result, bail};
use devenv_model::config::Config;
use devenv_model::lock::Lock;
use devenv_model::manifest::{Manifest, RegistryTool, Request, Settings, ToolSpec};
use devenv_sources::resolve::{self, Update};
use devenv_store::gc;
use std::process::Command;

/// Splits `node@22`, `pypi:ruff@0.7`, `npm:@biomejs/biome@1.9` into name and version.
/// With `source`, the tool comes from that source of its catalog entry.
fn parse_spec(spec: &str, source: Option<&str>) -> Result<ToolSpec> {
    let (name, version) = match spec.rsplit_once('@') {
        Some((n, v)) if !n.is_empty() && !n.ends_with(':') && !n.ends_with('/') => (n, v),
        _ => (spec, "latest"),
    };
    if name.is_empty() || version.is_empty() {
        bail!("`{spec}` is not a tool; write NAME@VERSION, e.g. node@22 or \"pypi:ruff@0.7\"");
    }
    let request = Request::Registry(RegistryTool {
        version: version.to_string(),
        source: source.map(str::to_string),
        bin: None,
        asset: None,
        components: Vec::new(),
        targets: Vec::new(),
        extras: Vec::new(),
        allow_scripts: Vec::new(),
        provenance: None,
        features: Vec::new(),
    });
    Ok(ToolSpec {
        name: name.to_string(),
        request,
    })
}

pub(crate) fn run(
    config: &Config,
    specs: &[String],
    source: Option<&str>,
    command: &[String],
) -> Result<()> {
    let cx = Context::new(config, false)?;
    let tools = specs
        .iter()
        .map(|s| parse_spec(s, source))
        .collect::<Result<Vec<_>>>()?;
    // The cache key: the tools as written and the source they come from.
    let mut key = specs.join("\n");
    if let Some(s) = source {
        key.push_str(&format!("\nsource={s}"));
    }
    let id = format!(
        "adhoc-{}",
        &devenv_model::digest::sha256_hex(key.as_bytes())[..16]
    );
    let state = cx.store.project_dir(&id);
    std::fs::create_dir_all(&state)
        .map_err(|e| anyhow::anyhow!("could not create {}: {e}", state.display()))?;
    let manifest = Manifest {
        path: state.join("devenv.toml"),
        root: state.clone(),
        source: String::new(),
        tools,
        env: Default::default(),
        settings: Settings::default(),
        catalog: Default::default(),
        tasks: Vec::new(),
        limits: cx.config.file_limits(),
        workspace: None,
        place: None,
    };
    let platforms = [config.platform()];
    let cached = state.join("devenv.lock");
    let previous = Lock::read(&cached, cx.store.limits())?;
    let lock = match previous {
        Some(l) if l.staleness(&manifest, &platforms).is_none() => l,
        _ => {
            let l = resolve::resolve(&manifest, &platforms, None, &cx.sources(), &Update::Nothing)?;
            l.write(&cached)?;
            l
        }
    };
    // No manifest: only DEVENV_CACHES names caches here.
    let caches = devenv_net::cache::Caches::configure(&[], &state, &cx.caches, &cx.fetcher)?;
    install::install_lock(
        &lock,
        config.platform(),
        &cx.store,
        &devenv_net::cache::Downloads::with_caches(&cx.fetcher, caches),
    )?;
    let mut path = Vec::new();
    let mut entries = Vec::new();
    for (name, tool) in &lock.tools {
        if let Some(a) = tool.artifacts.get(&config.platform()) {
            let entry = cx.store.entry_path(&a.entry_name(name, &tool.version));
            path.extend(activate::bin_dirs(&entry, &a.bin));
            entries.push(entry);
        }
    }
    // This process becomes the command (exec keeps the pid), so the live
    // root protects the entries exactly as long as they are in use.
    gc::register_live(&cx.store, std::process::id(), &entries)?;
    let env = activate::Environment {
        path,
        ..Default::default()
    };
    let full_path = env.full_path(devenv_model::config::outer_var("PATH").as_deref());
    let argv: Vec<String> = if command.is_empty() {
        super::exec::shell_argv(&super::exec::user_shell())
    } else {
        command.to_vec()
    };
    let summary: Vec<String> = lock
        .tools
        .iter()
        .map(|(n, t)| format!("{n} {}", t.version))
        .collect();
    if command.is_empty() {
        devenv_model::ui::info(format!(
            "entering a shell with {}; exit to leave",
            summary.join(", ")
        ));
    }
    if !command.is_empty() {
        let bins: Vec<String> = lock
            .tools
            .values()
            .filter_map(|t| t.artifacts.get(&config.platform()))
            .flat_map(|a| a.bin.clone())
            .collect();
        super::exec::warn_if_not_provided(
            &argv[0],
            &full_path,
            &env.path,
            lock.tools.keys(),
            &bins,
        );
    }
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..]).env("PATH", full_path);
    Err(super::exec::replace_process(
        config,
        cmd,
        &format!("run `{}`", argv[0]),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs() {
        let name = |s: &str| parse_spec(s, None).unwrap().name;
        let version = |s: &str| match parse_spec(s, None).unwrap().request {
            Request::Registry(r) => r.version,
            Request::Url(_) => unreachable!(),
        };
        assert_eq!(
            (name("node@22"), version("node@22")),
            ("node".into(), "22".into())
        );
        assert_eq!(name("npm:@biomejs/biome@1.9"), "npm:@biomejs/biome");
        assert_eq!(version("npm:@biomejs/biome"), "latest");
        assert_eq!(name("npm:@biomejs/biome"), "npm:@biomejs/biome");
    }
}
