"""Authentication checks: Basic (visible or hidden behind a 404) and Bearer tokens."""

from __future__ import annotations

import base64
import binascii
import hmac
from typing import Any

from httpy.application import App
from httpy.exceptions import HTTPException
from httpy.requests import Request
from httpy.responses import Response

__all__ = ["basic_credentials", "register"]


def basic_credentials(request: Request) -> tuple[str, str] | None:
    """(user, password) from an `Authorization: Basic` header, or None."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


def _matches(request: Request, user: str, passwd: str) -> bool:
    given = basic_credentials(request)
    if given is None:
        return False
    # Both compared, always, so the timing does not tell which one was wrong.
    user_ok = hmac.compare_digest(given[0].encode(), user.encode())
    passwd_ok = hmac.compare_digest(given[1].encode(), passwd.encode())
    return user_ok and passwd_ok


async def basic_auth(request: Request, user: str, passwd: str) -> Response | dict[str, Any]:
    if not _matches(request, user, passwd):
        return Response(status_code=401, headers={"www-authenticate": 'Basic realm="Fake Realm"'})
    return {"authenticated": True, "user": user}


async def hidden_basic_auth(request: Request, user: str, passwd: str) -> dict[str, Any]:
    if not _matches(request, user, passwd):
        raise HTTPException(404)
    return {"authenticated": True, "user": user}


async def bearer(request: Request) -> Response | dict[str, Any]:
    authorization = request.headers.get("authorization", "")
    if not authorization.startswith("Bearer "):
        return Response(status_code=401, headers={"www-authenticate": "Bearer"})
    return {"authenticated": True, "token": authorization[len("Bearer ") :]}


def register(app: App) -> None:
    app.get("/basic-auth/{user}/{passwd}")(basic_auth)
    app.get("/hidden-basic-auth/{user}/{passwd}")(hidden_basic_auth)
    app.get("/bearer")(bearer)
