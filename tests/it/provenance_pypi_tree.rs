//! Issue 25: every member of a PyPI application's tree counts. The real uv
//! resolves `pypi:greet-app` from the fixture index (`greet-app` needs
//! `greet-lib`, which needs `greet-core`); the Integrity API (PEP 740)
//! answers for each wheel it has provenance for, signed by a test Sigstore
//! instance the project trusts. The lock records each member's builder, and
//! a dependency updated by someone else stops the update.
//!
//! uv's wheel comes from `DEVENV_TEST_UV_WHEEL`, as for the other Python
//! application tests (under `DEVENV_TEST_REQUIRE_ALL=1` its absence fails).

use crate::common;
use crate::provenance_lock::{SETTINGS, pypi_provenance};
use crate::pypi_apps::{PYTHON, index, metadata, publish, wheel};
use common::server::FixtureServer;
use common::sigstore::{Signer, TestSigstore};
use common::{World, sha256_hex};

const PEP_740: &str = "https://docs.pypi.org/attestations/publish/v1";

fn integrity_path(project: &str, version: &str, file: &str) -> String {
    format!("/integrity/{project}/{version}/{file}/provenance")
}

/// Serves `project`'s wheel `body` as `file`, with its PEP 740 provenance
/// signed by `signer` (`None`: the Integrity API has nothing for it).
/// Returns the log index the attestation was entered at.
fn serve(
    s: &FixtureServer,
    sigstore: &TestSigstore,
    signer: Option<(&Signer, &str)>,
    project: &str,
    file: &str,
    body: &[u8],
    requires: &[&str],
) -> Option<i64> {
    let version = file.split('-').nth(1).unwrap();
    publish(
        s,
        project,
        file,
        body,
        Some(&metadata(project, version, requires)),
        None,
    );
    let (signer, repo) = signer?;
    let bundle = sigstore.attest(signer, &[(file, "sha256", &sha256_hex(body))], PEP_740);
    s.add_text(
        &integrity_path(project, version, file),
        &pypi_provenance(&bundle, repo),
    );
    let index = &bundle["verificationMaterial"]["tlogEntries"][0]["logIndex"];
    Some(index.as_str().unwrap().parse().unwrap())
}

const APP: &str = "greet_app-2.1-py3-none-any.whl";
const LIB: &str = "greet_lib-1.0-py3-none-any.whl";
const CORE: &str = "greet_core-1.2-py3-none-any.whl";

fn app_wheel() -> Vec<u8> {
    wheel(
        "greet_app",
        "2.1",
        &["greet-lib>=1"],
        &[(
            "greet_app/__init__.py",
            "import greet_lib\ndef main():\n    print(greet_lib.hello())\n",
        )],
        "greet = greet_app:main\n",
    )
}

fn lib_wheel(version: &str) -> Vec<u8> {
    wheel(
        "greet_lib",
        version,
        &["greet-core>=1"],
        &[(
            "greet_lib/__init__.py",
            "import greet_core\ndef hello():\n    return greet_core.WORD + ' from lib'\n",
        )],
        "",
    )
}

/// The application tree: `greet-app` built by acme, `greet-lib` 1.0 by
/// alice, `greet-core` with no provenance published; and a project that
/// trusts the test instance. `None` when uv is not available.
struct Tree {
    s: FixtureServer,
    sigstore: TestSigstore,
    w: World,
    app: Signer,
    alice: Signer,
    app_log: i64,
    lib_log: i64,
}

fn tree() -> Option<Tree> {
    let s = index(false)?;
    let sigstore = TestSigstore::new();
    let app = Signer::github("acme/greet-app");
    let alice = Signer::github("alice/greet-lib");
    let app_log = serve(
        &s,
        &sigstore,
        Some((&app, "acme/greet-app")),
        "greet-app",
        APP,
        &app_wheel(),
        &["greet-lib>=1"],
    )
    .unwrap();
    let lib_log = serve(
        &s,
        &sigstore,
        Some((&alice, "alice/greet-lib")),
        "greet-lib",
        LIB,
        &lib_wheel("1.0"),
        &["greet-core>=1"],
    )
    .unwrap();
    let w = World::new().with_env("DEVENV_PYPI_URL", &s.base());
    w.write("trusted_root.json", sigstore.trusted_root());
    w.manifest(&format!(
        "[tools]\n{PYTHON}\"pypi:greet-app\" = \"2\"\n{SETTINGS}"
    ));
    Some(Tree {
        s,
        sigstore,
        w,
        app,
        alice,
        app_log,
        lib_log,
    })
}

fn artifact(w: &World, platform: &str) -> toml::Value {
    let lock: toml::Table = w.lockfile().parse().unwrap();
    lock["tools"]["pypi:greet-app"]["artifacts"][platform].clone()
}

fn member<'a>(artifact: &'a toml::Value, path: &str) -> &'a toml::Value {
    artifact["members"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["path"].as_str() == Some(path))
        .unwrap_or_else(|| panic!("no member {path} in {artifact}"))
}

#[test]
fn a_pypi_application_tree_locks_each_members_builder() {
    let Some(t) = tree() else { return };
    let w = &t.w;
    w.run(&["lock"]).ok();
    let lock = w.lockfile();
    for platform in ["linux-x86_64", "macos-aarch64"] {
        let a = artifact(w, platform);
        // The tree's own record is the application's wheel's.
        let own = &a["provenance"];
        assert_eq!(own["status"].as_str(), Some("verified"), "{lock}");
        assert_eq!(own["identity"].as_str(), Some(t.app.identity.as_str()));
        assert_eq!(own["issuer"].as_str(), Some(t.app.issuer.as_str()));
        assert_eq!(own["log_index"].as_integer(), Some(t.app_log));
        let app = &member(&a, "site-packages/greet-app")["provenance"];
        assert_eq!(app["identity"].as_str(), Some(t.app.identity.as_str()));
        // The dependency has its own builder, issuer and log entry.
        let lib = &member(&a, "site-packages/greet-lib")["provenance"];
        assert_eq!(lib["status"].as_str(), Some("verified"), "{lock}");
        assert_eq!(lib["identity"].as_str(), Some(t.alice.identity.as_str()));
        assert_eq!(lib["issuer"].as_str(), Some(t.alice.issuer.as_str()));
        assert_eq!(lib["log_index"].as_integer(), Some(t.lib_log));
        // A member the index publishes nothing for is recorded as such.
        let core = &member(&a, "site-packages/greet-core")["provenance"];
        assert_eq!(core["status"].as_str(), Some("none"), "{lock}");
        assert!(core.get("identity").is_none(), "{lock}");
    }
    // Each wheel was asked about once, for both platforms.
    let asked = |s: &FixtureServer| {
        [
            ("greet-app", "2.1", APP),
            ("greet-lib", "1.0", LIB),
            ("greet-core", "1.2", CORE),
        ]
        .map(|(p, v, f)| s.hits(&integrity_path(p, v, f)))
    };
    assert_eq!(asked(&t.s), [1, 1, 1]);
    // Shown to people: the application's builder, and how many of the
    // tree's packages are verified.
    let on_linux = [("DEVENV_PLATFORM", "linux-x86_64")];
    let listed = w.run_env(&["list", "--provenance"], &on_linux).ok();
    let expected = format!(
        "verified: {} (issuer https://token.actions.githubusercontent.com); 2 of 3 packages verified",
        t.app.identity
    );
    assert!(listed.stdout.contains(&expected), "{}", listed.stdout);
    // Relocking asks nothing again; the audit re-verifies the members'
    // kept bundles offline.
    w.run(&["lock"]).ok();
    assert_eq!(w.lockfile(), lock);
    assert_eq!(asked(&t.s), [1, 1, 1]);
    w.run(&["verify", "--offline"]).ok().stderr_has(
        "provenance: 2 artifacts verified again offline, 1 not published, 0 not checked when locked",
    );
    // A stated identity is the application's builder, not a dependency's.
    let stating = |who: &str| {
        w.manifest(&format!(
            "[tools]\n{PYTHON}\"pypi:greet-app\" = {{ version = \"2\", provenance = \"{who}\" }}\n{SETTINGS}"
        ));
    };
    stating(&t.alice.identity);
    w.run(&["lock"])
        .fails(1)
        .stderr_has(&format!(
            "pypi:greet-app 2.1 for linux-x86_64 was built by {}",
            t.app.identity
        ))
        .stderr_has(&format!("devenv.toml requires {}", t.alice.identity));
    stating(&t.app.identity);
    w.run(&["lock"]).ok();
}

#[test]
fn a_pypi_dependency_built_by_someone_else_stops_the_update() {
    let Some(t) = tree() else { return };
    let w = &t.w;
    w.run(&["lock"]).ok();
    let locked = w.lockfile();
    // greet-lib 1.1 comes from another repository; the application is
    // unchanged.
    let mallory = Signer::github("mallory/greet-lib");
    let file = "greet_lib-1.1-py3-none-any.whl";
    serve(
        &t.s,
        &t.sigstore,
        Some((&mallory, "mallory/greet-lib")),
        "greet-lib",
        file,
        &lib_wheel("1.1"),
        &["greet-core>=1"],
    );
    w.run(&["update"])
        .fails(1)
        .stderr_has(&format!(
            "pypi:greet-app: greet-lib 1.1 was built by {}",
            mallory.identity
        ))
        .stderr_has(&format!("the locked 1.0 was built by {}", t.alice.identity))
        .stderr_has("devenv.lock was not written");
    assert_eq!(t.s.hits(&integrity_path("greet-lib", "1.1", file)), 1);
    assert_eq!(w.lockfile(), locked, "the lock keeps the trusted tree");
}

/// A dependency another tool of the project shares, or already locked from
/// someone else, is no exception: each tool's tree keeps its own pin.
#[test]
fn a_dependency_another_tool_shares_keeps_each_tools_pin() {
    let Some(t) = tree() else { return };
    let w = &t.w;
    w.run(&["lock"]).ok();
    let locked = w.lockfile();
    // greet-lib 1.1 comes from someone else, and a second application
    // that needs it is added (named to come first in the lock).
    let mallory = Signer::github("mallory/greet-lib");
    serve(
        &t.s,
        &t.sigstore,
        Some((&mallory, "mallory/greet-lib")),
        "greet-lib",
        "greet_lib-1.1-py3-none-any.whl",
        &lib_wheel("1.1"),
        &["greet-core>=1"],
    );
    let cheer = wheel(
        "cheer_app",
        "1.0",
        &["greet-lib>=1"],
        &[(
            "cheer_app/__init__.py",
            "import greet_lib\ndef main():\n    print(greet_lib.hello() + '!')\n",
        )],
        "cheer = cheer_app:main\n",
    );
    serve(
        &t.s,
        &t.sigstore,
        None,
        "cheer-app",
        "cheer_app-1.0-py3-none-any.whl",
        &cheer,
        &["greet-lib>=1"],
    );
    w.manifest(&format!(
        "[tools]\n{PYTHON}\"pypi:cheer-app\" = \"1\"\n\"pypi:greet-app\" = \"2\"\n{SETTINGS}"
    ));
    let refused = |out: common::Output| {
        out.fails(1)
            .stderr_has(&format!(
                "pypi:greet-app: greet-lib 1.1 was built by {}",
                mallory.identity
            ))
            .stderr_has(&format!("the locked 1.0 was built by {}", t.alice.identity));
    };
    // Both trees take greet-lib 1.1, looked up once: greet-app's pin holds
    // although cheer-app, new to the project, has none.
    refused(w.run(&["update"]));
    assert_eq!(w.lockfile(), locked);
    // Locking adds cheer-app alone: new to the project, it pins what it
    // finds, and greet-app keeps its tree.
    w.run(&["lock"]).ok();
    let lib_of = |tool: &str| {
        let lock: toml::Table = w.lockfile().parse().unwrap();
        let a = &lock["tools"][tool]["artifacts"]["linux-x86_64"];
        let m = member(a, "site-packages/greet-lib");
        (
            m["url"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_string(),
            m["provenance"]["identity"].as_str().map(str::to_string),
        )
    };
    assert_eq!(
        lib_of("pypi:cheer-app"),
        (
            "greet_lib-1.1-py3-none-any.whl".to_string(),
            Some(mallory.identity.clone())
        )
    );
    assert_eq!(
        lib_of("pypi:greet-app"),
        (LIB.to_string(), Some(t.alice.identity.clone()))
    );
    // Updating greet-app to the greet-lib the lock already records (for
    // cheer-app) is still a change of greet-app's builder.
    let locked = w.lockfile();
    refused(w.run(&["update"]));
    assert_eq!(w.lockfile(), locked);
}
