"""Repeated slashes in a request path, handled as httpbin (Flask on werkzeug) handles them.

werkzeug drops every leading slash but one before routing and in ``request.path`` and
``request.url``: ``GET //get`` is answered as ``/get``, and its "url" says ``/get``. Requests
that repeat a slash further in (``/get//x``) and match no route as sent, but do once the
slashes are merged, get a 308 to the merged path, the query kept.

Done in a before-request hook of the httpbin app only: httpy itself keeps the path the client
sent, as an ASGI server does, since ``//x`` and ``/x`` are different paths in RFC 3986.
"""

from __future__ import annotations

import re
from urllib.parse import quote

from httpy.application import App
from httpy.requests import Request
from httpy.responses import RedirectResponse

__all__ = ["register"]

_REPEATED_SLASHES = re.compile("/{2,}")
# What werkzeug leaves unquoted in a redirect path (the WHATWG path-segment set).
_SAFE_IN_PATH = "!$&'()*+,/:;=@"


def register(app: App) -> None:
    router = app.router

    async def collapse_slashes(request: Request) -> RedirectResponse | None:
        path = request.path
        if path[:2] == "//":
            request.path = "/" + path.lstrip("/")
            request.raw_path = b"/" + request.raw_path.lstrip(b"/")
            path = request.path
        if "//" not in path or router.match(request.method, path).route is not None:
            return None
        merged = _REPEATED_SLASHES.sub("/", path)
        if router.match(request.method, merged).route is None:
            return None  # the 404 or 405 of the path as sent
        location = f"{request.scheme}://{request.host}{quote(merged, safe=_SAFE_IN_PATH)}"
        if request.query_string:
            location += "?" + request.query_string.decode("latin-1")
        return RedirectResponse(location, 308)

    app.before_request(collapse_slashes)
