"""asyncio glue for HTTP/2: frames in, one Stream per request, multiplexed responses out.

One :class:`HTTP2Protocol` per connection that chose HTTP/2 (ALPN ``h2`` on TLS, the
connection preface on cleartext, or an ``Upgrade: h2c`` from HTTP/1.1; see
:func:`hand_over`). It owns the wire: the sans-IO
:class:`~httpy.protocol.http2.HTTP2Connection`, the transport's backpressure, deadlines and
the order in which waiting response data is written. Every request runs in its own task on a
:class:`~httpy.server.stream.Stream`, whose Sender is that stream's :class:`_StreamIO`.

Invariants:
- Response data waits in its stream's buffer until both flow-control windows and the
  transport take it. ``send_data`` returns only once its data is taken, so a streamed body
  holds at most one piece; a whole body (``send_response``) is in memory anyway.
- Waiting data is written in RFC 9218 order: lower urgency first, then stream id.
- Request data is acknowledged (WINDOW_UPDATE) only as the handler reads it, so the receive
  windows bound what the server holds unread.
- A stream the peer resets has its handler cancelled and its waiting data dropped; a stream
  that gets no window for ``write_timeout`` is reset, and a peer that reads nothing for that
  long loses the connection.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import TYPE_CHECKING, cast

from httpy.body import BodyChannel
from httpy.protocol.events import (
    ConnectionTerminated,
    PriorityUpdated,
    ProtocolError,
    RequestData,
    RequestEnded,
    RequestReceived,
    RequestTrailers,
    StreamReset,
    WindowOpened,
)
from httpy.protocol.http2 import HTTP2Connection
from httpy.protocol.http2_limits import HTTP2Limits
from httpy.protocol.rules import reason_phrase
from httpy.server.deadline import Deadline
from httpy.server.stream import Stream, Unfinished, settle, start_handler
from httpy.server.websocket import WebSocketSession, websocket_settings
from httpy.server.websocket_stream import StreamCarrier

if TYPE_CHECKING:
    from httpy.config import Config
    from httpy.protocol.events import Event, Headers
    from httpy.server.state import ServerState
    from httpy.server.stream import StreamApp

__all__ = ["HTTP2Protocol", "hand_over", "http2_limits"]

error_log = logging.getLogger("httpy.error")

# HTTP/2 error codes (RFC 9113 §7) used here.
_INTERNAL_ERROR = 0x2
_CANCEL = 0x8
_NO_BODY_STATUSES = frozenset({204, 304})
# What the connection's one deadline guards (0: nothing).
_IDLE = 1
_WRITE = 2


def http2_limits(config: Config, max_body_size: int) -> HTTP2Limits:
    """The HTTP/2 limits a Config asks for."""
    return HTTP2Limits(
        max_concurrent_streams=config.http2_max_concurrent_streams,
        max_header_list_size=config.max_header_bytes,
        max_header_count=config.max_header_count,
        max_body_size=max_body_size,
        initial_window_size=config.http2_initial_window_size,
        connection_window_size=config.http2_connection_window_size,
        max_resets=config.http2_max_resets,
        max_control_frames=config.http2_max_control_frames,
        # Twice the list size: no header list under the limit is cut by any encoder.
        max_header_block=2 * config.max_header_bytes,
    )


class _StreamIO:
    """One request stream's response side: the Sender its Stream writes through."""

    __slots__ = (
        "_connection",
        "blocked_since",
        "body",
        "closed",
        "drained",
        "end_queued",
        "head_only",
        "offset",
        "pending",
        "running",
        "stream",
        "stream_id",
        "task",
        "trailers",
    )

    def __init__(self, connection: HTTP2Protocol, stream_id: int, *, head_only: bool) -> None:
        self._connection = connection
        self.stream_id = stream_id
        self.head_only = head_only  # HEAD: a head, never a body
        self.stream: Stream | None = None
        self.task: asyncio.Task[None] | None = None
        # The handler has not returned. Set before its task starts, as an eager task (3.12+)
        # may write (and be flushed) before the task object exists.
        self.running = False
        self.body: BodyChannel | None = None
        # Response data not yet taken by the windows, from `offset` on.
        self.pending = b""
        self.offset = 0
        self.end_queued = False  # the end of the body is queued after `pending`
        self.trailers: Headers | None = None
        self.drained: asyncio.Future[None] | None = None
        self.blocked_since = 0.0
        self.closed = False  # reset (by either side) or the connection is gone

    # --- Sender ---------------------------------------------------------------------------

    def send_response(
        self,
        status: int,
        headers: Headers,
        body: bytes,
        checked: bool = False,  # noqa: ARG002, FBT001, FBT002 - HTTP/2 checks every field it sends
    ) -> None:
        if self.closed:
            return
        if self.head_only or status in _NO_BODY_STATUSES:
            body = b""
        elif not any(name == b"content-length" for name, _ in headers):
            headers = [*headers, (b"content-length", b"%d" % len(body))]
        connection = self._connection
        if connection.alt_svc is not None:  # HTTP/3 is served: say where
            headers = [*headers, connection.alt_svc]
        h2 = connection.h2
        if body and connection.has_waiting:
            # Other streams wait for window or the transport: this body waits its turn too.
            h2.send_head(self.stream_id, status, headers)
            self._queue(body, end=True)
        else:
            # What the windows take now goes straight out (most small bodies: no queue, no
            # scheduling, head and body in one call); the rest waits its turn by priority.
            taken = h2.send_response(self.stream_id, status, headers, body)
            if taken < len(body):
                self._queue(body[taken:] if taken else body, end=True)
        connection.flush_soon()

    def start_response(self, status: int, headers: Headers) -> None:
        if self.closed:
            return
        if status in _NO_BODY_STATUSES:
            self.head_only = True
        if self._connection.alt_svc is not None:
            headers = [*headers, self._connection.alt_svc]
        self._connection.h2.send_head(self.stream_id, status, headers, end_stream=False)
        self._connection.flush_soon()

    async def send_data(self, data: bytes) -> None:
        if self.closed or self.head_only or not data:
            return
        self._queue(data, end=False)
        self._connection.flush()
        if self.offset < len(self.pending) and not self.closed:
            self.drained = self._connection.loop.create_future()
            await self.drained

    def end_response(self, trailers: Headers | None = None) -> None:
        if self.closed:
            return
        self.trailers = trailers or None
        self._queue(b"", end=True)
        self._connection.flush_soon()

    def reset(self) -> None:
        if not self.closed:
            self._connection.reset_stream(self, _INTERNAL_ERROR)

    def push(self, path: bytes, headers: Headers) -> bool:
        if self.closed:
            return False
        return self._connection.push(self, path, headers)

    @property
    def disconnected(self) -> bool:
        return self.closed

    # --- the connection's side --------------------------------------------------------------

    def _queue(self, data: bytes, *, end: bool) -> None:
        if self.offset < len(self.pending):
            self.pending = self.pending[self.offset :] + data
        else:
            self.pending = data
        self.offset = 0
        self.end_queued = end
        self._connection.wants_to_write(self)

    @property
    def waiting(self) -> bool:
        """Data or the end of the body is queued and not yet sent."""
        return self.offset < len(self.pending) or self.end_queued

    def write_some(self, h2: HTTP2Connection) -> bool:
        """Send what the windows allow; True when nothing is left waiting."""
        pending, offset = self.pending, self.offset
        while offset < len(pending):
            window = h2.send_window(self.stream_id)
            if window <= 0:
                break
            piece = pending[offset : offset + window]
            last = self.end_queued and not self.trailers and offset + len(piece) == len(pending)
            taken = h2.send_data(self.stream_id, piece, end_stream=last)
            if taken <= 0:
                break
            offset += taken
        self.offset = offset
        if offset < len(pending):
            return False
        self.pending, self.offset = b"", 0
        if self.end_queued:
            if self.trailers:
                h2.send_trailers(self.stream_id, self.trailers)
            elif not pending:  # the end came alone, after the data already went
                h2.send_data(self.stream_id, b"", end_stream=True)
            self.end_queued = False
        self.wake()
        return True

    def wake(self) -> None:
        drained, self.drained = self.drained, None
        if drained is not None and not drained.done():
            drained.set_result(None)


class HTTP2Protocol(asyncio.Protocol):
    def __init__(self, app: StreamApp, config: Config, state: ServerState) -> None:
        self._app = app
        self._config = config
        self._state = state
        #: ``alt-svc`` advertising HTTP/3, or None (ServerState.alt_svc).
        self.alt_svc = state.alt_svc
        self.loop = asyncio.get_running_loop()
        max_body = config.max_body_size if app.max_body_size is None else app.max_body_size
        self._default_body_limit = max_body
        self.h2 = HTTP2Connection(
            http2_limits(config, max_body),
            server_header=config.server_header.encode("latin-1") if config.server_header else None,
            body_limit_for=self._body_limit_for if app.has_custom_body_limits else None,
            extended_connect=True,  # WebSocket over HTTP/2 (RFC 8441)
        )
        self._transport: asyncio.Transport | None = None
        self._client: tuple[str, int] | None = None
        self._server: tuple[str, int] | None = None
        self._scheme = "http"
        self._streams: dict[int, _StreamIO] = {}
        self._waiting: dict[int, _StreamIO] = {}
        self._writable = True
        self._closed = False
        self._deadline = Deadline(self.loop, self._on_deadline)
        self._upgrade_events: list[Event] | None = None
        self._flush_scheduled = False

    # --- taking over a transport ---------------------------------------------------------

    def prepare_upgrade(self, http2_settings: bytes, head: RequestReceived) -> None:
        """Take an ``Upgrade: h2c`` request as stream 1, before the 101 is sent.

        Raises `InvalidUpgradeError` for a bad ``HTTP2-Settings``: HTTP/1.1 answers 400.
        """
        self._upgrade_events = list(self.h2.initiate_upgrade(http2_settings, head))

    def take_over(self, transport: asyncio.BaseTransport, data: bytes = b"") -> None:
        """Start on a transport another protocol object accepted (see `hand_over`)."""
        self._transport = cast("asyncio.Transport", transport)
        peer = transport.get_extra_info("peername")
        sock = transport.get_extra_info("sockname")
        self._client = (peer[0], peer[1]) if isinstance(peer, tuple) else None
        self._server = (sock[0], sock[1]) if isinstance(sock, tuple) else None
        if transport.get_extra_info("sslcontext") is not None:
            self._scheme = "https"
        self._state.admit(self)
        events = self._upgrade_events
        if events is None:
            self.h2.initiate()
        else:
            self._upgrade_events = None
            self._dispatch(events)
        self.flush()
        self._arm_idle()
        if data:
            self.data_received(data)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.take_over(transport)

    # --- asyncio.Protocol --------------------------------------------------------------

    def connection_lost(self, exc: Exception | None) -> None:  # noqa: ARG002 - asyncio's signature
        self._closed = True
        self._state.forget(self)
        self._deadline.cancel()
        for io in list(self._streams.values()):
            self._drop(io, cancel=True)

    def data_received(self, data: bytes) -> None:
        if self._closed:
            return
        self._dispatch(self.h2.receive_data(data))
        self.flush()

    def eof_received(self) -> bool | None:
        return None  # HTTP/2 has no half-close on the connection: close it

    def pause_writing(self) -> None:
        self._writable = False
        if self._transport is not None:
            # Stop making more to write (ACKs, answers) until the peer reads.
            self._transport.pause_reading()
        self._deadline.arm(_WRITE, self._config.write_timeout)

    def resume_writing(self) -> None:
        self._writable = True
        if self._transport is not None and not self._closed:
            self._transport.resume_reading()
        if self._deadline.kind == _WRITE:
            self._deadline.disarm()
        self.flush()

    # --- events ------------------------------------------------------------------------------

    def _dispatch(self, events: list[Event]) -> None:  # noqa: PLR0912 - a branch per event kind
        count = len(events)
        for index, event in enumerate(events):
            kind = type(event)
            if kind is RequestReceived:
                head = cast("RequestReceived", event)
                following = events[index + 1] if index + 1 < count else None
                bodiless = isinstance(following, RequestEnded) and (
                    following.stream_id == head.stream_id
                )
                self._start(head, bodiless=bodiless)
            elif kind is RequestData:
                io = self._streams.get(event.stream_id)  # type: ignore[union-attr]
                if io is not None and io.body is not None:
                    io.body.feed(event.data)  # type: ignore[union-attr]
            elif kind is RequestEnded:
                io = self._streams.get(event.stream_id)  # type: ignore[union-attr]
                if io is not None and io.body is not None:
                    io.body.end()
            elif kind is WindowOpened:
                self._on_window(event.stream_id)  # type: ignore[union-attr]
            elif kind is StreamReset:
                io = self._streams.get(event.stream_id)  # type: ignore[union-attr]
                if io is not None:
                    self._drop(io, cancel=True)
            elif kind is ProtocolError:
                self._on_protocol_error(cast("ProtocolError", event))
            elif kind is RequestTrailers:
                io = self._streams.get(event.stream_id)  # type: ignore[union-attr]
                if io is not None and io.body is not None:
                    io.body.trailers = event.headers  # type: ignore[union-attr]
            elif kind is ConnectionTerminated or kind is PriorityUpdated:
                pass  # the protocol keeps both; should_close and priority() say what they mean

    def _start(self, head: RequestReceived, *, bodiless: bool) -> None:
        stream_id = head.stream_id
        if head.upgrade == b"websocket":
            self._start_websocket(head)
            return
        io = _StreamIO(self, stream_id, head_only=head.method == "HEAD")
        if not bodiless:
            io.body = BodyChannel(
                timeout=self._config.body_timeout or None,
                on_first_read=(lambda: self._send_continue(io)) if head.expect_continue else None,
                on_read=lambda size: self._acknowledge(stream_id, size),
            )
        self._streams[stream_id] = io
        self._deadline.disarm()
        io.stream = stream = Stream(
            head,
            io,
            self._scheme,
            self._client,
            self._server,
            io.body,
            self._config.access_log,
        )
        io.running = True
        io.task = start_handler(
            self.loop, self._app.serve_stream(stream), functools.partial(self._finish, io)
        )

    def _start_websocket(self, head: RequestReceived) -> None:
        """An extended CONNECT (RFC 8441): this stream carries one WebSocket."""
        stream_id = head.stream_id
        io = _StreamIO(self, stream_id, head_only=False)
        # No body deadline: a socket may stay quiet for long; pings keep it honest.
        io.body = BodyChannel(on_read=lambda size: self._acknowledge(stream_id, size))
        self._streams[stream_id] = io
        self._deadline.disarm()
        carrier = StreamCarrier(io)
        session = WebSocketSession(
            head,
            carrier,
            websocket_settings(self._config),
            scheme="wss" if self._scheme == "https" else "ws",
            client=self._client,
            server=self._server,
        )
        io.running = True
        io.task = task = self.loop.create_task(carrier.run(self._app, session))
        task.add_done_callback(lambda _: self._websocket_done(io))

    def _websocket_done(self, io: _StreamIO) -> None:
        io.task = None
        io.running = False
        if not io.waiting:
            self._streams.pop(io.stream_id, None)
        self._after_stream()

    def _finish(self, io: _StreamIO, task: asyncio.Task[None]) -> None:
        io.task = None
        io.running = False
        assert io.stream is not None  # noqa: S101
        unfinished = settle(io.stream, task, gone=io.closed, access=self._config.access_log)
        if unfinished is Unfinished.ANSWER_500:
            self._send_error(io, 500, "Internal Server Error")
        elif unfinished is Unfinished.RESET:
            self.reset_stream(io, _INTERNAL_ERROR)
        if not io.waiting:
            self._streams.pop(io.stream_id, None)
        self._after_stream()

    def _on_protocol_error(self, error: ProtocolError) -> None:
        if error.stream_id == 0:
            # The connection broke the protocol: GOAWAY is queued; flush and close.
            error_log.info("HTTP/2 connection from %s ended: %s", self._client, error.reason)
            self.flush()
            self._close()
            return
        io = self._streams.get(error.stream_id)
        if io is not None and io.body is not None and io.running:
            # The body broke a limit mid-way: the handler sees it when it reads.
            io.body.fail(error.status, error.reason)
            return
        if io is None:
            io = _StreamIO(self, error.stream_id, head_only=False)
            self._streams[error.stream_id] = io
        self._send_error(io, error.status, error.reason)
        if not io.waiting:
            self._streams.pop(io.stream_id, None)

    def _on_window(self, stream_id: int) -> None:
        if stream_id == 0 or stream_id in self._waiting:
            self.flush()

    # --- writing -----------------------------------------------------------------------------

    @property
    def has_waiting(self) -> bool:
        """Some stream's response data waits for window or for the transport."""
        return bool(self._waiting) or not self._writable

    def wants_to_write(self, io: _StreamIO) -> None:
        if io.stream_id not in self._waiting:
            io.blocked_since = self.loop.time()
            self._waiting[io.stream_id] = io

    def flush_soon(self) -> None:
        """Flush once this turn of the loop is over: the responses of every stream that
        finishes in the same turn leave in one write, not one write (and syscall) each."""
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self.loop.call_soon(self.flush)

    def flush(self) -> None:
        """Write waiting response data in priority order, then everything queued."""
        self._flush_scheduled = False
        if self._closed or self._transport is None or self._transport.is_closing():
            return
        h2 = self.h2
        if self._waiting and self._writable:
            waiting = self._waiting
            order = list(waiting.values())
            if len(order) > 1:
                order.sort(key=lambda io: (h2.priority(io.stream_id)[0], io.stream_id))
            now = self.loop.time()
            for io in order:
                before = io.offset
                if io.write_some(h2):
                    del waiting[io.stream_id]
                    if not io.running:
                        self._streams.pop(io.stream_id, None)
                elif io.offset != before:
                    io.blocked_since = now
            if waiting and self._deadline.kind != _WRITE:
                self._deadline.arm(_WRITE, self._config.write_timeout)
        data = h2.data_to_send()
        if data:
            self._transport.write(data)
        if h2.should_close:
            self._close()
        elif not self._streams:
            self._arm_idle()

    def push(self, parent: _StreamIO, path: bytes, headers: Headers) -> bool:
        request = self.h2.push(parent.stream_id, "GET", path, headers)
        if request is None:
            return False  # the peer disabled push, or is going away
        self._start(request, bodiless=True)  # a pushed request has no body
        self.flush()
        return True

    def _send_error(self, io: _StreamIO, status: int, reason: str) -> None:
        body = f"{status} {reason_phrase(status)}: {reason}\n".encode()
        headers = [(b"content-type", b"text/plain; charset=utf-8")]
        io.send_response(status, headers, body)

    def _send_continue(self, io: _StreamIO) -> None:
        if not io.closed:
            self.h2.send_informational(io.stream_id, 100, [])
            self.flush()

    def _acknowledge(self, stream_id: int, size: int) -> None:
        self.h2.acknowledge_received(stream_id, size)
        self.flush_soon()

    def reset_stream(self, io: _StreamIO, error_code: int) -> None:
        self.h2.reset_stream(io.stream_id, error_code)
        self._drop(io, cancel=False)
        self.flush()

    def _drop(self, io: _StreamIO, *, cancel: bool) -> None:
        """The stream is gone (reset, or the connection lost): nothing more is sent on it."""
        io.closed = True
        io.pending, io.offset, io.end_queued = b"", 0, False
        self._waiting.pop(io.stream_id, None)
        if io.body is not None:
            io.body.disconnect()
        io.wake()
        if io.stream is not None:
            io.stream.notify_disconnected()
        if not io.running:
            self._streams.pop(io.stream_id, None)
        elif cancel and io.task is not None:
            io.task.cancel()  # the peer cancelled the request: its handler stops too

    # --- deadlines, shutdown ------------------------------------------------------------------

    def _after_stream(self) -> None:
        if self.h2.should_close:
            self.flush()
        elif not self._streams:
            self._arm_idle()

    def _arm_idle(self) -> None:
        if not self._streams and not self._closed:
            self._deadline.arm(_IDLE, self._config.keep_alive_timeout)

    def _on_deadline(self, kind: int) -> None:
        if kind == _IDLE:
            if not self._streams:
                self.h2.start_shutdown()
                self.flush()
                self._close()
            return
        # _WRITE: a peer that reads nothing loses the connection; a stream that got no
        # window for write_timeout is reset, and the rest go on.
        if not self._writable:
            error_log.info("peer %s stopped reading: connection dropped", self._client)
            self._abort()
            return
        horizon = self.loop.time() - self._config.write_timeout
        for io in list(self._waiting.values()):
            if io.blocked_since <= horizon:
                self.reset_stream(io, _CANCEL)
        if self._waiting:
            self._deadline.arm(_WRITE, self._config.write_timeout)
        else:
            self._arm_idle()

    def shutdown(self) -> None:
        """Graceful shutdown: GOAWAY; streams in flight finish, then the connection closes."""
        self.h2.start_shutdown()
        self.flush()

    def force_close(self) -> None:
        self._abort()

    def _close(self) -> None:
        if self._closed or self._transport is None:
            return
        self._closed = True
        self._deadline.cancel()
        self._transport.close()

    def _abort(self) -> None:
        self._deadline.cancel()
        if self._transport is not None:
            self._closed = True
            self._transport.abort()

    def _body_limit_for(self, head: RequestReceived) -> int:
        return self._app.body_limit_for_request(head, self._default_body_limit)


def hand_over(transport: asyncio.BaseTransport, protocol: HTTP2Protocol, data: bytes = b"") -> None:
    """Move a connection accepted as HTTP/1.1 to HTTP/2 (ALPN, preface or h2c Upgrade)."""
    transport.set_protocol(protocol)
    protocol.take_over(transport, data)
