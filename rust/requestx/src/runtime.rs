//! The one tokio runtime of the process, and the two ways Python waits on it.
//!
//! Invariants:
//! - The runtime is built on first use and rebuilt in a child after `fork()`: the parent's
//!   worker threads do not exist in the child, so its runtime is leaked, never dropped there.
//! - Synchronous calls wait with the GIL released and wake every 50 ms to let Python run its
//!   signal handlers, so Ctrl-C interrupts a request as it would with requests.
//! - Asynchronous calls become asyncio futures through pyo3-async-runtimes, on this runtime;
//!   cancelling the asyncio future drops (cancels) the Rust future.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use pyo3::prelude::*;
use pyo3_async_runtimes::TaskLocals;
use pyo3_async_runtimes::generic::{ContextExt, JoinError, Runtime as AsyncRuntime};
use tokio::runtime::Runtime;

struct Owned {
    pid: u32,
    runtime: Arc<Runtime>,
}

static RUNTIME: Mutex<Option<Owned>> = Mutex::new(None);

/// The process's runtime, built now if this process has none yet.
pub fn runtime() -> Arc<Runtime> {
    let pid = crate::process::id();
    let mut slot = RUNTIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(owned) = slot.as_ref()
        && owned.pid == pid
    {
        return Arc::clone(&owned.runtime);
    }
    if let Some(stale) = slot.take() {
        // Inherited through fork(): its threads are gone; dropping it would wait on them.
        std::mem::forget(stale.runtime);
    }
    let runtime = Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .worker_threads(io_threads())
            .thread_name("requestx-io")
            .build()
            .expect("the tokio runtime could not start"),
    );
    *slot = Some(Owned {
        pid,
        runtime: Arc::clone(&runtime),
    });
    runtime
}

/// Worker threads of the shared runtime: `REQUESTX_IO_THREADS`, else 1.
///
/// One is the default because the runtime only moves bytes (async requests, streamed
/// bodies): a single thread keeps up with far more than one Python thread can hand it, and
/// measured against an asyncio loop on the same core, a second worker only added wake-ups
/// (requests/s 0.89x of one worker; see the package README's speed section).
fn io_threads() -> usize {
    std::env::var("REQUESTX_IO_THREADS")
        .ok()
        .and_then(|value| value.trim().parse::<usize>().ok())
        .filter(|&threads| threads > 0)
        .unwrap_or(1)
}

/// Stop the runtime before the interpreter finalizes (registered with `atexit`).
///
/// A worker thread that touches Python while the interpreter is finalizing is killed with
/// `pthread_exit`, which aborts the process when it unwinds through Rust frames. Shutting
/// the runtime down first, with the GIL released so workers waiting for it can finish,
/// leaves no thread behind to do that. A later request (another atexit hook) builds a new one.
pub fn shutdown(py: Python<'_>) {
    let owned = RUNTIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take();
    let Some(owned) = owned else { return };
    if owned.pid != crate::process::id() {
        std::mem::forget(owned.runtime);
        return;
    }
    py.detach(move || match Arc::try_unwrap(owned.runtime) {
        Ok(runtime) => runtime.shutdown_timeout(Duration::from_secs(2)),
        // Still in use by another thread: leave it running rather than wait on it.
        Err(shared) => std::mem::forget(shared),
    });
}

/// Run `future` to completion from a Python thread, GIL released, signals still handled.
pub fn block_on<F, T>(py: Python<'_>, future: F) -> PyResult<T>
where
    F: Future<Output = PyResult<T>> + Send,
    T: Send,
{
    let runtime = runtime();
    py.detach(|| runtime.block_on(with_signal_checks(future)))
}

/// How often a waiting request looks for a Python exception raised by a signal handler.
const SIGNAL_CHECK_EVERY: Duration = Duration::from_millis(50);

/// `future`, interrupted by a Python exception raised by a signal handler (Ctrl-C), checked
/// every 50 ms while it waits (the GIL is taken only for that check).
pub async fn with_signal_checks<F, T>(future: F) -> PyResult<T>
where
    F: Future<Output = PyResult<T>>,
{
    let mut tick = None;
    with_signal_ticks(future, &mut tick).await
}

/// A timer for `with_signal_ticks` that outlives one request: kept by a thread's engine
/// (local.rs) so that back-to-back requests share one registered timer instead of each
/// setting and clearing its own, a visible share of a small request's cost.
pub type SignalTick = Option<Pin<Box<tokio::time::Sleep>>>;

/// `with_signal_checks` on `tick` (made here on first use, in the runtime that polls it).
/// A tick that ran out between requests checks at once, then every 50 ms again.
pub async fn with_signal_ticks<F, T>(future: F, tick: &mut SignalTick) -> PyResult<T>
where
    F: Future<Output = PyResult<T>>,
{
    tokio::pin!(future);
    let tick = tick.get_or_insert_with(|| Box::pin(tokio::time::sleep(SIGNAL_CHECK_EVERY)));
    loop {
        tokio::select! {
            biased;
            result = &mut future => return result,
            () = tick.as_mut() => {
                tick.as_mut().reset(tokio::time::Instant::now() + SIGNAL_CHECK_EVERY);
                #[allow(clippy::redundant_closure_for_method_calls)] // the closure is generic over the GIL lifetime
                Python::attach(|py| py.check_signals())?;
            }
        }
    }
}

/// Turn `future` into an asyncio awaitable running on the process's runtime.
pub fn into_awaitable<F, T>(py: Python<'_>, future: F) -> PyResult<Bound<'_, PyAny>>
where
    F: Future<Output = PyResult<T>> + Send + 'static,
    T: for<'py> IntoPyObject<'py> + Send + 'static,
{
    pyo3_async_runtimes::generic::future_into_py::<EngineRuntime, _, T>(py, future)
}

tokio::task_local! {
    static TASK_LOCALS: std::cell::OnceCell<TaskLocals>;
}

/// pyo3-async-runtimes' view of our runtime: the process runtime, fork-aware.
struct EngineRuntime;

struct EngineJoinError(tokio::task::JoinError);

impl JoinError for EngineJoinError {
    fn is_panic(&self) -> bool {
        self.0.is_panic()
    }

    fn into_panic(self) -> Box<dyn std::any::Any + Send + 'static> {
        self.0.into_panic()
    }
}

impl AsyncRuntime for EngineRuntime {
    type JoinError = EngineJoinError;
    type JoinHandle = Pin<Box<dyn Future<Output = Result<(), EngineJoinError>> + Send>>;

    fn spawn<F>(fut: F) -> Self::JoinHandle
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let handle = runtime().spawn(fut);
        Box::pin(async move { handle.await.map_err(EngineJoinError) })
    }

    fn spawn_blocking<F>(f: F) -> Self::JoinHandle
    where
        F: FnOnce() + Send + 'static,
    {
        let handle = runtime().spawn_blocking(f);
        Box::pin(async move { handle.await.map_err(EngineJoinError) })
    }
}

impl ContextExt for EngineRuntime {
    fn scope<F, R>(locals: TaskLocals, fut: F) -> Pin<Box<dyn Future<Output = R> + Send>>
    where
        F: Future<Output = R> + Send + 'static,
    {
        let cell = std::cell::OnceCell::new();
        cell.set(locals)
            .unwrap_or_else(|_| unreachable!("a fresh OnceCell is empty"));
        Box::pin(TASK_LOCALS.scope(cell, fut))
    }

    fn get_task_locals() -> Option<TaskLocals> {
        TASK_LOCALS
            .try_with(|cell| cell.get().cloned())
            .unwrap_or_default()
    }
}

/// A spawned task that is aborted when its waiter stops waiting (Ctrl-C, a cancelled
/// asyncio task), instead of running to its end in the background.
pub struct AbortOnDrop<T>(pub tokio::task::JoinHandle<T>);

impl<T> AbortOnDrop<T> {
    pub async fn wait(mut self) -> Result<T, tokio::task::JoinError> {
        (&mut self.0).await
    }
}

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}
