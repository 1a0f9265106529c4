//! Resource limits: what one document may cost to read, so that a hostile or broken file ends
//! with a clear error instead of a hung worker or an out-of-memory kill.
//!
//! A limit that concerns one page (its content stream's size, its operators, its nesting, its
//! time) fails that page: it is left out of the translation, copied unchanged, and named in the
//! report. A limit that concerns the document (its pages, its objects, the bytes decoded in all)
//! fails the document with [`ReadError::Limit`](crate::ReadError::Limit).

use std::borrow::Cow;
use std::fmt;
use std::io::Read;
use std::time::{Duration, Instant};

use hayro_syntax::Filter;
use hayro_syntax::object::Stream;

/// How much reading one document may cost. [`Limits::default`] is generous for real files
/// (the largest corpus files use a small fraction of each) and keeps a worker well under
/// 500 MB and a few seconds a page on hostile ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Pages a document may have.
    pub max_pages: u32,
    /// Objects a document may have (its cross-reference table's size).
    pub max_objects: usize,
    /// Bytes one stream may decode to (a page's content, a form). Font programs have a fixed
    /// bound of their own (64 MiB).
    pub max_stream_bytes: u64,
    /// Bytes all the streams the reader decodes may decode to, together.
    pub max_document_bytes: u64,
    /// How deep Form XObjects (and the annotation appearances drawn as forms) may nest.
    /// Patterns and Type 3 glyph procedures are not walked by the reader, so they cannot nest.
    pub max_depth: u32,
    /// Content operators one page may run, its forms' operators included.
    pub max_operators: u64,
    /// Glyphs one page may show (one string can show a million).
    pub max_glyphs: u64,
    /// Time one page's content may take to walk.
    pub page_time: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_pages: 10_000,
            max_objects: 10_000_000,
            max_stream_bytes: 128 << 20,
            max_document_bytes: 1 << 30,
            max_depth: 12,
            max_operators: 2_000_000,
            // The densest corpus pages show about 10,000; each glyph read costs ~250 bytes.
            max_glyphs: 250_000,
            page_time: Duration::from_secs(5),
        }
    }
}

impl Limits {
    /// No limit at all: for a second walk of pages that a first walk under limits accepted
    /// (the writer's), which must see exactly what the first one saw.
    pub(crate) fn unbounded() -> Self {
        Self {
            max_pages: u32::MAX,
            max_objects: usize::MAX,
            max_stream_bytes: u64::MAX,
            max_document_bytes: u64::MAX,
            // The pages walked again nest no deeper than the first walk's limit allowed.
            max_depth: u32::MAX,
            max_operators: u64::MAX,
            max_glyphs: u64::MAX,
            page_time: Duration::MAX,
        }
    }
}

/// A limit a document or a page went over.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LimitExceeded {
    /// The document has more pages than [`Limits::max_pages`].
    Pages {
        /// Pages in the document.
        pages: u32,
        /// The limit.
        max: u32,
    },
    /// The document has more objects than [`Limits::max_objects`].
    Objects {
        /// Objects in the document.
        objects: usize,
        /// The limit.
        max: usize,
    },
    /// A stream decodes to more than [`Limits::max_stream_bytes`].
    StreamBytes {
        /// The limit.
        max: u64,
    },
    /// The streams decode to more than [`Limits::max_document_bytes`] together.
    DocumentBytes {
        /// The limit.
        max: u64,
    },
    /// Form XObjects nest deeper than [`Limits::max_depth`].
    Depth {
        /// The limit.
        max: u32,
    },
    /// A page runs more than [`Limits::max_operators`] operators.
    Operators {
        /// The limit.
        max: u64,
    },
    /// A page shows more than [`Limits::max_glyphs`] glyphs.
    Glyphs {
        /// The limit.
        max: u64,
    },
    /// A page took longer than [`Limits::page_time`].
    PageTime {
        /// The limit.
        max: Duration,
    },
}

impl fmt::Display for LimitExceeded {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Pages { pages, max } => {
                write!(f, "the PDF has {pages} pages, more than the limit of {max}")
            }
            Self::Objects { objects, max } => {
                write!(
                    f,
                    "the PDF has {objects} objects, more than the limit of {max}"
                )
            }
            Self::StreamBytes { max } => {
                write!(f, "a stream decodes to more than the limit of {max} bytes")
            }
            Self::DocumentBytes { max } => write!(
                f,
                "the streams decode to more than the limit of {max} bytes in all"
            ),
            Self::Depth { max } => write!(f, "forms nest deeper than the limit of {max}"),
            Self::Operators { max } => {
                write!(f, "the content runs more than the limit of {max} operators")
            }
            Self::Glyphs { max } => {
                write!(f, "the page shows more than the limit of {max} glyphs")
            }
            Self::PageTime { max } => {
                write!(f, "the content took longer than the limit of {max:?}")
            }
        }
    }
}

/// Why a stream gave no data.
pub(crate) enum DecodeError {
    /// Its filters failed on its bytes.
    Broken,
    /// It decodes to more than a limit allows.
    Limit(LimitExceeded),
}

/// What reading a document has spent so far of its [`Limits`].
#[derive(Debug)]
pub(crate) struct Budget {
    pub limits: Limits,
    /// Bytes decoded so far, all streams together.
    decoded: u64,
}

impl Budget {
    pub fn new(limits: Limits) -> Self {
        Self { limits, decoded: 0 }
    }

    /// Decodes a stream within the limits, and counts its bytes against the document's.
    ///
    /// A stream whose first filter is `FlateDecode` (nearly every stream) is inflated once
    /// into a counter before it is decoded, so a deflate bomb is refused before it fills the
    /// memory; other filters expand a bounded number of times at most (LZW ~1:400,
    /// RunLength 1:128) and are checked once decoded.
    pub fn decode<'a>(&mut self, stream: &Stream<'a>) -> Result<Cow<'a, [u8]>, DecodeError> {
        let room = self
            .limits
            .max_stream_bytes
            .min(self.limits.max_document_bytes.saturating_sub(self.decoded));
        if stream.filters().first() == Some(&Filter::FlateDecode) {
            let size = inflated_size(&stream.raw_data(), room.saturating_add(1));
            self.check(size, room)?;
        }
        let data = stream.decoded().map_err(|_| DecodeError::Broken)?;
        self.check(data.len() as u64, room)?;
        self.decoded += data.len() as u64;
        Ok(data)
    }

    /// Whether a stream of `size` bytes fits in `room`, and which limit it breaks if not.
    fn check(&self, size: u64, room: u64) -> Result<(), DecodeError> {
        if size <= room {
            Ok(())
        } else if size > self.limits.max_stream_bytes {
            Err(DecodeError::Limit(LimitExceeded::StreamBytes {
                max: self.limits.max_stream_bytes,
            }))
        } else {
            Err(DecodeError::Limit(LimitExceeded::DocumentBytes {
                max: self.limits.max_document_bytes,
            }))
        }
    }
}

/// Whether a stream inflates to more than `max` bytes (only streams whose first filter is
/// `FlateDecode` are measured): for streams that others decode, such as font programs.
pub(crate) fn inflates_beyond(stream: &Stream<'_>, max: u64) -> bool {
    stream.filters().first() == Some(&Filter::FlateDecode)
        && inflated_size(&stream.raw_data(), max.saturating_add(1)) > max
}

/// How many bytes zlib (else raw deflate) data inflates to, counting no further than `cap`.
/// Broken data counts what inflated before the break, as hayro's decoder keeps it.
fn inflated_size(data: &[u8], cap: u64) -> u64 {
    let zlib = count(flate2::read::ZlibDecoder::new(data), cap);
    if zlib > 0 {
        return zlib;
    }
    count(flate2::read::DeflateDecoder::new(data), cap)
}

/// Reads `reader` into a small buffer until it ends, fails or passes `cap` bytes.
fn count(mut reader: impl Read, cap: u64) -> u64 {
    let mut buf = [0u8; 16 * 1024];
    let mut total = 0u64;
    while total < cap {
        match reader.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => total += n as u64,
        }
    }
    total
}

/// Measures the streams hayro-syntax inflates by itself, out of [`Budget`]'s reach: object
/// streams (ISO 32000-1 §7.5.7), which hold objects it resolves (pages among them), and
/// cross-reference streams (§7.5.8), read as the file opens. Each is found by its `/Type`
/// (`/ObjStm`, `/XRef`) in the file's bytes, and its data, when deflated, inflated into a
/// buffer no larger than the limits allow. Gives the page objects `count_pages` finds in the
/// object streams, so that pages packed there count against [`Limits::max_pages`] before
/// hayro-syntax resolves the page tree; a stream over [`Limits::max_stream_bytes`], or all of
/// them over [`Limits::max_document_bytes`], is the document's error.
///
/// Streams that are encrypted, or whose `/Type` is written with `#` escapes, are not seen
/// here: they inflate without this bound.
pub(crate) fn scan_object_streams(
    bytes: &[u8],
    limits: &Limits,
    count_pages: fn(&[u8]) -> usize,
) -> Result<usize, LimitExceeded> {
    let mut pages = 0usize;
    let mut total = 0u64;
    let mut rest = bytes;
    while let Some((at, len)) = next_packed_type(rest) {
        rest = &rest[at + len..];
        // The data follows the dictionary's `stream` keyword and its end of line (§7.3.8.1).
        let Some(keyword) = find(rest, b"stream") else {
            break;
        };
        let mut data = &rest[keyword + b"stream".len()..];
        data = data
            .strip_prefix(b"\r\n")
            .or_else(|| data.strip_prefix(b"\n"))
            .or_else(|| data.strip_prefix(b"\r"))
            .unwrap_or(data);
        let room = limits
            .max_stream_bytes
            .min(limits.max_document_bytes.saturating_sub(total));
        // Measured first, into a small buffer: only a stream that fits is held.
        let size = inflated_size(data, room.saturating_add(1));
        if size > room {
            return Err(if size > limits.max_stream_bytes {
                LimitExceeded::StreamBytes {
                    max: limits.max_stream_bytes,
                }
            } else {
                LimitExceeded::DocumentBytes {
                    max: limits.max_document_bytes,
                }
            });
        }
        total += size;
        if size > 0 {
            pages = pages.saturating_add(count_pages(&inflate(data, size)));
        }
        rest = data;
    }
    Ok(pages)
}

/// Where the next `/ObjStm` or `/XRef` name starts in `bytes`, and its length: names only,
/// not `/XRefStm` (a trailer's key).
fn next_packed_type(bytes: &[u8]) -> Option<(usize, usize)> {
    let mut from = 0;
    while let Some(at) = find(&bytes[from..], b"/") {
        let at = from + at;
        for name in [&b"/ObjStm"[..], b"/XRef"] {
            if bytes[at..].starts_with(name)
                && bytes
                    .get(at + name.len())
                    .is_none_or(|b| !b.is_ascii_alphanumeric())
            {
                return Some((at, name.len()));
            }
        }
        from = at + 1;
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// zlib (else raw deflate) data inflated, no further than `cap` bytes; broken or other data
/// gives what inflated before the break (often nothing).
fn inflate(data: &[u8], cap: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(usize::try_from(cap).unwrap_or(0));
    let _ = flate2::read::ZlibDecoder::new(data)
        .take(cap)
        .read_to_end(&mut out);
    if out.is_empty() {
        let _ = flate2::read::DeflateDecoder::new(data)
            .take(cap)
            .read_to_end(&mut out);
    }
    out
}

/// One page's walk against its limits: operators run, time taken, depth of forms.
#[derive(Debug)]
pub(crate) struct PageBudget {
    max_operators: u64,
    page_time: Duration,
    started: Instant,
    operators: u64,
    /// The first limit the page went over; the walk stops there.
    pub exceeded: Option<LimitExceeded>,
}

impl PageBudget {
    pub fn new(limits: &Limits) -> Self {
        Self {
            max_operators: limits.max_operators,
            page_time: limits.page_time,
            started: Instant::now(),
            operators: 0,
            exceeded: None,
        }
    }

    /// Counts one operator; false once a limit is exceeded (the walk must stop).
    pub fn operator(&mut self) -> bool {
        if self.exceeded.is_some() {
            return false;
        }
        self.operators += 1;
        if self.operators > self.max_operators {
            self.exceeded = Some(LimitExceeded::Operators {
                max: self.max_operators,
            });
        } else if self.operators.is_multiple_of(4096) && self.started.elapsed() > self.page_time {
            // The clock is read every few thousand operators: often enough to stop within a
            // few milliseconds of the limit, rarely enough to cost nothing.
            self.exceeded = Some(LimitExceeded::PageTime {
                max: self.page_time,
            });
        }
        self.exceeded.is_none()
    }

    /// Records a limit exceeded outside the operator count (a stream too large, forms too
    /// deep); the first one is kept.
    pub fn exceed(&mut self, limit: LimitExceeded) {
        self.exceeded.get_or_insert(limit);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inflated_size_stops_at_the_cap() {
        let zeros = vec![0u8; 1 << 20];
        let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        std::io::Write::write_all(&mut enc, &zeros).unwrap();
        let packed = enc.finish().unwrap();
        assert_eq!(inflated_size(&packed, u64::MAX), 1 << 20);
        let capped = inflated_size(&packed, 1000);
        assert!((1000..1000 + 16 * 1024).contains(&capped), "{capped}");
    }

    #[test]
    fn operators_over_the_limit_stop_the_page() {
        let limits = Limits {
            max_operators: 3,
            ..Limits::default()
        };
        let mut page = PageBudget::new(&limits);
        assert!((0..3).all(|_| page.operator()));
        assert!(!page.operator());
        assert_eq!(page.exceeded, Some(LimitExceeded::Operators { max: 3 }));
    }
}
