"""Generated and paced bodies: /bytes, /stream-bytes, /stream, /drip and /delay.

Every size and wait is capped as httpbin caps it, so one request cannot hold the server
hostage: 100 KiB of random bytes, 100 JSON lines, 10 MiB dripped, 10 seconds of delay.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
from collections.abc import AsyncIterator, Iterator
from typing import Any

from httpy.application import App
from httpy.exceptions import HTTPException
from httpy.httpbin._echo import ANY_METHOD, body_info
from httpy.httpbin._inspect import base_info
from httpy.httpbin._params import float_arg, int_arg
from httpy.requests import Request
from httpy.responses import Response, StreamingResponse

__all__ = ["MAX_BYTES", "MAX_DELAY", "MAX_DRIP_BYTES", "MAX_STREAM_LINES", "register"]

MAX_BYTES = 100 * 1024
MAX_STREAM_LINES = 100
MAX_DRIP_BYTES = 10 * 1024 * 1024
MAX_DELAY = 10.0
_OCTETS = "application/octet-stream"
_CHUNK = 64 * 1024
_MAX_WRITES_PER_SECOND = 100


def _rng(request: Request) -> random.Random:
    """Seeded by `?seed=` for reproducible bytes, else from the OS."""
    raw = request.query.get("seed")
    if raw is None:
        return random.Random()  # noqa: S311 - test data, not secrets
    try:
        return random.Random(int(raw))  # noqa: S311
    except ValueError:
        raise HTTPException(400, f"query argument 'seed' must be an integer, got {raw!r}") from None


async def random_bytes(request: Request, n: int) -> Response:
    size = min(max(n, 0), MAX_BYTES)
    return Response(_rng(request).randbytes(size), media_type=_OCTETS)


async def stream_bytes(request: Request, n: int) -> Response:
    size = min(max(n, 0), MAX_BYTES)
    chunk_size = max(1, int_arg(request, "chunk_size", 10 * 1024))
    rng = _rng(request)

    def chunks() -> Iterator[bytes]:
        remaining = size
        while remaining > 0:
            step = min(chunk_size, remaining)
            remaining -= step
            yield rng.randbytes(step)

    return StreamingResponse(chunks(), media_type=_OCTETS)


async def stream_lines(request: Request, n: int) -> Response:
    count = min(max(n, 0), MAX_STREAM_LINES)
    info = base_info(request)

    def lines() -> Iterator[bytes]:
        for number in range(count):
            yield json.dumps({**info, "id": number}).encode() + b"\n"

    return StreamingResponse(lines(), media_type="application/json")


async def drip(request: Request) -> Response:
    duration = float_arg(request, "duration", 2.0, minimum=0, maximum=60)
    numbytes = int_arg(request, "numbytes", 10)
    if numbytes <= 0:
        raise HTTPException(400, "number of bytes must be positive")
    numbytes = min(numbytes, MAX_DRIP_BYTES)
    status = int_arg(request, "code", 200, minimum=200, maximum=599)
    wait = float_arg(request, "delay", 0.0, minimum=0, maximum=MAX_DELAY)
    if wait:
        await asyncio.sleep(wait)
    per_write, pause = drip_plan(numbytes, duration)

    async def dripping() -> AsyncIterator[bytes]:
        # The first write leaves at once, then one every `pause`: the last at about
        # `duration` (httpbin also idles `pause` after the last byte; that wait is dropped).
        remaining = numbytes
        while remaining > 0:
            if remaining < numbytes and pause:
                await asyncio.sleep(pause)
            size = min(per_write, remaining)
            remaining -= size
            yield b"*" * size

    return StreamingResponse(
        dripping(), status, headers={"content-length": str(numbytes)}, media_type=_OCTETS
    )


def drip_plan(numbytes: int, duration: float) -> tuple[int, float]:
    """(bytes per write, seconds between writes) to spread `numbytes` over `duration`.

    One byte per write, as httpbin does, unless that means more than `_MAX_WRITES_PER_SECOND`
    writes: a 10 MiB drip must not become ten million timer wake-ups.
    """
    if duration <= 0:
        return min(numbytes, _CHUNK), 0.0
    per_write = max(1, math.ceil(numbytes / (duration * _MAX_WRITES_PER_SECOND)))
    writes = math.ceil(numbytes / per_write)
    return per_write, duration / writes


async def delay(request: Request, seconds: float) -> dict[str, Any]:
    await asyncio.sleep(min(max(seconds, 0.0), MAX_DELAY))
    info = await body_info(request)
    del info["json"]  # httpbin's /delay leaves it out
    return info


def register(app: App) -> None:
    app.get("/bytes/{n:int}")(random_bytes)
    app.get("/stream-bytes/{n:int}")(stream_bytes)
    app.get("/stream/{n:int}")(stream_lines)
    app.get("/drip")(drip)
    app.route("/delay/{seconds:float}", ANY_METHOD)(delay)
