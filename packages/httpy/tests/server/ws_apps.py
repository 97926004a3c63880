"""The app the WebSocket server tests serve."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpy

app = httpy.App()
#: What the tests observe from inside the server.
seen: dict[str, Any] = {"sent": 0, "disconnect_code": None}
disconnected = threading.Event()


@app.websocket("/echo/{room}")
async def echo(ws: httpy.WebSocket, room: str) -> None:
    await ws.accept()
    async for message in ws:
        if isinstance(message, str):
            await ws.send_text(f"{room}: {message}")
        else:
            await ws.send_bytes(message)


@app.websocket("/protocols")
async def protocols(ws: httpy.WebSocket) -> None:
    chosen = "superchat" if "superchat" in ws.subprotocols else None
    await ws.accept(subprotocol=chosen, headers={"x-room": "lobby"})
    await ws.send_text(f"{chosen} {ws.http_version}")
    await ws.close(4000, "bye")


@app.websocket("/json")
class JSONEcho(httpy.WebSocketEndpoint):
    encoding = "json"

    async def on_message(self, websocket: httpy.WebSocket, data: Any) -> None:
        await websocket.send_json({"got": data})

    async def on_disconnect(self, websocket: httpy.WebSocket, code: int) -> None:  # noqa: ARG002
        seen["disconnect_code"] = code
        disconnected.set()


@app.websocket("/refuse")
async def refuse(ws: httpy.WebSocket) -> None:
    await ws.close()


@app.websocket("/fail-early")
async def fail_early(ws: httpy.WebSocket) -> None:
    raise RuntimeError("before accepting")


@app.websocket("/fail-late")
async def fail_late(ws: httpy.WebSocket) -> None:
    await ws.accept()
    await ws.receive()
    raise RuntimeError("after accepting")


@app.websocket("/flood")
async def flood(ws: httpy.WebSocket) -> None:
    await ws.accept()
    seen["sent"] = 0
    for _ in range(2000):  # 2000 x 64 KiB: 125 MiB if sends never waited
        await ws.send_bytes(b"x" * 65536)
        seen["sent"] += 1


@app.websocket("/quiet")
async def quiet(ws: httpy.WebSocket) -> None:
    await ws.accept()
    await asyncio.sleep(30)
