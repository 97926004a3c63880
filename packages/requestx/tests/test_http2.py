"""HTTP/2: requestx negotiates h2 by ALPN where a TLS server offers it, sync and async.

The server is httpy (h2 over TLS by ALPN) running a tiny ASGI app that reports the HTTP version
it saw, on a free loopback port, with a trustme certificate. (It was hypercorn, whose teardown
raised APPLICATION_DATA_AFTER_CLOSE_NOTIFY in about 1 run in 30; httpy is the toolkit's server.)
"""

from __future__ import annotations

import asyncio
import json
import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

import httpy
import requestx
from httpy.asgi import ASGIApp
from httpy.asgi.types import Receive, Scope, Send
from httpy.testing import serve_in_thread

if TYPE_CHECKING:
    from conftest import ServerTlsFiles


async def version_app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    body = json.dumps({"http_version": scope["http_version"], "path": scope["path"]}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})


@pytest.fixture(scope="module")
def h2_server(server_tls_files: ServerTlsFiles) -> Iterator[tuple[str, Path]]:
    config = httpy.Config(port=0, certfile=server_tls_files.cert, keyfile=server_tls_files.key)
    with serve_in_thread(ASGIApp(version_app), config) as running:
        yield running.url, server_tls_files.ca


def test_sync_requests_speak_http2_when_offered(h2_server: tuple[str, Path]) -> None:
    url, ca_file = h2_server
    with requestx.Session() as session:
        for _ in range(3):  # the connection is reused, still HTTP/2
            response = session.get(f"{url}/where", verify=str(ca_file))
            assert response.status_code == 200
            assert response.json() == {"http_version": "2", "path": "/where"}
            assert response.raw.version == response.http_version == 20


def test_async_requests_speak_http2_when_offered(h2_server: tuple[str, Path]) -> None:
    url, ca_file = h2_server

    async def main() -> list[Any]:
        async with requestx.Session() as session:
            responses = await asyncio.gather(
                *(session.get(f"{url}/n{i}", verify=str(ca_file)) for i in range(8))
            )
        return [(r.http_version, r.json()["http_version"]) for r in responses]

    assert asyncio.run(main()) == [(20, "2")] * 8


def test_http2_can_be_turned_off_per_session_or_adapter(h2_server: tuple[str, Path]) -> None:
    """h2 is offered by ALPN by default; `http2=False` keeps to HTTP/1.1 (the server, which
    offers both, then answers in HTTP/1.1), sync and async, and survives pickling."""
    url, ca_file = h2_server
    with requestx.Session(http2=False) as session:
        response = session.get(f"{url}/where", verify=str(ca_file))
        assert (response.http_version, response.json()["http_version"]) == (11, "1.1")
    with requestx.Session() as session:
        session.mount("https://", requestx.adapters.HTTPAdapter(http2=False))
        assert session.get(f"{url}/x", verify=str(ca_file)).http_version == 11
        revived = pickle.loads(pickle.dumps(session))  # noqa: S301 - our own bytes
        assert revived.get_adapter(url).http2 is False
        revived.close()

    async def main() -> int | None:
        async with requestx.Session(mode="async", http2=False) as session:
            response: requestx.Response = await session.get(f"{url}/x", verify=str(ca_file))
            return response.http_version

    assert asyncio.run(main()) == 11
