//! What a wheel holds, read before downloading it: the file list from the
//! zip's central directory (at the end of the file, fetched with HTTP
//! ranges) and the console scripts of its `entry_points.txt`.
//!
//! This lets a lock refuse a wheel that would put nothing on PATH — the
//! pins say which directories or files become commands, and each must be
//! in the wheel of every locked platform — without downloading tens of
//! megabytes per platform. The bytes read here are never installed; what
//! gets installed is verified against the lock's digest as always.

use anyhow::{Result, anyhow, bail};
use devenv_net::fetch::{ByteRange, Fetcher};
use std::io::Read;

/// The end of a zip holds its end-of-central-directory record (22 bytes
/// plus a comment of at most 64 KiB) and, usually, the directory itself.
const TAIL: u64 = 128 * 1024;
/// The largest central directory read (a wheel with 100 000 files has ~10 MiB).
const MAX_DIRECTORY: u64 = 32 * 1024 * 1024;
/// The largest `entry_points.txt` read.
const MAX_ENTRY_POINTS: u64 = 1024 * 1024;

/// One file of a wheel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WheelFile {
    /// Its path inside the wheel (`/`-separated, as the zip names it).
    pub(crate) path: String,
    /// Marked executable in the zip (Unix mode bits).
    pub(crate) executable: bool,
}

/// What a wheel holds, as far as it matters for what it can expose.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Contents {
    /// Every regular file.
    pub(crate) files: Vec<WheelFile>,
    /// The names of its `console_scripts` and `gui_scripts` entry points:
    /// commands that Python generates on install, which need a Python.
    pub(crate) entry_points: Vec<String>,
    /// The text of its `entry_points.txt` (empty if none), for installers
    /// that read the targets and extras.
    pub(crate) entry_points_text: String,
    /// The extras its `METADATA` declares (`Provides-Extra`), normalized;
    /// read only when asked for.
    pub(crate) extras: Vec<String>,
}

/// A central-directory record: enough to list a file and read it.
#[derive(Debug, Clone)]
struct Record {
    path: String,
    mode: Option<u32>,
    method: u16,
    compressed: u64,
    local_offset: u64,
}

/// Reads the contents of the wheel at `url`; with `extras`, also the
/// extras its `METADATA` declares (one more request, made only for a tool
/// that asks for extras).
pub(crate) fn contents(url: &str, fetcher: &Fetcher, extras: bool) -> Result<Contents> {
    let tail = fetcher.get_range(url, ByteRange::Last(TAIL))?;
    let (cd_offset, cd_size) = directory_location(&tail.bytes, tail.offset)
        .map_err(|e| anyhow!("{url} is not a readable wheel: {e}"))?;
    if cd_size > MAX_DIRECTORY {
        bail!("{url} lists more files than devenv reads ({cd_size} bytes of directory)");
    }
    let directory = if cd_offset >= tail.offset
        && cd_offset + cd_size <= tail.offset + tail.bytes.len() as u64
    {
        let start = (cd_offset - tail.offset) as usize;
        tail.bytes[start..start + cd_size as usize].to_vec()
    } else {
        let span = ByteRange::Span {
            start: cd_offset,
            len: cd_size,
        };
        fetcher.get_range(url, span)?.bytes
    };
    let records = parse_directory(&directory).map_err(|e| anyhow!("{url}: {e}"))?;
    let mut out = Contents::default();
    for r in &records {
        if r.path.ends_with('/') {
            continue;
        }
        let executable = r.mode.is_some_and(|m| m & 0o111 != 0);
        out.files.push(WheelFile {
            path: r.path.clone(),
            executable,
        });
    }
    // A file of the wheel's own `.dist-info` directory.
    let dist_info = |name: &str| {
        records.iter().find(|r| {
            let mut parts = r.path.split('/');
            matches!(
                (parts.next(), parts.next(), parts.next()),
                (Some(d), Some(n), None) if d.ends_with(".dist-info") && n == name
            )
        })
    };
    if let Some(r) = dist_info("entry_points.txt") {
        let text = read_member(url, r, fetcher)?;
        out.entry_points = console_scripts(&text);
        out.entry_points_text = text;
    }
    if let Some(r) = dist_info("METADATA").filter(|_| extras) {
        out.extras = read_member(url, r, fetcher)?
            .lines()
            .take_while(|l| !l.is_empty())
            .filter_map(|l| l.strip_prefix("Provides-Extra:"))
            .map(|e| super::pypi_tree::normalize(e.trim()))
            .collect();
    }
    Ok(out)
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// Where the central directory is (offset, size), from the last bytes of
/// a zip that start at `tail_offset`.
fn directory_location(tail: &[u8], tail_offset: u64) -> Result<(u64, u64), String> {
    let eocd = (0..tail.len().saturating_sub(21))
        .rev()
        .find(|&i| tail[i..].starts_with(&[0x50, 0x4b, 0x05, 0x06]))
        .ok_or("it has no zip directory")?;
    let short = || "its zip directory is cut short".to_string();
    let size = u32_at(tail, eocd + 12).ok_or_else(short)?;
    let offset = u32_at(tail, eocd + 16).ok_or_else(short)?;
    if size != u32::MAX && offset != u32::MAX {
        return Ok((offset as u64, size as u64));
    }
    // Zip64: a locator just before the record points at the zip64 record.
    let locator = eocd.checked_sub(20).ok_or_else(short)?;
    if !tail[locator..].starts_with(&[0x50, 0x4b, 0x06, 0x07]) {
        return Err("its zip64 directory locator is missing".into());
    }
    let record = u64_at(tail, locator + 8).ok_or_else(short)?;
    let at = record
        .checked_sub(tail_offset)
        .map(|a| a as usize)
        .filter(|a| tail[*a..].starts_with(&[0x50, 0x4b, 0x06, 0x06]))
        .ok_or("its zip64 directory record is not where the locator says")?;
    let size = u64_at(tail, at + 40).ok_or_else(short)?;
    let offset = u64_at(tail, at + 48).ok_or_else(short)?;
    Ok((offset, size))
}

/// The records of a central directory.
fn parse_directory(b: &[u8]) -> Result<Vec<Record>, String> {
    let mut out = Vec::new();
    let mut at = 0usize;
    let bad = |what: &str| format!("its zip directory is damaged ({what})");
    while at + 46 <= b.len() {
        if u32_at(b, at) != Some(0x0201_4b50) {
            return Err(bad("a record has the wrong signature"));
        }
        let made_by = u16_at(b, at + 4).unwrap_or(0);
        let method = u16_at(b, at + 10).unwrap_or(0);
        let mut compressed = u32_at(b, at + 20).unwrap_or(0) as u64;
        let uncompressed = u32_at(b, at + 24).unwrap_or(0);
        let name_len = u16_at(b, at + 28).unwrap_or(0) as usize;
        let extra_len = u16_at(b, at + 30).unwrap_or(0) as usize;
        let comment_len = u16_at(b, at + 32).unwrap_or(0) as usize;
        let external = u32_at(b, at + 38).unwrap_or(0);
        let mut local_offset = u32_at(b, at + 42).unwrap_or(0) as u64;
        let name = b
            .get(at + 46..at + 46 + name_len)
            .ok_or_else(|| bad("a name is cut short"))?;
        let extra = b
            .get(at + 46 + name_len..at + 46 + name_len + extra_len)
            .ok_or_else(|| bad("an extra field is cut short"))?;
        // Zip64 sizes and offsets live in the extra field, in this order,
        // each present only where the fixed field is saturated.
        let mut e = 0;
        while e + 4 <= extra.len() {
            let id = u16_at(extra, e).unwrap_or(0);
            let len = u16_at(extra, e + 2).unwrap_or(0) as usize;
            if id == 1 {
                let mut f = e + 4;
                let mut next = || {
                    let v = u64_at(extra, f);
                    f += 8;
                    v
                };
                if uncompressed == u32::MAX {
                    next();
                }
                if compressed == u32::MAX as u64 {
                    compressed = next().ok_or_else(|| bad("a zip64 size is missing"))?;
                }
                if local_offset == u32::MAX as u64 {
                    local_offset = next().ok_or_else(|| bad("a zip64 offset is missing"))?;
                }
            }
            e += 4 + len;
        }
        // Unix modes are the high half of the external attributes when the
        // archive says it was made on Unix (host 3).
        let mode = (made_by >> 8 == 3).then_some(external >> 16);
        out.push(Record {
            path: String::from_utf8_lossy(name).into_owned(),
            mode,
            method,
            compressed,
            local_offset,
        });
        at += 46 + name_len + extra_len + comment_len;
    }
    Ok(out)
}

/// The text of one small member of the wheel at `url`.
fn read_member(url: &str, r: &Record, fetcher: &Fetcher) -> Result<String> {
    if r.compressed > MAX_ENTRY_POINTS {
        bail!("{url}: {} is larger than devenv reads", r.path);
    }
    // The local header repeats the name and has an extra field of its own
    // length: ask for the most it can be.
    let span = ByteRange::Span {
        start: r.local_offset,
        len: 30 + 0xffff * 2 + r.compressed,
    };
    let b = fetcher.get_range(url, span)?.bytes;
    let damaged = || anyhow!("{url}: the zip entry of {} is damaged", r.path);
    if u32_at(&b, 0) != Some(0x0403_4b50) {
        return Err(damaged());
    }
    let start = 30
        + u16_at(&b, 26).ok_or_else(damaged)? as usize
        + u16_at(&b, 28).ok_or_else(damaged)? as usize;
    let data = b
        .get(start..start + r.compressed as usize)
        .ok_or_else(damaged)?;
    let mut text = String::new();
    let read = match r.method {
        0 => std::str::from_utf8(data)
            .map(|s| text.push_str(s))
            .map_err(|_| damaged()),
        8 => flate2::read::DeflateDecoder::new(data)
            .take(MAX_ENTRY_POINTS)
            .read_to_string(&mut text)
            .map(|_| ())
            .map_err(|_| damaged()),
        m => bail!(
            "{url}: {} uses zip compression method {m}, which devenv does not read",
            r.path
        ),
    };
    read.map(|()| text)
}

/// The command names of `[console_scripts]` and `[gui_scripts]` in an
/// `entry_points.txt`, sorted.
pub(crate) fn console_scripts(text: &str) -> Vec<String> {
    let mut section = "";
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.trim();
        } else if matches!(section, "console_scripts" | "gui_scripts")
            && let Some((name, _)) = line.split_once('=')
            && !line.starts_with(['#', ';'])
        {
            out.push(name.trim().to_string());
        }
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A zip as Python's `zipfile` writes a wheel: a stored and a deflated
    /// member, Unix modes.
    fn sample() -> Vec<u8> {
        use std::io::Write;
        let mut buf = std::io::Cursor::new(Vec::new());
        let mut z = zip::ZipWriter::new(&mut buf);
        let exe = zip::write::SimpleFileOptions::default().unix_permissions(0o755);
        let plain = zip::write::SimpleFileOptions::default()
            .unix_permissions(0o644)
            .compression_method(zip::CompressionMethod::Deflated);
        z.start_file("cmake/data/bin/cmake", exe).unwrap();
        z.write_all(b"\x7fELF").unwrap();
        z.start_file("cmake-3.30.9.dist-info/entry_points.txt", plain)
            .unwrap();
        z.write_all(
            b"[console_scripts]\ncmake = cmake:cmake\nctest = cmake:ctest\n\n[other]\nx = y\n",
        )
        .unwrap();
        z.finish().unwrap();
        buf.into_inner()
    }

    #[test]
    fn lists_files_modes_and_entry_points_of_a_local_wheel() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cmake.whl");
        std::fs::write(&path, sample()).unwrap();
        let c = contents(
            &format!("file://{}", path.display()),
            &Fetcher::default(),
            false,
        )
        .unwrap();
        assert_eq!(
            c.files,
            vec![
                WheelFile {
                    path: "cmake/data/bin/cmake".into(),
                    executable: true
                },
                WheelFile {
                    path: "cmake-3.30.9.dist-info/entry_points.txt".into(),
                    executable: false
                }
            ]
        );
        assert_eq!(c.entry_points, vec!["cmake", "ctest"]);
    }

    #[test]
    fn damaged_zips_are_said_to_be_so() {
        assert!(directory_location(b"not a zip at all, no directory", 0).is_err());
        let mut z = sample();
        let eocd = z.len() - 22;
        let cd = u32_at(&z, eocd + 16).unwrap() as usize;
        z[cd] = b'X';
        assert!(
            parse_directory(&z[cd..eocd])
                .unwrap_err()
                .contains("damaged")
        );
    }

    #[test]
    fn reads_console_and_gui_scripts_only() {
        let text = "[console_scripts]\nblack = black:patched_main\nblackd = blackd:patched_main [d]\n# c = d\n[gui_scripts]\nidle = x:y\n[pytest11]\nplug = p\n";
        assert_eq!(console_scripts(text), vec!["black", "blackd", "idle"]);
    }
}
