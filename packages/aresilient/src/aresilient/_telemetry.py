"""Standard `logging` records for retries, give-ups and circuit breaker transitions.

Everything goes to the `aresilient` logger, so an application turns it on or off like any
other library's (`logging.getLogger("aresilient").setLevel(...)`). Levels: a scheduled retry
is INFO (the call may still succeed), a give-up is WARNING, a breaker that opens is WARNING and
its other transitions are INFO. Each record carries its facts as attributes too (`method`,
`url`, `attempt`, `wait`, `status_code`, `error`; `old_state`, `new_state`), for structured
handlers. Only the slow path logs: a call whose first attempt succeeds writes nothing. With
the `otel` extra, the same facts also go to OpenTelemetry (see `_otel`).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import httpx

from aresilient import _otel

if TYPE_CHECKING:
    from aresilient._circuit_breaker import CircuitBreaker, CircuitState

__all__ = ["breaker_moved", "gave_up", "logger", "retry_scheduled"]

logger = logging.getLogger("aresilient")
# A library's logger: silent unless the application configures logging (no "last resort"
# lines on stderr for give-ups), as the logging HOWTO advises.
logger.addHandler(logging.NullHandler())


def _outcome(error: BaseException | None, status: int | None) -> str:
    if error is not None:
        return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return f"status {status}"


def retry_scheduled(
    request: httpx.Request,
    attempt: int,
    wait: float,
    error: BaseException | None,
    status: int | None,
) -> None:
    if _otel.ENABLED:
        _otel.retry_scheduled(request, attempt, wait, error, status)
    if not logger.isEnabledFor(logging.INFO):
        return
    logger.info(
        "retrying %s %s in %.3f s after attempt %d failed (%s)",
        request.method,
        request.url,
        wait,
        attempt,
        _outcome(error, status),
        extra={
            "method": request.method,
            "url": str(request.url),
            "attempt": attempt,
            "wait": wait,
            "status_code": status,
            "error": error,
        },
    )


def gave_up(
    request: httpx.Request, attempt: int, error: BaseException | None, status: int | None
) -> None:
    if _otel.ENABLED:
        _otel.gave_up(request, attempt, error, status)
    if not logger.isEnabledFor(logging.WARNING):
        return
    attempts = "attempt" if attempt == 1 else "attempts"
    logger.warning(
        "gave up on %s %s after %d %s (%s)",
        request.method,
        request.url,
        attempt,
        attempts,
        _outcome(error, status),
        extra={
            "method": request.method,
            "url": str(request.url),
            "attempt": attempt,
            "status_code": status,
            "error": error,
        },
    )


def breaker_moved(breaker: CircuitBreaker, old: CircuitState, new: CircuitState) -> None:
    # The value, not the enum: this module must not import the breaker's at import time.
    if _otel.ENABLED:
        _otel.breaker_moved(breaker.name, old.value, new.value)
    level = logging.WARNING if new.value == "open" else logging.INFO
    if not logger.isEnabledFor(level):
        return
    logger.log(
        level,
        "circuit breaker %s: %s -> %s",
        breaker.name,
        old.value,
        new.value,
        extra={"breaker": breaker.name, "old_state": old.value, "new_state": new.value},
    )
