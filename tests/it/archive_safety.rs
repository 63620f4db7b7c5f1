//! `archive::unpack`: every format round-trips, and hostile archives are
//! refused without writing anything outside the extraction directory.

use crate::common;
use common::archives;

use archives::{Entry, script};
use devenv_store::archive::{Format, unpack};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// A scratch directory with the archive at `work/artifact` and the
/// extraction directory at `work/root/out` (so `..` from `out` lands in
/// `root`, where a test can look for escaped files).
struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    fn new() -> Scratch {
        Scratch {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn out(&self) -> PathBuf {
        self.dir.path().join("root/out")
    }

    fn unpack(&self, bytes: &[u8], format: Format) -> anyhow::Result<()> {
        let artifact = self.dir.path().join("artifact");
        fs::write(&artifact, bytes).unwrap();
        fs::create_dir_all(self.out()).unwrap();
        unpack(&artifact, format, &self.out(), "tool")
    }

    /// Unpacks, expecting a refusal; returns the message.
    fn refused(&self, bytes: &[u8], format: Format) -> String {
        let err = self
            .unpack(bytes, format)
            .expect_err("the archive should be refused");
        format!("{err:#}")
    }

    /// Every path under the scratch root outside `out` (and the artifact).
    fn strays(&self) -> Vec<PathBuf> {
        let root = self.dir.path().join("root");
        fs::read_dir(&root)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| *p != self.out())
            .collect()
    }
}

fn mode(path: &Path) -> u32 {
    fs::symlink_metadata(path).unwrap().permissions().mode() & 0o7777
}

fn sample() -> Vec<Entry> {
    vec![
        Entry::dir("tool-1.0/"),
        Entry::dir("tool-1.0/bin/"),
        Entry::file("tool-1.0/bin/tool", &script("echo hi"), 0o755),
        Entry::file("tool-1.0/README", b"read me\n", 0o644),
        Entry::file("tool-1.0/lib/deep/data.txt", b"data", 0o600),
        Entry::symlink("tool-1.0/bin/alias", "tool"),
        Entry::symlink("tool-1.0/lib/up", "../README"),
    ]
}

fn assert_sample_tree(out: &Path) {
    assert_eq!(fs::read(out.join("bin/tool")).unwrap(), script("echo hi"));
    assert_eq!(mode(&out.join("bin/tool")), 0o755);
    assert_eq!(mode(&out.join("README")), 0o644);
    assert_eq!(mode(&out.join("lib/deep/data.txt")), 0o644);
    assert_eq!(mode(&out.join("lib")), 0o755);
    assert_eq!(
        fs::read_link(out.join("bin/alias")).unwrap(),
        Path::new("tool")
    );
    assert_eq!(fs::read(out.join("lib/up")).unwrap(), b"read me\n");
    assert!(
        !out.join("tool-1.0").exists(),
        "the single top-level directory is stripped"
    );
}

#[test]
fn tar_gz_round_trips() {
    let s = Scratch::new();
    s.unpack(&archives::tar_gz(&sample()), Format::TarGz)
        .unwrap();
    assert_sample_tree(&s.out());
}

#[test]
fn tar_xz_round_trips() {
    let s = Scratch::new();
    s.unpack(&archives::tar_xz(&sample()), Format::TarXz)
        .unwrap();
    assert_sample_tree(&s.out());
}

#[test]
fn tar_zst_round_trips() {
    let s = Scratch::new();
    s.unpack(&archives::tar_zst(&sample()), Format::TarZst)
        .unwrap();
    assert_sample_tree(&s.out());
}

#[test]
fn zip_round_trips() {
    let s = Scratch::new();
    s.unpack(&archives::zip(&sample()), Format::Zip).unwrap();
    assert_sample_tree(&s.out());
}

#[test]
fn binary_is_installed_as_an_executable() {
    let s = Scratch::new();
    s.unpack(&script("echo bare"), Format::Binary).unwrap();
    let tool = s.out().join("bin/tool");
    assert_eq!(fs::read(&tool).unwrap(), script("echo bare"));
    assert_eq!(mode(&tool), 0o755);
}

#[test]
fn several_top_level_entries_are_kept() {
    let s = Scratch::new();
    let entries = [
        Entry::file("a/x", b"x", 0o644),
        Entry::file("b", b"b", 0o644),
    ];
    s.unpack(&archives::tar_gz(&entries), Format::TarGz)
        .unwrap();
    assert_eq!(fs::read(s.out().join("a/x")).unwrap(), b"x");
    assert_eq!(fs::read(s.out().join("b")).unwrap(), b"b");
}

#[test]
fn a_single_top_level_file_is_not_hoisted() {
    let s = Scratch::new();
    s.unpack(
        &archives::tar_gz(&[Entry::file("only", b"1", 0o644)]),
        Format::TarGz,
    )
    .unwrap();
    assert_eq!(fs::read(s.out().join("only")).unwrap(), b"1");
}

#[test]
fn stripping_handles_a_child_named_like_its_parent() {
    let s = Scratch::new();
    let entries = [
        Entry::file("pkg/pkg/inner.txt", b"inner", 0o644),
        Entry::file("pkg/other", b"other", 0o644),
        Entry::file("pkg/.devenv-hoist-0", b"tricky", 0o644),
    ];
    s.unpack(&archives::tar_gz(&entries), Format::TarGz)
        .unwrap();
    assert_eq!(fs::read(s.out().join("pkg/inner.txt")).unwrap(), b"inner");
    assert_eq!(fs::read(s.out().join("other")).unwrap(), b"other");
    assert_eq!(
        fs::read(s.out().join(".devenv-hoist-0")).unwrap(),
        b"tricky"
    );
    assert_eq!(fs::read_dir(s.out()).unwrap().count(), 3);
}

#[test]
fn long_names_survive() {
    let s = Scratch::new();
    let long = format!("top/{}/file", "d".repeat(150));
    s.unpack(
        &archives::tar_gz(&[Entry::file(&long, b"deep", 0o644)]),
        Format::TarGz,
    )
    .unwrap();
    assert_eq!(
        fs::read(s.out().join(format!("{}/file", "d".repeat(150)))).unwrap(),
        b"deep"
    );
}

#[test]
fn dot_dot_is_refused() {
    for format in [Format::TarGz, Format::Zip] {
        let s = Scratch::new();
        let entries = [
            Entry::file("ok", b"fine", 0o644),
            Entry::file("../escaped", b"pwned", 0o644),
        ];
        let bytes = if format == Format::Zip {
            archives::zip(&entries)
        } else {
            archives::tar_gz(&entries)
        };
        let msg = s.refused(&bytes, format);
        assert_eq!(
            msg,
            "archive entry \"../escaped\" escapes the extraction directory; refusing to install it"
        );
        assert!(s.strays().is_empty(), "{:?}", s.strays());
    }
}

#[test]
fn nested_dot_dot_is_refused() {
    let s = Scratch::new();
    let msg = s.refused(
        &archives::tar_gz(&[Entry::file("a/../../escaped", b"pwned", 0o644)]),
        Format::TarGz,
    );
    assert!(
        msg.contains("\"a/../../escaped\" escapes the extraction directory"),
        "{msg}"
    );
    assert!(s.strays().is_empty());
}

#[test]
fn absolute_paths_are_refused() {
    let s = Scratch::new();
    let target = s.dir.path().join("root/abs-escaped");
    let entries = [Entry::file(target.to_str().unwrap(), b"pwned", 0o644)];
    let msg = s.refused(&archives::tar_gz(&entries), Format::TarGz);
    assert!(
        msg.contains("has an absolute path; refusing to install it"),
        "{msg}"
    );
    assert!(!target.exists());
}

#[test]
fn symlinks_out_of_the_tree_are_refused() {
    for target in ["/etc", "../../outside", "a/../../..", ""] {
        for format in [Format::TarGz, Format::Zip] {
            let s = Scratch::new();
            let entries = [Entry::dir("a/"), Entry::symlink("link", target)];
            let bytes = if format == Format::Zip {
                archives::zip(&entries)
            } else {
                archives::tar_gz(&entries)
            };
            let msg = s.refused(&bytes, format);
            assert!(
                msg.starts_with("archive entry \"link\" is a symlink"),
                "{target}: {msg}"
            );
            assert!(msg.ends_with("refusing to install it"), "{msg}");
        }
    }
}

#[test]
fn writing_through_an_outside_symlink_is_refused() {
    let s = Scratch::new();
    let outside = s.dir.path().join("root");
    let entries = [
        Entry::symlink("a", outside.to_str().unwrap()),
        Entry::file("a/evil", b"pwned", 0o644),
    ];
    let msg = s.refused(&archives::tar_gz(&entries), Format::TarGz);
    assert!(
        msg.contains("\"a\" is a symlink to an absolute path"),
        "{msg}"
    );
    assert!(s.strays().is_empty());
}

#[test]
fn writing_through_an_inside_symlink_is_refused() {
    let s = Scratch::new();
    let entries = [
        Entry::dir("sub/"),
        Entry::symlink("link", "sub"),
        Entry::file("link/file", b"x", 0o644),
    ];
    let msg = s.refused(&archives::tar_gz(&entries), Format::TarGz);
    assert_eq!(
        msg,
        "archive entry \"link/file\" would be written through the symlink \"link\"; refusing to install it"
    );
}

#[test]
fn a_file_replacing_a_symlink_does_not_write_through_it() {
    let s = Scratch::new();
    let entries = [
        Entry::file("real", b"original", 0o644),
        Entry::symlink("link", "real"),
        Entry::file("link", b"new", 0o644),
    ];
    s.unpack(&archives::tar_gz(&entries), Format::TarGz)
        .unwrap();
    assert_eq!(fs::read(s.out().join("real")).unwrap(), b"original");
    assert_eq!(fs::read(s.out().join("link")).unwrap(), b"new");
}

#[test]
fn symlink_chains_are_judged_by_where_they_really_point() {
    // `c -> x/..` looks like `.` until `x -> .` exists; then it is the parent.
    let s = Scratch::new();
    let entries = [
        Entry::file("f", b"f", 0o644),
        Entry::symlink("c", "x/.."),
        Entry::symlink("x", "."),
    ];
    let msg = s.refused(&archives::tar_gz(&entries), Format::TarGz);
    assert!(
        msg.contains("\"c\" is a symlink that points outside the extraction directory"),
        "{msg}"
    );
}

#[test]
fn symlinks_that_stay_inside_are_kept_after_stripping() {
    let s = Scratch::new();
    let entries = [
        Entry::file("top/lib/libx.so.1", b"elf", 0o755),
        Entry::symlink("top/lib/libx.so", "libx.so.1"),
        Entry::symlink("top/bin/x", "../lib/libx.so"),
    ];
    s.unpack(&archives::tar_gz(&entries), Format::TarGz)
        .unwrap();
    assert_eq!(fs::read(s.out().join("bin/x")).unwrap(), b"elf");
}

#[test]
fn a_link_into_the_stripped_directory_by_name_is_refused() {
    // Inside before stripping, outside after: `top/a -> ../top/b`.
    let s = Scratch::new();
    let entries = [
        Entry::file("top/b", b"b", 0o644),
        Entry::symlink("top/a", "../top/b"),
    ];
    let msg = s.refused(&archives::tar_gz(&entries), Format::TarGz);
    assert!(
        msg.contains("\"a\" is a symlink that points outside"),
        "{msg}"
    );
}

#[test]
fn symlink_loops_are_refused() {
    let s = Scratch::new();
    let entries = [
        Entry::file("f", b"f", 0o644),
        Entry::symlink("a", "b"),
        Entry::symlink("b", "a"),
    ];
    let msg = s.refused(&archives::tar_gz(&entries), Format::TarGz);
    assert!(msg.contains("is a symlink that loops"), "{msg}");
}

#[test]
fn hardlinks_to_earlier_files_work() {
    let s = Scratch::new();
    let entries = [
        Entry::file("top/bin/tool", &script("echo x"), 0o755),
        Entry::hardlink("top/bin/same", "top/bin/tool"),
    ];
    s.unpack(&archives::tar_gz(&entries), Format::TarGz)
        .unwrap();
    assert_eq!(
        fs::read(s.out().join("bin/same")).unwrap(),
        script("echo x")
    );
    assert_eq!(mode(&s.out().join("bin/same")), 0o755);
}

#[test]
fn hardlinks_out_of_the_tree_are_refused() {
    let s = Scratch::new();
    fs::create_dir_all(s.dir.path().join("root")).unwrap();
    fs::write(s.dir.path().join("root/secret"), b"secret").unwrap();
    let absolute = s.dir.path().join("root/secret");
    for target in ["../secret", absolute.to_str().unwrap(), "not-yet-written"] {
        let entries = [
            Entry::hardlink("h", target),
            Entry::file("not-yet-written", b"x", 0o644),
        ];
        let msg = s.refused(&archives::tar_gz(&entries), Format::TarGz);
        assert_eq!(
            msg,
            format!(
                "archive entry \"h\" is a hard link to \"{target}\", which is not an earlier file of the archive; \
                 refusing to install it"
            )
        );
        assert!(!s.out().join("h").exists());
    }
}

#[test]
fn device_nodes_and_fifos_are_refused() {
    let s = Scratch::new();
    let msg = s.refused(
        &archives::tar_gz(&[Entry::char_device("dev/null")]),
        Format::TarGz,
    );
    assert_eq!(
        msg,
        "archive entry \"dev/null\" is a character device; refusing to install it"
    );
    let s = Scratch::new();
    let msg = s.refused(&archives::tar_gz(&[Entry::fifo("pipe")]), Format::TarGz);
    assert_eq!(
        msg,
        "archive entry \"pipe\" is a FIFO (named pipe); refusing to install it"
    );
}

#[test]
fn special_mode_bits_are_stripped() {
    let s = Scratch::new();
    let entries = [
        Entry::file("setuid", b"x", 0o4755),
        Entry::file("setgid", b"x", 0o2750),
        Entry::file("sticky", b"x", 0o1644),
        Entry::file("group-exec", b"x", 0o610),
    ];
    s.unpack(&archives::tar_gz(&entries), Format::TarGz)
        .unwrap();
    assert_eq!(mode(&s.out().join("setuid")), 0o755);
    assert_eq!(mode(&s.out().join("setgid")), 0o755);
    assert_eq!(mode(&s.out().join("sticky")), 0o644);
    assert_eq!(mode(&s.out().join("group-exec")), 0o755);
}

#[test]
fn wheel_scripts_become_executable() {
    let s = Scratch::new();
    let entries = [
        Entry::file("ruff/__init__.py", b"", 0o644),
        Entry::file("ruff-0.7.0.data/scripts/ruff", b"\x7fELF", 0o644),
        Entry::file("ruff-0.7.0.dist-info/RECORD", b"", 0o644),
    ];
    s.unpack(&archives::zip(&entries), Format::Zip).unwrap();
    assert_eq!(mode(&s.out().join("ruff-0.7.0.data/scripts/ruff")), 0o755);
    assert_eq!(mode(&s.out().join("ruff/__init__.py")), 0o644);
}

#[test]
fn corrupt_archives_are_errors_naming_the_format() {
    let garbage = b"this is not an archive at all, just some bytes".repeat(20);
    for format in [Format::TarGz, Format::TarXz, Format::TarZst, Format::Zip] {
        let s = Scratch::new();
        let msg = s.refused(&garbage, format);
        assert!(
            msg.starts_with(&format!("could not read the {} archive: ", format.as_str())),
            "{msg}"
        );
    }
}

#[test]
fn truncated_archives_are_errors() {
    let big = archives::big_tar_gz(300_000);
    let builders: [(Format, Vec<u8>); 4] = [
        (Format::TarGz, big.clone()),
        (Format::TarXz, archives::tar_xz(&sample())),
        (Format::TarZst, archives::tar_zst(&sample())),
        (Format::Zip, archives::zip(&sample())),
    ];
    for (format, bytes) in builders {
        for cut in [bytes.len() / 2, bytes.len() - 5] {
            let s = Scratch::new();
            let msg = s.refused(&bytes[..cut], format);
            assert!(
                msg.starts_with(&format!("could not read the {} archive: ", format.as_str())),
                "{msg}"
            );
        }
    }
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    fn valid(format: Format) -> Vec<u8> {
        match format {
            Format::TarGz => archives::tar_gz(&sample()),
            Format::TarXz => archives::tar_xz(&sample()),
            Format::TarZst => archives::tar_zst(&sample()),
            _ => archives::zip(&sample()),
        }
    }

    fn format() -> impl Strategy<Value = Format> {
        prop_oneof![
            Just(Format::TarGz),
            Just(Format::TarXz),
            Just(Format::TarZst),
            Just(Format::Zip)
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// Damaged archives fail or succeed, but never panic or write outside.
        #[test]
        fn damaged_archives_never_panic(format in format(), flips in prop::collection::vec((any::<usize>(), any::<u8>()), 1..8), cut in any::<usize>()) {
            let mut bytes = valid(format);
            for (at, byte) in flips {
                let at = at % bytes.len();
                bytes[at] ^= byte | 1;
            }
            bytes.truncate(bytes.len() - cut % (bytes.len() / 4));
            let s = Scratch::new();
            let _ = s.unpack(&bytes, format);
            prop_assert!(s.strays().is_empty());
        }

        /// Arbitrary bytes are refused with an error, never a panic.
        #[test]
        fn random_bytes_never_panic(format in format(), bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
            let s = Scratch::new();
            let _ = s.unpack(&bytes, format);
            prop_assert!(s.strays().is_empty());
        }
    }
}
