//! Filling a cache: `devenv cache push` (into the first cache) and
//! `devenv cache export` (into a layout directory).
//!
//! For each artifact: if the target already has its tag, nothing is done
//! (so a second push downloads and uploads nothing). Otherwise the bytes
//! are fetched (from the other caches, then upstream), verified against
//! the lock exactly as an install would, and stored with their manifest.

use super::{Backend, Item, oci};
use anyhow::{Result, anyhow, bail};
use devenv_model::digest::{Algorithm, Digest, Hasher};
use devenv_model::lock::Lock;
use devenv_model::ui;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What a push did.
#[derive(Debug, Default)]
pub struct Report {
    /// Artifacts stored now: (label, bytes written).
    pub pushed: Vec<(String, u64)>,
    /// Artifacts the target already had.
    pub present: usize,
    /// Built entries that could not be pushed, because this machine's
    /// store does not hold their build (another platform's): their labels.
    pub not_built: Vec<String>,
}

/// Writes the built tree of an item (a built entry) as a tar.gz at the
/// path given, returning its size, or `None` when this machine's store
/// does not hold that build: the caller's store, which only it can read.
pub type Packer<'a> = dyn Fn(&Item, &Path) -> Result<Option<u64>> + Sync + 'a;

/// What pushing one item did.
enum Pushed {
    Written(u64),
    Present,
    NotBuilt,
}

/// Stores every item in `target`, fetching bytes through `downloads`
/// (which may name source caches), and packing built entries with `pack`.
/// Temporary files go under `tmp`.
pub fn push(
    lock: &Lock,
    items: &[Item],
    target: &Backend,
    downloads: &super::Downloads,
    pack: &Packer<'_>,
    tmp: &Path,
) -> Result<Report> {
    let report = Mutex::new(Report::default());
    let errors = Mutex::new(Vec::new());
    devenv_model::parallel::map(
        downloads.fetcher.settings().jobs,
        items,
        |item| match push_one(lock, item, target, downloads, pack, tmp) {
            Ok(Pushed::Written(bytes)) => report
                .lock()
                .expect("report")
                .pushed
                .push((item.label(), bytes)),
            Ok(Pushed::Present) => report.lock().expect("report").present += 1,
            Ok(Pushed::NotBuilt) => report.lock().expect("report").not_built.push(item.label()),
            Err(e) => errors.lock().expect("errors").push(e),
        },
    );
    let mut errors = errors.into_inner().expect("errors");
    if let Some(first) = errors.pop() {
        for e in errors {
            ui::warn(format!("{e:#}"));
        }
        return Err(first);
    }
    let mut report = report.into_inner().expect("report");
    report.pushed.sort();
    report.not_built.sort();
    Ok(report)
}

/// Stores one item; `None` when the target had it.
fn push_one(
    lock: &Lock,
    item: &Item,
    target: &Backend,
    downloads: &super::Downloads,
    pack: &Packer<'_>,
    tmp: &Path,
) -> Result<Pushed> {
    let tag = oci::tag_of(item.tool, item.artifact);
    if target.has(&tag)? {
        ui::verbose(format!("{}: already in {}", item.label(), target.name()));
        return Ok(Pushed::Present);
    }
    let dir = temp_dir(tmp)?;
    let result = (|| {
        let file = dir.join("artifact");
        if item.artifact.build.is_some() {
            let Some(size) = pack(item, &file)? else {
                return Ok(Pushed::NotBuilt);
            };
            let layer_digest = sha256_of(&file)?.to_string();
            let manifest = oci::artifact_manifest(&super::info(lock, item), &layer_digest, size);
            let written = target.push(&tag, &manifest, &file, &layer_digest, size)?;
            ui::info(format!(
                "pushed the build of {} to {} ({})",
                item.label(),
                target.name(),
                ui::human_bytes(size)
            ));
            return Ok(Pushed::Written(written));
        }
        let (digest, size) = downloads.download(
            item.tool,
            item.version,
            item.artifact,
            &file,
            &mut |_, _| {},
        )?;
        if digest != item.artifact.digest {
            bail!(devenv_model::digest::DigestMismatch {
                tool: item.tool.to_string(),
                url: item.artifact.url.clone(),
                expected: item.artifact.digest.clone(),
                actual: digest,
            });
        }
        let layer_digest = match digest.algorithm {
            Algorithm::Sha256 => digest.to_string(),
            _ => sha256_of(&file)?.to_string(),
        };
        let manifest = oci::artifact_manifest(&super::info(lock, item), &layer_digest, size);
        let written = target.push(&tag, &manifest, &file, &layer_digest, size)?;
        ui::info(format!(
            "pushed {} to {} ({})",
            item.label(),
            target.name(),
            ui::human_bytes(size)
        ));
        Ok(Pushed::Written(written))
    })();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn temp_dir(root: &Path) -> Result<PathBuf> {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir = root.join(format!("push-{}-{nanos}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| {
        anyhow!(
            "could not create {}: {}",
            dir.display(),
            devenv_model::error::io_reason(&e)
        )
    })?;
    Ok(dir)
}

fn sha256_of(path: &Path) -> Result<Digest> {
    let mut file = std::fs::File::open(path).map_err(|e| {
        anyhow!(
            "could not read {}: {}",
            path.display(),
            devenv_model::error::io_reason(&e)
        )
    })?;
    let mut hasher = Hasher::new(Algorithm::Sha256);
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = file.read(&mut buf).map_err(|e| {
            anyhow!(
                "could not read {}: {}",
                path.display(),
                devenv_model::error::io_reason(&e)
            )
        })?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finish())
}
