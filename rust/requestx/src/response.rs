//! `RawResponse`: the status line, the headers as received, and the body, whole or streamed.
//!
//! A whole body stays as the chunks hyper produced until Python asks for it, then becomes one
//! `bytes` object in a single copy. A streamed body is read a chunk at a time, decoded
//! (Content-Encoding) unless the raw bytes are asked for, each read under the read timeout.

use std::borrow::Cow;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use hyper::HeaderMap;
use hyper::header::{CONTENT_TYPE, GetAll, HeaderName, HeaderValue, SET_COOKIE};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString, PyTuple};

use crate::decode::Decoder;
use crate::engine::Streaming;
use crate::errors::EngineError;
use crate::header_case::Spellings;
use crate::runtime::{block_on, into_awaitable};

/// RFC 2965's obsolete cookie header, which cookiejar still reads; made once (a name given
/// as text is parsed on every lookup).
static SET_COOKIE2: HeaderName = HeaderName::from_static("set-cookie2");

/// The parts of a response known before its body.
pub struct Head {
    status: u16,
    reason: String,
    version: u8,
    url: String,
    /// As hyper parsed them: turned into Python text only for the headers someone reads.
    headers: HeaderMap,
    /// The server's spelling of names not sent in lower case (HTTP/1.1 on the engine's
    /// own connections; see `header_case.rs`). Empty elsewhere: names stay lower case.
    spellings: Spellings,
}

impl Head {
    /// The head of a response from hyper's parts.
    pub fn from_parts(
        status: hyper::StatusCode,
        version: hyper::Version,
        headers: HeaderMap,
        extensions: &hyper::http::Extensions,
        url: String,
    ) -> Self {
        let reason = extensions
            .get::<hyper::ext::ReasonPhrase>()
            .map(|phrase| String::from_utf8_lossy(phrase.as_bytes()).into_owned())
            .or_else(|| status.canonical_reason().map(str::to_owned))
            .unwrap_or_default();
        let version = match version {
            hyper::Version::HTTP_09 => 9,
            hyper::Version::HTTP_10 => 10,
            hyper::Version::HTTP_2 => 20,
            hyper::Version::HTTP_3 => 30,
            _ => 11,
        };
        Self {
            status: status.as_u16(),
            reason,
            version,
            url,
            headers,
            spellings: Spellings::default(),
        }
    }

    /// The same head with the server's spelling of its header names.
    pub fn with_spellings(mut self, spellings: Option<Spellings>) -> Self {
        self.spellings = spellings.unwrap_or_default();
        self
    }
}

pub struct BodyStream {
    /// None once the body has ended (or was closed). The engine's connection applies the
    /// read timeout itself.
    source: Option<Box<Streaming>>,
    decoder: Option<Decoder>,
}

impl BodyStream {
    /// A body on the engine's own connection (`engine.rs`).
    pub fn engine(body: Streaming, decoder: Option<Decoder>) -> Self {
        Self {
            source: Some(Box::new(body)),
            decoder,
        }
    }

    /// The next piece of the body as sent (still encoded), or None at its end.
    async fn next_raw(&mut self) -> Result<Option<Bytes>, EngineError> {
        let Some(body) = self.source.as_mut() else {
            return Ok(None);
        };
        let next = body.next_chunk().await;
        if !matches!(next, Ok(Some(_))) {
            self.source = None;
        }
        next
    }

    /// The next decoded piece (possibly empty while a decoder buffers), or None at the end.
    async fn next_decoded(&mut self) -> Result<Option<Vec<u8>>, EngineError> {
        loop {
            match self.next_raw().await? {
                Some(chunk) => match self.decoder.as_mut() {
                    Some(decoder) => {
                        let out = decoder.feed(&chunk)?;
                        if !out.is_empty() {
                            return Ok(Some(out));
                        }
                    }
                    None => return Ok(Some(chunk.to_vec())),
                },
                None => {
                    return match self.decoder.take() {
                        Some(mut decoder) => {
                            let tail = decoder.finish()?;
                            Ok(if tail.is_empty() { None } else { Some(tail) })
                        }
                        None => Ok(None),
                    };
                }
            }
        }
    }
}

/// The whole body: hyper's chunks kept as they are when undecoded, else the decoded bytes.
pub enum WholeBody {
    Chunks(Vec<Bytes>),
    Decoded(Vec<u8>),
}

type SharedStream = Arc<tokio::sync::Mutex<BodyStream>>;

#[pyclass(module = "requestx._requestx", frozen)]
pub struct RawResponse {
    #[pyo3(get)]
    status: u16,
    #[pyo3(get)]
    reason: String,
    /// 10, 11, 20 or 30, like urllib3's `HTTPResponse.version`.
    #[pyo3(get)]
    version: u8,
    #[pyo3(get)]
    url: String,
    headers: HeaderMap,
    spellings: Spellings,
    body: Mutex<Option<WholeBody>>,
    stream: Option<SharedStream>,
}

impl RawResponse {
    /// The Content-Type when one line of visible ASCII carries it (nearly always), borrowed:
    /// `content_type` gives the same text, built.
    pub fn sole_content_type(&self) -> Option<&str> {
        let mut lines = self.headers.get_all(CONTENT_TYPE).iter();
        let first = lines.next()?;
        if lines.next().is_some() {
            return None;
        }
        first.to_str().ok()
    }

    pub fn complete(head: Head, body: WholeBody) -> Self {
        Self::from_head(head, Some(body), None)
    }

    pub fn streaming(head: Head, stream: BodyStream) -> Self {
        Self::from_head(head, None, Some(Arc::new(tokio::sync::Mutex::new(stream))))
    }

    fn from_head(head: Head, body: Option<WholeBody>, stream: Option<SharedStream>) -> Self {
        Self {
            status: head.status,
            reason: head.reason,
            version: head.version,
            url: head.url,
            headers: head.headers,
            spellings: head.spellings,
            body: Mutex::new(body),
            stream,
        }
    }

    pub fn status(&self) -> u16 {
        self.status
    }

    pub fn reason(&self) -> &str {
        &self.reason
    }

    pub fn version(&self) -> u8 {
        self.version
    }

    /// A header name as the server spelled it (lower case when it sent it so, or when the
    /// spelling is not known).
    fn spelled<'a>(&'a self, name: &'a HeaderName) -> &'a str {
        self.spellings.spelled(name)
    }

    fn stream(&self) -> PyResult<SharedStream> {
        self.stream.clone().ok_or_else(|| {
            EngineError::StreamConsumed("the body was read whole; it is not a stream".into()).into()
        })
    }
}

#[pymethods]
impl RawResponse {
    /// The whole body as one `bytes` (only once; the caller keeps it).
    pub fn take_content<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let body = self
            .body
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        match body {
            Some(WholeBody::Decoded(data)) => Ok(PyBytes::new(py, &data)),
            Some(WholeBody::Chunks(chunks)) => {
                let total = chunks.iter().map(Bytes::len).sum();
                // One copy: hyper's buffers straight into the new bytes object.
                PyBytes::new_with(py, total, |buffer| {
                    let mut offset = 0;
                    for chunk in &chunks {
                        buffer[offset..offset + chunk.len()].copy_from_slice(chunk);
                        offset += chunk.len();
                    }
                    Ok(())
                })
            }
            None => Err(EngineError::StreamConsumed(
                "the content of this response was already taken or is streamed".into(),
            )
            .into()),
        }
    }

    /// The next piece of a streamed body (decoded unless `decode=False`), or None at its end.
    #[pyo3(signature = (decode = true))]
    fn read_chunk<'py>(
        &self,
        py: Python<'py>,
        decode: bool,
    ) -> PyResult<Option<Bound<'py, PyBytes>>> {
        let stream = self.stream()?;
        let data = block_on(py, async move { next_chunk(&stream, decode).await })?;
        Ok(data.map(|bytes| PyBytes::new(py, &bytes)))
    }

    /// `read_chunk` as an awaitable.
    #[pyo3(signature = (decode = true))]
    fn read_chunk_async<'py>(&self, py: Python<'py>, decode: bool) -> PyResult<Bound<'py, PyAny>> {
        let stream = self.stream()?;
        into_awaitable(py, async move {
            let data = next_chunk(&stream, decode).await?;
            Ok(data.map(|bytes| Python::attach(|py| PyBytes::new(py, &bytes).unbind())))
        })
    }

    /// Stop reading: the connection is closed rather than returned to the pool.
    fn close(&self) {
        if let Some(stream) = &self.stream
            && let Ok(mut guard) = stream.try_lock()
        {
            guard.source = None;
            guard.decoder = None;
        }
        self.body
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
    }

    /// The headers as `CaseInsensitiveDict` stores them, built here in one pass:
    /// `{lower-case name: (name as the server spelled it, value)}`, repeated fields joined
    /// with ", " as requests (through urllib3) shows them; the first spelling of a repeated
    /// name is kept, as urllib3 keeps it.
    fn folded_headers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let store = PyDict::new(py);
        for name in self.headers.keys() {
            let key = PyString::new(py, name.as_str());
            let spelled = match self.spelled(name) {
                same if same == name.as_str() => key.clone(),
                other => PyString::new(py, other),
            };
            let value = PyString::new(py, &joined(self.headers.get_all(name)));
            store.set_item(&key, PyTuple::new(py, [spelled, value])?)?;
        }
        Ok(store)
    }

    /// Every header line as received: `(name as the server spelled it, value)`, repeated
    /// names together in the order of their first line.
    #[getter]
    fn headers(&self) -> Vec<(&str, Cow<'_, str>)> {
        self.headers
            .iter()
            .map(|(name, value)| (self.spelled(name), text(value)))
            .collect()
    }

    /// The Content-Type as `headers["content-type"]` would show it (repeats joined with
    /// ", "), or None: enough to pick the body's encoding without building every header.
    #[getter]
    pub fn content_type(&self) -> Option<String> {
        self.headers
            .contains_key(CONTENT_TYPE)
            .then(|| joined(self.headers.get_all(CONTENT_TYPE)))
    }

    /// Whether any `Set-Cookie` (or `Set-Cookie2`) line came: without one, cookie handling
    /// can be skipped.
    #[getter]
    pub fn sets_cookies(&self) -> bool {
        self.headers.contains_key(SET_COOKIE) || self.headers.contains_key(&SET_COOKIE2)
    }

    #[getter]
    fn is_streamed(&self) -> bool {
        self.stream.is_some()
    }
}

/// A header value as Python text: http.client decodes header bytes as latin-1, and so does
/// requests. Visible ASCII (nearly every value) is the same text either way.
fn text(value: &HeaderValue) -> Cow<'_, str> {
    match value.to_str() {
        Ok(ascii) => Cow::Borrowed(ascii),
        Err(_) => Cow::Owned(value.as_bytes().iter().map(|&b| char::from(b)).collect()),
    }
}

/// A repeated field's values joined with ", ", as `headers[name]` shows them.
fn joined(values: GetAll<'_, HeaderValue>) -> String {
    let mut all = String::new();
    for value in values {
        if !all.is_empty() {
            all.push_str(", ");
        }
        all.push_str(&text(value));
    }
    all
}

async fn next_chunk(stream: &SharedStream, decode: bool) -> PyResult<Option<Vec<u8>>> {
    let mut guard = stream.lock().await;
    let next = if decode {
        guard.next_decoded().await
    } else {
        guard
            .next_raw()
            .await
            .map(|chunk| chunk.map(|b| b.to_vec()))
    };
    next.map_err(PyErr::from)
}

#[cfg(test)]
mod tests {
    use super::{joined, text};
    use hyper::HeaderMap;
    use hyper::header::{HeaderValue, SET_COOKIE, VARY};

    #[test]
    fn repeated_fields_join_with_a_comma_in_arrival_order() {
        let mut headers = HeaderMap::new();
        headers.append(VARY, HeaderValue::from_static("Accept"));
        headers.append(SET_COOKIE, HeaderValue::from_static("a=1"));
        headers.append(VARY, HeaderValue::from_static("Cookie"));
        assert_eq!(joined(headers.get_all(VARY)), "Accept, Cookie");
        assert_eq!(joined(headers.get_all(SET_COOKIE)), "a=1");
        assert_eq!(joined(headers.get_all("absent")), "");
    }

    #[test]
    fn header_bytes_read_as_latin_1_like_http_client() {
        let value = HeaderValue::from_bytes(b"caf\xe9").expect("obs-text is a valid value");
        assert_eq!(text(&value), "caf\u{e9}");
        assert_eq!(text(&HeaderValue::from_static("plain")), "plain");
    }
}
