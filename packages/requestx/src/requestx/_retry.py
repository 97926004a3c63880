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

The adapter keeps its counters in a `RetryState` per request. Code written against urllib3
drives a `Retry` itself instead, as the mocking library `responses` does: `is_retry`,
`increment` (a new `Retry` with one try spent, or `MaxRetryError` when none is left),
`is_exhausted`, `new` and `history` behave as urllib3's do. The rest of urllib3's `Retry`
(`sleep`, `get_backoff_time`, `parse_retry_after`, `remove_headers_on_redirect`) is not
offered.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import Any, ClassVar, NamedTuple

from requestx.exceptions import ConnectionError, ConnectTimeout, Timeout

__all__ = ["MaxRetryError", "RequestHistory", "ResponseError", "Retry", "RetryState"]

_IDEMPOTENT = frozenset({"DELETE", "GET", "HEAD", "OPTIONS", "PUT", "TRACE"})
_RETRY_AFTER_STATUSES = frozenset({413, 429, 503})


class ResponseError(Exception):
    """The reason in a `MaxRetryError` raised for responses, not errors (urllib3's name)."""

    GENERIC_ERROR = "too many error responses"
    SPECIFIC_ERROR = "too many {status_code} error responses"


class MaxRetryError(Exception):
    """`Retry.increment` found no try left: urllib3's name, arguments and message.

    requestx's adapter never lets it out (it raises `RetryError` or a `ConnectionError`, as
    requests does); code that calls `increment` itself catches it, as
    `requests.adapters.MaxRetryError`.
    """

    def __init__(self, pool: object, url: str | None, reason: BaseException | None = None) -> None:
        self.pool = pool
        self.url = url
        self.reason = reason
        # urllib3's message, the pool first (None when there is none, as here).
        super().__init__(f"{pool}: Max retries exceeded with url: {url} (Caused by {reason!r})")

    def __reduce__(self) -> tuple[Any, ...]:
        return type(self), (None, self.url, self.reason)


class RequestHistory(NamedTuple):
    """One spent try, as `Retry.history` records it (urllib3's fields)."""

    method: str | None
    url: str | None
    error: BaseException | None
    status: int | None
    redirect_location: str | None


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
        history: tuple[RequestHistory, ...] = (),
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
        self.history = history

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
            known = [name for name in _SETTINGS if hasattr(retries, name)]
            return cls(**{name: getattr(retries, name) for name in known})
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
        # urllib3's rule: an empty or false `allowed_methods` allows every method.
        return not self.allowed_methods or method.upper() in self.allowed_methods

    # --- urllib3's interface, for code that drives a Retry itself -----------------------

    def new(self, **changes: Any) -> Retry:
        """A copy of this Retry with ``changes`` applied (urllib3's ``Retry.new``)."""
        settings = {name: getattr(self, name) for name in _SETTINGS}
        settings["history"] = self.history
        settings.update(changes)
        return type(self)(**settings)

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        """Whether a response with ``status_code`` to ``method`` should be tried again
        (budgets aside): a listed status, or a Retry-After on 413/429/503 while ``total`` is
        left, for the allowed methods only. urllib3's rule."""
        return _status_retry_wanted(self, method, status_code, has_retry_after, self.total)

    def is_exhausted(self) -> bool:
        """Whether a budget went below zero (urllib3 ignores the unset and zero ones)."""
        budgets = (self.total, self.connect, self.read, self.redirect, self.status, self.other)
        counts = [count for count in budgets if count]
        return bool(counts) and min(counts) < 0

    def increment(
        self,
        method: str | None = None,
        url: str | None = None,
        response: Any = None,
        error: BaseException | None = None,
        _pool: object = None,
        _stacktrace: object = None,
    ) -> Retry:
        """The Retry for the next try after ``error`` or ``response``: one try spent from
        ``total`` and from the budget the failure belongs to.

        :raises MaxRetryError: no try is left (its ``reason`` is ``error``, or a
            `ResponseError` naming the status).
        :raises BaseException: ``error`` itself, when the policy never retries it (``total``
            or the matching budget is False, or a read error on a method not allowed).
        """
        total = None if self.total is None else int(self.total) - 1
        if self.total is False and error is not None:
            raise error
        counts: dict[str, Any] = {
            "connect": self.connect, "read": self.read, "redirect": self.redirect,
            "status": self.status, "other": self.other,
        }  # fmt: skip
        cause = ResponseError.GENERIC_ERROR
        status: int | None = None
        redirect_location: str | None = None
        if error is not None:
            budget = _budget_of(error)
            if budget == "read" and (method is None or not self.method_allowed(method)):
                raise error
            if counts[budget] is False and budget != "other":
                raise error
            if counts[budget] is not None:
                counts[budget] -= 1
        else:
            location = _redirect_location(response)
            status = getattr(response, "status", None) if response is not None else None
            if location:
                budget = "redirect"
                cause = "too many redirects"
                redirect_location = location
            else:
                budget = "status"
                if status:
                    cause = ResponseError.SPECIFIC_ERROR.format(status_code=status)
            if counts[budget] is not None and (budget == "redirect" or status):
                counts[budget] -= 1
        history = (*self.history, RequestHistory(method, url, error, status, redirect_location))
        retry = self.new(total=total, history=history, **counts)
        if retry.is_exhausted():
            reason = error or ResponseError(cause)
            raise MaxRetryError(_pool, url, reason) from reason
        return retry

    def __repr__(self) -> str:
        return (
            f"Retry(total={self.total}, connect={self.connect}, read={self.read}, "
            f"redirect={self.redirect}, status={self.status})"
        )


# Retry's constructor arguments but `history`, in urllib3's names.
_SETTINGS = (
    "total", "connect", "read", "redirect", "status", "other", "allowed_methods",
    "status_forcelist", "backoff_factor", "backoff_max", "raise_on_redirect",
    "raise_on_status", "respect_retry_after_header", "backoff_jitter",
)  # fmt: skip


def _status_retry_wanted(
    policy: Retry, method: str, status: int, has_retry_after: bool, total: int | bool | None
) -> bool:
    if not policy.method_allowed(method):
        return False
    if policy.status_forcelist and status in policy.status_forcelist:
        return True
    # urllib3 honours Retry-After only while `total` has tries left (None counts as none).
    return bool(
        total
        and policy.respect_retry_after_header
        and has_retry_after
        and status in _RETRY_AFTER_STATUSES
    )


def _budget_of(error: BaseException) -> str:
    """Which budget a failed try spends: a failed connect, a failure after sending, or other.

    requestx's errors say whether the connect failed; urllib3's own classes (when code
    passes them in) are told apart by name, since urllib3 may not be installed.
    """
    if getattr(error, "connect_failed", False) or isinstance(error, ConnectTimeout):
        return "connect"
    if isinstance(error, ConnectionError | Timeout):
        return "read"  # sent, and no complete answer came
    names = {cls.__name__ for cls in type(error).__mro__}
    if "ConnectTimeoutError" in names:  # NewConnectionError derives from it
        return "connect"
    if names & {"ReadTimeoutError", "ProtocolError"}:
        return "read"
    return "other"


def _redirect_location(response: Any) -> str | None:
    get_location = getattr(response, "get_redirect_location", None)
    if not callable(get_location):
        return None
    location = get_location()
    return location if isinstance(location, str) and location else None


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
        return _status_retry_wanted(self.policy, method, status, has_retry_after, self.total)

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
