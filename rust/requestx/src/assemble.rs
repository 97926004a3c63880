//! `ResponseKit`: the engine makes the `Response` of a body read whole.
//!
//! What a `Response` holds is named by Python (`requestx.models._ENGINE_FIELDS` and
//! `_ENGINE_CONSTANTS`, handed over once): the kit fills those fields, in that order, with
//! what is cheaper to work out here (the content as one `bytes` in a single copy, the
//! encoding from a cache of Content-Type answers) and sets the whole `__dict__` at once.
//! Calling a Python constructor for it cost a visible share of a small request.

use std::collections::HashMap;
use std::sync::Mutex;

use pyo3::exceptions::PyValueError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple, PyType};

use crate::response::RawResponse;

/// How many fields the kit fills (see `build`).
const FIELDS: usize = 10;

/// Bound on the Content-Type → encoding answers kept; emptied when full.
const ENCODINGS_MAX: usize = 256;

#[pyclass(module = "requestx._requestx", frozen)]
pub struct ResponseKit {
    /// `Response`, made with `object.__new__` (as `Response.__new__` is).
    response_type: Py<PyType>,
    /// The names of the fields filled here, in the order `build` hands their values.
    fields: Vec<Py<PyString>>,
    /// Every field of such a Response: the constants with their values, then the filled
    /// fields (None here). Each Response's `__dict__` starts as a copy, so filling it only
    /// replaces values: no insertion, no resize.
    template: Py<PyDict>,
    /// `Response.__new__` (`object.__new__`), looked up once.
    new: Py<PyAny>,
    /// `Response._keep_engine_cookies`: called for a response that sets a cookie.
    keep_cookies: Py<PyAny>,
    /// `_text_utils.encoding_of_content_type`: the one place that rule is written.
    encoding_of: Py<PyAny>,
    /// Answers of `encoding_of` by Content-Type: a client sees few distinct ones.
    encodings: Mutex<HashMap<String, Py<PyAny>>>,
}

#[pymethods]
impl ResponseKit {
    #[new]
    fn new(
        response_type: Py<PyType>,
        fields: &Bound<'_, PyTuple>,
        constants: &Bound<'_, PyDict>,
        keep_cookies: Py<PyAny>,
        encoding_of: Py<PyAny>,
    ) -> PyResult<Self> {
        if fields.len() != FIELDS {
            return Err(PyValueError::new_err(format!(
                "the kit fills {FIELDS} fields, {} were named",
                fields.len()
            )));
        }
        let py = fields.py();
        let fields = fields
            .iter()
            .map(|name| Ok(name.cast_into::<PyString>()?.unbind()))
            .collect::<PyResult<Vec<_>>>()?;
        let template = constants.copy()?;
        for name in &fields {
            template.set_item(name.bind(py), py.None())?;
        }
        let new = response_type
            .bind(py)
            .getattr(intern!(py, "__new__"))?
            .unbind();
        Ok(Self {
            response_type,
            fields,
            template: template.unbind(),
            new,
            keep_cookies,
            encoding_of,
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
        let values: [Bound<'py, PyAny>; FIELDS] = [
            engine.take_content(py)?.into_any(),
            engine.status().into_pyobject(py)?.into_any(),
            raw.clone().into_any(),
            url.clone(),
            self.encoding(py, engine)?,
            PyList::empty(py).into_any(),
            engine.reason().into_pyobject(py)?.into_any(),
            request.clone(),
            elapsed.into_pyobject(py)?.into_any(),
            adapter.clone(),
        ];
        let fields = self.template.bind(py).copy()?;
        for (name, value) in self.fields.iter().zip(values) {
            fields.set_item(name.bind(py), value)?;
        }
        let response = self.new.bind(py).call1((self.response_type.bind(py),))?;
        response.setattr(intern!(py, "__dict__"), fields)?;
        if engine.sets_cookies() {
            self.keep_cookies.bind(py).call1((&response,))?;
        }
        Ok(response)
    }

    fn known_encodings(&self) -> std::sync::MutexGuard<'_, HashMap<String, Py<PyAny>>> {
        self.encodings
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The encoding `get_encoding_from_headers` gives for the response's Content-Type.
    fn encoding<'py>(&self, py: Python<'py>, engine: &RawResponse) -> PyResult<Bound<'py, PyAny>> {
        if let Some(sole) = engine.sole_content_type()
            && let Some(answer) = self.known_encodings().get(sole)
        {
            return Ok(answer.bind(py).clone());
        }
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
