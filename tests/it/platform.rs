//! The machine's platform: detected, overridable with `DEVENV_PLATFORM`,
//! and refused out loud when the override is malformed.

use crate::common;
use common::World;

#[test]
fn a_malformed_platform_override_is_an_error_not_ignored() {
    let w = World::new();
    w.manifest("[tools]\n");
    w.run_env(&["lock"], &[("DEVENV_PLATFORM", "linux-amd64")])
        .fails(1)
        .stderr_has("DEVENV_PLATFORM is `linux-amd64`, which is not a platform")
        .stderr_has("`linux-x86_64`");
    w.run_env(&["lock"], &[("DEVENV_PLATFORM", "macos-aarch64-musl")])
        .fails(1)
        .stderr_has("only Linux platforms take `-gnu` or `-musl`");
}

#[test]
fn the_override_decides_the_platform_of_a_lock() {
    let w = World::new();
    w.manifest("[tools]\n");
    w.run_env(&["lock"], &[("DEVENV_PLATFORM", "linux-aarch64-musl")])
        .ok();
    assert!(
        w.lockfile().contains("platforms = [\"linux-aarch64\"]"),
        "{}",
        w.lockfile()
    );
}
