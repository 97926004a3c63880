"""The app the HTTP/2 server tests serve, importable as `h2_apps:app` from this folder."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator

import httpy

app = httpy.App(max_body_size=4 * 1024 * 1024)
#: Set when /slow starts; set when /hang's handler is cancelled.
slow_started = threading.Event()
hang_started = threading.Event()
hang_cancelled = threading.Event()


@app.get("/version")
async def version(request: httpy.Request) -> dict[str, str]:
    return {"http_version": request.http_version}


@app.post("/echo")
async def echo(request: httpy.Request) -> httpy.Response:
    return httpy.Response(await request.body(), media_type="application/octet-stream")


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


@app.get("/slow")
async def slow(request: httpy.Request) -> str:
    slow_started.set()
    await asyncio.sleep(float(request.query.get("seconds", "0.5")))
    return "slept"


@app.get("/hang")
async def hang(request: httpy.Request) -> str:
    hang_started.set()
    try:
        await asyncio.sleep(60)
    except asyncio.CancelledError:
        hang_cancelled.set()
        raise
    return "never"


@app.get("/trailers")
async def trailers(request: httpy.Request) -> httpy.StreamingResponse:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"part one,"
        yield b"part two"
        response.trailers["x-checksum"] = "17"  # known only once the body is made

    response = httpy.StreamingResponse(chunks(), media_type="text/plain")
    return response


@app.post("/request-trailers")
async def request_trailers(request: httpy.Request) -> dict[str, object]:
    body = await request.body()
    return {"body": body.decode(), "trailers": dict(request.trailers)}


@app.get("/page")
async def page(request: httpy.Request) -> httpy.Response:
    response = httpy.HTMLResponse("<link rel=stylesheet href=/version>")
    response.push("/version", {"accept": "application/json"})
    return response


#: Set when /ticks' body generator is closed (its stream was reset).
ticks_stopped = threading.Event()


@app.get("/ticks")
async def ticks(request: httpy.Request) -> httpy.StreamingResponse:
    ticks_stopped.clear()

    async def chunks() -> AsyncIterator[bytes]:
        try:
            while True:
                yield b"tick\n"  # the first one is written in the handler's first step
                await asyncio.sleep(0.01)
        finally:
            ticks_stopped.set()

    return httpy.StreamingResponse(chunks(), media_type="text/plain")
