"""The httpy image speaks HTTP/2 and HTTP/3: h2c (prior knowledge) as it is, h2 by ALPN once given
a certificate through HTTPY_CERTFILE / HTTPY_KEYFILE (curl is the independent client), and HTTP/3
over UDP with HTTPY_HTTP3=1 (aioquic's client, as httpy's HTTP/3 tests use it)."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import trustme

from http_benchmark.docker_engine import connect
from http_benchmark.docker_server import DockerHttpyServer, owner_labels
from http_benchmark.server import free_port

HTTPY_TESTS = Path(__file__).resolve().parents[3] / "httpy" / "tests"


def curl_version(*args: str) -> tuple[str, str]:
    result = subprocess.run(
        ["curl", "-sS", "--max-time", "20", "-o", "/dev/null", "-w",
         "%{http_code} %{http_version}", *args],
        capture_output=True, text=True, check=True, timeout=30,
    )  # fmt: skip
    status, version = result.stdout.split()
    return status, version


def test_the_image_serves_h2c(container: DockerHttpyServer) -> None:
    assert curl_version("--http2-prior-knowledge", f"{container.base_url}/get") == ("200", "2")
    assert curl_version("--http1.1", f"{container.base_url}/get") == ("200", "1.1")


@contextmanager
def tls_container(httpy_image: str, folder: Path, *extra: tuple[str, str]) -> Iterator[int]:
    """The image on the host network with a mounted trustme certificate; yields its port
    once it accepts TCP connections. `folder` gets cert.pem, key.pem and ca.pem."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    cert.private_key_and_cert_chain_pem.write_to_path(str(folder / "cert.pem"))
    cert.private_key_pem.write_to_path(str(folder / "key.pem"))
    ca.cert_pem.write_to_path(str(folder / "ca.pem"))
    for name in ("cert.pem", "key.pem"):
        (folder / name).chmod(0o644)  # the image runs as an unprivileged user
    folder.chmod(0o755)
    port = free_port()
    client = connect()
    container = client.containers.run(
        httpy_image,
        detach=True,
        network_mode="host",
        labels=owner_labels(),
        environment={
            "HTTPY_HOST": "127.0.0.1",
            "HTTPY_PORT": str(port),
            "HTTPY_CERTFILE": "/certs/cert.pem",
            "HTTPY_KEYFILE": "/certs/key.pem",
            **dict(extra),
        },
        volumes={str(folder): {"bind": "/certs", "mode": "ro"}},
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        yield port
    finally:
        container.remove(force=True)
        client.close()


def test_the_image_serves_h2_over_tls_with_a_mounted_certificate(
    httpy_image: str, tmp_path: Path
) -> None:
    with tls_container(httpy_image, tmp_path) as port:
        url = f"https://127.0.0.1:{port}/get"
        ca_file = str(tmp_path / "ca.pem")
        assert curl_version("--http2", "--cacert", ca_file, url) == ("200", "2")
        assert curl_version("--http1.1", "--cacert", ca_file, url) == ("200", "1.1")


def test_the_image_serves_http3_over_udp(httpy_image: str, tmp_path: Path) -> None:
    sys.path.insert(0, str(HTTPY_TESTS / "http3"))
    from h3_client import h3_client  # type: ignore[import-not-found]  # noqa: PLC0415

    async def get(port: int) -> tuple[int, bytes, bytes | None]:
        async with h3_client(port, tmp_path / "ca.pem") as client:
            response = await asyncio.wait_for(client.request("GET", "/get"), 20)
        return response.status, bytes(response.body), response.header(b"content-type")

    with tls_container(httpy_image, tmp_path, ("HTTPY_HTTP3", "1")) as port:
        # The TCP side advertises the UDP one.
        alt_svc = subprocess.run(
            ["curl", "-sS", "--max-time", "20", "-o", "/dev/null", "-w", "%header{alt-svc}",
             "--cacert", str(tmp_path / "ca.pem"), f"https://127.0.0.1:{port}/get"],
            capture_output=True, text=True, check=True, timeout=30,
        ).stdout  # fmt: skip
        assert f'h3=":{port}"' in alt_svc
        status, body, content_type = asyncio.run(get(port))
    assert (status, content_type) == (200, b"application/json")
    assert b'"url"' in body
