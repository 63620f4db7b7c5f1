//! The kinds of source devenv knows, as nouns: their names, where their
//! servers are, and which tool options they read. The manifest, the
//! catalog and the lock name backends with this type; what a backend
//! *does* (list releases, pin artifacts) is implemented once per variant in
//! `devenv-sources`, whose `match` over [`Backend`] is exhaustive, so a
//! variant declared here without an implementation does not compile.
//!
//! Adding a backend: a variant and its [`BackendDef`] here, and one
//! `Source` implementation registered in `devenv-sources`.

use crate::config::vars::{self, Var};
use crate::version::Scheme;

/// What is declared of a backend.
#[derive(Debug)]
pub struct BackendDef {
    /// The name used in `backend:package`, `backend = "..."` and `mirrors`.
    pub(crate) name: &'static str,
    /// The environment variable overriding the server's base URL.
    pub mirror_var: &'static Var,
    /// The public server's base URL.
    pub default_url: &'static str,
    /// Whether it serves many packages (usable as `backend:package`).
    pub(crate) takes_packages: bool,
    /// The tool options of `[tools]` only this backend reads (`asset`,
    /// `components`, …): anywhere else they are refused at their line.
    pub options: &'static [&'static str],
    /// How its versions are read and ordered.
    pub scheme: Scheme,
}

/// A registered backend.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    Npm,
    Pypi,
    NodeDist,
    GoDist,
    ZigDist,
    Github,
    Aqua,
    Hashicorp,
    Adoptium,
    RustDist,
    PythonDist,
    Cargo,
}

impl Backend {
    /// Every backend, in registration order.
    pub(crate) const ALL: &'static [Backend] = &[
        Backend::Npm,
        Backend::Pypi,
        Backend::NodeDist,
        Backend::GoDist,
        Backend::ZigDist,
        Backend::Github,
        Backend::Aqua,
        Backend::Hashicorp,
        Backend::Adoptium,
        Backend::RustDist,
        Backend::PythonDist,
        Backend::Cargo,
    ];

    /// What is declared of this backend.
    pub const fn def(self) -> &'static BackendDef {
        const GITHUB_API: &str = "https://api.github.com";
        match self {
            Backend::Npm => &BackendDef {
                name: "npm",
                mirror_var: &vars::NPM_REGISTRY,
                default_url: "https://registry.npmjs.org",
                takes_packages: true,
                options: &["allow_scripts"],
                scheme: Scheme::Semver,
            },
            Backend::Pypi => &BackendDef {
                name: "pypi",
                mirror_var: &vars::PYPI_URL,
                default_url: "https://pypi.org",
                takes_packages: true,
                options: &["extras"],
                scheme: Scheme::Pep440,
            },
            Backend::NodeDist => &BackendDef {
                name: "node-dist",
                mirror_var: &vars::NODE_MIRROR,
                default_url: "https://nodejs.org/dist",
                takes_packages: false,
                options: &[],
                scheme: Scheme::Semver,
            },
            Backend::GoDist => &BackendDef {
                name: "go-dist",
                mirror_var: &vars::GO_MIRROR,
                default_url: "https://go.dev",
                takes_packages: false,
                options: &[],
                scheme: Scheme::Semver,
            },
            Backend::ZigDist => &BackendDef {
                name: "zig-dist",
                mirror_var: &vars::ZIG_MIRROR,
                default_url: "https://ziglang.org",
                takes_packages: false,
                options: &[],
                scheme: Scheme::Semver,
            },
            Backend::Github => &BackendDef {
                name: "github",
                mirror_var: &vars::GITHUB_API,
                default_url: GITHUB_API,
                takes_packages: true,
                options: &["asset"],
                scheme: Scheme::Semver,
            },
            Backend::Aqua => &BackendDef {
                name: "aqua",
                mirror_var: &vars::GITHUB_API,
                default_url: GITHUB_API,
                takes_packages: true,
                options: &[],
                scheme: Scheme::Semver,
            },
            Backend::Hashicorp => &BackendDef {
                name: "hashicorp",
                mirror_var: &vars::HASHICORP_MIRROR,
                default_url: "https://releases.hashicorp.com",
                takes_packages: true,
                options: &[],
                scheme: Scheme::Semver,
            },
            Backend::Adoptium => &BackendDef {
                name: "adoptium",
                mirror_var: &vars::ADOPTIUM_API,
                default_url: "https://api.adoptium.net",
                takes_packages: false,
                options: &[],
                scheme: Scheme::Semver,
            },
            Backend::RustDist => &BackendDef {
                name: "rust-dist",
                mirror_var: &vars::RUST_MIRROR,
                default_url: "https://static.rust-lang.org",
                takes_packages: false,
                options: &["components", "targets"],
                scheme: Scheme::Semver,
            },
            Backend::PythonDist => &BackendDef {
                name: "python-dist",
                mirror_var: &vars::PYTHON_MIRROR,
                default_url: PYTHON_DIST_URL,
                takes_packages: false,
                options: &[],
                scheme: Scheme::Semver,
            },
            // Crates are built, not downloaded: the base is the registry's
            // sparse index, whose `config.json` names where crates are.
            Backend::Cargo => &BackendDef {
                name: "cargo",
                mirror_var: &vars::CARGO_INDEX,
                default_url: CRATES_INDEX_URL,
                takes_packages: true,
                options: &["features"],
                scheme: Scheme::Semver,
            },
        }
    }

    /// Every registered backend, in registration order.
    pub fn all() -> impl Iterator<Item = Backend> {
        Backend::ALL.iter().copied()
    }

    /// The backend registered as `name`.
    pub fn parse(name: &str) -> Option<Backend> {
        Backend::all().find(|b| b.as_str() == name)
    }

    pub fn as_str(self) -> &'static str {
        self.def().name
    }

    /// Backends that serve many packages, usable as `backend:package`.
    pub fn takes_packages(self) -> bool {
        self.def().takes_packages
    }

    /// How this backend's versions are read and ordered.
    pub fn scheme(self) -> Scheme {
        self.def().scheme
    }

    /// The backend that reads the tool option `key`, if one does.
    pub fn reading(key: &str) -> Option<Backend> {
        Backend::all().find(|b| b.def().options.contains(&key))
    }

    /// `npm:<package>`, `pypi:<package>`, ... for messages.
    pub fn package_forms() -> String {
        let forms: Vec<String> = Backend::all()
            .filter(|b| b.takes_packages())
            .map(|b| format!("`{b}:<package>`"))
            .collect();
        forms.join(", ")
    }
}

/// The Rust crate registry's sparse index.
pub const CRATES_INDEX_URL: &str = "https://index.crates.io";

/// Where python-build-standalone's releases are published.
pub(crate) const PYTHON_DIST_URL: &str =
    "https://github.com/astral-sh/python-build-standalone/releases/download";

/// Backends sort by name, as they read in the lock and in messages.
impl Ord for Backend {
    fn cmp(&self, other: &Backend) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialOrd for Backend {
    fn partial_cmp(&self, other: &Backend) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Backend({})", self.as_str())
    }
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_backend_is_registered_once_with_its_own_settings() {
        let names: Vec<&str> = Backend::all().map(|b| b.as_str()).collect();
        for (i, b) in Backend::all().enumerate() {
            assert!(!names[..i].contains(&b.as_str()), "{b} twice");
            assert_eq!(Backend::parse(b.as_str()), Some(b));
            assert!(b.def().mirror_var.name.starts_with("DEVENV_"), "{b}");
            assert!(b.def().default_url.starts_with("https://"), "{b}");
        }
        assert!(Backend::package_forms().contains("`github:<package>`"));
        assert_eq!(Backend::parse("cargo"), Some(Backend::Cargo));
        assert_eq!(Backend::parse("go"), None);
        for key in [
            "asset",
            "components",
            "targets",
            "extras",
            "allow_scripts",
            "features",
        ] {
            assert!(Backend::reading(key).is_some(), "{key} has no backend");
        }
    }
}
