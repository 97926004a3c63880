"""Every Python example in the README runs as pasted (apps are then served and queried)."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

import httpy
from httpy.testing import serve_in_thread

README = Path(__file__).parents[1] / "README.md"
EXAMPLES = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)


def run_example(index: int) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": f"readme_example_{index}"}
    exec(compile(EXAMPLES[index], f"README.md example {index}", "exec"), namespace)  # noqa: S102
    return namespace


def test_the_readme_has_examples() -> None:
    assert len(EXAMPLES) >= 4


@pytest.mark.parametrize("index", range(len(EXAMPLES)))
def test_example_runs(index: int) -> None:
    namespace = run_example(index)
    app = namespace.get("app")
    if isinstance(app, httpy.App):
        assert app.router.routes or app.websocket_router.routes, "an example app without routes"


def test_hello_world_answers() -> None:
    app = run_example(0)["app"]
    with serve_in_thread(app) as server, httpx.Client(base_url=server.url) as client:
        assert client.get("/").json() == {"hello": "world"}


def test_routing_example_answers() -> None:
    app = run_example(1)["app"]
    with serve_in_thread(app) as server, httpx.Client(base_url=server.url) as client:
        created = client.post("/users", json={"name": "ada"})
        assert (created.status_code, created.json()) == (201, {"id": 1, "name": "ada"})
        assert client.get("/users/1").json() == {"id": 1, "name": "ada"}
        assert client.get("/users/2").status_code == 404
        assert client.put("/files/a/b.txt?page=2").text == "PUT a/b.txt, page=2"
        assert client.get("/hello").text == "hello from a worker thread"


def test_middleware_example_answers() -> None:
    app = run_example(2)["app"]
    with serve_in_thread(app) as server, httpx.Client(base_url=server.url) as client:
        countdown = client.get("/countdown")
        assert countdown.text == "3\n2\n1\n"
        assert countdown.headers["x-served-by"] == "httpy"
        assert client.get("/admin/x").status_code == 403
        assert client.get("/admin/x", headers={"x-token": "secret"}).status_code == 404


def test_websocket_example_answers() -> None:
    (index,) = [i for i, example in enumerate(EXAMPLES) if "@app.websocket" in example]
    app = run_example(index)["app"]
    with serve_in_thread(app) as server:
        url = f"ws://127.0.0.1:{server.port}"
        with connect(url + "/chat/lobby") as first, connect(url + "/chat/lobby") as second:
            first.send("hello")
            assert first.recv(timeout=5) == "lobby: hello"
            assert second.recv(timeout=5) == "lobby: hello"
        with connect(url + "/echo") as echo:
            echo.send('{"n": 1}')
            assert echo.recv(timeout=5) == '{"echo":{"n":1}}'


def test_request_trailers_example_answers() -> None:
    index = next(i for i, text in enumerate(EXAMPLES) if "request.trailers" in text)
    app = run_example(index)["app"]
    with (
        serve_in_thread(app) as server,
        socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock,
    ):
        sock.sendall(
            b"POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
            b"Connection: close\r\n\r\n4\r\ndata\r\n0\r\nX-Checksum: 99\r\n\r\n"
        )
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    assert json.loads(received.partition(b"\r\n\r\n")[2]) == {"size": 4, "checksum": "99"}
