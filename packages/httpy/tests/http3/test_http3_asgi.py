"""ASGI apps over HTTP/3: a Starlette app as its users write it, and a raw ASGI app that reads
its scope and sends trailers (the http.response.trailers extension)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from framework_apps import starlette_app
from h3_client import h3_client
from h3_server import h3_config, threaded_server

from httpy.asgi import ASGIApp
from httpy.asgi.types import Receive, Scope, Send

MIB = 1024 * 1024


async def scope_app(scope: Scope, receive: Receive, send: Send) -> None:
    """Answers with its scope's protocol facts, then a trailer."""
    if scope["type"] == "lifespan":
        while (message := await receive())["type"] != "lifespan.shutdown":
            await send({"type": message["type"] + ".complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    facts = {
        "http_version": scope["http_version"],
        "scheme": scope["scheme"],
        "trailers": "http.response.trailers" in scope["extensions"],
    }
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json")],
            "trailers": True,
        }
    )
    await send({"type": "http.response.body", "body": json.dumps(facts).encode()})
    await send({"type": "http.response.trailers", "headers": [(b"x-done", b"yes")]})


def test_starlette_app_over_http3(tls_files: tuple[Path, Path, Path], ca_file: Path) -> None:
    async def main(port: int) -> None:
        async with h3_client(port, ca_file) as client:
            home = await client.request("GET", "/")
            upload = await client.request("POST", "/upload", body=b"s" * MIB)
            numbers = await client.request("GET", "/numbers?count=5")
            user = await client.request("GET", "/users/7")
        assert home.status == 200
        assert json.loads(home.body)["name"] == "starlette on httpy"
        assert json.loads(upload.body)["size"] == MIB
        assert bytes(numbers.body) == b"0\n1\n2\n3\n4\n"
        assert bytes(user.body) == b"user 7"

    config = h3_config(tls_files, shutdown_timeout=5)
    with threaded_server(ASGIApp(starlette_app), config) as server:
        asyncio.run(main(server.quic_port))


def test_raw_asgi_scope_and_trailers_over_http3(
    tls_files: tuple[Path, Path, Path], ca_file: Path
) -> None:
    async def main(port: int) -> None:
        async with h3_client(port, ca_file) as client:
            response = await client.request("GET", "/")
        assert json.loads(response.body) == {
            "http_version": "3",
            "scheme": "https",
            "trailers": True,
        }
        assert response.trailers == [(b"x-done", b"yes")]

    with threaded_server(ASGIApp(scope_app), h3_config(tls_files, shutdown_timeout=5)) as server:
        asyncio.run(main(server.quic_port))
