"""A handler's dict or list is written without a Response object when the app has no
after-request hooks: the answer must be byte for byte what JSONResponse gives, and failures
must still become responses."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from httpy import App, JSONResponse, Request
from httpy.testing import RunningServer, serve_in_thread


def _json_app(*, with_after_hook: bool) -> App:
    app = App()

    @app.get("/dict")
    async def a_dict(request: Request) -> dict[str, Any]:
        return {"hello": "wörld", "n": [1, 2.5, None, True]}

    @app.get("/list")
    async def a_list(request: Request) -> list[Any]:
        return [{"a": 1}, "b"]

    @app.get("/sync-dict")
    def sync_dict(request: Request) -> dict[str, str]:
        return {"from": "a thread"}

    @app.get("/unencodable")
    async def unencodable(request: Request) -> dict[str, Any]:
        return {"value": {1, 2}}  # a set: JSON cannot encode it

    @app.get("/nan")
    async def nan(request: Request) -> dict[str, float]:
        return {"value": float("nan")}  # refused (allow_nan=False), as JSONResponse does

    @app.get("/response")
    async def response(request: Request) -> JSONResponse:
        return JSONResponse({"hello": "wörld", "n": [1, 2.5, None, True]})

    @app.before_request
    def short_circuit(request: Request) -> dict[str, str] | None:
        if request.headers.get("x-stop") == "yes":
            return {"stopped": "before the handler"}
        return None

    if with_after_hook:

        @app.after_request
        def keep(request: Request, response: Any) -> None:
            return None

    return app


@pytest.fixture(scope="module", params=[False, True], ids=["fast", "with-after-hook"])
def server(request: pytest.FixtureRequest) -> Iterator[RunningServer]:
    with serve_in_thread(_json_app(with_after_hook=request.param)) as running:
        yield running


@pytest.fixture
def client(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url) as http:
        yield http


def _raw_get(server: RunningServer, path: str, method: str = "GET") -> bytes:
    """The whole answer as bytes, `date` line removed (it changes every second)."""
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        request = f"{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        sock.sendall(request.encode())
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    lines = b"".join(chunks).splitlines(keepends=True)
    return b"".join(line for line in lines if not line.startswith(b"date:"))


def test_a_dict_is_what_a_json_response_gives(server: RunningServer) -> None:
    assert _raw_get(server, "/dict") == _raw_get(server, "/response")
    assert _raw_get(server, "/dict", "HEAD") == _raw_get(server, "/response", "HEAD")


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/dict", {"hello": "wörld", "n": [1, 2.5, None, True]}),
        ("/list", [{"a": 1}, "b"]),
        ("/sync-dict", {"from": "a thread"}),
    ],
)
def test_json_answers(client: httpx.Client, path: str, body: Any) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-length"] == str(len(response.content))
    assert response.json() == body


@pytest.mark.parametrize("path", ["/unencodable", "/nan"])
def test_a_value_json_cannot_encode_is_a_logged_500(
    client: httpx.Client, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    with caplog.at_level(logging.ERROR, logger="httpy.error"):
        response = client.get(path)
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal Server Error"}
    [record] = [r for r in caplog.records if r.name == "httpy.error"]
    assert record.getMessage() == f"unhandled error in GET {path}"
    assert record.exc_info is not None
    assert record.exc_info[0] in {TypeError, ValueError}


def test_a_before_hook_dict_short_circuits(client: httpx.Client) -> None:
    response = client.get("/dict", headers={"x-stop": "yes"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"stopped": "before the handler"}


def test_json_answers_over_http2(server: RunningServer) -> None:
    with httpx.Client(base_url=server.url, http1=False, http2=True) as http2:
        response = http2.get("/dict")
    assert response.http_version == "HTTP/2"
    assert response.headers["content-type"] == "application/json"
    assert response.headers["content-length"] == str(len(response.content))
    assert response.json() == {"hello": "wörld", "n": [1, 2.5, None, True]}
