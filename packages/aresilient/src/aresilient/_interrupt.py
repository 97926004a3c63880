"""Sync socket reads that a deadline or another thread can end: what a sync call lacks.

A blocked `recv` cannot be interrupted from outside its thread, and httpx's timeouts are per
operation, so a sync call could neither stop a hedge's losing copy nor hold `max_total_time`
against a server that trickles its response head. Both need the connection a thread is
blocked on. `InterruptibleBackend` wraps the network backend of httpcore's connection pool
(the sync clients and `RetryTransport` install it on the httpx transports they send through)
so that every stream it opens reports, while a read or write is under way in a thread that
set a `Guard`, which stream that thread is using. With that:

- a deadline: each operation's timeout is shortened to the time the guard's deadline leaves
  (the read that would end past it times out at the deadline instead);
- a cancel: `Guard.cancel()` shuts the thread's socket down (`shutdown(SHUT_RDWR)` wakes a
  blocked `recv`, which `close()` from another thread does not), so its read fails at once,
  httpcore closes that connection and gives its pool slot back; a guard cancelled between
  two operations fails the next one before it starts.

Only a thread's own HTTP/1.1 connection is ever shut down: an HTTP/2 connection carries
other requests' streams too (it is recognised by the preface its first write sends), so a
cancel leaves it alone, and so does a guard with no operation under way. The wrapper is
installed only where a policy needs it (hedging or `max_total_time`, at the client's
construction or at the first request that asks): a thread without a guard still pays a frame
and a thread-local lookup per read or write, which the default success path does not carry. A
transport that is not httpx's own (or an httpcore without the attributes relied on) is left as
it is: calls through it behave as before, bounded by their timeouts alone.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import httpcore
import httpx

__all__ = [
    "Guard",
    "InterruptibleBackend",
    "InterruptibleStream",
    "deadline",
    "guarded",
    "make_interruptible",
    "make_interruptible_async",
]

_T = TypeVar("_T")
# What an HTTP/2 client writes first on a connection (RFC 9113 section 3.4).
_H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


class _State(threading.local):
    guard: Guard | None = None


_state = _State()
# What a cancelled guard's next operation raises, by the timeout that operation would raise.
_CANCELLED: dict[type[Exception], type[Exception]] = {
    httpcore.ReadTimeout: httpcore.ReadError,
    httpcore.WriteTimeout: httpcore.WriteError,
    httpcore.ConnectTimeout: httpcore.ConnectError,
}
_install_lock = threading.Lock()


class Guard:
    """The reads and writes of one thread's send: bounded by `deadline` (in `clock`'s time,
    None: none) and ended early by `cancel()`."""

    __slots__ = ("_lock", "_stream", "cancelled", "clock", "deadline", "limited")

    def __init__(self) -> None:
        self.deadline: float | None = None
        self.clock: Callable[[], float] = time.monotonic
        self.cancelled = False
        # Whether the deadline shortened the last operation's timeout: a timeout then is the
        # deadline's, not the operation's own.
        self.limited = False
        self._lock = threading.Lock()
        self._stream: InterruptibleStream | None = None

    def cancel(self) -> None:
        """End this guard's operations: the one under way (its socket is shut down) and
        every later one (refused before it starts)."""
        with self._lock:
            self.cancelled = True
            # Under the lock: the stream cannot be handed back to the pool meanwhile, so
            # only this thread's own connection is shut down.
            if self._stream is not None:
                self._stream.shut_down()

    def _timeout(self, timeout: float | None, error: type[Exception]) -> float | None:
        if self.deadline is None:
            return timeout
        remaining = self.deadline - self.clock()
        if remaining <= 0:
            self.limited = True
            raise error("max_total_time ran out")
        self.limited = timeout is None or remaining < timeout
        return remaining if self.limited else timeout

    def run(
        self,
        stream: InterruptibleStream | None,
        timeout: float | None,
        error: type[Exception],
        operation: Callable[[float | None], _T],
    ) -> _T:
        """`operation(timeout)`, the timeout shortened to the deadline, on `stream` (None:
        a connect, which has no stream to shut down yet)."""
        timeout = self._timeout(timeout, error)
        with self._lock:
            if self.cancelled:
                raise _CANCELLED[error]("the request was cancelled (a hedge's losing copy)")
            if stream is not None and not stream.multiplexed:
                self._stream = stream
        try:
            return operation(timeout)
        finally:
            with self._lock:
                self._stream = None


@contextmanager
def guarded(guard: Guard) -> Iterator[Guard]:
    """`guard` watches this thread's reads and writes for the block."""
    outer = _state.guard
    _state.guard = guard
    try:
        yield guard
    finally:
        _state.guard = outer


@contextmanager
def deadline(at: float, clock: Callable[[], float]) -> Iterator[Guard]:
    """This thread's reads and writes end by `at` (in `clock`'s time) for the block: the
    thread's guard (a hedge's copy has one) gets the deadline, or a new guard does."""
    guard = _state.guard
    owned = guard is None
    if guard is None:
        guard = _state.guard = Guard()
    saved = guard.deadline, guard.clock
    guard.deadline, guard.clock = at, clock
    try:
        yield guard
    finally:
        guard.deadline, guard.clock = saved
        if owned:
            _state.guard = None


class InterruptibleStream(httpcore.NetworkStream):
    """A network stream whose reads and writes a thread's `Guard` can bound and end."""

    __slots__ = ("_stream", "get_extra_info", "multiplexed")

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream
        # Bound to the wrapped stream: httpcore asks it whether an idle connection is still
        # readable before every reuse, and that needs no frame of ours.
        self.get_extra_info = stream.get_extra_info  # type: ignore[method-assign]
        self.multiplexed: bool | None = None  # unknown until the first write

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        guard = _state.guard
        if guard is None:
            return self._stream.read(max_bytes, timeout)
        read = self._stream.read
        return guard.run(self, timeout, httpcore.ReadTimeout, lambda t: read(max_bytes, t))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:  # h11 ends a request without a body with empty writes: nothing to do
            return None
        if self.multiplexed is None:
            self.multiplexed = buffer.startswith(_H2_PREFACE)
        guard = _state.guard
        if guard is None:
            return self._stream.write(buffer, timeout)
        write = self._stream.write
        return guard.run(self, timeout, httpcore.WriteTimeout, lambda t: write(buffer, t))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        guard = _state.guard
        start = self._stream.start_tls
        if guard is None:
            return InterruptibleStream(start(ssl_context, server_hostname, timeout))
        return InterruptibleStream(
            guard.run(
                self,
                timeout,
                httpcore.ConnectTimeout,
                lambda t: start(ssl_context, server_hostname, t),
            )
        )

    def shut_down(self) -> None:
        """Wake whatever thread is blocked on this socket: its read returns end-of-file."""
        sock = self._stream.get_extra_info("socket")
        if isinstance(sock, socket.socket):
            # socket.socket's own: SSLSocket.shutdown would also drop its SSL object, which
            # the blocked thread is still using. OSError: already closed, nothing to wake.
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)


class InterruptibleBackend(httpcore.NetworkBackend):
    """Wraps a pool's network backend so that every stream it opens is interruptible."""

    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        connect = self._backend.connect_tcp
        guard = _state.guard
        if guard is None:
            return InterruptibleStream(connect(host, port, timeout, local_address, socket_options))
        return InterruptibleStream(
            guard.run(
                None,
                timeout,
                httpcore.ConnectTimeout,
                lambda t: connect(host, port, t, local_address, socket_options),
            )
        )

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        return InterruptibleStream(self._backend.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def make_interruptible(transport: httpx.BaseTransport | None) -> bool:
    """Install `InterruptibleBackend` in `transport`'s connection pool (once), and wrap the
    streams of the connections it already holds; False when `transport` is not httpx's own,
    whose pool this knows how to reach."""
    pool = getattr(transport, "_pool", None)
    if not isinstance(pool, httpcore.ConnectionPool):  # HTTPProxy, SOCKSProxy too
        return False
    with _install_lock:  # two threads' first deadlines at once: one wrapper, not two
        backend = getattr(pool, "_network_backend", None)
        if isinstance(backend, InterruptibleBackend):
            return True
        if not isinstance(backend, httpcore.NetworkBackend):
            return False
        pool._network_backend = InterruptibleBackend(backend)
        # A client installs this at the first request that needs it (a per-request deadline
        # or hedging): its kept-alive connections must be covered too, not only new ones.
        for connection in pool.connections:
            _wrap_open_stream(connection)
        return True


def _wrap_open_stream(connection: object) -> None:
    """Wrap the stream of an open connection (an HTTPConnection, or a proxy's, holding an
    HTTP/1.1 or HTTP/2 connection under `_connection`), if it is found where httpcore 1.x
    keeps it; an HTTP/2 one is marked multiplexed, never to be shut down."""
    for _depth in range(3):
        stream = getattr(connection, "_network_stream", None)
        if isinstance(stream, httpcore.NetworkStream):
            if not isinstance(stream, InterruptibleStream):
                wrapped = InterruptibleStream(stream)
                wrapped.multiplexed = not isinstance(connection, httpcore.HTTP11Connection)
                connection._network_stream = wrapped  # type: ignore[attr-defined]
            return
        connection = getattr(connection, "_connection", None)


def make_interruptible_async(transport: httpx.AsyncBaseTransport | None) -> bool:
    """The async twin, for the generated sync modules' sake: an async read is ended by its
    task's cancellation (a cancel scope, a hedge's task group), so nothing is installed."""
    del transport
    return False
