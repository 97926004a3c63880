"""Events shared by every wire protocol (HTTP/1.1 now; HTTP/2 and HTTP/3 later).

A protocol object turns received bytes into *request events* and turns *response events* into
bytes to send. Nothing here touches a socket. Events are immutable tuples: they are made for
every request, so they must be cheap.

Invariants:
- Header names are lower-case ``bytes``; values are ``bytes`` as received (no decoding).
- Per request, the order is ``RequestReceived``, zero or more ``RequestData``, then
  ``RequestEnded``; a ``ProtocolError`` may come at any point and ends the connection.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = [
    "Headers",
    "InformationalResponse",
    "ProtocolError",
    "RequestData",
    "RequestEnded",
    "RequestEvent",
    "RequestReceived",
    "ResponseBody",
    "ResponseEvent",
    "ResponseHead",
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


RequestEvent = RequestReceived | RequestData | RequestEnded | ProtocolError
ResponseEvent = InformationalResponse | ResponseHead | ResponseBody
