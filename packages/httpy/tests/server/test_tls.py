"""TLS from a certificate and key: real clients verify it against a trustme CA."""

from __future__ import annotations

import socket
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import requests
import trustme
from e2e_apps import app

from httpy import Config
from httpy.testing import RunningServer, serve_in_thread


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def tls_server(
    ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[RunningServer, Path]]:
    folder = tmp_path_factory.mktemp("tls")
    cert = ca.issue_cert("127.0.0.1", "localhost")
    certfile, keyfile, ca_file = folder / "cert.pem", folder / "key.pem", folder / "ca.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(certfile))
    cert.private_key_pem.write_to_path(str(keyfile))
    ca.cert_pem.write_to_path(str(ca_file))
    config = Config(port=0, certfile=certfile, keyfile=keyfile)
    with serve_in_thread(app, config) as running:
        yield running, ca_file


def test_requests_verifies_and_gets_a_response(tls_server: tuple[RunningServer, Path]) -> None:
    server, ca_file = tls_server
    assert server.url.startswith("https://")
    with requests.get(f"{server.url}/", verify=str(ca_file), timeout=10) as response:
        assert response.json() == {"hello": "world"}


def test_httpx_verifies_and_gets_a_response(tls_server: tuple[RunningServer, Path]) -> None:
    server, ca_file = tls_server
    context = ssl.create_default_context(cafile=str(ca_file))
    with httpx.Client(verify=context) as client:
        response = client.post(f"{server.url}/echo", content=b"secret")
    assert response.content == b"secret"


def test_curl_over_tls(tls_server: tuple[RunningServer, Path]) -> None:
    server, ca_file = tls_server
    result = subprocess.run(
        ["curl", "-sS", "--cacert", str(ca_file), f"{server.url}/"],
        capture_output=True, text=True, check=True, timeout=30,
    )  # fmt: skip
    assert result.stdout == '{"hello":"world"}'


def test_alpn_serves_http11_only_clients(tls_server: tuple[RunningServer, Path]) -> None:
    server, ca_file = tls_server
    context = ssl.create_default_context(cafile=str(ca_file))
    context.set_alpn_protocols(["http/1.1"])
    with (
        socket.create_connection(("127.0.0.1", server.port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        assert tls.selected_alpn_protocol() == "http/1.1"
        assert tls.version() in {"TLSv1.2", "TLSv1.3"}


def test_untrusted_client_fails_verification(tls_server: tuple[RunningServer, Path]) -> None:
    server, _ = tls_server
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(f"{server.url}/", timeout=10)


def test_config_requires_key_and_cert_together(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"certfile and Config\.keyfile go together"):
        Config(certfile=tmp_path / "cert.pem")
