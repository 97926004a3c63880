"""Exceptions a handler raises or meets."""

from __future__ import annotations

from collections.abc import Mapping

from httpy.protocol.rules import reason_phrase

__all__ = ["ClientDisconnectedError", "HTTPException"]


class HTTPException(Exception):  # noqa: N818 - the name users know from Starlette/FastAPI
    """Raise to answer with ``status``; ``detail`` becomes the JSON body's ``detail``."""

    def __init__(
        self,
        status_code: int,
        detail: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if not 400 <= status_code <= 599:
            raise ValueError(f"HTTPException needs an error status (4xx/5xx), got {status_code}")
        self.status_code = status_code
        self.detail = detail if detail is not None else reason_phrase(status_code)
        self.headers = dict(headers or {})
        super().__init__(status_code, self.detail)

    def __repr__(self) -> str:
        return f"HTTPException(status_code={self.status_code}, detail={self.detail!r})"


class ClientDisconnectedError(ConnectionError):
    """The client went away while the handler was still reading its request."""
