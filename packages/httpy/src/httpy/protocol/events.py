"""Events shared by every wire protocol (HTTP/1.1 and HTTP/2; HTTP/3 later).

A protocol object turns received bytes into *request events* and turns *response events* into
bytes to send. Nothing here touches a socket. Events are immutable tuples: they are made for
every request, so they must be cheap.

Invariants:
- Header names are lower-case ``bytes``; values are ``bytes`` as received (no decoding).
- Per request, the order is ``RequestReceived``, zero or more ``RequestData``, then
  ``RequestEnded``; a ``ProtocolError`` may come at any point and ends the connection.
- HTTP/2 multiplexes: events of several streams interleave, each carries its ``stream_id``;
  there a ``ProtocolError`` with ``stream_id > 0`` ends only that stream (see protocol/http2.py).
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = [
    "ConnectionTerminated",
    "Event",
    "Headers",
    "InformationalResponse",
    "PriorityUpdated",
    "ProtocolError",
    "RequestData",
    "RequestEnded",
    "RequestEvent",
    "RequestReceived",
    "RequestTrailers",
    "ResponseBody",
    "ResponseEvent",
    "ResponseHead",
    "StreamReset",
    "WindowOpened",
]

Headers = list[tuple[bytes, bytes]]


class RequestReceived(NamedTuple):
    """A request's head: everything before its body."""

    method: str
    target: bytes
    headers: Headers
    http_version: str
    #: The client accepts that the connection stays open after the response.
    keep_alive: bool
    #: The client waits for ``100 Continue`` before sending the body.
    expect_continue: bool
    #: Body length when the client declared one; None for chunked or no body.
    content_length: int | None
    #: HTTP/2 and HTTP/3 stream; 0 on HTTP/1.x.
    stream_id: int = 0
    #: HTTP/1.1: the protocol the client asked to switch to (``Upgrade``), lower-cased; the
    #: server may take it (``h2c``) or answer over HTTP/1.1 and close.
    upgrade: bytes = b""


class RequestData(NamedTuple):
    data: bytes
    stream_id: int = 0


class RequestEnded(NamedTuple):
    stream_id: int = 0


class ProtocolError(NamedTuple):
    """The peer broke the protocol: answer ``status`` (if nothing was sent yet) and close."""

    status: int
    reason: str
    stream_id: int = 0


class InformationalResponse(NamedTuple):
    """A 1xx response, such as ``100 Continue``."""

    status: int
    headers: Headers = []  # noqa: RUF012 - NamedTuple defaults are never mutated here
    stream_id: int = 0


class ResponseHead(NamedTuple):
    status: int
    headers: Headers
    stream_id: int = 0


class ResponseBody(NamedTuple):
    data: bytes
    #: True on the last piece of the body.
    end: bool
    stream_id: int = 0


class RequestTrailers(NamedTuple):
    """Trailer fields that ended a request body (HTTP/1.1 chunked, HTTP/2, HTTP/3);
    ``RequestEnded`` follows. Stream 0 on HTTP/1.1."""

    headers: Headers
    stream_id: int


RequestEvent = RequestReceived | RequestData | RequestTrailers | RequestEnded | ProtocolError
ResponseEvent = InformationalResponse | ResponseHead | ResponseBody


# HTTP/2 adds these. Each names its stream; stream 0 means the whole connection.


class StreamReset(NamedTuple):
    """The peer cancelled the stream (RST_STREAM): stop its handler, send nothing more on it."""

    stream_id: int
    error_code: int


class WindowOpened(NamedTuple):
    """The peer opened its receive window: waiting response data may go on.

    ``stream_id`` 0 means the connection window (or the peer's initial window setting) changed,
    so every stream that waits may be able to send again.
    """

    stream_id: int


class ConnectionTerminated(NamedTuple):
    """The peer sent GOAWAY: no new streams from it; ours above ``last_stream_id`` are dropped."""

    error_code: int
    last_stream_id: int


class PriorityUpdated(NamedTuple):
    """RFC 9218 priority of a stream, from its ``priority`` header or a PRIORITY_UPDATE frame."""

    stream_id: int
    #: 0 (most urgent) to 7; 3 by default.
    urgency: int
    #: The response is useful piece by piece, so it may share bandwidth with others.
    incremental: bool


Event = RequestEvent | StreamReset | WindowOpened | ConnectionTerminated | PriorityUpdated
