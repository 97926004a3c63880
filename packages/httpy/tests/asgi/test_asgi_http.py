"""The ASGI ``http`` scope on real sockets: what the app sees (scope, body messages,
``http.disconnect``) and what its messages become on the wire, over HTTP/1.1 with httpx, curl
and raw sockets. HTTP/2 has its own file."""

from __future__ import annotations

import logging
import socket
import struct
import subprocess
from collections.abc import Iterator

import httpx
import pytest
from asgi_apps import RECORDER, app

from httpy import Config
from httpy.asgi import ASGIApp
from httpy.testing import RunningServer, serve_in_thread


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    adapter = ASGIApp(app)
    with serve_in_thread(adapter, Config(port=0, shutdown_timeout=5)) as running:
        yield running


@pytest.fixture(autouse=True)
def fresh_recorder() -> None:
    RECORDER.reset()


@pytest.fixture
def client(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as http:
        yield http


# --- the scope ----------------------------------------------------------------------------


def test_scope_has_the_spec_keys(client: httpx.Client, server: RunningServer) -> None:
    scope = client.get("/scope?a=1&b=%20").json()
    assert scope["type"] == "http"
    assert scope["asgi"] == {"version": "3.0", "spec_version": "2.4"}
    assert (scope["http_version"], scope["method"], scope["scheme"]) == ("1.1", "GET", "http")
    assert (scope["path"], scope["raw_path"]) == ("/scope", "/scope")
    assert scope["query_string"] == "a=1&b=%20"
    assert scope["root_path"] == ""
    assert scope["client"][0] == "127.0.0.1"
    assert scope["server"] == ["127.0.0.1", server.port]
    assert ["user-agent", f"python-httpx/{httpx.__version__}"] in scope["headers"]
    # Trailers are offered on every protocol, push only on HTTP/2.
    assert scope["extensions"] == ["http.response.trailers"]


def test_path_is_percent_decoded_and_raw_path_is_not(client: httpx.Client) -> None:
    scope = client.get("/caf%C3%A9%2Fx/scope").json()
    assert scope["path"] == "/café/x/scope"
    assert scope["raw_path"] == "/caf%C3%A9%2Fx/scope"


def test_lifespan_state_reaches_each_request_as_a_copy(client: httpx.Client) -> None:
    assert client.get("/scope").json()["state"] == {"greeting": "hello from startup"}


def test_method_and_http10(server: RunningServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"DELETE /scope HTTP/1.0\r\n\r\n")
        answer = _read_all(sock)
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert b'"http_version": "1.0"' in answer
    assert b'"method": "DELETE"' in answer


def test_access_log_counts_asgi_responses(caplog: pytest.LogCaptureFixture) -> None:
    config = Config(port=0, access_log=True)
    with (
        caplog.at_level(logging.INFO, "httpy.access"),
        serve_in_thread(ASGIApp(app), config) as logged,
        httpx.Client(base_url=logged.url) as http,
    ):
        http.get("/stream")
        http.get("/nowhere")
    lines = [record.getMessage() for record in caplog.records if record.name == "httpy.access"]
    assert any('"GET /stream HTTP/1.1" 200 21 ' in line for line in lines)
    assert any('"GET /nowhere HTTP/1.1" 404 ' in line for line in lines)


# --- the request body -----------------------------------------------------------------------


def test_whole_body_is_one_message(client: httpx.Client) -> None:
    answer = client.post("/echo", content=b"hello" * 3).json()
    assert answer == {"length": 15, "more_body": [False], "body": "hellohellohello"}


def test_chunked_body_arrives_in_pieces_with_more_body(client: httpx.Client) -> None:
    answer = client.post("/echo", content=iter([b"a", b"b", b"c"])).json()
    assert answer["body"] == "abc"
    assert answer["more_body"][-1] is False
    assert all(answer["more_body"][:-1])


def test_body_already_here_is_one_message(server: RunningServer) -> None:
    # Three chunks and the end in one write: queued before the app's first receive completes.
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(
            b"POST /echo HTTP/1.1\r\nhost: t\r\ntransfer-encoding: chunked\r\n"
            b"connection: close\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n3\r\nghi\r\n0\r\n\r\n"
        )
        answer = _read_all(sock)
    assert b'"body": "abcdefghi"' in answer
    assert b'"more_body": [false]' in answer


def test_large_body_streams_through(client: httpx.Client) -> None:
    payload = bytes(range(256)) * 4096  # 1 MiB: more than one read
    answer = client.post("/sink", content=payload).json()
    assert answer == {"length": len(payload)}
    assert len(RECORDER.messages) >= 1
    assert RECORDER.messages[-1]["more_body"] is False
    assert all(message["type"] == "http.request" for message in RECORDER.messages)


def test_body_over_the_limit_is_413(server: RunningServer) -> None:
    limited = ASGIApp(app, max_body_size=10)
    with serve_in_thread(limited, Config(port=0)) as small, httpx.Client() as http:
        answer = http.post(small.url + "/echo", content=b"x" * 11)
        assert answer.status_code == 413
        chunked = http.post(small.url + "/echo", content=iter([b"x" * 6, b"y" * 6]))
        assert chunked.status_code == 413
        assert http.post(small.url + "/echo", content=b"x" * 10).json()["length"] == 10


def test_http_disconnect_after_the_response(client: httpx.Client) -> None:
    assert client.get("/after").text == "ok"
    assert RECORDER.done.wait(5)
    assert RECORDER.messages == [{"type": "http.disconnect"}]


def test_client_leaving_wakes_receive_and_send_raises_oserror(server: RunningServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(b"GET /wait-disconnect HTTP/1.1\r\nhost: t\r\n\r\n")
        assert b"waiting" in _read_until(sock, b"waiting")
        # Gone for good (a reset): over HTTP/1.1 a bare FIN is a half-close, after which
        # the client may still read, so the server keeps answering (see the README).
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    assert RECORDER.done.wait(10)
    assert RECORDER.messages == [{"type": "http.disconnect"}]
    assert len(RECORDER.errors) == 1
    assert isinstance(RECORDER.errors[0], OSError)


# --- the response ---------------------------------------------------------------------------


def test_streamed_response_is_chunked(client: httpx.Client) -> None:
    answer = client.get("/stream")
    assert answer.text == "part 0\npart 1\npart 2\n"
    assert answer.headers["transfer-encoding"] == "chunked"


def test_whole_response_gets_a_content_length(client: httpx.Client) -> None:
    answer = client.get("/scope")
    assert "transfer-encoding" not in answer.headers
    assert int(answer.headers["content-length"]) == len(answer.content)


def test_list_pairs_mixed_case_names_and_bytearray_bodies_are_taken(client: httpx.Client) -> None:
    answer = client.get("/headers")
    assert (answer.status_code, answer.text) == (201, "made")
    assert answer.headers["x-custom"] == "v"


def test_an_int_enum_status_is_taken(client: httpx.Client) -> None:
    answer = client.get("/enum-status")
    assert (answer.status_code, answer.text) == (202, "accepted")


def test_header_injection_is_refused_with_500(client: httpx.Client) -> None:
    answer = client.get("/inject")
    assert answer.status_code == 500
    assert "b" not in answer.headers


def test_expect_100_continue_is_sent_when_the_app_reads(server: RunningServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(
            b"POST /echo HTTP/1.1\r\nhost: t\r\ncontent-length: 5\r\nexpect: 100-continue\r\n\r\n"
        )
        assert _read_until(sock, b"\r\n\r\n").startswith(b"HTTP/1.1 100 Continue\r\n")
        sock.sendall(b"hello")
        assert b'"body": "hello"' in _read_until(sock, b"}")


def test_head_sends_no_body(client: httpx.Client) -> None:
    answer = client.head("/stream")
    assert (answer.status_code, answer.content) == (200, b"")


def test_trailers_are_accepted_on_http11(client: httpx.Client) -> None:
    # HTTP/1.1's connection layer sends no chunked trailers: the body arrives whole.
    assert client.get("/trailers").text == "abcdef"


def test_keep_alive_serves_many_requests_on_one_connection(server: RunningServer) -> None:
    urls = [f"{server.url}/stream"] * 3
    result = subprocess.run(
        ["curl", "-sS", "--max-time", "10", *urls, "-w", "%{num_connects}\n"],
        capture_output=True, text=True, check=True, timeout=30,
    )  # fmt: skip
    assert result.stdout.count("part 2\n") == 3
    # curl's connects per transfer: one for the first, none for the two that reused it.
    assert [line for line in result.stdout.splitlines() if line.isdigit()] == ["1", "0", "0"]


# --- failures -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/raise-before", "/start-then-raise", "/return-without-response"])
def test_nothing_sent_yet_becomes_500(client: httpx.Client, path: str) -> None:
    assert client.get(path).status_code == 500


def test_failure_mid_response_resets_the_connection(client: httpx.Client) -> None:
    with pytest.raises(httpx.RemoteProtocolError):
        client.get("/raise-after")


@pytest.mark.parametrize(
    ("case", "error", "words"),
    [
        ("body-first", RuntimeError, "Expected ASGI message 'http.response.start'"),
        ("double-start", RuntimeError, "Expected ASGI message 'http.response.body'"),
        ("after-complete", RuntimeError, "after response already completed"),
        ("trailers-unannounced", RuntimeError, "Expected ASGI message 'http.response.body'"),
        ("unknown", RuntimeError, "'http.response.nonsense'"),
        ("bad-status", TypeError, "int 'status'"),
        ("bool-status", TypeError, "int 'status'"),
        ("str-headers", TypeError, "must be bytes"),
    ],
)
def test_messages_out_of_order_raise_in_the_app(
    client: httpx.Client, case: str, error: type[Exception], words: str
) -> None:
    try:
        status: int | str = client.get(f"/out-of-order/{case}").status_code
    except httpx.RemoteProtocolError:
        status = "reset"
    assert RECORDER.done.wait(5)
    assert len(RECORDER.errors) == 1
    assert isinstance(RECORDER.errors[0], error)
    assert words in str(RECORDER.errors[0])
    # What the server makes of the app's failure: a complete 204 went out before the
    # misplaced message; half a streamed body is reset; with nothing sent, a 500.
    expected = {"after-complete": 204, "trailers-unannounced": "reset"}.get(case, 500)
    assert status == expected


def _read_until(sock: socket.socket, marker: bytes) -> bytes:
    seen = b""
    while marker not in seen:
        data = sock.recv(65536)
        if not data:
            break
        seen += data
    return seen


def _read_all(sock: socket.socket) -> bytes:
    chunks: list[bytes] = []
    while True:
        data = sock.recv(65536)
        if not data:
            return b"".join(chunks)
        chunks.append(data)
