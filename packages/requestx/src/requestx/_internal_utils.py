"""Small string helpers requests keeps private but its users (and tests) import."""

from __future__ import annotations

from requestx.utils import to_native_string

__all__ = ["to_native_string", "unicode_is_ascii"]


def unicode_is_ascii(u_string: str) -> bool:
    """Whether a str holds only ASCII characters (used to decide on IDNA encoding)."""
    if not isinstance(u_string, str):
        raise TypeError(f"expected str, got {type(u_string).__name__}")
    return u_string.isascii()
