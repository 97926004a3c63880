"""The ASGI ``http`` scope over HTTP/2: the scope says so, push and trailers go on the wire
(the h2 library as a raw client sees the frames), a reset stream is a disconnect; curl and
httpx (TLS by ALPN) as independent clients."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
import time
from collections.abc import Iterator

import h2.events
import h2.settings
import httpx
import pytest
from asgi_apps import RECORDER, app
from h2_client import RawH2Client
from tls_material import TLSFiles, issue

from httpy import Config
from httpy.asgi import ASGIApp
from httpy.testing import RunningServer, serve_in_thread


@pytest.fixture(autouse=True)
def fresh_recorder() -> None:
    RECORDER.reset()


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    adapter = ASGIApp(app)
    with serve_in_thread(adapter, Config(port=0, shutdown_timeout=5)) as running:
        yield running


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TLSFiles:
    return issue(tmp_path_factory.mktemp("tls"))


def exchange(client: RawH2Client, stream_id: int) -> list[h2.events.Event]:
    """Every event until `stream_id` ends (pushed streams' events included)."""
    events: list[h2.events.Event] = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        batch = client.events()
        if not batch:
            break
        events.extend(batch)
        if any(isinstance(e, h2.events.StreamEnded) and e.stream_id == stream_id for e in batch):
            break
    return events


def get(port: int, path: bytes, settings: dict[int, int] | None = None) -> list[h2.events.Event]:
    """One GET on a fresh connection: its events until the stream ends."""
    with RawH2Client(port, settings=settings) as client:
        stream_id = client.headers(path)
        client.flush()
        return exchange(client, stream_id)


def test_scope_over_http2_offers_push(server: RunningServer) -> None:
    result = subprocess.run(
        ["curl", "-sS", "--max-time", "10", "--http2-prior-knowledge", f"{server.url}/scope"],
        capture_output=True, text=True, check=True, timeout=30,
    )  # fmt: skip
    scope = httpx.Response(200, content=result.stdout.encode()).json()
    assert scope["http_version"] == "2"
    assert scope["extensions"] == ["http.response.push", "http.response.trailers"]
    assert ["host", f"127.0.0.1:{server.port}"] in scope["headers"]
    assert not any(name.startswith(":") for name, _ in scope["headers"])


def test_trailers_reach_an_h2_client(server: RunningServer) -> None:
    events = get(server.port, b"/trailers")
    data = b"".join(e.data for e in events if isinstance(e, h2.events.DataReceived))
    trailers = [e for e in events if isinstance(e, h2.events.TrailersReceived)]
    assert data == b"abcdef"
    assert len(trailers) == 1
    # Both trailers messages (more_trailers True, then the last) in one HEADERS frame.
    assert (b"x-sum", b"6") in trailers[0].headers
    assert (b"x-more", b"yes") in trailers[0].headers
    assert trailers[0].stream_ended is not None


def test_mixed_case_header_names_are_lower_cased_for_http2(server: RunningServer) -> None:
    heads = [e for e in get(server.port, b"/headers") if isinstance(e, h2.events.ResponseReceived)]
    assert len(heads) == 1
    assert (b":status", b"201") in (heads[0].headers or [])
    assert (b"x-custom", b"v") in (heads[0].headers or [])


def test_push_promise_then_the_pushed_response(server: RunningServer) -> None:
    with RawH2Client(server.port) as client:
        stream_id = client.headers(b"/push")
        client.flush()
        events = exchange(client, stream_id)
        promised = [e for e in events if isinstance(e, h2.events.PushedStreamReceived)]
        assert len(promised) == 1
        assert (b":path", b"/pushed/style.css") in (promised[0].headers or [])
        pushed_id = promised[0].pushed_stream_id
        assert pushed_id is not None
        if not any(
            isinstance(e, h2.events.StreamEnded) and e.stream_id == pushed_id for e in events
        ):
            events += exchange(client, pushed_id)
    bodies: dict[int, bytes] = {}
    for event in events:
        if isinstance(event, h2.events.DataReceived):
            bodies[event.stream_id] = bodies.get(event.stream_id, b"") + event.data
    assert bodies == {stream_id: b"page", pushed_id: b"body{}"}


def test_push_refused_by_the_client_is_skipped(server: RunningServer) -> None:
    events = get(server.port, b"/push", {int(h2.settings.SettingCodes.ENABLE_PUSH): 0})
    assert not any(isinstance(e, h2.events.PushedStreamReceived) for e in events)
    data = b"".join(e.data for e in events if isinstance(e, h2.events.DataReceived))
    assert data == b"page"


def test_reset_stream_stops_the_app(server: RunningServer) -> None:
    with RawH2Client(server.port) as client:
        stream_id = client.headers(b"/wait-disconnect")
        client.flush()
        received = b""
        while b"waiting" not in received:
            batch = client.events()
            assert batch, "the server closed the connection"
            received += b"".join(e.data for e in batch if isinstance(e, h2.events.DataReceived))
        client.conn.reset_stream(stream_id)
        client.flush()
        assert RECORDER.done.wait(10)
    # The HTTP/2 server cancels the handler of a stream the client reset: the app waiting in
    # receive() stops there (uvicorn, HTTP/1.1 only, would hand it http.disconnect).
    assert len(RECORDER.errors) == 1
    assert isinstance(RECORDER.errors[0], asyncio.CancelledError)


def test_streamed_response_with_curl(server: RunningServer) -> None:
    # One transfer per curl: curl 7.88 fails a second transfer on an h2c prior-knowledge
    # connection (error 16), with hypercorn as well as httpy.
    result = subprocess.run(
        ["curl", "-sS", "--max-time", "10", "--http2-prior-knowledge", f"{server.url}/stream",
         "-w", "%{http_version}"],
        capture_output=True, text=True, check=True, timeout=30,
    )  # fmt: skip
    assert result.stdout == "part 0\npart 1\npart 2\n2"


def test_body_over_the_limit_is_413_over_http2() -> None:
    config = Config(port=0, shutdown_timeout=5)
    with (
        serve_in_thread(ASGIApp(app, max_body_size=10), config) as running,
        httpx.Client(http1=False, http2=True, timeout=10) as client,
    ):
        declared = client.post(running.url + "/echo", content=b"x" * 11)
        streamed = client.post(running.url + "/echo", content=iter([b"x" * 6, b"y" * 6]))
        fits = client.post(running.url + "/echo", content=b"x" * 10)
    assert (declared.http_version, declared.status_code) == ("HTTP/2", 413)
    assert streamed.status_code == 413
    assert fits.json()["length"] == 10


def test_httpx_http2_over_tls(tls_files: TLSFiles) -> None:
    certfile, keyfile, ca_path = tls_files
    config = Config(port=0, certfile=certfile, keyfile=keyfile, shutdown_timeout=5)
    with (
        serve_in_thread(ASGIApp(app), config) as running,
        httpx.Client(
            http2=True, verify=ssl.create_default_context(cafile=ca_path), timeout=10
        ) as client,
    ):
        scope = client.get(running.url + "/scope").json()
        echoed = client.post(running.url + "/echo", content=b"x" * 100_000)
        streamed = client.get(running.url + "/stream")
    assert (scope["http_version"], scope["scheme"]) == ("2", "https")
    assert echoed.http_version == "HTTP/2"
    assert echoed.json()["length"] == 100_000
    assert streamed.text == "part 0\npart 1\npart 2\n"
