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


@app.get("/task-scoped")
async def task_scoped(request: httpy.Request) -> dict[str, bool]:
    # asyncio.timeout and TaskGroup need a current Task, even before the first await.
    async with asyncio.timeout(5), asyncio.TaskGroup() as group:
        group.create_task(asyncio.sleep(0))
    return {"in_task": asyncio.current_task() is not None}
