"""The app the HTTP/3 tests serve. Gates are threading Events the test sets from its thread;
handlers wait on them in an executor so the server's loop keeps running."""

from __future__ import annotations

import asyncio
import hashlib
import threading
from collections.abc import AsyncIterator

import httpy

app = httpy.App(max_body_size=4 * 1024 * 1024)

#: /gated waits for `gate`; `gated_started` counts handlers that began (max-streams test).
gate = threading.Event()
gated_started = threading.Semaphore(0)
#: /upload-later waits for `read_gate` before it reads its body.
read_gate = threading.Event()
upload_waiting = threading.Event()
#: Set when /hang's handler is cancelled (its stream reset, or its connection gone).
hang_cancelled = threading.Event()


async def _wait(event: threading.Event) -> None:
    await asyncio.get_running_loop().run_in_executor(None, event.wait, 30)


@app.get("/version")
async def version(request: httpy.Request) -> dict[str, str]:
    return {"http_version": request.http_version, "host": request.headers.get("host", "")}


@app.post("/echo")
async def echo(request: httpy.Request) -> httpy.Response:
    return httpy.Response(await request.body(), media_type="application/octet-stream")


@app.post("/digest")
async def digest(request: httpy.Request) -> dict[str, object]:
    body = await request.body()
    return {"size": len(body), "sha256": hashlib.sha256(body).hexdigest()}


@app.post("/request-trailers")
async def request_trailers(request: httpy.Request) -> dict[str, object]:
    body = await request.body()
    return {"body": body.decode(), "trailers": dict(request.trailers)}


@app.post("/upload-later")
async def upload_later(request: httpy.Request) -> dict[str, object]:
    upload_waiting.set()
    await _wait(read_gate)
    body = await request.body()
    return {"size": len(body)}


@app.post("/small", max_body_size=1024)
async def small(request: httpy.Request) -> str:
    return str(len(await request.body()))


@app.get("/big/{size:int}")
async def big(request: httpy.Request, size: int) -> httpy.Response:
    return httpy.Response(b"b" * size, media_type="application/octet-stream")


@app.get("/stream/{pieces:int}")
async def stream(request: httpy.Request, pieces: int) -> httpy.StreamingResponse:
    async def chunks() -> AsyncIterator[bytes]:
        for index in range(pieces):
            yield bytes([65 + index % 26]) * 16384

    return httpy.StreamingResponse(chunks(), media_type="application/octet-stream")


@app.get("/trailers")
async def trailers(request: httpy.Request) -> httpy.StreamingResponse:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"part one,"
        yield b"part two"
        response.trailers["x-checksum"] = "17"  # known only once the body is made

    response = httpy.StreamingResponse(chunks(), media_type="text/plain")
    return response


@app.get("/gated")
async def gated(request: httpy.Request) -> str:
    gated_started.release()
    await _wait(gate)
    return "opened"


@app.get("/hang")
async def hang(request: httpy.Request) -> str:
    try:
        await asyncio.sleep(60)
    except asyncio.CancelledError:
        hang_cancelled.set()
        raise
    return "never"


@app.websocket("/ws/echo")
async def websocket_echo(ws: httpy.WebSocket) -> None:
    await ws.accept()
    await ws.send_text(f"hello over HTTP/{ws.http_version}")
    async for message in ws:
        if isinstance(message, str):
            await ws.send_text(message.upper())
        else:
            await ws.send_bytes(message)


#: Set when /endless' body generator is closed (its stream was reset or its handler ended).
endless_stopped = threading.Event()


@app.get("/endless")
async def endless(request: httpy.Request) -> httpy.StreamingResponse:
    endless_stopped.clear()

    async def chunks() -> AsyncIterator[bytes]:
        try:
            while True:
                yield b"e" * 65536
        finally:
            endless_stopped.set()

    return httpy.StreamingResponse(chunks(), media_type="application/octet-stream")


@app.get("/fail")
async def fail(request: httpy.Request) -> str:
    raise RuntimeError("the handler broke")
