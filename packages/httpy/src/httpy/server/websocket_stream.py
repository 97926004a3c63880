"""A WebSocket carried on one request stream (RFC 8441 on HTTP/2, RFC 9220 on HTTP/3).

After an extended CONNECT, the stream's DATA is the WebSocket's bytes both ways. The carrier
feeds the session what the stream's body channel brings (acknowledged to the peer as it is
read, so flow control bounds what waits) and writes frames as response data; the handshake
is a ``200`` head, a refusal a whole response.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Protocol

from httpy.exceptions import ClientDisconnectedError, HTTPException
from httpy.server.websocket import serve_session

if TYPE_CHECKING:
    from httpy.body import BodyChannel
    from httpy.protocol.events import Headers
    from httpy.server.stream import Stream, StreamApp
    from httpy.server.websocket import WebSocketSession

__all__ = ["CarriedStream", "StreamCarrier"]


class CarriedStream(Protocol):
    """What a connection module's per-stream Sender offers the carrier."""

    @property
    def body(self) -> BodyChannel | None: ...

    @property
    def closed(self) -> bool: ...

    @property
    def stream(self) -> Stream | None: ...

    def send_response(
        self,
        status: int,
        headers: Headers,
        body: bytes,
        checked: bool = False,  # noqa: FBT001, FBT002 - as Sender has it
    ) -> None: ...

    def start_response(self, status: int, headers: Headers) -> None: ...

    async def send_data(self, data: bytes) -> None: ...

    def end_response(self, trailers: Headers | None = None) -> None: ...


class StreamCarrier:
    """A Carrier over one stream: the WebSocket's frames are the stream's DATA."""

    __slots__ = ("_io", "_resumed")

    def __init__(self, io: CarriedStream) -> None:
        self._io = io
        self._resumed: asyncio.Event | None = None  # set while reading may go on

    async def run(self, app: StreamApp, session: WebSocketSession) -> None:
        """Feed the session what the stream brings (acknowledged as read), run the app."""
        reader = asyncio.get_running_loop().create_task(self._read(session))
        try:
            await serve_session(app, session)
        finally:
            reader.cancel()

    async def _read(self, session: WebSocketSession) -> None:
        body = self._io.body
        assert body is not None  # noqa: S101
        try:
            while True:
                if self._resumed is not None:
                    await self._resumed.wait()
                chunk = await body.receive()
                if chunk is None:
                    break
                session.feed(chunk)
        except (ClientDisconnectedError, HTTPException):
            pass  # the stream was reset or ended badly: the socket ends below
        session.feed_eof()

    def send_handshake(self, headers: Headers) -> None:
        self._io.start_response(200, headers)

    def send_denial(self, status: int, headers: Headers, body: bytes) -> None:
        self._io.send_response(status, headers, body)

    async def write(self, data: bytes) -> None:
        await self._io.send_data(data)

    def pause_reading(self) -> None:
        if self._resumed is None:
            self._resumed = asyncio.Event()

    def resume_reading(self) -> None:
        resumed, self._resumed = self._resumed, None
        if resumed is not None:
            resumed.set()

    def close(self) -> None:
        if not self._io.closed and self._io.stream is None:
            self._io.end_response()
