"""`RawBody`: what `Response.raw` is, an urllib3-shaped view of the engine's response body.

requests' `Response` reads its body through `raw.stream(amt, decode_content=True)` and
`raw.read(amt)`; urllib3 answers those, here the Rust engine does. `read(amt)` waits for
`amt` bytes (or the end); `stream(amt)` hands over what has arrived, in pieces of at most
`amt` bytes, without waiting for more, as urllib3 streams a chunked body.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

from requestx.structures import CaseInsensitiveDict

if TYPE_CHECKING:
    from requestx._requestx import RawResponse

__all__ = ["RawBody", "RawHeaders", "ResponseHeaders"]


class RawHeaders:
    """The response's header lines as received, repeats kept (like urllib3's HTTPHeaderDict).

    `Response.headers` folds repeats into one comma-joined value, as requests does; cookies
    need every `Set-Cookie` line apart, which `get_all` gives.
    """

    __slots__ = ("_lines",)

    def __init__(self, lines: list[tuple[str, str]]) -> None:
        self._lines = lines

    def get_all(self, name: str, failobj: list[str] | None = None) -> list[str] | None:
        wanted = name.lower()
        values = [value for key, value in self._lines if key.lower() == wanted]
        return values or failobj

    def getlist(self, name: str) -> list[str]:
        return self.get_all(name) or []

    def get(self, name: str, default: str | None = None) -> str | None:
        values = self.get_all(name)
        return ", ".join(values) if values else default

    def items(self) -> list[tuple[str, str]]:
        return list(self._lines)

    def __setitem__(self, name: str, value: str) -> None:
        wanted = name.lower()
        self._lines = [line for line in self._lines if line[0].lower() != wanted]
        self._lines.append((name, value))

    def __getitem__(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and bool(self.get_all(name))

    def __iter__(self) -> Iterator[str]:
        return (key for key, _ in self._lines)

    def __len__(self) -> int:
        return len(self._lines)

    def __repr__(self) -> str:
        return f"RawHeaders({self._lines!r})"


class _StoreFromEngine:
    """`ResponseHeaders._store`, built from the engine's header lines when first read.

    A non-data descriptor: once built, the store sits in the instance's `__dict__`, which
    then wins over the descriptor, so later reads cost a plain attribute lookup.
    """

    def __get__(self, instance: ResponseHeaders | None, owner: type | None = None) -> Any:
        if instance is None:
            return self
        store = instance._engine.folded_headers()
        instance.__dict__["_store"] = store
        return store


class ResponseHeaders(CaseInsensitiveDict[str]):
    """`Response.headers`: a CaseInsensitiveDict whose contents the engine folds only when
    something reads them (many callers look at the status and body alone)."""

    _store = _StoreFromEngine()

    def __init__(self, engine_response: RawResponse) -> None:
        self._engine = engine_response

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled and copied as the plain mapping: the engine's response stays behind.
        return (CaseInsensitiveDict, (dict(self.items()),))


class RawBody:
    """The body of one response: streamed from the engine, or already whole."""

    def __init__(self, engine_response: RawResponse, content: bytes | None = None) -> None:
        self._engine = engine_response
        self._pending = bytearray()
        # A whole body (stream=False) is kept here until read, like urllib3's preload.
        self._preloaded = content
        self.closed = False
        self.status = engine_response.status
        self.reason = engine_response.reason
        self.version = engine_response.version
        self._headers: RawHeaders | None = None
        # Read by extract_cookies_to_jar: most responses set no cookie, and then the cookie
        # policy machinery can be skipped entirely.
        self.sets_cookies = engine_response.sets_cookies
        # As requests sets up urllib3: `raw.read()` gives the bytes as sent; iter_content decodes.
        self.decode_content = False

    # --- urllib3.HTTPResponse-like surface ----------------------------------------------

    @property
    def headers(self) -> RawHeaders:
        """Every header line as received (built when first asked for: most never are)."""
        if self._headers is None:
            self._headers = RawHeaders(self._engine.headers)
        return self._headers

    @headers.setter
    def headers(self, headers: RawHeaders) -> None:
        self._headers = headers

    def read(self, amt: int | None = None, decode_content: bool | None = None) -> bytes:
        """Up to `amt` bytes (all that is left when None); decoded when `decode_content`."""
        decode = self.decode_content if decode_content is None else decode_content
        if self._preloaded is not None:
            return self._take_preloaded(amt)
        while amt is None or len(self._pending) < amt:
            chunk = self._next(decode=decode)
            if chunk is None:
                break
            self._pending += chunk
        return self._take_pending(amt)

    def stream(
        self, amt: int | None = 65536, decode_content: bool | None = None
    ) -> Iterator[bytes]:
        """Pieces of up to `amt` bytes (any size when None), each as soon as it is there.

        Unlike `read(amt)`, a piece never waits for more data than has arrived (an event
        stream shows each event when it comes), as urllib3 streams a chunked body.
        """
        decode = self.decode_content if decode_content is None else decode_content
        while True:
            if self._preloaded is not None:
                data = self._take_preloaded(amt)
            else:
                while not self._pending and (chunk := self._next(decode=decode)) is not None:
                    self._pending += chunk
                data = self._take_pending(amt)
            if not data:
                return
            yield data

    async def aread(self, amt: int | None = None, decode_content: bool | None = None) -> bytes:
        decode = self.decode_content if decode_content is None else decode_content
        if self._preloaded is not None:
            return self._take_preloaded(amt)
        while amt is None or len(self._pending) < amt:
            chunk = await self._anext(decode=decode)
            if chunk is None:
                break
            self._pending += chunk
        return self._take_pending(amt)

    async def astream(
        self,
        amt: int | None = 65536,
        decode_content: bool | None = None,
    ) -> AsyncIterator[bytes]:
        """`stream` for an event loop: each piece as soon as it is there."""
        decode = self.decode_content if decode_content is None else decode_content
        while True:
            if self._preloaded is not None:
                data = self._take_preloaded(amt)
            else:
                while not self._pending and (chunk := await self._anext(decode=decode)) is not None:
                    self._pending += chunk
                data = self._take_pending(amt)
            if not data:
                return
            yield data

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._engine.close()

    def release_conn(self) -> None:
        # hyper returns a connection to the pool once its body is read to the end; an
        # unread body is dropped with its connection.
        self.close()

    def isclosed(self) -> bool:
        return self.closed

    def readable(self) -> bool:
        return True

    def __iter__(self) -> Iterator[bytes]:
        return self.stream()

    # --- internals -----------------------------------------------------------------------

    def _next(self, *, decode: bool) -> bytes | None:
        if self.closed:
            return None
        chunk = self._engine.read_chunk(decode)
        if chunk is None:
            self.closed = True
        return chunk

    async def _anext(self, *, decode: bool) -> bytes | None:
        if self.closed:
            return None
        chunk: bytes | None = await self._engine.read_chunk_async(decode)
        if chunk is None:
            self.closed = True
        return chunk

    def _take_pending(self, amt: int | None) -> bytes:
        if amt is None or amt >= len(self._pending):
            data = bytes(self._pending)
            self._pending.clear()
            return data
        data = bytes(self._pending[:amt])
        del self._pending[:amt]
        return data

    def _take_preloaded(self, amt: int | None) -> bytes:
        content = self._preloaded or b""
        if amt is None or amt >= len(content):
            self._preloaded = b""
            self.closed = True
            return content
        self._preloaded = content[amt:]
        return content[:amt]
