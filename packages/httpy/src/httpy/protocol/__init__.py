"""Sans-IO wire protocols, one module each, all speaking the events in `events`."""

from httpy.protocol.http2 import HTTP2Connection, InvalidUpgradeError
from httpy.protocol.http2_limits import HTTP2Limits
from httpy.protocol.http11 import HTTP11Connection, Limits, LocalProtocolError
from httpy.protocol.websocket import WebSocketClosedError, WebSocketConnection, WebSocketState
from httpy.protocol.websocket_deflate import Deflate
from httpy.protocol.websocket_events import (
    BytesMessage,
    CloseReceived,
    Ping,
    Pong,
    ProtocolViolation,
    TextMessage,
    WebSocketEvent,
)
from httpy.protocol.websocket_handshake import HandshakeError, accept_headers, offered_subprotocols
from httpy.protocol.websocket_limits import WebSocketLimits

__all__ = [
    "BytesMessage",
    "CloseReceived",
    "Deflate",
    "HTTP2Connection",
    "HTTP2Limits",
    "HTTP11Connection",
    "HandshakeError",
    "InvalidUpgradeError",
    "Limits",
    "LocalProtocolError",
    "Ping",
    "Pong",
    "ProtocolViolation",
    "TextMessage",
    "WebSocketClosedError",
    "WebSocketConnection",
    "WebSocketEvent",
    "WebSocketLimits",
    "WebSocketState",
    "accept_headers",
    "offered_subprotocols",
]
