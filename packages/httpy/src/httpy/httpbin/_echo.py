"""Endpoints that echo the request back: /get, /post and friends, /anything, /headers..."""

from __future__ import annotations

from typing import Any

from httpy.application import App
from httpy.httpbin._inspect import base_info, headers, origin, read_body
from httpy.requests import Request
from httpy.responses import Response

__all__ = ["ANY_METHOD", "body_info", "register"]

#: What httpbin's "any method" routes accept (HEAD and OPTIONS are answered automatically).
ANY_METHOD = ("GET", "POST", "PUT", "PATCH", "DELETE", "TRACE")

_INDEX = b"httpy httpbin: try /get, /post, /anything, /status/418 ...\n"


async def body_info(request: Request, **extra: Any) -> dict[str, Any]:
    """/post's answer: /get's plus the body as data, files, form and json (keys sorted)."""
    info = base_info(request)
    body = await read_body(request)
    fields = {
        "data": body.data,
        "files": body.files,
        "form": body.form,
        "json": body.json,
        **info,
        **extra,
    }
    return dict(sorted(fields.items()))


async def index(request: Request) -> Response:  # noqa: ARG001 - the handler signature
    # Load tests hit this one: no parsing, no JSON, one small constant body.
    return Response(_INDEX, media_type="text/plain; charset=utf-8")


async def get(request: Request) -> dict[str, Any]:
    return base_info(request)


async def with_body(request: Request) -> dict[str, Any]:
    return await body_info(request)


async def anything(request: Request, path: str = "") -> dict[str, Any]:  # noqa: ARG001
    return await body_info(request, method=request.method)


async def request_headers(request: Request) -> dict[str, Any]:
    return {"headers": headers(request)}


async def ip(request: Request) -> dict[str, Any]:
    return {"origin": origin(request)}


async def user_agent(request: Request) -> dict[str, Any]:
    return {"user-agent": request.headers.get("user-agent")}


def register(app: App) -> None:
    app.get("/")(index)
    app.get("/get")(get)
    app.post("/post")(with_body)
    app.put("/put")(with_body)
    app.patch("/patch")(with_body)
    app.delete("/delete")(with_body)
    app.route("/anything", ANY_METHOD)(anything)
    app.route("/anything/{path:path}", ANY_METHOD)(anything)
    app.get("/headers")(request_headers)
    app.get("/ip")(ip)
    app.get("/user-agent")(user_agent)
