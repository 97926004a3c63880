"""WebSocket sessions: one per socket, over an HTTP/1.1 Upgrade or an HTTP/2 stream (RFC 8441).

A :class:`WebSocketSession` is what the app side gets (through ``StreamApp.serve_websocket``):
the opening request, ``accept`` / ``deny`` / ``close`` / ``receive`` / ``send``. Under it, a
*carrier* moves bytes: on HTTP/1.1 the socket itself after the ``101``
(server/websocket_http11.py), on HTTP/2 one stream's DATA frames (server/http2.py). Framing,
the close handshake, limits and permessage-deflate are :mod:`httpy.protocol.websocket`'s.

Invariants:
- Frames are read as they arrive, whether or not the app is receiving: pings are answered and
  a close is handled at once. Messages wait in a queue of at most ``max_queue``; at that
  length the carrier stops reading (the client is held back by TCP or its HTTP/2 window).
- ``send`` returns once the carrier took the frame below its high-water mark: a slow client
  slows its sender down instead of growing the server's memory.
- Every socket ends, and its carrier is closed: the close handshake waits ``close_timeout``
  for the client's answer; a client that answers no ping within ``ping_timeout`` is dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from typing import TYPE_CHECKING, NamedTuple, Protocol

from httpy.protocol.websocket import WebSocketConnection, WebSocketState
from httpy.protocol.websocket_events import (
    BytesMessage,
    CloseReceived,
    Pong,
    ProtocolViolation,
    TextMessage,
)
from httpy.protocol.websocket_handshake import (
    HandshakeError,
    accept_headers,
    offered_subprotocols,
)
from httpy.protocol.websocket_limits import WebSocketLimits

if TYPE_CHECKING:
    from httpy.config import Config
    from httpy.protocol.events import Headers, RequestReceived
    from httpy.server.stream import StreamApp

__all__ = [
    "GOING_AWAY",
    "Carrier",
    "Closed",
    "WebSocketSession",
    "WebSocketSettings",
    "serve_session",
    "websocket_settings",
]

error_log = logging.getLogger("httpy.error")

_NORMAL = 1000
#: What the server sends its sockets on a graceful shutdown.
GOING_AWAY = 1001
_ABNORMAL = 1006  # never sent: what the app sees when the socket ended without a close
_INTERNAL_ERROR = 1011
_TEXT = [(b"content-type", b"text/plain; charset=utf-8")]


class Closed(NamedTuple):
    """The socket is closed: the code and reason of the close (1006: none was received)."""

    code: int
    reason: str


class WebSocketSettings(NamedTuple):
    """The server's WebSocket knobs (from Config), shared by every session."""

    limits: WebSocketLimits
    ping_interval: float
    ping_timeout: float
    close_timeout: float
    max_queue: int
    per_message_deflate: bool
    #: Lower-cased origins a browser may open sockets from; None: any.
    allowed_origins: frozenset[str] | None


class Carrier(Protocol):
    """What moves one WebSocket's bytes: an upgraded HTTP/1.1 socket or an HTTP/2 stream."""

    def send_handshake(self, headers: Headers) -> None:
        """Accept: ``101`` on HTTP/1.1, ``200`` on HTTP/2, with these headers."""

    def send_denial(self, status: int, headers: Headers, body: bytes) -> None:
        """Refuse with a plain HTTP response (before the handshake), then end."""

    async def write(self, data: bytes) -> None:
        """Frames out; returns once the carrier is below its high-water mark."""

    def pause_reading(self) -> None: ...

    def resume_reading(self) -> None: ...

    def close(self) -> None:
        """End the carrier (the socket closed, or the HTTP/2 stream ended)."""


class WebSocketSession:
    """One WebSocket, as the app side drives it."""

    def __init__(  # noqa: PLR0913 - keyword-only after the three that make a session
        self,
        head: RequestReceived,
        carrier: Carrier,
        settings: WebSocketSettings,
        *,
        scheme: str,
        client: tuple[str, int] | None,
        server: tuple[str, int] | None,
    ) -> None:
        self.head = head
        self.carrier = carrier
        #: ``ws`` or ``wss``.
        self.scheme = scheme
        self.client = client
        self.server = server
        self._settings = settings
        self._loop = asyncio.get_running_loop()
        self.offered_subprotocols = offered_subprotocols(head.headers)
        self.accepted = False
        self.denied = False
        self._connection: WebSocketConnection | None = None
        self._queue: deque[str | bytes] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._reading_paused = False
        self._closed: Closed | None = None  # set once the socket is done, either way
        self._close_received = asyncio.Event()
        self._ping_handle: asyncio.TimerHandle | None = None
        self._pong_deadline: asyncio.TimerHandle | None = None

    @property
    def closed(self) -> Closed | None:
        """How the socket ended, once it has (refused sockets included); None while open."""
        return self._closed

    # --- the app side ------------------------------------------------------------------------

    async def accept(self, subprotocol: str | None = None, headers: Headers | None = None) -> None:
        """Complete the handshake (a bad handshake is refused with its status instead)."""
        if self.accepted or self.denied:
            raise RuntimeError("the WebSocket was already accepted or refused")
        if not self._origin_allowed():
            self.deny(403, _TEXT, b"cross-origin WebSocket refused\n")
            return
        request_headers = self.head.headers
        if self.head.http_version in ("2", "3"):
            # The handshake helper tells extended CONNECT (RFC 8441 on HTTP/2, RFC 9220 on
            # HTTP/3) from HTTP/1.1 by the pseudo-headers.
            request_headers = [
                (b":method", b"CONNECT"),
                (b":protocol", b"websocket"),
                *request_headers,
            ]
        try:
            response_headers, deflate = accept_headers(
                request_headers,
                subprotocol,
                headers or [],
                permessage_deflate=self._settings.per_message_deflate,
            )
        except HandshakeError as error:
            self.deny(error.status, [*_TEXT, *(error.headers or [])], f"{error}\n".encode())
            return
        self._connection = WebSocketConnection(self._settings.limits, deflate=deflate)
        self.accepted = True
        self.carrier.send_handshake(response_headers)
        self._schedule_ping()

    def deny(self, status: int, headers: Headers, body: bytes) -> None:
        """Refuse with any HTTP response (also the ASGI ``websocket.http.response``)."""
        if self.accepted or self.denied:
            raise RuntimeError("the WebSocket was already accepted or refused")
        self.denied = True
        self._closed = Closed(_ABNORMAL, "refused")
        self.carrier.send_denial(status, headers, body)

    async def receive(self) -> str | bytes | Closed:
        """The next message, or `Closed` once the socket is done (and from then on)."""
        if not self.accepted:
            raise RuntimeError("accept the WebSocket before receiving")
        while not self._queue:
            if self._closed is not None:
                return self._closed
            self._waiter = self._loop.create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        message = self._queue.popleft()
        if self._reading_paused and len(self._queue) < self._settings.max_queue:
            self._reading_paused = False
            self.carrier.resume_reading()
        return message

    async def send(self, data: str | bytes) -> None:
        """One message; waits while the client is slow. After the close it is dropped."""
        connection = self._connection
        if connection is None:
            raise RuntimeError("accept the WebSocket before sending")
        if self._closed is not None or connection.state is not WebSocketState.OPEN:
            return
        if isinstance(data, str):
            connection.send_text(data)
        else:
            connection.send_bytes(data)
        await self.carrier.write(connection.data_to_send())

    async def close(self, code: int = _NORMAL, reason: str = "") -> None:
        """Close (the handshake waits for the client's answer), or refuse before accepting."""
        if not self.accepted:
            if not self.denied:
                self.deny(403, _TEXT, b"WebSocket refused\n")
            return
        connection = self._connection
        assert connection is not None  # noqa: S101
        if self._closed is None:
            connection.close(code, reason)
            await self.carrier.write(connection.data_to_send())
            # The client answers with its own Close; one that never does is dropped.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._close_received.wait(), self._settings.close_timeout)
        self._finish(Closed(code, reason))

    async def finish(self, error: BaseException | None) -> None:
        """The handler is done (or raised): refuse or close whatever it left open."""
        if not self.accepted:
            if not self.denied:
                status = 500 if error is not None else 403
                self.deny(status, _TEXT, b"WebSocket not accepted\n")
            return
        if self._closed is None:
            await self.close(_INTERNAL_ERROR if error is not None else _NORMAL)

    def going_away(self) -> None:
        """Graceful shutdown: close with 1001, whatever the handler is doing."""
        if self.accepted and self._closed is None:
            task = self._loop.create_task(self.close(GOING_AWAY, "server shutting down"))
            task.add_done_callback(_log_failure)
        elif not self.accepted and not self.denied:
            self.deny(503, _TEXT, b"server shutting down\n")

    # --- the carrier side ------------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        """Bytes from the client."""
        connection = self._connection
        if connection is None or self._closed is not None:
            return  # before the 101 a client sends nothing (RFC 6455 §4.1); after: done
        closed = Closed(_ABNORMAL, "")
        for event in connection.receive_data(data):
            kind = type(event)
            if kind is TextMessage or kind is BytesMessage:
                self._push(event.data)  # type: ignore[union-attr]
            elif kind is Pong:
                self._pong_received()
            elif kind is CloseReceived:
                self._close_received.set()
                closed = Closed(event.code, event.reason)  # type: ignore[union-attr]
            elif kind is ProtocolViolation:
                error_log.info(
                    "WebSocket from %s closed with %d: %s",
                    self.client, event.code, event.reason,  # type: ignore[union-attr]
                )  # fmt: skip
                self._close_received.set()
                closed = Closed(event.code, event.reason)  # type: ignore[union-attr]
            # Ping: the connection queued its pong itself.
        outgoing = connection.data_to_send()
        if outgoing:
            self._write_soon(outgoing)  # pongs and the Close echo cannot wait for the app
        if connection.closed:
            self._finish(closed)

    def feed_eof(self) -> None:
        """The carrier ended (socket closed, stream reset) without a close handshake."""
        self._close_received.set()
        self._finish(Closed(_ABNORMAL, ""))

    # --- internals ----------------------------------------------------------------------------

    def _push(self, message: str | bytes) -> None:
        self._queue.append(message)
        self._wake()
        if len(self._queue) >= self._settings.max_queue and not self._reading_paused:
            self._reading_paused = True
            self.carrier.pause_reading()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _write_soon(self, data: bytes) -> None:
        """Frames from the read path (pong, Close echo), which must not wait for the app."""
        task = self._loop.create_task(self.carrier.write(data))
        task.add_done_callback(_log_failure)

    def _finish(self, closed: Closed) -> None:
        if self._closed is not None:
            return
        self._closed = closed
        self._cancel_pings()
        self._wake()
        self._loop.call_soon(self.carrier.close)  # after the queued frames are written

    def _origin_allowed(self) -> bool:
        allowed = self._settings.allowed_origins
        if allowed is None:
            return True
        origin = next((v for n, v in self.head.headers if n == b"origin"), None)
        if origin is None:
            return True  # not a browser: the origin check guards browsers' cross-site use
        return origin.decode("latin-1").lower() in allowed

    # --- keep-alive ---------------------------------------------------------------------------

    def _schedule_ping(self) -> None:
        interval = self._settings.ping_interval
        if interval > 0 and self._closed is None:
            self._ping_handle = self._loop.call_later(interval, self._send_ping)

    def _send_ping(self) -> None:
        connection = self._connection
        if connection is None or self._closed is not None or connection.closed:
            return
        connection.send_ping(b"httpy")
        self._write_soon(connection.data_to_send())
        if self._settings.ping_timeout > 0:
            self._pong_deadline = self._loop.call_later(self._settings.ping_timeout, self._no_pong)

    def _pong_received(self) -> None:
        if self._pong_deadline is not None:
            self._pong_deadline.cancel()
            self._pong_deadline = None
            self._schedule_ping()

    def _no_pong(self) -> None:
        error_log.info("WebSocket from %s answered no ping: dropped", self.client)
        self._close_received.set()
        self._finish(Closed(_ABNORMAL, "no pong"))

    def _cancel_pings(self) -> None:
        for handle in (self._ping_handle, self._pong_deadline):
            if handle is not None:
                handle.cancel()
        self._ping_handle = self._pong_deadline = None


def websocket_settings(config: Config) -> WebSocketSettings:
    origins = config.ws_allowed_origins
    return WebSocketSettings(
        limits=WebSocketLimits(
            max_message_size=config.ws_max_message_size,
            max_frame_size=min(config.ws_max_frame_size, config.ws_max_message_size),
        ),
        ping_interval=config.ws_ping_interval,
        ping_timeout=config.ws_ping_timeout,
        close_timeout=config.ws_close_timeout,
        max_queue=config.ws_max_queue,
        per_message_deflate=config.ws_per_message_deflate,
        allowed_origins=None if origins is None else frozenset(o.lower() for o in origins),
    )


async def serve_session(app: StreamApp, session: WebSocketSession) -> None:
    """Run the app's handler on `session`, then close or refuse what it left open."""
    try:
        await app.serve_websocket(session)
    except Exception as error:  # noqa: BLE001 - logged; the socket gets 1011 or a 500
        error_log.exception("WebSocket handler for %r failed", session.head.target)
        await session.finish(error)
        return
    await session.finish(None)


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        error_log.debug("WebSocket write failed", exc_info=task.exception())
