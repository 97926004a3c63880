"""Streamed uploads (generators, files) and TLS verification, against httpy on loopback."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import warnings
from collections.abc import AsyncGenerator, AsyncIterator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from urllib3.exceptions import InsecureRequestWarning

import requestx
from httpy import Config
from httpy.httpbin import app
from httpy.testing import serve_in_thread
from requestx import _insecure

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
    with pytest.warns(InsecureRequestWarning, match="Unverified HTTPS request .* '127.0.0.1'"):
        assert requestx.get(f"{url}/get", verify=False).status_code == 200


@pytest.mark.parametrize("how", ["plain", "general", "streamed", "awaited"])
def test_each_unverified_https_call_warns_as_requests_does(tls: tuple[str, Path], how: str) -> None:
    """requests (through urllib3) warns on every HTTPS request made with verify=False; code
    written for it silences the warning through urllib3's class, which is the one used."""
    url, _ = tls

    def call(session: requestx.Session) -> int:
        if how == "plain":
            return int(session.get(f"{url}/get", verify=False).status_code)
        if how == "general":
            response = session.post(f"{url}/post", data=b"x", verify=False)
            return int(response.status_code)
        if how == "streamed":
            with session.get(f"{url}/get", verify=False, stream=True) as response:
                return int(response.status_code)

        async def awaited() -> int:
            async with requestx.Session(mode="async") as inner:
                response: requestx.Response = await inner.get(f"{url}/get", verify=False)
                return response.status_code

        return asyncio.run(awaited())

    with requestx.Session(mode="sync") as session:
        for _ in range(2):
            with pytest.warns(InsecureRequestWarning):
                assert call(session) == 200
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            warnings.simplefilter("ignore", InsecureRequestWarning)  # urllib3.disable_warnings
            assert call(session) == 200


def test_plain_http_and_verified_https_do_not_warn(tls: tuple[str, Path], url: str) -> None:
    tls_url, ca_file = tls
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert requestx.get(f"{url}/get", verify=False).status_code == 200
        assert requestx.get(f"{tls_url}/get", verify=str(ca_file)).status_code == 200


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


def test_without_urllib3_requestx_warns_with_its_own_class(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert _insecure.insecure_request_warning() is InsecureRequestWarning
    monkeypatch.setitem(sys.modules, "urllib3.exceptions", None)  # import now fails
    assert _insecure.insecure_request_warning() is _insecure.InsecureRequestWarning
    with pytest.warns(_insecure.InsecureRequestWarning, match="'example.test'"):
        _insecure.warn_unverified("https://example.test/path")


FALLBACK_SCRIPT = """
import sys
import requestx
from requestx import _requestx
try:
    status = requestx.get(sys.argv[1]).status_code
except requestx.exceptions.SSLError:
    status = "SSLError"
print(_requestx.platform_roots_available(), status)
"""


@pytest.mark.parametrize("system_store", ["empty", "the machine's"])
def test_certifi_is_the_fallback_when_the_system_has_no_roots(
    tls: tuple[str, Path], tmp_path: Path, system_store: str
) -> None:
    """A minimal container has no CA certificates: verify=True then uses certifi's bundle.
    Here a stand-in certifi hands out the test CA, so only that fallback can verify."""
    url, ca_file = tls
    stand_in = tmp_path / "stand_in" / "certifi"
    stand_in.mkdir(parents=True)
    (stand_in / "__init__.py").write_text(f"def where():\n    return {str(ca_file)!r}\n")
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in {"REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR"}
    }
    environment["PYTHONPATH"] = str(stand_in.parent)
    if system_store == "empty":
        (tmp_path / "no-certs.pem").write_text("")
        (tmp_path / "no-certs").mkdir()
        environment["SSL_CERT_FILE"] = str(tmp_path / "no-certs.pem")
        environment["SSL_CERT_DIR"] = str(tmp_path / "no-certs")
    result = subprocess.run(
        [sys.executable, "-c", FALLBACK_SCRIPT, f"{url}/get"],
        capture_output=True, text=True, timeout=60, check=False, env=environment,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    if system_store == "empty":
        assert result.stdout.split() == ["False", "200"]
    else:  # the machine's roots are used, and they do not know the test CA
        assert result.stdout.split() == ["True", "SSLError"]
