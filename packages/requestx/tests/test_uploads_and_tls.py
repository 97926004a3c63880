"""Streamed uploads (generators, files) and TLS verification, against httpy on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

import requestx
from httpy import Config
from httpy.httpbin import app
from httpy.testing import serve_in_thread

if TYPE_CHECKING:
    from conftest import ServerTlsFiles


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with serve_in_thread(app) as server:
        yield server.url


def test_a_generator_body_is_sent_chunked(url: str) -> None:
    def pieces() -> Iterator[bytes]:
        for number in range(5):
            yield b"piece%d;" % number

    body = requestx.post(f"{url}/post", data=pieces()).json()
    assert body["data"] == "piece0;piece1;piece2;piece3;piece4;"
    assert body["headers"]["Transfer-Encoding"] == "chunked"
    assert "Content-Length" not in body["headers"]


def test_an_error_in_the_body_generator_reaches_the_caller(url: str) -> None:
    def broken() -> Iterator[bytes]:
        yield b"start"
        raise LookupError("the source went away")

    with pytest.raises(LookupError, match="the source went away"):
        requestx.post(f"{url}/post", data=broken())


def test_a_file_body_is_streamed_with_its_length(url: str, tmp_path: Path) -> None:
    path = tmp_path / "upload.bin"
    path.write_bytes(b"0123456789" * 20_000)
    with path.open("rb") as file:
        body = requestx.put(f"{url}/put", data=file).json()
    assert body["headers"]["Content-Length"] == "200000"
    assert body["data"] == "0123456789" * 20_000


@pytest.fixture(scope="module")
def tls(server_tls_files: ServerTlsFiles) -> Iterator[tuple[str, Path]]:
    files = server_tls_files
    with serve_in_thread(app, Config(port=0, certfile=files.cert, keyfile=files.key)) as server:
        yield server.url, files.ca


def test_tls_verified_against_a_ca_bundle(tls: tuple[str, Path]) -> None:
    url, ca_file = tls
    response = requestx.get(f"{url}/get", verify=str(ca_file))
    assert response.status_code == 200
    assert response.json()["url"].startswith("https://")


def test_tls_with_an_unknown_ca_is_an_ssl_error(tls: tuple[str, Path]) -> None:
    url, _ = tls
    with pytest.raises(requestx.exceptions.SSLError):
        requestx.get(f"{url}/get")


def test_tls_verification_can_be_turned_off(tls: tuple[str, Path]) -> None:
    url, _ = tls
    assert requestx.get(f"{url}/get", verify=False).status_code == 200


def test_a_missing_ca_bundle_is_an_os_error(tls: tuple[str, Path], tmp_path: Path) -> None:
    url, _ = tls
    with pytest.raises(OSError, match="Could not find a suitable TLS CA certificate bundle"):
        requestx.get(f"{url}/get", verify=str(tmp_path / "missing.pem"))


def test_an_async_generator_body_is_sent_chunked(url: str) -> None:
    async def body() -> AsyncIterator[bytes]:
        for piece in (b"alpha,", b"beta,", b"gamma"):
            await asyncio.sleep(0)  # produced by the loop, between the engine's reads
            yield piece

    async def main() -> dict[str, Any]:
        response = await requestx.post(f"{url}/anything", data=body())
        result: dict[str, Any] = response.json()
        return result

    echoed = asyncio.run(main())
    assert echoed["data"] == "alpha,beta,gamma"
    assert echoed["headers"]["Transfer-Encoding"] == "chunked"
    assert "Content-Length" not in echoed["headers"]


def test_an_error_in_an_async_body_reaches_the_caller(url: str) -> None:
    class BodyFailedError(Exception):
        pass

    async def body() -> AsyncIterator[bytes]:
        yield b"start"
        raise BodyFailedError("no more")

    async def main() -> None:
        await requestx.post(f"{url}/post", data=body())

    with pytest.raises(BodyFailedError, match="no more"):
        asyncio.run(main())


def test_an_async_body_needs_an_awaited_request(url: str) -> None:
    async def body() -> AsyncGenerator[bytes]:
        yield b"never sent"

    chunks = body()
    with pytest.raises(TypeError, match="awaited request"):
        requestx.post(f"{url}/post", data=chunks)
    asyncio.run(chunks.aclose())
