//! `ResponseKit`: the `requests`-style `Response` of a body read whole, made here.
//!
//! A small request's cost is mostly the Python around it, and much of that was building
//! three objects (`Response`, its `ResponseHeaders`, its `RawBody`) attribute by attribute.
//! The kit holds the Python classes and builds each object's `__dict__` in one go, exactly
//! as `Response.__init__` plus `HTTPAdapter.build_response` would leave it. The classes
//! stay Python's: only who fills them in changes.

use std::collections::HashMap;
use std::sync::Mutex;

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyList, PyString, PyType};

use crate::response::RawResponse;

/// Bound on the Content-Type → encoding answers kept; emptied when full.
const ENCODINGS_MAX: usize = 256;

/// `RawBody`'s attributes, as `RawBody.__init__` sets them.
const BODY_FIELDS: [&str; 10] = [
    "_engine",
    "_pending",
    "_preloaded",
    "closed",
    "status",
    "reason",
    "version",
    "_headers",
    "sets_cookies",
    "decode_content",
];

/// `Response`'s attributes, as `Response.__init__` sets them.
const RESPONSE_FIELDS: [&str; 13] = [
    "_content",
    "_content_consumed",
    "_next",
    "status_code",
    "headers",
    "raw",
    "url",
    "encoding",
    "history",
    "reason",
    "request",
    "_elapsed",
    "connection",
];

/// A dict with `names` as keys (interned, as attribute names are), every value None.
fn fields_of(py: Python<'_>, names: &[&str]) -> PyResult<Py<PyDict>> {
    let fields = PyDict::new(py);
    for name in names {
        fields.set_item(PyString::intern(py, name), py.None())?;
    }
    Ok(fields.unbind())
}

#[pyclass(module = "requestx._requestx", frozen)]
pub struct ResponseKit {
    response_type: Py<PyType>,
    headers_type: Py<PyType>,
    body_type: Py<PyType>,
    /// `_text_utils.encoding_of_content_type`: the one place that rule is written.
    encoding_of: Py<PyAny>,
    /// `cookies.extract_cookies_to_jar`, called only when a Set-Cookie line came.
    extract_cookies: Py<PyAny>,
    /// Each object's `__dict__` with its keys in place: a copy of one is sized right at
    /// once, and filling it in replaces values rather than growing the table.
    body_fields: Py<PyDict>,
    response_fields: Py<PyDict>,
    /// `object.__new__`: an instance without running `__init__`, as `cls.__new__(cls)`.
    object_new: Py<PyAny>,
    /// Answers of `encoding_of` by Content-Type: a client sees few distinct ones.
    encodings: Mutex<HashMap<String, Py<PyAny>>>,
}

#[pymethods]
impl ResponseKit {
    #[new]
    fn new(
        py: Python<'_>,
        response_type: Py<PyType>,
        headers_type: Py<PyType>,
        body_type: Py<PyType>,
        encoding_of: Py<PyAny>,
        extract_cookies: Py<PyAny>,
    ) -> PyResult<Self> {
        let object_new = py
            .import("builtins")?
            .getattr("object")?
            .getattr("__new__")?
            .unbind();
        Ok(Self {
            body_fields: fields_of(py, &BODY_FIELDS)?,
            response_fields: fields_of(py, &RESPONSE_FIELDS)?,
            response_type,
            headers_type,
            body_type,
            encoding_of,
            extract_cookies,
            object_new,
            encodings: Mutex::new(HashMap::new()),
        })
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
        let status = engine.status().into_pyobject(py)?;
        let reason = PyString::new(py, engine.reason());
        let sets_cookies = engine.sets_cookies();
        let none = py.None().into_bound(py);

        let yes = PyBool::new(py, true);
        let no = PyBool::new(py, false);

        // RawBody.__init__(raw, content=b"") with the content already taken.
        let body = self.instance(py, &self.body_type)?;
        let fields = self.body_fields.bind(py).copy()?;
        fields.set_item(intern!(py, "_engine"), raw)?;
        fields.set_item(intern!(py, "_pending"), PyByteArray::new(py, b""))?;
        fields.set_item(intern!(py, "_preloaded"), PyBytes::new(py, b""))?;
        fields.set_item(intern!(py, "closed"), no)?;
        fields.set_item(intern!(py, "status"), &status)?;
        fields.set_item(intern!(py, "reason"), &reason)?;
        fields.set_item(intern!(py, "version"), engine.version())?;
        fields.set_item(intern!(py, "_headers"), &none)?;
        fields.set_item(intern!(py, "sets_cookies"), PyBool::new(py, sets_cookies))?;
        fields.set_item(intern!(py, "decode_content"), no)?;
        body.setattr(intern!(py, "__dict__"), fields)?;

        // ResponseHeaders(raw): folded from the engine's lines only when read.
        let headers = self.instance(py, &self.headers_type)?;
        headers.setattr(intern!(py, "_engine"), raw)?;

        let response = self.instance(py, &self.response_type)?;
        let fields = self.response_fields.bind(py).copy()?;
        fields.set_item(intern!(py, "_content"), engine.take_content(py)?)?;
        fields.set_item(intern!(py, "_content_consumed"), yes)?;
        fields.set_item(intern!(py, "_next"), &none)?;
        fields.set_item(intern!(py, "status_code"), &status)?;
        fields.set_item(intern!(py, "headers"), &headers)?;
        fields.set_item(intern!(py, "raw"), &body)?;
        fields.set_item(intern!(py, "url"), url)?;
        fields.set_item(intern!(py, "encoding"), &self.encoding(py, engine)?)?;
        fields.set_item(intern!(py, "history"), PyList::empty(py))?;
        fields.set_item(intern!(py, "reason"), &reason)?;
        fields.set_item(intern!(py, "request"), request)?;
        fields.set_item(intern!(py, "_elapsed"), PyFloat::new(py, elapsed))?;
        fields.set_item(intern!(py, "connection"), adapter)?;
        response.setattr(intern!(py, "__dict__"), fields)?;

        if sets_cookies {
            let jar = response.getattr(intern!(py, "cookies"))?;
            self.extract_cookies.call1(py, (jar, request, &body))?;
        }
        Ok(response)
    }

    fn instance<'py>(&self, py: Python<'py>, cls: &Py<PyType>) -> PyResult<Bound<'py, PyAny>> {
        self.object_new.bind(py).call1((cls.bind(py),))
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
