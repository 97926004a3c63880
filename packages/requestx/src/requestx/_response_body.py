"""Reading a response body from ``Response.raw``: the loops behind ``Response``'s readers.

:func:`stream_raw` and :func:`astream_raw` pull chunks from the raw object (its ``stream`` /
``astream`` when it has them, else ``read`` until it returns nothing), :class:`LineSplitter`
cuts chunks into lines, :func:`adecode` decodes them incrementally. None of these knows about
``Response``: they take the raw object, the chunks or the encoding.

Errors from the raw object pass through unchanged, except urllib3's (from a urllib3 response
a user set as ``raw``), which become requestx's as requests maps them. urllib3 is consulted
only if something else already imported it; requestx never does.
"""

from __future__ import annotations

import codecs
import functools
import importlib
import sys
from collections.abc import AsyncIterator, Iterable, Iterator
from types import ModuleType
from typing import Any, Final

from requestx.exceptions import (
    ChunkedEncodingError,
    ConnectionError,  # requests' name, shadowing the builtin on purpose
    ContentDecodingError,
    SSLError,
)

__all__ = [
    "LineSplitter",
    "adecode",
    "aiterate",
    "astream_raw",
    "charset_detector",
    "stream_raw",
    "translated_error",
]


@functools.cache
def charset_detector() -> ModuleType | None:
    """charset_normalizer, else chardet, else None: imported on first use only."""
    for name in ("charset_normalizer", "chardet"):
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    return None


# urllib3's stream errors, and the requestx errors requests turns them into.
_URLLIB3_ERRORS: Final = (
    ("ProtocolError", ChunkedEncodingError),
    ("DecodeError", ContentDecodingError),
    ("ReadTimeoutError", ConnectionError),
    ("SSLError", SSLError),
)


def translated_error(error: Exception) -> Exception | None:
    """The requestx error a urllib3 stream ``error`` stands for, or None for other errors."""
    urllib3_exceptions = sys.modules.get("urllib3.exceptions")
    if urllib3_exceptions is None:
        return None
    for name, ours in _URLLIB3_ERRORS:
        theirs = getattr(urllib3_exceptions, name, None)
        if isinstance(theirs, type) and isinstance(error, theirs):
            return ours(error)
    return None


def stream_raw(raw: Any, chunk_size: int | None) -> Iterator[bytes]:
    """The decoded body chunks of ``raw``, ``chunk_size`` bytes at a time."""
    try:
        if hasattr(raw, "stream"):
            yield from raw.stream(chunk_size, decode_content=True)
        else:
            while chunk := raw.read(chunk_size):
                yield chunk
    except Exception as error:
        if (translated := translated_error(error)) is None:
            raise
        raise translated from error


async def astream_raw(raw: Any, chunk_size: int | None) -> AsyncIterator[bytes]:
    """:func:`stream_raw` for an event loop: through ``raw.astream`` when it has one.

    A raw object without ``astream`` (a urllib3 response, ``io.BytesIO``) is read with its
    synchronous methods.
    """
    try:
        if hasattr(raw, "astream"):
            async for chunk in raw.astream(chunk_size, decode_content=True):
                yield chunk
        else:
            for chunk in stream_raw(raw, chunk_size):
                yield chunk
    except Exception as error:
        if (translated := translated_error(error)) is None:
            raise
        raise translated from error


async def aiterate(chunks: Iterable[Any]) -> AsyncIterator[Any]:
    """``chunks`` as an async iterator (for a body that is already in memory)."""
    for chunk in chunks:
        yield chunk


async def adecode(chunks: AsyncIterator[bytes], encoding: str | None) -> AsyncIterator[Any]:
    """Decode ``chunks`` with ``encoding`` incrementally; pass them through if it is None.

    The async twin of :func:`requestx.utils.stream_decode_response_unicode`: a character
    split between chunks comes out whole, undecodable bytes become U+FFFD.
    """
    if encoding is None:
        async for chunk in chunks:
            yield chunk
        return
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    async for chunk in chunks:
        if text := decoder.decode(chunk):
            yield text
    if tail := decoder.decode(b"", final=True):
        yield tail


class LineSplitter:
    """Cuts a stream of chunks into lines, as ``iter_lines`` does (sans-IO: feed, flush).

    With no delimiter, lines end at any line boundary ``str.splitlines`` knows and the line
    ends are dropped. A chunk's last piece is held back until the next chunk shows whether
    it continues, with one quirk kept from requests: a piece is held back only if it ends
    with the chunk's last character, so a chunk ending in a line break releases everything
    (and a ``\\r\\n`` split between two chunks yields an extra empty line).
    """

    def __init__(self, delimiter: str | bytes | None) -> None:
        self._delimiter = delimiter
        self._pending: Any = None

    def feed(self, chunk: Any) -> list[Any]:
        """The complete lines that ``chunk`` finishes."""
        if self._pending is not None:
            chunk = self._pending + chunk
        lines: list[Any] = chunk.split(self._delimiter) if self._delimiter else chunk.splitlines()
        if lines and lines[-1] and chunk and lines[-1][-1] == chunk[-1]:
            self._pending = lines.pop()
        else:
            self._pending = None
        return lines

    def flush(self) -> list[Any]:
        """The last, unterminated line, if any (call once the chunks are over)."""
        return [] if self._pending is None else [self._pending]
