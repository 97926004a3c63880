"""The image's health check script (docker/healthcheck.py), run as Docker runs it."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from httpy import App, Response
from httpy.httpbin import app as httpbin
from httpy.testing import serve_in_thread

SCRIPT = Path(__file__).parents[1] / "docker" / "healthcheck.py"


def check(port: int, host: str = "127.0.0.1") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-I", "-S", str(SCRIPT)],
        capture_output=True, text=True, timeout=30, check=False,
        env={"HTTPY_PORT": str(port), "HTTPY_HOST": host},
    )  # fmt: skip


def test_a_serving_httpy_is_healthy() -> None:
    with serve_in_thread(httpbin) as server:
        result = check(server.port)
    assert (result.returncode, result.stdout.strip()) == (0, "status 200")


def test_the_wildcard_address_is_probed_on_loopback() -> None:
    with serve_in_thread(httpbin) as server:
        assert check(server.port, host="0.0.0.0").returncode == 0  # noqa: S104 - as the image sets it


def test_an_app_without_a_root_route_is_still_up() -> None:
    with serve_in_thread(App()) as server:
        result = check(server.port)
    assert (result.returncode, result.stdout.strip()) == (0, "status 404")


def test_server_errors_are_unhealthy() -> None:
    broken = App()

    @broken.get("/")
    async def index(request: object) -> Response:
        return Response(b"down", status_code=503)

    with serve_in_thread(broken) as server:
        result = check(server.port)
    assert (result.returncode, result.stdout.strip()) == (1, "status 503")


def test_nothing_listening_is_unhealthy() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = check(port)  # bound, never listening: refused
    assert result.returncode == 1
    assert result.stdout.startswith("unhealthy:")


@pytest.mark.parametrize("answer", [b"SSH-2.0-OpenSSH\r\n", b""])
def test_a_non_http_answer_is_unhealthy(answer: bytes) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        process = subprocess.Popen(
            [sys.executable, "-I", "-S", str(SCRIPT)],
            stdout=subprocess.PIPE, text=True, env={"HTTPY_PORT": str(port)},
        )  # fmt: skip
        connection, _ = listener.accept()
        with connection:
            connection.recv(1024)
            connection.sendall(answer)
        output = process.communicate(timeout=30)[0]
    assert process.returncode == 1
    assert output.startswith("unhealthy:")
