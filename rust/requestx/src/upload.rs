//! Request bodies: whole bytes, or a Python iterator streamed chunk by chunk (chunked upload).
//!
//! An iterator is pulled on tokio's blocking pool, one `next()` per chunk with the GIL held
//! only for that call, so a generator that reads a file or computes its output never blocks
//! the runtime. An exception raised by the iterator is kept and re-raised to the caller as
//! itself, as requests lets it propagate.

use std::pin::Pin;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use http_body_util::{Either, Full, StreamBody};
use hyper::body::Frame;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyString};

pub enum Upload {
    Whole(Bytes),
    Stream(Py<PyAny>),
}

/// Where a failing iterator leaves its exception for the sender to pick up.
pub type UploadFailure = Arc<Mutex<Option<PyErr>>>;

type Frames = Pin<Box<dyn Stream<Item = Result<Frame<Bytes>, UploadAborted>> + Send>>;

/// A request body on the engine's own connections: whole, or pulled from a Python iterator.
pub type OutBody = Either<Full<Bytes>, StreamBody<Frames>>;

/// The exception a body's iterator raised, if it raised one.
pub fn raised(failure: &UploadFailure) -> Option<PyErr> {
    failure
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take()
}

impl Upload {
    pub fn from_python(body: &Bound<'_, PyAny>) -> PyResult<Self> {
        if let Some(whole) = Self::whole(body)? {
            return Ok(Self::Whole(whole));
        }
        match body.try_iter() {
            Ok(iterator) => Ok(Self::Stream(iterator.into_any().unbind())),
            Err(_) => Err(PyTypeError::new_err(format!(
                "a request body must be bytes, str or an iterable of them, not {}",
                body.get_type().name()?
            ))),
        }
    }

    /// The body's bytes when it is held whole in memory (bytes, str, bytearray), else None.
    pub fn whole(body: &Bound<'_, PyAny>) -> PyResult<Option<Bytes>> {
        if let Ok(bytes) = body.cast::<PyBytes>() {
            return Ok(Some(Bytes::copy_from_slice(bytes.as_bytes())));
        }
        if let Ok(text) = body.cast::<PyString>() {
            return Ok(Some(Bytes::from(text.to_str()?.as_bytes().to_vec())));
        }
        if let Ok(array) = body.cast::<PyByteArray>() {
            return Ok(Some(Bytes::from(array.to_vec())));
        }
        Ok(None)
    }

    /// The body as the engine's own connections send it.
    pub fn into_out_body(self, failure: &UploadFailure) -> OutBody {
        match self {
            Self::Whole(bytes) => Either::Left(Full::new(bytes)),
            Self::Stream(iterator) => {
                let frames = chunks(iterator, failure).map(|chunk| chunk.map(Frame::data));
                Either::Right(StreamBody::new(Box::pin(frames)))
            }
        }
    }
}

/// The iterator's chunks, each pulled on the blocking pool with the GIL held for that call.
fn chunks(
    iterator: Py<PyAny>,
    failure: &UploadFailure,
) -> impl Stream<Item = Result<Bytes, UploadAborted>> + Send + 'static {
    let failure = Arc::clone(failure);
    futures_util::stream::unfold(Some(iterator), move |state| {
        let failure = Arc::clone(&failure);
        async move {
            let iterator = state?;
            let pulled = tokio::task::spawn_blocking(move || {
                let next = Python::attach(|py| next_chunk(py, &iterator));
                (next, iterator)
            })
            .await;
            match pulled {
                Ok((Ok(Some(chunk)), iterator)) => Some((Ok(chunk), Some(iterator))),
                Ok((Ok(None), _)) => None,
                Ok((Err(error), _)) => {
                    *failure
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(error);
                    Some((Err(UploadAborted), None))
                }
                Err(_) => Some((Err(UploadAborted), None)),
            }
        }
    })
}

fn next_chunk(py: Python<'_>, iterator: &Py<PyAny>) -> PyResult<Option<Bytes>> {
    let iterator = iterator.bind(py);
    loop {
        let Some(item) = iterator.cast::<pyo3::types::PyIterator>()?.clone().next() else {
            return Ok(None);
        };
        let item = item?;
        let chunk = if let Ok(bytes) = item.cast::<PyBytes>() {
            Bytes::copy_from_slice(bytes.as_bytes())
        } else if let Ok(text) = item.cast::<PyString>() {
            Bytes::from(text.to_str()?.as_bytes().to_vec())
        } else if let Ok(array) = item.cast::<PyByteArray>() {
            Bytes::from(array.to_vec())
        } else {
            return Err(PyTypeError::new_err(format!(
                "a streamed request body yields bytes or str, not {}",
                item.get_type().name()?
            )));
        };
        // An empty chunk would end a chunked body early on the wire: skip it.
        if !chunk.is_empty() {
            return Ok(Some(chunk));
        }
    }
}

/// The stream error hyper sees when the iterator failed; the real error is in `UploadFailure`.
#[derive(Debug)]
pub struct UploadAborted;

impl std::fmt::Display for UploadAborted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the request body's iterator failed")
    }
}

impl std::error::Error for UploadAborted {}
