"""Responses: how they render, then what real clients receive from a server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import requests

from httpy import (
    App,
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Request,
    Response,
    StreamingResponse,
    TextResponse,
)
from httpy.testing import RunningServer, serve_in_thread

# --- rendering -------------------------------------------------------------------------


def test_plain_response() -> None:
    response = Response(b"raw", status_code=201, headers={"X-A": "1"}, media_type="image/png")
    assert (response.status_code, response.body) == (201, b"raw")
    assert response.headers.items() == [("x-a", "1"), ("content-type", "image/png")]
    assert Response().body == b""
    assert "content-type" not in Response().headers
    assert Response(bytearray(b"ab")).body == b"ab"
    assert Response(memoryview(b"cd")).body == b"cd"
    assert repr(Response(status_code=404)) == "<Response 404>"


def test_text_types_get_a_charset() -> None:
    assert TextResponse("é").body == "é".encode()
    assert TextResponse("x").headers["content-type"] == "text/plain; charset=utf-8"
    assert HTMLResponse("<p>").headers["content-type"] == "text/html; charset=utf-8"
    custom = Response("x", media_type="text/csv; charset=latin-1")
    assert custom.headers["content-type"] == "text/csv; charset=latin-1"
    given = TextResponse("x", headers={"Content-Type": "text/x-own"})
    assert given.headers.getlist("content-type") == ["text/x-own"]


def test_json_response_is_compact_utf8() -> None:
    response = JSONResponse({"é": [1, None, True]}, status_code=202)
    assert response.body == '{"é":[1,null,true]}'.encode()
    assert response.headers["content-type"] == "application/json"
    assert response.status_code == 202
    assert JSONResponse(None).body == b"null"
    with pytest.raises(ValueError, match="Out of range float"):
        JSONResponse({"x": float("nan")})
    with pytest.raises(TypeError):
        JSONResponse({"x": object()})


def test_json_encoding_recovers_from_a_failed_encode() -> None:
    # One C encoder serves every JSON body; a failed encode leaves its circular-reference
    # markers behind, so the encoder is renewed: the same dict, fixed, encodes next time.
    payload: dict[str, object] = {"x": object(), "y": [1]}
    with pytest.raises(TypeError):
        JSONResponse(payload)
    payload["x"] = 1
    assert JSONResponse(payload).body == b'{"x":1,"y":[1]}'
    nested = [{"n": float("inf")}]
    with pytest.raises(ValueError, match="Out of range float"):
        JSONResponse(nested)
    nested[0]["n"] = 2.5
    assert JSONResponse(nested).body == b'[{"n":2.5}]'
    loop: list[object] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular reference"):
        JSONResponse(loop)
    assert JSONResponse("text").body == b'"text"'


@pytest.mark.parametrize("status", [99, 1000, -1])
def test_invalid_status_is_refused(status: int) -> None:
    with pytest.raises(ValueError, match="invalid status code"):
        Response(status_code=status)


def test_content_must_be_bytes_or_str() -> None:
    with pytest.raises(TypeError, match="Response takes bytes or str content, not dict"):
        Response({"a": 1})


def test_redirect_location_and_status() -> None:
    response = RedirectResponse("/päth with space?q=a b&x=%2F#frag")
    assert response.status_code == 307
    assert response.headers["location"] == "/p%C3%A4th%20with%20space?q=a%20b&x=%2F#frag"
    assert response.body == b""
    assert RedirectResponse("https://example.test/", status_code=301).status_code == 301
    with pytest.raises(ValueError, match="a redirect needs a 3xx status, got 200"):
        RedirectResponse("/", status_code=200)


def test_set_cookie_attributes() -> None:
    response = Response()
    response.set_cookie("plain", "v")
    response.set_cookie(
        "full",
        "a b",
        max_age=60,
        expires=datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC),
        path="/app",
        domain="example.test",
        secure=True,
        httponly=True,
        samesite="strict",
    )
    response.set_cookie("nopath", "1", path=None, samesite=None)
    assert response.headers.getlist("set-cookie") == [
        "plain=v; Path=/; SameSite=lax",
        (
            'full="a b"; Domain=example.test; expires=Wed, 02 Jan 2030 03:04:05 GMT; '
            "HttpOnly; Max-Age=60; Path=/app; SameSite=strict; Secure"
        ),
        "nopath=1",
    ]
    with pytest.raises(ValueError, match="samesite must be"):
        response.set_cookie("bad", samesite="sometimes")  # type: ignore[arg-type]


def test_delete_cookie() -> None:
    response = Response()
    response.delete_cookie("session", path="/app", domain="example.test")
    assert response.headers.getlist("set-cookie") == [
        (
            'session=""; Domain=example.test; expires=Thu, 01 Jan 1970 00:00:00 GMT; '
            "Max-Age=0; Path=/app"
        )
    ]


def _drain(response: StreamingResponse) -> list[bytes]:
    async def collect() -> list[bytes]:
        return [chunk async for chunk in response.stream_body()]

    return asyncio.run(collect())


def test_streaming_response_from_sync_and_async_iterables() -> None:
    async def produce() -> AsyncIterator[str | bytes]:
        yield "é"
        yield b"\x00"

    mixed: list[str | bytes] = ["a", b"b"]
    from_sync = StreamingResponse(iter(mixed), media_type="text/plain")
    assert _drain(from_sync) == [b"a", b"b"]
    assert from_sync.headers["content-type"] == "text/plain; charset=utf-8"
    assert from_sync.streaming is True
    assert from_sync.body == b""
    assert _drain(StreamingResponse(produce())) == ["é".encode(), b"\x00"]
    assert "content-type" not in StreamingResponse([]).headers


def test_file_response_headers(tmp_path: Path) -> None:
    path = tmp_path / "report.csv"
    path.write_bytes(b"a,b\n1,2\n")
    response = FileResponse(path)
    assert response.headers["content-length"] == "8"
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "content-disposition" not in response.headers
    assert _drain(response) == [b"a,b\n1,2\n"]

    named = FileResponse(str(path), filename="data.json")
    assert named.headers["content-type"] == "application/json"
    assert named.headers["content-disposition"] == 'attachment; filename="data.json"'

    unicode_name = FileResponse(path, filename="résumé 1.pdf", media_type="x/forced")
    assert unicode_name.headers["content-type"] == "x/forced"
    assert (
        unicode_name.headers["content-disposition"]
        == "attachment; filename*=utf-8''r%C3%A9sum%C3%A9%201.pdf"
    )

    quote_name = FileResponse(path, filename='a"b')
    assert quote_name.headers["content-disposition"] == "attachment; filename*=utf-8''a%22b"


def test_file_response_unknown_type_and_chunking(tmp_path: Path) -> None:
    path = tmp_path / "blob.unknownext"
    data = bytes(range(256)) * 1000
    path.write_bytes(data)

    class SmallChunks(FileResponse):
        chunk_size = 100_000

    response = SmallChunks(path)
    assert response.headers["content-type"] == "application/octet-stream"
    chunks = _drain(response)
    assert [len(chunk) for chunk in chunks] == [100_000, 100_000, 56_000]
    assert b"".join(chunks) == data


def test_file_response_never_sends_past_its_length(tmp_path: Path) -> None:
    path = tmp_path / "growing.log"
    path.write_bytes(b"12345")
    response = FileResponse(path)
    path.write_bytes(b"1234567890")  # grows after content-length was taken
    assert response.headers["content-length"] == "5"
    assert b"".join(_drain(response)) == b"12345"


def test_file_response_fails_early(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        FileResponse(tmp_path / "missing.txt")
    with pytest.raises(IsADirectoryError):
        FileResponse(tmp_path)


# --- through a server ------------------------------------------------------------------

app = App()
FILE_DATA = b"0123456789" * 20_000  # 200 kB: several reads of FileResponse.chunk_size


@app.get("/stream")
async def stream(request: Request) -> StreamingResponse:
    count = int(request.query.get("n", "3"))

    async def produce() -> AsyncIterator[str]:
        for index in range(count):
            await asyncio.sleep(0)
            yield f"part{index};"

    return StreamingResponse(produce(), media_type="text/plain")


@app.get("/stream-sized")
async def stream_sized(request: Request) -> StreamingResponse:
    return StreamingResponse([b"abc", b"def"], headers={"content-length": "6"})


#: Filled by the server fixture with a file in a temporary folder.
app_file_path: list[Path] = []


@app.get("/file")
async def file(request: Request) -> FileResponse:
    return FileResponse(app_file_path[0], filename=request.query.get("name"))


@app.get("/redirect")
async def redirect(request: Request) -> RedirectResponse:
    return RedirectResponse("/landing?from=redirect", status_code=303)


@app.get("/landing")
async def landing(request: Request) -> str:
    return f"landed:{request.query['from']}"


@app.get("/login")
async def login(request: Request) -> Response:
    response = JSONResponse({"ok": True})
    response.set_cookie("session", "s3cr3t", httponly=True)
    response.set_cookie("theme", "dark", max_age=3600)
    return response


@app.get("/whoami")
async def whoami(request: Request) -> dict[str, str]:
    return request.cookies


@app.get("/logout")
async def logout(request: Request) -> Response:
    response = Response(status_code=204)
    response.delete_cookie("session")
    return response


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    path = tmp_path_factory.mktemp("files") / "page.html"
    path.write_bytes(FILE_DATA)
    app_file_path[:] = [path]
    with serve_in_thread(app) as running:
        yield running


@pytest.fixture
def client(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url) as http:
        yield http


def test_streaming_response_is_chunked(client: httpx.Client) -> None:
    with client.stream("GET", "/stream", params={"n": "50"}) as response:
        assert response.status_code == 200
        assert response.headers["transfer-encoding"] == "chunked"
        assert "content-length" not in response.headers
        assert response.headers["content-type"] == "text/plain; charset=utf-8"
        body = b"".join(response.iter_bytes())
    assert body == "".join(f"part{i};" for i in range(50)).encode()


def test_streaming_response_with_a_length(client: httpx.Client) -> None:
    response = client.get("/stream-sized")
    assert response.headers["content-length"] == "6"
    assert "transfer-encoding" not in response.headers
    assert response.content == b"abcdef"


def test_file_response_over_httpx(client: httpx.Client) -> None:
    response = client.get("/file")
    assert response.status_code == 200
    assert response.headers["content-length"] == str(len(FILE_DATA))
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "content-disposition" not in response.headers
    assert response.content == FILE_DATA


def test_file_response_download_over_requests(server: RunningServer) -> None:
    with requests.Session() as session:
        response = session.get(server.url + "/file", params={"name": "export.zip"}, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    assert response.headers["Content-Disposition"] == 'attachment; filename="export.zip"'
    assert response.headers["Content-Length"] == str(len(FILE_DATA))
    assert response.content == FILE_DATA


def test_head_on_file_response_sends_no_body(client: httpx.Client) -> None:
    response = client.head("/file")
    assert response.status_code == 200
    assert response.headers["content-length"] == str(len(FILE_DATA))
    assert response.content == b""
    # The connection is still in step: the next response is read correctly.
    assert client.get("/stream-sized").content == b"abcdef"


def test_redirect_followed_by_clients(client: httpx.Client, server: RunningServer) -> None:
    first = client.get("/redirect")
    assert first.status_code == 303
    assert first.headers["location"] == "/landing?from=redirect"
    followed = client.get("/redirect", follow_redirects=True)
    assert (followed.status_code, followed.text) == (200, "landed:redirect")
    assert [r.status_code for r in followed.history] == [303]
    with requests.Session() as session:
        via_requests = session.get(server.url + "/redirect", timeout=10)
    assert via_requests.text == "landed:redirect"
    assert via_requests.url == server.url + "/landing?from=redirect"


def test_cookies_set_and_deleted_for_the_client(server: RunningServer) -> None:
    with httpx.Client(base_url=server.url) as client:
        login_response = client.get("/login")
        assert login_response.headers.get_list("set-cookie") == [
            "session=s3cr3t; HttpOnly; Path=/; SameSite=lax",
            "theme=dark; Max-Age=3600; Path=/; SameSite=lax",
        ]
        assert dict(client.cookies) == {"session": "s3cr3t", "theme": "dark"}
        assert client.get("/whoami").json() == {"session": "s3cr3t", "theme": "dark"}
        assert client.get("/logout").status_code == 204
        assert dict(client.cookies) == {"theme": "dark"}
        assert client.get("/whoami").json() == {"theme": "dark"}
    with requests.Session() as session:
        session.get(server.url + "/login", timeout=10)
        assert session.cookies.get_dict() == {"session": "s3cr3t", "theme": "dark"}
        session.get(server.url + "/logout", timeout=10)
        assert session.cookies.get_dict() == {"theme": "dark"}
