"""The socket after an HTTP/1.1 ``Upgrade: websocket``: one WebSocket's carrier.

The HTTP/1.1 connection hands its transport to :class:`WebSocketOverHTTP11` as soon as a
WebSocket request arrives (a client sends nothing more until the ``101``), then the app
decides: ``accept`` writes the ``101``, a refusal is an ordinary HTTP/1.1 response that ends
the connection. Writes wait below ``ws_write_buffer`` bytes: a slow reader slows its sender.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from httpy.protocol.events import Headers
    from httpy.protocol.http11 import HTTP11Connection
    from httpy.server.state import ServerState
    from httpy.server.websocket import WebSocketSession

__all__ = ["WebSocketOverHTTP11"]

_SWITCHING = b"HTTP/1.1 101 Switching Protocols\r\n"


class WebSocketOverHTTP11(asyncio.Protocol):
    """A Carrier over a whole socket, and the server's Connection for it."""

    def __init__(
        self,
        conn: HTTP11Connection,
        transport: asyncio.BaseTransport,
        state: ServerState,
        write_buffer: int,
    ) -> None:
        # The HTTP/1.1 side formats a refusal; its pending response slot is this request's.
        self._conn = conn
        self._transport = cast("asyncio.Transport", transport)
        self._transport.set_write_buffer_limits(high=write_buffer)
        self._state = state
        self._writable = asyncio.Event()
        self._writable.set()
        self._closed = False
        self.session: WebSocketSession | None = None
        #: The handler's task, kept here so it lives as long as the socket.
        self.task: asyncio.Task[None] | None = None

    # --- Carrier ---------------------------------------------------------------------------

    def send_handshake(self, headers: Headers) -> None:
        lines = [_SWITCHING, *(b"%s: %s\r\n" % (name, value) for name, value in headers), b"\r\n"]
        self._transport.write(b"".join(lines))

    def send_denial(self, status: int, headers: Headers, body: bytes) -> None:
        if not self._closed:
            self._transport.write(self._conn.send_response(status, headers, body))
            self.close()

    async def write(self, data: bytes) -> None:
        if self._closed or not data:
            return
        self._transport.write(data)
        if not self._writable.is_set():
            await self._writable.wait()

    def pause_reading(self) -> None:
        if not self._closed:
            self._transport.pause_reading()

    def resume_reading(self) -> None:
        if not self._closed:
            self._transport.resume_reading()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._transport.close()

    # --- asyncio.Protocol ----------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if self.session is not None:
            self.session.feed(data)

    def eof_received(self) -> bool | None:
        if self.session is not None:
            self.session.feed_eof()
        return None  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:  # noqa: ARG002 - asyncio's signature
        self._closed = True
        self._state.forget(self)
        self._writable.set()
        if self.session is not None:
            self.session.feed_eof()

    def pause_writing(self) -> None:
        self._writable.clear()

    def resume_writing(self) -> None:
        self._writable.set()

    # --- the server's Connection -----------------------------------------------------------

    def shutdown(self) -> None:
        if self.session is not None:
            self.session.going_away()

    def force_close(self) -> None:
        self._closed = True
        self._transport.abort()
