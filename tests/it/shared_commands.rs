//! Two tools that provide the same command: the one written first in
//! devenv.toml wins, and devenv says so.

use crate::common;
use common::archives::{Entry, tar_gz};
use common::server::FixtureServer;
use common::{World, sha256_hex};

/// A tool `name` whose archive has `bin/hello` printing `hello from NAME`.
fn hello_tool(server: &FixtureServer, name: &str) -> String {
    let bytes = tar_gz(&[Entry::file(
        &format!("{name}-1.0.0/bin/hello"),
        format!("#!/bin/sh\necho hello from {name}\n").as_bytes(),
        0o755,
    )]);
    let path = format!("/{name}.tar.gz");
    server.add(&path, bytes.clone());
    format!(
        "{name} = {{ version = \"1.0.0\", url = \"{}\", sha256 = \"{}\" }}\n",
        server.url(&path),
        sha256_hex(&bytes)
    )
}

#[test]
fn the_tool_written_first_wins_and_the_install_warns() {
    let s = FixtureServer::start();
    let w = World::new();
    // `zeta` before `alpha`: alphabetical order would pick alpha.
    w.manifest(&format!(
        "[tools]\n{}{}",
        hello_tool(&s, "zeta"),
        hello_tool(&s, "alpha")
    ));
    w.run(&["install"]).ok().stderr_has(
        "warning: `hello` is provided by `zeta` and by `alpha`; `zeta` runs because it comes first in devenv.toml",
    );
    w.run(&["exec", "--", "hello"])
        .ok()
        .stdout_has("hello from zeta");
    w.run(&["lock"])
        .ok()
        .stderr_has("`hello` is provided by `zeta` and by `alpha`");

    // Reordering the manifest changes the winner.
    w.manifest(&format!(
        "[tools]\n{}{}",
        hello_tool(&s, "alpha"),
        hello_tool(&s, "zeta")
    ));
    w.run(&["exec", "--", "hello"])
        .ok()
        .stdout_has("hello from alpha");
}
