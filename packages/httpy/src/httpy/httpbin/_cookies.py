"""Cookies: /cookies shows them; /cookies/set and /cookies/delete change them, then 302 back."""

from __future__ import annotations

from http.cookies import CookieError
from typing import Any

from httpy.application import App
from httpy.exceptions import HTTPException
from httpy.requests import Request
from httpy.responses import RedirectResponse

__all__ = ["register"]


def _back_to_cookies() -> RedirectResponse:
    return RedirectResponse("/cookies", 302)


def _set(response: RedirectResponse, request: Request, name: str, value: str) -> None:
    try:
        response.set_cookie(name, value, secure=request.scheme == "https")
    except CookieError as error:
        raise HTTPException(400, f"cannot set cookie {name!r}: {error}") from None


async def cookies(request: Request) -> dict[str, Any]:
    return {"cookies": request.cookies}


async def set_cookies(request: Request) -> RedirectResponse:
    response = _back_to_cookies()
    for name, value in request.query.items():
        _set(response, request, name, value)
    return response


async def set_cookie(request: Request, name: str, value: str) -> RedirectResponse:
    response = _back_to_cookies()
    _set(response, request, name, value)
    return response


async def delete_cookies(request: Request) -> RedirectResponse:
    response = _back_to_cookies()
    for name in request.query:
        try:
            response.delete_cookie(name)
        except CookieError as error:
            raise HTTPException(400, f"cannot delete cookie {name!r}: {error}") from None
    return response


def register(app: App) -> None:
    app.get("/cookies")(cookies)
    app.get("/cookies/set")(set_cookies)
    app.get("/cookies/set/{name}/{value}")(set_cookie)
    app.get("/cookies/delete")(delete_cookies)
