"""Redirect chains and the open redirector, as httpbin answers them (all 302 but /redirect-to).

/redirect/{n} takes the relative chain unless ``?absolute=true``; every chain ends at /get.
Locations are written as given (relative ones stay relative), so clients resolve them.
"""

from __future__ import annotations

from httpy.application import App
from httpy.exceptions import HTTPException
from httpy.httpbin._echo import ANY_METHOD
from httpy.requests import Request
from httpy.responses import RedirectResponse

__all__ = ["register"]


def _check_hops(n: int) -> None:
    if n < 1:
        raise HTTPException(400, "the number of redirects must be at least 1")


def _relative(n: int) -> RedirectResponse:
    _check_hops(n)
    return RedirectResponse("/get" if n == 1 else f"/relative-redirect/{n - 1}", 302)


def _absolute(request: Request, n: int) -> RedirectResponse:
    _check_hops(n)
    base = f"{request.scheme}://{request.host}"
    return RedirectResponse(f"{base}/get" if n == 1 else f"{base}/absolute-redirect/{n - 1}", 302)


async def redirect(request: Request, n: int) -> RedirectResponse:
    if request.query.get("absolute", "").lower() == "true":
        return _absolute(request, n)
    return _relative(n)


async def relative_redirect(request: Request, n: int) -> RedirectResponse:  # noqa: ARG001
    return _relative(n)


async def absolute_redirect(request: Request, n: int) -> RedirectResponse:
    return _absolute(request, n)


async def redirect_to(request: Request) -> RedirectResponse:
    target = request.query.get("url")
    if not target:
        raise HTTPException(400, "the 'url' query argument is required")
    code = 302
    raw_code = request.query.get("status_code")
    if raw_code is not None:
        try:
            wanted = int(raw_code)
        except ValueError:
            raise HTTPException(400, f"status_code must be an integer, got {raw_code!r}") from None
        # Like httpbin: anything that is not a redirect status falls back to 302.
        if 300 <= wanted < 400:
            code = wanted
    return RedirectResponse(target, code)


def register(app: App) -> None:
    app.get("/redirect/{n:int}")(redirect)
    app.get("/relative-redirect/{n:int}")(relative_redirect)
    app.get("/absolute-redirect/{n:int}")(absolute_redirect)
    app.route("/redirect-to", ANY_METHOD)(redirect_to)
