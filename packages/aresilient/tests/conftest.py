"""Loopback servers that fail on purpose, a harness running each scenario sync and async, and a
guard that fails any test trying to connect beyond 127.0.0.1."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import httpy
from httpy.httpbin import app as httpbin_app
from httpy.testing import RunningServer, serve_in_thread

# Helper modules beside the tests are imported by name (aresilient_harness: a name no other
# package's tests use, as a whole-repo pytest run shares one sys.modules).
if str(Path(__file__).parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent))

from aresilient_harness import ResetServer

# -- nothing leaves loopback ----------------------------------------------------------------

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _check(sock: socket.socket, address: Any) -> None:
    if sock.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple):
        host = str(address[0]).split("%")[0]
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if not loopback:
            raise AssertionError(f"a test tried to connect to {address!r}, beyond loopback")


def _guarded_connect(self: socket.socket, address: Any) -> None:
    _check(self, address)
    _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: Any) -> int:
    _check(self, address)
    return _real_connect_ex(self, address)


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded_connect_ex)


@pytest.fixture(autouse=True)
def _no_proxy_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # httpx honours HTTP(S)_PROXY: a proxy set on the machine must not see test traffic.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("ARESILIENT_NO_WAIT", raising=False)


# -- servers --------------------------------------------------------------------------------


def _failing_app() -> httpy.App:
    """Failures httpbin does not make: a response slow only the first time per key."""
    app = httpy.App()
    calls: dict[str, int] = {}
    lock = threading.Lock()

    @app.get("/slow-first/{key}")
    async def slow_first(request: httpy.Request, key: str) -> dict[str, int]:
        with lock:
            calls[key] = calls.get(key, 0) + 1
            count = calls[key]
        if count == 1:
            await asyncio.sleep(float(request.query.get("delay", "1.0")))
        return {"calls": count}

    @app.route("/read-then-503/{key}", ["PUT", "POST"])
    async def read_then_503(request: httpy.Request, key: str) -> httpy.Response:
        # Reads the whole body first (httpbin's /flaky does not), so the client always gets
        # the 503 rather than a reset for a body the server left unread.
        body = await request.body()
        with lock:
            calls[key] = calls.get(key, 0) + 1
        return httpy.JSONResponse({"received": body.decode()}, status_code=503)

    @app.get("/calls/{key}")
    async def count(request: httpy.Request, key: str) -> dict[str, int]:
        with lock:
            return {"calls": calls.get(key, 0)}

    @app.get("/slow/{seconds:float}")
    async def slow(request: httpy.Request, seconds: float) -> dict[str, float]:
        await asyncio.sleep(seconds)
        return {"slept": seconds}

    return app


@pytest.fixture(scope="session")
def httpbin() -> Iterator[RunningServer]:
    with serve_in_thread(httpbin_app) as server:
        yield server


@pytest.fixture(scope="session")
def failing_server() -> Iterator[RunningServer]:
    with serve_in_thread(_failing_app()) as server:
        yield server


@pytest.fixture
def key() -> str:
    """A fresh /flaky key: httpbin counts calls per key."""
    return uuid.uuid4().hex


@pytest.fixture
def reset_server(request: pytest.FixtureRequest) -> Iterator[ResetServer]:
    marker = request.node.get_closest_marker("resets")
    server = ResetServer(marker.args[0] if marker else 1)
    yield server
    server.close()


@pytest.fixture
def refused_url() -> Iterator[str]:
    """A loopback port that refuses connections: bound, never listening."""
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    yield f"http://127.0.0.1:{holder.getsockname()[1]}"
    holder.close()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "resets(n): connections the reset_server resets")
