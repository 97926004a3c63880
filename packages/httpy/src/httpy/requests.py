"""The request a handler receives: small, and parsed only as far as the handler looks."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qsl, unquote

from httpy.body import BodyChannel
from httpy.datastructures import FormData, Headers, MultiDict
from httpy.exceptions import HTTPException
from httpy.forms import FormLimits, parse_form

__all__ = ["Request"]

_DEFAULT_FORM_LIMITS = FormLimits()


class Request:
    __slots__ = (
        "_body",
        "_body_channel",
        "_cookies",
        "_form",
        "_headers",
        "_json",
        "_query",
        "_stream_consumed",
        "client",
        "form_limits",
        "http_version",
        "method",
        "path",
        "path_params",
        "query_string",
        "raw_headers",
        "raw_path",
        "scheme",
        "server",
        "state",
    )

    def __init__(  # noqa: PLR0913, PLR0917 - the server passes all positionally (per request)
        self,
        method: str,
        target: bytes,
        raw_headers: list[tuple[bytes, bytes]],
        http_version: str = "1.1",
        scheme: str = "http",
        client: tuple[str, int] | None = None,
        server: tuple[str, int] | None = None,
        body: BodyChannel | None = None,
    ) -> None:
        self.method = method
        self.http_version = http_version
        self.scheme = scheme
        self.client = client
        self.server = server
        self.raw_headers = raw_headers
        raw_path, _, self.query_string = target.partition(b"?")
        if raw_path[:1] not in (b"/", b"*") and b"://" in raw_path:
            # absolute-form (RFC 9112 §3.2.2): keep only the path.
            authority_and_path = raw_path.split(b"://", 1)[1]
            slash = authority_and_path.find(b"/")
            raw_path = authority_and_path[slash:] if slash >= 0 else b"/"
        self.raw_path = raw_path
        path = raw_path.decode("latin-1")
        self.path = unquote(path) if "%" in path else path
        self.path_params: dict[str, Any] = {}
        self.state: dict[str, Any] = {}
        self.form_limits = _DEFAULT_FORM_LIMITS
        self._body_channel = body
        self._body: bytes | None = None if body is not None else b""
        self._stream_consumed = False
        self._headers: Headers | None = None
        self._query: MultiDict[str] | None = None
        self._cookies: dict[str, str] | None = None
        self._json: Any = _UNSET
        self._form: FormData | None = None

    # --- head --------------------------------------------------------------------------

    @property
    def headers(self) -> Headers:
        if self._headers is None:
            self._headers = Headers(self.raw_headers)
        return self._headers

    @property
    def query(self) -> MultiDict[str]:
        if self._query is None:
            self._query = MultiDict(
                parse_qsl(self.query_string.decode("latin-1"), keep_blank_values=True)
            )
        return self._query

    @property
    def cookies(self) -> dict[str, str]:
        if self._cookies is None:
            cookies: dict[str, str] = {}
            for header in self.headers.getlist("cookie"):
                for pair in header.split(";"):
                    name, sep, value = pair.strip().partition("=")
                    if sep and name:
                        cookies.setdefault(name, value.strip('"'))
            self._cookies = cookies
        return self._cookies

    @property
    def host(self) -> str:
        return self.headers.get("host") or (
            f"{self.server[0]}:{self.server[1]}" if self.server else ""
        )

    @property
    def url(self) -> str:
        query = f"?{self.query_string.decode('latin-1')}" if self.query_string else ""
        return f"{self.scheme}://{self.host}{self.raw_path.decode('latin-1')}{query}"

    # --- body --------------------------------------------------------------------------

    async def stream(self) -> AsyncIterator[bytes]:
        """The body in chunks as they arrive, once; after `body()`, the stored body."""
        if self._body is not None:
            if self._body:
                yield self._body
            return
        if self._stream_consumed:
            # Its bytes went to the first reader; an empty body now would be a silent loss.
            raise RuntimeError(
                "the request body stream was already consumed; "
                "use `await request.body()` first to read the body more than once"
            )
        self._stream_consumed = True
        channel = self._body_channel
        assert channel is not None  # noqa: S101 - _body is None only while a channel exists
        while (chunk := await channel.receive()) is not None:
            yield chunk

    async def body(self) -> bytes:
        if self._body is None:
            self._body = b"".join([chunk async for chunk in self.stream()])
        return self._body

    @property
    def trailers(self) -> Headers:
        """Trailer fields the client sent after the body (HTTP/1.1 chunked, HTTP/2, HTTP/3).

        Known once the whole body has arrived, so certainly after `await request.body()` or
        `stream()` to its last chunk (plain `def` handlers get the body read beforehand):
        empty before then, and when none came.
        """
        channel = self._body_channel
        return Headers(channel.trailers if channel is not None and channel.complete else [])

    @property
    def content(self) -> bytes:
        """The body, once read (handlers written as plain `def` get it read beforehand)."""
        if self._body is None:
            raise RuntimeError("the body has not been read yet: use `await request.body()`")
        return self._body

    async def json(self) -> Any:
        if self._json is _UNSET:
            raw = await self.body()
            try:
                self._json = json.loads(raw)
            except ValueError as error:
                raise HTTPException(400, f"request body is not valid JSON: {error}") from None
            except RecursionError:
                raise HTTPException(400, "request body JSON is nested too deeply") from None
        return self._json

    async def form(self) -> FormData:
        if self._form is None:
            content_type = self.headers.get("content-type", "")
            chunks = _once(self._body) if self._body is not None else self.stream()
            self._form = await parse_form(content_type, chunks, self.form_limits)
        return self._form

    def close(self) -> None:
        """Release what the request holds: uploaded files spooled to disk. The server calls it."""
        if self._form is not None:
            self._form.close()

    def __repr__(self) -> str:
        return f"<Request {self.method} {self.path!r}>"


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


_UNSET: Any = object()
