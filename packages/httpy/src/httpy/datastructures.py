"""Multi-dicts for query strings, headers and forms; the uploaded file type."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, TypeVar

from httpy.protocol.rules import HeaderValueError, check_outgoing_header

__all__ = ["FormData", "Headers", "MultiDict", "MutableHeaders", "UploadFile"]

V = TypeVar("V")


class MultiDict(Mapping[str, V]):
    """Read-only mapping that keeps every value of a repeated key.

    ``md[key]`` and ``md.get(key)`` give the first value; ``getlist`` gives all of them.
    """

    __slots__ = ("_dict", "_items")

    def __init__(self, items: Iterable[tuple[str, V]] = ()) -> None:
        self._items = list(items)
        grouped: dict[str, list[V]] = {}
        for key, value in self._items:
            grouped.setdefault(key, []).append(value)
        self._dict = grouped

    def __getitem__(self, key: str) -> V:
        return self._dict[key][0]

    def __iter__(self) -> Iterator[str]:
        return iter(self._dict)

    def __len__(self) -> int:
        return len(self._dict)

    def getlist(self, key: str) -> list[V]:
        return list(self._dict.get(key, ()))

    def multi_items(self) -> list[tuple[str, V]]:
        return list(self._items)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._items!r})"


class Headers(Mapping[str, str]):
    """Request headers: case-insensitive, repeated fields kept, decoded only when asked."""

    __slots__ = ("_decoded", "_raw")

    def __init__(self, raw: list[tuple[bytes, bytes]]) -> None:
        # Names arrive lower-cased from the protocol layer.
        self._raw = raw
        self._decoded: dict[str, list[str]] | None = None

    def _index(self) -> dict[str, list[str]]:
        if self._decoded is None:
            decoded: dict[str, list[str]] = {}
            for name, value in self._raw:
                decoded.setdefault(name.decode("latin-1"), []).append(value.decode("latin-1"))
            self._decoded = decoded
        return self._decoded

    def __getitem__(self, key: str) -> str:
        values = self._index()[key.lower()]
        # RFC 9110 §5.3: repeated fields combine with commas (Set-Cookie aside, a response field).
        return values[0] if len(values) == 1 else ", ".join(values)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._index()

    def __iter__(self) -> Iterator[str]:
        return iter(self._index())

    def __len__(self) -> int:
        return len(self._index())

    def getlist(self, key: str) -> list[str]:
        return list(self._index().get(key.lower(), ()))

    @property
    def raw(self) -> list[tuple[bytes, bytes]]:
        return self._raw

    def __repr__(self) -> str:
        return f"Headers({[(k, v) for k, vs in self._index().items() for v in vs]!r})"


class MutableHeaders:
    """Response headers: case-insensitive, ordered, checked against header injection as set."""

    __slots__ = ("_items",)

    def __init__(
        self,
        items: Mapping[str, str] | MutableHeaders | Iterable[tuple[str, str]] | None = None,
    ) -> None:
        self._items: list[tuple[bytes, bytes]] = []
        if items is None:
            return
        # MutableHeaders iterates over names (repeated ones included), so copy its pairs.
        pairs = items.items() if isinstance(items, Mapping | MutableHeaders) else items
        for name, value in pairs:
            self.append(name, value)

    @classmethod
    def trusted(cls, pairs: list[tuple[bytes, bytes]]) -> MutableHeaders:
        """Wrap pairs already encoded, lower-cased and checked (the server's fast path)."""
        headers = cls.__new__(cls)
        headers._items = pairs
        return headers

    @staticmethod
    def _encode(name: str, value: str) -> tuple[bytes, bytes]:
        try:
            pair = (name.lower().encode("ascii"), str(value).encode("latin-1"))
        except UnicodeEncodeError as error:
            raise HeaderValueError(f"header {name!r} is not encodable: {error}") from None
        check_outgoing_header(*pair)
        return pair

    @staticmethod
    def _key(name: str) -> bytes:
        # Stored names are ASCII tokens: a non-ASCII name is simply absent, not an error.
        return name.lower().encode("utf-8", "surrogatepass")

    def append(self, name: str, value: str) -> None:
        self._items.append(self._encode(name, value))

    def __setitem__(self, name: str, value: str) -> None:
        encoded_name, encoded_value = self._encode(name, value)
        self._items = [item for item in self._items if item[0] != encoded_name]
        self._items.append((encoded_name, encoded_value))

    def __delitem__(self, name: str) -> None:
        key = self._key(name)
        self._items = [item for item in self._items if item[0] != key]

    def __getitem__(self, name: str) -> str:
        key = self._key(name)
        for item_name, value in self._items:
            if item_name == key:
                return value.decode("latin-1")
        raise KeyError(name)

    def get(self, name: str, default: str | None = None) -> str | None:
        try:
            return self[name]
        except KeyError:
            return default

    def getlist(self, name: str) -> list[str]:
        key = self._key(name)
        return [value.decode("latin-1") for item_name, value in self._items if item_name == key]

    def setdefault(self, name: str, value: str) -> str:
        existing = self.get(name)
        if existing is None:
            self.append(name, value)
            return value
        return existing

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        key = self._key(name)
        return any(item_name == key for item_name, _ in self._items)

    def items(self) -> list[tuple[str, str]]:
        return [(n.decode("ascii"), v.decode("latin-1")) for n, v in self._items]

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self.items())

    def __len__(self) -> int:
        return len(self._items)

    @property
    def raw(self) -> list[tuple[bytes, bytes]]:
        return self._items

    def __repr__(self) -> str:
        return f"MutableHeaders({self.items()!r})"


class UploadFile:
    """A file from a multipart form, spooled to disk beyond ``max_memory`` bytes."""

    def __init__(
        self,
        filename: str,
        content_type: str,
        headers: Mapping[str, str] | None = None,
        max_memory: int = 1024 * 1024,
    ) -> None:
        self.filename = filename
        self.content_type = content_type
        self.headers = dict(headers or {})
        self.size = 0
        self.file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=max_memory)  # noqa: SIM115

    def write(self, data: bytes) -> None:
        self.size += len(data)
        self.file.write(data)

    def read(self, size: int = -1) -> bytes:
        return self.file.read(size)

    def seek(self, offset: int) -> None:
        self.file.seek(offset)

    def close(self) -> None:
        self.file.close()

    def __repr__(self) -> str:
        return f"UploadFile(filename={self.filename!r}, size={self.size})"


class FormData(MultiDict["str | UploadFile"]):
    """Fields and files of a submitted form; repeated names keep every value."""

    __slots__ = ()

    def close(self) -> None:
        for _, value in self._items:
            if isinstance(value, UploadFile):
                value.close()
