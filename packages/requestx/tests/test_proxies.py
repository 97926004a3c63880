"""Proxies through a real local proxy server (proxy.py): plain HTTP, CONNECT for HTTPS,
credentials in the proxy URL, environment variables and no_proxy, sync and async."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import proxy
import pytest

import requestx
from httpy import Config
from httpy.httpbin import app
from httpy.testing import serve_in_thread

if TYPE_CHECKING:
    from conftest import ServerTlsFiles


def _proxy_server(*extra: str) -> proxy.Proxy:
    return proxy.Proxy(
        ["--hostname", "127.0.0.1", "--port", "0", "--num-workers", "1", "--num-acceptors", "1",
         "--log-level", "ERROR", *extra]
    )  # fmt: skip


@pytest.fixture(scope="module")
def proxy_url() -> Iterator[str]:
    with _proxy_server() as running:
        yield f"http://127.0.0.1:{running.flags.port}"


@pytest.fixture(scope="module")
def authenticated_proxy_port() -> Iterator[int]:
    with _proxy_server("--basic-auth", "user:secret") as running:
        yield int(running.flags.port)


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with serve_in_thread(app) as server:
        yield server.url


@pytest.fixture(scope="module")
def tls(server_tls_files: ServerTlsFiles) -> Iterator[tuple[str, Path]]:
    files = server_tls_files
    with serve_in_thread(app, Config(port=0, certfile=files.cert, keyfile=files.key)) as server:
        yield server.url, files.ca


def _dead_proxy() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def test_http_through_a_proxy(url: str, proxy_url: str) -> None:
    response = requestx.get(f"{url}/get", proxies={"http": proxy_url})
    assert response.status_code == 200
    # The same request through a proxy that is not there fails: the proxy really was used.
    with pytest.raises(requestx.exceptions.ProxyError):
        requestx.get(f"{url}/get", proxies={"http": _dead_proxy()}, timeout=5)


def test_https_through_a_connect_tunnel(tls: tuple[str, Path], proxy_url: str) -> None:
    base, ca_file = tls
    response = requestx.get(f"{base}/get", proxies={"https": proxy_url}, verify=str(ca_file))
    assert response.json()["url"].startswith("https://")
    with pytest.raises(requestx.exceptions.ProxyError):
        requestx.get(f"{base}/get", proxies={"all": _dead_proxy()}, verify=str(ca_file), timeout=5)


def test_proxy_credentials_in_the_url(url: str, authenticated_proxy_port: int) -> None:
    good = f"http://user:secret@127.0.0.1:{authenticated_proxy_port}"
    assert requestx.get(f"{url}/get", proxies={"http": good}).status_code == 200
    bad = f"http://user:wrong@127.0.0.1:{authenticated_proxy_port}"
    assert requestx.get(f"{url}/get", proxies={"http": bad}).status_code == 407


@pytest.fixture(scope="module")
def tls_proxy_url(server_tls_files: ServerTlsFiles) -> Iterator[str]:
    """The same proxy spoken to over TLS (an https:// proxy), its certificate from the CA
    the tests trust."""
    files = server_tls_files
    with _proxy_server("--cert-file", str(files.cert), "--key-file", str(files.key)) as running:
        yield f"https://127.0.0.1:{running.flags.port}"


def test_an_https_proxy_forwards_and_tunnels(
    url: str, tls: tuple[str, Path], tls_proxy_url: str
) -> None:
    base, ca_file = tls
    proxies = {"http": tls_proxy_url, "https": tls_proxy_url}
    with requestx.Session() as session:
        for _ in range(2):  # the second on the kept connection (or the shared HTTP/2 one)
            tunnelled = session.get(f"{base}/get", proxies=proxies, verify=str(ca_file))
            assert tunnelled.json()["url"].startswith("https://")
            assert tunnelled.http_version == 20  # TLS and ALPN to the origin, inside TLS
            forwarded = session.get(f"{url}/get", proxies=proxies, verify=str(ca_file))
            assert forwarded.status_code == 200
    # Its certificate is checked: without the test CA the proxy cannot be reached.
    with pytest.raises(requestx.exceptions.ProxyError):
        requestx.get(f"{url}/get", proxies=proxies, verify=True, timeout=5)


def test_environment_proxies_and_no_proxy(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", _dead_proxy())
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with pytest.raises(requestx.exceptions.ProxyError):
        requestx.get(f"{url}/get", timeout=5)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    assert requestx.get(f"{url}/get").status_code == 200
    monkeypatch.delenv("NO_PROXY")
    with requestx.Session() as session:
        session.trust_env = False  # environment ignored: straight to the server
        assert session.get(f"{url}/get").status_code == 200


def test_async_through_a_proxy(url: str, proxy_url: str) -> None:
    async def main() -> list[int]:
        async with requestx.Session() as session:
            session.proxies = {"http": proxy_url}
            responses = await asyncio.gather(*(session.get(f"{url}/get") for _ in range(5)))
            return [r.status_code for r in responses]

    assert asyncio.run(main()) == [200] * 5
