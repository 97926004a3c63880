"""The request as httpbin describes it: args, headers, origin, url, and the decoded body.

httpbin's conventions, kept exactly because clients' tests compare against them:
- a key seen once maps to a string, a repeated key to the list of its values;
- header names are Title-Cased, repeated fields joined with commas;
- proxy headers (X-Forwarded-For, Via...) are hidden unless the query has ``show_env``;
- a form body fills "form" and "files" and leaves "data" empty; any other body is "data"
  (text, or a ``data:`` URL with base64 when it is not UTF-8) and "json" when it parses.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from httpy.datastructures import UploadFile
from httpy.requests import Request

__all__ = ["Body", "args", "base_info", "headers", "json_safe", "origin", "read_body", "url"]

V = TypeVar("V")

_FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
# What a hosting platform's proxies add; httpbin hides them so the echo shows the client's own.
_ENV_HEADERS = frozenset(
    {
        "x-varnish",
        "x-request-start",
        "x-heroku-queue-depth",
        "x-real-ip",
        "x-forwarded-proto",
        "x-forwarded-protocol",
        "x-forwarded-ssl",
        "x-heroku-queue-wait-time",
        "x-forwarded-for",
        "x-heroku-dynos-in-use",
        "x-forwarded-port",
        "x-request-id",
        "via",
        "total-route-time",
        "connect-time",
    }
)


def semiflatten(pairs: Iterable[tuple[str, V]]) -> dict[str, V | list[V]]:
    grouped: dict[str, list[V]] = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(value)
    return {key: values[0] if len(values) == 1 else values for key, values in grouped.items()}


def args(request: Request) -> dict[str, str | list[str]]:
    return semiflatten(request.query.multi_items())


def headers(request: Request) -> dict[str, str]:
    show_env = "show_env" in request.query
    grouped: dict[str, list[str]] = {}
    for name, value in request.headers.raw:
        key = name.decode("latin-1").lower()
        if show_env or key not in _ENV_HEADERS:
            grouped.setdefault(key, []).append(value.decode("latin-1"))
    return {key.title(): ",".join(values) for key, values in grouped.items()}


def origin(request: Request) -> str:
    forwarded = request.headers.get("x-forwarded-for")
    if forwarded:
        return forwarded
    return request.client[0] if request.client else ""


def url(request: Request) -> str:
    """The URL the client asked for, with the scheme a TLS-terminating proxy reports."""
    request_headers = request.headers
    scheme = request_headers.get("x-forwarded-proto") or request_headers.get("x-forwarded-protocol")
    if scheme is None and request_headers.get("x-forwarded-ssl") == "on":
        scheme = "https"
    full = request.url
    if scheme and scheme != request.scheme:
        full = scheme + full[len(request.scheme) :]
    return full


def base_info(request: Request) -> dict[str, Any]:
    """What /get answers (keys sorted, as httpbin's JSON is)."""
    return {
        "args": args(request),
        "headers": headers(request),
        "origin": origin(request),
        "url": url(request),
    }


def json_safe(raw: bytes, content_type: str = "application/octet-stream") -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        encoded = base64.b64encode(raw).decode("ascii")
        return f"data:{content_type};base64,{encoded}"


@dataclass(frozen=True, slots=True)
class Body:
    data: str = ""
    files: dict[str, str | list[str]] = field(default_factory=dict)
    form: dict[str, str | list[str]] = field(default_factory=dict)
    json: Any = None


async def read_body(request: Request) -> Body:
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media_type in _FORM_TYPES:
        form = await request.form()
        try:
            fields: list[tuple[str, str]] = []
            files: list[tuple[str, str]] = []
            for name, value in form.multi_items():
                if isinstance(value, UploadFile):
                    content_type = value.content_type or "application/octet-stream"
                    files.append((name, json_safe(value.read(), content_type)))
                else:
                    fields.append((name, value))
        finally:
            form.close()
        return Body(files=semiflatten(files), form=semiflatten(fields))
    raw = await request.body()
    return Body(data=json_safe(raw), json=_parse_json(raw))


def _parse_json(raw: bytes) -> Any:
    # httpbin tries every non-form body, whatever its Content-Type says.
    if not raw:
        return None
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        return None


def _refuse_constant(name: str) -> Any:
    # NaN and Infinity parse in Python but cannot be sent back as JSON.
    raise ValueError(f"{name} is not JSON")
