//! `Client`: one configured connection pool (TLS, proxy) and its sends; timeouts are per call.
//!
//! Python keeps one Client per distinct configuration (requests lets `verify`, `cert` and
//! `proxies` change per call) and picks the one a request needs. A Client is rebuilt
//! lazily in a child process after `fork()`, like the runtime its pool lives on.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyString;
use reqwest::header::HeaderMap;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::assemble::ResponseKit;
use crate::bridge::{Completions, Submitted};
use crate::call::Call;
use crate::connect_timeout::{self, CallConnectTimeout};
use crate::engine::{self, Exchange, Http2, Route};
use crate::errors::EngineError;
use crate::h1;
use crate::local::{self, ClientKey, PoolHandle, Pools};
use crate::response::{BodyStream, RawResponse, read_whole_body};
use crate::runtime::{AbortOnDrop, block_on, into_awaitable};
use crate::target::Target;
use crate::tls;
use crate::upload::{Upload, UploadFailure};
use bytes::Bytes;
use http_body_util::{Either, Full};

/// What a Client's connections are made from; kept to rebuild reqwest's pool after fork.
#[derive(Clone)]
struct Settings {
    /// TLS (built once per distinct settings, see tls.rs) and HTTP/2: how the engine's own
    /// connections are made.
    route: Route,
    proxy: Option<reqwest::Proxy>,
    pool_maxsize: usize,
}

impl Settings {
    fn build(&self) -> Result<reqwest::Client, EngineError> {
        install_crypto_provider();
        let mut builder = reqwest::Client::builder()
            // requests' semantics live in Python: redirects are followed hop by hop there,
            // and bodies are decoded by `decode.rs` so headers stay as received.
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .pool_max_idle_per_host(self.pool_maxsize)
            .tls_backend_preconfigured((*self.route.tls.config).clone())
            // requests writes header names as given (mostly Title-Case); some servers and
            // proxies still care, so send them Title-Case rather than hyper's lower case.
            .http1_title_case_headers()
            .tcp_nodelay(true)
            // Each call's own connect timeout (see connect_timeout.rs), so one pool serves
            // calls with any timeout.
            .connector_layer(CallConnectTimeout);
        if let Some(proxy) = &self.proxy {
            builder = builder.proxy(proxy.clone());
        }
        if self.route.http2 == Http2::Off {
            builder = builder.http1_only();
        }
        builder
            .build()
            .map_err(|error| EngineError::from_reqwest(&error, false))
    }
}

fn install_crypto_provider() {
    // Fails only when a provider is already installed, which is what we want anyway.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

#[pyclass(module = "requestx._requestx", frozen)]
pub struct Client {
    settings: Settings,
    /// reqwest's pool on the shared runtime (proxies, credentials in the URL).
    built: Mutex<Option<(u32, reqwest::Client)>>,
    /// The engine's HTTP/1.1 pool on the shared runtime (async calls), by process.
    shared_h1: Mutex<Option<(u32, h1::SharedPool)>>,
    /// Names this Client's pools on the threads that sent with it (see `local.rs`).
    key: ClientKey,
    /// Each URL parsed once, by its text: a client sends to few URLs, and parsing (IDNA
    /// included) is a visible part of a small request's cost.
    urls: Mutex<HashMap<String, Arc<ParsedUrl>>>,
}

/// A URL as the engine sends to it: parsed, and its target (`target.rs`) worked out.
struct ParsedUrl {
    url: reqwest::Url,
    /// None when the URL needs reqwest (another scheme, or credentials in it).
    target: Option<Arc<Target>>,
}

/// Bound on `urls`; emptied when full (cheap, and enough for the common case).
const PARSED_URLS_MAX: usize = 256;

impl Drop for Client {
    fn drop(&mut self) {
        // Most Clients die on the thread that used them: close that thread's pool now.
        local::forget(&self.key);
    }
}

/// Everything one send needs, owned, so it can move into the runtime.
struct Outgoing {
    client: reqwest::Client,
    method: reqwest::Method,
    url: reqwest::Url,
    headers: HeaderMap,
    body: Option<Upload>,
    read_timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    stream: bool,
    via_proxy: bool,
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
            Some(url) => {
                let mut proxy = reqwest::Proxy::all(url.as_str()).map_err(|error| {
                    PyValueError::new_err(format!("invalid proxy URL {url:?}: {error}"))
                })?;
                if let Some((user, password)) = &proxy_auth {
                    proxy = proxy.basic_auth(user, password);
                }
                Some(proxy)
            }
            None => None,
        };
        let http2 = match (http2, http2_prior_knowledge) {
            (false, _) => Http2::Off,
            (true, false) => Http2::Alpn,
            (true, true) => Http2::PriorKnowledge,
        };
        let settings = Settings {
            route: Route { tls, http2 },
            proxy,
            pool_maxsize,
        };
        // The settings were checked above; pools are built when first needed.
        Ok(Self {
            settings,
            built: Mutex::new(None),
            shared_h1: Mutex::new(None),
            key: ClientKey::default(),
            urls: Mutex::new(HashMap::new()),
        })
    }

    /// Send `call` and wait for the response (the GIL is released while waiting): the sync
    /// entry, whole or streamed.
    #[pyo3(signature = (call, stream = false))]
    fn send(&self, py: Python<'_>, call: &Call, stream: bool) -> PyResult<RawResponse> {
        if !stream {
            if let Some(result) = self.send_direct(py, call) {
                return result;
            }
            // The whole exchange on this thread (see local.rs), unless this thread is
            // already inside one.
            let ran = local::run(
                py,
                &self.key,
                self.settings.pool_maxsize,
                Pools::Reqwest(|| self.settings.build()),
                |handle| {
                    let PoolHandle::Reqwest(client) = handle else {
                        unreachable!("reqwest's pool was asked for")
                    };
                    let outgoing = self.outgoing_with(py, client, call, false);
                    async move { perform(outgoing?).await.map_err(PyErr::from) }
                },
            );
            if let Some(result) = ran {
                return result;
            }
        } else if let Some(exchange) = self.exchange(py, call) {
            return self.wait_on_shared(py, exchange?, true);
        }
        self.send_shared(py, call, stream)
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
        if let Some(exchange) = self.exchange(py, call) {
            let sending = self.send_on_shared(exchange?, stream);
            let task = crate::runtime::runtime().spawn(async move {
                shared.finish(future, sending.await);
            });
            return Ok(Submitted::new(task.abort_handle()));
        }
        let outgoing = self.outgoing(py, call, stream)?;
        let task = crate::runtime::runtime().spawn(async move {
            let result = perform(outgoing).await;
            shared.finish(future, result);
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
        if let Some(exchange) = self.exchange(py, call) {
            let sending = self.send_on_shared(exchange?, stream);
            return into_awaitable(py, async move { sending.await.map_err(PyErr::from) });
        }
        let outgoing = self.outgoing(py, call, stream)?;
        into_awaitable(
            py,
            async move { perform(outgoing).await.map_err(PyErr::from) },
        )
    }
}

impl Client {
    /// The call as the engine's own path (`engine.rs`) takes it; None when it needs
    /// reqwest (a proxy, another scheme, credentials in the URL).
    fn exchange(&self, py: Python<'_>, call: &Call) -> Option<PyResult<Exchange>> {
        if self.settings.proxy.is_some() {
            return None;
        }
        let target = match self.parsed(&call.url) {
            Ok(parsed) => parsed.target.clone()?,
            Err(error) => return Some(Err(error.into())),
        };
        let (body, upload_failure) = match &call.body {
            None => (Either::Left(Full::new(Bytes::new())), None),
            Some(body) => match Upload::from_python(body.bind(py)) {
                Ok(Upload::Whole(whole)) => (Either::Left(Full::new(whole)), None),
                Ok(streamed) => {
                    let failure = UploadFailure::default();
                    (streamed.into_out_body(&failure), Some(failure))
                }
                Err(error) => return Some(Err(error)),
            },
        };
        Some(Ok(Exchange {
            target,
            method: call.method.clone(),
            headers: call.headers.clone(),
            body,
            upload_failure,
            read_timeout: call.timeouts.read,
            connect_timeout: call.timeouts.connect,
        }))
    }

    /// A sync call on the engine's own path, on this thread's runtime and pool (or, when
    /// this thread is already inside a request, the shared ones); None when it needs reqwest.
    fn send_direct(&self, py: Python<'_>, call: &Call) -> Option<PyResult<RawResponse>> {
        let mut pending = match self.exchange(py, call)? {
            Ok(exchange) => Some(exchange),
            Err(error) => return Some(Err(error)),
        };
        let route = &self.settings.route;
        let ran = local::run(
            py,
            &self.key,
            self.settings.pool_maxsize,
            Pools::<fn() -> Result<reqwest::Client, EngineError>>::Plain,
            |handle| {
                let PoolHandle::Plain(here) = handle else {
                    unreachable!("the plain pool was asked for")
                };
                let exchange = pending.take().expect("taken once");
                async move {
                    let (head, body) = engine::send(route, &here, exchange).await?;
                    Ok(RawResponse::complete(head, body))
                }
            },
        );
        if ran.is_some() {
            return ran;
        }
        // Re-entered from Python code this thread's engine called: the shared runtime.
        let exchange = pending.take().expect("not taken");
        Some(self.wait_on_shared(py, exchange, false))
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
        let route = self.settings.route.clone();
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
        let pool = Arc::new(Mutex::new(h1::Pool::new(self.settings.pool_maxsize)));
        *slot = Some((pid, Arc::clone(&pool)));
        pool
    }

    /// `url` parsed, from the cache when it was sent to before; shared, so a request takes
    /// it without copying its strings.
    fn parsed(&self, url: &str) -> Result<Arc<ParsedUrl>, EngineError> {
        let mut cache = self
            .urls
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(known) = cache.get(url) {
            return Ok(Arc::clone(known));
        }
        let parsed = reqwest::Url::parse(url)
            .map_err(|error| EngineError::InvalidUrl(format!("invalid URL {url:?}: {error}")))?;
        let target = Target::for_url(&parsed).map(Arc::new);
        let known = Arc::new(ParsedUrl {
            url: parsed,
            target,
        });
        if cache.len() >= PARSED_URLS_MAX {
            cache.clear();
        }
        cache.insert(url.to_owned(), Arc::clone(&known));
        Ok(known)
    }

    fn client(&self) -> Result<reqwest::Client, EngineError> {
        let pid = crate::process::id();
        let mut built = self
            .built
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((owner, client)) = built.as_ref()
            && *owner == pid
        {
            return Ok(client.clone());
        }
        // After fork(): the inherited pool belongs to the parent's runtime.
        if let Some(stale) = built.take() {
            std::mem::forget(stale);
        }
        let client = self.settings.build()?;
        *built = Some((pid, client.clone()));
        Ok(client)
    }

    /// Send on the shared runtime: the response's body can then be read from any thread.
    fn send_shared(&self, py: Python<'_>, call: &Call, stream: bool) -> PyResult<RawResponse> {
        let outgoing = self.outgoing(py, call, stream)?;
        // On a runtime worker, not the calling thread: when the body ends, the connection's
        // own tasks (which hand it back to the pool) run on that worker right away, so the
        // caller's next request finds the connection idle instead of opening another.
        let task = AbortOnDrop(crate::runtime::runtime().spawn(perform(outgoing)));
        block_on(py, async move {
            match task.wait().await {
                Ok(result) => result.map_err(PyErr::from),
                Err(error) => {
                    Err(EngineError::Engine(format!("the request task failed: {error}")).into())
                }
            }
        })
    }

    fn outgoing(&self, py: Python<'_>, call: &Call, stream: bool) -> PyResult<Outgoing> {
        let client = self.client()?;
        self.outgoing_with(py, client, call, stream)
    }

    fn outgoing_with(
        &self,
        py: Python<'_>,
        client: reqwest::Client,
        call: &Call,
        stream: bool,
    ) -> PyResult<Outgoing> {
        Ok(Outgoing {
            client,
            method: call.method.clone(),
            url: self.parsed(&call.url)?.url.clone(),
            headers: call.headers.clone(),
            body: call
                .body
                .as_ref()
                .map(|body| Upload::from_python(body.bind(py)))
                .transpose()?,
            read_timeout: call.timeouts.read,
            connect_timeout: call.timeouts.connect,
            stream,
            via_proxy: self.settings.proxy.is_some(),
        })
    }
}

async fn perform(outgoing: Outgoing) -> Result<RawResponse, EngineError> {
    let Outgoing {
        client,
        method,
        url,
        headers,
        body,
        read_timeout,
        connect_timeout,
        stream,
        via_proxy,
    } = outgoing;
    let mut request = client.request(method, url).headers(headers);
    let upload_failure = UploadFailure::default();
    if let Some(body) = body {
        request = request.body(body.into_body(&upload_failure));
    }
    let sending = connect_timeout::scoped(connect_timeout, request.send());
    let response = match read_timeout {
        // Waiting for the head covers the connect too: give it the connect budget as well.
        Some(read) => {
            let budget = read + connect_timeout.unwrap_or_default();
            match tokio::time::timeout(budget, sending).await {
                Ok(result) => result,
                Err(_) => {
                    return Err(EngineError::ReadTimeout(format!(
                        "no response within {:.3}s (read timeout)",
                        read.as_secs_f64()
                    )));
                }
            }
        }
        None => sending.await,
    }
    .map_err(|error| {
        // The body's iterator raised: that exception, not a transport error, is the cause.
        let raised = upload_failure
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        match raised {
            Some(python_error) => EngineError::Python(python_error),
            None => EngineError::from_reqwest(&error, via_proxy),
        }
    })?;
    let mut body = BodyStream::new(response, read_timeout);
    let head = body.head();
    if stream {
        Ok(RawResponse::streaming(head, body))
    } else {
        let whole = read_whole_body(&mut body).await?;
        drop(body);
        // The connection goes back to the pool from its own task once the body is done; give
        // that task its turn now, or the caller's next request may open a second connection.
        tokio::task::yield_now().await;
        Ok(RawResponse::complete(head, whole))
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
