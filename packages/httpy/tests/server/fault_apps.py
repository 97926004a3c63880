"""Apps for the connection-fault tests: handlers that count, stream forever or misbehave."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator

import httpy

app = httpy.App()
#: How many times /count ran, across the whole test session.
calls = {"count": 0}
#: Set when /forever's body generator is closed (the connection was dropped).
forever_closed = threading.Event()
#: Set when /slow has started.
slow_started = threading.Event()


@app.get("/count")
async def count(request: httpy.Request) -> dict[str, int]:
    calls["count"] += 1
    return {"count": calls["count"]}


@app.get("/slow")
async def slow(request: httpy.Request) -> str:
    slow_started.set()
    await asyncio.sleep(0.3)
    return "slept"


@app.get("/close")
async def close(request: httpy.Request) -> httpy.Response:
    return httpy.TextResponse("bye", headers={"connection": "close"})


@app.get("/bad-length")
async def bad_length(request: httpy.Request) -> httpy.Response:
    # A body longer than its declared length: the protocol refuses to send it (500).
    return httpy.Response(b"too long", headers={"content-length": "1"})


@app.get("/forever")
async def forever(request: httpy.Request) -> httpy.StreamingResponse:
    forever_closed.clear()

    async def chunks() -> AsyncIterator[bytes]:
        try:
            while True:
                yield b"x" * 65536
                await asyncio.sleep(0)
        finally:
            forever_closed.set()

    return httpy.StreamingResponse(chunks())


@app.get("/cancelled")
async def cancelled(request: httpy.Request) -> str:
    raise asyncio.CancelledError


@app.get("/cancelled-midway")
async def cancelled_midway(request: httpy.Request) -> httpy.StreamingResponse:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"first piece"
        raise asyncio.CancelledError

    return httpy.StreamingResponse(chunks())


@app.post("/upload")
async def upload(request: httpy.Request) -> dict[str, int]:
    return {"size": len(await request.body())}
