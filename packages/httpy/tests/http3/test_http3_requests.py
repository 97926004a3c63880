"""httpy over HTTP/3 with aioquic's own client, over real UDP on loopback: requests and
responses both ways, flow control, trailers, many streams on one connection."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from h3_client import h3_client
from h3_server import ThreadedServer

MIB = 1024 * 1024


def run(coroutine: object) -> object:
    return asyncio.run(coroutine)  # type: ignore[arg-type]


def test_get_is_served_over_http3(h3_server: ThreadedServer, ca_file: Path) -> None:
    async def main() -> None:
        async with h3_client(h3_server.quic_port, ca_file) as client:
            response = await client.request("GET", "/version")
        assert response.status == 200
        assert json.loads(response.body) == {"http_version": "3", "host": "localhost"}
        assert response.header(b"server") == b"httpy"
        assert response.header(b"date") is not None

    run(main())
