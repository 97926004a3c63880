"""RFC 9218 priority signals: the ``priority`` header and PRIORITY_UPDATE frame values.

The value is a Structured Fields dictionary (RFC 8941) such as ``u=1, i``. Only ``u`` (urgency,
0 to 7) and ``i`` (incremental, a boolean) mean anything; unknown members, parameters and
members with a value of the wrong type or range are ignored, as RFC 9218 §4 asks, and a value
that does not parse at all leaves the defaults.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

__all__ = ["DEFAULT_PRIORITY", "parse_priority", "priority_of"]

DEFAULT_URGENCY: Final = 3
DEFAULT_PRIORITY: Final = (DEFAULT_URGENCY, False)
_MAX_URGENCY: Final = 7


def parse_priority(value: bytes) -> tuple[int, bool]:
    """(urgency, incremental) from a priority field value; defaults for what is absent."""
    urgency, incremental = DEFAULT_PRIORITY
    for member in value.split(b","):
        key, _, item = member.partition(b";")[0].strip().partition(b"=")
        key = key.strip()
        item = item.strip()
        if key == b"u":
            if item.isdigit() and len(item) == 1 and int(item) <= _MAX_URGENCY:
                urgency = int(item)
        elif key == b"i":
            if item in (b"", b"?1"):
                incremental = True
            elif item == b"?0":
                incremental = False
    return urgency, incremental


def priority_of(headers: Iterable[tuple[bytes, bytes]]) -> tuple[int, bool]:
    """(urgency, incremental) from a request's ``priority`` fields, joined as one list."""
    value = b",".join(v for n, v in headers if n == b"priority")
    return parse_priority(value) if value else DEFAULT_PRIORITY
