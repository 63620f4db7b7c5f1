//! `cargo:NAME` tools: resolved from a fixture sparse index, pinned by the
//! crate's checksum, built by `cargo install --locked` with this machine's
//! Rust (`source = "system"`) or the project's `rust`, and committed to
//! the store; and every way that can fail, said plainly.

use crate::common;
use common::World;
use common::crates::{self, Version, bin_crate, lib_crate, path_with, publish};
use common::server::FixtureServer;
use std::path::Path;

/// A world whose index is `index`, running with `toolchain` on PATH.
fn world(index: &str, toolchain: &Path) -> World {
    World::new()
        .with_env("DEVENV_CARGO_INDEX", index)
        .with_env("PATH", &path_with(toolchain))
}

/// `hello` 0.1.0 and 0.2.0 published, 0.2.1 yanked.
fn hello_registry(server: &FixtureServer) -> String {
    publish(
        server,
        "hello",
        &[
            Version {
                version: "0.1.0",
                bytes: bin_crate("hello", "0.1.0", None),
                yanked: false,
            },
            Version {
                version: "0.2.0",
                bytes: bin_crate("hello", "0.2.0", None),
                yanked: false,
            },
            Version {
                version: "0.2.1",
                bytes: bin_crate("hello", "0.2.1", None),
                yanked: true,
            },
        ],
    )
}

/// A project asking for `cargo:NAME` "1", built with the machine's rust,
/// from an index that publishes one version of it with `bytes`; the
/// server must outlive the project's commands.
fn one_crate(
    toolchain: &Path,
    name: &str,
    version: &str,
    bytes: Vec<u8>,
) -> (FixtureServer, World) {
    let server = FixtureServer::start();
    let index = publish(
        &server,
        name,
        &[Version {
            version,
            bytes,
            yanked: false,
        }],
    );
    let w = world(&index, toolchain);
    w.manifest(&system_tool(name, "1"));
    (server, w)
}

fn system_tool(name: &str, version: &str) -> String {
    format!("[tools]\n\"cargo:{name}\" = {{ version = \"{version}\", source = \"system\" }}\n")
}

#[test]
fn a_crate_is_pinned_by_checksum_built_by_the_machines_cargo_and_runs() {
    let Some((toolchain, rustc)) = crates::toolchain() else {
        return;
    };
    let server = FixtureServer::start();
    let index = hello_registry(&server);
    let w = world(&index, &toolchain);
    w.manifest(&system_tool("hello", "0.2"));
    w.run(&["lock"]).ok();
    let lock = w.lockfile();
    let platform = common::platform();
    let crate_bytes = bin_crate("hello", "0.2.0", None);
    for line in [
        "[tools.\"cargo:hello\"]\nversion = \"0.2.0\"\n".to_string(),
        format!("url = \"{}\"", server.url("/crates/hello/0.2.0/download")),
        format!("digest = \"sha256:{}\"", common::sha256_hex(&crate_bytes)),
        format!("[tools.\"cargo:hello\".artifacts.{platform}.build]\nby = \"cargo\"\n"),
        format!("toolchain = \"system rustc {rustc}\""),
        format!("index = \"sparse+{index}/\""),
    ] {
        assert!(lock.contains(&line), "missing {line:?} in\n{lock}");
    }
    assert!(lock.contains("target = \"x86_64-unknown-linux-") || !platform.contains("x86_64"));
    // Locking again, and on another day, writes the same bytes.
    w.run(&["update"]).ok();
    assert_eq!(w.lockfile(), lock);
    std::fs::remove_file(w.project.join("devenv.lock")).unwrap();
    w.run(&["lock"]).ok();
    assert_eq!(w.lockfile(), lock);
    w.run(&["install"])
        .ok()
        .stderr_has("building cargo:hello 0.2.0");
    w.run(&["--offline", "exec", "--", "hello", "there"])
        .ok()
        .stdout_has("hello 0.2.0 there");
    let entries = w.store_entries();
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert!(entries[0].join("bin/hello").is_file());
    assert!(!entries[0].join(".crates.toml").exists());
    // Installed once: a second install builds nothing.
    let again = w.run(&["install"]).ok();
    assert!(!again.stderr.contains("building"), "{}", again.stderr);
}

/// The project's `rust` for tests: an archive whose `bin/cargo` and
/// `bin/rustc` record being run in `log`, then run this machine's.
fn rust_shims(toolchain: &Path, log: &Path) -> Vec<u8> {
    let shim = |cmd: &str| {
        common::archives::script(&format!(
            "echo {cmd} >> '{}'\nexec '{}' \"$@\"",
            log.display(),
            toolchain.join(cmd).display()
        ))
    };
    common::archives::tar_gz(&[
        common::archives::Entry::file("rust/bin/cargo", &shim("cargo"), 0o755),
        common::archives::Entry::file("rust/bin/rustc", &shim("rustc"), 0o755),
    ])
}

#[test]
fn the_project_rust_builds_the_crate_and_its_version_is_in_the_key() {
    let Some((toolchain, rustc)) = crates::toolchain() else {
        return;
    };
    let server = FixtureServer::start();
    let index = hello_registry(&server);
    let log = tempfile::tempdir().unwrap();
    let log_file = log.path().join("used");
    let rust = rust_shims(&toolchain, &log_file);
    server.add("/rust.tar.gz", rust.clone());
    // No Rust on the machine's PATH: only the project's.
    let w = World::new().with_env("DEVENV_CARGO_INDEX", &index);
    w.manifest(&format!(
        "[tools]\n\"cargo:hello\" = \"0.1\"\nrust = {{ version = \"{rustc}\", url = \"{}\", sha256 = \"{}\" }}\n",
        server.url("/rust.tar.gz"),
        common::sha256_hex(&rust)
    ));
    w.run(&["lock"]).ok();
    assert!(
        w.lockfile()
            .contains(&format!("toolchain = \"rust {rustc}\"")),
        "{}",
        w.lockfile()
    );
    w.run(&["install"]).ok();
    let used = std::fs::read_to_string(&log_file).unwrap_or_default();
    assert!(used.contains("cargo") && used.contains("rustc"), "{used:?}");
    w.run(&["--offline", "exec", "--", "hello"])
        .ok()
        .stdout_has("hello 0.1.0");

    // Another `rust` pin relocks the crate, with another store key; and
    // a rustc that is not that version does not build it.
    let key = |lock: &str| {
        let l = devenv_model::lock::Lock::parse(lock).unwrap();
        let a = l.tools["cargo:hello"].artifacts.values().next().unwrap();
        a.key.clone()
    };
    let before = key(&w.lockfile());
    w.manifest(&format!(
        "[tools]\n\"cargo:hello\" = \"0.1\"\nrust = {{ version = \"1.0.0\", url = \"{}\", sha256 = \"{}\" }}\n",
        server.url("/rust.tar.gz"),
        common::sha256_hex(&rust)
    ));
    w.run(&["lock"]).ok();
    assert!(w.lockfile().contains("toolchain = \"rust 1.0.0\""));
    assert_ne!(key(&w.lockfile()), before);
    w.run(&["install"]).fails(1).stderr_has(&format!(
        "`cargo:hello` 0.1.0 is locked to be built with rust 1.0.0, and the rustc found is {rustc}"
    ));
}

#[test]
fn a_crate_needs_a_rust_to_be_built_with() {
    let server = FixtureServer::start();
    let index = hello_registry(&server);
    let w = World::new().with_env("DEVENV_CARGO_INDEX", &index);
    w.manifest("[tools]\n\"cargo:hello\" = \"0.1\"\n");
    w.run(&["lock"])
        .fails(1)
        .stderr_has("built by the project's `rust`, and devenv.toml has none")
        .stderr_has("add `rust = \"1\"` to [tools]")
        .stderr_has("source = \"system\"");
    // `source = "system"` without a Rust on PATH.
    let w = World::new().with_env("DEVENV_CARGO_INDEX", &index);
    w.manifest(&system_tool("hello", "0.1"));
    w.run(&["lock"])
        .fails(1)
        .stderr_has("no working `rustc` is on PATH");
}

#[test]
fn unknown_crates_and_versions_are_named() {
    let Some((toolchain, _)) = crates::toolchain() else {
        return;
    };
    let server = FixtureServer::start();
    let index = hello_registry(&server);
    let w = world(&index, &toolchain);
    w.manifest(&system_tool("nope", "1"));
    w.run(&["lock"])
        .fails(1)
        .stderr_has("cargo has no package named `nope`");
    w.manifest(&system_tool("hello", "0.3"));
    w.run(&["lock"])
        .fails(1)
        .stderr_has("cargo:hello")
        .stderr_has("0.3")
        .stderr_has("1 version was yanked by its authors, never chosen");
    w.manifest(&system_tool("../etc", "1"));
    w.run(&["lock"]).fails(1).stderr_has("is not a crate name");
}

#[test]
fn a_crate_whose_bytes_are_not_the_indexed_ones_is_not_built() {
    let Some((toolchain, _)) = crates::toolchain() else {
        return;
    };
    let server = FixtureServer::start();
    let index = hello_registry(&server);
    let w = world(&index, &toolchain);
    w.manifest(&system_tool("hello", "0.1"));
    w.run(&["lock"]).ok();
    // The registry's file changes under the lock.
    server.add(
        &crates::crate_path("hello", "0.1.0"),
        bin_crate(
            "hello",
            "0.1.0",
            Some("fn main() { println!(\"evil\"); }\n"),
        ),
    );
    let out = w.run(&["install"]).fails(1);
    assert!(
        out.stderr.contains("digest mismatch") || out.stderr.contains("expected"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("cargo:hello"), "{}", out.stderr);
    assert!(!out.stderr.contains("building"), "{}", out.stderr);
    assert!(w.store_entries().is_empty());
    assert!(w.staging_leftovers().is_empty());
}

#[test]
fn a_failed_build_shows_the_end_of_cargos_output() {
    let Some((toolchain, _)) = crates::toolchain() else {
        return;
    };
    let (_server, w) = one_crate(
        &toolchain,
        "broken",
        "1.0.0",
        bin_crate(
            "broken",
            "1.0.0",
            Some("fn main() { let x: u8 = \"no\"; }\n"),
        ),
    );
    w.run(&["lock"]).ok();
    w.run(&["install"])
        .fails(1)
        .stderr_has("building `cargo:broken` 1.0.0 with system rustc")
        .stderr_has("cargo's last lines:")
        .stderr_has("mismatched types");
    assert!(w.store_entries().is_empty());
    assert!(w.staging_leftovers().is_empty());
}

#[test]
fn a_library_crate_is_refused_before_compiling() {
    let Some((toolchain, _)) = crates::toolchain() else {
        return;
    };
    let (_server, w) = one_crate(
        &toolchain,
        "just-a-lib",
        "1.0.0",
        lib_crate("just-a-lib", "1.0.0"),
    );
    w.run(&["lock"]).ok();
    let out = w
        .run(&["install"])
        .fails(1)
        .stderr_has("`cargo:just-a-lib` 1.0.0 has no binaries");
    assert!(!out.stderr.contains("building"), "{}", out.stderr);
}

#[test]
fn a_lock_cannot_turn_a_build_into_a_download_or_choose_the_compiler() {
    let Some((toolchain, _)) = crates::toolchain() else {
        return;
    };
    let server = FixtureServer::start();
    let index = hello_registry(&server);
    let w = world(&index, &toolchain);
    w.manifest(&system_tool("hello", "0.1"));
    w.run(&["lock"]).ok();
    let lock = w.lockfile();
    // Edits made the way an attacker would: every key derived to match.
    let edited = |edit: &dyn Fn(&mut devenv_model::lock::Artifact)| {
        let mut l = devenv_model::lock::Lock::parse(&lock).unwrap();
        for a in l
            .tools
            .get_mut("cargo:hello")
            .unwrap()
            .artifacts
            .values_mut()
        {
            edit(a);
            a.key = a.derived_key("cargo:hello");
        }
        l.render()
    };
    // The build table removed: the crate would be unpacked as a tool.
    w.write("devenv.lock", edited(&|a| a.build = None));
    w.run(&["install", "--frozen"])
        .fails(1)
        .stderr_has("is a crate that devenv builds, the lock downloads it instead");
    // The compiler is the manifest's choice, not the lock's.
    w.write(
        "devenv.lock",
        edited(&|a| a.build.as_mut().unwrap().toolchain = "rust 1.0.0".into()),
    );
    w.run(&["install", "--frozen"])
        .fails(1)
        .stderr_has("names the project's rust 1.0.0, and the lock pins no `rust`");
    // Nor are the features.
    w.write(
        "devenv.lock",
        edited(&|a| a.build.as_mut().unwrap().features = vec!["evil".into()]),
    );
    w.run(&["install", "--frozen"])
        .fails(1)
        .stderr_has("builds it with the features defaults only, the lock with evil");
    for (field, value, says) in [
        ("by", "make", "is not a builder devenv knows"),
        ("target", "x86_64-pc-windows-msvc", "is not a target of"),
        (
            "index",
            "https://evil.example/",
            "is not a sparse registry index",
        ),
        (
            "index",
            "sparse+https://x/\"\n[registries]/",
            "control characters",
        ),
        (
            "index",
            "sparse+https://x/\"y/",
            "is not a sparse registry index",
        ),
        ("toolchain", "gcc 13", "is neither"),
        ("features", "a b", "is not a feature name"),
    ] {
        w.write(
            "devenv.lock",
            edited(&|a| {
                let b = a.build.as_mut().unwrap();
                match field {
                    "by" => b.by = value.into(),
                    "target" => b.target = value.into(),
                    "index" => b.index = value.into(),
                    "features" => b.features = vec![value.into()],
                    _ => b.toolchain = value.into(),
                }
            }),
        );
        w.run(&["install", "--frozen"]).fails(1).stderr_has(says);
    }
    assert!(w.store_entries().is_empty());
}

#[test]
fn a_team_builds_once_and_a_fresh_home_installs_the_build_without_compiling() {
    let Some((toolchain, _)) = crates::toolchain() else {
        return;
    };
    let registry = common::registry::Registry::start();
    let server = FixtureServer::start();
    let index = hello_registry(&server);
    let w = world(&index, &toolchain);
    w.manifest(&format!(
        "{}\n[settings]\ncaches = [\"{}\"]\n",
        system_tool("hello", "0.1"),
        registry.cache_url()
    ));
    w.run(&["lock"]).ok();
    // A build is pushed from the store that made it.
    w.run(&["cache", "push"])
        .ok()
        .stderr_has(
            "not pushed, since this machine's store does not hold their build: cargo:hello 0.1.0",
        )
        .stderr_has("nothing uploaded to");
    assert!(registry.tags().is_empty());
    w.run(&["install"])
        .ok()
        .stderr_has("building cargo:hello 0.1.0");
    w.run(&["cache", "push"])
        .ok()
        .stderr_has("pushed the build of cargo:hello 0.1.0");
    let entry = w.store_entries().pop().unwrap();
    let key = entry.file_name().unwrap().to_string_lossy()[..32].to_string();
    let tag = format!("build-{key}");
    assert_eq!(registry.tags(), std::slice::from_ref(&tag));
    let manifest: serde_json::Value = serde_json::from_slice(&registry.manifest(&tag)).unwrap();
    assert_eq!(manifest["annotations"]["dev.devenv.build"], key.as_str());
    assert_eq!(manifest["annotations"]["dev.devenv.tool"], "cargo:hello");
    w.run(&["cache", "push"])
        .ok()
        .stderr_has("nothing to upload");
    w.run(&["cache", "status"])
        .ok()
        .stdout_has("cargo:hello")
        .stdout_has("present: 1/1");

    // A cache whose build arrives altered is not used: the crate is built
    // here instead, and installed.
    let proxy = common::registry::Proxy::start(&registry, common::registry::Mode::Tamper);
    let tampered = w.root.join("tampered");
    let caches = proxy.cache_url();
    w.run_env(
        &["install"],
        &[
            ("DEVENV_HOME", tampered.to_str().unwrap()),
            ("DEVENV_CACHES", &caches),
        ],
    )
    .ok()
    .stderr_has("has an unusable build of cargo:hello 0.1.0")
    .stderr_has("its layer is not the one its manifest names")
    .stderr_has("building cargo:hello 0.1.0");

    // Another machine: a fresh store, the crate registry gone, and a
    // cargo and rustc that fail the test if anything runs them.
    server.stop();
    let home = w.root.join("laptop");
    let shims = w.root.join("no-compiler");
    let marker = w.root.join("compiler-ran");
    std::fs::create_dir_all(&shims).unwrap();
    for cmd in ["cargo", "rustc", "cc"] {
        let path = shims.join(cmd);
        std::fs::write(
            &path,
            common::archives::script(&format!("echo {cmd} >> '{}'\nexit 1", marker.display())),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let path = format!("{}:/usr/bin:/bin", shims.display());
    let env = [("DEVENV_HOME", home.to_str().unwrap()), ("PATH", &path)];
    w.run_env(&["install"], &env)
        .ok()
        .stderr_has("installed cargo:hello 0.1.0 built with system rustc");
    assert!(
        !marker.exists(),
        "a compiler ran: {:?}",
        std::fs::read_to_string(&marker)
    );
    w.run_env(&["--offline", "exec", "--", "hello", "again"], &env)
        .ok()
        .stdout_has("hello 0.1.0 again");
    assert!(
        home.join("store")
            .join(entry.file_name().unwrap())
            .join("bin/hello")
            .is_file()
    );
}

#[test]
fn dependencies_come_from_the_index_the_lock_names() {
    let Some((toolchain, _)) = crates::toolchain() else {
        return;
    };
    let server = FixtureServer::start();
    let dep = crates::shout_lib("shouty");
    publish(
        &server,
        "shouty",
        &[Version {
            version: "1.0.0",
            bytes: dep.clone(),
            yanked: false,
        }],
    );
    let index = publish(
        &server,
        "greet",
        &[Version {
            version: "1.0.0",
            bytes: crates::bin_crate_with_dep("greet", "1.0.0", "shouty", &dep),
            yanked: false,
        }],
    );
    let w = world(&index, &toolchain);
    w.manifest(&system_tool("greet", "1"));
    w.run(&["install"]).ok();
    assert_eq!(server.hits(&crates::crate_path("shouty", "1.0.0")), 1);
    w.run(&["--offline", "exec", "--", "greet", "quiet", "please"])
        .ok()
        .stdout_has("QUIET PLEASE");
}

#[test]
fn a_catalog_entry_of_the_crate_registry_is_built_too() {
    let Some((toolchain, rustc)) = crates::toolchain() else {
        return;
    };
    let server = FixtureServer::start();
    let index = hello_registry(&server);
    let log = tempfile::tempdir().unwrap();
    let rust = rust_shims(&toolchain, &log.path().join("used"));
    server.add("/rust.tar.gz", rust.clone());
    let w = World::new().with_env("DEVENV_CARGO_INDEX", &index);
    w.manifest(&format!(
        "[tools]\nhi = \"0.2\"\nrust = {{ version = \"{rustc}\", url = \"{}\", sha256 = \"{}\" }}\n\n[catalog.hi]\nbackend = \"cargo\"\npackage = \"hello\"\n",
        server.url("/rust.tar.gz"),
        common::sha256_hex(&rust)
    ));
    w.run(&["install"]).ok().stderr_has("building hi 0.2.0");
    assert!(
        w.lockfile().contains("[tools.hi.artifacts."),
        "{}",
        w.lockfile()
    );
    w.run(&["--offline", "exec", "--", "hello"])
        .ok()
        .stdout_has("hello 0.2.0");
}

#[test]
fn each_platform_of_the_lock_names_its_own_target() {
    let Some((toolchain, _)) = crates::toolchain() else {
        return;
    };
    let server = FixtureServer::start();
    let index = hello_registry(&server);
    let w = world(&index, &toolchain);
    w.manifest(&format!(
        "{}\n[settings]\nplatforms = [\"linux-x86_64\", \"linux-aarch64\", \"macos-aarch64\"]\n",
        system_tool("hello", "0.1")
    ));
    w.run(&["lock"]).ok();
    let lock = devenv_model::lock::Lock::parse(&w.lockfile()).unwrap();
    let tool = &lock.tools["cargo:hello"];
    let target = |p: &str| {
        let a = &tool.artifacts[&p.parse().unwrap()];
        a.build.as_ref().unwrap().target.clone()
    };
    assert!(target("linux-aarch64").starts_with("aarch64-unknown-linux-"));
    assert!(target("linux-x86_64").starts_with("x86_64-unknown-linux-"));
    assert_eq!(target("macos-aarch64"), "aarch64-apple-darwin");
    // The same crate everywhere, a store entry of its own per target.
    let digests: std::collections::BTreeSet<String> = tool
        .artifacts
        .values()
        .map(|a| a.digest.to_string())
        .collect();
    let keys: std::collections::BTreeSet<&str> =
        tool.artifacts.values().map(|a| a.key.as_str()).collect();
    assert_eq!((digests.len(), keys.len()), (1, 3));
}

#[test]
fn features_are_built_in_and_make_an_entry_of_their_own() {
    let Some((toolchain, _)) = crates::toolchain() else {
        return;
    };
    let (_server, w) = one_crate(
        &toolchain,
        "hey",
        "1.0.0",
        crates::bin_crate_with_feature("hey", "1.0.0"),
    );
    w.run(&["install"]).ok();
    w.run(&["exec", "--", "hey"]).ok().stdout_has("hey 1.0.0");
    w.manifest(
        "[tools]\n\"cargo:hey\" = { version = \"1\", source = \"system\", features = [\"loud\", \"loud\"] }\n",
    );
    w.run(&["install"]).ok();
    assert!(
        w.lockfile().contains("features = [\"loud\"]"),
        "{}",
        w.lockfile()
    );
    w.run(&["exec", "--", "hey"]).ok().stdout_has("HEY 1.0.0");
    assert_eq!(w.store_entries().len(), 2);
    // Only crates have features.
    w.manifest("[tools]\n\"npm:x\" = { version = \"1\", features = [\"a\"] }\n");
    w.run(&["lock"])
        .fails(1)
        .stderr_has("`features` only applies to tools from the `cargo` backend");
    w.manifest("[tools]\n\"cargo:hey\" = { version = \"1\", features = [\"a b\"] }\n");
    w.run(&["lock"])
        .fails(1)
        .stderr_has("`a b` is not a feature name");
}

/// Issue 23: a package the built-in aqua registry builds from a crate
/// (`crates.io/broot`, `type: cargo`) is the `cargo` source's: its
/// catalog name locks as a build by the project's `rust` and runs, and
/// `aqua:` spelled out says to use `cargo:` instead. (A name a
/// downloading package also has, like `zizmor`, stays the download's.)
#[test]
fn an_aqua_cargo_package_is_built_by_the_cargo_source() {
    let Some((toolchain, rustc)) = crates::toolchain() else {
        return;
    };
    let server = FixtureServer::start();
    let index = publish(
        &server,
        "broot",
        &[Version {
            version: "1.4.0",
            bytes: bin_crate("broot", "1.4.0", None),
            yanked: false,
        }],
    );
    let log = tempfile::tempdir().unwrap();
    let rust = rust_shims(&toolchain, &log.path().join("used"));
    server.add("/rust.tar.gz", rust.clone());
    let w = World::new().with_env("DEVENV_CARGO_INDEX", &index);
    let rust_line = format!(
        "rust = {{ version = \"{rustc}\", url = \"{}\", sha256 = \"{}\" }}\n",
        server.url("/rust.tar.gz"),
        common::sha256_hex(&rust)
    );
    w.manifest(&format!("[tools]\nbroot = \"1\"\n{rust_line}"));
    w.run(&["install"]).ok().stderr_has("building broot 1.4.0");
    let lock = w.lockfile();
    assert!(
        lock.contains("[tools.broot.artifacts.") && lock.contains("by = \"cargo\""),
        "{lock}"
    );
    w.run(&["--offline", "exec", "--", "broot"])
        .ok()
        .stdout_has("broot 1.4.0");
    w.manifest(&format!(
        "[tools]\n\"aqua:crates.io/broot\" = \"1\"\n{rust_line}"
    ));
    w.run(&["lock"])
        .fails(1)
        .stderr_has("aqua:crates.io/broot is built from the Rust crate `broot` (`cargo`); devenv builds crates with its `cargo:` source: write `\"cargo:broot\" = \"VERSION\"`");
}
