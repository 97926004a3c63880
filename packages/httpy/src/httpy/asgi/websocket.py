"""One ASGI ``websocket`` scope's messages, mapped onto the server's WebSocketSession.

Spec 2.4: ``receive`` gives ``websocket.connect`` first, then ``websocket.receive`` (text or
bytes) until ``websocket.disconnect`` (code, reason), which it keeps giving. ``send`` takes
``websocket.accept`` (subprotocol, headers), ``websocket.send`` (text or bytes),
``websocket.close`` (before accepting: an HTTP 403) and the denial extension's
``websocket.http.response.start`` / ``.body`` (any HTTP response instead of the socket).
Messages out of order raise RuntimeError in the app; a send once the socket is closed raises
:class:`~httpy.exceptions.ClientDisconnectedError` (an OSError, as the spec asks).
"""

from __future__ import annotations

from enum import Enum, auto
from typing import TYPE_CHECKING, Any

from httpy.asgi.fields import response_body, response_headers, response_status
from httpy.exceptions import ClientDisconnectedError
from httpy.server.websocket import Closed

if TYPE_CHECKING:
    from httpy.asgi.types import Message
    from httpy.protocol.events import Headers
    from httpy.server.websocket import WebSocketSession

__all__ = ["WebSocketCycle"]


class _State(Enum):
    CONNECTING = auto()  # websocket.connect not yet received by the app
    HANDSHAKE = auto()  # the app must accept, close or deny
    DENYING = auto()  # websocket.http.response.start sent, the body follows
    OPEN = auto()
    CLOSED = auto()


class WebSocketCycle:
    """The app's `receive` and `send` for one WebSocket."""

    __slots__ = ("_denial", "_disconnect", "_session", "_state")

    def __init__(self, session: WebSocketSession) -> None:
        self._session = session
        self._state = _State.CONNECTING
        self._disconnect: Message | None = None
        self._denial: tuple[int, Headers, list[bytes]] | None = None

    async def receive(self) -> Message:
        state = self._state
        if state is _State.CONNECTING:
            self._state = _State.HANDSHAKE
            return {"type": "websocket.connect"}
        if state is _State.OPEN:
            message = await self._session.receive()
            if isinstance(message, Closed):
                return self._closed(message.code, message.reason)
            if isinstance(message, str):
                return {"type": "websocket.receive", "text": message}
            return {"type": "websocket.receive", "bytes": message}
        if state is _State.CLOSED:
            assert self._disconnect is not None  # noqa: S101
            return self._disconnect
        raise RuntimeError("accept or close the WebSocket before receiving messages")

    async def send(self, message: Message) -> None:
        kind = message.get("type")
        state = self._state
        if state is _State.OPEN:
            if kind == "websocket.send":
                if self._session.closed is not None:
                    raise ClientDisconnectedError("the WebSocket is closed")
                await self._session.send(_data(message))
                return
            if kind == "websocket.close":
                self._state = _State.CLOSED
                await self._session.close(_code(message), str(message.get("reason") or ""))
                self._closed(_code(message), str(message.get("reason") or ""))
                return
        elif state in (_State.CONNECTING, _State.HANDSHAKE):
            if kind == "websocket.accept":
                await self._accept(message)
                return
            if kind == "websocket.close":
                self._state = _State.CLOSED
                await self._session.close()  # before accepting: HTTP 403
                self._closed(1006, "")
                return
            if kind == "websocket.http.response.start":
                self._state = _State.DENYING
                self._denial = (
                    response_status(message),
                    response_headers(message.get("headers", ())),
                    [],
                )
                return
        elif state is _State.DENYING and kind == "websocket.http.response.body":
            assert self._denial is not None  # noqa: S101
            self._denial[2].append(response_body(message))
            if not message.get("more_body", False):
                status, headers, pieces = self._denial
                self._state = _State.CLOSED
                self._session.deny(status, headers, b"".join(pieces))
                self._closed(1006, "")
            return
        elif state is _State.CLOSED:
            raise ClientDisconnectedError("the WebSocket is closed")
        raise RuntimeError(f"unexpected ASGI message {kind!r} in state {state.name.lower()}")

    async def _accept(self, message: Message) -> None:
        subprotocol = message.get("subprotocol")
        if subprotocol is not None and not isinstance(subprotocol, str):
            raise TypeError(f"websocket.accept's subprotocol must be a str, got {subprotocol!r}")
        await self._session.accept(subprotocol, response_headers(message.get("headers", ())))
        if self._session.accepted:
            self._state = _State.OPEN
        else:  # the handshake was bad (refused with its status) or the origin not allowed
            self._state = _State.CLOSED
            self._closed(1006, "")

    def _closed(self, code: int, reason: str) -> Message:
        self._state = _State.CLOSED
        if self._disconnect is None:
            self._disconnect = {"type": "websocket.disconnect", "code": code, "reason": reason}
        return self._disconnect


def _data(message: Message) -> str | bytes:
    text: Any = message.get("text")
    data: Any = message.get("bytes")
    if text is not None:
        if not isinstance(text, str):
            raise TypeError(f"websocket.send's text must be a str, got {type(text).__name__}")
        return text
    if isinstance(data, bytes | bytearray | memoryview):
        return bytes(data)
    raise TypeError("websocket.send needs 'text' (str) or 'bytes' (bytes)")


def _code(message: Message) -> int:
    code = message.get("code", 1000)
    if not isinstance(code, int) or isinstance(code, bool):
        raise TypeError(f"websocket.close's code must be an int, got {code!r}")
    return code
