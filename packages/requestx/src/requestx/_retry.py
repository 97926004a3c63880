"""`Retry`: when `HTTPAdapter(max_retries=...)` tries a request again, as urllib3's Retry does.

requests hands `max_retries` to urllib3; requestx has no urllib3, so the same policy lives
here with urllib3's names and defaults, and a urllib3 `Retry` object given by the user is
read through those same attributes.

- A failed connect (nothing was sent) is tried again for any method, within `connect`.
- A read failure (sent, no complete answer) only for the idempotent `allowed_methods`, within
  `read`; `read=False` never.
- A response whose status is in `status_forcelist` (or 413/429/503 with `Retry-After`) is
  tried again for the allowed methods, within `status`; when those run out the last response
  is returned (`raise_on_status=False`) or `RetryError` raised.
- Every retry counts against `total` too. Waits: `backoff_factor * 2 ** (n - 1)` seconds
  before the n-th consecutive retry (none before the first), capped by `backoff_max`;
  a `Retry-After` header, when respected, is waited instead.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import Any, ClassVar

__all__ = ["Retry", "RetryState"]

_IDEMPOTENT = frozenset({"DELETE", "GET", "HEAD", "OPTIONS", "PUT", "TRACE"})
_RETRY_AFTER_STATUSES = frozenset({413, 429, 503})


class Retry:
    """How often and when a request is tried again (urllib3's parameters and defaults)."""

    DEFAULT: ClassVar[Retry]
    DEFAULT_ALLOWED_METHODS: ClassVar[frozenset[str]] = _IDEMPOTENT
    DEFAULT_BACKOFF_MAX: ClassVar[float] = 120.0

    def __init__(
        self,
        total: int | bool | None = 10,
        connect: int | None = None,
        read: int | bool | None = None,
        redirect: int | bool | None = None,
        status: int | None = None,
        other: int | None = None,
        allowed_methods: Collection[str] | None = _IDEMPOTENT,
        status_forcelist: Collection[int] | None = None,
        backoff_factor: float = 0,
        backoff_max: float = DEFAULT_BACKOFF_MAX,
        raise_on_redirect: bool = True,
        raise_on_status: bool = True,
        respect_retry_after_header: bool = True,
        backoff_jitter: float = 0.0,
    ) -> None:
        self.total = total
        self.connect = connect
        self.read = read
        self.redirect = redirect
        self.status = status
        self.other = other
        self.allowed_methods = allowed_methods
        self.status_forcelist = status_forcelist or set()
        self.backoff_factor = backoff_factor
        self.backoff_max = backoff_max
        self.raise_on_redirect = raise_on_redirect
        self.raise_on_status = raise_on_status
        self.respect_retry_after_header = respect_retry_after_header
        self.backoff_jitter = backoff_jitter

    @classmethod
    def from_int(cls, retries: Any) -> Retry:
        """`max_retries` as given: a Retry (ours or urllib3's), a count, or None (no retry)."""
        if isinstance(retries, Retry):
            return retries
        if retries is None or isinstance(retries, bool | int):
            # requests' rule: a plain count retries connects and reads, never statuses.
            return cls(total=retries if retries is not None else 0)
        if hasattr(retries, "status_forcelist") and hasattr(retries, "total"):
            # urllib3's Retry (or a subclass): same attribute names.
            names = (
                "total", "connect", "read", "redirect", "status", "other", "allowed_methods",
                "status_forcelist", "backoff_factor", "backoff_max", "raise_on_redirect",
                "raise_on_status", "respect_retry_after_header", "backoff_jitter",
            )  # fmt: skip
            return cls(**{name: getattr(retries, name) for name in names if hasattr(retries, name)})
        raise TypeError(
            f"max_retries must be an int, None or a Retry, not {type(retries).__name__}"
        )

    def new_state(self) -> RetryState:
        """The counters for one request (a Retry is shared by every request of an adapter)."""
        total = None if self.total is None else 0 if self.total is False else int(self.total)
        return RetryState(
            self, total, _budget(self.connect), _budget(self.read), _budget(self.status)
        )

    def method_allowed(self, method: str) -> bool:
        return self.allowed_methods is None or method.upper() in self.allowed_methods

    def __repr__(self) -> str:
        return (
            f"Retry(total={self.total}, connect={self.connect}, read={self.read}, "
            f"redirect={self.redirect}, status={self.status})"
        )


def _budget(value: int | bool | None) -> int | None:
    if value is False:
        return 0
    return None if value is None else int(value)


@dataclass(frozen=True)
class RetryState:
    """What is left of a Retry's budgets for one request; each retry makes the next state."""

    policy: Retry
    total: int | None
    connect: int | None
    read: int | None
    status: int | None
    consecutive: int = 0

    def after_connect_error(self) -> RetryState | None:
        """The state for another try after a failed connect, or None: give up."""
        return self._spend("connect")

    def after_read_error(self, method: str) -> RetryState | None:
        if self.policy.read is False or not self.policy.method_allowed(method):
            return None
        return self._spend("read")

    def wants_status_retry(self, method: str, status: int, has_retry_after: bool) -> bool:
        """Whether urllib3 would try again on this status (budget aside)."""
        policy = self.policy
        if not policy.method_allowed(method):
            return False
        if policy.status_forcelist and status in policy.status_forcelist:
            return True
        return (
            policy.respect_retry_after_header
            and has_retry_after
            and status in _RETRY_AFTER_STATUSES
        )

    def after_status(self) -> RetryState | None:
        return self._spend("status")

    def _spend(self, budget: str) -> RetryState | None:
        left: int | None = getattr(self, budget)
        total = self.total
        if (left is not None and left <= 0) or (total is not None and total <= 0):
            return None
        changes: dict[str, Any] = {"consecutive": self.consecutive + 1}
        if left is not None:
            changes[budget] = left - 1
        if total is not None:
            changes["total"] = total - 1
        return replace(self, **changes)

    def wait_seconds(self, retry_after: str | None = None) -> float:
        """How long to wait before this try: Retry-After when respected, else the backoff."""
        policy = self.policy
        if retry_after is not None and policy.respect_retry_after_header:
            parsed = parse_retry_after(retry_after)
            if parsed is not None:
                return parsed
        if self.consecutive <= 1 or not policy.backoff_factor:
            return 0.0
        backoff = policy.backoff_factor * (2 ** (self.consecutive - 1))
        if policy.backoff_jitter:
            backoff += random.random() * policy.backoff_jitter  # noqa: S311 - not crypto
        return float(max(0.0, min(policy.backoff_max, backoff)))


def parse_retry_after(value: str) -> float | None:
    """Seconds to wait from a Retry-After value (seconds or an HTTP date); None if unusable."""
    value = value.strip()
    if value.isdigit():
        return float(value)
    parsed = email.utils.parsedate_tz(value)
    if parsed is None:
        return None
    return max(0.0, email.utils.mktime_tz(parsed) - time.time())


Retry.DEFAULT = Retry(3)
