//! Engine failures as the Python exceptions of `requestx.exceptions`, chosen by kind.
//!
//! The kind comes from where the failure happened (connecting, the proxy's handshake, TLS,
//! reading) and from the error's type and source chain (rustls and hyper errors), never from
//! its message text.

use std::error::Error as StdError;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

/// A failure, classified; becomes the Python exception named by `kind()`.
#[derive(Debug)]
pub enum EngineError {
    InvalidUrl(String),
    InvalidHeader(String),
    Ssl(String),
    Proxy(String),
    ConnectTimeout(String),
    ReadTimeout(String),
    Connection(String),
    /// The connection could not be made: nothing was sent, so retrying is safe.
    ConnectFailed(String),
    ChunkedEncoding(String),
    ContentDecoding(String),
    StreamConsumed(String),
    Engine(String),
    /// An exception raised by Python code the engine called (a request body's iterator).
    Python(PyErr),
}

impl EngineError {
    fn kind(&self) -> (&'static str, &str) {
        match self {
            Self::InvalidUrl(m) => ("InvalidURL", m),
            Self::InvalidHeader(m) => ("InvalidHeader", m),
            Self::Ssl(m) => ("SSLError", m),
            Self::Proxy(m) => ("ProxyError", m),
            Self::ConnectTimeout(m) => ("ConnectTimeout", m),
            Self::ReadTimeout(m) => ("ReadTimeout", m),
            Self::Connection(m) | Self::ConnectFailed(m) => ("ConnectionError", m),
            Self::ChunkedEncoding(m) => ("ChunkedEncodingError", m),
            Self::ContentDecoding(m) => ("ContentDecodingError", m),
            Self::StreamConsumed(m) => ("StreamConsumedError", m),
            Self::Engine(m) => ("RequestException", m),
            Self::Python(_) => ("RequestException", "an error raised by Python code"),
        }
    }

    /// Classify a failure of one of the engine's own connections (`h1.rs`, `h2.rs`).
    pub fn from_hyper(error: &hyper::Error) -> Self {
        let message = describe(error);
        if chain_has::<rustls::Error>(error) {
            // A TLS alert after the handshake: a client certificate the server refused.
            Self::Ssl(message)
        } else if error.is_parse() {
            // A malformed response head (conflicting Content-Length, bad header bytes).
            Self::InvalidHeader(message)
        } else {
            Self::Connection(message)
        }
    }

    pub fn into_pyerr(self, py: Python<'_>) -> PyErr {
        if let Self::Python(error) = self {
            return error;
        }
        let connect_failed = matches!(
            self,
            Self::ConnectFailed(_) | Self::ConnectTimeout(_) | Self::Proxy(_)
        );
        let (kind, message) = self.kind();
        match py
            .import("requestx.exceptions")
            .and_then(|module| module.getattr(kind))
        {
            Ok(class) => match class.call1((message,)) {
                Ok(instance) => {
                    // Read by HTTPAdapter's max_retries: only unsent requests are retried.
                    if instance.setattr("connect_failed", connect_failed).is_err() {
                        return PyRuntimeError::new_err(format!("{kind}: {message}"));
                    }
                    PyErr::from_value(instance)
                }
                Err(error) => error,
            },
            Err(_) => PyRuntimeError::new_err(format!("{kind}: {message}")),
        }
    }
}

impl From<EngineError> for PyErr {
    fn from(error: EngineError) -> Self {
        Python::attach(|py| error.into_pyerr(py))
    }
}

pub fn chain_has<E: StdError + 'static>(error: &(dyn StdError + 'static)) -> bool {
    let mut current: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(cause) = current {
        if cause.is::<E>() {
            return true;
        }
        // io::Error::source() skips the error it wraps (it returns *that* error's source),
        // so step into the wrapped error explicitly: TLS failures hide two io::Errors deep.
        current = match cause
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
        {
            Some(inner) => Some(inner as &(dyn StdError + 'static)),
            None => cause.source(),
        };
    }
    false
}

/// The error with its causes, as requests users are used to reading them.
pub fn describe(error: &(dyn StdError + 'static)) -> String {
    let mut text = error.to_string();
    let mut current = error.source();
    while let Some(cause) = current {
        let more = cause.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        current = cause.source();
    }
    text
}
