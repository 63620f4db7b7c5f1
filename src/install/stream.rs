//! One pass from the network to the staged tree: the download is hashed
//! and unpacked as it arrives, on two threads joined by a bounded pipe, so
//! the network, the decompressor and the disk work at once and no copy of
//! the archive is written anywhere.
//!
//! Nothing unverified becomes visible: the tree is built in the staging
//! directory, and the caller commits it only when the digest of every byte
//! received is the pinned one. Whatever the unpacker makes of the bytes
//! (even an error), the rest of the download is read and hashed, so a
//! tampered archive is reported as the digest mismatch it is.

use anyhow::Result;
use devenv_model::digest::Digest;
use devenv_model::lock::Artifact;
use devenv_net::fetch::Fetcher;
use devenv_store::archive::{self, FileHashes, Limits};
use std::io::{self, Read, Write};
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

/// Chunks in flight between the download and the unpacker (each up to the
/// fetcher's 256 KiB buffer): enough to ride out a slow write, small
/// enough that a stalled disk slows the download instead of filling memory.
const PIPE_CHUNKS: usize = 32;

/// What one streamed download produced.
pub(crate) struct Streamed {
    /// The digest of every byte received, and their count; `Err` when the
    /// download failed.
    pub(crate) fetched: Result<(Digest, u64)>,
    /// What unpacking made of the bytes: the files written, or why it
    /// stopped.
    pub(crate) unpacked: Result<FileHashes>,
}

/// Downloads `artifact` and unpacks it into `dest` as it arrives. Both outcomes
/// are returned: the caller decides which failure to report (a digest
/// mismatch before anything else).
pub(crate) fn download_and_unpack(
    fetcher: &Fetcher,
    artifact: &Artifact,
    dest: &Path,
    binary_name: &str,
    limits: &Limits,
    progress: &mut dyn FnMut(u64, Option<u64>),
) -> Streamed {
    let (url, format) = (&artifact.url, artifact.format);
    let (tx, rx) = sync_channel(PIPE_CHUNKS);
    std::thread::scope(|scope| {
        let unpacker = scope.spawn(move || {
            let mut pipe = PipeReader {
                rx,
                chunk: Vec::new(),
                at: 0,
            };
            let unpacked = archive::unpack_stream(&mut pipe, format, dest, binary_name, limits);
            // Read what the unpacker left (trailing bytes, or everything
            // after a refusal), so the download completes and is hashed.
            pipe.drain();
            unpacked
        });
        let mut pipe = PipeWriter { tx: Some(tx) };
        let fetched = fetcher.download_into(url, artifact.digest.algorithm, &mut pipe, progress);
        // The end of the stream, for the unpacker.
        pipe.tx = None;
        let unpacked = unpacker.join().unwrap_or_else(|_| {
            Err(anyhow::anyhow!(
                "the unpacker of {url} stopped unexpectedly"
            ))
        });
        Streamed { fetched, unpacked }
    })
}

/// The download's end of the pipe.
struct PipeWriter {
    tx: Option<SyncSender<Vec<u8>>>,
}

impl Write for PipeWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let closed = || io::Error::new(io::ErrorKind::BrokenPipe, "the unpacker stopped reading");
        let tx = self.tx.as_ref().ok_or_else(closed)?;
        tx.send(data.to_vec()).map_err(|_| closed())?;
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The unpacker's end of the pipe: the bytes in order, then the end of
/// the stream once the download's end is dropped.
struct PipeReader {
    rx: Receiver<Vec<u8>>,
    chunk: Vec<u8>,
    at: usize,
}

impl Read for PipeReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.at == self.chunk.len() {
            match self.rx.recv() {
                Ok(chunk) => {
                    self.chunk = chunk;
                    self.at = 0;
                }
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.chunk.len() - self.at);
        buf[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

impl PipeReader {
    fn drain(&mut self) {
        while self.rx.recv().is_ok() {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pipe_delivers_every_byte_in_order_and_then_the_end() {
        let (tx, rx) = sync_channel(2);
        let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        let sent = data.clone();
        let writer = std::thread::spawn(move || {
            let mut w = PipeWriter { tx: Some(tx) };
            for part in sent.chunks(70_001) {
                w.write_all(part).unwrap();
            }
        });
        let mut r = PipeReader {
            rx,
            chunk: Vec::new(),
            at: 0,
        };
        let mut got = Vec::new();
        r.read_to_end(&mut got).unwrap();
        writer.join().unwrap();
        assert_eq!(got, data);
    }

    #[test]
    fn writing_after_the_reader_is_gone_is_an_error_not_a_hang() {
        let (tx, rx) = sync_channel(1);
        drop(rx);
        let mut w = PipeWriter { tx: Some(tx) };
        let err = w.write(b"x").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
    }
}
