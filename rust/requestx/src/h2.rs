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
//! - A slot whose origin answered ALPN with HTTP/1.1 remembers it (`speaks_h1`): later
//!   requests go straight to the HTTP/1.1 pools without a connect on the shared runtime.
//! - After `fork()` the table is the parent's (its connections' tasks ran on the parent's
//!   runtime): the child starts an empty one and leaks the old.

use std::collections::HashMap;
use std::future::{Future, poll_fn};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use hyper::body::Incoming;
use hyper::client::conn::http2;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

use crate::connector::{Connected, Io};
use crate::errors::EngineError;
use crate::upload::OutBody;

pub type Sender = http2::SendRequest<OutBody>;

/// Bound on the slots kept; emptied when full (open connections then close when their
/// last request ends and a new one is opened on demand).
const SLOTS_MAX: usize = 256;

/// One origin's shared connection, for one TLS configuration (0 for `http://`).
#[derive(Default)]
pub struct Slot {
    ready: Mutex<Option<Sender>>,
    connecting: tokio::sync::Mutex<()>,
    speaks_h1: AtomicBool,
}

impl Slot {
    /// Whether the origin answered ALPN with HTTP/1.1.
    pub fn speaks_h1(&self) -> bool {
        self.speaks_h1.load(Ordering::Relaxed)
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
    });
    let key = (tls, Arc::clone(origin));
    if let Some(slot) = table.slots.get(&key) {
        return Arc::clone(slot);
    }
    if table.slots.len() >= SLOTS_MAX {
        table.slots.clear();
    }
    let slot = Arc::new(Slot::default());
    table.slots.insert(key, Arc::clone(&slot));
    slot
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
            slot.speaks_h1.store(true, Ordering::Relaxed);
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
