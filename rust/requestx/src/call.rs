//! `Call`: one prepared request as the engine takes it, checked once when Python makes it.
//!
//! The Python layer builds one `Call` per request (method, URL, header lines, body,
//! timeouts) and hands it to the one engine entry of its mode: `Client.send` (sync, whole or
//! streamed), `Client.fetch_whole` (sync, the `Response` made in the same call) or
//! `Client.submit` (async). Which connection, protocol and path serve it is the engine's
//! choice. A retry sends the same `Call` again, without checking its parts again.

use std::time::Duration;

use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::errors::EngineError;

#[pyclass(module = "requestx._requestx", frozen)]
pub struct Call {
    pub method: hyper::Method,
    pub url: String,
    pub headers: HeaderMap,
    /// bytes, str, bytearray, or an iterator of chunks (streamed); None without a body.
    pub body: Option<Py<PyAny>>,
    pub timeouts: Timeouts,
}

#[pymethods]
impl Call {
    #[new]
    #[pyo3(signature = (
        method, url, headers, body = None, read_timeout = None, connect_timeout = None,
    ))]
    fn new(
        method: &str,
        url: String,
        headers: &Bound<'_, PyAny>,
        body: Option<Py<PyAny>>,
        read_timeout: Option<f64>,
        connect_timeout: Option<f64>,
    ) -> PyResult<Self> {
        let headers = match headers.cast::<HeaderLines>() {
            Ok(lines) => lines.get().map.clone(),
            Err(_) => header_map(&headers.extract::<Vec<(Vec<u8>, Vec<u8>)>>()?)?,
        };
        Ok(Self {
            method: parse_method(method)?,
            url,
            headers,
            body,
            timeouts: Timeouts {
                read: seconds(read_timeout)?,
                connect: seconds(connect_timeout)?,
            },
        })
    }

    #[getter(method)]
    fn method_name(&self) -> &str {
        self.method.as_str()
    }

    #[getter(url)]
    fn url_text(&self) -> &str {
        &self.url
    }

    #[getter(body)]
    fn body_object(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        self.body.as_ref().map(|body| body.clone_ref(py))
    }
}

/// A session's header lines, checked and made into a `HeaderMap` once: a session sends
/// the same ones with every request.
#[pyclass(module = "requestx._requestx", frozen)]
pub struct HeaderLines {
    map: HeaderMap,
}

impl HeaderLines {
    /// The checked lines, as the engine sends them.
    pub(crate) fn map(&self) -> &HeaderMap {
        &self.map
    }
}

#[pymethods]
impl HeaderLines {
    #[new]
    #[allow(clippy::needless_pass_by_value)] // PyO3 extracts arguments as owned values
    fn new(lines: Vec<(Vec<u8>, Vec<u8>)>) -> PyResult<Self> {
        Ok(Self {
            map: header_map(&lines)?,
        })
    }
}

/// A call's timeouts: for connecting, and for each wait on the server once connected.
#[derive(Clone, Copy)]
pub struct Timeouts {
    pub read: Option<Duration>,
    pub connect: Option<Duration>,
}

fn parse_method(method: &str) -> Result<hyper::Method, EngineError> {
    hyper::Method::from_bytes(method.as_bytes())
        .map_err(|_| EngineError::InvalidUrl(format!("invalid HTTP method {method:?}")))
}

/// The request's header lines as a `HeaderMap`, checked as hyper needs them.
fn header_map(headers: &[(Vec<u8>, Vec<u8>)]) -> Result<HeaderMap, EngineError> {
    let mut map = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let header_name = HeaderName::from_bytes(name).map_err(|_| {
            EngineError::InvalidHeader(format!(
                "invalid header name {:?}",
                String::from_utf8_lossy(name)
            ))
        })?;
        let header_value = HeaderValue::from_bytes(value).map_err(|_| {
            EngineError::InvalidHeader(format!(
                "invalid value for header {:?}: control characters are not allowed",
                String::from_utf8_lossy(name)
            ))
        })?;
        map.append(header_name, header_value);
    }
    Ok(map)
}

pub(crate) fn seconds(value: Option<f64>) -> PyResult<Option<Duration>> {
    match value {
        None => Ok(None),
        Some(secs) if secs.is_finite() && secs >= 0.0 => Ok(Some(Duration::from_secs_f64(secs))),
        Some(secs) => Err(PyValueError::new_err(format!(
            "timeouts are non-negative numbers of seconds, got {secs}"
        ))),
    }
}
