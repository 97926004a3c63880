"""`Retry-After` (RFC 9110 section 10.2.3): delay-seconds or an HTTP-date, read as a wait."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

__all__ = ["parse_retry_after"]


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait as the header asks, or None when it is absent or unreadable.

    A date in the past means "no wait" (0.0). `now` is injectable for tests; it defaults to the
    current UTC time. Seconds may carry a fraction (servers send "1.5" although the RFC allows
    only digits); negative, infinite or NaN values are ignored as unreadable.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text[0].isdigit():
        try:
            seconds = float(text)
        except ValueError:
            return None
        return seconds if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        # RFC 9110 dates are always GMT; an obsolete form without a zone is read as UTC.
        when = when.replace(tzinfo=UTC)
    current = now if now is not None else datetime.now(UTC)
    return max((when - current).total_seconds(), 0.0)
