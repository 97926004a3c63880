"""HTTP/2: requestx negotiates h2 by ALPN where a TLS server offers it, sync and async.

The server is hypercorn (h2 over TLS) with a tiny ASGI app reporting the HTTP version it saw,
on a free loopback port, with a trustme certificate.
"""

from __future__ import annotations

import asyncio
import json
import pickle
import socket
import threading
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from hypercorn.asyncio import serve
from hypercorn.config import Config

import requestx

if TYPE_CHECKING:
    from conftest import ServerTlsFiles

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


async def version_app(scope: dict[str, Any], receive: Receive, send: Send) -> None:
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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def h2_server(server_tls_files: ServerTlsFiles) -> Iterator[tuple[str, Path]]:
    cert, key, ca_file = server_tls_files.cert, server_tls_files.key, server_tls_files.ca
    config = Config()
    port = _free_port()
    config.bind = [f"127.0.0.1:{port}"]
    config.certfile, config.keyfile = str(cert), str(key)
    config.alpn_protocols = ["h2", "http/1.1"]
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    thread = threading.Thread(
        target=loop.run_until_complete,
        args=(serve(version_app, config, shutdown_trigger=stop.wait),),  # type: ignore[arg-type]
        daemon=True,
    )
    thread.start()
    url = f"https://127.0.0.1:{port}"
    for _ in range(100):  # until it accepts connections
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            threading.Event().wait(0.05)
    try:
        yield url, ca_file
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


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
