//! Invariant 4: N processes installing the same tool download it once and
//! all succeed.

use crate::common;
use common::server::FixtureServer;
use common::{World, tool_tar_gz, url_tool_manifest};

#[test]
fn eight_concurrent_installs_fetch_once() {
    let server = FixtureServer::start();
    let w = World::new();
    let bytes = tool_tar_gz("shared", "1.0");
    server.add("/shared.tar.gz", bytes.clone());
    w.manifest(&url_tool_manifest(
        "shared",
        "1.0",
        &server.url("/shared.tar.gz"),
        &bytes,
    ));
    w.run(&["lock"]).ok();
    let children: Vec<_> = (0..8)
        .map(|_| {
            w.cmd(&["install"])
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(
        server.hits("/shared.tar.gz"),
        1,
        "the artifact was downloaded more than once"
    );
    assert_eq!(w.store_entries().len(), 1);
    assert!(w.staging_leftovers().is_empty());
    w.run(&["exec", "--", "shared"])
        .ok()
        .stdout_has("shared 1.0");
}

#[test]
fn independent_tools_install_together() {
    let server = FixtureServer::start();
    let w = World::new();
    let mut manifest = String::from("[tools]\n");
    for i in 0..4 {
        let name = format!("t{i}");
        let bytes = tool_tar_gz(&name, "1.0");
        server.add(&format!("/{name}.tar.gz"), bytes.clone());
        manifest.push_str(
            &url_tool_manifest(
                &name,
                "1.0",
                &server.url(&format!("/{name}.tar.gz")),
                &bytes,
            )
            .replace("[tools]\n", ""),
        );
    }
    w.manifest(&manifest);
    w.run(&["install"]).ok().stderr_has("4 tools installed");
    for i in 0..4 {
        w.run(&["exec", "--", &format!("t{i}")])
            .ok()
            .stdout_has(&format!("t{i} 1.0"));
    }
}
