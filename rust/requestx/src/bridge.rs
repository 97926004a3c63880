//! Completions: how finished async requests reach their asyncio loop without the GIL.
//!
//! pyo3-async-runtimes hands each result to the loop with `call_soon_threadsafe`, which
//! takes the GIL on a runtime worker (waiting for the loop thread to let go of it) and
//! wakes the loop once per request. Here a finished request is queued and the loop is
//! woken through a socket it watches (`loop.add_reader`) only if no wake-up is pending:
//! under concurrency one wake-up delivers many results, and workers never wait for the GIL.
//!
//! Invariants:
//! - One `Completions` per event loop; the loop calls `drain` when its socket is readable,
//!   and `drain` resolves every queued asyncio future that is not already done (cancelled).
//! - A wake-up is never lost: `drain` empties the socket, then clears the pending flag, then
//!   takes the queue, so a result queued after the flag is cleared writes a byte that stays.

use std::io::{ErrorKind, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use pyo3::exceptions::PyOSError;
use pyo3::prelude::*;

use crate::errors::EngineError;
use crate::response::RawResponse;

struct Finished {
    future: Py<PyAny>,
    result: Result<RawResponse, EngineError>,
}

/// The wake-up socket pair: a Unix socket pair where there is one, else loopback TCP
/// (Windows' selector loop watches sockets only; its default proactor loop cannot watch
/// any, and `_awaiting.py` then uses the generic awaitable instead).
#[cfg(unix)]
type WakeSocket = std::os::unix::net::UnixStream;
#[cfg(not(unix))]
type WakeSocket = TcpStream;

#[cfg(unix)]
fn wake_pair() -> std::io::Result<(WakeSocket, WakeSocket)> {
    WakeSocket::pair()
}

#[cfg(not(unix))]
fn wake_pair() -> std::io::Result<(WakeSocket, WakeSocket)> {
    loopback_pair()
}

/// The number `loop.add_reader` takes for the socket: its descriptor, or on Windows its
/// SOCKET handle (what Python's `socket.fileno()` gives there).
#[cfg(unix)]
fn socket_number(socket: &WakeSocket) -> i64 {
    use std::os::fd::AsRawFd;
    i64::from(socket.as_raw_fd())
}

#[cfg(windows)]
fn socket_number(socket: &WakeSocket) -> i64 {
    use std::os::windows::io::AsRawSocket;
    i64::try_from(socket.as_raw_socket()).unwrap_or(-1)
}

/// A connected pair of loopback TCP sockets (reader, writer), as Python's
/// `socket.socketpair` makes one where the platform has none: the accepted connection must
/// come from our own connecting socket, not from another process that raced us to it.
#[cfg_attr(unix, allow(dead_code))] // used on Windows; tested everywhere
fn loopback_pair() -> std::io::Result<(TcpStream, TcpStream)> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    let writer = TcpStream::connect(listener.local_addr()?)?;
    let (reader, peer) = listener.accept()?;
    if peer != writer.local_addr()? {
        return Err(std::io::Error::new(
            ErrorKind::ConnectionRefused,
            "another connection took the wake-up socket's place",
        ));
    }
    writer.set_nodelay(true)?;
    Ok((reader, writer))
}

pub struct Shared {
    queue: Mutex<Vec<Finished>>,
    wake_pending: AtomicBool,
    reader: WakeSocket,
    writer: WakeSocket,
}

impl Shared {
    /// Queue a result for the loop (from any thread, without the GIL).
    pub fn finish(&self, future: Py<PyAny>, result: Result<RawResponse, EngineError>) {
        self.queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(Finished { future, result });
        if !self.wake_pending.swap(true, Ordering::AcqRel) {
            // A full socket buffer means wake-ups are pending already: nothing is lost.
            let _ = (&self.writer).write(&[1]);
        }
    }
}

#[pyclass(module = "requestx._requestx", frozen)]
pub struct Completions {
    shared: Arc<Shared>,
}

impl Completions {
    pub fn shared(&self) -> Arc<Shared> {
        Arc::clone(&self.shared)
    }
}

#[pymethods]
impl Completions {
    #[new]
    fn new() -> PyResult<Self> {
        let (reader, writer) = wake_pair()
            .map_err(|error| PyOSError::new_err(format!("no wake-up socket: {error}")))?;
        for end in [&reader, &writer] {
            end.set_nonblocking(true)
                .map_err(|error| PyOSError::new_err(format!("no wake-up socket: {error}")))?;
        }
        Ok(Self {
            shared: Arc::new(Shared {
                queue: Mutex::new(Vec::new()),
                wake_pending: AtomicBool::new(false),
                reader,
                writer,
            }),
        })
    }

    /// The socket the loop watches for readability.
    fn fileno(&self) -> i64 {
        socket_number(&self.shared.reader)
    }

    /// Resolve the futures of every finished request (called by the loop, GIL held).
    fn drain(&self, py: Python<'_>) -> PyResult<()> {
        let shared = &self.shared;
        let mut sink = [0_u8; 256];
        loop {
            match (&shared.reader).read(&mut sink) {
                Ok(0) => break,
                Ok(_) => {}
                Err(error) if error.kind() == ErrorKind::Interrupted => {}
                Err(_) => break, // WouldBlock: emptied
            }
        }
        // Only now: a result queued from here on writes a byte that stays in the socket.
        // (Cleared before emptying it, a later result could find the flag still set with
        // no byte left to wake the loop, and wait forever.)
        shared.wake_pending.store(false, Ordering::Release);
        let finished = std::mem::take(
            &mut *shared
                .queue
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        for Finished { future, result } in finished {
            let future = future.bind(py);
            // Cancelled while the request ran: nobody waits for this result.
            if future.call_method0("done")?.is_truthy()? {
                continue;
            }
            match result {
                Ok(response) => {
                    future.call_method1("set_result", (Py::new(py, response)?,))?;
                }
                Err(error) => {
                    let error = error.into_pyerr(py);
                    future.call_method1("set_exception", (error.value(py),))?;
                }
            }
        }
        Ok(())
    }
}

/// Stops a submitted request: called when its asyncio future is cancelled.
#[pyclass(module = "requestx._requestx", frozen)]
pub struct Submitted {
    handle: tokio::task::AbortHandle,
}

impl Submitted {
    pub fn new(handle: tokio::task::AbortHandle) -> Self {
        Self { handle }
    }
}

#[pymethods]
impl Submitted {
    fn cancel(&self) {
        self.handle.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::loopback_pair;
    use std::io::{ErrorKind, Read, Write};

    #[test]
    fn a_loopback_pair_carries_wake_ups_and_reads_without_blocking() {
        let (reader, writer) = loopback_pair().expect("a loopback pair");
        reader.set_nonblocking(true).unwrap();
        let mut sink = [0_u8; 8];
        let empty = (&reader).read(&mut sink).expect_err("nothing written yet");
        assert_eq!(empty.kind(), ErrorKind::WouldBlock);
        (&writer).write_all(&[1]).unwrap();
        reader.set_nonblocking(false).unwrap();
        assert_eq!((&reader).read(&mut sink).unwrap(), 1);
    }
}
