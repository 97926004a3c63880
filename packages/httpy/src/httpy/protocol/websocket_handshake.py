"""The server's half of the WebSocket opening handshake, for both ways of opening one.

HTTP/1.1 (RFC 6455 §4.2): ``GET`` with ``Upgrade: websocket``, ``Connection: upgrade``, a
``Sec-WebSocket-Key`` of 16 base64 bytes and ``Sec-WebSocket-Version: 13``, answered ``101``
with ``Sec-WebSocket-Accept``. HTTP/2 (RFC 8441 §4-5): extended ``CONNECT`` with
``:protocol: websocket`` and ``Sec-WebSocket-Version: 13``, no key, answered ``200``. The caller
passes the request's header fields as received; HTTP/2 callers include the pseudo-headers
(``:method``, ``:protocol``, ...), whose presence selects RFC 8441's rules. The status line is
the caller's; `accept_headers` builds the header fields that go with it.

Invariants:
- A request that is not a valid WebSocket opening raises `HandshakeError` with the status to
  answer (400, or 426 with ``Sec-WebSocket-Version: 13`` for an unknown version) and the
  headers to add; nothing is negotiated for it.
- A local mistake (a subprotocol the client did not offer, an extra header that would
  override the handshake's own, or one that is malformed) raises ``ValueError``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable
from typing import Final

from httpy.protocol.events import Headers
from httpy.protocol.rules import check_outgoing_header, has_token
from httpy.protocol.websocket_deflate import Deflate, ExtensionHeaderError, negotiate_deflate

__all__ = ["HandshakeError", "accept_headers", "accept_key", "offered_subprotocols"]

_GUID: Final = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 §1.3
_VERSION: Final = b"13"
_KEY_BYTES: Final = 16
# Headers the handshake itself sets: an application's extra headers may not override them.
_RESERVED: Final = frozenset(
    {
        b"upgrade",
        b"connection",
        b"sec-websocket-accept",
        b"sec-websocket-protocol",
        b"sec-websocket-extensions",
        b"sec-websocket-version",
        b"content-length",
        b"transfer-encoding",
    }
)


class HandshakeError(ValueError):
    """The request is not a valid WebSocket opening: answer `status` with `headers` added."""

    def __init__(self, status: int, message: str, headers: Headers | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers: Headers = headers or []


def accept_key(key: bytes) -> bytes:
    """``Sec-WebSocket-Accept`` for a ``Sec-WebSocket-Key`` (RFC 6455 §4.2.2 step 5.4)."""
    return base64.b64encode(hashlib.sha1(key + _GUID).digest())  # noqa: S324 (the RFC's hash)


def _values(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> list[bytes]:
    return [value for field, value in headers if field.lower() == name]


def _single(headers: Headers, name: bytes) -> bytes | None:
    values = _values(headers, name)
    if len(values) > 1:
        raise HandshakeError(400, f"more than one {name.decode()} header")
    return values[0].strip() if values else None


def offered_subprotocols(request_headers: Headers) -> list[str]:
    """The subprotocols the client offered (``Sec-WebSocket-Protocol``), in its order."""
    offered: list[str] = []
    for value in _values(request_headers, b"sec-websocket-protocol"):
        offered.extend(item.strip().decode("latin-1") for item in value.split(b",") if item.strip())
    return offered


def _check_http11(headers: Headers) -> bytes:
    """The accept value for a valid HTTP/1.1 upgrade request."""
    if not any(has_token(value, b"websocket") for value in _values(headers, b"upgrade")):
        raise HandshakeError(400, "missing Upgrade: websocket")
    if not any(has_token(value, b"upgrade") for value in _values(headers, b"connection")):
        raise HandshakeError(400, "missing Connection: upgrade")
    key = _single(headers, b"sec-websocket-key")
    if key is None:
        raise HandshakeError(400, "missing Sec-WebSocket-Key")
    try:
        raw = base64.b64decode(key, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise HandshakeError(400, "Sec-WebSocket-Key is not base64") from exc
    if len(raw) != _KEY_BYTES:
        raise HandshakeError(400, "Sec-WebSocket-Key is not 16 bytes")
    return accept_key(key)


def _check_http2(headers: Headers) -> None:
    if _single(headers, b":method") != b"CONNECT":
        raise HandshakeError(400, "a WebSocket over HTTP/2 opens with an extended CONNECT")
    if _single(headers, b":protocol") != b"websocket":
        raise HandshakeError(400, ":protocol must be websocket")
    # RFC 8441 §5: the HTTP/1.1 handshake's key and accept values are not used.
    if _values(headers, b"sec-websocket-key"):
        raise HandshakeError(400, "Sec-WebSocket-Key is not used over HTTP/2")


def accept_headers(
    request_headers: Headers,
    subprotocol: str | None = None,
    extra_headers: Iterable[tuple[bytes, bytes]] = (),
    *,
    permessage_deflate: bool = True,
) -> tuple[Headers, Deflate | None]:
    """The response header fields that accept the WebSocket request, and the agreed
    permessage-deflate parameters (None: messages are not compressed).

    `subprotocol` must be one the client offered (or None); `permessage_deflate` False
    declines compression even when the client offers it.
    """
    http2 = any(name[:1] == b":" for name, _ in request_headers)
    accept = None
    if http2:
        _check_http2(request_headers)
    else:
        accept = _check_http11(request_headers)
    version = _single(request_headers, b"sec-websocket-version")
    if version != _VERSION:
        raise HandshakeError(
            426 if version is not None else 400,
            "Sec-WebSocket-Version must be 13",
            [(b"sec-websocket-version", _VERSION)],
        )
    if subprotocol is not None and subprotocol not in offered_subprotocols(request_headers):
        raise ValueError(f"subprotocol {subprotocol!r} was not offered by the client")

    headers: Headers = []
    if accept is not None:
        headers += [(b"upgrade", b"websocket"), (b"connection", b"Upgrade")]
        headers.append((b"sec-websocket-accept", accept))
    if subprotocol is not None:
        headers.append((b"sec-websocket-protocol", subprotocol.encode("latin-1")))
    agreed = None
    if permessage_deflate:
        try:
            negotiated = negotiate_deflate(_values(request_headers, b"sec-websocket-extensions"))
        except ExtensionHeaderError as exc:
            raise HandshakeError(400, str(exc)) from exc
        if negotiated is not None:
            value, agreed = negotiated
            headers.append((b"sec-websocket-extensions", value))
    for raw_name, value in extra_headers:
        name = raw_name.lower()
        check_outgoing_header(name, value)
        if name in _RESERVED:
            raise ValueError(f"{name.decode()} is set by the WebSocket handshake itself")
        headers.append((name, value))
    return headers, agreed
