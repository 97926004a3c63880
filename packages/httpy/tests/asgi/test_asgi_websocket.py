"""The ASGI ``websocket`` scope: raw ASGI apps, Starlette and FastAPI WebSocket routes, driven
by the `websockets` client over HTTP/1.1 and by a raw h2 client over HTTP/2 (RFC 8441)."""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import h2.events
import pytest
from framework_apps import CHAT_CLOSED, fastapi_app, starlette_app
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect
from websockets.typing import Subprotocol

from httpy import Config
from httpy.asgi import ASGIApp
from httpy.asgi.types import Receive, Scope, Send
from httpy.testing import RunningServer, serve_in_thread

sys.path.insert(0, str(Path(__file__).parents[1] / "server"))
from h2_client import RawH2Client

#: What the raw app saw, for the tests to check.
SEEN: dict[str, Any] = {}


async def raw_app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        return
    assert scope["type"] == "websocket"
    SEEN["scope"] = {k: scope[k] for k in ("scheme", "path", "subprotocols", "http_version")}
    assert (await receive())["type"] == "websocket.connect"
    if scope["path"] == "/deny":
        headers = [(b"content-type", b"text/plain"), (b"x-why", b"no-token")]
        await send({"type": "websocket.http.response.start", "status": 401, "headers": headers})
        await send({"type": "websocket.http.response.body", "body": b"need ", "more_body": True})
        await send({"type": "websocket.http.response.body", "body": b"a token"})
        return
    if scope["path"] == "/refuse":
        await send({"type": "websocket.close"})
        return
    chosen = "v2" if "v2" in scope["subprotocols"] else None
    await send({"type": "websocket.accept", "subprotocol": chosen, "headers": [(b"x-app", b"raw")]})
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            SEEN["disconnect"] = (message["code"], message.get("reason", ""))
            return
        if message.get("text") == "bye":
            await send({"type": "websocket.close", "code": 4002, "reason": "asked"})
            return
        if "text" in message and message["text"] is not None:
            await send({"type": "websocket.send", "text": message["text"].upper()})
        else:
            await send({"type": "websocket.send", "bytes": message["bytes"] + b"!"})


@pytest.fixture(scope="module")
def raw_server() -> Iterator[RunningServer]:
    with serve_in_thread(ASGIApp(raw_app), Config(port=0)) as running:
        yield running


def url(server: RunningServer, path: str) -> str:
    return f"ws://127.0.0.1:{server.port}{path}"


def test_raw_asgi_echo_with_subprotocol_and_headers(raw_server: RunningServer) -> None:
    offered = [Subprotocol("v1"), Subprotocol("v2")]
    with connect(url(raw_server, "/echo"), subprotocols=offered) as ws:
        assert ws.subprotocol == "v2"
        assert ws.response is not None
        assert ws.response.headers["x-app"] == "raw"
        ws.send("hello")
        assert ws.recv(timeout=5) == "HELLO"
        ws.send(b"\x01")
        assert ws.recv(timeout=5) == b"\x01!"
        ws.send("bye")
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
    assert closed.value.rcvd is not None
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4002, "asked")
    assert SEEN["scope"] == {
        "scheme": "ws", "path": "/echo", "subprotocols": ["v1", "v2"], "http_version": "1.1",
    }  # fmt: skip


def test_the_client_close_reaches_the_app(raw_server: RunningServer) -> None:
    SEEN.pop("disconnect", None)
    with connect(url(raw_server, "/echo")) as ws:
        ws.close(4100, "leaving")
    deadline = time.monotonic() + 5
    while "disconnect" not in SEEN and time.monotonic() < deadline:
        time.sleep(0.02)
    assert SEEN["disconnect"] == (4100, "leaving")


def test_the_denial_extension_sends_any_response(raw_server: RunningServer) -> None:
    with pytest.raises(InvalidStatus) as refused:
        connect(url(raw_server, "/deny"))
    response = refused.value.response
    assert (response.status_code, response.headers["x-why"]) == (401, "no-token")
    assert response.body == b"need a token"


def test_close_before_accept_is_a_403(raw_server: RunningServer) -> None:
    with pytest.raises(InvalidStatus) as refused:
        connect(url(raw_server, "/refuse"))
    assert refused.value.response.status_code == 403


def test_raw_asgi_over_http2(raw_server: RunningServer) -> None:
    with RawH2Client(raw_server.port) as client:
        client.events()
        stream_id = client.headers(
            b"/echo",
            b"CONNECT",
            end=False,
            extra=[(b":protocol", b"websocket"), (b"sec-websocket-version", b"13")],
        )
        mask = os.urandom(4)
        client.conn.send_data(
            stream_id, b"\x81\x82" + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(b"hi"))
        )
        client.flush()
        got = b""
        deadline = time.monotonic() + 10
        while len(got) < 4 and time.monotonic() < deadline:
            for event in client.events():
                if isinstance(event, h2.events.DataReceived):
                    got += event.data
    assert got == b"\x81\x02HI"
    assert SEEN["scope"]["http_version"] == "2"


def test_starlette_websocket_route_with_lifespan_state() -> None:
    CHAT_CLOSED.clear()
    with serve_in_thread(ASGIApp(starlette_app), Config(port=0)) as server:
        with connect(url(server, "/chat/ann"), subprotocols=[Subprotocol("chat")]) as ws:
            assert ws.subprotocol == "chat"
            ws.send("hi")
            answer = json.loads(ws.recv(timeout=5))
            ws.close(1001)
        assert answer == {"from": "ann", "text": "hi", "state": "starlette on httpy"}
        deadline = time.monotonic() + 5
        while "code" not in CHAT_CLOSED and time.monotonic() < deadline:
            time.sleep(0.02)
    assert CHAT_CLOSED["code"] == 1001


def test_fastapi_websocket_route_and_its_refusal() -> None:
    with serve_in_thread(ASGIApp(fastapi_app), Config(port=0)) as server:
        with connect(url(server, "/echo?token=ok")) as ws:
            ws.send(b"abc")
            assert ws.recv(timeout=5) == b"cba"
        with pytest.raises(InvalidStatus) as refused:
            connect(url(server, "/echo?token=no"))
        assert refused.value.response.status_code == 403
