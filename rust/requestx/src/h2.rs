//! HTTP/2: one multiplexed connection per origin and TLS settings, shared by the process.
//!
//! Every thread and task that sends to an origin over HTTP/2 takes a handle to the same
//! connection from this table, so a thread pool of plain `requestx.get` calls rides one
//! connection. The connection's I/O runs as a task on the shared runtime (`runtime.rs`),
//! which every sender only hands requests to and takes responses from; whichever caller
//! opens it moves its socket there first (`connector::Io::rehome`).
//!
//! Invariants:
//! - One connect at a time per slot: callers that find no open connection queue on the
//!   slot's `connecting` lock, and all but the first find the first one's connection.
//! - A slot whose origin answered ALPN with HTTP/1.1 remembers it (`speaks_h1`) for
//!   `REQUESTX_ALPN_CACHE_TTL` seconds (default 600): meanwhile requests go straight to the
//!   HTTP/1.1 pools without a connect on the shared runtime; after it, h2 is offered again.
//! - The table holds at most `REQUESTX_ALPN_CACHE_SIZE` slots (default 256); a new origin
//!   beyond that evicts the least recently used one (its connection closes when the
//!   requests still holding it end).
//! - After `fork()` the table is the parent's (its connections' tasks ran on the parent's
//!   runtime): the child starts an empty one and leaks the old.

use std::collections::HashMap;
use std::future::{Future, poll_fn};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use hyper::body::Incoming;
use hyper::client::conn::http2;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

use crate::connector::{Connected, Io};
use crate::errors::EngineError;
use crate::upload::OutBody;

pub type Sender = http2::SendRequest<OutBody>;

/// How many slots the table keeps, unless `REQUESTX_ALPN_CACHE_SIZE` says otherwise.
const DEFAULT_SLOTS: usize = 256;
/// How long an origin's HTTP/1.1 answer is trusted, unless `REQUESTX_ALPN_CACHE_TTL` (in
/// seconds) says otherwise: a server that gains h2 is found again within this time.
const DEFAULT_H1_TTL: Duration = Duration::from_secs(600);

/// The table's bounds, read from the environment once per process.
struct Limits {
    slots: usize,
    h1_ttl: Duration,
}

fn limits() -> &'static Limits {
    static LIMITS: OnceLock<Limits> = OnceLock::new();
    LIMITS.get_or_init(|| Limits {
        slots: std::env::var("REQUESTX_ALPN_CACHE_SIZE")
            .ok()
            .and_then(|value| value.trim().parse::<usize>().ok())
            .filter(|&slots| slots > 0)
            .unwrap_or(DEFAULT_SLOTS),
        h1_ttl: std::env::var("REQUESTX_ALPN_CACHE_TTL")
            .ok()
            .and_then(|value| value.trim().parse::<f64>().ok())
            .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
            .unwrap_or(DEFAULT_H1_TTL),
    })
}

/// Milliseconds since the first call, never 0 (0 means "never" in `Slot::h1_since`).
fn now_ms() -> u64 {
    static START: OnceLock<Instant> = OnceLock::new();
    let elapsed = START.get_or_init(Instant::now).elapsed().as_millis();
    u64::try_from(elapsed).unwrap_or(u64::MAX).saturating_add(1)
}

/// One origin's shared connection, for one TLS configuration (0 for `http://`).
#[derive(Default)]
pub struct Slot {
    ready: Mutex<Option<Sender>>,
    connecting: tokio::sync::Mutex<()>,
    /// When the origin last answered ALPN with HTTP/1.1 (`now_ms`), 0 if it has not.
    h1_since: AtomicU64,
    /// The table's clock at this slot's last lookup, for evicting the least recently used.
    used: AtomicU64,
}

impl Slot {
    /// Whether the origin answered ALPN with HTTP/1.1, recently enough to trust it still.
    pub fn speaks_h1(&self) -> bool {
        let since = self.h1_since.load(Ordering::Relaxed);
        since != 0 && u128::from(now_ms() - since) < limits().h1_ttl.as_millis()
    }

    fn open_sender(&self) -> Option<Sender> {
        let mut ready = self
            .ready
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match ready.as_ref() {
            Some(sender) if !sender.is_closed() => Some(sender.clone()),
            Some(_) => {
                *ready = None; // closed by the server (GOAWAY) or failed
                None
            }
            None => None,
        }
    }
}

struct Table {
    pid: u32,
    slots: HashMap<(u64, Arc<str>), Arc<Slot>>,
    /// Counts lookups: a slot's `used` is the count at its last one.
    clock: u64,
}

static TABLE: Mutex<Option<Table>> = Mutex::new(None);

/// The slot of `origin` under TLS configuration `tls` (0 for plain HTTP).
pub fn slot(tls: u64, origin: &Arc<str>) -> Arc<Slot> {
    let pid = crate::process::id();
    let mut table = TABLE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if table.as_ref().is_some_and(|table| table.pid != pid) {
        std::mem::forget(table.take());
    }
    let table = table.get_or_insert_with(|| Table {
        pid,
        slots: HashMap::new(),
        clock: 0,
    });
    table.clock += 1;
    let key = (tls, Arc::clone(origin));
    if let Some(slot) = table.slots.get(&key) {
        slot.used.store(table.clock, Ordering::Relaxed);
        return Arc::clone(slot);
    }
    while table.slots.len() >= limits().slots {
        // A scan, but only when a new origin arrives at a full table.
        let oldest = table
            .slots
            .iter()
            .min_by_key(|(_, slot)| slot.used.load(Ordering::Relaxed))
            .map(|(key, _)| key.clone());
        let Some(oldest) = oldest else { break };
        table.slots.remove(&oldest);
    }
    let slot = Arc::new(Slot::default());
    slot.used.store(table.clock, Ordering::Relaxed);
    table.slots.insert(key, Arc::clone(&slot));
    slot
}

/// How many origins the table remembers now (for tests of its bound).
pub fn remembered() -> usize {
    let pid = crate::process::id();
    TABLE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .as_ref()
        .filter(|table| table.pid == pid)
        .map_or(0, |table| table.slots.len())
}

/// What a new connection turned out to be.
pub enum Opened {
    H2(Sender),
    /// ALPN chose HTTP/1.1: the connection, to carry the request that opened it.
    H1(Connected),
}

/// Which way a request goes after asking its slot.
pub enum Way {
    H2(Sender),
    /// HTTP/1.1: on this connection (just opened for it), or on the HTTP/1.1 pools.
    H1(Option<Connected>),
}

/// The slot's open connection, or one opened now with `open` (by one caller at a time).
pub async fn way<F>(slot: &Slot, open: F) -> Result<Way, EngineError>
where
    F: Future<Output = Result<Opened, EngineError>>,
{
    if let Some(sender) = slot.open_sender() {
        return Ok(Way::H2(sender));
    }
    let _connecting = slot.connecting.lock().await;
    if let Some(sender) = slot.open_sender() {
        return Ok(Way::H2(sender)); // another caller opened it while this one waited
    }
    if slot.speaks_h1() {
        return Ok(Way::H1(None));
    }
    match open.await? {
        Opened::H2(sender) => {
            *slot
                .ready
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(sender.clone());
            Ok(Way::H2(sender))
        }
        Opened::H1(connected) => {
            // A connection from when the origin spoke h2 (before a restart) is of no use.
            slot.ready
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take();
            slot.h1_since.store(now_ms(), Ordering::Relaxed);
            Ok(Way::H1(Some(connected)))
        }
    }
}

/// Speak HTTP/2 on `io`; the connection's I/O runs as a task on the shared runtime.
pub async fn handshake(io: Io) -> Result<Sender, EngineError> {
    let (sender, connection) = http2::Builder::new(SharedExecutor)
        .handshake(TokioIo::new(io))
        .await
        .map_err(|error| EngineError::from_hyper(&error))?;
    crate::runtime::runtime().spawn(async move {
        // Its end (closed, GOAWAY, failed) reaches the senders as `is_closed` or errors.
        let _ = connection.await;
    });
    Ok(sender)
}

/// Send `request` on the shared connection and wait for the response's head; an unsent
/// request comes back to be sent on a new connection.
pub async fn exchange(
    sender: &mut Sender,
    request: Request<OutBody>,
) -> Result<Response<Incoming>, (Option<Box<Request<OutBody>>>, EngineError)> {
    if let Err(error) = poll_fn(|cx| sender.poll_ready(cx)).await {
        return Err((Some(Box::new(request)), EngineError::from_hyper(&error)));
    }
    sender
        .try_send_request(request)
        .await
        .map_err(|mut failed| {
            let error = EngineError::from_hyper(failed.error());
            (failed.take_message().map(Box::new), error)
        })
}

/// hyper's HTTP/2 connection spawns its helper tasks through this: on the shared runtime,
/// whichever runtime the request that opened the connection ran on.
#[derive(Clone, Copy)]
struct SharedExecutor;

impl<F> hyper::rt::Executor<F> for SharedExecutor
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    fn execute(&self, future: F) {
        crate::runtime::runtime().spawn(future);
    }
}
