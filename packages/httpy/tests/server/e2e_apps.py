"""Apps served by the end-to-end tests, importable as `e2e_apps:app` from this folder."""

from __future__ import annotations

import asyncio
import os

import httpy

app = httpy.App()


@app.get("/")
async def index(request: httpy.Request) -> dict[str, str]:
    return {"hello": "world"}


@app.get("/pid")
async def pid(request: httpy.Request) -> dict[str, int]:
    return {"pid": os.getpid()}


@app.get("/slow")
async def slow(request: httpy.Request) -> dict[str, float]:
    seconds = float(request.query.get("seconds", "1"))
    await asyncio.sleep(seconds)
    return {"slept": seconds}


@app.post("/echo")
async def echo(request: httpy.Request) -> httpy.Response:
    return httpy.Response(await request.body(), media_type="application/octet-stream")


@app.post("/ignore-body")
async def ignore_body(request: httpy.Request) -> str:
    return "not read"
