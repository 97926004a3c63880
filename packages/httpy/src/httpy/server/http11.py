"""asyncio glue for HTTP/1.x: socket bytes into the sans-IO connection, responses out.

One :class:`HTTP11Protocol` per accepted connection. Requests are answered one at a time in
arrival order; pipelined requests wait in ``_pending``. Reading pauses when too much is
waiting (pipelined requests or unread body bytes), writing waits when the socket's buffer
is full, and every wait a client controls has a deadline from the Config.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections import deque
from typing import TYPE_CHECKING, cast

from httpy.body import BodyChannel
from httpy.protocol.events import (
    InformationalResponse,
    ProtocolError,
    RequestData,
    RequestEnded,
    RequestEvent,
    RequestReceived,
    ResponseBody,
    ResponseHead,
)
from httpy.protocol.http11 import HTTP11Connection, Limits
from httpy.requests import Request

if TYPE_CHECKING:
    from httpy.application import App
    from httpy.config import Config
    from httpy.responses import Response
    from httpy.server.serve import ServerState

__all__ = ["HTTP11Protocol"]

access_log = logging.getLogger("httpy.access")
error_log = logging.getLogger("httpy.error")

_CONTINUE = InformationalResponse(100)
_NO_DEADLINE = 0
_HEADER_DEADLINE = 1
_KEEP_ALIVE_DEADLINE = 2


class HTTP11Protocol(asyncio.Protocol):
    def __init__(self, app: App, config: Config, state: ServerState) -> None:
        self._app = app
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
        self._body: BodyChannel | None = None
        self._task: asyncio.Task[None] | None = None
        # One lazy timer serves every deadline: arming one per request is a float store,
        # and the timer re-arms itself when it fires before the current deadline.
        self._timer: asyncio.TimerHandle | None = None
        self._timer_when = 0.0
        self._deadline = 0.0
        self._deadline_kind = _NO_DEADLINE
        self._pumping = False
        self._eof = False
        self._reading_paused = False
        self._writable = asyncio.Event()
        self._writable.set()
        self._closed = False

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
        self._state.connections.add(self)
        # A new connection must deliver a request head before the header deadline.
        self._arm(_HEADER_DEADLINE, self._config.header_timeout)

    def connection_lost(self, exc: Exception | None) -> None:  # noqa: ARG002 - asyncio's signature
        self._closed = True
        self._state.forget(self)
        self._cancel_timer()
        if self._body is not None:
            self._body.disconnect()
        self._writable.set()

    def data_received(self, data: bytes) -> None:
        if self._deadline_kind == _KEEP_ALIVE_DEADLINE:
            # The first bytes of the next request: from now on the header deadline runs.
            self._arm(_HEADER_DEADLINE, self._config.header_timeout)
        try:
            events = self._conn.receive_data(data)
        except Exception:  # noqa: BLE001 - the app's body_limit_for hook failed
            error_log.exception("could not route a request to find its body limit")
            self._send_error(500, "Internal Server Error")
            return
        if events:
            self._pending.extend(events)
            self._pump()
        self._apply_backpressure()

    def eof_received(self) -> bool | None:
        self._eof = True
        if self._body is not None:
            self._body.disconnect()
        # Keep the socket open to finish the response in progress; close after it.
        return self._task is not None or bool(self._pending)

    def pause_writing(self) -> None:
        self._writable.clear()

    def resume_writing(self) -> None:
        self._writable.set()

    # --- request dispatch --------------------------------------------------------------

    def _pump(self) -> None:
        """Hand queued events to the request in progress, or start the next request."""
        if self._pumping:
            return  # a response finished inside _start; the running loop continues
        self._pumping = True
        try:
            self._pump_events()
        finally:
            self._pumping = False
        if self._task is None and not self._closed:
            self._arm_idle_deadline()

    def _arm_idle_deadline(self) -> None:
        """No request in progress: wait for the rest of a head, or idle until keep-alive ends."""
        if self._conn.mid_request_head:
            self._arm(_HEADER_DEADLINE, self._config.header_timeout)
        elif not self._pending:
            self._arm(_KEEP_ALIVE_DEADLINE, self._config.keep_alive_timeout)

    def _pump_events(self) -> None:
        pending = self._pending
        while pending:
            event = pending[0]
            kind = type(event)
            if kind is RequestReceived:
                if self._task is not None:
                    return  # answered after the current response: order is preserved
                pending.popleft()
                # A request whose end is already here with no data (most GETs) needs no
                # body channel at all.
                bodiless = bool(pending) and type(pending[0]) is RequestEnded
                if bodiless:
                    pending.popleft()
                self._start(event, bodiless=bodiless)  # type: ignore[arg-type]
            elif kind is RequestData:
                pending.popleft()
                if self._body is not None:
                    self._body.feed(event.data)  # type: ignore[union-attr]
            elif kind is RequestEnded:
                pending.popleft()
                if self._body is not None:
                    self._body.end()
                    self._body = None
            else:  # ProtocolError
                assert isinstance(event, ProtocolError)  # noqa: S101
                if self._body is not None:
                    # The request in progress lost its body (too large, bad chunk): its
                    # handler sees the error when it reads; its response ends the connection.
                    pending.popleft()
                    self._body.fail(event.status, event.reason)
                    self._body = None
                    self._conn.close_after_response()
                    continue
                if self._task is not None:
                    return  # belongs after the current response
                pending.clear()
                self._send_error(event.status, event.reason)
                return

    def _start(self, head: RequestReceived, *, bodiless: bool) -> None:
        self._deadline_kind = _NO_DEADLINE
        body = None
        if not bodiless:
            body = BodyChannel(
                timeout=self._config.body_timeout or None,
                on_first_read=self._send_continue if head.expect_continue else None,
                on_drained=self._on_body_drained,
            )
        self._body = body
        request = Request(
            head.method,
            head.target,
            head.headers,
            http_version=head.http_version,
            scheme=self._scheme,
            client=self._client,
            server=self._server,
            body=body,
        )
        coroutine = self._respond(request)
        if sys.version_info >= (3, 12):
            # Eager: a handler that never waits finishes right here, without a trip through
            # the loop, yet still inside a real Task (asyncio.timeout, TaskGroup work).
            task = asyncio.Task(coroutine, loop=self._loop, eager_start=True)
            if task.done():
                self._on_task_done(task)
                return
        else:
            task = self._loop.create_task(coroutine)
        self._task = task
        task.add_done_callback(self._on_task_done)

    def _on_task_done(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            error_log.error("response failed", exc_info=task.exception())
            self._abort()

    async def _respond(self, request: Request) -> None:
        started = time.perf_counter() if self._config.access_log else 0.0
        try:
            response = await self._app.handle(request)
            if self._closed:
                return
            try:
                sent = await self._write_response(response)
            except Exception:  # noqa: BLE001 - logged; the client gets a 500, not a hang
                # A response the protocol refuses (bad header, body longer than its length).
                error_log.exception(
                    "could not send the response to %s %s", request.method, request.path
                )
                self._send_error(500, "Internal Server Error")
                return
        finally:
            request.close()  # uploaded files spooled to disk go now, not at GC
        if self._config.access_log:
            self._log_access(request, response.status_code, sent, started)
        self._after_response()

    async def _write_response(self, response: Response) -> int:
        conn = self._conn
        transport = self._transport
        assert transport is not None  # noqa: S101
        if self._state.shutting_down:
            conn.close_after_response()
        headers = response.headers.raw
        if not response.streaming:
            body = response.body
            transport.write(conn.send_response(response.status_code, headers, body, checked=True))
            return len(body)
        transport.write(conn.send(ResponseHead(response.status_code, headers)))
        if request_method_is_head(conn):
            transport.write(conn.send(ResponseBody(b"", end=True)))
            return 0
        sent = 0
        chunks = response.stream_body()  # type: ignore[attr-defined]
        try:
            async for chunk in chunks:
                if self._closed:
                    break
                if chunk:
                    transport.write(conn.send(ResponseBody(chunk, end=False)))
                    sent += len(chunk)
                if not self._writable.is_set():
                    await self._writable.wait()
        finally:
            await chunks.aclose()
        if not self._closed:
            transport.write(conn.send(ResponseBody(b"", end=True)))
        return sent

    def _after_response(self) -> None:
        self._task = None
        if self._body is not None and not self._body.complete:
            # The handler left body bytes unread; the protocol already decided to close.
            self._body = None
        if self._conn.should_close or self._state.shutting_down or self._eof:
            self._close()
            return
        # Next pipelined request, or the idle deadline (done by the running pump, if any).
        self._pump()
        self._apply_backpressure()

    def _send_error(self, status: int, reason: str) -> None:
        if self._transport is None or self._closed:
            return
        self._transport.write(self._conn.send_error(status, reason))
        self._close()

    def _send_continue(self) -> None:
        if self._transport is not None and not self._closed:
            self._transport.write(self._conn.send(_CONTINUE))

    def _log_access(self, request: Request, status: int, sent: int, started: float) -> None:
        client = f"{self._client[0]}:{self._client[1]}" if self._client else "-"
        target = request.raw_path.decode("latin-1")
        if request.query_string:
            target += "?" + request.query_string.decode("latin-1")
        access_log.info(
            '%s - "%s %s HTTP/%s" %d %d %.2fms',
            client,
            request.method,
            target,
            request.http_version,
            status,
            sent,
            (time.perf_counter() - started) * 1000,
        )

    def _body_limit_for(self, head: RequestReceived) -> int:
        path = Request(head.method, head.target, head.headers).path
        return self._app.body_limit_for(head.method, path, self._default_body_limit)

    # --- flow control, deadlines, shutdown ---------------------------------------------

    def _apply_backpressure(self) -> None:
        transport = self._transport
        if transport is None or self._closed:
            return
        buffered = self._body.buffered if self._body is not None else 0
        too_much = (
            len(self._pending) > self._config.max_pipelined_requests * 3
            or buffered > self._config.read_buffer_high_water
        )
        if too_much and not self._reading_paused:
            self._reading_paused = True
            transport.pause_reading()
        elif not too_much and self._reading_paused:
            self._reading_paused = False
            transport.resume_reading()

    def _on_body_drained(self) -> None:
        if self._reading_paused:
            self._apply_backpressure()

    def _arm(self, kind: int, delay: float) -> None:
        if delay <= 0:
            self._deadline_kind = _NO_DEADLINE
            return
        self._deadline_kind = kind
        self._deadline = deadline = self._loop.time() + delay
        if self._timer is None or self._timer_when > deadline:
            if self._timer is not None:
                self._timer.cancel()
            self._timer_when = deadline
            self._timer = self._loop.call_at(deadline, self._on_deadline)

    def _cancel_timer(self) -> None:
        self._deadline_kind = _NO_DEADLINE
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _on_deadline(self) -> None:
        self._timer = None
        kind = self._deadline_kind
        if kind == _NO_DEADLINE or self._closed:
            return
        if self._loop.time() < self._deadline:
            self._timer_when = self._deadline
            self._timer = self._loop.call_at(self._deadline, self._on_deadline)
            return
        self._deadline_kind = _NO_DEADLINE
        if kind == _KEEP_ALIVE_DEADLINE:
            self._close()
        else:
            self._on_header_timeout()

    def _on_header_timeout(self) -> None:
        if self._task is not None or self._closed:
            return
        if self._conn.mid_request_head:
            self._send_error(408, "request header not received in time")
        else:
            self._close()

    def shutdown(self) -> None:
        """Graceful shutdown: idle connections close now, busy ones after their response."""
        if self._task is None and not self._pending:
            self._close()
        else:
            self._conn.close_after_response()

    def _close(self) -> None:
        self._cancel_timer()
        if self._transport is not None and not self._closed:
            self._closed = True
            self._transport.close()

    def force_close(self) -> None:
        """End of the shutdown grace period: drop the connection, response or not."""
        self._abort()

    def _abort(self) -> None:
        self._cancel_timer()
        if self._transport is not None:
            self._closed = True
            self._transport.abort()

    @property
    def busy(self) -> bool:
        return self._task is not None


def request_method_is_head(conn: HTTP11Connection) -> bool:
    request = conn.current_request
    return request is not None and request.method == "HEAD"
