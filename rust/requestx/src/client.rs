//! `Client`: one configured connection pool (TLS, proxy) and its sends; timeouts are per call.
//!
//! Python keeps one Client per distinct configuration (requests lets `verify`, `cert` and
//! `proxies` change per call) and picks the one a request needs. A Client is rebuilt
//! lazily in a child process after `fork()`, like the runtime its pool lives on.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyString;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::assemble::ResponseKit;
use crate::bridge::{Completions, Submitted};
use crate::call::Call;
use crate::engine::{self, Exchange, Http2, Route};
use crate::errors::EngineError;
use crate::h1;
use crate::local::{self, ClientKey};
use crate::proxy::Proxy;
use crate::response::{BodyStream, RawResponse};
use crate::runtime::{AbortOnDrop, block_on, into_awaitable};
use crate::target::Target;
use crate::tls;
use crate::upload::{Upload, UploadFailure};
use bytes::Bytes;
use http_body_util::{Either, Full};

#[pyclass(module = "requestx._requestx", frozen)]
pub struct Client {
    /// TLS (built once per distinct settings, see tls.rs), HTTP/2 and the proxy: how the
    /// engine's connections are made.
    route: Route,
    /// Idle HTTP/1.1 connections kept per origin, per runtime.
    pool_maxsize: usize,
    /// The engine's HTTP/1.1 pool on the shared runtime (async calls), by process.
    shared_h1: Mutex<Option<(u32, h1::SharedPool)>>,
    /// Names this Client's pools on the threads that sent with it (see `local.rs`).
    key: ClientKey,
    /// Each URL parsed once, by its text: a client sends to few URLs, and parsing (IDNA
    /// included) is a visible part of a small request's cost.
    urls: Mutex<HashMap<String, Arc<Target>>>,
}

/// Bound on `urls`; emptied when full (cheap, and enough for the common case).
const PARSED_URLS_MAX: usize = 256;

impl Drop for Client {
    fn drop(&mut self) {
        // Most Clients die on the thread that used them: close that thread's pool now.
        local::forget(&self.key);
    }
}

#[pymethods]
impl Client {
    #[new]
    #[pyo3(signature = (
        *, verify = true, ca_bundle = None, cert = None, key = None, proxy = None,
        proxy_auth = None, pool_maxsize = 10, http2 = true, http2_prior_knowledge = false,
    ))]
    #[allow(clippy::too_many_arguments, clippy::needless_pass_by_value)]
    fn new(
        verify: bool,
        ca_bundle: Option<String>,
        cert: Option<String>,
        key: Option<String>,
        proxy: Option<String>,
        proxy_auth: Option<(String, String)>,
        pool_maxsize: usize,
        http2: bool,
        http2_prior_knowledge: bool,
    ) -> PyResult<Self> {
        let ca_pem = match &ca_bundle {
            Some(path) => Some(load_ca_bundle(path)?),
            None => None,
        };
        let identity_pem = match &cert {
            Some(cert_path) => {
                let cert_pem = read_file(cert_path, "client certificate")?;
                // A single file may hold the key too, as requests allows.
                let key_pem = match &key {
                    Some(key_path) => read_file(key_path, "client key")?,
                    None => cert_pem.clone(),
                };
                Some((cert_pem, key_pem))
            }
            None => None,
        };
        let tls = tls::shared(&tls::TlsOptions {
            verify,
            ca_bundle: ca_pem.as_deref(),
            identity: identity_pem
                .as_ref()
                .map(|(cert_pem, key_pem)| (cert_pem.as_slice(), key_pem.as_slice())),
            http2,
        })
        .map_err(PyOSError::new_err)?;
        let proxy = match proxy {
            Some(url) => Some(Arc::new(Proxy::parse(&url, proxy_auth).map_err(
                |error| PyValueError::new_err(format!("invalid proxy URL {url:?}: {error}")),
            )?)),
            None => None,
        };
        let http2 = match (http2, http2_prior_knowledge) {
            (false, _) => Http2::Off,
            (true, false) => Http2::Alpn,
            (true, true) => Http2::PriorKnowledge,
        };
        // The settings were checked above; pools are built when first needed.
        Ok(Self {
            route: Route { tls, http2, proxy },
            pool_maxsize,
            shared_h1: Mutex::new(None),
            key: ClientKey::default(),
            urls: Mutex::new(HashMap::new()),
        })
    }

    /// Send `call` and wait for the response (the GIL is released while waiting): the sync
    /// entry, whole or streamed.
    #[pyo3(signature = (call, stream = false))]
    pub(crate) fn send(&self, py: Python<'_>, call: &Call, stream: bool) -> PyResult<RawResponse> {
        let exchange = self.exchange(py, call)?;
        if stream {
            self.wait_on_shared(py, exchange, true)
        } else {
            self.send_here(py, exchange)
        }
    }

    /// `send` with the body read whole, and the `Response` that answers `request` made in
    /// the same call by `kit` (see assemble.rs): the whole of `HTTPAdapter.send` for a
    /// plain call. `url` is the call's URL as the Response shows it (the same text).
    #[pyo3(signature = (kit, request, adapter, url, call))]
    fn fetch_whole<'py>(
        &self,
        py: Python<'py>,
        kit: &ResponseKit,
        request: &Bound<'py, PyAny>,
        adapter: &Bound<'py, PyAny>,
        url: &Bound<'py, PyString>,
        call: &Call,
    ) -> PyResult<Bound<'py, PyAny>> {
        let started = Instant::now();
        let raw = self.send(py, call, false)?;
        let elapsed = started.elapsed().as_secs_f64();
        kit.build(
            &Bound::new(py, raw)?,
            request,
            adapter,
            url.as_any(),
            elapsed,
        )
    }

    /// Start `call` on the shared runtime; its result resolves `future` through
    /// `completions` (see bridge.rs): the async entry. The returned handle cancels it.
    #[pyo3(signature = (completions, future, call, stream = false))]
    fn submit(
        &self,
        py: Python<'_>,
        completions: &Completions,
        future: Py<PyAny>,
        call: &Call,
        stream: bool,
    ) -> PyResult<Submitted> {
        let shared = completions.shared();
        let sending = self.send_on_shared(self.exchange(py, call)?, stream);
        let task = crate::runtime::runtime().spawn(async move {
            shared.finish(future, sending.await);
        });
        Ok(Submitted::new(task.abort_handle()))
    }

    /// `submit` as a generic awaitable, for a loop that cannot watch a socket (Windows'
    /// proactor loop).
    #[pyo3(signature = (call, stream = false))]
    fn send_async<'py>(
        &self,
        py: Python<'py>,
        call: &Call,
        stream: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let sending = self.send_on_shared(self.exchange(py, call)?, stream);
        into_awaitable(py, async move { sending.await.map_err(PyErr::from) })
    }
}

impl Client {
    /// The call as the engine (`engine.rs`) takes it.
    fn exchange(&self, py: Python<'_>, call: &Call) -> PyResult<Exchange> {
        let target = self.parsed(&call.url)?;
        let (body, upload_failure) = match &call.body {
            None => (Either::Left(Full::new(Bytes::new())), None),
            Some(body) => match Upload::from_python(body.bind(py)) {
                Ok(Upload::Whole(whole)) => (Either::Left(Full::new(whole)), None),
                Ok(streamed) => {
                    let failure = UploadFailure::default();
                    (streamed.into_out_body(&failure), Some(failure))
                }
                Err(error) => return Err(error),
            },
        };
        Ok(Exchange {
            target,
            method: call.method.clone(),
            headers: call.headers.clone(),
            body,
            upload_failure,
            read_timeout: call.timeouts.read,
            connect_timeout: call.timeouts.connect,
        })
    }

    /// A sync call, its body read whole, on this thread's runtime and pool (or, when this
    /// thread is already inside a request, the shared ones).
    fn send_here(&self, py: Python<'_>, exchange: Exchange) -> PyResult<RawResponse> {
        let mut pending = Some(exchange);
        let route = &self.route;
        let ran = local::run(py, &self.key, self.pool_maxsize, |here| {
            let exchange = pending.take().expect("taken once");
            async move {
                let (head, body) = engine::send(route, &here, exchange).await?;
                Ok(RawResponse::complete(head, body))
            }
        });
        if let Some(result) = ran {
            return result;
        }
        // Re-entered from Python code this thread's engine called: the shared runtime.
        let exchange = pending.take().expect("not taken");
        self.wait_on_shared(py, exchange, false)
    }

    /// The engine's own path on the shared runtime, waited for here (GIL released).
    fn wait_on_shared(
        &self,
        py: Python<'_>,
        exchange: Exchange,
        stream: bool,
    ) -> PyResult<RawResponse> {
        let sending = self.send_on_shared(exchange, stream);
        let task = AbortOnDrop(crate::runtime::runtime().spawn(sending));
        block_on(py, async move {
            match task.wait().await {
                Ok(result) => result.map_err(PyErr::from),
                Err(error) => {
                    Err(EngineError::Engine(format!("the request task failed: {error}")).into())
                }
            }
        })
    }

    /// The engine's own path on the shared runtime, as a future to spawn there: the body
    /// read whole, or streamed (read later from any thread, through the shared runtime).
    fn send_on_shared(
        &self,
        exchange: Exchange,
        stream: bool,
    ) -> impl Future<Output = Result<RawResponse, EngineError>> + Send + 'static {
        let route = self.route.clone();
        let pool = self.shared_h1();
        async move {
            if stream {
                let (head, decoder, body) = engine::send_streamed(&route, &pool, exchange).await?;
                Ok(RawResponse::streaming(
                    head,
                    BodyStream::engine(body, decoder),
                ))
            } else {
                let (head, body) = engine::send(&route, &pool, exchange).await?;
                Ok(RawResponse::complete(head, body))
            }
        }
    }

    /// The engine's HTTP/1.1 pool on the shared runtime, made anew in a child after fork.
    fn shared_h1(&self) -> h1::SharedPool {
        let pid = crate::process::id();
        let mut slot = self
            .shared_h1
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((owner, pool)) = slot.as_ref()
            && *owner == pid
        {
            return Arc::clone(pool);
        }
        if let Some(stale) = slot.take() {
            std::mem::forget(stale); // the parent's sockets, on the parent's runtime
        }
        let pool = Arc::new(Mutex::new(h1::Pool::new(self.pool_maxsize)));
        *slot = Some((pid, Arc::clone(&pool)));
        pool
    }

    /// `url`'s target, from the cache when it was sent to before; shared, so a request takes
    /// it without copying its strings.
    fn parsed(&self, url: &str) -> Result<Arc<Target>, EngineError> {
        let mut cache = self
            .urls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(known) = cache.get(url) {
            return Ok(Arc::clone(known));
        }
        let parsed = url::Url::parse(url)
            .map_err(|error| EngineError::InvalidUrl(format!("invalid URL {url:?}: {error}")))?;
        let known = Arc::new(Target::for_url(&parsed).ok_or_else(|| {
            EngineError::InvalidUrl(format!(
                "cannot send to {url:?}: only http:// and https:// URLs with a host are sent"
            ))
        })?);
        if cache.len() >= PARSED_URLS_MAX {
            cache.clear();
        }
        cache.insert(url.to_owned(), Arc::clone(&known));
        Ok(known)
    }
}

fn load_ca_bundle(path: &str) -> PyResult<Vec<u8>> {
    let pem = read_file(path, "CA bundle")?;
    if CertificateDer::pem_slice_iter(&pem).next().is_none() {
        return Err(PyOSError::new_err(format!(
            "could not find a suitable TLS CA certificate bundle, invalid path: {path}"
        )));
    }
    Ok(pem)
}

fn read_file(path: &str, what: &str) -> PyResult<Vec<u8>> {
    std::fs::read(path).map_err(|error| {
        PyOSError::new_err(format!(
            "could not find the {what} at {path:?}, invalid path: {error}"
        ))
    })
}
