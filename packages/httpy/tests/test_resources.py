"""What a response leaves behind: spooled uploads closed, blocking iterators off the loop."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx

import httpy
from httpy.testing import serve_in_thread


def test_uploaded_files_are_closed_after_the_response() -> None:
    app = httpy.App()
    kept: list[httpy.UploadFile] = []

    @app.post("/upload")
    async def upload(request: httpy.Request) -> dict[str, int]:
        form = await request.form()
        file = form["file"]
        assert isinstance(file, httpy.UploadFile)
        kept.append(file)
        return {"size": file.size}

    with serve_in_thread(app) as server, httpx.Client(base_url=server.url) as client:
        response = client.post("/upload", files={"file": ("a.bin", b"x" * 2048)})
    assert response.json() == {"size": 2048}
    assert kept[0].file.closed


def test_a_blocking_iterator_does_not_stall_other_requests() -> None:
    app = httpy.App()
    release = threading.Event()

    def slow_chunks() -> Iterator[bytes]:
        yield b"first\n"
        release.wait(5)  # blocks its worker thread, never the event loop
        yield b"second\n"

    @app.get("/slow-stream")
    async def slow_stream(request: httpy.Request) -> httpy.StreamingResponse:
        return httpy.StreamingResponse(slow_chunks(), media_type="text/plain")

    @app.get("/ping")
    async def ping(request: httpy.Request) -> str:
        release.set()
        return "pong"

    with serve_in_thread(app) as server, httpx.Client(base_url=server.url) as client:
        result: dict[str, bytes] = {}
        reader = threading.Thread(
            target=lambda: result.setdefault("body", client.get("/slow-stream").content)
        )
        reader.start()
        time.sleep(0.2)
        with httpx.Client(base_url=server.url) as other:
            assert other.get("/ping", timeout=3).text == "pong"
        reader.join(5)
    assert result["body"] == b"first\nsecond\n"


def test_delete_cookie_repeats_secure_and_samesite() -> None:
    response = httpy.Response()
    response.delete_cookie("session", secure=True, samesite="none")
    cookie = response.headers["set-cookie"]
    assert "Max-Age=0" in cookie
    assert "Secure" in cookie
    assert "SameSite=none" in cookie


def test_an_app_body_limit_of_zero_is_honoured() -> None:
    app = httpy.App(max_body_size=0)

    @app.post("/")
    async def index(request: httpy.Request) -> str:
        return str(len(await request.body()))

    with serve_in_thread(app) as server, httpx.Client(base_url=server.url) as client:
        assert client.post("/", content=b"x").status_code == 413
