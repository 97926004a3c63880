"""Always asynchronous: `await requestx.aio.get(url)`, whatever the caller's context."""

from __future__ import annotations

from requestx import sessions
from requestx.api import ModeBound

__all__ = ["Session", "delete", "get", "head", "options", "patch", "post", "put", "request"]


class Session(sessions.Session):
    """A Session whose calls are always asynchronous (an awaitable of a Response)."""

    def __init__(self) -> None:
        super().__init__(mode="async")


_bound = ModeBound("async")
request = _bound.request
get = _bound.get
options = _bound.options
head = _bound.head
post = _bound.post
put = _bound.put
patch = _bound.patch
delete = _bound.delete
