"""Module-level functions: `requestx.get(url)` and friends, each with a throwaway Session.

As in requests, no cookies or settings outlive a call. Unlike requests, the connection pools
do: every module-level call shares one pair of adapters, so repeated calls reuse
connections instead of paying a new TCP and TLS handshake each time.
"""

from __future__ import annotations

import threading
from typing import Any

from requestx._mode import Mode, track_auto, wants_async
from requestx.adapters import HTTPAdapter
from requestx.sessions import Session

__all__ = ["delete", "get", "head", "options", "patch", "post", "put", "request"]

_shared_lock = threading.Lock()
_shared: HTTPAdapter | None = None


def _shared_adapter() -> HTTPAdapter:
    global _shared  # noqa: PLW0603 - one lazily made process-wide pool
    if _shared is None:
        with _shared_lock:
            if _shared is None:
                _shared = HTTPAdapter()
    return _shared


def _throwaway_session(mode: Mode) -> Session:
    session = Session(mode=mode)
    adapter = _shared_adapter()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def request_in_mode(mode: Mode, method: str, url: str | bytes, **kwargs: Any) -> Any:
    """`request` with the mode chosen by the caller (`requestx.sync`, `requestx.aio`)."""
    if wants_async(mode):
        return track_auto(mode, _request_async(method, url, kwargs))
    return _throwaway_session("sync").request(method, url, **kwargs)


async def _request_async(method: str, url: str | bytes, kwargs: dict[str, Any]) -> Any:
    return await _throwaway_session("async").request(method, url, **kwargs)


class ModeBound:
    """The module-level verbs, bound to one mode ("auto" here; "sync"/"async" in sync, aio)."""

    def __init__(self, mode: Mode) -> None:
        self._mode: Mode = mode

    def request(self, method: str, url: str | bytes, **kwargs: Any) -> Any:
        """Send a request; see `Session.request` for the arguments.

        Returns a Response, or an awaitable of one in async mode ("auto": inside a running
        asyncio loop).
        """
        return request_in_mode(self._mode, method, url, **kwargs)

    def get(self, url: str | bytes, params: Any = None, **kwargs: Any) -> Any:
        return self.request("GET", url, params=params, **kwargs)

    def options(self, url: str | bytes, **kwargs: Any) -> Any:
        return self.request("OPTIONS", url, **kwargs)

    def head(self, url: str | bytes, **kwargs: Any) -> Any:
        kwargs.setdefault("allow_redirects", False)
        return self.request("HEAD", url, **kwargs)

    def post(self, url: str | bytes, data: Any = None, json: Any = None, **kwargs: Any) -> Any:
        return self.request("POST", url, data=data, json=json, **kwargs)

    def put(self, url: str | bytes, data: Any = None, **kwargs: Any) -> Any:
        return self.request("PUT", url, data=data, **kwargs)

    def patch(self, url: str | bytes, data: Any = None, **kwargs: Any) -> Any:
        return self.request("PATCH", url, data=data, **kwargs)

    def delete(self, url: str | bytes, **kwargs: Any) -> Any:
        return self.request("DELETE", url, **kwargs)


_auto = ModeBound("auto")
request = _auto.request
get = _auto.get
options = _auto.options
head = _auto.head
post = _auto.post
put = _auto.put
patch = _auto.patch
delete = _auto.delete
