"""HPACK coders for h2 that reuse the last header block when it would come out the same.

A client under load sends the same request header block over and over (once its fields are
in the dynamic table, the block is a few index bytes), and a server answers with the same
response fields; hpack decodes and encodes each field again every time, about a fifth of a
small HTTP/2 request's instructions. Both coders here remember their last block and reuse it
when the next one is identical *and* the dynamic table is exactly as the last one left it
*and* the last one did not change the table (every field was found indexed). Then coding it
again would produce the same output and change nothing, so skipping it is invisible to the
peer: the compression contexts of both sides stay in step.

The table is "exactly as left" when its newest entry is the same object, it holds as many
entries and its size limit did not move: hpack inserts a new tuple at the front for every
addition (an addition may evict from the back), so any change shows in one of the three.
Fields marked never-indexed (``NeverIndexedHeaderTuple``) are never served from the cache.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hpack import Decoder, Encoder, NeverIndexedHeaderTuple

if TYPE_CHECKING:
    from collections.abc import Iterable

    from hpack.struct import HeaderTuple
    from hpack.table import HeaderTable

__all__ = ["CachingDecoder", "CachingEncoder"]

_TableState = tuple[object, int, int]


def _state(table: HeaderTable) -> _TableState:
    entries = table.dynamic_entries
    return (entries[0] if entries else None, len(entries), table.maxsize)


def _same(table: HeaderTable, state: _TableState) -> bool:
    entries = table.dynamic_entries
    first = entries[0] if entries else None
    return first is state[0] and len(entries) == state[1] and table.maxsize == state[2]


def _sensitive(fields: list[object]) -> bool:
    """A field hpack codes never-indexed: its block is not one to hand out for plain ones."""
    return any(type(field) is NeverIndexedHeaderTuple or len(field) > 2 for field in fields)  # type: ignore[arg-type]


class CachingEncoder(Encoder):
    """hpack's Encoder; an unchanged field list on an unchanged table reuses its block."""

    def __init__(self) -> None:
        super().__init__()
        self._fields: list[object] | None = None
        self._huffman = True
        self._block = b""
        self._after: _TableState | None = None

    def encode(self, headers: Iterable[object], huffman: bool = True) -> bytes:  # noqa: FBT001, FBT002 - hpack's signature
        table = self.header_table
        after = self._after
        if (
            after is not None
            and headers == self._fields
            and huffman is self._huffman
            and not table.resized
            and _same(table, after)
            # (`in` over a map runs in C: no Python frame per field, on every response.)
            and NeverIndexedHeaderTuple not in map(type, headers)
        ):
            return self._block
        fields = headers if type(headers) is list else None
        before = None if fields is None or table.resized else _state(table)
        block = super().encode(headers, huffman)  # type: ignore[arg-type]
        if before is not None and _same(table, before) and not _sensitive(fields):  # type: ignore[arg-type]
            # Nothing was added: the same fields next time give the same block.
            self._fields, self._huffman, self._block, self._after = fields, huffman, block, before
        else:
            self._after = None
        return block


class CachingDecoder(Decoder):
    """hpack's Decoder; the same block on an unchanged table reuses its field list."""

    def __init__(self, max_header_list_size: int = 2**16) -> None:
        super().__init__(max_header_list_size)
        self._data = b""
        self._raw = False
        self._fields: list[HeaderTuple] = []
        self._limits = (0, 0)
        self._after: _TableState | None = None

    def decode(self, data: bytes, raw: bool = False) -> list[HeaderTuple]:  # noqa: FBT001, FBT002 - hpack's signature
        table = self.header_table
        after = self._after
        limits = (self.max_header_list_size, self.max_allowed_table_size)
        if (
            after is not None
            and data == self._data
            and raw is self._raw
            and limits == self._limits
            and _same(table, after)
        ):
            return list(self._fields)  # the caller may keep or change its list
        before = _state(table)
        fields = list(super().decode(data, raw))
        if _same(table, before) and type(data) is bytes:
            # Only indexed fields: the same block next time decodes to the same list.
            self._data, self._raw, self._fields, self._limits = data, raw, fields, limits
            self._after = before
        else:
            self._after = None
        return list(fields)
