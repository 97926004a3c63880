"""The apps every server benchmark serves, the same work on every server.

httpy serves its own App; uvicorn, hypercorn, granian and httpy's ASGI adapter serve an
equivalent raw ASGI app. `write_apps` writes them as importable modules into the folder the
servers start in: `httpy_app:app`, `asgi_app:app` (a JSON route on `/`) and `ws_httpy_app:app`,
`ws_asgi_app:app` (a WebSocket echo on ECHO_PATH).
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "ASGI_APP",
    "ASGI_ECHO",
    "ASGI_LIFESPAN",
    "ECHO_PATH",
    "HTTPY_APP",
    "HTTPY_ECHO",
    "JSON_BODY",
    "write_apps",
]

ECHO_PATH = "/echo"

# What every server answers on `/`: checked byte for byte where a client can see it.
JSON_BODY = b'{"hello":"world"}'

# The lifespan half of every raw ASGI app the benchmarks serve: it starts and stops, nothing else.
ASGI_LIFESPAN = """
async def lifespan(receive, send):
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
"""

# The same work per request as httpy's handler below: serialize the dict with a reused
# encoder (as httpy's JSONResponse does), build the headers.
ASGI_APP = (
    ASGI_LIFESPAN
    + """
import json

ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        return await lifespan(receive, send)
    body = ENCODER.encode({"hello": "world"}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
"""
)

HTTPY_APP = """
import httpy

app = httpy.App()


@app.get("/")
async def index(request):
    return {"hello": "world"}
"""

# uvicorn and hypercorn run this; it echoes text as text and bytes as bytes, as httpy's does.
ASGI_ECHO = (
    ASGI_LIFESPAN
    + """
async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        return await lifespan(receive, send)
    if scope["type"] != "websocket":
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b""})
        return
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    while True:
        message = await receive()
        if message["type"] != "websocket.receive":
            return  # websocket.disconnect
        if message.get("text") is not None:
            await send({"type": "websocket.send", "text": message["text"]})
        else:
            await send({"type": "websocket.send", "bytes": message["bytes"]})
"""
)

HTTPY_ECHO = f"""
import httpy

app = httpy.App()


@app.websocket("{ECHO_PATH}")
async def echo(ws):
    await ws.accept()
    async for message in ws:
        if isinstance(message, str):
            await ws.send_text(message)
        else:
            await ws.send_bytes(message)
"""


# hypercorn closes a connection after 1,000 requests (`keep_alive_max_requests`). wrk opens a
# new one, but h2load (HTTP/2) and the HTTP/3 load do not: their connections would end early
# and hypercorn would sit idle for the rest of the run, its rate capped at 1,000 requests per
# connection per run, not measured. Over those protocols it runs with this file.
HYPERCORN_MULTIPLEXED_CONFIG = "hypercorn_multiplexed.toml"
HYPERCORN_MULTIPLEXED = "keep_alive_max_requests = 1000000000\n"


def write_apps(workdir: Path) -> None:
    """The app modules the server commands import (and hypercorn's configuration file for
    multiplexed protocols), written into `workdir`."""
    (workdir / HYPERCORN_MULTIPLEXED_CONFIG).write_text(HYPERCORN_MULTIPLEXED, encoding="utf-8")
    modules = {
        "asgi_app": ASGI_APP,
        "httpy_app": HTTPY_APP,
        "ws_asgi_app": ASGI_ECHO,
        "ws_httpy_app": HTTPY_ECHO,
    }
    for module, source in modules.items():
        (workdir / f"{module}.py").write_text(source, encoding="utf-8")
