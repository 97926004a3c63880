"""asyncio glue for HTTP/1.x: socket bytes into the sans-IO connection, responses out.

One :class:`HTTP11Protocol` per accepted connection. It owns only the wire: parsing (through
:class:`~httpy.protocol.http11.HTTP11Connection`), flow control, deadlines and closing. Each
request becomes a :class:`~httpy.server.stream.Stream` that the app answers; this object is the
stream's :class:`~httpy.server.stream.Sender`, since HTTP/1.1 answers one request at a time.

Invariants:
- Requests are answered one at a time in arrival order; pipelined ones wait in ``_pending``.
- Once the connection is closing (a response that ends it, an error answer, shutdown), no
  request parsed behind it starts.
- The next request starts only when the previous response could be written without the
  transport going above its high-water mark; until then reading pauses too, so a client that
  pipelines and never reads costs a bounded amount of memory, and after ``write_timeout``
  the connection is dropped.
- A client that half-closes after pipelining still gets every answer, then the close.
- Closing while the peer may still be sending (an early 413/431, an unread body) lingers:
  our write side is shut and input is read and thrown away for ``linger_timeout``, so the
  kernel does not reset the connection and destroy the answer before the peer reads it.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections import deque
from typing import TYPE_CHECKING, cast

from httpy.body import BodyChannel
from httpy.protocol.events import (
    InformationalResponse,
    RequestData,
    RequestEnded,
    RequestEvent,
    RequestReceived,
    RequestTrailers,
    ResponseBody,
)
from httpy.protocol.http2 import InvalidUpgradeError
from httpy.protocol.http11 import HTTP11Connection, Limits
from httpy.server.deadline import Deadline
from httpy.server.http2 import HTTP2Protocol, hand_over
from httpy.server.stream import ENDED, NOT_STARTED, Stream
from httpy.server.websocket import WebSocketSession, serve_session, websocket_settings
from httpy.server.websocket_http11 import WebSocketOverHTTP11

if TYPE_CHECKING:
    from httpy.config import Config
    from httpy.protocol.events import Headers
    from httpy.server.state import ServerState
    from httpy.server.stream import StreamApp

__all__ = ["HTTP11Protocol"]

error_log = logging.getLogger("httpy.error")

_CONTINUE = InformationalResponse(100)
_END = ResponseBody(b"", end=True)
# How an HTTP/2 connection preface starts (RFC 9113 §3.4): no HTTP/1.x request does.
_PREFACE_START = b"PRI *"
_SWITCHING_TO_H2C = (
    b"HTTP/1.1 101 Switching Protocols\r\nconnection: Upgrade\r\nupgrade: h2c\r\n\r\n"
)
# What the connection's one deadline guards (0: nothing).
_HEADER = 1
_KEEP_ALIVE = 2
_WRITE = 3
_LINGER = 4
# Bytes arrived while idle: the header deadline is owed unless a request starts (data_received).
_ARRIVING = 5
# Python 3.12+ starts a handler's task eagerly (decided once, not per request).
_EAGER = sys.version_info >= (3, 12)


class HTTP11Protocol(asyncio.Protocol):
    # Slots: every attribute is read per request, and a slot read is specialized by the
    # interpreter whatever the attribute count (instance dicts stop sharing keys past 30).
    __slots__ = (
        "_app",
        "_body",
        "_client",
        "_config",
        "_conn",
        "_deadline",
        "_default_body_limit",
        "_drained",
        "_eof",
        "_input_unread",
        "_lingering",
        "_loop",
        "_over_capacity",
        "_pending",
        "_pipeline_cap",
        "_pumping",
        "_reading_paused",
        "_scheme",
        "_serve",
        "_server",
        "_sniffed",
        "_sniffing",
        "_state",
        "_stream",
        "_task",
        "_timed",
        "_transport",
        "_waiting_to_write",
        "_write_paused",
        "disconnected",
    )

    def __init__(self, app: StreamApp, config: Config, state: ServerState) -> None:
        self._app = app
        # Bound once: both run per request.
        self._serve = app.serve_stream
        self._timed = config.access_log
        self._config = config
        self._state = state
        self._loop = asyncio.get_running_loop()
        limits = Limits(
            max_header_bytes=config.max_header_bytes,
            max_header_count=config.max_header_count,
            max_target_length=config.max_target_length,
            max_body_size=config.max_body_size if app.max_body_size is None else app.max_body_size,
            max_requests=config.max_requests_per_connection,
        )
        self._conn = HTTP11Connection(
            limits,
            body_limit_for=self._body_limit_for if app.has_custom_body_limits else None,
            server_header=config.server_header.encode("latin-1") if config.server_header else None,
        )
        self._default_body_limit = limits.max_body_size
        self._transport: asyncio.Transport | None = None
        self._client: tuple[str, int] | None = None
        self._server: tuple[str, int] | None = None
        self._scheme = "http"
        self._pending: deque[RequestEvent] = deque()
        # More queued events than this pause reading (a client pipelining without reading).
        self._pipeline_cap = config.max_pipelined_requests * 3
        self._stream: Stream | None = None
        self._body: BodyChannel | None = None
        self._task: asyncio.Task[None] | None = None
        self._deadline = Deadline(self._loop, self._on_deadline)
        self._pumping = False
        self._eof = False
        self._reading_paused = False
        # A finished response is still above the transport's high-water mark: the next
        # request waits for resume_writing.
        self._waiting_to_write = False
        # The transport is above its high-water mark; `_drained` wakes a streamed send.
        self._write_paused = False
        self._drained: asyncio.Future[None] | None = None
        # Input arrived that no request will consume: closing must linger.
        self._input_unread = False
        self._over_capacity = False
        self._lingering = False
        # Closing or closed: nothing more is written and no new request starts. A plain
        # attribute, not a property: the Sender's `disconnected`, read on every send.
        self.disconnected = False
        # Cleartext with HTTP/2 on: the first bytes may be an HTTP/2 preface.
        self._sniffing = config.http2
        self._sniffed = b""

    # --- asyncio.Protocol --------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, but speak its interface.
        self._transport = cast("asyncio.Transport", transport)
        peer = transport.get_extra_info("peername")
        sock = transport.get_extra_info("sockname")
        self._client = (peer[0], peer[1]) if isinstance(peer, tuple) else None
        self._server = (sock[0], sock[1]) if isinstance(sock, tuple) else None
        if transport.get_extra_info("sslcontext") is not None:
            self._scheme = "https"
            self._sniffing = False  # on TLS, ALPN chose the protocol
            ssl_object = transport.get_extra_info("ssl_object")
            if ssl_object is not None and ssl_object.selected_alpn_protocol() == "h2":
                hand_over(transport, self._http2())
                return
        # Over the cap, the first request is answered 503 (not parsed further) and we close.
        self._over_capacity = not self._state.admit(self)
        # A new connection must deliver a request head before the header deadline.
        self._deadline.arm(_HEADER, self._config.header_timeout)

    def connection_lost(self, exc: Exception | None) -> None:  # noqa: ARG002 - asyncio's signature
        self.disconnected = True
        self._lingering = False
        self._state.forget(self)
        self._deadline.cancel()
        if self._body is not None:
            self._body.disconnect()
        self._wake_writer()  # a response waiting to write wakes, sees the loss and stops
        self._notify_stream()

    def data_received(self, data: bytes) -> None:
        if self.disconnected:
            return  # lingering: read and thrown away
        if self._sniffing:
            data = self._sniff(data)
            if not data:
                return
        deadline = self._deadline
        if deadline.kind == _KEEP_ALIVE:
            # The first bytes of the next request: the header deadline runs from now, unless
            # they hold a whole head and the request starts (its deadline is no deadline),
            # the usual case; so it is armed below, only when nothing else replaced this mark.
            deadline.kind = _ARRIVING
        try:
            events = self._conn.receive_data(data)
        except Exception:  # noqa: BLE001 - the app's body_limit_for hook failed
            error_log.exception("could not route a request to find its body limit")
            self._send_error(500, "Internal Server Error")
            return
        if events:
            pending = self._pending
            pending.extend(events)
            # While a response is made or written, a next request waits behind it: only body
            # bytes (or a body's error) for the request in progress need pumping now.
            if (self._task is None and not self._waiting_to_write) or type(
                pending[0]
            ) is not RequestReceived:
                self._pump()
        elif self._conn.discards_input:
            self._input_unread = True  # bytes after the last request we will answer
        if deadline.kind == _ARRIVING:
            deadline.arm(_HEADER, self._config.header_timeout)
        # Nothing paused and nothing that could pause reading (no body, few requests queued:
        # the common case): `_apply_backpressure` would do nothing.
        if (
            self._reading_paused
            or self._waiting_to_write
            or self._body is not None
            or len(self._pending) > self._pipeline_cap
        ):
            self._apply_backpressure()

    def _sniff(self, data: bytes) -> bytes:
        """The first bytes: an HTTP/2 preface moves the connection to HTTP/2 (returns b"")."""
        seen = self._sniffed + data
        if seen.startswith(_PREFACE_START):
            self._leave()
            hand_over(self._transport, self._http2(), seen)  # type: ignore[arg-type]
            return b""
        if _PREFACE_START.startswith(seen):
            self._sniffed = seen  # too short to tell yet
            return b""
        self._sniffing = False
        self._sniffed = b""
        return seen

    def _http2(self) -> HTTP2Protocol:
        return HTTP2Protocol(self._app, self._config, self._state)

    def _leave(self) -> None:
        """This object stops serving the connection: another protocol takes it over."""
        self.disconnected = True
        self._deadline.cancel()
        self._state.forget(self)

    def _upgrade_to_h2c(self, head: RequestReceived) -> bool:
        """Take an ``Upgrade: h2c`` request (RFC 7540 §3.2): 101, then HTTP/2 answers it
        on stream 1. False when the request does not qualify: it is answered over HTTP/1.1."""
        settings = [value for name, value in head.headers if name == b"http2-settings"]
        if len(settings) != 1 or self._scheme != "http" or self._over_capacity:
            return False
        protocol = self._http2()
        try:
            protocol.prepare_upgrade(settings[0], head)
        except InvalidUpgradeError as error:
            self._send_error(400, str(error))
            return True
        transport = self._transport
        assert transport is not None  # noqa: S101
        self._leave()
        transport.write(_SWITCHING_TO_H2C)
        hand_over(transport, protocol)
        return True

    def eof_received(self) -> bool | None:
        self._eof = True
        if self._lingering:
            self._deadline.cancel()
            return False  # the peer read our answer and closed: close now
        if self._body is not None and not self._body.complete:
            self._body.disconnect()
        if not self._answering:
            # Nothing in progress. Requests still pending start now; with none, close.
            self._pump()
        # Keep the socket open to finish; the close follows the last answer.
        return self._answering

    @property
    def _answering(self) -> bool:
        """A response is being made or written."""
        return self._task is not None or self._waiting_to_write

    def pause_writing(self) -> None:
        self._write_paused = True
        # The peer must read what is buffered within write_timeout.
        self._deadline.arm(_WRITE, self._config.write_timeout)

    def resume_writing(self) -> None:
        self._write_paused = False
        self._wake_writer()
        if self._deadline.kind == _WRITE:
            self._deadline.disarm()
        if self._waiting_to_write:
            self._waiting_to_write = False
            self._pump()
            self._apply_backpressure()

    # --- request dispatch --------------------------------------------------------------

    def _pump(self) -> None:  # noqa: PLR0912, PLR0915 - one frame per request: the hot path
        """Hand queued events to the request in progress, or start the next request; then,
        with nothing in progress, arm the deadline that fits (or close after an EOF)."""
        if self._pumping:
            return  # a response finished inside _start; the running loop continues
        pending = self._pending
        if pending:  # after most responses nothing is: no loop to run
            self._pumping = True
            try:
                while pending and not self.disconnected:
                    event = pending[0]
                    kind = type(event)
                    if kind is RequestReceived:
                        if self._task is not None or self._waiting_to_write:
                            break  # answered after the current response: order is preserved
                        pending.popleft()
                        # A request whose end is already here with no data (most GETs) needs
                        # no body channel at all.
                        bodiless = bool(pending) and type(pending[0]) is RequestEnded
                        if bodiless:
                            pending.popleft()
                        if (event.upgrade or self._over_capacity) and self._divert(event, bodiless):  # type: ignore[union-attr, arg-type]
                            break
                        self._start(event, bodiless)  # type: ignore[arg-type]
                    elif kind is RequestData:
                        pending.popleft()
                        if self._body is not None:
                            self._body.feed(event.data)  # type: ignore[union-attr]
                    elif kind is RequestEnded:
                        pending.popleft()
                        if self._body is not None:
                            self._body.end()
                            self._body = None
                    elif kind is RequestTrailers:
                        pending.popleft()
                        if self._body is not None:
                            self._body.trailers = event.headers  # type: ignore[union-attr]
                    elif self._body is not None:  # a ProtocolError, for the request in progress
                        # It lost its body (too large, bad chunk): its handler sees the error
                        # when it reads; its response ends the connection.
                        pending.popleft()
                        self._body.fail(event.status, event.reason)  # type: ignore[union-attr]
                        self._body = None
                        self._conn.close_after_response()
                        self._input_unread = True
                    else:  # a ProtocolError, answered in its turn
                        if self._task is None and not self._waiting_to_write:
                            self._send_error(event.status, event.reason)  # type: ignore[union-attr]
                        break  # else it belongs after the current response
            finally:
                self._pumping = False
        if self._task is not None or self.disconnected or self._waiting_to_write:
            return
        if self._eof:
            self._close()  # every answer the peer can still get is sent
        elif self._conn.mid_request_head:
            self._deadline.arm(_HEADER, self._config.header_timeout)
        elif not pending:
            self._deadline.arm(_KEEP_ALIVE, self._config.keep_alive_timeout)

    def _divert(self, head: RequestReceived, bodiless: bool) -> bool:  # noqa: FBT001
        """A request that is not served here: refused over the cap, or an upgrade taken
        (WebSocket, h2c). False: serve it as an ordinary request."""
        if self._over_capacity:
            self._send_error(503, "the server is at its connection limit")
            return True
        if not bodiless:
            return False  # an upgrade with a body is answered over HTTP/1.1
        if head.upgrade == b"websocket" and head.method == "GET":
            self._start_websocket(head)
            return True
        return head.upgrade == b"h2c" and self._config.http2 and self._upgrade_to_h2c(head)

    def _start_websocket(self, head: RequestReceived) -> None:
        """The socket becomes the WebSocket's carrier; the app accepts or refuses it."""
        transport = self._transport
        assert transport is not None  # noqa: S101
        self._leave()
        config = self._config
        carrier = WebSocketOverHTTP11(self._conn, transport, self._state, config.ws_write_buffer)
        transport.set_protocol(carrier)
        self._state.admit(carrier)
        carrier.session = session = WebSocketSession(
            head,
            carrier,
            websocket_settings(config),
            scheme="wss" if self._scheme == "https" else "ws",
            client=self._client,
            server=self._server,
        )
        carrier.task = self._loop.create_task(serve_session(self._app, session))

    def _start(self, head: RequestReceived, bodiless: bool) -> None:  # noqa: FBT001 - positional: per request
        self._deadline.kind = 0  # no deadline while the app answers
        body = None
        if not bodiless:
            body = BodyChannel(
                timeout=self._config.body_timeout or None,
                on_first_read=self._send_continue if head.expect_continue else None,
                on_drained=self._on_body_drained,
            )
            if self._eof:
                body.disconnect()  # its end can never come
        self._body = body
        self._stream = stream = Stream(
            head,
            self,
            self._scheme,
            self._client,
            self._server,
            body,
            self._timed,
        )
        coroutine = self._serve(stream)
        if _EAGER:
            # Eager: a handler that never waits finishes right here, without a trip through
            # the loop, yet still inside a real Task (asyncio.timeout, TaskGroup work).
            task = asyncio.Task(coroutine, loop=self._loop, eager_start=True)  # type: ignore[call-arg, unused-ignore]
            if task.done():
                self._finish(task)
                return
        else:
            task = self._loop.create_task(coroutine)
        self._task = task
        task.add_done_callback(self._finish)

    def _finish(self, task: asyncio.Task[None]) -> None:
        """The app is done with the current stream: log it, then next request or close."""
        self._task = None
        stream = self._stream
        assert stream is not None  # noqa: S101
        self._stream = None
        if task.cancelled():
            error_log.error(
                "the handler of %s %s was cancelled", stream.head.method, stream.head.target
            )
            failed = True
        elif task.exception() is not None:
            error_log.error("response failed", exc_info=task.exception())
            failed = True
        else:
            failed = False
        if stream.progress is not ENDED:
            if not failed and not self.disconnected:
                error_log.error("the app returned without finishing its response")
            if stream.progress is NOT_STARTED:
                self._send_error(500, "Internal Server Error")
            else:
                self._abort()  # half a response: the peer must not take it as whole
            return
        if self._timed:
            stream.log_access()
        # What follows the response, in this frame (it runs once per request).
        body = self._body
        if body is not None and not body.complete:
            # The handler left body bytes unread; the protocol already decided to close.
            self._body = None
            self._input_unread = True
        if self._conn.should_close or self._state.shutting_down:
            self._close()
            return
        if self._write_paused:
            # Non-streamed responses respect backpressure too: the next request waits until
            # the peer reads this one (or write_timeout drops the connection).
            self._waiting_to_write = True
            self._apply_backpressure()
            return
        # Next pipelined request, or the idle deadline (done by the running pump, if any).
        self._pump()
        # Nothing paused and nothing that could pause reading (no body, few requests queued:
        # the common case): `_apply_backpressure` would do nothing.
        if (
            self._reading_paused
            or self._waiting_to_write
            or self._body is not None
            or len(self._pending) > self._pipeline_cap
        ):
            self._apply_backpressure()

    # --- Sender: how the current stream's response reaches the wire -------------------

    def send_response(
        self,
        status: int,
        headers: Headers,
        body: bytes,
        checked: bool = False,  # noqa: FBT001, FBT002 - positional on the hot path
    ) -> None:
        if self.disconnected:
            return
        state = self._state
        if state.shutting_down:
            self._conn.close_after_response()
        if state.alt_svc is not None:  # HTTP/3 is served: say where
            headers = [*headers, state.alt_svc]
        self._transport.write(self._conn.send_response(status, headers, body, checked))  # type: ignore[union-attr]

    def start_response(self, status: int, headers: Headers) -> None:
        if self.disconnected:
            return
        if self._state.shutting_down:
            self._conn.close_after_response()
        if self._state.alt_svc is not None:  # HTTP/3 is served: say where
            headers = [*headers, self._state.alt_svc]
        self._transport.write(self._conn.send_response(status, headers, None))  # type: ignore[union-attr]

    async def send_data(self, data: bytes) -> None:
        if self.disconnected:
            return
        self._transport.write(self._conn.send(ResponseBody(data, end=False)))  # type: ignore[union-attr]
        if self._write_paused:
            self._drained = drained = self._loop.create_future()
            await drained

    def end_response(self, trailers: Headers | None = None) -> None:  # noqa: ARG002 - HTTP/1.1 sends none
        if not self.disconnected:
            self._transport.write(self._conn.send(_END))  # type: ignore[union-attr]

    def reset(self) -> None:
        self._abort()

    def push(self, path: bytes, headers: Headers) -> bool:  # noqa: ARG002 - HTTP/2 only
        return False

    # --- helpers ---------------------------------------------------------------------------

    def _send_error(self, status: int, reason: str) -> None:
        if self._transport is None or self.disconnected:
            return
        self._transport.write(self._conn.send_error(status, reason))
        # The peer may still be sending what we refused.
        self._input_unread = True
        self._close()

    def _send_continue(self) -> None:
        if self._transport is not None and not self.disconnected:
            self._transport.write(self._conn.send(_CONTINUE))

    def _body_limit_for(self, head: RequestReceived) -> int:
        return self._app.body_limit_for_request(head, self._default_body_limit)

    # --- flow control, deadlines, shutdown ---------------------------------------------

    def _apply_backpressure(self) -> None:
        transport = self._transport
        if transport is None or self.disconnected:
            return
        buffered = self._body.buffered if self._body is not None else 0
        too_much = (
            self._waiting_to_write
            or len(self._pending) > self._pipeline_cap
            or buffered > self._config.read_buffer_high_water
        )
        if too_much and not self._reading_paused:
            self._reading_paused = True
            transport.pause_reading()
        elif not too_much and self._reading_paused:
            self._reading_paused = False
            transport.resume_reading()

    def _wake_writer(self) -> None:
        drained, self._drained = self._drained, None
        if drained is not None and not drained.done():
            drained.set_result(None)

    def _on_body_drained(self) -> None:
        if self._reading_paused:
            self._apply_backpressure()

    def _on_deadline(self, kind: int) -> None:
        if kind == _HEADER:
            self._on_header_timeout()
        elif kind == _WRITE:
            error_log.info("peer %s stopped reading: connection dropped", self._client)
            self._abort()
        elif kind == _LINGER:
            self._lingering = False
            if self._transport is not None:
                self._transport.close()
        else:  # keep-alive
            self._close()

    def _on_header_timeout(self) -> None:
        if self._task is not None or self.disconnected:
            return
        if self._conn.mid_request_head:
            self._send_error(408, "request header not received in time")
        else:
            self._close()

    def shutdown(self) -> None:
        """Graceful shutdown: idle connections close now, busy ones after their response."""
        if self._task is None and not self._pending and not self._waiting_to_write:
            self._close()
        else:
            self._conn.close_after_response()

    def _notify_stream(self) -> None:
        """`disconnected` just became true: the request in progress hears of it at once."""
        stream = self._stream
        if stream is not None and stream.on_disconnect is not None:
            stream.notify_disconnected()

    def _close(self) -> None:
        transport = self._transport
        if transport is None or self.disconnected:
            return
        self.disconnected = True
        self._notify_stream()
        if self._pending:
            self._pending.clear()
            self._input_unread = True
        if self._input_unread and not self._eof and self._config.linger_timeout > 0:
            # Shut our side (the peer sees the answer, then EOF) and drain theirs for a while.
            self._lingering = True
            if self._reading_paused:
                self._reading_paused = False
                transport.resume_reading()
            if transport.can_write_eof():
                transport.write_eof()
            self._deadline.arm(_LINGER, self._config.linger_timeout)
            return
        self._deadline.cancel()
        transport.close()

    def force_close(self) -> None:
        """End of the shutdown grace period: drop the connection, response or not."""
        self._abort()

    def _abort(self) -> None:
        self._deadline.cancel()
        self._lingering = False
        if self._transport is not None:
            self.disconnected = True
            self._notify_stream()
            self._transport.abort()
