"""Client certificates (mutual TLS) against a loopback server that requires one.

httpy does not ask for client certificates, so the server here is the standard library's
HTTP server behind an `ssl` context with `CERT_REQUIRED`; it answers with the common name
of the certificate the client presented.
"""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import NamedTuple

import pytest
import trustme

import requestx


class MutualTls(NamedTuple):
    url: str
    ca_file: Path
    client_cert: Path
    client_key: Path
    client_combined: Path


class _EchoClientName(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        peer = self.connection.getpeercert()
        subject = dict(item[0] for item in peer["subject"]) if peer else {}
        body = str(subject.get("commonName", "")).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def mutual_tls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MutualTls]:
    ca = trustme.CA()
    folder = tmp_path_factory.mktemp("mtls")
    server_cert = ca.issue_cert("127.0.0.1")
    client = ca.issue_cert("client@example.test", common_name="requestx-client")
    ca_file = folder / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    client_cert, client_key = folder / "client.pem", folder / "client.key"
    client.cert_chain_pems[0].write_to_path(str(client_cert))
    client.private_key_pem.write_to_path(str(client_key))
    combined = folder / "combined.pem"
    client.private_key_and_cert_chain_pem.write_to_path(str(combined))

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_cert.configure_cert(context)
    ca.configure_trust(context)
    context.verify_mode = ssl.CERT_REQUIRED
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoClientName)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        yield MutualTls(f"https://127.0.0.1:{port}", ca_file, client_cert, client_key, combined)
    finally:
        server.shutdown()
        server.server_close()


def test_cert_and_key_files(mutual_tls: MutualTls) -> None:
    response = requestx.get(
        mutual_tls.url,
        verify=str(mutual_tls.ca_file),
        cert=(str(mutual_tls.client_cert), str(mutual_tls.client_key)),
    )
    assert response.text == "requestx-client"


def test_one_file_holding_cert_and_key(mutual_tls: MutualTls) -> None:
    response = requestx.get(
        mutual_tls.url, verify=str(mutual_tls.ca_file), cert=str(mutual_tls.client_combined)
    )
    assert response.text == "requestx-client"


def test_without_a_certificate_the_server_refuses(mutual_tls: MutualTls) -> None:
    with pytest.raises(requestx.exceptions.ConnectionError):
        requestx.get(mutual_tls.url, verify=str(mutual_tls.ca_file), timeout=10)


def test_async_with_a_certificate(mutual_tls: MutualTls) -> None:
    async def main() -> str:
        response: requestx.Response = await requestx.get(
            mutual_tls.url,
            verify=str(mutual_tls.ca_file),
            cert=(str(mutual_tls.client_cert), str(mutual_tls.client_key)),
        )
        return response.text

    assert asyncio.run(main()) == "requestx-client"


def test_a_key_that_is_not_a_key_is_an_os_error(mutual_tls: MutualTls) -> None:
    with pytest.raises(OSError, match="client key"):
        requestx.get(
            mutual_tls.url,
            verify=str(mutual_tls.ca_file),
            cert=(str(mutual_tls.client_cert), str(mutual_tls.ca_file)),
        )
