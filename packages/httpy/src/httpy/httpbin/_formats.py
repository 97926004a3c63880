"""Fixed documents and encodings: /json, /html, /encoding/utf8, /gzip, /deflate, /brotli,
and /response-headers (query arguments sent back as response headers)."""

from __future__ import annotations

import functools
import gzip
import importlib
import json
import zlib
from collections.abc import Callable
from types import ModuleType
from typing import Any

from httpy.application import App
from httpy.exceptions import HTTPException
from httpy.httpbin._inspect import headers, origin
from httpy.protocol.rules import HeaderValueError
from httpy.requests import Request
from httpy.responses import HTMLResponse, Response

__all__ = ["SLIDESHOW", "load_brotli", "register"]

SLIDESHOW: dict[str, Any] = {
    "slideshow": {
        "author": "Yours Truly",
        "date": "date of publication",
        "slides": [
            {"title": "Wake up to WonderWidgets!", "type": "all"},
            {
                "items": [
                    "Why <em>WonderWidgets</em> are great",
                    "Who <em>buys</em> WonderWidgets",
                ],
                "title": "Overview",
                "type": "all",
            },
        ],
        "title": "Sample Slide Show",
    }
}

_HTML = """<!DOCTYPE html>
<html>
  <head><title>httpy httpbin</title></head>
  <body>
    <h1>Herman Melville - Moby-Dick</h1>
    <div>
      <p>Call me Ishmael. Some years ago - never mind how long precisely - having little or
      no money in my purse, and nothing particular to interest me on shore, I thought I would
      sail about a little and see the watery part of the world.</p>
    </div>
  </body>
</html>
"""

_UTF8 = """<!DOCTYPE html>
<html>
  <head><meta charset="utf-8"><title>UTF-8 demo</title></head>
  <body>
    <h1>Unicode Demo</h1>
    <pre>
Français : « Le cœur a ses raisons que la raison ne connaît point. »
Deutsch  : Größenwahn, Übermut, Straße
Ελληνικά : Γειά σου Κόσμε
Русский  : Съешь же ещё этих мягких французских булок
日本語    : いろはにほへと ちりぬるを
中文      : 你好，世界
Emoji    : 🐍 ☕ ✓ ∑ ∞ €
    </pre>
  </body>
</html>
"""  # noqa: RUF001 - look-alike letters from other scripts are the point of this page

# Framing is the server's job: a handler setting these would corrupt the response.
_RESERVED_HEADERS = frozenset({"content-length", "transfer-encoding", "connection"})


@functools.cache
def load_brotli() -> ModuleType | None:
    """The optional `brotli` package (extra ``htk-httpy[brotli]``), or None when absent."""
    try:
        return importlib.import_module("brotli")
    except ImportError:
        return None


def _encoded_echo(
    request: Request, flag: str, encoding: str, compress: Callable[[bytes], bytes]
) -> Response:
    payload = {
        flag: True,
        "headers": headers(request),
        "method": request.method,
        "origin": origin(request),
    }
    body = compress(json.dumps(payload).encode())
    return Response(body, headers={"content-encoding": encoding}, media_type="application/json")


async def gzipped(request: Request) -> Response:
    return _encoded_echo(request, "gzipped", "gzip", gzip.compress)


async def deflated(request: Request) -> Response:
    # HTTP's "deflate" is the zlib format (RFC 9110 §8.4.1.2), not a raw deflate stream.
    return _encoded_echo(request, "deflated", "deflate", zlib.compress)


async def brotli_compressed(request: Request) -> Response:
    brotli = load_brotli()
    if brotli is None:
        raise HTTPException(
            501, "brotli is not installed on this server: pip install 'htk-httpy[brotli]'"
        )
    compress: Callable[[bytes], bytes] = brotli.compress
    return _encoded_echo(request, "brotli", "br", compress)


async def json_document(request: Request) -> dict[str, Any]:  # noqa: ARG001
    return SLIDESHOW


async def html(request: Request) -> HTMLResponse:  # noqa: ARG001
    return HTMLResponse(_HTML)


async def utf8(request: Request) -> HTMLResponse:  # noqa: ARG001
    return HTMLResponse(_UTF8)


async def response_headers(request: Request) -> Response:
    """Query arguments become response headers; the body lists every header it sends."""
    content_type = "application/json"
    chosen: list[tuple[str, str]] = []
    for name, value in request.query.multi_items():
        lowered = name.lower()
        if lowered in _RESERVED_HEADERS:
            raise HTTPException(400, f"{name} is set by the server and cannot be chosen")
        if lowered == "content-type":
            content_type = value
        else:
            chosen.append((name, value))
    response = Response(_headers_echo(content_type, chosen))
    try:
        response.headers.append("content-type", content_type)
        for name, value in chosen:
            response.headers.append(name, value)
    except HeaderValueError as error:
        raise HTTPException(400, str(error)) from None
    return response


def _headers_echo(content_type: str, chosen: list[tuple[str, str]]) -> bytes:
    """The JSON body naming its own Content-Length: grown until the length it states is true."""
    grouped: dict[str, list[str]] = {}
    spelling: dict[str, str] = {}
    for name, value in chosen:
        grouped.setdefault(spelling.setdefault(name.lower(), name), []).append(value)
    echoed = {name: values[0] if len(values) == 1 else values for name, values in grouped.items()}
    length = 0
    while True:
        body = json.dumps(
            {"Content-Length": str(length), "Content-Type": content_type, **echoed}
        ).encode()
        if len(body) == length:
            return body
        length = len(body)


def register(app: App) -> None:
    app.get("/json")(json_document)
    app.get("/html")(html)
    app.get("/encoding/utf8")(utf8)
    app.get("/gzip")(gzipped)
    app.get("/deflate")(deflated)
    app.get("/brotli")(brotli_compressed)
    app.route("/response-headers", ("GET", "POST"))(response_headers)
