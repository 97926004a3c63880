"""The fields of ASGI response messages (status, headers, body), read and checked alike for
``http.response.*`` and the WebSocket denial's ``websocket.http.response.*``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from httpy.asgi.types import Message
    from httpy.protocol.events import Headers

__all__ = ["response_body", "response_headers", "response_status"]


def response_status(message: Message) -> int:
    status = message.get("status")
    if type(status) is int:
        return status
    # An IntEnum such as HTTPStatus.OK is an int too; True is not a status.
    if isinstance(status, int) and not isinstance(status, bool):
        return int(status)
    raise TypeError(f"a response start message needs an int 'status', got {status!r}")


def response_headers(headers: Any) -> Headers:
    """ASGI headers (an iterable of byte pairs) as the stream's list of tuples. The wire
    protocols check every field and lower-case names where the protocol needs it."""
    out: Headers = []
    append = out.append
    for pair in headers:
        name, value = pair
        if type(name) is not bytes or type(value) is not bytes:
            if not isinstance(name, bytes | bytearray) or not isinstance(value, bytes | bytearray):
                raise TypeError(f"ASGI header names and values must be bytes, got {pair!r}")
            append((bytes(name), bytes(value)))
        elif type(pair) is tuple:
            append(pair)  # immutable and checked: kept, not rebuilt
        else:
            append((name, value))
    return out


def response_body(message: Message) -> bytes:
    body = message.get("body", b"")
    if type(body) is bytes:
        return body
    if isinstance(body, bytearray | memoryview):
        return bytes(body)
    raise TypeError(f"a response body message needs a bytes 'body', got {type(body).__name__}")
