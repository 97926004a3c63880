"""Header fields over HTTP/2: what requests must satisfy beyond h2's checks, what responses may
carry (RFC 9113 §8.2), and the ``HTTP2-Settings`` header of an h2c upgrade (RFC 7540 §3.2.1).
HTTP/3 uses the same rules (RFC 9114 §4.3 follows RFC 9113) and so these helpers too.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from typing import Final

from httpy.protocol.events import Headers, RequestReceived
from httpy.protocol.rules import (
    check_outgoing_header,
    has_token,
    http_date,
    is_token,
    is_valid_host,
)

__all__ = [
    "BAD_TARGET_BYTE",
    "CONNECTION_SPECIFIC",
    "UPGRADE_ONLY",
    "InvalidUpgradeError",
    "decode_http2_settings",
    "malformed_fields",
    "outgoing_fields",
    "request_fault",
    "request_received",
    "split_request_fields",
    "target_fault",
]

# RFC 9113 §8.2.2: these mean something for one HTTP/1.1 hop only and never travel in HTTP/2.
CONNECTION_SPECIFIC: Final = frozenset(
    {b"connection", b"keep-alive", b"proxy-connection", b"transfer-encoding", b"upgrade"}
)
UPGRADE_ONLY: Final = CONNECTION_SPECIFIC | {b"http2-settings", b"te"}
BAD_TARGET_BYTE: Final = re.compile(rb"[\x00-\x20\x7f]")
_SETTINGS_LENGTH: Final = 6  # one SETTINGS entry: 16-bit id, 32-bit value
_FIELD_OVERHEAD: Final = 32  # RFC 9113 §6.5.2: each field counts 32 bytes beyond its octets


# RFC 9113 §8.2.1: a name has no bytes 0x00-0x20, A-Z, 0x7f-0xff, and no ':' but a leading one.
_FIELD_NAME: Final = re.compile(rb"[\x21-\x39\x3b-\x40\x5b-\x7e]+\Z")
# ... and a value no NUL, CR or LF, nor leading or trailing space or tab.
_BAD_FIELD_VALUE: Final = re.compile(rb"[\x00\r\n]|\A[ \t]|[ \t]\Z")
_REQUEST_PSEUDO: Final = frozenset({b":method", b":scheme", b":authority", b":path", b":protocol"})


def malformed_fields(  # noqa: PLR0911, PLR0912 - one pass, one reason per rule
    fields: Iterable[tuple[bytes, bytes]], *, trailers: bool = False
) -> str | None:
    """Why a request's (or its trailers') field block is malformed (RFC 9113 §8.2, §8.3),
    or None. In one pass with two regexes: h2's own check is a chain of seven generators
    per field, a fifth of a small request's time; h2 is told not to repeat it."""
    pseudo: set[bytes] = set()
    regular = False
    method = authority = host = path = None
    for name, value in fields:
        if name[:1] == b":":
            if trailers:
                return f"pseudo-header {name!r} in trailers"
            if regular:
                return f"pseudo-header {name!r} after a regular field"
            if name not in _REQUEST_PSEUDO:
                return f"unknown pseudo-header {name!r}"
            if name in pseudo:
                return f"duplicate pseudo-header {name!r}"
            pseudo.add(name)
            if name == b":method":
                method = value
            elif name == b":authority":
                authority = value
            elif name == b":path":
                path = value
            bare = name[1:]
        else:
            regular = True
            bare = name
            if name in CONNECTION_SPECIFIC:
                return f"connection-specific field {name!r}"
            if name == b"te" and value.lower() != b"trailers":
                return "TE other than trailers"
            if name == b"host":
                if host is not None:
                    return "more than one host field"
                host = value
        if not _FIELD_NAME.match(bare):
            return f"invalid field name {name!r}"
        if value and _BAD_FIELD_VALUE.search(value):
            return f"invalid value of {name!r}"
    if trailers:
        return None
    if method is None:
        return "no :method"
    if method == b"CONNECT" and b":protocol" not in pseudo:
        if b":scheme" in pseudo or path is not None:
            return "CONNECT with :scheme or :path"
    else:
        if b":scheme" not in pseudo or not path:
            return "no :scheme or no :path"
        if b":protocol" in pseudo and method != b"CONNECT":
            return ":protocol outside CONNECT"
    if authority is None and host is None:
        return "no :authority and no host"
    if authority is not None and host is not None and authority != host:
        return ":authority and host differ"
    return None


class InvalidUpgradeError(ValueError):
    """The ``HTTP2-Settings`` header of an h2c upgrade is not valid: answer 400 over HTTP/1.1."""


def split_request_fields(
    fields: Iterable[tuple[bytes, bytes]],
) -> tuple[dict[bytes, bytes], Headers, int]:
    """(pseudo-headers, regular fields, header list size) of a decoded request block.

    A cookie split into several fields (RFC 9113 §8.2.3, RFC 9114 §4.2.1) is one field again,
    its pieces joined by "; ", after the other fields."""
    pseudo: dict[bytes, bytes] = {}
    headers: Headers = []
    cookies: list[bytes] = []
    size = 0
    for name, value in fields:
        size += len(name) + len(value) + _FIELD_OVERHEAD
        if name[:1] == b":":
            pseudo[name] = value
        elif name == b"cookie":
            cookies.append(value)
        else:
            headers.append((name, value))
    if cookies:
        headers.append((b"cookie", b"; ".join(cookies)))
    return pseudo, headers, size


def request_fault(
    method: bytes, target: bytes, authority: bytes, headers: Headers
) -> tuple[int, str] | None:
    """The status that refuses a request h2 let through, or None when it is acceptable.

    h2 has already checked the pseudo-headers' presence, order and uniqueness, field names
    (lower-case, legal bytes), values (no NUL, CR, LF, no surrounding space),
    connection-specific fields, TE, content-length syntax, and that :authority and host agree.
    """
    if not is_token(method):
        return 400, "invalid :method"
    if method == b"CONNECT":
        return 501, "CONNECT is not supported"
    if BAD_TARGET_BYTE.search(target) or not (
        target[:1] == b"/" or (target == b"*" and method == b"OPTIONS")
    ):
        return 400, "invalid :path"
    if not is_valid_host(authority) or any(
        n == b"host" and not is_valid_host(v) for n, v in headers
    ):
        return 400, "invalid :authority or host"
    return None


def target_fault(
    pseudo: dict[bytes, bytes], authority: bytes, headers: Headers, *, extended_connect: bool
) -> tuple[bytes, tuple[int, str] | None]:
    """(the protocol an extended CONNECT asks for, or b""; what refuses the request)."""
    method = pseudo.get(b":method", b"")
    target = pseudo.get(b":path", b"")
    if method == b"CONNECT" and b":protocol" in pseudo and extended_connect:
        # RFC 8441 (RFC 9220 on HTTP/3): the stream becomes a WebSocket; :path is its target.
        upgrade = pseudo[b":protocol"].lower()
        if upgrade != b"websocket":
            return upgrade, (501, f"CONNECT for {upgrade!r} is not served")
        return upgrade, request_fault(b"GET", target, authority, headers)
    return b"", request_fault(method, target, authority, headers)


def request_received(  # noqa: PLR0913 - keyword-only after the fields
    pseudo: dict[bytes, bytes],
    headers: Headers,
    *,
    authority: bytes,
    stream_id: int,
    http_version: str,
    upgrade: bytes,
) -> RequestReceived:
    """The head event of an accepted request; a ``host`` field is added from :authority."""
    if b":authority" in pseudo and not any(n == b"host" for n, _ in headers):
        headers.insert(0, (b"host", authority))
    length = next((int(v) for n, v in headers if n == b"content-length"), None)
    expect = any(n == b"expect" and has_token(v, b"100-continue") for n, v in headers)
    return RequestReceived(
        method=pseudo.get(b":method", b"").decode("ascii"),
        target=pseudo.get(b":path", b""),
        headers=headers,
        http_version=http_version,
        keep_alive=True,
        expect_continue=expect,
        content_length=length,
        stream_id=stream_id,
        upgrade=upgrade,
    )


def outgoing_fields(
    headers: Iterable[tuple[bytes, bytes]], *, response: bool = False, server: bytes | None = None
) -> Headers:
    """Lower-case, checked fields without connection-specific ones; a response also gets
    ``date`` and (when `server` is given) ``server`` unless it has its own."""
    out: Headers = []
    has_date = has_server = False
    for raw_name, value in headers:
        name = raw_name.lower()
        check_outgoing_header(name, value)
        if name in CONNECTION_SPECIFIC or (name == b"te" and value.lower() != b"trailers"):
            continue
        has_date = has_date or name == b"date"
        has_server = has_server or name == b"server"
        out.append((name, value))
    if response:
        if not has_date:
            out.append((b"date", http_date()))
        if not has_server and server is not None:
            out.append((b"server", server))
    return out


def decode_http2_settings(value: bytes) -> bytes:
    """The SETTINGS payload in an ``HTTP2-Settings`` header (base64url, padding optional)."""
    token = value.strip()
    try:
        payload = base64.b64decode(token + b"=" * (-len(token) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidUpgradeError("HTTP2-Settings is not base64url") from exc
    if len(payload) % _SETTINGS_LENGTH:
        raise InvalidUpgradeError("HTTP2-Settings is not a whole number of settings")
    return payload
