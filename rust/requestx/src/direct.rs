//! Plain HTTP/1.1 straight on hyper's connection API: the synchronous fast path.
//!
//! Why: for a small request, reqwest's layers cost more than hyper itself does (the URL is
//! parsed again and converted, the request passes a stack of tower services, the pool is
//! keyed by hashed URIs, large futures are moved from layer to layer). Counted with
//! callgrind, a small GET cost about 100k instructions through reqwest; libcurl's whole
//! request costs about 60k. Here a request is hyper's encoder and parser and one syscall
//! each way.
//!
//! Scope: `http://` URLs without a proxy, an in-memory body (or none), the response read
//! whole, on the calling thread's own runtime (`local.rs`). Everything else (TLS, proxies,
//! streamed bodies, async calls) goes through reqwest, which also brings HTTP/2.
//!
//! Connections are owned here, not spawned as tasks: the request's future polls its
//! connection's driver itself, so a request needs no task wake-ups and no yield to let a
//! background task hand the connection back to a pool.

use std::future::{Future, poll_fn};
use std::net::{IpAddr, SocketAddr, TcpStream as ProbeStream};
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::{Body as _, Incoming};
use hyper::client::conn::http1;
use hyper::header::{HOST, HeaderMap, HeaderValue};
use hyper::{Method, Request, Uri, Version};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::decode::Decoder;
use crate::errors::EngineError;
use crate::response::{Head, WholeBody};

type Driver = http1::Connection<TokioIo<TcpStream>, Full<Bytes>>;

/// Idle connections older than this are closed rather than reused (reqwest's default).
const IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// Where a plain request goes, worked out once per URL.
#[derive(Clone)]
pub struct Target {
    /// `host:port`: connections are pooled by it.
    origin: Arc<str>,
    /// The host to resolve and connect to (an IPv6 address without its brackets).
    host: String,
    port: u16,
    host_header: HeaderValue,
    /// The request target in origin form (path and query).
    path: Uri,
    url: String,
}

impl Target {
    /// The target of a plain `http://` URL; None when the URL needs the general path.
    pub fn for_url(url: &reqwest::Url) -> Option<Self> {
        if url.scheme() != "http" || !url.username().is_empty() || url.password().is_some() {
            return None;
        }
        let host_text = url.host_str()?;
        // An IPv6 address is written in brackets in the URL, not when connecting.
        let host = host_text
            .strip_prefix('[')
            .and_then(|inner| inner.strip_suffix(']'))
            .unwrap_or(host_text)
            .to_owned();
        let port = url.port_or_known_default()?;
        // As http.client writes it: the port only when it is not the scheme's default.
        let host_header = match url.port() {
            Some(explicit) => format!("{host_text}:{explicit}"),
            None => host_text.to_owned(),
        };
        let mut path = url.path().to_owned();
        if let Some(query) = url.query() {
            path.push('?');
            path.push_str(query);
        }
        Some(Self {
            origin: Arc::from(format!("{host_text}:{port}")),
            host,
            port,
            host_header: HeaderValue::from_str(&host_header).ok()?,
            path: Uri::try_from(path).ok()?,
            url: url.as_str().to_owned(),
        })
    }
}

/// One open connection: hyper's handle to send on, the driver that does its I/O, and a
/// duplicate of the socket to check, before reuse, that the server has not closed it.
struct Connection {
    sender: http1::SendRequest<Full<Bytes>>,
    driver: DriverSlot,
    probe: ProbeStream,
}

impl Connection {
    /// Whether an idle connection can carry another request: the server has not closed it
    /// (a peek sees no EOF and no stray bytes) and hyper has not finished with it.
    fn reusable(&self) -> bool {
        if !self.is_open() {
            return false;
        }
        let mut byte = [0u8; 1];
        // The duplicate is non-blocking (set when it was made): a peek never waits.
        matches!(self.probe.peek(&mut byte), Err(error) if error.kind() == std::io::ErrorKind::WouldBlock)
    }

    fn is_open(&self) -> bool {
        self.driver.0.is_some() && !self.sender.is_closed()
    }
}

/// The connection's driver; None once the connection has ended.
struct DriverSlot(Option<Driver>);

impl DriverSlot {
    /// Poll `future`, driving the connection's I/O while it waits.
    fn poll_with<F: Future + Unpin>(
        &mut self,
        future: &mut F,
        cx: &mut Context<'_>,
    ) -> Poll<F::Output> {
        loop {
            if let Poll::Ready(output) = Pin::new(&mut *future).poll(cx) {
                return Poll::Ready(output);
            }
            let Some(driver) = self.0.as_mut() else {
                return Poll::Pending;
            };
            match Pin::new(driver).poll(cx) {
                // The driver may just have finished what `future` waits for: hyper hands
                // readiness and responses over through channels that wake this same task,
                // and returning Pending would cost a trip through the runtime to see it.
                Poll::Pending => return Pin::new(&mut *future).poll(cx),
                // The connection ended (closed or failed): dropping its driver hands every
                // waiting request its error, so poll the future once more.
                Poll::Ready(_) => self.0 = None,
            }
        }
    }

    async fn drive<F: Future + Unpin>(&mut self, mut future: F) -> F::Output {
        poll_fn(|cx| self.poll_with(&mut future, cx)).await
    }
}

struct Idle {
    origin: Arc<str>,
    connection: Connection,
    since: Instant,
}

/// A thread's idle plain connections for one `Client`, most recently used last.
pub struct PlainPool {
    idle: Vec<Idle>,
    max_idle_per_origin: usize,
}

impl PlainPool {
    pub fn new(max_idle_per_origin: usize) -> Self {
        Self {
            idle: Vec::new(),
            max_idle_per_origin,
        }
    }

    fn take(&mut self, origin: &str) -> Option<Connection> {
        let now = Instant::now();
        self.idle
            .retain(|idle| now.duration_since(idle.since) < IDLE_TIMEOUT);
        while let Some(index) = self.idle.iter().rposition(|idle| *idle.origin == *origin) {
            let idle = self.idle.remove(index);
            if idle.connection.reusable() {
                return Some(idle.connection);
            }
        }
        None
    }

    fn put(&mut self, origin: Arc<str>, connection: Connection) {
        let held = self
            .idle
            .iter()
            .filter(|idle| idle.origin == origin)
            .count();
        if held >= self.max_idle_per_origin {
            // The oldest idle connection to this origin makes room.
            if let Some(index) = self.idle.iter().position(|idle| idle.origin == origin) {
                self.idle.remove(index);
            }
        }
        if self.max_idle_per_origin > 0 {
            self.idle.push(Idle {
                origin,
                connection,
                since: Instant::now(),
            });
        }
    }
}

pub type SharedPlainPool = Arc<Mutex<PlainPool>>;

fn lock(pool: &SharedPlainPool) -> std::sync::MutexGuard<'_, PlainPool> {
    pool.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// One plain request.
pub struct PlainRequest {
    pub target: Arc<Target>,
    pub method: Method,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub read_timeout: Option<Duration>,
    pub connect_timeout: Option<Duration>,
}

/// Send `request` on a pooled connection (or a new one) and read the whole response.
pub async fn send(
    pool: SharedPlainPool,
    request: PlainRequest,
) -> Result<(Head, WholeBody), EngineError> {
    let PlainRequest {
        target,
        method,
        mut headers,
        body,
        read_timeout,
        connect_timeout,
    } = request;
    if !headers.contains_key(HOST) {
        headers.insert(HOST, target.host_header.clone());
    }
    let mut outgoing = Request::new(Full::new(body));
    *outgoing.method_mut() = method;
    *outgoing.uri_mut() = target.path.clone();
    *outgoing.version_mut() = Version::HTTP_11;
    *outgoing.headers_mut() = headers;

    loop {
        let pooled = lock(&pool).take(&target.origin);
        let reused = pooled.is_some();
        let mut connection = match pooled {
            Some(connection) => connection,
            // Boxed: the rare path would otherwise size (and slow) every request's future.
            None => Box::pin(connect(&target, connect_timeout)).await?,
        };
        let response = match exchange(&mut connection, outgoing, read_timeout).await {
            Ok(response) => response,
            Err(Failure::Unsent(request, _)) if reused => {
                // The pooled connection was closed under us before the request left: a new
                // connection gets it (nothing reached the server).
                outgoing = *request;
                continue;
            }
            Err(Failure::Unsent(_, error) | Failure::Sent(error)) => return Err(error),
        };
        let (parts, incoming) = response.into_parts();
        let decoder = Decoder::for_encoding(
            parts
                .headers
                .get(hyper::header::CONTENT_ENCODING)
                .and_then(|value| value.to_str().ok()),
        );
        let head = Head::from_parts(
            parts.status,
            parts.version,
            parts.headers,
            &parts.extensions,
            target.url.clone(),
        );
        let chunks = read_body(&mut connection, incoming, read_timeout).await?;
        if connection.is_open() {
            lock(&pool).put(Arc::clone(&target.origin), connection);
        }
        let body = match decoder {
            None => WholeBody::Chunks(chunks),
            Some(mut decoder) => {
                let mut out = Vec::new();
                for chunk in &chunks {
                    out.extend(decoder.feed(chunk)?);
                }
                out.extend(decoder.finish()?);
                WholeBody::Decoded(out)
            }
        };
        return Ok((head, body));
    }
}

enum Failure {
    /// The request never left: it can go on another connection.
    Unsent(Box<Request<Full<Bytes>>>, EngineError),
    Sent(EngineError),
}

async fn exchange(
    connection: &mut Connection,
    request: Request<Full<Bytes>>,
    read_timeout: Option<Duration>,
) -> Result<hyper::Response<Incoming>, Failure> {
    let Connection { sender, driver, .. } = connection;
    // A reused connection is ready at once; a new one after its driver's first poll.
    if let Err(error) = driver.drive(poll_fn(|cx| sender.poll_ready(cx))).await {
        return Err(Failure::Unsent(Box::new(request), connection_error(&error)));
    }
    let sending = Box::pin(sender.try_send_request(request));
    let result = match within(read_timeout, driver.drive(sending)).await {
        Ok(result) => result,
        Err(limit) => {
            return Err(Failure::Sent(EngineError::ReadTimeout(format!(
                "no response within {:.3}s (read timeout)",
                limit.as_secs_f64()
            ))));
        }
    };
    result.map_err(|mut failed| {
        let error = connection_error(failed.error());
        match failed.take_message() {
            Some(request) => Failure::Unsent(Box::new(request), error),
            None => Failure::Sent(error),
        }
    })
}

/// `future`'s output, or the limit it overran. Like `tokio::time::timeout`, but the timer
/// is set only when `future` has to wait: the body of a small response is usually in the
/// buffer already, and a timer costs a visible share of such a request.
async fn within<F: Future>(limit: Option<Duration>, future: F) -> Result<F::Output, Duration> {
    let mut future = pin!(future);
    if let Poll::Ready(output) = poll_fn(|cx| Poll::Ready(future.as_mut().poll(cx))).await {
        return Ok(output);
    }
    match limit {
        None => Ok(future.await),
        Some(limit) => tokio::time::timeout(limit, future).await.map_err(|_| limit),
    }
}

async fn read_body(
    connection: &mut Connection,
    mut incoming: Incoming,
    read_timeout: Option<Duration>,
) -> Result<Vec<Bytes>, EngineError> {
    let mut chunks = Vec::new();
    while !incoming.is_end_stream() {
        let next = poll_fn(|cx| Pin::new(&mut incoming).poll_frame(cx));
        let frame = within(read_timeout, connection.driver.drive(next))
            .await
            .map_err(|limit| {
                EngineError::ReadTimeout(format!(
                    "the body stalled for more than {:.3}s (read timeout)",
                    limit.as_secs_f64()
                ))
            })?;
        match frame {
            None => break,
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data()
                    && !data.is_empty()
                {
                    chunks.push(data);
                }
            }
            Some(Err(error)) => {
                return Err(EngineError::ChunkedEncoding(format!(
                    "the response body ended early or was malformed: {error}"
                )));
            }
        }
    }
    Ok(chunks)
}

async fn connect(target: &Target, limit: Option<Duration>) -> Result<Connection, EngineError> {
    let connecting = open(target);
    let stream = match limit {
        None => connecting.await?,
        Some(limit) => tokio::time::timeout(limit, connecting)
            .await
            .map_err(|_| {
                EngineError::ConnectTimeout(format!(
                    "connection to {} timed out (connect timeout={}s)",
                    target.origin,
                    limit.as_secs_f64()
                ))
            })??,
    };
    let failed = |error: std::io::Error| {
        EngineError::ConnectFailed(format!("error connecting to {}: {error}", target.origin))
    };
    stream.set_nodelay(true).map_err(failed)?;
    // The probe is a duplicate of the socket made through std, which does it on every
    // platform (dup on Unix, WSADuplicateSocket on Windows); non-blocking set on it
    // explicitly, as Windows does not carry the mode over to a duplicate.
    let socket = stream.into_std().map_err(failed)?;
    let probe = socket.try_clone().map_err(failed)?;
    probe.set_nonblocking(true).map_err(failed)?;
    let stream = TcpStream::from_std(socket).map_err(failed)?;
    let (sender, driver) = http1::Builder::new()
        // requests writes header names as given (mostly Title-Case); some servers and
        // proxies still care, so send them Title-Case rather than hyper's lower case.
        .title_case_headers(true)
        .handshake(TokioIo::new(stream))
        .await
        .map_err(|error| connection_error(&error))?;
    Ok(Connection {
        sender,
        driver: DriverSlot(Some(driver)),
        probe,
    })
}

/// A TCP connection to the first of the target's addresses that accepts one.
async fn open(target: &Target) -> Result<TcpStream, EngineError> {
    let addresses: Vec<SocketAddr> = match target.host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, target.port)],
        Err(_) => tokio::net::lookup_host((target.host.as_str(), target.port))
            .await
            .map_err(|error| {
                EngineError::ConnectFailed(format!("failed to resolve {}: {error}", target.host))
            })?
            .collect(),
    };
    let mut last_error = None;
    for address in addresses {
        match TcpStream::connect(address).await {
            Ok(stream) => return Ok(stream),
            Err(error) => last_error = Some(error),
        }
    }
    Err(EngineError::ConnectFailed(match last_error {
        Some(error) => format!("error connecting to {}: {error}", target.origin),
        None => format!("{} resolved to no address", target.host),
    }))
}

fn connection_error(error: &hyper::Error) -> EngineError {
    let message = crate::errors::describe(error);
    if error.is_parse() {
        // A malformed response head (conflicting Content-Length, bad header bytes).
        EngineError::InvalidHeader(message)
    } else {
        EngineError::Connection(message)
    }
}

#[cfg(test)]
mod tests {
    use super::Target;

    fn target(url: &str) -> Option<Target> {
        Target::for_url(&reqwest::Url::parse(url).expect("a valid URL"))
    }

    #[test]
    fn host_header_has_the_port_only_when_it_is_not_the_default() {
        let explicit = target("http://example.test:8080/a?b=c#frag").expect("plain");
        assert_eq!(explicit.host_header, "example.test:8080");
        assert_eq!(&*explicit.origin, "example.test:8080");
        assert_eq!(explicit.path, "/a?b=c");
        let default = target("http://example.test/").expect("plain");
        assert_eq!(default.host_header, "example.test");
        assert_eq!(&*default.origin, "example.test:80");
        assert_eq!(default.port, 80);
    }

    #[test]
    fn ipv6_hosts_connect_without_brackets() {
        let v6 = target("http://[::1]:9000/").expect("plain");
        assert_eq!(v6.host, "::1");
        assert_eq!(v6.host_header, "[::1]:9000");
    }

    #[test]
    fn only_plain_http_without_credentials_takes_this_path() {
        assert!(target("https://example.test/").is_none());
        assert!(target("http://user:secret@example.test/").is_none());
    }
}
