//! `cargo xtask dist` and `cargo xtask install`: the release build of
//! devenv as it is meant to be run.
//!
//! On Linux with glibc the binary is linked static-pie
//! (`-C target-feature=+crt-static`). devenv starts at every prompt that
//! enters a project and for every `devenv exec`; a dynamically linked
//! binary spends about a third of that start-up in the dynamic loader
//! (mapping libc, libm and libgcc_s, binding their symbols, relocating
//! against them), which a static-pie binary does not have. It keeps ASLR:
//! the binary relocates itself at start. The target is passed explicitly
//! (`--target HOST`) because cargo applies `crt-static` to proc-macros
//! otherwise, which cannot be linked statically; the build goes to
//! `target/HOST/release/`. On other hosts it is the plain release build.
//!
//! Name lookups (DNS, users) still go through glibc's NSS: `files` and
//! `dns` are built into a static glibc; other NSS modules are loaded from
//! the machine's glibc, which is the one the binary was linked against
//! when it is built where it runs, as `install` does.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The cargo that runs this task (cargo sets `CARGO` for `cargo run`).
fn cargo() -> String {
    #[allow(clippy::disallowed_methods)] // a build tool's own variables
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string())
}

/// The host's target triple, from `rustc -vV`.
fn host() -> Result<String> {
    #[allow(clippy::disallowed_methods)]
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    let out = Command::new(&rustc)
        .arg("-vV")
        .output()
        .with_context(|| format!("cannot run `{rustc} -vV`"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(str::to_string)
        .with_context(|| format!("`{rustc} -vV` did not name the host"))
}

/// Whether the host's builds are linked static-pie.
pub(crate) fn static_pie(host: &str) -> bool {
    host.ends_with("-linux-gnu")
}

/// Build devenv for release; returns the binary's path.
pub(crate) fn dist(workspace: &Path) -> Result<PathBuf> {
    let host = host()?;
    let mut cmd = Command::new(cargo());
    cmd.current_dir(workspace).args([
        "build",
        "--release",
        "--locked",
        "-p",
        "devenv",
        "--bin",
        "devenv",
        "--message-format=json-render-diagnostics",
    ]);
    if static_pie(&host) {
        #[allow(clippy::disallowed_methods)]
        let mut flags = std::env::var("RUSTFLAGS").unwrap_or_default();
        flags.push_str(" -C target-feature=+crt-static");
        cmd.args(["--target", &host]).env("RUSTFLAGS", flags.trim());
    }
    cmd.stderr(std::process::Stdio::inherit());
    let out = cmd.output().context("cannot run cargo")?;
    if !out.status.success() {
        bail!(
            "the release build failed (see above){}",
            if static_pie(&host) {
                "; a static build needs glibc's static library (Debian/Ubuntu: libc6-dev, \
                 Fedora: glibc-static); `cargo install --path .` builds a dynamically linked devenv instead"
            } else {
                ""
            }
        );
    }
    let binary = executable(&String::from_utf8_lossy(&out.stdout))
        .context("cargo did not report the devenv binary it built")?;
    if static_pie(&host) {
        let bytes =
            std::fs::read(&binary).with_context(|| format!("cannot read {}", binary.display()))?;
        if elf_interpreter(&bytes)? {
            bail!(
                "{} was linked dynamically although +crt-static was asked for; \
                 check RUSTFLAGS and .cargo/config.toml for a linker setting that overrides it",
                binary.display()
            );
        }
    }
    Ok(binary)
}

/// The `executable` of the devenv binary in cargo's JSON messages.
fn executable(messages: &str) -> Option<PathBuf> {
    messages.lines().rev().find_map(|line| {
        let msg: serde_json::Value = serde_json::from_str(line).ok()?;
        (msg["reason"] == "compiler-artifact" && msg["target"]["name"] == "devenv")
            .then(|| msg["executable"].as_str().map(PathBuf::from))
            .flatten()
    })
}

/// Whether an ELF executable names a program interpreter (`PT_INTERP`),
/// i.e. is dynamically linked. Only 64-bit little-endian ELF is read.
pub(crate) fn elf_interpreter(bytes: &[u8]) -> Result<bool> {
    let u16_at = |at: usize| -> Option<u16> {
        Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
    };
    let u32_at = |at: usize| -> Option<u32> {
        Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
    };
    let u64_at = |at: usize| -> Option<u64> {
        Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
    };
    if bytes.get(..6) != Some(b"\x7fELF\x02\x01".as_slice()) {
        bail!("not a 64-bit little-endian ELF file");
    }
    let header = || -> Option<bool> {
        let phoff = usize::try_from(u64_at(0x20)?).ok()?;
        let entsize = usize::from(u16_at(0x36)?);
        let count = usize::from(u16_at(0x38)?);
        for i in 0..count {
            if u32_at(phoff.checked_add(i.checked_mul(entsize)?)?)? == 3 {
                return Some(true);
            }
        }
        Some(false)
    };
    header().context("its program headers are cut short")
}

/// Build, then copy the binary to `root/bin/devenv` (replacing it
/// atomically, so a shell running the old one is never left without one).
pub(crate) fn install(workspace: &Path, root: &Path) -> Result<PathBuf> {
    let binary = dist(workspace)?;
    let bin = root.join("bin");
    std::fs::create_dir_all(&bin).with_context(|| format!("cannot create {}", bin.display()))?;
    let dest = bin.join("devenv");
    let staging = bin.join(format!(".devenv.{}.tmp", std::process::id()));
    std::fs::copy(&binary, &staging)
        .with_context(|| format!("cannot copy {} to {}", binary.display(), staging.display()))?;
    std::fs::rename(&staging, &dest).with_context(|| {
        let _ = std::fs::remove_file(&staging);
        format!("cannot move devenv into {}", dest.display())
    })?;
    Ok(dest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glibc_linux_hosts_link_static_pie_and_others_do_not() {
        assert!(static_pie("x86_64-unknown-linux-gnu"));
        assert!(static_pie("aarch64-unknown-linux-gnu"));
        assert!(!static_pie("x86_64-unknown-linux-musl"));
        assert!(!static_pie("aarch64-apple-darwin"));
    }

    #[test]
    fn an_interpreter_is_found_in_a_dynamic_executable_and_not_in_a_static_one() {
        // This test binary itself is dynamically linked on Linux.
        #[cfg(target_os = "linux")]
        {
            let me = std::fs::read(std::env::current_exe().unwrap()).unwrap();
            assert!(elf_interpreter(&me).unwrap());
        }
        // A minimal ELF header with one program header of type PT_LOAD.
        let mut elf = vec![0u8; 64 + 56];
        elf[..6].copy_from_slice(b"\x7fELF\x02\x01");
        elf[0x20..0x28].copy_from_slice(&64u64.to_le_bytes());
        elf[0x36..0x38].copy_from_slice(&56u16.to_le_bytes());
        elf[0x38..0x3a].copy_from_slice(&1u16.to_le_bytes());
        elf[64..68].copy_from_slice(&1u32.to_le_bytes());
        assert!(!elf_interpreter(&elf).unwrap());
        elf[64..68].copy_from_slice(&3u32.to_le_bytes());
        assert!(elf_interpreter(&elf).unwrap());
        elf.truncate(66);
        assert!(elf_interpreter(&elf).is_err());
        assert!(elf_interpreter(b"#!/bin/sh\n").is_err());
    }

    #[test]
    fn the_devenv_executable_is_read_from_cargos_messages() {
        let messages = r#"{"reason":"compiler-artifact","target":{"name":"devenv_model"},"executable":null}
{"reason":"compiler-artifact","target":{"name":"devenv"},"executable":"/w/target/x86_64-unknown-linux-gnu/release/devenv"}
{"reason":"build-finished","success":true}"#;
        assert_eq!(
            executable(messages),
            Some(PathBuf::from(
                "/w/target/x86_64-unknown-linux-gnu/release/devenv"
            ))
        );
        assert_eq!(executable("{\"reason\":\"build-finished\"}"), None);
    }
}
