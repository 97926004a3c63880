"""Targets with repeated slashes on httpy's httpbin, answered as the reference httpbin answers.

requests 2.34 sends ``http://host//get`` as ``GET //get`` (its test
test_request_url_handles_leading_path_separators, once ..._trims_...); the reference httpbin
(werkzeug routing) answers it as ``/get``. Each expectation below was checked against the
reference app served by wsgiref.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
import requests

from httpy.application import App
from httpy.httpbin import app
from httpy.requests import Request
from httpy.testing import RunningServer, serve_in_thread


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with serve_in_thread(app) as running:
        yield running


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as new_session:
        new_session.trust_env = False
        yield new_session


def raw_get(server: RunningServer, target: bytes) -> tuple[bytes, dict[bytes, bytes], bytes]:
    """Send `target` byte for byte (clients normalise paths) and read the whole answer."""
    with socket.create_connection((server.host, server.port), timeout=30) as sock:
        sock.sendall(b"GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % target)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.split(b"\r\n")
    fields = dict(line.split(b": ", 1) for line in lines)
    return status_line, {name.lower(): value for name, value in fields.items()}, body


def test_requests_double_slash_get_is_answered_as_get(
    session: requests.Session, server: RunningServer
) -> None:
    response = session.get(server.url + "//get?a=1", timeout=30)
    assert response.request.path_url == "//get?a=1"  # requests sent the slashes as given
    assert response.status_code == 200
    assert response.json()["url"] == server.url + "/get?a=1"
    assert response.json()["args"] == {"a": "1"}


@pytest.mark.parametrize(
    ("target", "path"),
    [(b"//get", "/get"), (b"///get", "/get"), (b"//anything/x", "/anything/x")],
)
def test_leading_slashes_are_dropped(server: RunningServer, target: bytes, path: str) -> None:
    status_line, _, body = raw_get(server, target)
    assert status_line == b"HTTP/1.1 200 OK"
    assert f'"url":"http://x{path}"'.encode() in body


def test_double_slash_alone_is_the_index(server: RunningServer) -> None:
    status_line, _, body = raw_get(server, b"//")
    assert status_line == b"HTTP/1.1 200 OK"
    assert body.startswith(b"httpy httpbin")


@pytest.mark.parametrize(
    ("target", "location"),
    [
        (b"/status//418", b"http://x/status/418"),
        (b"//status//418?a=1", b"http://x/status/418?a=1"),
        (b"/cookies//set?k=v", b"http://x/cookies/set?k=v"),
    ],
)
def test_inner_repeated_slashes_redirect_to_the_merged_path(
    server: RunningServer, target: bytes, location: bytes
) -> None:
    status_line, fields, _ = raw_get(server, target)
    assert status_line == b"HTTP/1.1 308 Permanent Redirect"
    assert fields[b"location"] == location


@pytest.mark.parametrize("target", [b"/get//x", b"//v:h"])
def test_paths_that_match_nothing_stay_404(server: RunningServer, target: bytes) -> None:
    status_line, _, _ = raw_get(server, target)
    assert status_line == b"HTTP/1.1 404 Not Found"


def test_a_path_parameter_keeps_its_slashes(server: RunningServer) -> None:
    status_line, _, body = raw_get(server, b"/anything/a//b")
    assert status_line == b"HTTP/1.1 200 OK"
    assert b'"url":"http://x/anything/a//b"' in body


def test_a_plain_httpy_app_keeps_the_path_as_sent() -> None:
    # The rewrite is httpbin's, not the framework's: //x and /x are different paths.
    plain = App()

    @plain.get("/get")
    async def get(request: Request) -> dict[str, str]:
        return {"ok": "yes"}

    with serve_in_thread(plain) as running:
        status_line, _, _ = raw_get(running, b"//get")
    assert status_line == b"HTTP/1.1 404 Not Found"
