//! `ResponseKit`: what the engine adds to the `Response` of a body read whole.
//!
//! The `Response` itself is made by Python (`Response._from_engine`), the one place that
//! names its attributes; the kit hands it what is cheaper to work out here: the content as
//! one `bytes` in a single copy, and the encoding from a cache of Content-Type answers.

use std::collections::HashMap;
use std::sync::Mutex;

use pyo3::prelude::*;

use crate::response::RawResponse;

/// Bound on the Content-Type → encoding answers kept; emptied when full.
const ENCODINGS_MAX: usize = 256;

#[pyclass(module = "requestx._requestx", frozen)]
pub struct ResponseKit {
    /// `Response._from_engine`: builds the Response from the parts given here.
    construct: Py<PyAny>,
    /// `_text_utils.encoding_of_content_type`: the one place that rule is written.
    encoding_of: Py<PyAny>,
    /// Answers of `encoding_of` by Content-Type: a client sees few distinct ones.
    encodings: Mutex<HashMap<String, Py<PyAny>>>,
}

#[pymethods]
impl ResponseKit {
    #[new]
    fn new(construct: Py<PyAny>, encoding_of: Py<PyAny>) -> Self {
        Self {
            construct,
            encoding_of,
            encodings: Mutex::new(HashMap::new()),
        }
    }

    /// The Response for `raw`, whose body was read whole, answering `request` (whose URL
    /// is `url`), sent by `adapter`, `elapsed` seconds after it was sent.
    #[pyo3(name = "build")]
    fn build_py<'py>(
        &self,
        raw: &Bound<'py, RawResponse>,
        request: &Bound<'py, PyAny>,
        adapter: &Bound<'py, PyAny>,
        url: &Bound<'py, PyAny>,
        elapsed: f64,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.build(raw, request, adapter, url, elapsed)
    }
}

impl ResponseKit {
    pub fn build<'py>(
        &self,
        raw: &Bound<'py, RawResponse>,
        request: &Bound<'py, PyAny>,
        adapter: &Bound<'py, PyAny>,
        url: &Bound<'py, PyAny>,
        elapsed: f64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = raw.py();
        let engine = raw.get();
        let content = engine.take_content(py)?;
        let encoding = self.encoding(py, engine)?;
        self.construct.bind(py).call1((
            raw,
            content,
            engine.status(),
            engine.reason(),
            encoding,
            request,
            adapter,
            url,
            elapsed,
        ))
    }

    fn known_encodings(&self) -> std::sync::MutexGuard<'_, HashMap<String, Py<PyAny>>> {
        self.encodings
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The encoding `get_encoding_from_headers` gives for the response's Content-Type.
    fn encoding<'py>(&self, py: Python<'py>, engine: &RawResponse) -> PyResult<Bound<'py, PyAny>> {
        let Some(content_type) = engine.content_type() else {
            return Ok(py.None().into_bound(py));
        };
        if let Some(answer) = self.known_encodings().get(&content_type) {
            return Ok(answer.bind(py).clone());
        }
        // Asked without the lock held: Python code may let another thread run.
        let answer = self.encoding_of.bind(py).call1((&content_type,))?;
        let mut known = self.known_encodings();
        if known.len() >= ENCODINGS_MAX {
            known.clear();
        }
        known.insert(content_type, answer.clone().unbind());
        Ok(answer)
    }
}
