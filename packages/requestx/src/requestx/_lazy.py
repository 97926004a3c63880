"""`MadeOnFirstRead`: an attribute that the fast paths leave unset, made when first read.

A non-data descriptor: once made, the value sits in the instance `__dict__`, which Python
looks at first, so later reads and any assignment never reach the descriptor. The class's
attribute reads stay the plain ones (a `__getattr__` would route every read through a call).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["MadeOnFirstRead"]


class MadeOnFirstRead:
    """`make(instance.__dict__)` on first read; it raises KeyError when it cannot."""

    def __init__(self, make: Callable[[dict[str, Any]], Any]) -> None:
        self._make = make
        self._name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    def __get__(self, instance: object, owner: type | None = None) -> Any:
        if instance is None:
            return self
        fields = instance.__dict__
        try:
            value = fields[self._name] = self._make(fields)
        except KeyError:
            raise AttributeError(
                f"{type(instance).__name__!r} object has no attribute {self._name!r}"
            ) from None
        return value
