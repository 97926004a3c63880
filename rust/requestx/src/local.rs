//! The calling thread's own engine: a current-thread runtime that the thread drives itself.
//!
//! Why: a synchronous request waiting on the shared multi-thread runtime costs two thread
//! hand-offs per I/O wait (a worker polls the socket, then wakes the caller). Here the caller
//! polls the socket itself, as libcurl does, and no other thread is involved. The price is
//! that connections opened here belong to this thread: each thread keeps its own pool of
//! HTTP/1.1 connections per `Client`, and a response whose body is read later, possibly
//! from another thread (`stream=True`), still goes through the shared runtime instead.
//!
//! Invariants:
//! - One engine per thread and process: after `fork()` the child builds a new one (the
//!   inherited epoll instance is shared with the parent) and leaks the old.
//! - Never re-entered: Python code the engine calls (an upload's iterator) may send a request
//!   on the same thread; that request is told to use the shared runtime (`None`).
//! - A `Client`'s pool here is dropped with the `Client` (on this thread) or on this thread's
//!   next request after it is gone (on other threads), and with the thread.

use std::cell::RefCell;
use std::future::Future;
use std::sync::{Arc, Weak};

use pyo3::prelude::*;
use tokio::runtime::Runtime;

use crate::errors::EngineError;
use crate::h1;
use crate::runtime::{SignalTick, with_signal_ticks};

/// Identity of one `Client`'s settings; its pools on every thread are keyed by it.
pub type ClientKey = Arc<()>;

struct Engine {
    pid: u32,
    runtime: Arc<Runtime>,
    busy: bool,
    clients: Vec<(Weak<()>, ThreadPools)>,
    /// The signal-check timer, lent to each request (see `with_signal_ticks`).
    tick: SignalTick,
}

/// One `Client`'s idle HTTP/1.1 connections on this thread (`h1.rs`).
type ThreadPools = h1::SharedPool;

impl Engine {
    fn new() -> Result<Self, EngineError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|error| EngineError::Engine(format!("could not start a runtime: {error}")))?;
        Ok(Self {
            pid: crate::process::id(),
            runtime: Arc::new(runtime),
            busy: false,
            clients: Vec::new(),
            tick: None,
        })
    }

    fn pools(&mut self, key: &ClientKey, max_idle: usize) -> h1::SharedPool {
        // Pools of Clients that no longer exist are dropped here, on their own thread.
        self.clients.retain(|(owner, _)| owner.strong_count() > 0);
        let known = self
            .clients
            .iter()
            .find(|(owner, _)| std::ptr::eq(owner.as_ptr(), Arc::as_ptr(key)));
        if let Some((_, pool)) = known {
            return Arc::clone(pool);
        }
        let pool = Arc::new(std::sync::Mutex::new(h1::Pool::new(max_idle)));
        self.clients.push((Arc::downgrade(key), Arc::clone(&pool)));
        pool
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        if self.pid != crate::process::id() {
            // Inherited through fork(): its sockets and epoll instance are the parent's too.
            std::mem::forget(std::mem::take(&mut self.clients));
            std::mem::forget(self.tick.take());
            std::mem::forget(Arc::clone(&self.runtime));
            return;
        }
        self.clients.clear();
        self.tick = None; // before its runtime
        // Runs at thread exit too, when tokio's own thread-locals may already be gone: a
        // failure to tear down cleanly must not take the process with it.
        let runtime = Arc::clone(&self.runtime);
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(runtime)));
    }
}

thread_local! {
    static ENGINE: RefCell<Option<Engine>> = const { RefCell::new(None) };
}

/// Marks the thread's engine idle again however the request ends.
struct Busy;

impl Drop for Busy {
    fn drop(&mut self) {
        let _ = ENGINE.try_with(|slot| {
            if let Ok(mut slot) = slot.try_borrow_mut()
                && let Some(engine) = slot.as_mut()
            {
                engine.busy = false;
            }
        });
    }
}

/// Run `job` with this thread's pool for `key`, on this thread, GIL released. The pool
/// keeps up to `max_idle` idle connections per origin.
///
/// `None` when this thread's engine is already running a request (a re-entrant call from
/// Python code the engine called): the caller then uses the shared runtime.
pub fn run<F, T>(
    py: Python<'_>,
    key: &ClientKey,
    max_idle: usize,
    job: impl FnOnce(h1::SharedPool) -> F,
) -> Option<PyResult<T>>
where
    F: Future<Output = PyResult<T>> + Send,
    T: Send,
{
    let claimed = ENGINE.with(|slot| {
        let mut slot = slot.borrow_mut();
        if slot
            .as_ref()
            .is_some_and(|engine| engine.pid != crate::process::id())
        {
            slot.take(); // dropped as inherited (see Engine::drop)
        }
        if slot.is_none() {
            match Engine::new() {
                Ok(engine) => *slot = Some(engine),
                Err(error) => return Some(Err(error)),
            }
        }
        let engine = slot.as_mut().expect("just filled");
        if engine.busy {
            return None;
        }
        let handle = engine.pools(key, max_idle);
        engine.busy = true;
        Some(Ok((
            Arc::clone(&engine.runtime),
            handle,
            engine.tick.take(),
        )))
    })?;
    let (runtime, handle, mut tick) = match claimed {
        Ok(claimed) => claimed,
        Err(error) => return Some(Err(error.into())),
    };
    let _busy = Busy;
    // Pinned here, where it is made: the runtime moves the future it is given, several
    // times, and moving a pointer to it costs nothing, while boxing it copied kilobytes.
    let future = std::pin::pin!(job(handle));
    let result = py.detach(|| runtime.block_on(with_signal_ticks(future, &mut tick)));
    lend_back(tick);
    Some(result)
}

/// Give the signal-check timer back to this thread's engine, which lent it to a request.
fn lend_back(tick: SignalTick) {
    let _ = ENGINE.try_with(|slot| {
        if let Ok(mut slot) = slot.try_borrow_mut()
            && let Some(engine) = slot.as_mut()
        {
            engine.tick = tick;
        }
    });
}

/// Drop this thread's pool for `key` now (the `Client` is going away on this thread).
pub fn forget(key: &ClientKey) {
    let _ = ENGINE.try_with(|slot| {
        let Ok(mut slot) = slot.try_borrow_mut() else {
            return;
        };
        let Some(engine) = slot.as_mut() else { return };
        if engine.busy || engine.pid != crate::process::id() {
            return;
        }
        engine
            .clients
            .retain(|(owner, _)| !std::ptr::eq(owner.as_ptr(), Arc::as_ptr(key)));
    });
}

/// Drop this thread's engine (interpreter exit).
pub fn shutdown() {
    let _ = ENGINE.try_with(|slot| {
        if let Ok(mut slot) = slot.try_borrow_mut()
            && slot.as_ref().is_some_and(|engine| !engine.busy)
        {
            slot.take();
        }
    });
}
