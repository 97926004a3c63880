"""The ASGI ``lifespan`` scope: startup before the first request, shutdown after the last,
state shared into requests; apps without lifespan support tolerated; a failed startup stops
the server (and `httpy run` exits 3, as uvicorn does)."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from asgi_apps import RECORDER, app, failing_shutdown, failing_startup, no_lifespan, strict_lifespan

from httpy import Config
from httpy.asgi import ASGIApp, LifespanError
from httpy.testing import serve_in_thread

HERE = Path(__file__).parent
CONFIG = Config(port=0, shutdown_timeout=5)


@pytest.fixture(autouse=True)
def fresh_recorder() -> None:
    RECORDER.reset()
    RECORDER.lifespan.clear()


def test_startup_before_requests_and_shutdown_after() -> None:
    adapter = ASGIApp(app)
    with serve_in_thread(adapter, CONFIG) as server:
        assert RECORDER.lifespan == ["startup"]
        assert httpx.get(server.url + "/state").json() == {"greeting": "hello from startup"}
    assert RECORDER.lifespan == ["startup", "shutdown"]
    assert adapter.state == {"greeting": "hello from startup"}


def test_each_request_gets_its_own_copy_of_the_state() -> None:
    with serve_in_thread(ASGIApp(app), CONFIG) as server, httpx.Client() as client:
        first = client.get(server.url + "/state").json()
        second = client.get(server.url + "/state").json()
    assert first == second == {"greeting": "hello from startup"}  # no "touched"


def test_app_without_lifespan_support_is_served(caplog: pytest.LogCaptureFixture) -> None:
    with (
        caplog.at_level(logging.INFO, "httpy.error"),
        serve_in_thread(ASGIApp(no_lifespan), CONFIG) as server,
    ):
        assert httpx.get(server.url + "/").text == "plain"
    assert "does not support lifespan" in caplog.text


def test_startup_failed_stops_the_server() -> None:
    with pytest.raises(RuntimeError) as failure, serve_in_thread(ASGIApp(failing_startup), CONFIG):
        pass
    assert isinstance(failure.value.__cause__, LifespanError)
    assert "the database is down" in str(failure.value.__cause__)


def test_shutdown_failed_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with serve_in_thread(ASGIApp(failing_shutdown), CONFIG) as server:
        assert httpx.get(server.url + "/").status_code == 200
    assert RECORDER.lifespan == ["shutdown-failed"]
    assert "ASGI lifespan shutdown failed: could not flush" in caplog.text


def test_lifespan_message_out_of_order_raises_in_the_app() -> None:
    with serve_in_thread(ASGIApp(strict_lifespan), CONFIG) as server:
        assert httpx.get(server.url + "/").text == "strict"
    assert len(RECORDER.errors) == 1
    assert "lifespan.shutdown.complete" in str(RECORDER.errors[0])


def test_cli_exits_3_when_startup_fails() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "httpy", "run", "asgi_apps:failing_startup",
         "--host", "127.0.0.1", "--port", "0"],
        check=False, cwd=HERE, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 3
    assert "ASGI lifespan startup failed: the database is down" in result.stderr
