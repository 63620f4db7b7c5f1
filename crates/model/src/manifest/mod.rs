//! `devenv.toml`: parse, validate, and locate errors.
//!
//! The manifest is parsed with `toml_edit` because it keeps byte spans for
//! every key and value, so each mistake can be shown at its line and column
//! with the offending line and a caret. Validation is a hand-written walk
//! (not serde) so that every message can say what is expected there and
//! suggest the nearest valid key.

mod error;
mod locate;
mod tasks;
mod validate;
pub mod workspace;

pub use error::ManifestError;
pub use locate::split_help;
pub use tasks::{Task, member_task};

use crate::digest::Digest;
use crate::platform::{Arch, Os, Platform};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The file name devenv looks for.
pub const FILE_NAME: &str = "devenv.toml";

/// A parsed, validated `devenv.toml`.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// Absolute path of the manifest file.
    pub path: PathBuf,
    /// The project root: the directory holding the manifest.
    pub root: PathBuf,
    /// The exact file content (trust and staleness hash it).
    pub source: String,
    /// `[tools]` in file order.
    pub tools: Vec<ToolSpec>,
    pub env: EnvSpec,
    pub settings: Settings,
    /// `[catalog.NAME]` entries the project adds or overrides, as raw TOML
    /// tables for the catalog module to interpret.
    pub catalog: BTreeMap<String, toml::Table>,
    /// `[tasks]` in file order (see [`Task`]).
    pub tasks: Vec<Task>,
    /// How large the files beside it (the lock, dotenv files) may be.
    pub limits: crate::files::Limits,
    /// `[workspace]`, in a workspace's root manifest.
    pub workspace: Option<workspace::WorkspaceSpec>,
    /// Where this manifest stands in a workspace: set on the environment
    /// of a workspace's root or member ([`workspace::locate`]).
    pub place: Option<workspace::Place>,
}

/// One entry of `[tools]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolSpec {
    /// The key as written: `mytool`, `node`, `npm:prettier`.
    pub name: String,
    pub request: Request,
}

/// What the user asked for a tool.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// A tool downloaded from a URL template.
    Url(UrlTool),
    /// A tool from a catalog name (`node`) or a backend package (`npm:prettier`).
    Registry(RegistryTool),
}

impl Request {
    /// The version as written: a constraint, or a URL tool's exact version.
    pub fn version(&self) -> &str {
        match self {
            Request::Url(u) => &u.version,
            Request::Registry(r) => &r.version,
        }
    }
}

/// `mytool = { url = "...", version = "1.4.2", sha256 = ..., bin = [...] }`.
#[derive(Debug, Clone, PartialEq)]
pub struct UrlTool {
    pub version: String,
    pub(crate) url: String,
    pub sha256: Sha256Spec,
    pub bin: Option<Vec<String>>,
    pub(crate) os_names: BTreeMap<Os, String>,
    pub(crate) arch_names: BTreeMap<Arch, String>,
}

/// The digests a URL tool declares.
#[derive(Debug, Clone, PartialEq)]
pub enum Sha256Spec {
    /// None declared: trusted on first use when locking.
    None,
    /// One digest, for the platform the lock is made on.
    Current(Digest),
    /// One digest per platform.
    PerPlatform(BTreeMap<Platform, Digest>),
}

/// `node = "22"`, `"npm:prettier" = { version = "3", source = "..." }`.
#[derive(Debug, Clone, PartialEq)]
pub struct RegistryTool {
    /// The version constraint as written (`22`, `^3.1`, `latest`...).
    pub version: String,
    /// A named alternative source (`source = "node-dist"`), if given.
    pub source: Option<String>,
    /// Bin paths overriding the catalog's, if given.
    pub bin: Option<Vec<String>>,
    /// Which release asset to take (`github`/`aqua` sources), as a
    /// template with `{version}`, `{os}` and `{arch}`.
    pub asset: Option<String>,
    /// Extra components (`rust`: `clippy`, `rustfmt`, `rust-src`...).
    pub components: Vec<String>,
    /// Extra compilation targets (`rust`: `wasm32-unknown-unknown`...).
    pub targets: Vec<String>,
    /// Optional features of a PyPI application installed with it
    /// (`extras = ["d"]` for `pypi:black`), normalized as PEP 685 says.
    pub extras: Vec<String>,
    /// npm packages of the tool's tree whose install scripts may run
    /// (`allow_scripts = ["esbuild"]`), sorted; empty: none run.
    pub allow_scripts: Vec<String>,
    /// Crate features built in besides the defaults (`cargo` tools:
    /// `features = ["tls"]`), sorted.
    pub features: Vec<String>,
    /// What the tool's provenance must be (`provenance = "required"` or an
    /// identity); `None`: whatever it is, pinned once locked.
    pub provenance: Option<ProvenancePolicy>,
}

/// `provenance = "required"`, or the identity that must have built the tool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProvenancePolicy {
    /// Verified provenance, by whichever identity (then pinned).
    Required,
    /// Verified provenance by exactly this identity (the certificate SAN).
    Identity(String),
}

/// `[env]`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EnvSpec {
    /// Variables in file order.
    pub vars: Vec<(String, EnvValue)>,
    /// Directories prepended to PATH, relative to the project root.
    pub path: Vec<String>,
    /// Dotenv files, relative to the project root, loaded in order.
    pub dotenv: Vec<String>,
}

/// The value of one `[env]` variable.
#[derive(Debug, Clone, PartialEq)]
pub enum EnvValue {
    /// A string with `${VAR}` interpolation still to do.
    Set(String),
    /// `false`: unset while active.
    Unset,
}

/// `[settings]`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    /// Platforms the lock covers; `None` means "the current one".
    pub platforms: Option<Vec<Platform>>,
    /// Install missing tools when the shell hook enters the project.
    pub auto_install: bool,
    /// Start `devenv watch` from the hook.
    pub watch: bool,
    /// Generations `gc` keeps per project.
    pub keep_generations: Option<u32>,
    /// Registry base URLs by backend (`npm`, `pypi`, `node-dist`,
    /// `go-dist`, `zig-dist`, `github`...), for company mirrors, and URL
    /// prefixes to redirect (`"https://dl.example.com" = "https://m/x"`).
    pub mirrors: BTreeMap<String, String>,
    /// Team caches tried in order before upstream (`oci://HOST/REPO`,
    /// `oci-layout:DIR`); see [`crate::cache`].
    pub caches: Vec<String>,
    /// Extra aqua registries (files relative to the project, or URLs),
    /// consulted before the built-in one.
    pub registries: Vec<String>,
    /// `provenance = "required"`: every tool must have verified provenance.
    pub provenance_required: bool,
    /// A Sigstore `trusted_root.json` replacing the shipped public-good
    /// root (relative to the project).
    pub trusted_root: Option<PathBuf>,
}

/// Finds the nearest directory at or above `start` that holds a `devenv.toml`.
pub fn find_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|d| d.join(FILE_NAME).is_file())
        .map(Path::to_path_buf)
}

impl Manifest {
    /// Reads and validates the manifest of the project rooted at `root`;
    /// it and the files beside it are read under `limits`.
    pub fn load(root: &Path, limits: crate::files::Limits) -> anyhow::Result<Manifest> {
        let path = root.join(FILE_NAME);
        let source = crate::files::read_bounded(
            &path,
            limits.of(crate::files::MAX_MANIFEST),
            "the manifest",
        )?
        .ok_or_else(|| anyhow::anyhow!("could not read {}: it does not exist", path.display()))?;
        Ok(Manifest {
            limits,
            ..Manifest::parse(&path, source)?
        })
    }

    /// Validates `source` as the content of the manifest at `path`.
    pub fn parse(path: &Path, source: String) -> Result<Manifest, ManifestError> {
        validate::parse(path, source)
    }

    /// The project's name: the root directory's name.
    pub fn project_name(&self) -> String {
        self.root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "project".into())
    }

    /// The manifest whose trust record covers this one: a workspace's
    /// root manifest for its members (one allow for the whole workspace),
    /// else this manifest itself.
    pub fn trust_path(&self) -> PathBuf {
        match &self.place {
            Some(place) => place.root.join(FILE_NAME),
            None => self.path.clone(),
        }
    }

    /// The directory holding the lock: the workspace root, or the project's.
    pub fn lock_root(&self) -> &Path {
        match &self.place {
            Some(place) => &place.root,
            None => &self.root,
        }
    }

    /// Files whose change means the environment must be recomputed,
    /// besides the lock: the manifest, the dotenv files, and the project's
    /// own registry files (which `devenv allow` covers too).
    pub fn watched_files(&self) -> Vec<PathBuf> {
        let mut files = vec![self.path.clone()];
        // A member's environment also comes from the root's manifest.
        if let Some(place) = &self.place
            && place.member.is_some()
        {
            files.push(place.root.join(FILE_NAME));
        }
        files.extend(self.env.dotenv.iter().map(|f| self.root.join(f)));
        files.extend(
            self.settings
                .registries
                .iter()
                .filter(|r| !r.starts_with("https://") && !r.starts_with("http://"))
                .map(|r| self.root.join(r)),
        );
        files
    }
}

/// Checks an environment variable name; returns (message, help) when it is unusable.
pub fn check_var_name(name: &str) -> Result<(), (String, String)> {
    let well_formed = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !well_formed {
        return Err((
            format!("`{name}` is not a valid environment variable name"),
            "use letters, digits and `_`, not starting with a digit".into(),
        ));
    }
    if name == "PATH" {
        return Err((
            "PATH cannot be set directly".into(),
            "add directories with `path = [\"scripts\"]` in [env]".into(),
        ));
    }
    if name.starts_with("DEVENV_") || name.starts_with("__DEVENV") {
        return Err((
            format!("`{name}` is reserved for devenv itself"),
            "choose a name that does not start with DEVENV_".into(),
        ));
    }
    Ok(())
}

/// The candidate closest to `word`, if it is close enough to be a likely typo.
pub fn suggest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (edit_distance(&word.to_ascii_lowercase(), c), *c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push(
                (prev[j] + usize::from(ca != *cb))
                    .min(prev[j + 1] + 1)
                    .min(cur[j] + 1),
            );
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Renders `tool.url` for `platform`.
pub fn render_url(tool: &UrlTool, platform: Platform) -> String {
    let os = tool
        .os_names
        .get(&platform.os)
        .map_or(platform.os.as_str(), String::as_str);
    let arch = tool
        .arch_names
        .get(&platform.arch)
        .map_or(platform.arch.as_str(), String::as_str);
    tool.url
        .replace("{version}", &tool.version)
        .replace("{os}", os)
        .replace("{arch}", arch)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Manifest, ManifestError> {
        Manifest::parse(Path::new("/nowhere/devenv.toml"), s.to_string())
    }

    #[test]
    fn parses_a_full_manifest() {
        let m = parse(
            r#"
[tools]
node = "22"
mytool = { url = "https://h/t-{version}-{os}-{arch}.tar.gz", version = "1.4.2", os_names = { macos = "darwin" } }

[env]
A = "x ${DEVENV_ROOT}"
B = false
PORT = 8080
path = ["scripts"]
dotenv = ".env"

[settings]
platforms = ["macos-aarch64", "linux-x86_64"]
"#,
        )
        .unwrap();
        assert_eq!(m.tools.len(), 2);
        assert_eq!(m.tools[0].name, "node");
        let Request::Url(u) = &m.tools[1].request else {
            panic!()
        };
        assert_eq!(u.os_names[&Os::Macos], "darwin");
        assert_eq!(m.env.vars[1], ("B".to_string(), EnvValue::Unset));
        assert_eq!(m.env.vars[2].1, EnvValue::Set("8080".into()));
        assert_eq!(m.env.dotenv, vec![".env"]);
        assert_eq!(
            m.settings.platforms.as_ref().map(|p| p[0].to_string()),
            Some("linux-x86_64".to_string())
        );
    }

    #[test]
    fn unknown_top_level_key_is_located_with_suggestion() {
        let e = parse("[tool]\nnode = \"22\"\n").unwrap_err();
        assert_eq!((e.line, e.column), (1, 2));
        assert_eq!(e.help.as_deref(), Some("did you mean `tools`?"));
        let text = e.to_string();
        assert!(text.contains("1 | [tool]"), "{text}");
        assert!(text.contains("^^^^"), "{text}");
    }

    #[test]
    fn bad_placeholder_points_into_the_url() {
        let e = parse("[tools]\nt = { version = \"1\", url = \"https://h/{versoin}.tgz\" }\n")
            .unwrap_err();
        assert_eq!(e.line, 2);
        assert_eq!(e.column, 39);
        assert_eq!(e.width, 9);
        assert!(e.help.unwrap().contains("{version}"));
    }

    #[test]
    fn suggestions_are_only_for_near_misses() {
        assert_eq!(suggest("tols", &["tools", "env"]), Some("tools"));
        assert_eq!(suggest("zzzzzz", &["tools", "env"]), None);
    }
}
