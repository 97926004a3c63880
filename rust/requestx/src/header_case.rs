//! The server's own spelling of HTTP/1.1 response header names, as requests keeps it.
//!
//! Why here: hyper parses names into lower-case `HeaderName`s. Its `preserve_header_case`
//! option records the original spelling, but in a type (`ext::HeaderCaseMap`) that is
//! private to hyper outside its C API, so it cannot be read back through the public API.
//! Instead, `Tap` sits between hyper and the socket (the plaintext side, after TLS) and
//! copies the bytes of each response head as they are read; once hyper has parsed the head,
//! `names_in` reads the names back from that copy. HTTP/1.1 on one connection answers
//! strictly in order (no pipelining here), so the head read after a request was written is
//! that request's answer; 1xx interim heads are skipped.
//!
//! Bounded: a head longer than `CAPTURE_MAX` is not kept (the names stay lower-case).

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};

use hyper::header::HeaderName;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// hyper's own default limit on a response head is about 400 KiB; heads that big are rare
/// enough that lower-case names are an acceptable answer for them.
const CAPTURE_MAX: usize = 64 * 1024;

/// The server's spelling of a response head's names: the head's bytes, read for the names
/// spelled otherwise than in lower case only when someone asks (most callers read status
/// and body alone, and working the names out costs a visible share of a small request).
#[derive(Default)]
pub struct Spellings {
    head: Vec<u8>,
    /// Names whose spelling differs from lower case, first spelling per name, in order.
    found: OnceLock<Vec<(HeaderName, Box<str>)>>,
}

impl Spellings {
    fn of_head(head: Vec<u8>) -> Self {
        Self {
            head,
            found: OnceLock::new(),
        }
    }

    /// The names spelled otherwise than in lower case, with their spelling.
    pub fn pairs(&self) -> &[(HeaderName, Box<str>)] {
        self.found.get_or_init(|| spellings(&self.head))
    }

    /// `name` as the server spelled it (lower case when it sent it so, or when unknown).
    pub fn spelled<'a>(&'a self, name: &'a HeaderName) -> &'a str {
        if self.head.is_empty() {
            return name.as_str();
        }
        self.pairs()
            .iter()
            .find(|(known, _)| known == name)
            .map_or(name.as_str(), |(_, spelled)| &**spelled)
    }
}

#[derive(Default)]
struct State {
    bytes: Vec<u8>,
    /// Where the search for the head's end resumes.
    scanned: usize,
    head: Option<Vec<u8>>,
    /// Whether any byte of a response arrived since `start`.
    received: bool,
}

#[derive(Default)]
struct Shared {
    /// Read before taking the lock: a body's reads (most reads) cost one atomic load.
    active: AtomicBool,
    state: Mutex<State>,
}

/// The shared end of a `Tap`: started before a request is written, read after its head.
#[derive(Clone, Default)]
pub struct Capture(Arc<Shared>);

impl Capture {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.0
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn set_active(&self, active: bool) {
        self.0.active.store(active, Ordering::Release);
    }

    /// Copy the next response head read from now on.
    pub fn start(&self) {
        let mut state = self.state();
        state.bytes.clear();
        state.scanned = 0;
        state.head = None;
        state.received = false;
        self.set_active(true);
    }

    /// Whether not a byte of a response has arrived since `start`: a connection that ended
    /// now ended before the server answered at all.
    pub fn received_nothing(&self) -> bool {
        !self.state().received
    }

    /// The spellings of the head captured since `start`, if it was captured whole.
    pub fn spellings(&self) -> Option<Spellings> {
        self.set_active(false);
        let mut state = self.state();
        state.bytes.clear();
        state.head.take().map(Spellings::of_head)
    }

    fn record(&self, read: &[u8]) {
        if read.is_empty() || !self.0.active.load(Ordering::Acquire) {
            return;
        }
        let mut state = self.state();
        state.received = true;
        state.bytes.extend_from_slice(read);
        loop {
            let from = state.scanned.saturating_sub(2);
            let Some(end) = head_end(&state.bytes[from..]).map(|end| from + end) else {
                state.scanned = state.bytes.len();
                if state.bytes.len() > CAPTURE_MAX {
                    self.set_active(false);
                    state.bytes = Vec::new();
                }
                return;
            };
            let head: Vec<u8> = state.bytes.drain(..end).collect();
            state.scanned = 0;
            if interim(&head) {
                continue; // a 1xx: the final head follows
            }
            state.head = Some(head);
            self.set_active(false);
            state.bytes.clear();
            return;
        }
    }
}

/// The length of the head at the start of `bytes` (its blank line included), if complete.
/// Lines may end in CRLF or, as hyper also accepts, a bare LF.
fn head_end(bytes: &[u8]) -> Option<usize> {
    // Only the line ends are looked at: a head has a dozen, found by a SIMD search.
    memchr::memchr_iter(b'\n', bytes).find_map(|at| match bytes.get(at + 1..) {
        Some([b'\n', ..]) => Some(at + 2),
        Some([b'\r', b'\n', ..]) => Some(at + 3),
        _ => None,
    })
}

/// Whether the head is an interim (1xx) response other than 101, which ends the exchange.
fn interim(head: &[u8]) -> bool {
    // "HTTP/1.1 1xx": the status code's first digit is the tenth byte.
    head.get(9) == Some(&b'1') && head.get(9..12) != Some(b"101")
}

/// The header names of `head` spelled otherwise than in lower case, first spelling kept.
fn spellings(head: &[u8]) -> Vec<(HeaderName, Box<str>)> {
    let mut found: Vec<(HeaderName, Box<str>)> = Vec::new();
    for line in head.split(|&byte| byte == b'\n').skip(1) {
        if line
            .first()
            .is_some_and(|&byte| byte == b' ' || byte == b'\t')
        {
            continue; // an obsolete folded continuation of the previous value
        }
        let Some(colon) = line.iter().position(|&byte| byte == b':') else {
            continue;
        };
        let raw = &line[..colon];
        let Ok(name) = HeaderName::from_bytes(raw) else {
            continue;
        };
        if name.as_str().as_bytes() == raw || found.iter().any(|(known, _)| *known == name) {
            continue;
        }
        // A valid HeaderName is ASCII, so the raw spelling is too.
        let spelled: Box<str> = String::from_utf8_lossy(raw).into();
        found.push((name, spelled));
    }
    found
}

/// A byte stream whose reads are copied into its `Capture` while one is started.
pub struct Tap<T> {
    inner: T,
    capture: Capture,
}

impl<T> Tap<T> {
    pub fn new(inner: T, capture: Capture) -> Self {
        Self { inner, capture }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Tap<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            this.capture.record(&buf.filled()[before..]);
        }
        polled
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Tap<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::Capture;

    fn names(capture: &Capture) -> Vec<(String, String)> {
        capture
            .spellings()
            .expect("a whole head")
            .pairs()
            .iter()
            .map(|(name, spelled)| (name.as_str().to_owned(), spelled.to_string()))
            .collect()
    }

    #[test]
    fn names_keep_the_servers_spelling_across_reads() {
        let capture = Capture::default();
        capture.start();
        capture.record(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-CUSTOM");
        capture.record(b": 1\r\nx-lower: 2\r\nx-custom: 3\r\n\r\nbody bytes");
        assert_eq!(
            names(&capture),
            [
                ("content-type".into(), "Content-Type".into()),
                ("x-custom".into(), "X-CUSTOM".into()),
            ]
        );
    }

    #[test]
    fn interim_heads_are_skipped_and_bare_newlines_end_lines() {
        let capture = Capture::default();
        capture.start();
        capture.record(b"HTTP/1.1 100 Continue\r\nX-Interim: 1\r\n\r\n");
        capture.record(b"HTTP/1.1 201 Created\nLocation: /a\n\n");
        assert_eq!(names(&capture), [("location".into(), "Location".into())]);
    }

    #[test]
    fn nothing_is_kept_before_start_or_after_the_head() {
        let capture = Capture::default();
        capture.record(b"HTTP/1.1 200 OK\r\nA: 1\r\n\r\n");
        assert!(capture.spellings().is_none());
        capture.start();
        capture.record(b"HTTP/1.1 200 OK\r\nA: 1\r\n\r\n");
        capture.record(b"HTTP/1.1 200 OK\r\nB: 1\r\n\r\n");
        assert_eq!(names(&capture), [("a".into(), "A".into())]);
    }

    #[test]
    fn a_head_split_at_any_byte_is_found_whole() {
        let head: &[u8] = b"HTTP/1.1 200 OK\r\nX-One: 1\r\nx-two: 2\r\n\r\nbody";
        for split in 1..head.len() {
            let capture = Capture::default();
            capture.start();
            capture.record(&head[..split]);
            capture.record(&head[split..]);
            assert_eq!(
                names(&capture),
                [("x-one".into(), "X-One".into())],
                "split at {split}"
            );
        }
    }
}
