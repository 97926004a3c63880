"""The two small containers requests exposes from ``requests.structures``.

``CaseInsensitiveDict`` holds headers: lookups ignore case, iteration shows each key as it was
last set. ``LookupDict`` backs ``requestx.codes``: names are attributes, and item access on an
unknown name answers ``None`` instead of raising.
"""

from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from typing import Any, TypeVar, cast, overload

__all__ = ["CaseInsensitiveDict", "LookupDict"]

_VT = TypeVar("_VT")
_D = TypeVar("_D")


class CaseInsensitiveDict(MutableMapping[str, _VT]):
    """A ``dict``-like mapping of string keys that ignores case on lookup.

    The key's case from the last assignment is kept for iteration, ``keys()`` and ``items()``;
    lookups, deletion and ``in`` ignore it::

        cid = CaseInsensitiveDict()
        cid["Accept"] = "application/json"
        cid["aCCEPT"] == "application/json"  # True
        list(cid) == ["Accept"]  # True

    Equality holds against any ``Mapping`` with the same keys up to case and the same values.
    If two keys given at once (constructor, ``update``, comparison) differ only in case, which
    one wins is undefined, as in requests.
    """

    # lower-cased key -> (key as last set, value). A plain dict keeps insertion order, and
    # re-setting an existing key keeps its position, which is what requests' OrderedDict did.
    _store: dict[str, tuple[str, _VT]]

    def __init__(
        self,
        data: Mapping[str, _VT] | Iterable[tuple[str, _VT]] | None = None,
        **kwargs: _VT,
    ) -> None:
        self._store = {}
        if data is not None or kwargs:  # an empty one is made per response: skip update()
            self.update({} if data is None else data, **kwargs)

    def __setitem__(self, key: str, value: _VT) -> None:
        self._store[key.lower()] = (key, value)

    def __getitem__(self, key: str) -> _VT:
        return self._store[key.lower()][1]

    def __delitem__(self, key: str) -> None:
        del self._store[key.lower()]

    # Mapping's own `in` and `get` go through __getitem__ and a caught KeyError; these are
    # asked of every response's headers, so answer them from the store directly.
    def __contains__(self, key: object) -> bool:
        return cast("str", key).lower() in self._store

    def get(self, key: str, default: Any = None) -> Any:
        pair = self._store.get(key.lower())
        return default if pair is None else pair[1]

    def __iter__(self) -> Iterator[str]:
        return (cased_key for cased_key, _ in self._store.values())

    def __len__(self) -> int:
        return len(self._store)

    def lower_items(self) -> Iterator[tuple[str, _VT]]:
        """Iterate over ``(lower-cased key, value)`` pairs."""
        return ((lower_key, pair[1]) for lower_key, pair in self._store.items())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Mapping):
            return NotImplemented
        # Normalise the other side through the same folding so {"ACCEPT": x} == cid.
        folded: CaseInsensitiveDict[Any] = CaseInsensitiveDict(other)
        return dict(self.lower_items()) == dict(folded.lower_items())

    # Equal mappings may differ in key case, and the mapping is mutable: no hash, as for dict.
    __hash__ = None  # type: ignore[assignment]

    def copy(self) -> "CaseInsensitiveDict[_VT]":
        """A shallow copy that keeps every key's case."""
        # The store's layout is this class's own: copy it as it is, without re-folding keys.
        # Always the base class, as requests' copy() is (a subclass may hold more state).
        return CaseInsensitiveDict._from_store(dict(self._store))

    @classmethod
    def _from_store(cls, store: dict[str, tuple[str, _VT]]) -> "CaseInsensitiveDict[_VT]":
        """A dict around `store`, already in this class's layout (taken, not copied)."""
        made = cls.__new__(cls)
        made._store = store
        return made

    def __repr__(self) -> str:
        # Like a dict of the cased keys, which is what requests prints (no class name).
        return repr(dict(self.items()))


class LookupDict(dict[str, _VT]):
    """A dictionary whose entries are attributes, with ``None`` for unknown item lookups.

    Values live in the instance ``__dict__`` (set them with ``setattr``); the ``dict`` part
    itself stays empty, exactly like requests' ``LookupDict``. ``d["missing"]`` and
    ``d.get("missing")`` answer ``None``; ``d.missing`` raises ``AttributeError``.
    """

    name: Any

    def __init__(self, name: Any = None) -> None:
        self.name = name
        super().__init__()

    def __repr__(self) -> str:
        return f"<lookup '{self.name}'>"

    def __getattr__(self, key: str) -> _VT:
        # Only reached when normal lookup failed, i.e. the name was never set. It exists so type
        # checkers know that `codes.ok` is an int rather than rejecting the attribute.
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {key!r}")

    def __setattr__(self, key: str, value: Any) -> None:
        # Spelled out only so type checkers accept `table.some_name = value`; behaviour is
        # object's.
        super().__setattr__(key, value)

    def __getitem__(self, key: str) -> _VT | None:  # type: ignore[override]
        # Unknown names fall through to None: requests callers rely on codes["nope"] is None.
        value: _VT | None = self.__dict__.get(key)
        return value

    @overload
    def get(self, key: str, default: None = None) -> _VT | None: ...

    @overload
    def get(self, key: str, default: _VT) -> _VT: ...

    @overload
    def get(self, key: str, default: _D) -> _VT | _D: ...

    def get(self, key: str, default: Any = None) -> Any:
        """The attribute ``key``, or ``default`` when it was never set."""
        return self.__dict__.get(key, default)
