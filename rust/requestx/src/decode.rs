//! Content-Encoding decoding, incremental, as requests' `iter_content` decodes.
//!
//! Decoding happens here, when the body is read, so the response keeps its headers as received
//! (`Content-Encoding`, `Content-Length`) and `raw` can still give the undecoded bytes.

use std::io::Write;

use crate::errors::EngineError;

/// Decoders for the codings named in a Content-Encoding header, applied in reverse order.
pub struct Decoder {
    stages: Vec<Stage>,
    /// Whether any byte came: a body-less response (HEAD, 304, an empty 200) may still name
    /// a coding, and there is nothing to decode then (requests gives `b""`).
    fed: bool,
}

enum Stage {
    Gzip(flate2::write::MultiGzDecoder<Vec<u8>>),
    Deflate(DeflateStage),
    Brotli(Box<brotli_decompressor::DecompressorWriter<Vec<u8>>>),
    Zstd(Box<zstd::stream::write::Decoder<'static, Vec<u8>>>),
}

/// `deflate` is zlib-wrapped by the RFC, but some servers send raw deflate: sniff the header.
enum DeflateStage {
    Undecided(Vec<u8>),
    Zlib(flate2::write::ZlibDecoder<Vec<u8>>),
    Raw(flate2::write::DeflateDecoder<Vec<u8>>),
}

impl Decoder {
    /// None when the encoding needs no decoding (identity, absent) or is unknown: requests
    /// hands unknown codings through undecoded, and so do we.
    pub fn for_encoding(content_encoding: Option<&str>) -> Option<Self> {
        let header = content_encoding?;
        let mut stages = Vec::new();
        for coding in header.split(',').rev() {
            let stage = match coding.trim().to_ascii_lowercase().as_str() {
                "gzip" | "x-gzip" => Stage::Gzip(flate2::write::MultiGzDecoder::new(Vec::new())),
                "deflate" => Stage::Deflate(DeflateStage::Undecided(Vec::new())),
                "br" => Stage::Brotli(Box::new(brotli_decompressor::DecompressorWriter::new(
                    Vec::new(),
                    64 * 1024,
                ))),
                "zstd" => match zstd::stream::write::Decoder::new(Vec::new()) {
                    Ok(decoder) => Stage::Zstd(Box::new(decoder)),
                    Err(_) => return None,
                },
                "identity" | "" => continue,
                _ => return None,
            };
            stages.push(stage);
        }
        if stages.is_empty() {
            None
        } else {
            Some(Self { stages, fed: false })
        }
    }

    /// Decode one piece of the body; returns what is ready.
    pub fn feed(&mut self, data: &[u8]) -> Result<Vec<u8>, EngineError> {
        self.fed |= !data.is_empty();
        let mut chunk = data.to_vec();
        for stage in &mut self.stages {
            chunk = stage.feed(&chunk)?;
        }
        Ok(chunk)
    }

    /// The end of the body: flush every stage.
    pub fn finish(&mut self) -> Result<Vec<u8>, EngineError> {
        if !self.fed {
            return Ok(Vec::new());
        }
        let mut tail = Vec::new();
        for stage in &mut self.stages {
            let mut out = if tail.is_empty() {
                Vec::new()
            } else {
                stage.feed(&tail)?
            };
            out.extend(stage.finish()?);
            tail = out;
        }
        Ok(tail)
    }
}

fn broken(error: &std::io::Error) -> EngineError {
    EngineError::ContentDecoding(format!("failed to decode the response body: {error}"))
}

impl Stage {
    fn feed(&mut self, data: &[u8]) -> Result<Vec<u8>, EngineError> {
        match self {
            Self::Gzip(decoder) => {
                decoder.write_all(data).map_err(|e| broken(&e))?;
                Ok(std::mem::take(decoder.get_mut()))
            }
            Self::Deflate(stage) => stage.feed(data),
            Self::Brotli(decoder) => {
                decoder.write_all(data).map_err(|e| broken(&e))?;
                Ok(std::mem::take(decoder.get_mut()))
            }
            Self::Zstd(decoder) => {
                decoder.write_all(data).map_err(|e| broken(&e))?;
                Ok(std::mem::take(decoder.get_mut()))
            }
        }
    }

    fn finish(&mut self) -> Result<Vec<u8>, EngineError> {
        match self {
            Self::Gzip(decoder) => {
                decoder.try_finish().map_err(|e| broken(&e))?;
                Ok(std::mem::take(decoder.get_mut()))
            }
            Self::Deflate(stage) => stage.finish(),
            Self::Brotli(decoder) => {
                decoder.flush().map_err(|e| broken(&e))?;
                Ok(std::mem::take(decoder.get_mut()))
            }
            Self::Zstd(decoder) => {
                decoder.flush().map_err(|e| broken(&e))?;
                Ok(std::mem::take(decoder.get_mut()))
            }
        }
    }
}

impl DeflateStage {
    fn feed(&mut self, data: &[u8]) -> Result<Vec<u8>, EngineError> {
        if let Self::Undecided(buffer) = self {
            buffer.extend_from_slice(data);
            if buffer.len() < 2 {
                return Ok(Vec::new());
            }
            let head = std::mem::take(buffer);
            // A zlib stream starts with CMF/FLG where (CMF*256 + FLG) % 31 == 0 and CM == 8.
            let zlib =
                head[0] & 0x0f == 8 && (u16::from(head[0]) * 256 + u16::from(head[1])) % 31 == 0;
            *self = if zlib {
                Self::Zlib(flate2::write::ZlibDecoder::new(Vec::new()))
            } else {
                Self::Raw(flate2::write::DeflateDecoder::new(Vec::new()))
            };
            return self.feed(&head);
        }
        match self {
            Self::Zlib(decoder) => {
                decoder.write_all(data).map_err(|e| broken(&e))?;
                Ok(std::mem::take(decoder.get_mut()))
            }
            Self::Raw(decoder) => {
                decoder.write_all(data).map_err(|e| broken(&e))?;
                Ok(std::mem::take(decoder.get_mut()))
            }
            Self::Undecided(_) => Ok(Vec::new()),
        }
    }

    fn finish(&mut self) -> Result<Vec<u8>, EngineError> {
        if let Self::Undecided(buffer) = self {
            if buffer.is_empty() {
                return Ok(Vec::new());
            }
            let pending = std::mem::take(buffer);
            *self = Self::Raw(flate2::write::DeflateDecoder::new(Vec::new()));
            let mut out = self.feed(&pending)?;
            out.extend(self.finish()?);
            return Ok(out);
        }
        match self {
            Self::Zlib(decoder) => {
                decoder.try_finish().map_err(|e| broken(&e))?;
                Ok(std::mem::take(decoder.get_mut()))
            }
            Self::Raw(decoder) => {
                decoder.try_finish().map_err(|e| broken(&e))?;
                Ok(std::mem::take(decoder.get_mut()))
            }
            Self::Undecided(_) => Ok(Vec::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Decoder;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    fn decode_in_pieces(encoding: &str, body: &[u8], piece: usize) -> Vec<u8> {
        let mut decoder = Decoder::for_encoding(Some(encoding)).expect("a known coding");
        let mut out = Vec::new();
        for chunk in body.chunks(piece) {
            out.extend(decoder.feed(chunk).unwrap());
        }
        out.extend(decoder.finish().unwrap());
        out
    }

    #[test]
    fn gzip_decodes_whatever_the_piece_size() {
        let data = b"hello hello hello hello".repeat(100);
        for piece in [1, 7, 4096] {
            assert_eq!(decode_in_pieces("gzip", &gzip(&data), piece), data);
        }
    }

    #[test]
    fn deflate_accepts_zlib_and_raw_streams() {
        let data = b"deflated body".repeat(50);
        let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        zlib.write_all(&data).unwrap();
        let mut raw = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
        raw.write_all(&data).unwrap();
        assert_eq!(
            decode_in_pieces("deflate", &zlib.finish().unwrap(), 3),
            data
        );
        assert_eq!(decode_in_pieces("deflate", &raw.finish().unwrap(), 3), data);
    }

    #[test]
    fn zstd_and_stacked_codings_decode() {
        let data = b"zstd body".repeat(100);
        let compressed = zstd::stream::encode_all(&data[..], 1).unwrap();
        assert_eq!(decode_in_pieces("zstd", &compressed, 5), data);
        // "gzip, zstd": zstd was applied last, so it is undone first.
        let stacked = zstd::stream::encode_all(&gzip(&data)[..], 1).unwrap();
        assert_eq!(decode_in_pieces("gzip, zstd", &stacked, 11), data);
    }

    #[test]
    fn corrupt_bodies_are_decoding_errors() {
        let mut decoder = Decoder::for_encoding(Some("gzip")).unwrap();
        let fed = decoder.feed(b"this is not gzip at all");
        assert!(fed.is_err() || decoder.finish().is_err());
    }

    #[test]
    fn an_empty_body_decodes_to_nothing_whatever_the_coding() {
        for coding in ["gzip", "deflate", "br", "zstd", "gzip, br"] {
            let mut decoder = Decoder::for_encoding(Some(coding)).expect("a known coding");
            assert_eq!(decoder.feed(b"").unwrap(), b"");
            assert_eq!(decoder.finish().unwrap(), b"", "{coding}");
        }
    }

    #[test]
    fn a_truncated_body_is_still_an_error() {
        let mut decoder = Decoder::for_encoding(Some("gzip")).unwrap();
        let whole = gzip(b"some text that is long enough");
        let _ = decoder.feed(&whole[..whole.len() / 2]).unwrap();
        assert!(decoder.finish().is_err());
    }

    #[test]
    fn unknown_and_identity_codings_are_passed_through() {
        assert!(Decoder::for_encoding(Some("identity")).is_none());
        assert!(Decoder::for_encoding(Some("compress")).is_none());
        assert!(Decoder::for_encoding(None).is_none());
    }
}
