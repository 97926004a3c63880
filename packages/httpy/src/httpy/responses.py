"""Responses a handler returns. The server writes them; handlers only build them."""

from __future__ import annotations

import asyncio
import json
import mimetypes
import os
import stat as stat_module
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Mapping
from datetime import datetime
from email.utils import format_datetime
from http.cookies import SimpleCookie
from json.encoder import c_make_encoder, encode_basestring  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any, ClassVar, Literal
from urllib.parse import quote

from httpy.datastructures import MutableHeaders
from httpy.protocol.rules import check_outgoing_header

# One encoder for every JSON response: json.dumps with options builds a new one per call.
_JSON_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
_DONE: Any = object()
_DEFAULT_CONTENT_TYPES: dict[type, tuple[tuple[bytes, bytes], ...]] = {}

__all__ = [
    "FileResponse",
    "HTMLResponse",
    "JSONResponse",
    "RedirectResponse",
    "Response",
    "StreamingResponse",
    "TextResponse",
]


class Response:
    """A response with its whole body in memory."""

    media_type: ClassVar[str | None] = None
    charset: ClassVar[str] = "utf-8"
    #: True for responses whose body is produced while it is sent.
    streaming: ClassVar[bool] = False

    __slots__ = ("body", "headers", "pushes", "status_code")

    def __init__(
        self,
        content: Any = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
    ) -> None:
        if not 100 <= status_code <= 999:
            raise ValueError(f"invalid status code {status_code}")
        self.status_code = status_code
        #: Paths to push before this response (HTTP/2 server push); see `push`.
        self.pushes: list[tuple[bytes, list[tuple[bytes, bytes]]]] | None = None
        self.body = self.render(content)
        if headers is None and media_type is None:
            # The common case, on every response: the class's own content type, encoded
            # and checked once per class instead of once per response.
            self.headers = MutableHeaders.trusted(self._default_content_type())
            return
        self.headers = MutableHeaders(headers)
        content_type = media_type or self.media_type
        if content_type is not None and "content-type" not in self.headers:
            self.headers.append("content-type", self._with_charset(content_type))

    @classmethod
    def _with_charset(cls, content_type: str) -> str:
        if content_type.startswith("text/") and "charset=" not in content_type:
            return f"{content_type}; charset={cls.charset}"
        return content_type

    @classmethod
    def _default_content_type(cls) -> list[tuple[bytes, bytes]]:
        cached = _DEFAULT_CONTENT_TYPES.get(cls)
        if cached is None:
            if cls.media_type is None:
                cached = ()
            else:
                value = cls._with_charset(cls.media_type).encode("latin-1")
                check_outgoing_header(b"content-type", value)
                cached = ((b"content-type", value),)
            _DEFAULT_CONTENT_TYPES[cls] = cached
        return list(cached)

    def render(self, content: Any) -> bytes:
        if content is None:
            return b""
        if isinstance(content, bytes | bytearray | memoryview):
            return bytes(content)
        if isinstance(content, str):
            return content.encode(self.charset)
        raise TypeError(
            f"{type(self).__name__} takes bytes or str content, not {type(content).__name__}"
        )

    def push(self, path: str, headers: Mapping[str, str] | None = None) -> None:
        """Push ``GET path`` to an HTTP/2 client along with this response (server push).

        The pushed request runs through the app like any other, with `headers` as its
        request headers. It is sent only over HTTP/2 to a client that allows push
        (``SETTINGS_ENABLE_PUSH``); elsewhere it is silently skipped, as push is a hint.
        """
        if not path.startswith("/"):
            raise ValueError(f"a pushed path starts with '/', got {path!r}")
        raw = MutableHeaders(headers).raw if headers else []
        if self.pushes is None:
            self.pushes = []
        self.pushes.append((quote(path, safe="/%?=&;:@!$'()*+,~").encode("ascii"), raw))

    def set_cookie(  # noqa: PLR0913 - mirrors the Set-Cookie attributes one to one
        self,
        key: str,
        value: str = "",
        *,
        max_age: int | None = None,
        expires: datetime | str | int | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: Literal["lax", "strict", "none"] | None = "lax",
    ) -> None:
        cookie: SimpleCookie = SimpleCookie()
        cookie[key] = value
        morsel = cookie[key]
        if max_age is not None:
            morsel["max-age"] = max_age
        if expires is not None:
            morsel["expires"] = (
                format_datetime(expires, usegmt=True) if isinstance(expires, datetime) else expires
            )
        if path is not None:
            morsel["path"] = path
        if domain is not None:
            morsel["domain"] = domain
        if secure:
            morsel["secure"] = True
        if httponly:
            morsel["httponly"] = True
        if samesite is not None:
            if samesite.lower() not in ("lax", "strict", "none"):
                raise ValueError("samesite must be 'lax', 'strict' or 'none'")
            morsel["samesite"] = samesite
        self.headers.append("set-cookie", morsel.OutputString())

    def delete_cookie(
        self,
        key: str,
        *,
        path: str = "/",
        domain: str | None = None,
        secure: bool = False,
        samesite: Literal["lax", "strict", "none"] | None = None,
    ) -> None:
        """Expire a cookie; pass the `secure`/`samesite` it was set with (browsers match them)."""
        self.set_cookie(
            key,
            "",
            max_age=0,
            expires="Thu, 01 Jan 1970 00:00:00 GMT",
            path=path,
            domain=domain,
            secure=secure,
            samesite=samesite,
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.status_code}>"


class TextResponse(Response):
    media_type = "text/plain"
    __slots__ = ()


class HTMLResponse(Response):
    media_type = "text/html"
    __slots__ = ()


class JSONResponse(Response):
    media_type = "application/json"
    __slots__ = ()

    def render(self, content: Any) -> bytes:
        return json_body(content)


#: The `content-type` field of a JSON body, as the server writes it.
JSON_CONTENT_TYPE = (b"content-type", JSONResponse.media_type.encode("latin-1"))


def json_body(content: Any) -> bytes:
    """`content` as the JSON body JSONResponse sends (compact, UTF-8, no NaN)."""
    encoding = _encoding
    if encoding is None or encoding[0]:
        # No C encoder, or its markers are in use (see `_c_encoding`): the general path.
        return _JSON_ENCODER.encode(content).encode("utf-8")
    try:
        return "".join(encoding[1](content, 0)).encode("utf-8")
    except BaseException:
        _renew_encoding()
        raise


def _c_encoding() -> tuple[dict[int, Any], Callable[[Any, int], list[str]]] | None:
    """The C encoder `_JSON_ENCODER.encode` builds on every call (as costly as encoding a
    small dict), built once, with its `markers`: the containers being encoded, for the
    circular-reference check. They are empty between calls, except after a call that failed
    (the encoder is then renewed) or while another thread's call is inside the `default`
    hook, the one Python code an encode runs (that thread takes the general path then)."""
    if c_make_encoder is None:
        return None
    markers: dict[int, Any] = {}
    encoder = c_make_encoder(
        markers,
        _JSON_ENCODER.default,
        encode_basestring,  # ensure_ascii=False
        None,  # indent
        _JSON_ENCODER.key_separator,
        _JSON_ENCODER.item_separator,
        _JSON_ENCODER.sort_keys,
        _JSON_ENCODER.skipkeys,
        _JSON_ENCODER.allow_nan,
    )
    return markers, encoder


def _renew_encoding() -> None:
    global _encoding  # noqa: PLW0603 - one module-wide encoder, replaced whole
    _encoding = _c_encoding()


_encoding = _c_encoding()


class RedirectResponse(Response):
    __slots__ = ()

    def __init__(
        self, url: str, status_code: int = 307, headers: Mapping[str, str] | None = None
    ) -> None:
        if not 300 <= status_code <= 399:
            raise ValueError(f"a redirect needs a 3xx status, got {status_code}")
        super().__init__(b"", status_code, headers)
        # Percent-encode what a Location header must not carry raw; keep URL syntax intact.
        self.headers["location"] = quote(url, safe=":/%#?=@[]!$&'()*+,;~")


class StreamingResponse(Response):
    """A body produced while it is sent: chunked on HTTP/1.1 unless a length is given.

    ``trailers`` (empty at first) may be filled while the body is produced, for fields known
    only at its end (a checksum, a gRPC status): HTTP/2 sends them after the body; HTTP/1.1
    does not send trailers.
    """

    streaming = True
    __slots__ = ("content", "trailers")

    def __init__(
        self,
        content: AsyncIterable[bytes | str] | Iterable[bytes | str],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
    ) -> None:
        super().__init__(None, status_code, headers, media_type)
        self.content = content
        self.trailers = MutableHeaders()

    async def stream_body(self) -> AsyncIterator[bytes]:
        content = self.content
        if isinstance(content, AsyncIterable):
            async for chunk in content:
                yield chunk.encode(self.charset) if isinstance(chunk, str) else chunk
        else:
            # A plain iterator may block (a file, a database cursor): pull it in a thread
            # so the event loop keeps serving other connections.
            loop = asyncio.get_running_loop()
            iterator = iter(content)
            while (chunk := await loop.run_in_executor(None, next, iterator, _DONE)) is not _DONE:
                yield chunk.encode(self.charset) if isinstance(chunk, str) else chunk


class FileResponse(StreamingResponse):
    """A file from disk, read in a worker thread a chunk at a time."""

    chunk_size: ClassVar[int] = 64 * 1024
    __slots__ = ("path", "size")

    def __init__(
        self,
        path: str | os.PathLike[str],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        filename: str | None = None,
    ) -> None:
        self.path = Path(path)
        stat = self.path.stat()  # FileNotFoundError here, not halfway through the response
        if stat_module.S_ISDIR(stat.st_mode):
            raise IsADirectoryError(f"FileResponse needs a file, not a directory: {self.path}")
        self.size = stat.st_size
        guessed = mimetypes.guess_type(filename or self.path.name)[0]
        super().__init__(
            (), status_code, headers, media_type or guessed or "application/octet-stream"
        )
        self.headers["content-length"] = str(stat.st_size)
        if filename is not None:
            quoted = quote(filename)
            disposition = (
                f'attachment; filename="{filename}"'
                if quoted == filename
                else f"attachment; filename*=utf-8''{quoted}"
            )
            self.headers["content-disposition"] = disposition

    async def stream_body(self) -> AsyncIterator[bytes]:
        loop = asyncio.get_running_loop()
        remaining = self.size
        with self.path.open("rb") as file:
            # The content-length was sent from stat(): a file growing meanwhile must not
            # push bytes past it (the connection would be corrupt).
            while remaining > 0:
                chunk = await loop.run_in_executor(None, file.read, min(self.chunk_size, remaining))
                if not chunk:
                    break
                remaining -= len(chunk)
                yield chunk
