"""The httpy image speaks HTTP/2: h2c (prior knowledge) as it is, h2 by ALPN once given a
certificate through HTTPY_CERTFILE / HTTPY_KEYFILE; curl is the independent client."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import trustme

from http_benchmark.docker_engine import connect
from http_benchmark.docker_server import DockerHttpyServer, owner_labels
from http_benchmark.server import free_port


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


def test_the_image_serves_h2_over_tls_with_a_mounted_certificate(
    httpy_image: str, tmp_path: Path
) -> None:
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    cert.private_key_and_cert_chain_pem.write_to_path(str(tmp_path / "cert.pem"))
    cert.private_key_pem.write_to_path(str(tmp_path / "key.pem"))
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    for name in ("cert.pem", "key.pem"):
        (tmp_path / name).chmod(0o644)  # the image runs as an unprivileged user
    tmp_path.chmod(0o755)
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
        },
        volumes={str(tmp_path): {"bind": "/certs", "mode": "ro"}},
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                time.sleep(0.2)
        url = f"https://127.0.0.1:{port}/get"
        ca_file = str(tmp_path / "ca.pem")
        assert curl_version("--http2", "--cacert", ca_file, url) == ("200", "2")
        assert curl_version("--http1.1", "--cacert", ca_file, url) == ("200", "1.1")
    finally:
        container.remove(force=True)
        client.close()
