"""Syntax rules of RFC 9110 that the server applies to what it receives and what it sends."""

from __future__ import annotations

import re
from email.utils import formatdate
from http import HTTPStatus
from time import time

__all__ = [
    "HeaderValueError",
    "check_outgoing_header",
    "forbidden_in_value",
    "has_token",
    "http_date",
    "is_token",
    "is_valid_host",
    "name_is_token",
    "reason_phrase",
]

# token = 1*tchar (RFC 9110 §5.6.2)
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# field-value may hold VCHAR, obs-text, SP and HTAB; every other control byte is refused,
# CR and LF above all, because they would let a value start a new header or a new response.
_FORBIDDEN_IN_VALUE = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
# Host = uri-host [ ":" port ] (RFC 9110 §7.2, RFC 3986 §3.2.2): an IP-literal in brackets or
# a reg-name (unreserved, pct-encoded, sub-delims). No userinfo, path, space or control byte.
_HOST = re.compile(
    rb"(?:\[[0-9A-Za-z._~:!$&'()*+,;=%-]+\]|[0-9A-Za-z._~!$&'()*+,;=%-]*)(?::[0-9]*)?"
)


class HeaderValueError(ValueError):
    """An outgoing header would be malformed, or could inject headers or responses."""


def is_token(candidate: bytes) -> bool:
    return _TOKEN.fullmatch(candidate) is not None


def is_valid_host(value: bytes) -> bool:
    return _HOST.fullmatch(value) is not None


def has_token(value: bytes, token: bytes) -> bool:
    """Whether the comma-separated list `value` holds `token` (lower-case), ignoring case."""
    return any(item.strip() == token for item in value.lower().split(b","))


# `check_outgoing_header` as two bound regex methods: a hot loop tests a field with two C
# calls and no Python frame (`name_is_token(name) is None or forbidden_in_value(value)`
# means refused), and calls `check_outgoing_header` only to raise its precise error.
name_is_token = _TOKEN.fullmatch
forbidden_in_value = _FORBIDDEN_IN_VALUE.search


def check_outgoing_header(name: bytes, value: bytes) -> None:
    if _TOKEN.fullmatch(name) is None:
        raise HeaderValueError(f"invalid header name {name!r}: must be an RFC 9110 token")
    if _FORBIDDEN_IN_VALUE.search(value) is not None:
        raise HeaderValueError(
            f"invalid value for header {name!r}: control characters (CR, LF, NUL...) are refused"
        )


_REASONS = {status.value: status.phrase for status in HTTPStatus}


def reason_phrase(status: int) -> str:
    return _REASONS.get(status, "")


class _DateCache:
    """The `date` header changes once a second; format it once a second, not per response."""

    __slots__ = ("_second", "_value")

    def __init__(self) -> None:
        self._second = -1
        self._value = b""

    def __call__(self) -> bytes:
        now = int(time())
        if now != self._second:
            self._second = now
            self._value = formatdate(now, usegmt=True).encode("ascii")
        return self._value


http_date = _DateCache()
