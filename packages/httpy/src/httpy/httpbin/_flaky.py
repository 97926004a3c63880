"""/flaky/{key}: fail the first N calls for a key, then succeed, to exercise retry logic.

The counters live in this process's memory (each worker of a multi-process server keeps its
own), in an LRU bounded to ``max_keys`` keys so that arbitrary keys cannot grow it without
end. A lock guards them because one App may be served by several threads' loops at once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from httpy.application import App
from httpy.exceptions import HTTPException
from httpy.httpbin._params import int_arg
from httpy.protocol.rules import HeaderValueError, check_outgoing_header
from httpy.requests import Request
from httpy.responses import JSONResponse, Response

__all__ = ["MAX_KEY_LENGTH", "FlakyCounters", "register"]

MAX_KEY_LENGTH = 200
_FLAKY_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


class FlakyCounters:
    """Calls seen per key; the least recently used key is forgotten beyond `max_keys`."""

    def __init__(self, max_keys: int = 10_000) -> None:
        if max_keys < 1:
            raise ValueError("max_keys must be at least 1")
        self.max_keys = max_keys
        self._calls: OrderedDict[str, int] = OrderedDict()
        self._lock = threading.Lock()

    def hit(self, key: str) -> int:
        """Count one call for `key`; returns the calls so far, this one included."""
        with self._lock:
            calls = self._calls.pop(key, 0) + 1
            self._calls[key] = calls
            if len(self._calls) > self.max_keys:
                self._calls.popitem(last=False)
            return calls

    def reset(self, key: str) -> int:
        """Forget `key`; returns how many calls it had."""
        with self._lock:
            return self._calls.pop(key, 0)

    def clear(self) -> int:
        """Forget every key; returns how many there were."""
        with self._lock:
            count = len(self._calls)
            self._calls.clear()
            return count

    def __len__(self) -> int:
        return len(self._calls)

    def __contains__(self, key: object) -> bool:
        return key in self._calls


def _check_key(key: str) -> None:
    if len(key) > MAX_KEY_LENGTH:
        raise HTTPException(400, f"flaky keys are at most {MAX_KEY_LENGTH} characters")


class _FlakyEndpoints:
    def __init__(self, counters: FlakyCounters) -> None:
        self.counters = counters

    async def flaky(self, request: Request, key: str) -> Response | dict[str, Any]:
        _check_key(key)
        # Everything is validated before counting: a bad request must not use up a failure.
        fail = int_arg(request, "fail", 1, minimum=0)
        status = int_arg(request, "status", 503, minimum=400, maximum=599)
        headers: dict[str, str] = {}
        retry_after = request.query.get("retry_after")
        if retry_after is not None:
            try:
                check_outgoing_header(b"retry-after", retry_after.encode("latin-1"))
            except HeaderValueError as error:
                raise HTTPException(400, str(error)) from None
            headers["retry-after"] = retry_after
        calls = self.counters.hit(key)
        info = {"calls": calls, "fail": fail, "key": key}
        if calls <= fail:
            detail = f"flaky: call {calls} of {fail} failing"
            return JSONResponse({**info, "detail": detail}, status, headers)
        return info

    async def reset(self, request: Request, key: str) -> dict[str, Any]:  # noqa: ARG002
        _check_key(key)
        return {"key": key, "calls": self.counters.reset(key), "reset": True}

    async def reset_all(self, request: Request) -> dict[str, Any]:  # noqa: ARG002
        return {"keys": self.counters.clear(), "reset": True}


def register(app: App, counters: FlakyCounters) -> None:
    endpoints = _FlakyEndpoints(counters)
    app.route("/flaky/{key}", _FLAKY_METHODS, name="flaky")(endpoints.flaky)
    app.route("/flaky/{key}/reset", ("GET", "POST"), name="flaky_reset")(endpoints.reset)
    app.delete("/flaky", name="flaky_reset_all")(endpoints.reset_all)
