"""WebSocket handlers: the ``httpy.WebSocket`` a route gets, and the event-class form.

Two ways to write a WebSocket route, registered with the same decorator::

    @app.websocket("/echo/{room}")
    async def echo(ws: httpy.WebSocket, room: str) -> None:
        await ws.accept()
        async for message in ws:          # str or bytes, until the client closes
            await ws.send_text(f"{room}: {message}")

    @app.websocket("/chat")
    class Chat(httpy.WebSocketEndpoint):
        encoding = "json"
        async def on_message(self, ws: httpy.WebSocket, data: Any) -> None:
            await ws.send_json(data)

The socket itself (framing, pings, limits, the close handshake) is the server's
:class:`~httpy.server.websocket.WebSocketSession`; this module only gives it a handler's API.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from httpy.requests import Request
from httpy.server.websocket import Closed

if TYPE_CHECKING:
    from httpy.datastructures import Headers, MultiDict
    from httpy.server.websocket import WebSocketSession

__all__ = ["WebSocket", "WebSocketDisconnect", "WebSocketEndpoint"]


class WebSocketDisconnect(Exception):  # noqa: N818 - the name users of Starlette know
    """The socket is closed (by the client, a limit or the server); `code` says why."""

    def __init__(self, code: int = 1000, reason: str = "") -> None:
        super().__init__(f"WebSocket closed with {code}" + (f": {reason}" if reason else ""))
        self.code = code
        self.reason = reason


class WebSocket:
    """One WebSocket connection as a handler sees it."""

    __slots__ = ("_request", "_session", "path_params", "state")

    def __init__(self, session: WebSocketSession, path_params: dict[str, Any]) -> None:
        self._session = session
        head = session.head
        self._request = Request(
            "GET",
            head.target,
            head.headers,
            http_version=head.http_version,
            scheme=session.scheme,
            client=session.client,
            server=session.server,
        )
        self.path_params = path_params
        self.state: dict[str, Any] = {}

    # --- the request that opened it ------------------------------------------------------

    @property
    def path(self) -> str:
        return self._request.path

    @property
    def url(self) -> str:
        return self._request.url

    @property
    def headers(self) -> Headers:
        return self._request.headers

    @property
    def query(self) -> MultiDict[str]:
        return self._request.query

    @property
    def cookies(self) -> dict[str, str]:
        return self._request.cookies

    @property
    def client(self) -> tuple[str, int] | None:
        return self._session.client

    @property
    def http_version(self) -> str:
        """``"1.1"`` (Upgrade) or ``"2"`` (extended CONNECT, RFC 8441)."""
        return self._session.head.http_version

    @property
    def subprotocols(self) -> list[str]:
        """What the client offered in ``Sec-WebSocket-Protocol``, in its order."""
        return self._session.offered_subprotocols

    @property
    def accepted(self) -> bool:
        return self._session.accepted

    # --- opening and closing ---------------------------------------------------------------

    async def accept(
        self, subprotocol: str | None = None, headers: Mapping[str, str] | None = None
    ) -> None:
        """Complete the handshake, choosing one of the offered `subprotocols` (or none)."""
        raw = [
            (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()
        ]
        await self._session.accept(subprotocol, raw)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the socket; before `accept`, refuse it (an HTTP 403 answer)."""
        await self._session.close(code, reason)

    # --- messages ----------------------------------------------------------------------------

    async def receive(self) -> str | bytes:
        """The next message; raises WebSocketDisconnect once the socket is closed."""
        message = await self._session.receive()
        if isinstance(message, Closed):
            raise WebSocketDisconnect(message.code, message.reason)
        return message

    async def receive_text(self) -> str:
        message = await self.receive()
        if not isinstance(message, str):
            raise TypeError("expected a text message, got a binary one")
        return message

    async def receive_bytes(self) -> bytes:
        message = await self.receive()
        if not isinstance(message, bytes):
            raise TypeError("expected a binary message, got a text one")
        return message

    async def receive_json(self) -> Any:
        message = await self.receive()
        return json.loads(message)

    async def send_text(self, data: str) -> None:
        """Send a text message; waits while the client is slow (the send queue is full)."""
        await self._session.send(data)

    async def send_bytes(self, data: bytes) -> None:
        await self._session.send(bytes(data))

    async def send_json(self, data: Any) -> None:
        await self._session.send(json.dumps(data, separators=(",", ":"), ensure_ascii=False))

    async def __aiter__(self) -> AsyncIterator[str | bytes]:
        """Every message until the client closes (a clean end, not an exception)."""
        while True:
            message = await self._session.receive()
            if isinstance(message, Closed):
                return
            yield message


class WebSocketEndpoint:
    """The event form of a WebSocket route: override what you need.

    ``on_connect`` accepts by default; ``on_message`` gets each message decoded as
    ``encoding`` says (``"text"``, ``"bytes"``, ``"json"`` or None for as sent);
    ``on_disconnect`` gets the close code; ``on_error`` gets what a handler raised (the socket
    then closes with 1011, or is refused with 500 before it was accepted).
    """

    encoding: ClassVar[Literal["text", "bytes", "json"] | None] = None

    async def on_connect(self, websocket: WebSocket) -> None:
        await websocket.accept()

    async def on_message(self, websocket: WebSocket, data: Any) -> None:
        """Called for each message."""

    async def on_disconnect(self, websocket: WebSocket, code: int) -> None:
        """Called once the socket is closed, whoever closed it."""

    async def on_error(self, websocket: WebSocket, error: Exception) -> None:
        """Called when a handler raised; the default only lets the socket close."""

    async def run(self, websocket: WebSocket) -> None:
        """The endpoint's life: connect, messages until the close, disconnect."""
        code = 1000
        try:
            await self.on_connect(websocket)
            if not websocket.accepted:
                return
            while True:
                try:
                    message = await websocket.receive()
                except WebSocketDisconnect as closed:
                    code = closed.code
                    break
                await self.on_message(websocket, self._decode(message))
        except Exception as error:
            code = 1011
            await self.on_error(websocket, error)
            raise
        finally:
            await self.on_disconnect(websocket, code)

    def _decode(self, message: str | bytes) -> Any:
        encoding = self.encoding
        if encoding is None:
            return message
        if encoding == "json":
            return json.loads(message)
        if encoding == "text":
            if not isinstance(message, str):
                raise TypeError("this endpoint takes text messages")
            return message
        if not isinstance(message, bytes):
            raise TypeError("this endpoint takes binary messages")
        return message
