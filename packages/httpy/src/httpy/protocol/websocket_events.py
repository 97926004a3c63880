"""What a WebSocket connection reports about the bytes it received (see websocket.py).

Events are immutable tuples, made per message, so they stay cheap.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = [
    "BytesMessage",
    "CloseReceived",
    "Ping",
    "Pong",
    "ProtocolViolation",
    "TextMessage",
    "WebSocketEvent",
]


class TextMessage(NamedTuple):
    """A whole text message (fragments joined, UTF-8 checked and decoded)."""

    data: str


class BytesMessage(NamedTuple):
    """A whole binary message (fragments joined)."""

    data: bytes


class Ping(NamedTuple):
    """The peer pinged; the pong is already queued in ``data_to_send()``."""

    payload: bytes


class Pong(NamedTuple):
    """The peer ponged (an answer to our ping, or unsolicited as a keep-alive)."""

    payload: bytes


class CloseReceived(NamedTuple):
    """The peer closed: with a Close frame (its code, 1005 when it gave none, and reason), or
    by ending the stream without one (1006, from ``receive_eof``). Our answering Close frame,
    if one is due, is already queued; the connection is closed."""

    code: int
    reason: str


class ProtocolViolation(NamedTuple):
    """The peer broke RFC 6455 or a limit (`code` 1002, 1007, 1009, or 1011 for a fault of
    ours): a Close frame with that code is queued (unless our own Close already went), the
    connection is closed and nothing more is read from it."""

    code: int
    reason: str


WebSocketEvent = TextMessage | BytesMessage | Ping | Pong | CloseReceived | ProtocolViolation
