"""ASGI connection scopes built from a server :class:`~httpy.server.stream.Stream`.

What an ``http`` and a ``websocket`` scope share (path, headers, client, server, root_path,
state, proxy rewriting) is built in one place, :meth:`ScopeBuilder.connection`; each scope
type adds its own keys on top.

Invariants:
- ``path`` is percent-decoded (UTF-8) and ``raw_path`` is the target's bytes; both start with
  ``root_path`` when one is set, as uvicorn does, so frameworks strip it again when routing.
- Every scope gets a fresh shallow copy of the lifespan ``state``: what one request stores
  there is never seen by another.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import unquote

if TYPE_CHECKING:
    from httpy.asgi.proxy import ProxyHeaders
    from httpy.asgi.types import Scope
    from httpy.protocol.events import RequestReceived
    from httpy.server.stream import Stream

__all__ = ["ASGI_VERSION", "SPEC_VERSION", "Connection", "ScopeBuilder"]

ASGI_VERSION = "3.0"
#: 2.4: `send` raises an OSError once the client is gone (frameworks rely on it to stop).
SPEC_VERSION = "2.4"


class Connection(Protocol):
    """What a scope is built from: an HTTP :class:`~httpy.server.stream.Stream`, or a
    :class:`~httpy.server.websocket.WebSocketSession` (both carry these)."""

    @property
    def head(self) -> RequestReceived: ...

    @property
    def client(self) -> tuple[str, int] | None: ...

    @property
    def server(self) -> tuple[str, int] | None: ...


class ScopeBuilder:
    __slots__ = ("_proxy", "_root_path", "_root_path_bytes", "state")

    def __init__(self, *, root_path: str = "", proxy: ProxyHeaders | None = None) -> None:
        if root_path and (not root_path.startswith("/") or root_path.endswith("/")):
            raise ValueError(f"root_path must start with '/' and not end with one: {root_path!r}")
        self._root_path = root_path
        self._root_path_bytes = root_path.encode("utf-8")
        self._proxy = proxy
        #: Filled by the app during lifespan startup; copied into every connection scope.
        self.state: dict[str, Any] = {}

    def connection(self, connection: Connection, scope_type: str, scheme: str) -> Scope:
        """The keys every connection scope has (not ``method`` or ``extensions``); the
        ``websocket`` scope adds ``subprotocols`` to these, with ``ws``/``wss`` as `scheme`."""
        scope = self.build(connection, scope_type, scheme)
        del scope["method"], scope["extensions"]
        return scope

    def build(self, connection: Connection, scope_type: str, scheme: str) -> Scope:
        """Every key of an ``http`` scope, ``method`` and ``extensions`` included, in one
        dict and one frame (the adapter calls it per request, for ``http``); the other
        scope types start from it."""
        head = connection.head
        target = head.target
        raw_path, _, query_string = target.partition(b"?")
        if raw_path[:1] != b"/":
            raw_path = _origin_form(raw_path)
        path = raw_path.decode("latin-1")
        if b"%" in raw_path:
            # As uvicorn: bytes that are not UTF-8 become U+FFFD (raw_path keeps them); a
            # lone surrogate would fail later in whatever encodes the path again.
            path = unquote(path, encoding="utf-8", errors="replace")
        client = connection.client
        if self._proxy is not None:
            client, scheme = self._proxy.resolve(head.headers, client, scheme)
        root_path = self._root_path
        if root_path:
            path = root_path + path
            raw_path = self._root_path_bytes + raw_path
        return {
            "type": scope_type,
            "asgi": {"version": ASGI_VERSION, "spec_version": SPEC_VERSION},
            "http_version": head.http_version,
            "scheme": scheme,
            "path": path,
            "raw_path": raw_path,
            "query_string": query_string,
            "root_path": root_path,
            "headers": head.headers,
            "client": client,
            "server": connection.server,
            "state": self.state.copy(),
            "method": head.method,
            "extensions": (
                {"http.response.trailers": {}, "http.response.push": {}}
                if head.http_version == "2"
                else {"http.response.trailers": {}}
            ),
        }

    def http(self, stream: Stream) -> Scope:
        return self.build(stream, "http", stream.scheme)

    def websocket(self, connection: Connection, scheme: str, subprotocols: list[str]) -> Scope:
        """The ``websocket`` scope (spec 2.4), for the adapter's WebSocket side to come:
        `scheme` is ``ws``/``wss``, `subprotocols` what the client offered."""
        scope = self.connection(connection, "websocket", scheme)
        scope["subprotocols"] = subprotocols
        scope["extensions"] = {"websocket.http.response": {}}
        return scope


def _origin_form(raw_path: bytes) -> bytes:
    """The path of an absolute-form target (``http://host/p``); ``*`` (OPTIONS) stays."""
    if raw_path == b"*":
        return raw_path
    _, separator, rest = raw_path.partition(b"://")
    if not separator:
        return raw_path
    slash = rest.find(b"/")
    return rest[slash:] if slash >= 0 else b"/"
