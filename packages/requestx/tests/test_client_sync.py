"""requestx against httpy's httpbin on loopback, synchronously: the requests behaviours."""

from __future__ import annotations

import gzip
import socket
from collections.abc import Iterator

import pytest

import requestx
import requestx.adapters
from httpy.httpbin import app
from httpy.testing import RunningServer, serve_in_thread
from requestx import exceptions


@pytest.fixture(scope="module")
def httpbin() -> Iterator[RunningServer]:
    with serve_in_thread(app) as server:
        yield server


@pytest.fixture
def url(httpbin: RunningServer) -> str:
    return httpbin.url


def test_get_with_params_and_headers(url: str) -> None:
    response = requestx.get(f"{url}/get", params={"a": "1", "b": ["2", "3"]}, headers={"X-T": "v"})
    assert response.status_code == 200
    assert response.ok
    assert response.reason == "OK"
    body = response.json()
    assert body["args"] == {"a": "1", "b": ["2", "3"]}
    assert body["headers"]["X-T"] == "v"
    assert body["headers"]["User-Agent"].startswith("python-requestx/")
    assert response.url == f"{url}/get?a=1&b=2&b=3"
    assert isinstance(response.content, bytes)
    assert response.headers["content-type"] == response.headers["Content-Type"]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_bodies_are_sent(url: str, method: str) -> None:
    send = getattr(requestx, method)
    assert send(f"{url}/{method}", json={"k": [1, 2]}).json()["json"] == {"k": [1, 2]}
    form = send(f"{url}/{method}", data={"f": "v", "g": ["1", "2"]}).json()["form"]
    assert form == {"f": "v", "g": ["1", "2"]}
    assert send(f"{url}/{method}", data=b"raw bytes").json()["data"] == "raw bytes"


def test_multipart_files(url: str) -> None:
    files = {"upload": ("notes.txt", b"hello file", "text/plain"), "other": b"second"}
    body = requestx.post(f"{url}/post", files=files, data={"field": "x"}).json()
    assert body["files"] == {"upload": "hello file", "other": "second"}
    assert body["form"] == {"field": "x"}


def test_head_and_options(url: str) -> None:
    head = requestx.head(f"{url}/get")
    assert head.status_code == 200
    assert head.content == b""
    assert requestx.options(f"{url}/get").status_code in (200, 204)


def test_status_errors_raise_for_status(url: str) -> None:
    response = requestx.get(f"{url}/status/404")
    assert response.status_code == 404
    assert not response.ok
    with pytest.raises(requestx.HTTPError, match="404 Client Error: Not Found for url"):
        response.raise_for_status()


def test_redirects_are_followed_with_history(url: str) -> None:
    response = requestx.get(f"{url}/redirect/3")
    assert response.status_code == 200
    assert [r.status_code for r in response.history] == [302, 302, 302]
    assert response.url == f"{url}/get"


def test_redirects_can_be_left_alone(url: str) -> None:
    response = requestx.get(f"{url}/redirect/1", allow_redirects=False)
    assert response.status_code == 302
    assert response.is_redirect
    assert response.next is not None
    assert response.next.url == f"{url}/get"


@pytest.mark.parametrize(
    ("status", "method"), [(301, "GET"), (302, "GET"), (303, "GET"), (307, "POST"), (308, "POST")]
)
def test_redirect_method_rewriting(url: str, status: int, method: str) -> None:
    target = f"{url}/anything"
    response = requestx.post(
        f"{url}/redirect-to", params={"url": target, "status_code": status}, data=b"payload"
    )
    body = response.json()
    assert body["method"] == method
    assert body["data"] == ("payload" if method == "POST" else "")


def test_too_many_redirects(url: str) -> None:
    with requestx.Session() as session:
        session.max_redirects = 2
        with pytest.raises(requestx.TooManyRedirects, match="Exceeded 2 redirects"):
            session.get(f"{url}/redirect/5")


def test_authorization_is_dropped_when_the_host_changes(httpbin: RunningServer) -> None:
    other_host = f"http://localhost:{httpbin.port}/headers"
    response = requestx.get(
        f"{httpbin.url}/redirect-to",
        params={"url": other_host},
        headers={"Authorization": "Bearer secret"},
    )
    assert response.url == other_host
    assert "Authorization" not in response.json()["headers"]
    same_host = requestx.get(
        f"{httpbin.url}/redirect-to",
        params={"url": f"{httpbin.url}/headers"},
        headers={"Authorization": "Bearer secret"},
    )
    assert same_host.json()["headers"]["Authorization"] == "Bearer secret"


def test_session_keeps_cookies_across_requests(url: str) -> None:
    with requestx.Session() as session:
        response = session.get(f"{url}/cookies/set", params={"flavour": "oat"})
        assert response.json()["cookies"] == {"flavour": "oat"}
        assert session.cookies.get("flavour") == "oat"
        assert session.get(f"{url}/cookies").json()["cookies"] == {"flavour": "oat"}
        session.get(f"{url}/cookies/delete", params={"flavour": ""})
        assert session.get(f"{url}/cookies").json()["cookies"] == {}


def test_per_request_cookies_and_auth(url: str) -> None:
    assert requestx.get(f"{url}/cookies", cookies={"a": "b"}).json()["cookies"] == {"a": "b"}
    assert requestx.get(f"{url}/basic-auth/user/pass", auth=("user", "pass")).status_code == 200
    assert requestx.get(f"{url}/basic-auth/user/pass", auth=("user", "nope")).status_code == 401


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "brotli"])
def test_compressed_bodies_are_decoded_and_headers_kept(url: str, encoding: str) -> None:
    response = requestx.get(f"{url}/{encoding}")
    flag = {"gzip": "gzipped", "deflate": "deflated", "brotli": "brotli"}[encoding]
    assert response.json()[flag] is True
    assert response.headers["content-encoding"] in {"gzip", "deflate", "br"}


def test_streaming_iter_content_and_raw(url: str) -> None:
    with requestx.get(f"{url}/stream-bytes/50000", params={"chunk_size": 999}, stream=True) as r:
        chunks = list(r.iter_content(chunk_size=4096))
    assert sum(map(len, chunks)) == 50000
    # At most chunk_size each, handed over as they arrive (the server sends 999-byte HTTP
    # chunks): urllib3, and so requests, stream a chunked body the same way.
    assert all(0 < len(chunk) <= 4096 for chunk in chunks)
    with requestx.get(f"{url}/stream/4", stream=True) as r:
        lines = list(r.iter_lines())
    assert len(lines) == 4
    with requestx.get(f"{url}/gzip", stream=True) as r:
        raw = r.raw.read()
    assert gzip.decompress(raw).startswith(b"{")


def test_read_timeout(url: str) -> None:
    with pytest.raises(requestx.ReadTimeout) as caught:
        requestx.get(f"{url}/delay/2", timeout=0.3)
    assert isinstance(caught.value, requestx.Timeout)
    assert requestx.get(f"{url}/delay/0", timeout=(5, 5)).status_code == 200


def test_connection_refused_is_a_connection_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(requestx.ConnectionError):
        requestx.get(f"http://127.0.0.1:{port}/", timeout=5)


@pytest.mark.parametrize(
    ("target", "error"),
    [
        ("127.0.0.1/get", exceptions.MissingSchema),
        ("ftp://127.0.0.1/", exceptions.InvalidSchema),
        ("http://", exceptions.InvalidURL),
    ],
)
def test_bad_urls(target: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        requestx.get(target)


def test_invalid_timeout_is_a_value_error(url: str) -> None:
    with pytest.raises(ValueError, match="Pass a \\(connect, read\\) timeout tuple"):
        requestx.get(f"{url}/get", timeout=(1, 2, 3))


def test_header_injection_is_refused(url: str) -> None:
    with pytest.raises(exceptions.InvalidHeader):
        requestx.get(f"{url}/get", headers={"X-Bad": "a\r\nInjected: yes"})


def test_hooks_run_on_the_response(url: str) -> None:
    seen: list[int] = []

    def hook(response: requestx.Response, **kwargs: object) -> None:
        seen.append(response.status_code)

    requestx.get(f"{url}/get", hooks={"response": [hook]})
    assert seen == [200]


def test_elapsed_and_request_are_set(url: str) -> None:
    response = requestx.get(f"{url}/get")
    assert response.elapsed.total_seconds() > 0
    assert response.request.method == "GET"
    assert response.request.url == f"{url}/get"


def test_plain_and_long_paths_send_the_same_request(url: str) -> None:
    # A session hook forces requests' full merging path; without it the lean path is used.
    def noop(response: requestx.Response, **kwargs: object) -> None:
        return None

    plain = requestx.Session()
    hooked = requestx.Session()
    hooked.hooks["response"].append(noop)
    for session in (plain, hooked):
        session.headers["X-Session"] = "s"
    sent = [
        session.post(
            f"{url}/anything",
            params={"p": "1"},
            json={"j": [1]},
            headers={"X-Call": "c", "X-Session": None},
        ).json()
        for session in (plain, hooked)
    ]
    for body in sent:
        body["headers"].pop("X-Forwarded-For", None)
    assert sent[0] == sent[1]
    assert "X-Session" not in sent[0]["headers"]
    assert sent[0]["args"] == {"p": "1"}


def test_credentials_in_the_url_are_used(httpbin: RunningServer) -> None:
    authed = f"http://user:pass@127.0.0.1:{httpbin.port}/basic-auth/user/pass"
    assert requestx.get(authed).status_code == 200


def test_failed_connects_are_retried_for_any_method() -> None:
    adapter = requestx.adapters.HTTPAdapter(max_retries=2)
    request = requestx.Request("POST", "http://127.0.0.1:9/").prepare()
    call = requestx._requestx.Call("POST", "http://127.0.0.1:9/", [], b"body")
    refused = exceptions.ConnectionError("refused")
    refused.connect_failed = True  # type: ignore[attr-defined]
    state = adapter.max_retries.new_state()
    state = adapter._retry_after_error(refused, state, request, call)
    state = adapter._retry_after_error(refused, state, request, call)
    with pytest.raises(exceptions.ConnectionError):
        adapter._retry_after_error(refused, state, request, call)
    # Sent, then cut off: a POST is not repeated, and the error names its request.
    reset_mid_response = exceptions.ConnectionError("reset")
    with pytest.raises(exceptions.ConnectionError) as caught:
        adapter._retry_after_error(
            reset_mid_response, adapter.max_retries.new_state(), request, call
        )
    assert caught.value.request is request


def test_max_retries_still_fails_on_a_closed_port() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with requestx.Session() as session:
        session.mount("http://", requestx.adapters.HTTPAdapter(max_retries=2))
        with pytest.raises(requestx.ConnectionError):
            session.get(f"http://127.0.0.1:{port}/", timeout=5)
