"""Every adapter against httpy on loopback: the same headers, bodies, modes, checked errors."""

from __future__ import annotations

import asyncio
import importlib
import types
from collections.abc import Iterator

import pytest

from http_benchmark.adapters import (
    CLIENT_NAMES,
    COMMON_HEADERS,
    MEASURED_CLIENTS,
    ClientUnavailableError,
    FairSettings,
    UnsupportedModeError,
    get_adapter,
)
from http_benchmark.adapters.aresilient_adapter import AresilientAdapter
from http_benchmark.models import HTTPRequest, Mode
from http_benchmark.runner import reference_request
from httpy import App, Request, Response
from httpy.testing import RunningServer, serve_in_thread

# niquests runs under its own interpreter: test_niquests.py checks it there.
PAIRS = [
    (name, mode)
    for name in MEASURED_CLIENTS
    if name != "niquests"
    for mode in ("sync", "async")
    if mode in get_adapter(name).modes
]


def _send(name: str, mode: Mode, request: HTTPRequest, times: int = 1) -> list[tuple[int, int]]:
    adapter = get_adapter(name)
    settings = FairSettings(pool_size=2, timeout=10)
    if mode == "sync":
        session = adapter.open_sync(request, settings)
        try:
            return [session.send() for _ in range(times)]
        finally:
            session.close()

    async def main() -> list[tuple[int, int]]:
        session = await adapter.open_async(request, settings)
        try:
            return [await session.send() for _ in range(times)]
        finally:
            await session.close()

    return asyncio.run(main())


class Recorder:
    """An httpy app that keeps each request's headers and body size."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, dict[str, str], int]] = []
        self.app = App()
        self.app.route("/record", methods=["GET", "POST"])(self.record)

    async def record(self, request: Request) -> Response:
        body = await request.body()
        headers = {name.lower(): value for name, value in request.headers.items()}
        self.seen.append((request.method, headers, len(body)))
        return Response(b"0123456789", media_type="application/octet-stream")


@pytest.fixture(scope="module")
def recorder() -> Iterator[tuple[Recorder, RunningServer]]:
    recorder = Recorder()
    with serve_in_thread(recorder.app) as server:
        yield recorder, server


def _require(name: str) -> None:
    """Clients this environment lacks are checked for their clean refusal instead."""
    reason = get_adapter(name).unavailable_reason()
    if reason is not None:
        with pytest.raises(ClientUnavailableError, match=reason):
            _send(name, "sync" if "sync" in get_adapter(name).modes else "async",
                  HTTPRequest(url="http://127.0.0.1:9/"))  # fmt: skip
        pytest.skip(f"{name}: {reason} (its unavailability is reported cleanly)")


@pytest.mark.parametrize(("name", "mode"), PAIRS)
def test_every_client_sends_the_same_request(
    recorder: tuple[Recorder, RunningServer], name: str, mode: Mode
) -> None:
    _require(name)
    app, server = recorder
    app.seen.clear()
    request = HTTPRequest(
        method="POST", url=server.url + "/record", body=b"x" * 3000, headers={"X-Bench": "1"}
    )
    assert _send(name, mode, request, times=2) == [(200, 10), (200, 10)]
    assert len(app.seen) == 2
    method, headers, body_length = app.seen[0]
    assert (method, body_length) == ("POST", 3000)
    expected = {key.lower(): value for key, value in COMMON_HEADERS.items()}
    expected |= {
        "x-bench": "1",
        "content-type": "application/octet-stream",
        "content-length": "3000",
        "host": f"127.0.0.1:{server.port}",
    }
    assert headers == expected


@pytest.mark.parametrize(("name", "mode"), PAIRS)
def test_download_is_decoded_and_measured_whole(
    httpbin: RunningServer, name: str, mode: Mode
) -> None:
    _require(name)
    # gzip-encoded by httpbin: every client decodes it, as its Accept-Encoding promised, to
    # what the stdlib reference (same headers, zlib by hand) decodes.
    gzipped = HTTPRequest(url=httpbin.url + "/gzip")
    assert _send(name, mode, gzipped) == [reference_request(gzipped, timeout=10, verify=True)]
    plain = HTTPRequest(url=httpbin.url + "/bytes/5000?seed=1")
    assert _send(name, mode, plain) == [(200, 5000)]


@pytest.mark.parametrize(("name", "mode"), PAIRS)
def test_error_status_is_returned_not_hidden(httpbin: RunningServer, name: str, mode: Mode) -> None:
    _require(name)
    assert _send(name, mode, HTTPRequest(url=httpbin.url + "/status/503"))[0][0] == 503


@pytest.mark.parametrize(("name", "mode"), PAIRS)
def test_new_connection_means_connection_close(
    recorder: tuple[Recorder, RunningServer], name: str, mode: Mode
) -> None:
    _require(name)
    app, server = recorder
    app.seen.clear()
    request = HTTPRequest(url=server.url + "/record", new_connection=True)
    assert _send(name, mode, request, times=3) == [(200, 10)] * 3
    assert [headers["connection"] for _, headers, _ in app.seen] == ["close"] * 3


@pytest.mark.parametrize("name", CLIENT_NAMES)
def test_unsupported_mode_is_a_typed_error(name: str) -> None:
    adapter = get_adapter(name)
    for mode in ("sync", "async"):
        if mode in adapter.modes:
            adapter.check_mode(mode)
            continue
        with pytest.raises(UnsupportedModeError, match=f"{name} has no {mode} mode") as caught:
            _send(name, mode, HTTPRequest(url="http://127.0.0.1:9/"))
        assert caught.value.supported == adapter.modes


def test_modes_of_each_client() -> None:
    modes = {name: get_adapter(name).modes for name in CLIENT_NAMES}
    assert modes == {
        "requests": {"sync"},
        "requestx": {"sync", "async"},
        "httpx": {"sync", "async"},
        "aiohttp": {"async"},
        "urllib3": {"sync"},
        "pycurl": {"sync"},
        "aresilient": {"sync", "async"},
        "niquests": {"sync", "async"},
        "null": {"sync", "async"},
    }


def test_protocols_of_each_client() -> None:
    protocols = {name: get_adapter(name).protocols for name in CLIENT_NAMES}
    h1 = {"h1", "h1-tls"}
    assert protocols == {
        "requests": h1,
        "requestx": h1 | {"h2"},
        "httpx": h1 | {"h2", "h2c"},
        "aiohttp": h1,
        "urllib3": h1,
        "pycurl": h1 | {"h2", "h2c"},
        "aresilient": h1 | {"h2", "h2c"},
        "niquests": h1 | {"h2", "h2c", "h3"},
        "null": h1 | {"h2", "h2c", "h3"},
    }


def test_unknown_client_names_the_known_ones() -> None:
    with pytest.raises(KeyError, match="known: requests, requestx"):
        get_adapter("curl_cffi")


def test_missing_library_is_reported_not_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "pycurl" else real(name, *a)
    )
    adapter = get_adapter("pycurl")
    assert adapter.unavailable_reason() == "pycurl is not installed"
    with pytest.raises(ClientUnavailableError, match="pycurl is not installed"):
        adapter.open_sync(HTTPRequest(url="http://127.0.0.1:9/"), FairSettings(pool_size=1))


def test_aresilient_without_client_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    # An aresilient from before its drop-in clients: importable, but no Client.
    early = types.ModuleType("aresilient")
    monkeypatch.setitem(importlib.import_module("sys").modules, "aresilient", early)
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: object() if name == "aresilient" else real(name, *a),
    )
    adapter = AresilientAdapter()
    assert adapter.unavailable_reason() == "this aresilient has no Client/AsyncClient yet"
    with pytest.raises(ClientUnavailableError):
        adapter.open_sync(HTTPRequest(url="http://127.0.0.1:9/"), FairSettings(pool_size=1))


@pytest.mark.parametrize(("name", "mode"), [("pycurl", "sync"), ("httpx", "sync"),
                                            ("httpx", "async"), ("aiohttp", "async")])  # fmt: skip
def test_connect_time_where_exposed(httpbin: RunningServer, name: str, mode: Mode) -> None:
    _require(name)
    adapter = get_adapter(name)
    request = HTTPRequest(url=httpbin.url + "/get")
    settings = FairSettings(pool_size=1)
    if mode == "sync":
        milliseconds = adapter.connect_ms_sync(request, settings)
    else:
        milliseconds = asyncio.run(adapter.connect_ms_async(request, settings))
    assert milliseconds is not None
    assert 0 < milliseconds < 1000


def test_clients_without_connect_time_say_none() -> None:
    for name in ("requests", "urllib3", "requestx"):
        adapter = get_adapter(name)
        assert not adapter.exposes_connect_time
        assert (
            adapter.connect_ms_sync(HTTPRequest(url="http://127.0.0.1:9/"), FairSettings(1)) is None
        )
