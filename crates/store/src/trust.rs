//! Allow / deny / check: whether the shell hook may activate a project.
//!
//! A cloned repository must not change the user's shell just because they
//! `cd` into it (invariant 6), and what decides what runs is more than
//! `devenv.toml`: the lock picks the bytes that end up on PATH, dotenv
//! files set variables, and the project's registry files decide what a
//! catalog name resolves to. So `devenv allow` records the exact content
//! of all of them — the manifest, `devenv.lock` (or its absence), every
//! dotenv file and every registry file of `[settings] registries` the
//! manifest lists (or its absence) — and the hook, `auto_install`
//! and the watcher act only while every one of them is unchanged. Any edit,
//! a `git pull` that brings a new lock included, needs a new allow; the
//! notice names the files that changed.
//!
//! One exception keeps day-to-day work quiet: when devenv itself rewrites
//! the lock of a project whose state was allowed (`devenv lock`, `update`,
//! `install`, `watch`), the new lock is derived from allowed input, so the
//! record follows it ([`Project::write_lock`]). `add` and `remove` change
//! devenv.toml itself, which needs a new allow.
//!
//! Records are keyed by the manifest's own path: the project directory
//! with symlinks resolved, joined with `devenv.toml` — never the file a
//! symlinked `devenv.toml` points to, so a repository whose manifest is a
//! link to an allowed one is not allowed. `devenv deny` rewrites the record
//! rather than deleting it, so a shell watching it notices at its next prompt.
//!
//! [`Project::write_lock`]: crate::project::Project::write_lock

use crate::store::Store;
use anyhow::Result;
use devenv_model::digest::sha256_hex;
use devenv_model::error::IoContext;
use devenv_model::files;
use devenv_model::manifest::Manifest;
use std::path::{Path, PathBuf};

/// What the trust records say about a project's current files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// Allowed with exactly these files.
    Allowed,
    /// Never allowed.
    Unknown,
    /// Allowed once; the named files changed since.
    Changed(Vec<String>),
    /// Explicitly denied.
    Denied,
}

impl Trust {
    /// A short description, for `status`.
    pub fn describe(&self) -> String {
        match self {
            Trust::Allowed => "allowed".into(),
            Trust::Unknown => "not allowed yet".into(),
            Trust::Changed(files) => format!("{} changed since it was allowed", files.join(", ")),
            Trust::Denied => "denied".into(),
        }
    }
}

/// The files of a project that decide what the hook applies, as read at
/// one moment: what [`check`] compares and [`allow`] records. The hook
/// applies exactly these bytes, never a second read of the files.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// The manifest's exact content.
    pub(crate) manifest: String,
    /// `devenv.lock`'s content, if there is one.
    pub lock: Option<String>,
    /// Each dotenv file as listed in the manifest, with its content if present.
    pub dotenv: Vec<(String, Option<String>)>,
    /// Each registry file of `[settings] registries` (local files; a URL is
    /// covered by the manifest that names it), with its content if present.
    pub registries: Vec<(String, Option<String>)>,
    /// In a workspace: the members' manifests and dotenv files, named
    /// relative to the root (`services/api/devenv.toml`), with contents.
    pub members: Vec<(String, Option<String>)>,
    /// Only part of a workspace was read (one environment's files): then
    /// [`check`] asks that each file read is the one allowed, not that
    /// the record lists nothing else.
    pub partial: bool,
    /// How a dotenv file is named in the record: relative to the
    /// workspace root (`dotenv` keeps the names the manifest lists).
    shown: Vec<String>,
}

impl Snapshot {
    /// Reads the lock and dotenv files of `manifest` (regular files under
    /// their size limits only).
    pub fn read(manifest: &Manifest) -> Result<Snapshot> {
        let lock = files::read_bounded(
            &devenv_model::lock::path_in(manifest.lock_root()),
            manifest.limits.of(files::MAX_LOCK),
            "the lock",
        )?;
        let mut dotenv = Vec::new();
        let mut shown = Vec::new();
        for name in &manifest.env.dotenv {
            let path = manifest.root.join(name);
            shown.push(in_workspace(manifest, &path).unwrap_or_else(|| name.clone()));
            dotenv.push((
                name.clone(),
                files::read_bounded(&path, manifest.limits.of(files::MAX_DOTENV), "dotenv file")?,
            ));
        }
        let mut registries = Vec::new();
        for name in &manifest.settings.registries {
            if name.starts_with("https://") || name.starts_with("http://") {
                continue;
            }
            let path = manifest.root.join(name);
            registries.push((
                name.clone(),
                files::read_bounded(
                    &path,
                    devenv_model::aqua::MAX_REGISTRY_BYTES as u64,
                    "registry file",
                )?,
            ));
        }
        let mut snapshot = Snapshot {
            manifest: manifest.source.clone(),
            lock,
            dotenv,
            registries,
            members: Vec::new(),
            partial: false,
            shown,
        };
        if let Some(place) = &manifest.place {
            snapshot.partial = true;
            snapshot.manifest = place.root_source.clone();
            if let Some(rel) = &place.member {
                snapshot.members.push((
                    format!("{rel}/{}", devenv_model::manifest::FILE_NAME),
                    Some(manifest.source.clone()),
                ));
            }
        }
        Ok(snapshot)
    }

    /// Every file of a workspace that decides what runs: `root`'s (its
    /// `[workspace]` manifest as [`devenv_model::manifest::workspace::locate`]
    /// gives it), then each member's manifest and its own dotenv files.
    pub fn read_workspace(root: &Manifest, members: &[Manifest]) -> Result<Snapshot> {
        let mut snapshot = Snapshot::read(root)?;
        for member in members {
            let Some(rel) = member.place.as_ref().and_then(|p| p.member.as_deref()) else {
                continue;
            };
            snapshot.members.push((
                format!("{rel}/{}", devenv_model::manifest::FILE_NAME),
                Some(member.source.clone()),
            ));
            // The root's dotenv files come first, named from the root.
            for name in member.env.dotenv.iter().skip(root.env.dotenv.len()) {
                let path = member.root.join(name);
                snapshot.members.push((
                    format!("{rel}/{name}"),
                    files::read_bounded(&path, member.limits.of(files::MAX_DOTENV), "dotenv file")?,
                ));
            }
        }
        snapshot.partial = false;
        Ok(snapshot)
    }

    /// One line per file: its name and the hash of its content, or `absent`.
    fn lines(&self) -> Vec<(String, String)> {
        let hash = |t: &Option<String>| {
            t.as_ref().map_or("absent".to_string(), |t| {
                format!("sha256:{}", sha256_hex(t.as_bytes()))
            })
        };
        let mut out = vec![
            (
                devenv_model::manifest::FILE_NAME.to_string(),
                hash(&Some(self.manifest.clone())),
            ),
            (devenv_model::lock::FILE_NAME.to_string(), hash(&self.lock)),
        ];
        for (i, (name, text)) in self.dotenv.iter().enumerate() {
            let shown = self.shown.get(i).unwrap_or(name);
            out.push((shown.clone(), hash(text)));
        }
        for (name, text) in self.registries.iter().chain(&self.members) {
            out.push((name.clone(), hash(text)));
        }
        out
    }
}

/// `path` relative to the workspace root of `manifest`, if it has one and
/// the path is inside it.
fn in_workspace(manifest: &Manifest, path: &Path) -> Option<String> {
    let root = &manifest.place.as_ref()?.root;
    devenv_model::manifest::workspace::relative(root, path)
}

/// Where the trust record of the manifest at `manifest` lives (it may not
/// exist): keyed by the project directory, symlinks resolved, and the
/// manifest's own file name — not by what a symlinked manifest points to.
pub fn record_path(store: &Store, manifest: &Path) -> PathBuf {
    let own = own_path(manifest);
    let key = sha256_hex(own.as_os_str().as_encoded_bytes());
    store.trust_dir().join(&key[..32])
}

/// `manifest` with its directory canonicalized and its file name kept.
fn own_path(manifest: &Path) -> PathBuf {
    let dir = manifest.parent().unwrap_or(Path::new("/"));
    let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    match manifest.file_name() {
        Some(name) => dir.join(name),
        None => dir,
    }
}

/// What the records say about `snapshot`, the current files of the
/// project whose manifest is at `manifest`.
pub fn check(store: &Store, manifest: &Path, snapshot: &Snapshot) -> Trust {
    let Ok(Some(record)) = files::read_bounded(
        &record_path(store, manifest),
        store.limits().of(files::MAX_RECORD),
        "the trust record",
    ) else {
        return Trust::Unknown;
    };
    let mut lines = record.lines();
    match lines.next() {
        Some("allow v2") => {}
        Some("deny") => return Trust::Denied,
        // A record from before trust covered the lock and dotenv files.
        Some(l) if l.starts_with("allow ") => {
            return Trust::Changed(vec![
                "what `devenv allow` covers (now devenv.lock and dotenv files too)".into(),
            ]);
        }
        _ => return Trust::Unknown,
    }
    let recorded: Vec<(&str, &str)> = lines
        .filter_map(|l| l.strip_prefix("file "))
        .filter_map(|l| l.rsplit_once(' '))
        .collect();
    let current = snapshot.lines();
    let mut changed: Vec<String> = current
        .iter()
        .filter(|(name, hash)| !recorded.contains(&(name.as_str(), hash.as_str())))
        .map(|(name, _)| name.clone())
        .collect();
    // A file the manifest no longer lists changes nothing by itself: the
    // manifest's own change already counts.
    if changed.is_empty() && !snapshot.partial && recorded.len() != current.len() {
        changed.push(devenv_model::manifest::FILE_NAME.to_string());
    }
    if changed.is_empty() {
        Trust::Allowed
    } else {
        Trust::Changed(changed)
    }
}

/// Records that the project whose manifest is at `manifest` may be
/// activated with exactly the files of `snapshot`.
pub fn allow(store: &Store, manifest: &Path, snapshot: &Snapshot) -> Result<()> {
    let mut text = String::from("allow v2\n");
    for (name, hash) in snapshot.lines() {
        // Names come from the manifest; keep the record one entry a line.
        let name = name.replace(['\n', '\r'], "?");
        text.push_str(&format!("file {name} {hash}\n"));
    }
    write_record(store, manifest, &text)
}

/// Records that devenv itself (`devenv init`) just wrote `text` as the
/// manifest at `manifest`, so the hook can say that the manifest is new
/// and the user's own, rather than someone else's to review. It allows
/// nothing: [`check`] never reads it.
pub fn note_written(store: &Store, manifest: &Path, text: &str) -> Result<()> {
    let path = written_path(store, manifest);
    let dir = store.trust_dir();
    std::fs::create_dir_all(&dir).io_context("create", &dir)?;
    let hash = sha256_hex(text.as_bytes());
    files::write_atomic(&path, format!("written sha256:{hash}\n").as_bytes())
}

/// Whether the manifest in `snapshot` is exactly what devenv last wrote
/// for `manifest` with [`note_written`].
fn written_by_devenv(store: &Store, manifest: &Path, snapshot: &Snapshot) -> bool {
    let Ok(Some(note)) = files::read_bounded(
        &written_path(store, manifest),
        store.limits().of(files::MAX_RECORD),
        "the note of a written manifest",
    ) else {
        return false;
    };
    let hash = sha256_hex(snapshot.manifest.as_bytes());
    note.trim_end() == format!("written sha256:{hash}")
}

/// Whether `state`, the trust of the project whose manifest is at
/// `manifest`, is "not allowed" only because the manifest is the new one
/// devenv itself wrote (never allowed, or replacing an allowed one with no
/// other file changed): the hook and `status` then give the command to
/// allow it rather than ask for a review of someone else's edit.
pub fn new_from_init(store: &Store, manifest: &Path, snapshot: &Snapshot, state: &Trust) -> bool {
    let only_manifest = match state {
        Trust::Unknown => true,
        Trust::Changed(files) => files == &[devenv_model::manifest::FILE_NAME],
        Trust::Allowed | Trust::Denied => false,
    };
    only_manifest && written_by_devenv(store, manifest, snapshot)
}

/// Beside the trust record, under another name: never mistaken for one.
fn written_path(store: &Store, manifest: &Path) -> PathBuf {
    let mut path = record_path(store, manifest).into_os_string();
    path.push(".written");
    PathBuf::from(path)
}

/// Records that the manifest at `manifest` must not be activated.
pub fn deny(store: &Store, manifest: &Path) -> Result<()> {
    write_record(store, manifest, "deny\n")
}

fn write_record(store: &Store, manifest: &Path, body: &str) -> Result<()> {
    let path = record_path(store, manifest);
    let dir = store.trust_dir();
    std::fs::create_dir_all(&dir).io_context("create", &dir)?;
    let shown = own_path(manifest).display().to_string().replace('\n', "?");
    files::write_atomic(&path, format!("{body}path {shown}\n").as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(manifest: &str, lock: Option<&str>, env: Option<&str>) -> Snapshot {
        Snapshot {
            manifest: manifest.into(),
            lock: lock.map(Into::into),
            dotenv: vec![(".env".into(), env.map(Into::into))],
            registries: vec![("reg.yaml".into(), Some("packages: []".into()))],
            members: Vec::new(),
            partial: false,
            shown: Vec::new(),
        }
    }

    #[test]
    fn allow_edit_deny() {
        let home = tempfile::tempdir().unwrap();
        let store = Store::at(home.path());
        let manifest = home.path().join("devenv.toml");
        std::fs::write(&manifest, "a").unwrap();
        let s = snap("a", Some("l"), None);
        assert_eq!(check(&store, &manifest, &s), Trust::Unknown);
        allow(&store, &manifest, &s).unwrap();
        assert_eq!(check(&store, &manifest, &s), Trust::Allowed);
        assert_eq!(
            check(&store, &manifest, &snap("b", Some("l"), None)),
            Trust::Changed(vec!["devenv.toml".into()])
        );
        assert_eq!(
            check(&store, &manifest, &snap("a", Some("l2"), Some("X=1"))),
            Trust::Changed(vec!["devenv.lock".into(), ".env".into()])
        );
        // A registry file decides what a catalog name is: its edit alone
        // needs a new allow.
        let mut edited = s.clone();
        edited.registries[0].1 = Some("packages: [{name: jqlang/jq}]".into());
        assert_eq!(
            check(&store, &manifest, &edited),
            Trust::Changed(vec!["reg.yaml".into()])
        );
        deny(&store, &manifest).unwrap();
        assert_eq!(check(&store, &manifest, &s), Trust::Denied);
    }
}
