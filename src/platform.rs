//! Platforms a lock can cover: an operating system and a CPU architecture.
//!
//! The spelling `linux-x86_64` is what users write in `settings.platforms`
//! and what the lock uses as table keys; backends translate it to their own
//! vocabulary (`darwin`, `amd64`, `x64`...) at their edge.

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

/// One `os-arch` pair, e.g. `linux-x86_64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Platform {
    pub os: Os,
    pub arch: Arch,
}

impl Os {
    pub fn as_str(self) -> &'static str {
        match self {
            Os::Linux => "linux",
            Os::Macos => "macos",
        }
    }
}

impl Arch {
    pub fn as_str(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::Aarch64 => "aarch64",
        }
    }
}

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

    /// The platform this binary runs on. `DEVENV_PLATFORM` overrides it, so
    /// tests (and curious users) can see what another machine would get.
    pub fn current() -> Platform {
        if let Some(p) = crate::config::Config::get().platform {
            return p;
        }
        let os = if cfg!(target_os = "macos") {
            Os::Macos
        } else {
            Os::Linux
        };
        let arch = if cfg!(target_arch = "aarch64") {
            Arch::Aarch64
        } else {
            Arch::X86_64
        };
        Platform { os, arch }
    }

    /// All accepted spellings, for error messages.
    pub fn known_list() -> String {
        Platform::ALL
            .iter()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ")
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
}
