"""httpy's server over HTTP/2 with independent clients: curl (TLS by ALPN, prior knowledge, the
h2c Upgrade), nghttp and httpx; the same App answers HTTP/1.1 on the same port. Then the
attacks a raw h2 client can make: windows that never open, rapid resets, stream floods."""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import h2.events
import h2_apps
import httpx
import pytest
import trustme
from h2_apps import app
from h2_client import RawH2Client

from httpy import Config
from httpy.testing import RunningServer, serve_in_thread

H2 = ["curl", "-sS", "--max-time", "20"]


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    folder = tmp_path_factory.mktemp("h2tls")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    certfile, keyfile, ca_file = folder / "cert.pem", folder / "key.pem", folder / "ca.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(certfile))
    cert.private_key_pem.write_to_path(str(keyfile))
    ca.cert_pem.write_to_path(str(ca_file))
    return certfile, keyfile, ca_file


@pytest.fixture(scope="module")
def tls_server(tls_files: tuple[Path, Path, Path]) -> Iterator[RunningServer]:
    certfile, keyfile, _ = tls_files
    with serve_in_thread(app, Config(port=0, certfile=certfile, keyfile=keyfile)) as running:
        yield running


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with serve_in_thread(app, Config(port=0, write_timeout=0.5)) as running:
        yield running


def curl(*args: str, check: bool = True) -> tuple[str, str]:
    """curl's body and the HTTP version it reports (`%{http_version}`)."""
    result = subprocess.run(
        [*H2, "-w", "\n%{http_version}", *args],
        capture_output=True, text=True, check=check, timeout=30,
    )  # fmt: skip
    body, _, version = result.stdout.rpartition("\n")
    return body, version


# --- how a connection becomes HTTP/2, and both protocols on one port ------------------


def test_tls_offers_h2_first_by_alpn(
    tls_server: RunningServer, tls_files: tuple[Path, ...]
) -> None:
    context = ssl.create_default_context(cafile=str(tls_files[2]))
    context.set_alpn_protocols(["h2", "http/1.1"])
    with (
        socket.create_connection(("127.0.0.1", tls_server.port), timeout=5) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        assert tls.selected_alpn_protocol() == "h2"


def test_http2_off_offers_only_http11(tls_files: tuple[Path, Path, Path]) -> None:
    certfile, keyfile, ca_file = tls_files
    config = Config(port=0, certfile=certfile, keyfile=keyfile, http2=False)
    with serve_in_thread(app, config) as running:
        body, version = curl("--http2", "--cacert", str(ca_file), running.url + "/version")
        assert (body, version) == ('{"http_version":"1.1"}', "1.1")
        _, version = curl(
            "--http2-prior-knowledge", f"http://127.0.0.1:{running.port}/version", check=False
        )
        # Prior knowledge against a server that does not speak HTTP/2: no HTTP/2 answer.
        assert version != "2"


def test_curl_negotiates_h2_over_tls(
    tls_server: RunningServer, tls_files: tuple[Path, ...]
) -> None:
    body, version = curl("--http2", "--cacert", str(tls_files[2]), tls_server.url + "/version")
    assert (body, version) == ('{"http_version":"2"}', "2")


def test_http11_still_served_on_the_tls_port(
    tls_server: RunningServer, tls_files: tuple[Path, ...]
) -> None:
    body, version = curl("--http1.1", "--cacert", str(tls_files[2]), tls_server.url + "/version")
    assert (body, version) == ('{"http_version":"1.1"}', "1.1")


def test_curl_prior_knowledge_on_cleartext(server: RunningServer) -> None:
    body, version = curl("--http2-prior-knowledge", server.url + "/version")
    assert (body, version) == ('{"http_version":"2"}', "2")


def test_curl_upgrades_with_h2c(server: RunningServer) -> None:
    # curl sends `Upgrade: h2c` with HTTP2-Settings; the 101 is followed by HTTP/2.
    body, version = curl("--http2", server.url + "/version")
    assert (body, version) == ('{"http_version":"2"}', "2")


@pytest.mark.parametrize(
    "framing", [[], ["-H", "Transfer-Encoding: chunked"]], ids=["length", "chunked"]
)
def test_an_h2c_upgrade_with_a_body_is_answered_over_http11(
    server: RunningServer, framing: list[str]
) -> None:
    # curl asks for h2c on a POST too; httptools reads no body for an upgrade request, so
    # httpy reads it itself and answers over HTTP/1.1 (RFC 9110 §7.8 lets a server ignore an
    # Upgrade; it takes h2c only for bodiless requests). The body must arrive whole.
    body, version = curl("--http2", *framing, "--data-binary", "x" * 3000, server.url + "/echo")
    assert (body, version) == ("x" * 3000, "1.1")


def test_plain_http11_on_the_cleartext_port(server: RunningServer) -> None:
    body, version = curl("--http1.1", server.url + "/version")
    assert (body, version) == ('{"http_version":"1.1"}', "1.1")


def test_nghttp_frames(server: RunningServer) -> None:
    result = subprocess.run(
        ["nghttp", "-nv", "-t", "20", server.url + "/big/100000"],
        capture_output=True, text=True, check=True, timeout=30,
    )  # fmt: skip
    assert "SETTINGS_MAX_CONCURRENT_STREAMS(0x03):100" in result.stdout
    assert ":status: 200" in result.stdout
    assert "END_STREAM" in result.stdout


# --- bodies both ways, streams, flow control -----------------------------------------------


def test_httpx_over_tls_uploads_and_downloads(
    tls_server: RunningServer, tls_files: tuple[Path, ...]
) -> None:
    context = ssl.create_default_context(cafile=str(tls_files[2]))
    upload = bytes(range(256)) * 4096  # 1 MiB: four times the stream window, acked as read
    with httpx.Client(http2=True, verify=context, timeout=20) as client:
        echoed = client.post(tls_server.url + "/echo", content=upload)
        streamed = client.get(tls_server.url + "/stream/64")  # 1 MiB in 16 KiB pieces
        whole = client.get(tls_server.url + "/big/3000000")
    assert (echoed.http_version, echoed.status_code) == ("HTTP/2", 200)
    assert echoed.content == upload
    assert streamed.content == b"".join(bytes([65 + i % 26]) * 16384 for i in range(64))
    assert whole.content == b"b" * 3_000_000


def test_many_concurrent_streams_on_one_connection(server: RunningServer) -> None:
    async def main() -> list[httpx.Response]:
        async with httpx.AsyncClient(http2=True, timeout=20) as client:
            # Prior knowledge over cleartext: httpx's http2 option needs an http2-only client.
            client._transport = httpx.AsyncHTTPTransport(http1=False, http2=True)
            return await asyncio.gather(
                *(client.get(f"{server.url}/big/{1000 + n}") for n in range(80))
            )

    responses = asyncio.run(main())
    assert [len(r.content) for r in responses] == [1000 + n for n in range(80)]
    assert {r.http_version for r in responses} == {"HTTP/2"}


def test_a_body_over_the_route_limit_is_answered_413(server: RunningServer) -> None:
    # A raw client: curl 7.88 reports a stream error (exit 92) when the early answer is
    # followed by RST_STREAM(NO_ERROR), which RFC 9113 §8.1 allows and clients must accept.
    with RawH2Client(server.port) as client:
        stream_id = client.headers(b"/small", b"POST", end=False)
        client.conn.send_data(stream_id, b"x" * 5000, end_stream=True)
        client.flush()
        events = _until_closed(client, {stream_id}, allow_reset=True)
    statuses = [
        dict(e.headers)[b":status"] for e in events if isinstance(e, h2.events.ResponseReceived)
    ]
    assert statuses == [b"413"]


# --- shutdown ------------------------------------------------------------------------------


def test_graceful_shutdown_finishes_the_stream_in_flight() -> None:
    h2_apps.slow_started.clear()
    answers: list[str] = []
    with serve_in_thread(app, Config(port=0)) as running:
        port = running.port

        def fetch() -> None:
            answers.append(curl("--http2-prior-knowledge", f"http://127.0.0.1:{port}/slow")[0])

        thread = threading.Thread(target=fetch)
        thread.start()
        assert h2_apps.slow_started.wait(10)
    # Leaving the block sent GOAWAY while /slow ran: it finished, then the server stopped.
    thread.join(20)
    assert answers == ["slept"]


# --- attacks, each bounded in time ---------------------------------------------------------


def test_a_window_that_never_opens_resets_the_stream(server: RunningServer) -> None:
    # INITIAL_WINDOW_SIZE 0: the server can send the head, never a byte of the body.
    with RawH2Client(server.port, settings={4: 0}) as client:
        stream_id = client.headers(b"/big/100000")
        client.flush()
        deadline = time.monotonic() + 10
        reset = None
        while reset is None and time.monotonic() < deadline:
            for event in client.events():
                if isinstance(event, h2.events.StreamReset) and event.stream_id == stream_id:
                    reset = event
        assert reset is not None, "the stream was never reset"


def test_a_reset_stream_cancels_its_handler(server: RunningServer) -> None:
    h2_apps.hang_started.clear()
    h2_apps.hang_cancelled.clear()
    with RawH2Client(server.port) as client:
        stream_id = client.headers(b"/hang")
        client.flush()
        client.events()  # the server's SETTINGS
        # Reset only once the handler runs: a reset read with the request in one batch
        # cancels a task that never started, and such a handler has nothing to tell.
        assert h2_apps.hang_started.wait(10)
        client.conn.reset_stream(stream_id)
        client.flush()
        assert h2_apps.hang_cancelled.wait(5)


def test_rapid_reset_ends_the_connection_with_enhance_your_calm(server: RunningServer) -> None:
    with RawH2Client(server.port) as client:
        for _ in range(400):  # over the 200 per 10 s allowed
            stream_id = client.headers(b"/hang")
            client.conn.reset_stream(stream_id)
        client.flush()
        ended = None
        deadline = time.monotonic() + 10
        while ended is None and time.monotonic() < deadline:
            events = client.events()
            if not events:
                break
            ended = next((e for e in events if isinstance(e, h2.events.ConnectionTerminated)), None)
        assert ended is not None
        assert ended.error_code == 0xB  # ENHANCE_YOUR_CALM
    # The server is still there for everyone else.
    assert curl("--http2-prior-knowledge", server.url + "/version")[1] == "2"


def test_streams_over_the_concurrency_limit_are_refused(server: RunningServer) -> None:
    with RawH2Client(server.port) as client:
        # All at once, before the server's SETTINGS (100 concurrent streams) are read.
        ids = [client.headers(b"/slow?seconds=2") for _ in range(101)]
        client.flush()
        refused = None
        deadline = time.monotonic() + 10
        while refused is None and time.monotonic() < deadline:
            for event in client.events():
                if isinstance(event, h2.events.StreamReset):
                    refused = event
        assert refused is not None
        assert (refused.stream_id, refused.error_code) == (ids[-1], 0x7)  # REFUSED_STREAM


# --- trailers and push ---------------------------------------------------------------------


def _until_closed(
    client: RawH2Client, stream_ids: set[int], *, allow_reset: bool = False
) -> list[h2.events.Event]:
    """Every event until each of `stream_ids` ended (or was reset, if allowed), in time."""
    seen: list[h2.events.Event] = []
    deadline = time.monotonic() + 10
    while stream_ids and time.monotonic() < deadline:
        events = client.events()
        if not events:
            break
        for event in events:
            seen.append(event)
            if isinstance(event, h2.events.PushedStreamReceived):
                assert event.pushed_stream_id is not None
                stream_ids.add(event.pushed_stream_id)
            if isinstance(event, h2.events.StreamEnded) or (
                allow_reset and isinstance(event, h2.events.StreamReset)
            ):
                assert event.stream_id is not None
                stream_ids.discard(event.stream_id)
    assert not stream_ids, f"streams never ended: {stream_ids}"
    return seen


def test_trailers_follow_the_body_over_http2(server: RunningServer) -> None:
    with RawH2Client(server.port) as client:
        stream_id = client.headers(b"/trailers")
        client.flush()
        events = _until_closed(client, {stream_id})
    data = b"".join(e.data for e in events if isinstance(e, h2.events.DataReceived))
    trailers = [e for e in events if isinstance(e, h2.events.TrailersReceived)]
    assert data == b"part one,part two"
    assert len(trailers) == 1
    assert (b"x-checksum", b"17") in trailers[0].headers


@pytest.mark.parametrize(
    ("data", "trailer"),
    [(b"abc", (b"x-checksum", b"294")), (b"", (b"x-done", b"1"))],
    ids=["after data", "without data"],  # no DATA: HEADERS, then trailers ending the stream
)
def test_request_trailers_reach_the_handler_over_http2(
    server: RunningServer, data: bytes, trailer: tuple[bytes, bytes]
) -> None:
    with RawH2Client(server.port) as client:
        stream_id = client.headers(b"/request-trailers", b"POST", end=False)
        if data:
            client.conn.send_data(stream_id, data)
        client.conn.send_headers(stream_id, [trailer], end_stream=True)
        client.flush()
        events = _until_closed(client, {stream_id})
    answer = b"".join(e.data for e in events if isinstance(e, h2.events.DataReceived))
    assert json.loads(answer) == {
        "body": data.decode(),
        "trailers": {trailer[0].decode(): trailer[1].decode()},
    }


def test_request_trailers_reach_the_handler_over_http11(server: RunningServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(
            b"POST /request-trailers HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
            b"Trailer: X-Checksum\r\nConnection: close\r\n\r\n"
            b"3\r\nabc\r\n0\r\nX-Checksum: 294 \r\n\r\n"
        )
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    assert json.loads(body) == {"body": "abc", "trailers": {"x-checksum": "294"}}


def test_http11_gets_the_body_without_trailers(server: RunningServer) -> None:
    body, version = curl("--http1.1", server.url + "/trailers")
    assert (body, version) == ("part one,part two", "1.1")


def test_a_pushed_response_arrives_with_the_page(server: RunningServer) -> None:
    with RawH2Client(server.port) as client:
        stream_id = client.headers(b"/page")
        client.flush()
        events = _until_closed(client, {stream_id})
    promises = [e for e in events if isinstance(e, h2.events.PushedStreamReceived)]
    assert len(promises) == 1
    assert (b":path", b"/version") in (promises[0].headers or [])
    pushed = promises[0].pushed_stream_id
    body = b"".join(
        e.data for e in events if isinstance(e, h2.events.DataReceived) and e.stream_id == pushed
    )
    assert body == b'{"http_version":"2"}'


def test_no_push_to_a_client_that_disabled_it(server: RunningServer) -> None:
    with RawH2Client(server.port, settings={2: 0}) as client:  # ENABLE_PUSH = 0
        client.events()  # the server's SETTINGS; ours are acknowledged
        stream_id = client.headers(b"/page")
        client.flush()
        events = _until_closed(client, {stream_id})
    assert not [e for e in events if isinstance(e, h2.events.PushedStreamReceived)]
    page = b"".join(e.data for e in events if isinstance(e, h2.events.DataReceived))
    assert page.startswith(b"<link")


def test_waiting_data_goes_to_the_most_urgent_stream_first(server: RunningServer) -> None:
    with RawH2Client(server.port) as client:
        # Exhaust the connection window (65,535 bytes, never acknowledged here).
        filler = client.headers(b"/big/65535")
        client.flush()
        received = 0
        deadline = time.monotonic() + 10
        while received < 65535 and time.monotonic() < deadline:
            for event in client.events():
                if isinstance(event, h2.events.DataReceived) and event.stream_id == filler:
                    received += len(event.data)
        assert received == 65535
        # Two responses now wait for the connection window: the background one asked first.
        background = client.headers(b"/big/20000", extra=[(b"priority", b"u=7")])
        urgent = client.headers(b"/big/20000", extra=[(b"priority", b"u=0")])
        client.flush()
        heads: set[int] = set()
        while len(heads) < 2 and time.monotonic() < deadline:
            for event in client.events():
                if isinstance(event, h2.events.ResponseReceived):
                    assert event.stream_id is not None
                    heads.add(event.stream_id)
        assert heads == {background, urgent}
        # One frame of window: it goes to the urgent stream.
        client.conn.increment_flow_control_window(16384)
        client.flush()
        first = None
        while first is None and time.monotonic() < deadline:
            first = next(
                (e for e in client.events() if isinstance(e, h2.events.DataReceived)), None
            )
        assert first is not None
        assert first.stream_id == urgent


def test_a_reset_stops_a_stream_that_wrote_in_its_first_step(server: RunningServer) -> None:
    # With eager tasks (3.12+) the handler writes before its task object exists; the stream
    # must still be known, so the reset cancels it.
    with RawH2Client(server.port) as client:
        stream_id = client.headers(b"/ticks")
        client.flush()
        got = b""
        deadline = time.monotonic() + 10
        while b"tick" not in got and time.monotonic() < deadline:
            for event in client.events():
                if isinstance(event, h2.events.DataReceived):
                    got += event.data
        client.conn.reset_stream(stream_id)
        client.flush()
        assert h2_apps.ticks_stopped.wait(5)
