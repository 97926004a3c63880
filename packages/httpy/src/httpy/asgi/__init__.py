"""ASGI 3 applications on httpy's server: the ``http``, ``websocket`` and ``lifespan`` scopes.

:class:`ASGIApp` wraps an ASGI callable into what the server runs (a StreamApp), over
HTTP/1.1 and HTTP/2 alike. Modules: ``scope`` builds connection scopes (shared with the
``websocket`` scope), ``http`` maps one exchange's messages onto a stream, ``websocket``
one socket's onto a WebSocketSession, ``fields`` reads response messages for both,
``lifespan`` drives startup and shutdown, ``proxy`` reads trusted forwarding headers.
"""

from httpy.asgi.app import ASGIApp, is_asgi3_app
from httpy.asgi.lifespan import LifespanError
from httpy.asgi.proxy import ProxyHeaders

__all__ = ["ASGIApp", "LifespanError", "ProxyHeaders", "is_asgi3_app"]
