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
        let mut resp = self.get(url)?;
        resp.body_mut()
            .with_config()
            .limit(512 << 20)
            .read_to_string()
            .map_err(|e| anyhow::anyhow!("could not read {url}: {e}"))
    }

    fn get(&self, url: &str) -> Result<ureq::http::Response<ureq::Body>> {
        if self.offline || std::env::var("DEVENV_OFFLINE").is_ok_and(|v| !v.is_empty() && v != "0")
        {
            anyhow::bail!("cannot fetch {url}: offline");
        }
        let secs = std::env::var("DEVENV_HTTP_TIMEOUT")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(30);
        let mut config = ureq::Agent::config_builder()
            .timeout_global(Some(std::time::Duration::from_secs(secs)));
        if let Some(pem) = std::env::var_os("SSL_CERT_FILE").and_then(|f| std::fs::read(f).ok()) {
            let certs: Vec<_> = ureq::tls::parse_pem(&pem)
                .filter_map(|i| match i {
                    Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                    _ => None,
                })
                .collect();
            config = config.tls_config(
                ureq::tls::TlsConfig::builder()
                    .root_certs(ureq::tls::RootCerts::new_with_certs(&certs))
                    .build(),
            );
        }
        let agent: ureq::Agent = config.build().into();
        agent
            .get(url)
            .call()
            .map_err(|e| anyhow::anyhow!("could not fetch {url}: {e}"))
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
        let _ = progress;
        let resp = self.get(url)?;
        let mut reader = resp.into_body().into_reader();
        let mut file = std::fs::File::create(dest)?;
        let mut hasher = crate::digest::Hasher::new(algorithm);
        let mut buf = vec![0u8; 1 << 16];
        let mut total = 0u64;
        loop {
            let n = std::io::Read::read(&mut reader, &mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            std::io::Write::write_all(&mut file, &buf[..n])?;
            total += n as u64;
        }
        Ok((hasher.finish(), total))
    }

    /// The digest of the body of `url`, streamed and discarded (for
    /// trust-on-first-use locking).
    pub fn digest_of(&self, url: &str, algorithm: Algorithm) -> Result<Digest> {
        let _ = algorithm;
        anyhow::bail!("downloading {url} is not built yet")
    }
}
