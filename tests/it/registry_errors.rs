//! What a user reads when a registry cannot help: a package that does not
//! exist, and a registry that cannot be reached.

use crate::common;
use common::World;
use common::server::FixtureServer;

#[test]
fn a_package_that_does_not_exist_is_named() {
    let server = FixtureServer::start();
    let w = World::new();
    w.manifest("[tools]\n\"npm:no-such-pkg\" = \"1\"\n");
    let out = w
        .run_env(&["lock"], &[("DEVENV_NPM_REGISTRY", &server.base())])
        .fails(1);
    out.stderr_has("npm has no package named `no-such-pkg`")
        .stderr_has("devenv search");
}

#[test]
fn an_unreachable_registry_points_at_mirrors_and_other_sources() {
    let server = FixtureServer::start();
    let base = server.base();
    server.stop();
    let w = World::new();
    w.manifest("[tools]\nnode = \"22\"\n");
    let out = w
        .run_env(
            &["lock"],
            &[("DEVENV_NODE_MIRROR", &base), ("DEVENV_HTTP_RETRIES", "0")],
        )
        .fails(1);
    out.stderr_has("connection refused")
        .stderr_has("point DEVENV_NODE_MIRROR (or `[settings] mirrors`) at a mirror")
        .stderr_has("`source = \"pypi\"`");
    assert!(!w.project.join("devenv.lock").exists());
}
