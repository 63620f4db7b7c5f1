//! Builders for test archives, hostile ones included.
//!
//! Entry names are written into the archive exactly as given (`../x`,
//! `/abs`, anything): the point is to express what an attacker can, so
//! nothing here sanitises a path.
#![allow(dead_code)]

use std::io::Write;

/// One member of a test archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Entry {
    File {
        path: String,
        contents: Vec<u8>,
        mode: u32,
    },
    Dir {
        path: String,
    },
    Symlink {
        path: String,
        target: String,
    },
    Hardlink {
        path: String,
        target: String,
    },
    CharDevice {
        path: String,
    },
    Fifo {
        path: String,
    },
}

impl Entry {
    pub(crate) fn file(path: &str, contents: &[u8], mode: u32) -> Entry {
        Entry::File {
            path: path.into(),
            contents: contents.to_vec(),
            mode,
        }
    }

    pub(crate) fn dir(path: &str) -> Entry {
        Entry::Dir { path: path.into() }
    }

    pub(crate) fn symlink(path: &str, target: &str) -> Entry {
        Entry::Symlink {
            path: path.into(),
            target: target.into(),
        }
    }

    pub(crate) fn hardlink(path: &str, target: &str) -> Entry {
        Entry::Hardlink {
            path: path.into(),
            target: target.into(),
        }
    }

    pub(crate) fn char_device(path: &str) -> Entry {
        Entry::CharDevice { path: path.into() }
    }

    pub(crate) fn fifo(path: &str) -> Entry {
        Entry::Fifo { path: path.into() }
    }

    pub(crate) fn path(&self) -> &str {
        match self {
            Entry::File { path, .. }
            | Entry::Dir { path }
            | Entry::Symlink { path, .. }
            | Entry::Hardlink { path, .. }
            | Entry::CharDevice { path }
            | Entry::Fifo { path } => path,
        }
    }
}

/// A `#!/bin/sh` script running `body`.
pub(crate) fn script(body: &str) -> Vec<u8> {
    format!("#!/bin/sh\n{body}\n").into_bytes()
}

/// An uncompressed tar of `entries`, in order.
pub(crate) fn tar(entries: &[Entry]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for entry in entries {
        append_tar_entry(&mut builder, entry);
    }
    builder.into_inner().expect("finish the tar")
}

pub(crate) fn tar_gz(entries: &[Entry]) -> Vec<u8> {
    gzip(&tar(entries))
}

pub(crate) fn tar_xz(entries: &[Entry]) -> Vec<u8> {
    // Made with a pure-Rust encoder, so the tests build for every target
    // (and devenv's decoders read another implementation's output).
    let options = lzma_rust2::XzOptions::with_preset(6);
    let mut encoder = lzma_rust2::XzWriter::new(Vec::new(), options).expect("xz-compress");
    encoder.write_all(&tar(entries)).expect("xz-compress");
    encoder.finish().expect("finish xz")
}

pub(crate) fn tar_zst(entries: &[Entry]) -> Vec<u8> {
    ruzstd::encoding::compress_to_vec(
        &tar(entries)[..],
        ruzstd::encoding::CompressionLevel::Fastest,
    )
}

pub(crate) fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(data).expect("gzip");
    encoder.finish().expect("finish gzip")
}

/// A zip of `entries`, with unix modes. Zip has no hard links or device
/// nodes, so those entries panic.
pub(crate) fn zip(entries: &[Entry]) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for entry in entries {
        match entry {
            Entry::File {
                path,
                contents,
                mode,
            } => {
                let options = SimpleFileOptions::default().unix_permissions(*mode);
                writer
                    .start_file(path.as_str(), options)
                    .expect("start a zip entry");
                writer.write_all(contents).expect("write a zip entry");
            }
            Entry::Dir { path } => {
                let options = SimpleFileOptions::default().unix_permissions(0o755);
                writer
                    .add_directory(path.as_str(), options)
                    .expect("add a zip directory");
            }
            Entry::Symlink { path, target } => {
                writer
                    .add_symlink(path.as_str(), target.as_str(), SimpleFileOptions::default())
                    .expect("add a zip symlink");
            }
            other => panic!("zip archives cannot hold {other:?}"),
        }
    }
    writer.finish().expect("finish the zip").into_inner()
}

/// A tar.gz of about `bytes` bytes of incompressible content, in a
/// `big/` directory with a `big/bin/tool` script.
pub(crate) fn big_tar_gz(bytes: usize) -> Vec<u8> {
    // xorshift: fast, deterministic, and gzip cannot shrink it.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut data = Vec::with_capacity(bytes + 8);
    while data.len() < bytes {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        data.extend_from_slice(&state.to_le_bytes());
    }
    data.truncate(bytes);
    tar_gz(&[
        Entry::file("big/bin/tool", &script("echo big"), 0o755),
        Entry::file("big/data.bin", &data, 0o644),
    ])
}

fn append_tar_entry(builder: &mut tar::Builder<Vec<u8>>, entry: &Entry) {
    let mut header = tar::Header::new_gnu();
    header.set_mtime(1_700_000_000);
    header.set_uid(0);
    header.set_gid(0);
    let mut data: &[u8] = &[];
    match entry {
        Entry::File { contents, mode, .. } => {
            header.set_entry_type(tar::EntryType::Regular);
            header.set_mode(*mode);
            header.set_size(contents.len() as u64);
            data = contents;
        }
        Entry::Dir { .. } => {
            header.set_entry_type(tar::EntryType::Directory);
            header.set_mode(0o755);
        }
        Entry::Symlink { target, .. } | Entry::Hardlink { target, .. } => {
            let kind = if matches!(entry, Entry::Symlink { .. }) {
                tar::EntryType::Symlink
            } else {
                tar::EntryType::Link
            };
            header.set_entry_type(kind);
            header.set_mode(0o777);
            set_raw_name(builder, &mut header, target.as_bytes(), true);
        }
        Entry::CharDevice { .. } => {
            header.set_entry_type(tar::EntryType::Char);
            header.set_mode(0o666);
            header.set_device_major(1).expect("device major");
            header.set_device_minor(3).expect("device minor");
        }
        Entry::Fifo { .. } => {
            header.set_entry_type(tar::EntryType::Fifo);
            header.set_mode(0o644);
        }
    }
    header.set_size(data.len() as u64);
    set_raw_name(builder, &mut header, entry.path().as_bytes(), false);
    header.set_cksum();
    builder.append(&header, data).expect("append a tar entry");
}

/// Writes `name` into the header's name (or link name) field byte for byte,
/// as an attacker would; names too long for the field go first into a GNU
/// long-name entry, as GNU tar does.
fn set_raw_name(
    builder: &mut tar::Builder<Vec<u8>>,
    header: &mut tar::Header,
    name: &[u8],
    link: bool,
) {
    let gnu = header.as_gnu_mut().expect("a GNU header");
    let field: &mut [u8; 100] = if link {
        &mut gnu.linkname
    } else {
        &mut gnu.name
    };
    field.fill(0);
    let n = name.len().min(100);
    field[..n].copy_from_slice(&name[..n]);
    if name.len() > 100 {
        let mut long = tar::Header::new_gnu();
        long.as_gnu_mut().expect("a GNU header").name[..13].copy_from_slice(b"././@LongLink");
        long.set_mode(0o644);
        long.set_entry_type(if link {
            tar::EntryType::GNULongLink
        } else {
            tar::EntryType::GNULongName
        });
        let mut payload = name.to_vec();
        payload.push(0);
        long.set_size(payload.len() as u64);
        long.set_cksum();
        builder
            .append(&long, &payload[..])
            .expect("append a GNU long name");
    }
}

/// An npm package tarball: each `(path, body)` under `package/`, as npm
/// packs them (mode 0644).
pub(crate) fn npm_tarball(files: &[(&str, &str)]) -> Vec<u8> {
    let entries: Vec<Entry> = files
        .iter()
        .map(|(path, body)| Entry::file(&format!("package/{path}"), body.as_bytes(), 0o644))
        .collect();
    tar_gz(&entries)
}
