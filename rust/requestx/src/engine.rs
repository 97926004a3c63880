//! The engine's own request path: one function that picks the connection and protocol.
//!
//! Scope: every request a `Client` sends, `http://` and `https://`, directly or through its
//! proxy (`proxy.rs`), its body in memory, absent or pulled from a Python iterator; the
//! response read whole (`send`: sync calls on the calling thread's runtime, async calls on
//! the shared runtime) or streamed (`send_streamed`, on the shared runtime, where every
//! later read of the body runs).
//!
//! The choice, per request:
//! 1. HTTP/2 where it may be spoken (`https://` unless `http2=False`, `http://` only with
//!    prior knowledge): the process's shared connection to the origin (`h2.rs`), opened
//!    when there is none and then handed to the shared runtime. If ALPN answers HTTP/1.1
//!    instead, that connection carries this request and joins the HTTP/1.1 pool of the
//!    runtime the request runs on, and the origin is remembered as HTTP/1.1.
//! 2. Otherwise HTTP/1.1 (`h1.rs`): an idle connection of the runtime this request runs on,
//!    or a new one offering only http/1.1 by ALPN.
//!
//! Through a proxy: an `http://` request that an HTTP proxy forwards is HTTP/1.1 in absolute
//! form with the proxy's `Proxy-Authorization`, on connections to the proxy pooled for every
//! origin; anything else rides a tunnel to its origin (CONNECT or SOCKS5) and is sent in it
//! as it would be sent directly, HTTP/2 included, its shared HTTP/2 connection keyed by the
//! proxy as well as the origin.

use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{Either, Full};
use hyper::body::{Body as _, Incoming};
use hyper::header::{HOST, HeaderMap, PROXY_AUTHORIZATION};
use hyper::{Method, Request, Uri, Version};

use crate::connector;
use crate::decode::Decoder;
use crate::errors::EngineError;
use crate::h1::{self, Connection, Failure};
use crate::h2::{self, Opened, Way};
use crate::header_case::Spellings;
use crate::proxy::Proxy;
use crate::response::{Head, WholeBody};
use crate::target::{Scheme, Target};
use crate::tls::Tls;
use crate::upload::{OutBody, UploadFailure, raised};

/// Whether and how HTTP/2 is spoken (the `http2=` knob).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Http2 {
    /// HTTP/1.1 only.
    Off,
    /// Offered by ALPN on `https://`; `http://` stays HTTP/1.1.
    Alpn,
    /// As `Alpn`, and `http://` speaks HTTP/2 from the first byte (h2c, prior knowledge).
    PriorKnowledge,
}

/// What a `Client`'s settings say about how to connect.
#[derive(Clone)]
pub struct Route {
    pub tls: Arc<Tls>,
    pub http2: Http2,
    /// Every request of the `Client` goes through it (Python chose it for the `Client`).
    pub proxy: Option<Arc<Proxy>>,
}

impl Route {
    /// The `Client`'s proxy, with the TLS configuration of the hop to an `https://` proxy
    /// (HTTP/1.1 by ALPN: a proxy is spoken to in HTTP/1.1).
    fn proxy_hop(&self) -> Option<(&Proxy, &Arc<rustls::ClientConfig>)> {
        self.proxy
            .as_deref()
            .map(|proxy| (proxy, &self.tls.h1_only))
    }

    /// The proxy that forwards `target` as it is (an HTTP proxy, an `http://` URL).
    fn forwarder(&self, target: &Target) -> Option<&Proxy> {
        self.proxy.as_deref().filter(|proxy| proxy.forwards(target))
    }

    /// What `target`'s HTTP/1.1 connections are pooled by: its origin, or the proxy when
    /// the proxy forwards it (one connection to the proxy carries every origin). A pool
    /// belongs to one `Client`, and so to one proxy.
    fn pool_key(&self, target: &Target) -> Arc<str> {
        match self.forwarder(target) {
            Some(proxy) => Arc::clone(&proxy.forward_key),
            None => Arc::clone(&target.origin),
        }
    }

    /// What `target`'s shared HTTP/2 connection is found by in the process-wide table:
    /// its origin, and the proxy (with its credentials) whose tunnel carries it.
    fn h2_key(&self, target: &Target) -> Arc<str> {
        match &self.proxy {
            None => Arc::clone(&target.origin),
            Some(proxy) => Arc::from(format!("{} via {}", target.origin, proxy.key)),
        }
    }
}

/// One request the engine carries itself.
pub struct Exchange {
    pub target: Arc<Target>,
    pub method: Method,
    pub headers: HeaderMap,
    pub body: OutBody,
    /// Where a streamed body's iterator leaves the exception it raised (None when whole).
    pub upload_failure: Option<UploadFailure>,
    pub read_timeout: Option<Duration>,
    pub connect_timeout: Option<Duration>,
}

/// Send `exchange` and read the whole response; `pool` holds the HTTP/1.1 connections of
/// the runtime this runs on.
pub async fn send(
    route: &Route,
    pool: &h1::SharedPool,
    exchange: Exchange,
) -> Result<(Head, WholeBody), EngineError> {
    let (head, decoder, mut body) = send_streamed(route, pool, exchange).await?;
    let mut chunks = Vec::new();
    while let Some(chunk) = body.next_chunk().await? {
        chunks.push(chunk);
    }
    Ok((head, decode(decoder, chunks)?))
}

/// Send `exchange` and wait for the response's head; the body is read from the returned
/// `Streaming` (decoded with the decoder its Content-Encoding asks for, if any).
pub async fn send_streamed(
    route: &Route,
    pool: &h1::SharedPool,
    exchange: Exchange,
) -> Result<(Head, Option<Decoder>, Streaming), EngineError> {
    let failure = exchange.upload_failure.clone();
    let result = send_head(route, pool, exchange).await;
    match (result, failure) {
        // The body's iterator raised: that exception, not a transport error, is the cause.
        (Err(error), Some(failure)) => Err(raised(&failure).map_or(error, EngineError::Python)),
        (result, _) => result,
    }
}

async fn send_head(
    route: &Route,
    pool: &h1::SharedPool,
    exchange: Exchange,
) -> Result<(Head, Option<Decoder>, Streaming), EngineError> {
    let (exchange, fresh) = match h2_slot(route, &exchange.target) {
        // Boxed: the HTTP/2 attempt's waits would otherwise size (and slow, as every
        // request's future is moved) the HTTP/1.1 requests too.
        Some(slot) => match Box::pin(send_h2_first(route, slot, exchange)).await? {
            H2First::Answered(answer) => return Ok(answer),
            H2First::H1(exchange, fresh) => (exchange, fresh),
        },
        None => (exchange, None),
    };
    send_h1(pool, fresh, route, exchange).await
}

/// The origin's HTTP/2 slot when the request should try HTTP/2 first: h2 is wanted (by
/// ALPN on `https://`, by prior knowledge on `http://`, never through a forwarding proxy)
/// and the origin was not lately found to answer in HTTP/1.1 only.
fn h2_slot(route: &Route, target: &Target) -> Option<Arc<h2::Slot>> {
    let h2_wanted = match (target.scheme, route.http2) {
        (_, Http2::Off) | (Scheme::Http, Http2::Alpn) => false,
        // A forwarding proxy is spoken to in HTTP/1.1, whatever the origin speaks.
        (Scheme::Https, _) | (Scheme::Http, Http2::PriorKnowledge) => {
            route.forwarder(target).is_none()
        }
    };
    if !h2_wanted {
        return None;
    }
    let tls_id = match target.scheme {
        Scheme::Https => route.tls.id,
        Scheme::Http => 0,
    };
    let slot = h2::slot(tls_id, &route.h2_key(target));
    (!slot.speaks_h1()).then_some(slot)
}

/// What trying HTTP/2 first ends with.
// Returned by value once per request and never stored.
#[allow(clippy::large_enum_variant)]
enum H2First {
    Answered((Head, Option<Decoder>, Streaming)),
    /// The origin answers in HTTP/1.1: the request, unsent, and the connection opened to
    /// find that out (if one was).
    H1(Exchange, Option<Connection>),
}

/// Send `exchange` on the origin's shared HTTP/2 connection (opened here if there is none),
/// or hand it back for HTTP/1.1 when the origin turns out to speak only that.
async fn send_h2_first(
    route: &Route,
    slot: Arc<h2::Slot>,
    exchange: Exchange,
) -> Result<H2First, EngineError> {
    let target = Arc::clone(&exchange.target);
    // Boxed: polled only when this caller is the one to connect.
    let opening = Box::pin(open(&target, route, exchange.connect_timeout));
    // The connect timeout bounds the wait for another caller's connect too: queued behind
    // a connect that hangs, each caller fails after its own limit, not after the limits of
    // everyone ahead of it.
    let way = match exchange.connect_timeout {
        None => h2::way(&slot, opening).await,
        Some(limit) => tokio::time::timeout(limit, h2::way(&slot, opening))
            .await
            .map_err(|_| {
                EngineError::ConnectTimeout(format!(
                    "connection to {} timed out (connect timeout={}s)",
                    target.origin,
                    limit.as_secs_f64()
                ))
            })?,
    };
    match way? {
        Way::H2(sender) => match send_h2(route, &slot, sender, exchange).await? {
            H2Outcome::Answered(answer) => Ok(H2First::Answered(answer)),
            // The origin now answers in HTTP/1.1 (restarted without h2): the request,
            // unsent, goes that way.
            H2Outcome::FellBack(exchange, connected) => {
                let fresh = match connected {
                    Some(connected) => Some(Connection::handshake(connected).await?),
                    None => None,
                };
                Ok(H2First::H1(*exchange, fresh))
            }
        },
        Way::H1(Some(connected)) => Ok(H2First::H1(
            exchange,
            Some(Connection::handshake(connected).await?),
        )),
        Way::H1(None) => Ok(H2First::H1(exchange, None)),
    }
}

/// What `send_h2` ends with.
// Returned by value once per request and never stored: boxing the answer would add an
// allocation to every HTTP/2 request to save a move of the rare fallback.
#[allow(clippy::large_enum_variant)]
enum H2Outcome {
    Answered((Head, Option<Decoder>, Streaming)),
    /// The shared connection closed before the request left, and the connection opened to
    /// replace it speaks HTTP/1.1 (carried here, when one was opened): the request, unsent,
    /// to be sent that way.
    FellBack(Box<Exchange>, Option<connector::Connected>),
}

/// Open a connection offering HTTP/2: on `https://` by ALPN, on `http://` by prior
/// knowledge. An HTTP/2 connection moves to the shared runtime, whose task drives it for
/// every thread; one that ALPN made HTTP/1.1 stays on this runtime.
async fn open(
    target: &Target,
    route: &Route,
    limit: Option<Duration>,
) -> Result<Opened, EngineError> {
    let tls = (target.scheme == Scheme::Https).then_some(&route.tls.config);
    let mut connected = connector::connect(target, route.proxy_hop(), tls, limit).await?;
    if !connected.h2 && target.scheme == Scheme::Https {
        return Ok(Opened::H1(connected));
    }
    connected
        .io
        .rehome(&crate::runtime::runtime())
        .map_err(|error| {
            EngineError::ConnectFailed(format!(
                "could not hand the connection to {} to the I/O thread: {error}",
                target.origin
            ))
        })?;
    Ok(Opened::H2(h2::handshake(connected.io).await?))
}

async fn send_h1(
    pool: &h1::SharedPool,
    mut fresh: Option<Connection>,
    route: &Route,
    exchange: Exchange,
) -> Result<(Head, Option<Decoder>, Streaming), EngineError> {
    let Exchange {
        target,
        method,
        mut headers,
        body,
        read_timeout,
        connect_timeout,
        ..
    } = exchange;
    if !headers.contains_key(HOST) {
        headers.insert(HOST, target.host_header.clone());
    }
    let forwarder = route.forwarder(&target);
    let uri = match forwarder {
        // The proxy reads where the request goes from its target: absolute form.
        Some(proxy) => {
            if let Some(authorization) = &proxy.authorization {
                // One the caller set (requests' `proxy_headers`, a session header) wins.
                headers
                    .entry(PROXY_AUTHORIZATION)
                    .or_insert_with(|| authorization.clone());
            }
            target.absolute.clone()
        }
        None => target.path.clone(),
    };
    let pool_key = route.pool_key(&target);
    let mut outgoing = Request::new(body);
    *outgoing.method_mut() = method;
    *outgoing.uri_mut() = uri;
    *outgoing.version_mut() = Version::HTTP_11;
    *outgoing.headers_mut() = headers;
    loop {
        // The pool's lock is let go at the end of this statement, before any wait.
        let pooled = match fresh.take() {
            Some(connection) => Some((connection, false)),
            None => h1::lock(pool)
                .take(&pool_key)
                .map(|connection| (connection, true)),
        };
        let (mut connection, reused) = match pooled {
            Some(pooled) => pooled,
            None => (
                Box::pin(connect_h1(&target, route, connect_timeout)).await?,
                false,
            ),
        };
        let again = if reused { replay_of(&outgoing) } else { None };
        let (response, spellings) = match connection.exchange(outgoing, read_timeout).await {
            Ok(answer) => answer,
            Err(Failure::Unsent(request, _)) if reused => {
                // The pooled connection was closed under us before the request left: a new
                // connection gets it (nothing reached the server).
                outgoing = *request;
                continue;
            }
            Err(Failure::Unanswered(error)) => match again {
                // A stale pooled connection: the server closed it as the request arrived.
                // A safe request without a body goes again, on another connection.
                Some(again) => {
                    outgoing = again;
                    continue;
                }
                None => return Err(error),
            },
            Err(Failure::Unsent(_, error) | Failure::Sent(error)) => return Err(error),
        };
        let (head, decoder, incoming) = head_of(response, spellings, &target);
        let body = Streaming {
            incoming,
            connection: Some(Returning {
                connection,
                pool: Arc::clone(pool),
                origin: pool_key,
            }),
            read_timeout,
        };
        return Ok((head, decoder, body));
    }
}

/// A copy of `request` to send again if its pooled connection turns out stale (closed by
/// the server as the request went out, unanswered): only a safe method (GET, HEAD, OPTIONS,
/// TRACE; RFC 9110 section 9.2.1) without a body, which a server may see twice without
/// harm. Browsers and Go's client retry the same way; each stale connection is dropped,
/// so the retries end with a new connection at the latest.
fn replay_of(request: &Request<OutBody>) -> Option<Request<OutBody>> {
    let safe = matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    );
    if !safe || !request.body().is_end_stream() {
        return None;
    }
    let mut again = Request::new(Either::Left(Full::new(Bytes::new())));
    *again.method_mut() = request.method().clone();
    *again.uri_mut() = request.uri().clone();
    *again.version_mut() = request.version();
    *again.headers_mut() = request.headers().clone();
    Some(again)
}

async fn connect_h1(
    target: &Target,
    route: &Route,
    limit: Option<Duration>,
) -> Result<Connection, EngineError> {
    let tls = (target.scheme == Scheme::Https).then_some(&route.tls.h1_only);
    Connection::handshake(connector::connect(target, route.proxy_hop(), tls, limit).await?).await
}

async fn send_h2(
    route: &Route,
    slot: &h2::Slot,
    mut sender: h2::Sender,
    exchange: Exchange,
) -> Result<H2Outcome, EngineError> {
    let Exchange {
        target,
        method,
        mut headers,
        body,
        upload_failure,
        read_timeout,
        connect_timeout,
    } = exchange;
    // HTTP/2 carries the host as `:authority`, taken from the URI: a Host header the
    // caller set names it.
    let host = headers.remove(HOST);
    let uri = match &host {
        Some(host) => with_authority(&target.absolute, host.as_bytes()),
        None => target.absolute.clone(),
    };
    let mut outgoing = Request::new(body);
    *outgoing.method_mut() = method;
    *outgoing.uri_mut() = uri;
    *outgoing.version_mut() = Version::HTTP_2;
    *outgoing.headers_mut() = headers;
    let mut retried = false;
    let response = loop {
        let sending = h2::exchange(&mut sender, outgoing);
        match within(read_timeout, sending).await {
            Err(limit) => return Err(head_timeout(limit)),
            Ok(Ok(response)) => break response,
            // The shared connection closed (GOAWAY, idle timeout) before the request left:
            // once, on a new connection.
            Ok(Err((Some(request), _))) if !retried => {
                retried = true;
                outgoing = *request;
                let reopening = Box::pin(open(&target, route, connect_timeout));
                sender = match h2::way(slot, reopening).await? {
                    Way::H2(sender) => sender,
                    Way::H1(connected) => {
                        let (parts, body) = outgoing.into_parts();
                        let mut headers = parts.headers;
                        if let Some(host) = host {
                            headers.insert(HOST, host);
                        }
                        let exchange = Exchange {
                            target,
                            method: parts.method,
                            headers,
                            body,
                            upload_failure,
                            read_timeout,
                            connect_timeout,
                        };
                        return Ok(H2Outcome::FellBack(Box::new(exchange), connected));
                    }
                };
            }
            Ok(Err((_, error))) => return Err(error),
        }
    };
    let (head, decoder, incoming) = head_of(response, None, &target);
    let body = Streaming {
        incoming,
        connection: None,
        read_timeout,
    };
    Ok(H2Outcome::Answered((head, decoder, body)))
}

/// `uri` with its authority replaced by `host`, or as it is when `host` is not one.
fn with_authority(uri: &Uri, host: &[u8]) -> Uri {
    let mut parts = uri.clone().into_parts();
    match hyper::http::uri::Authority::try_from(host) {
        Ok(authority) => {
            parts.authority = Some(authority);
            Uri::from_parts(parts).unwrap_or_else(|_| uri.clone())
        }
        Err(_) => uri.clone(),
    }
}

fn head_of(
    response: hyper::Response<Incoming>,
    spellings: Option<Spellings>,
    target: &Target,
) -> (Head, Option<Decoder>, Incoming) {
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
    )
    .with_spellings(spellings);
    (head, decoder, incoming)
}

fn decode(decoder: Option<Decoder>, chunks: Vec<Bytes>) -> Result<WholeBody, EngineError> {
    Ok(match decoder {
        None => WholeBody::Chunks(chunks),
        Some(mut decoder) => {
            let mut out = Vec::new();
            for chunk in &chunks {
                out.extend(decoder.feed(chunk)?);
            }
            out.extend(decoder.finish()?);
            WholeBody::Decoded(out)
        }
    })
}

/// A response body being read from the engine's own connection.
pub struct Streaming {
    incoming: Incoming,
    /// HTTP/1.1: the connection, whose driver is polled while the body is read, and the
    /// pool it goes back to at the body's end. None for HTTP/2 (the shared task drives it).
    connection: Option<Returning>,
    read_timeout: Option<Duration>,
}

struct Returning {
    connection: Connection,
    pool: h1::SharedPool,
    origin: Arc<str>,
}

impl Streaming {
    /// The next piece of the body as sent (still encoded), or None at its end, when an
    /// HTTP/1.1 connection goes back to its pool. Dropped before its end, the body closes
    /// its HTTP/1.1 connection (or resets its HTTP/2 stream) instead.
    pub async fn next_chunk(&mut self) -> Result<Option<Bytes>, EngineError> {
        let Self {
            incoming,
            connection,
            read_timeout,
        } = self;
        loop {
            if incoming.is_end_stream() {
                give_back(connection);
                return Ok(None);
            }
            let next = poll_fn(|cx| Pin::new(&mut *incoming).poll_frame(cx));
            let waited = match connection.as_mut() {
                Some(held) => within(*read_timeout, held.connection.driver.drive(next)).await,
                None => within(*read_timeout, next).await,
            };
            let frame = waited.map_err(|limit| {
                EngineError::ReadTimeout(format!(
                    "the body stalled for more than {:.3}s (read timeout)",
                    limit.as_secs_f64()
                ))
            })?;
            match frame {
                None => {
                    give_back(connection);
                    return Ok(None);
                }
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data()
                        && !data.is_empty()
                    {
                        return Ok(Some(data));
                    }
                }
                Some(Err(error)) => {
                    *connection = None;
                    return Err(EngineError::ChunkedEncoding(format!(
                        "the response body ended early or was malformed: {error}"
                    )));
                }
            }
        }
    }
}

/// The body is read to its end: its HTTP/1.1 connection can carry another request.
fn give_back(connection: &mut Option<Returning>) {
    if let Some(Returning {
        connection,
        pool,
        origin,
    }) = connection.take()
        && connection.is_open()
    {
        h1::lock(&pool).put(origin, connection);
    }
}

pub fn head_timeout(limit: Duration) -> EngineError {
    EngineError::ReadTimeout(format!(
        "no response within {:.3}s (read timeout)",
        limit.as_secs_f64()
    ))
}

/// `future`'s output, or the limit it overran. Like `tokio::time::timeout`, but the timer
/// is set only when `future` has to wait: the body of a small response is usually in the
/// buffer already, and a timer costs a visible share of such a request.
pub async fn within<F: Future>(limit: Option<Duration>, future: F) -> Result<F::Output, Duration> {
    let mut future = pin!(future);
    if let Poll::Ready(output) = poll_fn(|cx| Poll::Ready(future.as_mut().poll(cx))).await {
        return Ok(output);
    }
    match limit {
        None => Ok(future.await),
        Some(limit) => tokio::time::timeout(limit, future).await.map_err(|_| limit),
    }
}
