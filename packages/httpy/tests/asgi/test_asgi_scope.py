"""Scope building on its own: the keys every connection scope shares (an HTTP stream or a
WebSocket session gives the same ones), the websocket scope's extras, target forms."""

from __future__ import annotations

import socket
from dataclasses import dataclass

from asgi_apps import app

from httpy import Config
from httpy.asgi import ASGIApp, ProxyHeaders
from httpy.asgi.scope import ScopeBuilder
from httpy.protocol.events import RequestReceived
from httpy.testing import serve_in_thread


@dataclass
class Connection:
    """What a scope reads from a stream or a session: its head and both addresses."""

    head: RequestReceived
    client: tuple[str, int] | None = ("10.0.0.1", 4000)
    server: tuple[str, int] | None = ("127.0.0.1", 8000)


def head(target: bytes, headers: list[tuple[bytes, bytes]] | None = None) -> RequestReceived:
    return RequestReceived("GET", target, headers or [(b"host", b"t")], "1.1", True, False, None)


def test_websocket_scope_shares_the_connection_keys() -> None:
    builder = ScopeBuilder(root_path="/api", proxy=ProxyHeaders("10.0.0.0/8"))
    builder.state["db"] = "pool"
    forwarded = [(b"host", b"t"), (b"x-forwarded-proto", b"https")]
    scope = builder.websocket(Connection(head(b"/chat%20room?x=1", forwarded)), "ws", ["v1"])
    assert scope["type"] == "websocket"
    assert scope["scheme"] == "wss"  # the trusted proxy terminated TLS
    assert (scope["path"], scope["raw_path"]) == ("/api/chat room", b"/api/chat%20room")
    assert scope["query_string"] == b"x=1"
    assert scope["subprotocols"] == ["v1"]
    assert scope["extensions"] == {"websocket.http.response": {}}
    assert scope["state"] == {"db": "pool"}
    assert scope["state"] is not builder.state
    assert "method" not in scope


def test_http_and_websocket_scopes_agree_on_the_shared_keys() -> None:
    builder = ScopeBuilder()
    connection = Connection(head(b"/p?q"))
    shared = builder.connection(connection, "http", "http")
    socket_scope = builder.websocket(connection, "ws", [])
    for key in ("path", "raw_path", "query_string", "root_path", "headers", "client", "server"):
        assert shared[key] == socket_scope[key]


def test_percent_escapes_that_are_not_utf8_become_replacement_characters() -> None:
    scope = ScopeBuilder().connection(Connection(head(b"/%FF%2F")), "http", "http")
    assert scope["raw_path"] == b"/%FF%2F"
    assert scope["path"] == "/\ufffd/"


def test_absolute_form_target_on_a_real_socket() -> None:
    with (
        serve_in_thread(ASGIApp(app), Config(port=0)) as server,
        socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock,
    ):
        sock.sendall(
            b"GET http://example.com/x/scope?q=1 HTTP/1.1\r\nhost: example.com\r\n"
            b"connection: close\r\n\r\n"
        )
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert b'"path": "/x/scope"' in answer
    assert b'"query_string": "q=1"' in answer
