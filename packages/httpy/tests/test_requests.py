"""The Request a handler sees: built directly, then filled by real clients through a server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import requests

from httpy import App, HTTPException, Request
from httpy.body import BodyChannel
from httpy.testing import RunningServer, serve_in_thread

# --- without a server ------------------------------------------------------------------


def make(target: bytes = b"/", headers: list[tuple[bytes, bytes]] | None = None) -> Request:
    return Request("GET", target, headers or [], server=("127.0.0.1", 8000))


def test_path_and_query_split_and_decode() -> None:
    request = make(b"/caf%C3%A9/a%20b?x=1&y=%C3%A9&x=2&flag&empty=&plus=a+b")
    assert request.raw_path == b"/caf%C3%A9/a%20b"
    assert request.path == "/café/a b"
    assert request.query_string == b"x=1&y=%C3%A9&x=2&flag&empty=&plus=a+b"
    assert request.query.getlist("x") == ["1", "2"]
    assert request.query["x"] == "1"
    assert request.query["y"] == "é"
    assert request.query["flag"] == ""
    assert request.query["empty"] == ""
    assert request.query["plus"] == "a b"
    assert request.query is request.query  # parsed once


def test_absolute_form_target_keeps_only_the_path() -> None:
    request = make(b"http://example.test:8080/p/q?z=1")
    assert (request.path, request.query_string) == ("/p/q", b"z=1")
    assert make(b"http://example.test").path == "/"


def test_url_uses_host_header_or_server_address() -> None:
    assert make(b"/a%20b?q=1", [(b"host", b"example.test")]).url == "http://example.test/a%20b?q=1"
    assert make(b"/x").url == "http://127.0.0.1:8000/x"
    assert Request("GET", b"/", []).url == "http:///"


def test_cookies_parse_first_wins_and_strip_quotes() -> None:
    request = make(
        b"/",
        [(b"cookie", b'a=1; b="two"; junk; =x; c=x=y'), (b"cookie", b"a=ignored; d=4")],
    )
    assert request.cookies == {"a": "1", "b": "two", "c": "x=y", "d": "4"}
    assert make().cookies == {}


def test_headers_view() -> None:
    request = make(b"/", [(b"x-a", b"1"), (b"x-a", b"2"), (b"accept", b"*/*")])
    assert request.headers["X-A"] == "1, 2"
    assert request.headers.getlist("x-a") == ["1", "2"]
    assert request.host == "127.0.0.1:8000"
    assert repr(request) == "<Request GET '/'>"


def _with_body(*chunks: bytes, content_type: bytes = b"application/json") -> Request:
    channel = BodyChannel()
    for chunk in chunks:
        channel.feed(chunk)
    channel.end()
    return Request("POST", b"/", [(b"content-type", content_type)], body=channel)


def test_body_json_and_content() -> None:
    async def scenario() -> None:
        request = _with_body(b'{"a": ', b"[1, 2]}")
        with pytest.raises(RuntimeError, match="not been read yet"):
            request.content  # noqa: B018 - the property is what is tested
        assert await request.json() == {"a": [1, 2]}
        assert await request.body() == b'{"a": [1, 2]}'
        assert request.content == b'{"a": [1, 2]}'
        assert [chunk async for chunk in request.stream()] == [b'{"a": [1, 2]}']

    asyncio.run(scenario())


def test_request_without_body_channel_is_empty() -> None:
    async def scenario() -> None:
        request = make()
        assert request.content == b""
        assert await request.body() == b""
        assert [chunk async for chunk in request.stream()] == []

    asyncio.run(scenario())


def test_stream_then_body_is_an_error_not_an_empty_body() -> None:
    async def scenario() -> None:
        request = _with_body(b"one", b"two")
        assert [chunk async for chunk in request.stream()] == [b"one", b"two"]
        with pytest.raises(RuntimeError, match="already consumed"):
            await request.body()
        with pytest.raises(RuntimeError, match="already consumed"):
            [chunk async for chunk in request.stream()]
        with pytest.raises(RuntimeError, match="not been read yet"):
            request.content  # noqa: B018

    asyncio.run(scenario())


def test_partial_stream_then_body_is_an_error() -> None:
    async def scenario() -> None:
        request = _with_body(b"one", b"two")
        async for _ in request.stream():
            break
        with pytest.raises(RuntimeError, match="already consumed"):
            await request.body()

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        (b"{nope", "request body is not valid JSON: "),
        (b"", "request body is not valid JSON: "),
        (b'"\xff"', "request body is not valid JSON: "),
        (b"[" * 100_000, "request body JSON is nested too deeply"),
    ],
)
def test_invalid_json_is_400(raw: bytes, detail: str) -> None:
    async def scenario() -> None:
        with pytest.raises(HTTPException) as caught:
            await _with_body(raw).json()
        assert caught.value.status_code == 400
        assert caught.value.detail.startswith(detail)

    asyncio.run(scenario())


# --- through a server ------------------------------------------------------------------

app = App()


@app.get("/echo/{name}")
async def echo(request: Request, name: str) -> dict[str, Any]:
    return {
        "name": name,
        "path": request.path,
        "path_params": request.path_params,
        "query": request.query.multi_items(),
        "x_multi": request.headers.getlist("X-Multi"),
        "x_multi_joined": request.headers.get("x-MULTI"),
        "user_agent": request.headers["User-Agent"],
        "cookies": request.cookies,
        "url": request.url,
        "method": request.method,
        "http_version": request.http_version,
        "client_host": request.client[0] if request.client else None,
    }


@app.post("/json")
async def echo_json(request: Request) -> Any:
    return {"got": await request.json()}


@app.post("/stream")
async def count_stream(request: Request) -> dict[str, Any]:
    sizes = [len(chunk) async for chunk in request.stream()]
    return {"total": sum(sizes), "chunks": len(sizes)}


@app.post("/digest")
async def digest(request: Request) -> dict[str, Any]:
    body = await request.body()
    return {"length": len(body), "head": body[:8].decode(), "tail": body[-8:].decode()}


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with serve_in_thread(app) as running:
        yield running


@pytest.fixture
def client(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url) as http:
        yield http


def test_query_headers_cookies_from_httpx(client: httpx.Client, server: RunningServer) -> None:
    response = client.get(
        "/echo/al%20ice",
        params=[("tag", "a"), ("tag", "b"), ("q", "x y"), ("e", "")],
        headers=[
            ("X-Multi", "one"),
            ("x-multi", "two"),
            ("User-Agent", "probe/1"),
            ("Cookie", "session=abc; theme=dark"),
        ],
    )
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "name": "al ice",
        "path": "/echo/al ice",
        "path_params": {"name": "al ice"},
        "query": [["tag", "a"], ["tag", "b"], ["q", "x y"], ["e", ""]],
        "x_multi": ["one", "two"],
        "x_multi_joined": "one, two",
        "user_agent": "probe/1",
        "cookies": {"session": "abc", "theme": "dark"},
        "url": f"{server.url}/echo/al%20ice?tag=a&tag=b&q=x+y&e=",
        "method": "GET",
        "http_version": "1.1",
        "client_host": "127.0.0.1",
    }


def test_query_and_cookies_from_requests(server: RunningServer) -> None:
    with requests.Session() as session:
        session.cookies.set("token", "t0k")
        response = session.get(server.url + "/echo/bob", params={"a": ["1", "2"]}, timeout=10)
    assert response.status_code == 200
    body = response.json()
    assert body["query"] == [["a", "1"], ["a", "2"]]
    assert body["cookies"] == {"token": "t0k"}


def test_json_body(client: httpx.Client) -> None:
    response = client.post("/json", json={"k": ["v", 1, None], "é": True})
    assert response.status_code == 200
    assert response.json() == {"got": {"k": ["v", 1, None], "é": True}}


def test_invalid_json_body_is_400(client: httpx.Client) -> None:
    response = client.post(
        "/json", content=b"{broken", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    assert response.json()["detail"].startswith("request body is not valid JSON: ")


def test_chunked_upload_is_streamed(client: httpx.Client) -> None:
    sent: list[int] = []

    def generate() -> Iterator[bytes]:
        for index in range(20):
            chunk = bytes([65 + index]) * 1000
            sent.append(len(chunk))
            yield chunk

    response = client.post("/stream", content=generate())
    assert response.status_code == 200
    assert response.json()["total"] == 20_000
    assert response.json()["chunks"] >= 1
    assert sum(sent) == 20_000


def test_chunked_upload_read_whole(client: httpx.Client) -> None:
    def generate() -> Iterator[bytes]:
        yield b"BEGIN..."
        for _ in range(50):
            yield b"x" * 997
        yield b"....END."

    response = client.post("/digest", content=generate())
    assert response.json() == {"length": 16 + 50 * 997, "head": "BEGIN...", "tail": "....END."}


def test_json_over_curl(server: RunningServer) -> None:
    import subprocess  # noqa: PLC0415 - only this test shells out

    completed = subprocess.run(
        [
            "curl",
            "-sS",
            "--max-time",
            "10",
            "-H",
            "content-type: application/json",
            "--data-binary",
            '{"from": "curl"}',
            server.url + "/json",
        ],
        capture_output=True,
        check=True,
        text=True,
    )
    assert json.loads(completed.stdout) == {"got": {"from": "curl"}}
