//! HTTP downloads: one client, timeouts, retries, streaming digests.
//! (Being written in a separate branch; this stub fixes the interface.)

use crate::digest::{Algorithm, Digest};
use anyhow::Result;
use std::path::Path;

/// The one HTTP client of devenv. Cheap to clone and share across threads.
#[derive(Clone, Default)]
pub struct Fetcher {
    pub offline: bool,
}

impl Fetcher {
    /// A fetcher configured from the environment (`DEVENV_OFFLINE`,
    /// `DEVENV_HTTP_TIMEOUT`, `DEVENV_HTTP_RETRIES`).
    pub fn from_env() -> Fetcher {
        Fetcher::default()
    }

    /// GET `url` as text (registry JSON, checksum files).
    pub fn get_text(&self, url: &str) -> Result<String> {
        anyhow::bail!("fetching {url} is not built yet")
    }

    /// Streams `url` into the new file `dest`, hashing the bytes with
    /// `algorithm` as they are written. Calls `progress(done, total)`.
    /// Returns the digest and the byte count.
    pub fn download(
        &self,
        url: &str,
        dest: &Path,
        algorithm: Algorithm,
        progress: &mut dyn FnMut(u64, Option<u64>),
    ) -> Result<(Digest, u64)> {
        let _ = (dest, algorithm, progress);
        anyhow::bail!("downloading {url} is not built yet")
    }

    /// The digest of the body of `url`, streamed and discarded (for
    /// trust-on-first-use locking).
    pub fn digest_of(&self, url: &str, algorithm: Algorithm) -> Result<Digest> {
        let _ = algorithm;
        anyhow::bail!("downloading {url} is not built yet")
    }
}
