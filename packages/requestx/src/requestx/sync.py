"""Always synchronous: `requestx.sync.get(url)` returns a Response even on a loop's thread
(Jupyter, a sync helper called from async code). The thread blocks until the answer."""

from __future__ import annotations

from requestx import sessions
from requestx.api import ModeBound

__all__ = ["Session", "delete", "get", "head", "options", "patch", "post", "put", "request"]


class Session(sessions.Session):
    """A Session whose calls are always synchronous (a Response, even inside a running loop)."""

    def __init__(self) -> None:
        super().__init__(mode="sync")


_bound = ModeBound("sync")
request = _bound.request
get = _bound.get
options = _bound.options
head = _bound.head
post = _bound.post
put = _bound.put
patch = _bound.patch
delete = _bound.delete
