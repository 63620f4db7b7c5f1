//! The stream decoders of the archive formats. On Linux, liblzma and
//! libzstd (C, the fastest); on Apple targets, pure Rust (`lzma-rust2`,
//! `ruzstd`), so building for macOS compiles no C and needs no SDK. Both
//! sets read every stream of a file (xz and zstd allow several, as `xz`
//! and `pzstd` write them); the pure ones are tested on Linux against
//! archives the C encoders made.

use std::io::{self, BufReader, Read};

/// The decoder of a `.xz` stream (every stream in it, in order).
pub(crate) fn xz<'a>(reader: impl Read + 'a) -> Box<dyn Read + 'a> {
    #[cfg(not(target_os = "macos"))]
    {
        Box::new(liblzma::read::XzDecoder::new_multi_decoder(BufReader::new(
            reader,
        )))
    }
    #[cfg(target_os = "macos")]
    {
        pure::xz(reader)
    }
}

/// The decoder of a `.zst` stream (every frame in it, in order).
pub(crate) fn zstd<'a>(reader: impl Read + 'a) -> io::Result<Box<dyn Read + 'a>> {
    #[cfg(not(target_os = "macos"))]
    {
        Ok(Box::new(::zstd::Decoder::new(reader)?))
    }
    #[cfg(target_os = "macos")]
    {
        Ok(pure::zstd(reader))
    }
}

/// The pure-Rust decoders: what Apple targets use.
#[cfg(any(target_os = "macos", test))]
pub(crate) mod pure {
    use super::*;
    use ruzstd::decoding::StreamingDecoder;

    pub(crate) fn xz<'a>(reader: impl Read + 'a) -> Box<dyn Read + 'a> {
        Box::new(lzma_rust2::XzReader::new(BufReader::new(reader), true))
    }

    pub(crate) fn zstd<'a>(reader: impl Read + 'a) -> Box<dyn Read + 'a> {
        Box::new(Frames {
            source: Some(Box::new(BufReader::new(reader))),
            frame: None,
        })
    }

    type Source<'a> = Box<dyn Read + 'a>;

    /// Every zstd frame of a stream, one after another: ruzstd's decoder
    /// reads one frame; the next starts where it ended. Skippable frames
    /// are skipped, as the format says.
    struct Frames<'a> {
        source: Option<Source<'a>>,
        frame: Option<StreamingDecoder<Source<'a>, ruzstd::decoding::FrameDecoder>>,
    }

    fn invalid(e: impl std::fmt::Display) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, e.to_string())
    }

    impl Read for Frames<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            loop {
                if let Some(frame) = &mut self.frame {
                    let n = frame.read(buf)?;
                    if n > 0 || buf.is_empty() {
                        return Ok(n);
                    }
                    let done = self.frame.take().expect("a frame is open");
                    self.source = Some(done.into_inner());
                }
                let Some(mut source) = self.source.take() else {
                    return Ok(0);
                };
                // The end of the stream, a skippable frame, or a frame.
                let mut magic = [0u8; 4];
                let got = read_up_to(&mut source, &mut magic)?;
                if got == 0 {
                    return Ok(0);
                }
                if got == 4 && (0x184D_2A50..=0x184D_2A5F).contains(&u32::from_le_bytes(magic)) {
                    let mut size = [0u8; 4];
                    source.read_exact(&mut size)?;
                    let skip = u64::from(u32::from_le_bytes(size));
                    if io::copy(&mut (&mut source).take(skip), &mut io::sink())? != skip {
                        return Err(invalid("a skippable zstd frame ends early"));
                    }
                    self.source = Some(source);
                    continue;
                }
                let chained: Source<'_> =
                    Box::new(io::Cursor::new(magic[..got].to_vec()).chain(source));
                self.frame = Some(StreamingDecoder::new(chained).map_err(invalid)?);
            }
        }
    }

    /// Reads until `buf` is full or the stream ends; how much was read.
    fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
        let mut n = 0;
        while n < buf.len() {
            match r.read(&mut buf[n..])? {
                0 => break,
                k => n += k,
            }
        }
        Ok(n)
    }
}

// The C encoders make the samples, so these run where the C decoders do.
#[cfg(all(test, not(target_os = "macos")))]
mod tests {
    use super::*;
    use std::io::Write;

    fn sample() -> Vec<u8> {
        (0..200_000u32)
            .flat_map(|i| format!("line {i} of a tool's archive\n").into_bytes())
            .collect()
    }

    fn read_all(mut r: impl Read) -> Vec<u8> {
        let mut out = Vec::new();
        r.read_to_end(&mut out).unwrap();
        out
    }

    #[test]
    fn the_pure_decoders_read_what_the_c_encoders_write_stream_after_stream() {
        let data = sample();
        let (a, b) = data.split_at(data.len() / 3);
        // Two xz streams, as `xz` writes for concatenated files.
        let mut xz = Vec::new();
        for part in [a, b] {
            let mut e = liblzma::write::XzEncoder::new(Vec::new(), 6);
            e.write_all(part).unwrap();
            xz.extend(e.finish().unwrap());
        }
        assert_eq!(read_all(pure::xz(&xz[..])), data);
        assert_eq!(read_all(super::xz(&xz[..])), data);
        // Two zstd frames, as `pzstd` writes.
        let mut zst = ::zstd::encode_all(a, 3).unwrap();
        zst.extend(::zstd::encode_all(b, 19).unwrap());
        assert_eq!(read_all(pure::zstd(&zst[..])), data);
        assert_eq!(read_all(super::zstd(&zst[..]).unwrap()), data);
        // A skippable frame between them is skipped.
        let mut skippable = 0x184D_2A50u32.to_le_bytes().to_vec();
        skippable.extend(5u32.to_le_bytes());
        skippable.extend(b"12345");
        let mut with_skip = ::zstd::encode_all(a, 3).unwrap();
        with_skip.extend(skippable);
        with_skip.extend(::zstd::encode_all(b, 3).unwrap());
        assert_eq!(read_all(pure::zstd(&with_skip[..])), data);
    }

    #[test]
    fn damaged_streams_are_errors_in_both_sets() {
        let mut zst = ::zstd::encode_all(&sample()[..], 3).unwrap();
        let mid = zst.len() / 2;
        zst[mid] ^= 0xff;
        zst.truncate(zst.len() - 10);
        assert!(pure::zstd(&zst[..]).read_to_end(&mut Vec::new()).is_err());
        let mut e = liblzma::write::XzEncoder::new(Vec::new(), 6);
        e.write_all(&sample()).unwrap();
        let mut xz = e.finish().unwrap();
        xz.truncate(xz.len() / 2);
        assert!(pure::xz(&xz[..]).read_to_end(&mut Vec::new()).is_err());
    }
}
