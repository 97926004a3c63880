//! `ResponseKit`: the `requests`-style `Response` of a body read whole, made here.
//!
//! A small request's cost is mostly the Python around it, and much of that was building
//! the `Response` attribute by attribute. The kit holds the Python class and fills the
//! object's `__dict__` in one go, as `Response.__init__` plus `HTTPAdapter.build_response`
//! would leave it; `raw` and `headers` are made from the engine's response when first read
//! (`Response.__getattr__`). The class stays Python's: only who fills it in changes.

use std::collections::HashMap;
use std::sync::Mutex;

use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyType};

use crate::response::RawResponse;

/// Bound on the Content-Type → encoding answers kept; emptied when full.
const ENCODINGS_MAX: usize = 256;

/// `Response`'s attributes, as `Response.__init__` sets them (but `raw` and `headers`,
/// made from `_engine` when first read).
const RESPONSE_FIELDS: [&str; 12] = [
    "_content",
    "_content_consumed",
    "_next",
    "status_code",
    "_engine",
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
    /// `_text_utils.encoding_of_content_type`: the one place that rule is written.
    encoding_of: Py<PyAny>,
    /// `cookies.extract_cookies_to_jar`, called only when a Set-Cookie line came.
    extract_cookies: Py<PyAny>,
    /// The `__dict__` with its keys in place: a copy is sized right at once, and filling
    /// it in replaces values rather than growing the table.
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
        encoding_of: Py<PyAny>,
        extract_cookies: Py<PyAny>,
    ) -> PyResult<Self> {
        let object_new = py
            .import("builtins")?
            .getattr("object")?
            .getattr("__new__")?
            .unbind();
        Ok(Self {
            response_fields: fields_of(py, &RESPONSE_FIELDS)?,
            response_type,
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

        let response = self.instance(py)?;
        let fields = self.response_fields.bind(py).copy()?;
        fields.set_item(intern!(py, "_content"), engine.take_content(py)?)?;
        fields.set_item(intern!(py, "_content_consumed"), true)?;
        fields.set_item(intern!(py, "_next"), py.None())?;
        fields.set_item(intern!(py, "status_code"), engine.status())?;
        // `raw` and `headers` are made from this when first read (Response.__getattr__).
        fields.set_item(intern!(py, "_engine"), raw)?;
        fields.set_item(intern!(py, "url"), url)?;
        fields.set_item(intern!(py, "encoding"), &self.encoding(py, engine)?)?;
        fields.set_item(intern!(py, "history"), PyList::empty(py))?;
        fields.set_item(intern!(py, "reason"), engine.reason())?;
        fields.set_item(intern!(py, "request"), request)?;
        fields.set_item(intern!(py, "_elapsed"), elapsed)?;
        fields.set_item(intern!(py, "connection"), adapter)?;
        response.setattr(intern!(py, "__dict__"), fields)?;

        if engine.sets_cookies() {
            let jar = response.getattr(intern!(py, "cookies"))?;
            let body = response.getattr(intern!(py, "raw"))?;
            self.extract_cookies.call1(py, (jar, request, body))?;
        }
        Ok(response)
    }

    fn instance<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.object_new
            .bind(py)
            .call1((self.response_type.bind(py),))
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
