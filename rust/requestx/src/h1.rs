//! HTTP/1.1 on hyper's own connection API: owned connections and their pool.
//!
//! Why not reqwest: for a small request, reqwest's layers cost more than hyper itself does
//! (the URL parsed again and converted, a stack of tower services, a pool keyed by hashed
//! URIs, large futures moved from layer to layer). Counted with callgrind, a small GET cost
//! about 100k instructions through reqwest; libcurl's whole request about 60k. Here a
//! request is hyper's encoder and parser and one syscall each way.
//!
//! Connections are owned, not spawned as tasks: the request's future polls its
//! connection's driver itself, so a request needs no task wake-ups and no yield to let a
//! background task hand the connection back to a pool. A pool belongs to one runtime
//! (the calling thread's, see `local.rs`, or the shared one for async calls), as its
//! sockets do.

use std::future::{Future, poll_fn};
use std::net::TcpStream as ProbeStream;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use hyper::body::Incoming;
use hyper::client::conn::http1;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

use crate::connector::{Connected, Io};
use crate::errors::EngineError;
use crate::header_case::{Capture, Spellings, Tap};
use crate::upload::OutBody;

type Driver = http1::Connection<TokioIo<Tap<Io>>, OutBody>;

/// Idle connections older than this are closed rather than reused (reqwest's default).
const IDLE_TIMEOUT: Duration = Duration::from_secs(90);

/// One open connection: hyper's handle to send on, the driver that does its I/O, a
/// duplicate of the socket to check, before reuse, that the server has not closed it, and
/// the capture of response heads (for the names' spelling).
pub struct Connection {
    sender: http1::SendRequest<OutBody>,
    pub driver: DriverSlot,
    probe: ProbeStream,
    capture: Capture,
}

impl Connection {
    /// Speak HTTP/1.1 on a new connection.
    pub async fn handshake(connected: Connected) -> Result<Self, EngineError> {
        let capture = Capture::default();
        let io = TokioIo::new(Tap::new(connected.io, capture.clone()));
        let (sender, driver) = http1::Builder::new()
            // requests writes header names as given (mostly Title-Case); some servers and
            // proxies still care, so send them Title-Case rather than hyper's lower case.
            .title_case_headers(true)
            .handshake(io)
            .await
            .map_err(|error| EngineError::from_hyper(&error))?;
        Ok(Self {
            sender,
            driver: DriverSlot(Some(Box::pin(driver))),
            probe: connected.probe,
            capture,
        })
    }

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

    pub fn is_open(&self) -> bool {
        self.driver.0.is_some() && !self.sender.is_closed()
    }

    /// Send `request` and wait for the response's head (the body is read with `read_body`),
    /// with the spelling of its header names.
    pub async fn exchange(
        &mut self,
        request: Request<OutBody>,
        read_timeout: Option<Duration>,
    ) -> Result<(Response<Incoming>, Option<Spellings>), Failure> {
        let Self {
            sender,
            driver,
            capture,
            ..
        } = self;
        // A reused connection is ready at once; a new one after its driver's first poll.
        if let Err(error) = driver.drive(poll_fn(|cx| sender.poll_ready(cx))).await {
            return Err(Failure::Unsent(
                Box::new(request),
                EngineError::from_hyper(&error),
            ));
        }
        capture.start();
        let sending = Box::pin(sender.try_send_request(request));
        let result = match crate::engine::within(read_timeout, driver.drive(sending)).await {
            Ok(result) => result,
            Err(limit) => return Err(Failure::Sent(crate::engine::head_timeout(limit))),
        };
        match result {
            Ok(response) => Ok((response, capture.spellings())),
            Err(mut failed) => {
                let error = EngineError::from_hyper(failed.error());
                let unanswered = capture.received_nothing() && ended(failed.error());
                Err(match failed.take_message() {
                    Some(request) => Failure::Unsent(Box::new(request), error),
                    None if unanswered => Failure::Unanswered(error),
                    None => Failure::Sent(error),
                })
            }
        }
    }
}

/// Why an exchange failed.
pub enum Failure {
    /// The request never left: it can go on another connection.
    Unsent(Box<Request<OutBody>>, EngineError),
    /// The request left, and the connection ended (closed or reset) before a byte of an
    /// answer came: on a pooled connection, the server closed it as the request went out.
    Unanswered(EngineError),
    Sent(EngineError),
}

/// Whether `error` is the connection ending (closed, reset, broken), not a timeout or a
/// malformed answer.
fn ended(error: &hyper::Error) -> bool {
    if error.is_incomplete_message() {
        return true;
    }
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            return matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::BrokenPipe
                    | std::io::ErrorKind::UnexpectedEof
            );
        }
        source = cause.source();
    }
    false
}

/// The connection's driver; None once the connection has ended.
///
/// Boxed: hyper's connection state is over a kilobyte, and a `Connection` moves on every
/// request (out of the pool, into the response's body, back into the pool) inside futures
/// that are themselves moved; boxed, each move is a pointer.
pub struct DriverSlot(Option<Pin<Box<Driver>>>);

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
            match driver.as_mut().poll(cx) {
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

    pub async fn drive<F: Future + Unpin>(&mut self, mut future: F) -> F::Output {
        poll_fn(|cx| self.poll_with(&mut future, cx)).await
    }
}

struct Idle {
    origin: Arc<str>,
    connection: Connection,
    since: Instant,
}

/// Idle HTTP/1.1 connections of one `Client` on one runtime, most recently used last.
pub struct Pool {
    idle: Vec<Idle>,
    max_idle_per_origin: usize,
}

impl Pool {
    pub fn new(max_idle_per_origin: usize) -> Self {
        Self {
            idle: Vec::new(),
            max_idle_per_origin,
        }
    }

    pub fn take(&mut self, origin: &str) -> Option<Connection> {
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

    pub fn put(&mut self, origin: Arc<str>, connection: Connection) {
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

pub type SharedPool = Arc<Mutex<Pool>>;

pub fn lock(pool: &SharedPool) -> std::sync::MutexGuard<'_, Pool> {
    pool.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
