"""`httpy run` and `httpy.run` tell an ASGI 3 app from an httpy.App (or are told, with
`--interface`), and wrap ASGI apps with the Config's ASGI knobs; then the real CLI serving
an ASGI app, driven by curl."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from asgi_apps import app as asgi_app
from cli_process import needs_fork, running_cli

import httpy
from httpy import Config
from httpy.asgi import ASGIApp, is_asgi3_app
from httpy.asgi.types import Receive, Scope, Send
from httpy.loading import as_stream_app, load_app

HERE = Path(__file__).parent


class Middleware:
    """ASGI 3 as most middleware is: an object with an async __call__."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)


class Asgi2App:
    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    async def __call__(self, receive: Receive, send: Send) -> None:
        raise NotImplementedError


def not_async(scope: Scope, receive: Receive, send: Send) -> None:
    raise NotImplementedError


def test_detection() -> None:
    assert is_asgi3_app(asgi_app)
    assert is_asgi3_app(Middleware(asgi_app))
    assert is_asgi3_app(functools.partial(asgi_app))
    assert not is_asgi3_app(Asgi2App)
    assert not is_asgi3_app(not_async)
    assert not is_asgi3_app(42)


def test_an_httpy_app_is_served_as_it_is() -> None:
    app = httpy.App()
    assert as_stream_app(app) is app
    assert as_stream_app(app, "httpy") is app


def test_an_asgi_app_is_wrapped_with_the_config_knobs() -> None:
    config = Config(root_path="/api", proxy_headers=True)
    wrapped = as_stream_app(Middleware(asgi_app), "auto", config)
    assert isinstance(wrapped, ASGIApp)
    assert wrapped._scopes._root_path == "/api"
    assert wrapped._scopes._proxy is not None


def test_a_prepared_asgi_adapter_is_kept() -> None:
    adapter = ASGIApp(asgi_app, root_path="/x")
    assert as_stream_app(adapter) is adapter


@pytest.mark.parametrize(
    ("candidate", "interface", "words"),
    [
        (Asgi2App, "auto", "ASGI 2 classes are not served"),
        (not_async, "auto", "neither an httpy.App nor an ASGI 3 app"),
        (asgi_app, "httpy", "not an httpy.App"),
        (httpy.App(), "asgi", "not an ASGI app"),
    ],
)
def test_what_cannot_be_served_is_a_type_error(
    candidate: object, interface: Any, words: str
) -> None:
    with pytest.raises(TypeError, match=words):
        as_stream_app(candidate, interface)


def test_interface_asgi_trusts_a_plain_callable() -> None:
    assert isinstance(as_stream_app(not_async, "asgi"), ASGIApp)


def test_unknown_interface_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="interface must be one of"):
        as_stream_app(asgi_app, "wsgi")  # type: ignore[arg-type]


def test_load_app_finds_an_asgi_app(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(HERE))
    assert isinstance(load_app("asgi_apps:app"), ASGIApp)


# --- the real CLI -----------------------------------------------------------------------------


def curl_json(url: str, *headers: str) -> Any:
    args = [arg for header in headers for arg in ("-H", header)]
    result = subprocess.run(
        ["curl", "-sS", "--max-time", "10", *args, url],
        capture_output=True, text=True, check=True, timeout=30,
    )  # fmt: skip
    return json.loads(result.stdout)


def test_cli_serves_an_asgi_app_with_its_flags(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", str(HERE))
    with running_cli(tmp_path, "asgi_apps:app", "--root-path", "/api", "--proxy-headers") as server:
        scope = curl_json(server.url + "/scope", "X-Forwarded-For: 203.0.113.7")
        state = curl_json(server.url + "/state")
        assert server.stop() == 0
    assert (scope["root_path"], scope["path"]) == ("/api", "/api/scope")
    assert scope["client"] == ["203.0.113.7", 0]
    assert state == {"greeting": "hello from startup"}


@needs_fork
def test_cli_workers_each_run_the_lifespan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", str(HERE))
    with running_cli(tmp_path, "asgi_apps:app", "--workers", "2") as server:
        states = [curl_json(server.url + "/state") for _ in range(4)]
        assert server.stop() == 0
    assert states == [{"greeting": "hello from startup"}] * 4


def test_cli_interface_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHONPATH", str(HERE))
    monkeypatch.setenv("HTTPY_INTERFACE", "asgi")
    with running_cli(tmp_path, "asgi_apps:no_lifespan") as server:
        result = subprocess.run(
            ["curl", "-sS", "--max-time", "10", server.url + "/"],
            capture_output=True, text=True, check=True, timeout=30,
        )  # fmt: skip
    assert result.stdout == "plain"


def test_cli_refuses_the_wrong_interface() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "httpy", "run", "asgi_apps:app", "--interface", "httpy"],
        check=False, cwd=HERE, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert "asgi_apps:app is a function, not an httpy.App" in result.stderr
