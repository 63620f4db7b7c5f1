//! A project's own aqua registries (`[settings] registries`) are
//! repository input like the manifest: bounded before they are parsed.

use crate::common;
use common::World;

#[test]
fn a_deeply_nested_registry_file_is_refused_before_parsing() {
    // 234 KiB of `[`: the YAML parser spends minutes of CPU on it.
    let w = World::new();
    let half = 234 * 1024 / 2;
    w.write(
        "reg.yaml",
        format!("packages: {}{}\n", "[".repeat(half), "]".repeat(half)),
    );
    w.manifest("[tools]\n\"aqua:a/b\" = \"1\"\n\n[settings]\nregistries = [\"reg.yaml\"]\n");
    w.run(&["lock"]).fails(1).stderr_has(
        "reg.yaml nests deeper than 64 levels; it is not a registry (aqua's own nests about ten)",
    );
}
