//! Toolchains from their vendors' indexes: JDKs from the Adoptium API
//! (with JAVA_HOME while active) and Rust from the channel manifests (its
//! component tarballs merged into one store entry).

use crate::common;
use common::archives::{Entry, tar_gz};
use common::server::FixtureServer;
use common::{World, sha256_hex};

const THREE: &str =
    "\n[settings]\nplatforms = [\"linux-x86_64\", \"linux-aarch64\", \"macos-aarch64\"]\n";

#[test]
fn java_comes_from_the_adoptium_api_with_java_home_set_while_active() {
    let s = FixtureServer::start();
    s.add(
        "/adoptium/v3/info/available_releases",
        r#"{"available_lts_releases": [8, 11, 17, 21], "available_releases": [8, 11, 17, 21, 22, 23], "most_recent_feature_release": 23, "most_recent_feature_version": 24, "most_recent_lts": 21, "tip_version": 24}"#,
    );
    let mut binaries = Vec::new();
    for (os, arch, top) in [
        ("linux", "x64", "jdk-21.0.5+11"),
        ("linux", "aarch64", "jdk-21.0.5+11"),
        ("mac", "aarch64", "jdk-21.0.5+11/Contents/Home"),
    ] {
        let name = format!("OpenJDK21U-jdk_{arch}_{os}_hotspot_21.0.5_11.tar.gz");
        let body = tar_gz(&[Entry::file(
            &format!("{top}/bin/java"),
            b"#!/bin/sh\necho \"java 21.0.5 home=$JAVA_HOME\"\n",
            0o755,
        )]);
        binaries.push(format!(
            r#"{{"architecture": "{arch}", "download_count": 1, "heap_size": "normal", "image_type": "jdk", "jvm_impl": "hotspot", "os": "{os}", "package": {{"checksum": "{}", "checksum_link": "x.sha256.txt", "download_count": 1, "link": "{}", "metadata_link": "x.json", "name": "{name}", "signature_link": "x.sig", "size": {}}}, "project": "jdk", "scm_ref": "jdk-21.0.5+11_adopt", "updated_at": "2024-10-16T12:00:00Z"}}"#,
            sha256_hex(&body),
            s.url(&format!("/dl/jdk/{name}")),
            body.len()
        ));
        s.add(&format!("/dl/jdk/{name}"), body);
    }
    binaries.push(r#"{"architecture": "x64", "heap_size": "normal", "image_type": "jre", "jvm_impl": "hotspot", "os": "linux", "package": {"checksum": "00", "link": "https://nowhere/jre.tar.gz", "name": "jre.tar.gz"}}"#.into());
    s.add(
        "/adoptium/v3/assets/feature_releases/21/ga",
        format!(
            r#"[{{"binaries": [{}], "download_count": 9, "id": "a", "release_link": "https://github.com/adoptium/temurin21-binaries/releases/tag/jdk-21.0.5%2B11", "release_name": "jdk-21.0.5+11", "release_type": "ga", "timestamp": "2024-10-16T12:00:00Z", "updated_at": "2024-10-16T12:00:00Z", "vendor": "eclipse", "version_data": {{"build": 11, "major": 21, "minor": 0, "openjdk_version": "21.0.5+11-LTS", "optional": "LTS", "security": 5, "semver": "21.0.5+11.0.LTS"}}}},
  {{"binaries": [], "release_name": "jdk-21.0.4+7", "release_type": "ga", "vendor": "eclipse", "version_data": {{"build": 7, "major": 21, "minor": 0, "security": 4, "semver": "21.0.4+7.0.LTS"}}}}]"#,
            binaries.join(", ")
        ),
    );
    let w = World::new()
        .with_env("DEVENV_ADOPTIUM_API", &s.url("/adoptium"))
        .with_env("DEVENV_PLATFORM", "linux-x86_64");
    w.manifest(&format!(
        "[tools]\njava = \"21\"\n\n[env]\nJH_COPY = \"${{JAVA_HOME}}\"\n{THREE}"
    ));
    w.run(&["install"]).ok();
    let lock = w.lockfile();
    assert!(lock.contains("version = \"21.0.5+11\""), "{lock}");
    assert!(
        lock.contains("JAVA_HOME = \"{root}/Contents/Home\""),
        "{lock}"
    );
    assert!(lock.contains("bin = [\"Contents/Home/bin\"]"), "{lock}");
    assert!(
        lock.contains("digest_from = \"Adoptium API checksum\""),
        "{lock}"
    );
    let out = w.run(&["exec", "--", "java"]).ok();
    let home = out
        .stdout
        .trim()
        .strip_prefix("java 21.0.5 home=")
        .unwrap_or_else(|| panic!("{}", out.stdout));
    assert!(
        std::path::Path::new(home).join("bin/java").is_file(),
        "{home}"
    );
    let out = w.run(&["exec", "--", "sh", "-c", "echo $JH_COPY"]).ok();
    assert_eq!(out.stdout.trim(), home);
    // A feature Adoptium does not have is named with those it has.
    w.manifest("[tools]\njava = \"19\"\n");
    w.run(&["lock"])
        .fails(1)
        .stderr_has("Adoptium has no JDK 19; its feature versions are 8, 11, 17, 21, 22, 23");
}

/// A rust-installer tarball: `<dir>/components` naming one component
/// whose files are `files` (paths inside the component).
fn rust_component(dir: &str, component: &str, files: &[(&str, &[u8])]) -> Vec<u8> {
    let mut entries = vec![
        Entry::file(
            &format!("{dir}/components"),
            format!("{component}\n").as_bytes(),
            0o644,
        ),
        Entry::file(&format!("{dir}/install.sh"), b"#!/bin/sh\n", 0o755),
        Entry::file(&format!("{dir}/rust-installer-version"), b"3\n", 0o644),
        Entry::file(
            &format!("{dir}/{component}/manifest.in"),
            b"file:x\n",
            0o644,
        ),
    ];
    for (path, body) in files {
        entries.push(Entry::file(
            &format!("{dir}/{component}/{path}"),
            body,
            0o755,
        ));
    }
    common::archives::tar_xz(&entries)
}

#[test]
fn rust_toolchains_merge_their_components_into_one_entry() {
    let s = FixtureServer::start();
    let date = "2024-11-28";
    let mut toml = format!("manifest-version = \"2\"\ndate = \"{date}\"\n");
    let rustc = b"#!/bin/sh\nls \"$(dirname \"$0\")/../lib/rustlib\"\n" as &[u8];
    /// A package of the manifest: its name, version and (target, tarball)s.
    type Pkg<'a> = (&'a str, String, Vec<(String, Vec<u8>)>);
    let mut pkgs: Vec<Pkg> = Vec::new();
    for (pkg, version) in [
        ("rustc", "1.83.0 (90b35a623 2024-11-26)"),
        ("cargo", "0.84.0 (66221abde 2024-11-19)"),
        ("rust-std", "1.83.0 (90b35a623 2024-11-26)"),
        ("clippy-preview", "0.1.83 (90b35a62 2024-11-26)"),
    ] {
        let mut targets = Vec::new();
        let mut hosts = vec![
            "x86_64-unknown-linux-gnu",
            "aarch64-unknown-linux-gnu",
            "aarch64-apple-darwin",
        ];
        if pkg == "rust-std" {
            hosts.push("wasm32-unknown-unknown");
        }
        for t in hosts {
            let dir = format!("{pkg}-1.83.0-{t}");
            let (component, files): (String, Vec<(String, &[u8])>) = match pkg {
                "rustc" => ("rustc".into(), vec![("bin/rustc".into(), rustc)]),
                "cargo" => (
                    "cargo".into(),
                    vec![("bin/cargo".into(), b"#!/bin/sh\necho cargo 1.83.0\n")],
                ),
                "rust-std" => (
                    format!("rust-std-{t}"),
                    vec![(format!("lib/rustlib/{t}/lib/libstd.rlib"), b"std")],
                ),
                _ => (
                    "clippy-preview".into(),
                    vec![(
                        "bin/cargo-clippy".into(),
                        b"#!/bin/sh\necho clippy 0.1.83\n",
                    )],
                ),
            };
            let refs: Vec<(&str, &[u8])> = files.iter().map(|(p, b)| (p.as_str(), *b)).collect();
            targets.push((t.to_string(), rust_component(&dir, &component, &refs)));
        }
        pkgs.push((pkg, version.to_string(), targets));
    }
    toml.push_str("[pkg.rust]\nversion = \"1.83.0 (90b35a623 2024-11-26)\"\n");
    for (pkg, version, targets) in &pkgs {
        toml.push_str(&format!("[pkg.{pkg}]\nversion = \"{version}\"\n"));
        for (t, body) in targets {
            let file = format!("dist/{date}/{pkg}-1.83.0-{t}.tar.xz");
            s.add(&format!("/rust/{file}"), body.clone());
            toml.push_str(&format!(
                "[pkg.{pkg}.target.{t}]\navailable = true\nurl = \"https://static.rust-lang.org/{}\"\nhash = \"{}\"\nxz_url = \"https://static.rust-lang.org/{file}\"\nxz_hash = \"{}\"\n",
                file.replace(".tar.xz", ".tar.gz"),
                "0".repeat(64),
                sha256_hex(body)
            ));
        }
    }
    toml.push_str("[renames.clippy]\nto = \"clippy-preview\"\n[renames.rustfmt]\nto = \"rustfmt-preview\"\n[profiles]\nminimal = [\"rustc\", \"cargo\", \"rust-std\"]\n");
    s.add("/rust/dist/channel-rust-1.83.toml", toml.clone());
    s.add("/rust/dist/channel-rust-stable.toml", toml);
    let w = World::new()
        .with_env("DEVENV_RUST_MIRROR", &s.url("/rust"))
        .with_env("DEVENV_PLATFORM", "linux-x86_64");
    let manifest = format!(
        "[tools]\nrust = {{ version = \"1.83\", components = [\"clippy\"], targets = [\"wasm32-unknown-unknown\"] }}\n{THREE}"
    );
    w.manifest(&manifest);
    w.run(&["install"]).ok();
    let lock = w.lockfile();
    assert!(lock.contains("version = \"1.83.0\""), "{lock}");
    assert!(lock.contains("layout = \"rust-installer\""), "{lock}");
    assert_eq!(
        lock.matches("[[tools.rust.artifacts.linux-x86_64.parts]]")
            .count(),
        4,
        "{lock}"
    );
    assert!(
        lock.contains(
            &s.url("/rust/dist/2024-11-28/rust-std-1.83.0-wasm32-unknown-unknown.tar.xz")
        ),
        "{lock}"
    );
    assert_eq!(w.store_entries().len(), 1, "one entry for all components");
    let out = w.run(&["exec", "--", "rustc"]).ok();
    assert!(
        out.stdout.contains("x86_64-unknown-linux-gnu")
            && out.stdout.contains("wasm32-unknown-unknown"),
        "{}",
        out.stdout
    );
    w.run(&["exec", "--", "cargo-clippy"])
        .ok()
        .stdout_has("clippy 0.1.83");
    w.run(&["exec", "--", "cargo"])
        .ok()
        .stdout_has("cargo 1.83.0");
    // The entry's name derives from all its parts, as recorded beside it.
    w.run(&["store", "verify"])
        .ok()
        .stderr_has("all 1 store entries match");
    // Every part is verified: a changed component leaves no entry behind.
    let other = World::new()
        .with_env("DEVENV_RUST_MIRROR", &s.url("/rust"))
        .with_env("DEVENV_PLATFORM", "linux-x86_64");
    other.manifest(&manifest);
    other.write("devenv.lock", &lock);
    s.add(
        "/rust/dist/2024-11-28/rust-std-1.83.0-wasm32-unknown-unknown.tar.xz",
        b"tampered".to_vec(),
    );
    other
        .run(&["install"])
        .fails(1)
        .stderr_has("does not match the lock")
        .stderr_has("rust-std-1.83.0-wasm32-unknown-unknown.tar.xz");
    assert!(other.store_entries().is_empty());
    assert!(other.staging_leftovers().is_empty());
    // `stable` reads the stable channel; an unknown component is named.
    w.manifest("[tools]\nrust = \"stable\"\n");
    w.run(&["lock"]).ok();
    assert!(w.lockfile().contains("version = \"1.83.0\""));
    w.manifest("[tools]\nrust = { version = \"stable\", components = [\"miri\"] }\n");
    w.run(&["lock"])
        .fails(1)
        .stderr_has("Rust has no component `miri`");
    w.manifest("[tools]\nrust = \"1.99\"\n");
    w.run(&["lock"])
        .fails(1)
        .stderr_has("there is no Rust release `1.99`");
}
