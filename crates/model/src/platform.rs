//! Platforms a lock can cover: an operating system and a CPU architecture,
//! and the one table of how every backend spells them.
//!
//! The spelling `linux-x86_64` is what users write in `settings.platforms`
//! and what the lock uses as table keys. Backends translate it to their own
//! vocabulary (`darwin`, `amd64`, `x64`, `aarch64-apple-darwin`...) only
//! through [`Platform::names`] and the alias lists of [`OS_TABLE`] and
//! [`ARCH_TABLE`]: adding a vocabulary is one column here, not a new copy
//! of the mapping in a backend.
//!
//! The machine's own platform is detected from the running binary (its
//! target OS and CPU) and, on Linux, from the C library the machine has
//! (glibc or musl), which decides between `-gnu` and `-musl` builds when
//! both are offered.

use std::fmt;
use std::str::FromStr;

/// An operating system devenv can pin toolchains for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Os {
    Linux,
    Macos,
}

/// A CPU architecture devenv can pin toolchains for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Arch {
    X86_64,
    Aarch64,
}

/// The C library of a Linux machine: which of a `-gnu` and a `-musl` build
/// runs natively. Not part of [`Platform`]: a lock entry names one artifact
/// per OS and CPU, and musl builds run on both kinds of machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Libc {
    Gnu,
    Musl,
}

/// One `os-arch` pair, e.g. `linux-x86_64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Platform {
    pub os: Os,
    pub arch: Arch,
}

/// A family of tools that spells platforms its own way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// devenv's own: `linux`/`macos`, `x86_64`/`aarch64`.
    Devenv,
    /// Go's GOOS/GOARCH: `linux`/`darwin`, `amd64`/`arm64` (Go, aqua,
    /// HashiCorp, most GitHub release assets).
    Go,
    /// Node.js and npm: `linux`/`darwin`, `x64`/`arm64`.
    Node,
    /// Zig's index: `linux`/`macos`, `x86_64`/`aarch64`.
    Zig,
    /// The Adoptium API: `linux`/`mac`, `x64`/`aarch64`.
    Adoptium,
}

/// One row of the OS table: the OS, its name in each [`Dialect`] (in the
/// enum's order), and the words release assets use for it.
pub struct OsRow {
    pub os: Os,
    pub(crate) names: [&'static str; 5],
    pub aliases: &'static [&'static str],
}

/// One row of the architecture table, like [`OsRow`].
pub struct ArchRow {
    pub arch: Arch,
    pub(crate) names: [&'static str; 5],
    pub aliases: &'static [&'static str],
}

/// Every OS, as each dialect spells it, and the words that name it in asset
/// file names (compared case-insensitively, as whole words).
pub const OS_TABLE: [OsRow; 2] = [
    OsRow {
        os: Os::Linux,
        names: ["linux", "linux", "linux", "linux", "linux"],
        aliases: &[
            "linux",
            "linux64",
            "unknown-linux-gnu",
            "unknown-linux-musl",
        ],
    },
    OsRow {
        os: Os::Macos,
        names: ["macos", "darwin", "darwin", "macos", "mac"],
        aliases: &[
            "darwin",
            "macos",
            "macosx",
            "osx",
            "apple-darwin",
            "apple",
            "mac",
        ],
    },
];

/// Every CPU architecture, as each dialect spells it, and the words that
/// name it in asset file names.
pub const ARCH_TABLE: [ArchRow; 2] = [
    ArchRow {
        arch: Arch::X86_64,
        names: ["x86_64", "amd64", "x64", "x86_64", "x64"],
        aliases: &["x86_64", "amd64", "x64", "x86-64", "64bit", "linux64"],
    },
    ArchRow {
        arch: Arch::Aarch64,
        names: ["aarch64", "arm64", "arm64", "aarch64", "aarch64"],
        aliases: &["aarch64", "arm64", "armv8"],
    },
];

impl Os {
    pub(crate) fn as_str(self) -> &'static str {
        self.row().names[Dialect::Devenv as usize]
    }

    /// This OS's row of [`OS_TABLE`].
    pub fn row(self) -> &'static OsRow {
        OS_TABLE
            .iter()
            .find(|r| r.os == self)
            .expect("every Os has a row")
    }
}

impl Arch {
    pub(crate) fn as_str(self) -> &'static str {
        self.row().names[Dialect::Devenv as usize]
    }

    /// This architecture's row of [`ARCH_TABLE`].
    pub fn row(self) -> &'static ArchRow {
        ARCH_TABLE
            .iter()
            .find(|r| r.arch == self)
            .expect("every Arch has a row")
    }
}

impl Libc {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Libc::Gnu => "gnu",
            Libc::Musl => "musl",
        }
    }
}

/// Why this machine's platform could not be determined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformError(pub String);

impl fmt::Display for PlatformError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PlatformError {}

impl Platform {
    /// Every platform devenv knows, in lock order.
    pub const ALL: [Platform; 4] = [
        Platform {
            os: Os::Linux,
            arch: Arch::X86_64,
        },
        Platform {
            os: Os::Linux,
            arch: Arch::Aarch64,
        },
        Platform {
            os: Os::Macos,
            arch: Arch::X86_64,
        },
        Platform {
            os: Os::Macos,
            arch: Arch::Aarch64,
        },
    ];

    /// This platform's OS and CPU names in `dialect`.
    pub fn names(self, dialect: Dialect) -> (&'static str, &'static str) {
        (
            self.os.row().names[dialect as usize],
            self.arch.row().names[dialect as usize],
        )
    }

    /// The Rust target triple of this platform for `libc`.
    pub fn rust_target(self, libc: Libc) -> String {
        let arch = self.arch.as_str();
        match self.os {
            Os::Linux => format!("{arch}-unknown-linux-{}", libc.as_str()),
            Os::Macos => format!("{arch}-apple-darwin"),
        }
    }

    /// The platform and C library of this machine, or why devenv cannot
    /// serve it. `overridden` (`DEVENV_PLATFORM`: `linux-x86_64`,
    /// optionally with `-gnu` or `-musl`) replaces the detection, so tests
    /// and curious users can see what another machine would get; a
    /// malformed value is an error, never silently ignored. Asked once per
    /// process, by [`crate::config::Config`].
    pub(crate) fn detect_host(overridden: Option<&str>) -> Result<(Platform, Libc), PlatformError> {
        detect(overridden, std::env::consts::OS, host_arch(), host_libc)
    }

    /// All accepted spellings, for error messages.
    pub(crate) fn known_list() -> String {
        Platform::ALL
            .iter()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The platform for the override `env` (if set) or the machine described
/// by Rust's `os` and `arch` names, with `libc` asked on Linux.
fn detect(
    env: Option<&str>,
    os: &str,
    arch: &str,
    libc: impl Fn(Arch) -> Libc,
) -> Result<(Platform, Libc), PlatformError> {
    if let Some(value) = env.filter(|v| !v.is_empty()) {
        let (plat, libc) = match value.rsplit_once('-') {
            Some((p, "gnu")) => (p, Some(Libc::Gnu)),
            Some((p, "musl")) => (p, Some(Libc::Musl)),
            _ => (value, None),
        };
        let platform: Platform = plat.parse().map_err(|_| {
            PlatformError(format!(
                "DEVENV_PLATFORM is `{value}`, which is not a platform; use one of {} (a Linux one may end in `-gnu` or `-musl`), or unset it to use this machine's",
                Platform::known_list()
            ))
        })?;
        if platform.os != Os::Linux && libc.is_some() {
            return Err(PlatformError(format!(
                "DEVENV_PLATFORM is `{value}`, but only Linux platforms take `-gnu` or `-musl`"
            )));
        }
        return Ok((platform, libc.unwrap_or(Libc::Gnu)));
    }
    let os_found = match os {
        "linux" => Some(Os::Linux),
        "macos" => Some(Os::Macos),
        _ => None,
    };
    let arch_found = match arch {
        "x86_64" => Some(Arch::X86_64),
        "aarch64" => Some(Arch::Aarch64),
        _ => None,
    };
    match (os_found, arch_found) {
        (Some(os), Some(arch)) => {
            let libc = if os == Os::Linux {
                libc(arch)
            } else {
                Libc::Gnu
            };
            Ok((Platform { os, arch }, libc))
        }
        _ => Err(PlatformError(format!(
            "this machine is {os}-{arch}, and devenv pins toolchains only for {}; set DEVENV_PLATFORM to one of them to see what it would get there",
            Platform::known_list()
        ))),
    }
}

/// The machine's CPU as Rust names it: the binary's own, except for an
/// x86-64 devenv that macOS runs under Rosetta 2 on an arm64 Mac, which
/// answers `aarch64` — the tools it installs then run natively, and the
/// lock's `macos-aarch64` entries are the ones used, as by a native devenv
/// on the same Mac. [`rosetta_note`] says so to the user.
fn host_arch() -> &'static str {
    machine_arch(std::env::consts::OS, std::env::consts::ARCH, translated)
}

/// [`host_arch`] for the binary's `os` and `arch`; `translated` asks
/// macOS whether this process runs under Rosetta 2 (asked only where
/// it can be true).
fn machine_arch(os: &str, arch: &'static str, translated: impl Fn() -> bool) -> &'static str {
    if os == "macos" && arch == "x86_64" && translated() {
        "aarch64"
    } else {
        arch
    }
}

/// What devenv says when it runs translated by Rosetta 2: the tools are
/// the Mac's own (arm64), devenv itself is not. `None` elsewhere.
pub fn rosetta_note() -> Option<String> {
    rosetta_text(std::env::consts::OS, std::env::consts::ARCH, translated)
}

fn rosetta_text(os: &str, arch: &str, translated: impl Fn() -> bool) -> Option<String> {
    (os == "macos" && arch == "x86_64" && translated()).then(|| {
        "devenv is an x86-64 build running under Rosetta 2 on an arm64 Mac: it installs the arm64 (`macos-aarch64`) tools, which run natively; install the arm64 build of devenv to run devenv natively too".to_string()
    })
}

/// Whether macOS runs this process translated by Rosetta 2
/// (`sysctl.proc_translated` is 1); false on other systems, and where the
/// name does not exist (Intel Macs).
#[cfg(target_os = "macos")]
fn translated() -> bool {
    let mut value: libc::c_int = 0;
    let mut size = std::mem::size_of::<libc::c_int>();
    // SAFETY: the name is a NUL-terminated C string, `value` and `size`
    // are valid for writes of `size` bytes, and no new value is set.
    let rc = unsafe {
        libc::sysctlbyname(
            c"sysctl.proc_translated".as_ptr(),
            (&raw mut value).cast(),
            &raw mut size,
            std::ptr::null_mut(),
            0,
        )
    };
    rc == 0 && value == 1
}

#[cfg(not(target_os = "macos"))]
fn translated() -> bool {
    false
}

/// Whether this Linux machine runs on musl: it has musl's dynamic loader
/// for its CPU and not glibc's. The binary's own C library is no guide,
/// since devenv itself may be a static musl build on a glibc machine.
fn host_libc(arch: Arch) -> Libc {
    let (musl, glibc) = match arch {
        Arch::X86_64 => ("/lib/ld-musl-x86_64.so.1", "/lib64/ld-linux-x86-64.so.2"),
        Arch::Aarch64 => ("/lib/ld-musl-aarch64.so.1", "/lib/ld-linux-aarch64.so.1"),
    };
    let exists = |p: &str| std::path::Path::new(p).exists();
    if exists(musl) && !exists(glibc) {
        Libc::Musl
    } else {
        Libc::Gnu
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.os.as_str(), self.arch.as_str())
    }
}

impl FromStr for Platform {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Platform::ALL
            .into_iter()
            .find(|p| p.to_string() == s)
            .ok_or_else(|| {
                format!(
                    "unknown platform `{s}`; known platforms are {}",
                    Platform::known_list()
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_platform() {
        for p in Platform::ALL {
            assert_eq!(p.to_string().parse::<Platform>().unwrap(), p);
        }
        assert!(
            "windows-x86_64"
                .parse::<Platform>()
                .unwrap_err()
                .contains("linux-x86_64")
        );
    }

    #[test]
    fn detects_the_machine_and_its_libc() {
        let gnu = |_| Libc::Gnu;
        let musl = |_| Libc::Musl;
        let lx: Platform = "linux-x86_64".parse().unwrap();
        let ma: Platform = "macos-aarch64".parse().unwrap();
        assert_eq!(detect(None, "linux", "x86_64", gnu), Ok((lx, Libc::Gnu)));
        assert_eq!(detect(None, "linux", "x86_64", musl), Ok((lx, Libc::Musl)));
        assert_eq!(detect(None, "macos", "aarch64", musl), Ok((ma, Libc::Gnu)));
        let err = detect(None, "freebsd", "x86_64", gnu).unwrap_err().0;
        assert!(err.contains("this machine is freebsd-x86_64"), "{err}");
        let err = detect(None, "linux", "riscv64", gnu).unwrap_err().0;
        assert!(
            err.contains("linux-riscv64") && err.contains("DEVENV_PLATFORM"),
            "{err}"
        );
    }

    #[test]
    fn an_intel_devenv_under_rosetta_installs_the_macs_own_tools() {
        assert_eq!(machine_arch("macos", "x86_64", || true), "aarch64");
        assert_eq!(machine_arch("macos", "x86_64", || false), "x86_64");
        assert_eq!(machine_arch("macos", "aarch64", || true), "aarch64");
        // Linux has no Rosetta: the question is never asked there.
        assert_eq!(
            machine_arch("linux", "x86_64", || panic!("asked on Linux")),
            "x86_64"
        );
        let ma: Platform = "macos-aarch64".parse().unwrap();
        let arch = machine_arch("macos", "x86_64", || true);
        assert_eq!(
            detect(None, "macos", arch, |_| Libc::Gnu),
            Ok((ma, Libc::Gnu))
        );
        let note = rosetta_text("macos", "x86_64", || true).unwrap();
        assert!(
            note.contains("Rosetta 2") && note.contains("macos-aarch64"),
            "{note}"
        );
        assert_eq!(rosetta_text("macos", "aarch64", || true), None);
        assert_eq!(rosetta_text("macos", "x86_64", || false), None);
        assert_eq!(rosetta_text("linux", "x86_64", || true), None);
        assert_eq!(rosetta_note(), None, "this Linux machine is not translated");
    }

    #[test]
    fn the_override_is_parsed_strictly() {
        let gnu = |_| Libc::Gnu;
        let la: Platform = "linux-aarch64".parse().unwrap();
        assert_eq!(
            detect(Some("linux-aarch64-musl"), "macos", "x86_64", gnu),
            Ok((la, Libc::Musl))
        );
        assert_eq!(
            detect(Some("linux-aarch64"), "macos", "x86_64", gnu),
            Ok((la, Libc::Gnu))
        );
        let err = detect(Some("linux-amd64"), "linux", "x86_64", gnu)
            .unwrap_err()
            .0;
        assert!(
            err.contains("DEVENV_PLATFORM is `linux-amd64`") && err.contains("`linux-x86_64`"),
            "{err}"
        );
        let err = detect(Some("macos-aarch64-musl"), "linux", "x86_64", gnu)
            .unwrap_err()
            .0;
        assert!(err.contains("only Linux"), "{err}");
    }

    #[test]
    fn one_table_spells_every_dialect() {
        let mx: Platform = "macos-x86_64".parse().unwrap();
        assert_eq!(mx.names(Dialect::Go), ("darwin", "amd64"));
        // This machine (glibc in CI) is detected as such.
        if cfg!(all(
            target_os = "linux",
            target_env = "gnu",
            target_arch = "x86_64"
        )) {
            assert_eq!(host_libc(Arch::X86_64), Libc::Gnu);
        }
        assert_eq!(mx.names(Dialect::Node), ("darwin", "x64"));
        assert_eq!(mx.names(Dialect::Zig), ("macos", "x86_64"));
        assert_eq!(mx.names(Dialect::Adoptium), ("mac", "x64"));
        assert_eq!(mx.rust_target(Libc::Musl), "x86_64-apple-darwin");
        let la: Platform = "linux-aarch64".parse().unwrap();
        assert_eq!(la.rust_target(Libc::Musl), "aarch64-unknown-linux-musl");
    }
}
