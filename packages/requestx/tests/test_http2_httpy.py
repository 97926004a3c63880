"""requestx against httpy's own HTTP/2 server (h2 by ALPN over TLS), sync and async: the
toolkit's client and server speak HTTP/2 to each other."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

import httpy
import requestx
from httpy.testing import RunningServer, serve_in_thread

if TYPE_CHECKING:
    from conftest import ServerTlsFiles

app = httpy.App()


@app.get("/version")
async def version(request: httpy.Request) -> dict[str, str]:
    return {"http_version": request.http_version}


@app.post("/echo")
async def echo(request: httpy.Request) -> httpy.Response:
    return httpy.Response(await request.body(), media_type="application/octet-stream")


@pytest.fixture(scope="module")
def httpy_h2(server_tls_files: ServerTlsFiles) -> Iterator[tuple[RunningServer, str]]:
    config = httpy.Config(port=0, certfile=server_tls_files.cert, keyfile=server_tls_files.key)
    with serve_in_thread(app, config) as running:
        yield running, str(server_tls_files.ca)


def test_sync_requestx_gets_http2_from_httpy(httpy_h2: tuple[RunningServer, str]) -> None:
    server, ca_file = httpy_h2
    upload = bytes(range(256)) * 1024  # 256 KiB: a full stream window
    with requestx.Session() as session:
        got = session.get(f"{server.url}/version", verify=ca_file)
        echoed = session.post(f"{server.url}/echo", data=upload, verify=ca_file)
    assert (got.raw.version, got.json()) == (20, {"http_version": "2"})
    assert (echoed.raw.version, echoed.content) == (20, upload)


def test_async_requestx_multiplexes_on_httpy(httpy_h2: tuple[RunningServer, str]) -> None:
    server, ca_file = httpy_h2

    async def main() -> list[Any]:
        async with requestx.Session() as session:
            responses = await asyncio.gather(
                *(session.get(f"{server.url}/version", verify=ca_file) for _ in range(16))
            )
        return [(r.raw.version, r.json()["http_version"]) for r in responses]

    assert asyncio.run(main()) == [(20, "2")] * 16


def test_requestx_drives_a_starlette_app_on_httpy(server_tls_files: ServerTlsFiles) -> None:
    from starlette.applications import Starlette  # noqa: PLC0415 - only this test needs it
    from starlette.requests import Request  # noqa: PLC0415
    from starlette.responses import JSONResponse  # noqa: PLC0415
    from starlette.routing import Route  # noqa: PLC0415

    from httpy.asgi import ASGIApp  # noqa: PLC0415

    async def echo(request: Request) -> JSONResponse:
        body = await request.body()
        return JSONResponse({"size": len(body), "version": request.scope["http_version"]})

    starlette = Starlette(routes=[Route("/echo", echo, methods=["POST"])])
    config = httpy.Config(port=0, certfile=server_tls_files.cert, keyfile=server_tls_files.key)
    with serve_in_thread(ASGIApp(starlette), config) as server, requestx.Session() as session:
        answer = session.post(
            f"{server.url}/echo", data=b"x" * 5000, verify=str(server_tls_files.ca)
        )
    assert (answer.status_code, answer.json()) == (200, {"size": 5000, "version": "2"})


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_an_origin_restarted_without_http2_is_reached_over_http11(
    server_tls_files: ServerTlsFiles, mode: str
) -> None:
    """The process-wide HTTP/2 connection to an origin is dead after the server restarts,
    and the new server on the same port offers HTTP/1.1 only: the next request connects
    afresh and speaks HTTP/1.1 instead of failing on the remembered h2 choice."""
    ca_file = str(server_tls_files.ca)
    cert, key = server_tls_files.cert, server_tls_files.key

    def get(session: requestx.Session, url: str) -> Any:
        if mode == "sync":
            return session.get(url, verify=ca_file, timeout=10)

        async def main() -> Any:
            async with requestx.Session() as inner:
                return await inner.get(url, verify=ca_file, timeout=10)

        return asyncio.run(main())

    with requestx.Session() as session:
        # Short graceful shutdowns: the session keeps its idle connections open till then.
        with serve_in_thread(
            app, httpy.Config(port=0, shutdown_timeout=1, certfile=cert, keyfile=key)
        ) as first:
            port = int(first.url.rsplit(":", 1)[1])
            before = get(session, f"{first.url}/version")
        with serve_in_thread(
            app,
            httpy.Config(port=port, http2=False, shutdown_timeout=1, certfile=cert, keyfile=key),
        ) as second:
            after = [get(session, f"{second.url}/version") for _ in range(2)]
    assert (before.raw.version, before.json()) == (20, {"http_version": "2"})
    assert [(r.raw.version, r.json()) for r in after] == [(11, {"http_version": "1.1"})] * 2
