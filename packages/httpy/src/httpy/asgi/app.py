"""`ASGIApp`: an ASGI 3 application as a :class:`~httpy.server.stream.StreamApp`.

The server runs it like httpy's own App: ``startup``/``shutdown`` drive the ``lifespan``
scope, ``serve_stream`` calls the app once per request with an ``http`` scope. What happens
when the app fails is the server's rule for every StreamApp: nothing sent yet means a 500,
half a response means the stream is reset, an app that returns without a response gets a 500.
"""

from __future__ import annotations

import inspect
import logging
from typing import TYPE_CHECKING, Any

from httpy.asgi.http import HTTPCycle
from httpy.asgi.lifespan import Lifespan
from httpy.asgi.proxy import ProxyHeaders
from httpy.asgi.scope import ScopeBuilder
from httpy.asgi.websocket import WebSocketCycle

if TYPE_CHECKING:
    from httpy.asgi.types import ASGIApplication
    from httpy.config import Config
    from httpy.protocol.events import RequestReceived
    from httpy.server.stream import Stream
    from httpy.server.websocket import WebSocketSession

__all__ = ["ASGIApp", "is_asgi3_app"]

error_log = logging.getLogger("httpy.error")


def is_asgi3_app(candidate: object) -> bool:
    """A coroutine function, or an object whose ``__call__`` is one (what ASGI 3 apps are).

    Classes are not: an ASGI 2 app is a class called with the scope alone.
    """
    if isinstance(candidate, type) or not callable(candidate):
        return False
    if inspect.iscoroutinefunction(candidate):
        return True
    return inspect.iscoroutinefunction(getattr(candidate, "__call__", None))  # noqa: B004 - the method itself is inspected


class ASGIApp:
    """Serve an ASGI 3 app (Starlette, FastAPI, any ``async def app(scope, receive, send)``)::

        httpy.Server(ASGIApp(starlette_app, root_path="/api"), config)

    `proxy_headers` reads the client's address and scheme from ``X-Forwarded-For`` /
    ``X-Forwarded-Proto`` (or ``Forwarded``) when the peer is in `forwarded_allow_ips`
    (addresses, networks, or ``*``). `max_body_size` None leaves the request body limit to the
    server's Config.
    """

    #: The server asks nothing per request: one limit for the whole app.
    has_custom_body_limits = False

    def __init__(
        self,
        app: ASGIApplication,
        *,
        root_path: str = "",
        proxy_headers: bool = False,
        forwarded_allow_ips: str | tuple[str, ...] = "127.0.0.1",
        max_body_size: int | None = None,
    ) -> None:
        if not callable(app):
            raise TypeError(f"an ASGI app must be callable, got {type(app).__name__}")
        if max_body_size is not None and max_body_size < 0:
            raise ValueError("max_body_size must not be negative")
        self.app = app
        self.max_body_size = max_body_size
        proxy = ProxyHeaders(forwarded_allow_ips) if proxy_headers else None
        self._scopes = ScopeBuilder(root_path=root_path, proxy=proxy)
        self._lifespan: Lifespan | None = None

    @classmethod
    def from_config(cls, app: ASGIApplication, config: Config) -> ASGIApp:
        """The adapter with the ASGI knobs of a server Config (what `httpy run` uses)."""
        return cls(
            app,
            root_path=config.root_path,
            proxy_headers=config.proxy_headers,
            forwarded_allow_ips=config.forwarded_allow_ips,
        )

    @property
    def state(self) -> dict[str, Any]:
        """The lifespan ``state``: what the app stores there at startup, each request sees."""
        return self._scopes.state

    # --- StreamApp ---------------------------------------------------------------------------

    def body_limit_for_request(self, head: RequestReceived, default: int) -> int:  # noqa: ARG002 - one limit for every request
        return default

    async def startup(self) -> None:
        self._lifespan = Lifespan(self.app, self._scopes.state)
        await self._lifespan.startup()

    async def shutdown(self) -> None:
        if self._lifespan is not None:
            await self._lifespan.shutdown()

    async def serve_stream(self, stream: Stream) -> None:
        cycle = HTTPCycle(stream)
        try:
            scope = self._scopes.build(stream, "http", stream.scheme)  # `http`, one frame less
            await self.app(scope, cycle.receive, cycle.send)
        except Exception:
            if not cycle.closed and not stream.disconnected:
                raise  # the server answers 500 or resets the stream
            # The client is gone (or was answered for the app): frameworks raise as they
            # stop, and there is no one to tell.
            error_log.info(
                "ASGI app stopped after its client went away: %s %s",
                stream.head.method,
                stream.head.target,
                exc_info=True,
            )
        finally:
            if cycle.waiter is not None:  # else `end` has nothing to do: no call per request
                cycle.end()

    async def serve_websocket(self, session: WebSocketSession) -> None:
        """One ``websocket`` scope; the server closes (1000, or 1011 if the app raised) or
        refuses (403, or 500) whatever the app leaves open."""
        scope = self._scopes.websocket(session, session.scheme, session.offered_subprotocols)
        cycle = WebSocketCycle(session)
        await self.app(scope, cycle.receive, cycle.send)
