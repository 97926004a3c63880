"""httpy's httpbin app, driven end to end by real clients (requests, httpx, curl) on loopback.

Every client ignores proxy settings from the environment, and every URL is the test
server's: nothing here connects anywhere but 127.0.0.1.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
import shutil
import subprocess
import time
import uuid
import zlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

import httpy.httpbin
from httpy.application import App
from httpy.httpbin import _build_app, _dynamic, _flaky, _formats, app
from httpy.testing import RunningServer, serve_in_thread

CURL = shutil.which("curl")
needs_curl = pytest.mark.skipif(CURL is None, reason="curl is not installed")


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with serve_in_thread(app) as running:
        yield running


@pytest.fixture
def base(server: RunningServer) -> str:
    return server.url


@pytest.fixture
def session() -> Iterator[requests.Session]:
    with requests.Session() as new_session:
        new_session.trust_env = False  # no proxy from the environment, no .netrc
        yield new_session


@pytest.fixture
def client(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, trust_env=False) as new_client:
        yield new_client


def curl(*args: str) -> subprocess.CompletedProcess[bytes]:
    assert CURL is not None
    # -q first: ignore any ~/.curlrc; --noproxy: straight to the loopback server.
    command = [CURL, "-q", "--silent", "--show-error", "--noproxy", "*", "--max-time", "30"]
    return subprocess.run([*command, *args], capture_output=True, check=True, timeout=60)


def flaky_key() -> str:
    return uuid.uuid4().hex


# --- the module ------------------------------------------------------------------------


def test_module_exports_only_the_app() -> None:
    assert httpy.httpbin.__all__ == ["app"]
    assert isinstance(httpy.httpbin.app, App)


def test_every_route_is_listed_in_the_module_docstring() -> None:
    doc = httpy.httpbin.__doc__
    assert doc is not None
    for route in app.router.routes:
        template = re.sub(r"{(\w+):\w+}", r"{\1}", route.path)
        assert template in doc, f"{template} is not documented"


# --- request inspection ------------------------------------------------------------------


def test_index_is_tiny_plain_text(session: requests.Session, base: str) -> None:
    response = session.get(base + "/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert 0 < len(response.content) < 100
    assert "access-control-allow-origin" not in response.headers


def test_get_shape_with_requests(session: requests.Session, base: str) -> None:
    response = session.get(
        base + "/get",
        params=[("a", "1"), ("a", "2"), ("b", "3"), ("empty", "")],
        headers={"x-custom-header": "value"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"args", "headers", "origin", "url"}
    assert body["args"] == {"a": ["1", "2"], "b": "3", "empty": ""}
    assert body["origin"] == "127.0.0.1"
    assert body["url"] == response.url
    assert body["headers"]["X-Custom-Header"] == "value"
    assert body["headers"]["User-Agent"].startswith("python-requests/")
    assert body["headers"]["Host"] == base.removeprefix("http://")


def test_get_shape_with_httpx(client: httpx.Client) -> None:
    response = client.get("/get", params=[("k", "x"), ("k", "y"), ("k", "z")])
    assert response.status_code == 200
    body = response.json()
    assert body["args"] == {"k": ["x", "y", "z"]}
    assert body["url"] == str(response.url)
    assert body["headers"]["User-Agent"].startswith("python-httpx/")
    assert all(name == name.title() for name in body["headers"])


def test_proxy_headers_set_origin_and_scheme_and_are_hidden(
    session: requests.Session, base: str
) -> None:
    forwarded = {"x-forwarded-for": "203.0.113.7", "x-forwarded-proto": "https"}
    body = session.get(base + "/get", headers=forwarded).json()
    assert body["origin"] == "203.0.113.7"
    assert body["url"].startswith("https://")
    assert "X-Forwarded-For" not in body["headers"]
    shown = session.get(base + "/get?show_env=1", headers=forwarded).json()
    assert shown["headers"]["X-Forwarded-For"] == "203.0.113.7"


def test_repeated_request_header_is_joined(base: str) -> None:
    with httpx.Client(trust_env=False) as raw_client:
        headers = httpx.Headers([("x-twice", "one"), ("x-twice", "two")])
        body = raw_client.get(base + "/headers", headers=headers).json()
    assert body["headers"]["X-Twice"] == "one,two"


def test_post_json(session: requests.Session, base: str) -> None:
    response = session.post(base + "/post?q=1", json={"name": "httpy", "n": [1, 2]})
    body = response.json()
    assert set(body) == {"args", "data", "files", "form", "headers", "json", "origin", "url"}
    assert body["json"] == {"name": "httpy", "n": [1, 2]}
    assert json.loads(body["data"]) == body["json"]
    assert body["form"] == {}
    assert body["files"] == {}
    assert body["args"] == {"q": "1"}
    assert body["headers"]["Content-Type"] == "application/json"


def test_post_urlencoded_form_with_repeated_keys(session: requests.Session, base: str) -> None:
    body = session.post(base + "/post", data=[("a", "1"), ("a", "2"), ("b", "é")]).json()
    assert body["form"] == {"a": ["1", "2"], "b": "é"}
    assert body["data"] == ""
    assert body["json"] is None
    assert body["files"] == {}


def test_post_multipart_files_and_fields(session: requests.Session, base: str) -> None:
    files = [
        ("doc", ("a.txt", b"hello", "text/plain")),
        ("doc", ("b.txt", b"world", "text/plain")),
        ("blob", ("c.bin", b"\xff\xfe\x00", "image/png")),
    ]
    body = session.post(base + "/post", data={"field": "v"}, files=files).json()
    assert body["form"] == {"field": "v"}
    assert body["files"]["doc"] == ["hello", "world"]
    expected = "data:image/png;base64," + base64.b64encode(b"\xff\xfe\x00").decode()
    assert body["files"]["blob"] == expected
    assert body["data"] == ""


def test_post_binary_body_is_a_data_url(client: httpx.Client) -> None:
    raw = bytes(range(256))
    body = client.post("/post", content=raw).json()
    assert body["data"] == "data:application/octet-stream;base64," + base64.b64encode(raw).decode()
    assert body["json"] is None


def test_post_text_and_empty_bodies(client: httpx.Client) -> None:
    text = client.post("/post", content=b"plain words").json()
    assert text["data"] == "plain words"
    assert text["json"] is None
    empty = client.post("/post").json()
    assert empty["data"] == ""
    assert empty["json"] is None


def test_json_that_python_cannot_send_back_is_not_json(client: httpx.Client) -> None:
    body = client.post("/post", content=b"[NaN]").json()
    assert body["json"] is None
    assert body["data"] == "[NaN]"


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_put_patch_delete(client: httpx.Client, method: str) -> None:
    response = client.request(method, f"/{method.lower()}", json={"m": method})
    assert response.status_code == 200
    body = response.json()
    assert body["json"] == {"m": method}
    assert set(body) == {"args", "data", "files", "form", "headers", "json", "origin", "url"}


def test_wrong_method_is_405_with_allow(session: requests.Session, base: str) -> None:
    response = session.get(base + "/post")
    assert response.status_code == 405
    assert "POST" in response.headers["allow"]


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE", "TRACE"])
def test_anything_echoes_any_method(session: requests.Session, base: str, method: str) -> None:
    response = session.request(method, base + "/anything/deep/path?x=1", data=b"payload")
    assert response.status_code == 200
    body = response.json()
    assert body["method"] == method
    assert body["url"] == base + "/anything/deep/path?x=1"
    assert body["args"] == {"x": "1"}
    assert body["data"] == "payload"


def test_anything_without_a_path(client: httpx.Client) -> None:
    body = client.post("/anything", data={"k": "v"}).json()
    assert body["method"] == "POST"
    assert body["form"] == {"k": "v"}


def test_head_and_options(client: httpx.Client) -> None:
    head = client.head("/get")
    assert head.status_code == 200
    assert head.content == b""
    assert int(head.headers["content-length"]) > 0
    options = client.options("/get", headers={"origin": "http://site.test"})
    assert options.status_code == 204
    assert "GET" in options.headers["allow"]
    assert "PATCH" in options.headers["access-control-allow-methods"]
    assert options.headers["access-control-allow-origin"] == "http://site.test"


def test_cors_headers(client: httpx.Client) -> None:
    plain = client.get("/ip")
    assert plain.headers["access-control-allow-origin"] == "*"
    assert plain.headers["access-control-allow-credentials"] == "true"
    with_origin = client.get("/ip", headers={"origin": "http://site.test"})
    assert with_origin.headers["access-control-allow-origin"] == "http://site.test"


def test_headers_ip_user_agent(session: requests.Session, base: str) -> None:
    headers = {"user-agent": "probe/1.0", "x-api-key": "k"}
    assert session.get(base + "/headers", headers=headers).json()["headers"]["X-Api-Key"] == "k"
    assert session.get(base + "/ip").json() == {"origin": "127.0.0.1"}
    assert session.get(base + "/user-agent", headers=headers).json() == {"user-agent": "probe/1.0"}


def test_unknown_path_is_404(client: httpx.Client) -> None:
    assert client.get("/no-such-endpoint").status_code == 404


# --- status codes ----------------------------------------------------------------------


@pytest.mark.parametrize("code", [200, 201, 204, 400, 404, 500, 503])
def test_status(session: requests.Session, base: str, code: int) -> None:
    assert session.get(f"{base}/status/{code}").status_code == code


def test_status_with_other_methods(client: httpx.Client) -> None:
    assert client.post("/status/201").status_code == 201
    assert client.delete("/status/202").status_code == 202
    assert client.head("/status/404").status_code == 404


def test_status_extras(session: requests.Session, base: str) -> None:
    teapot = session.get(base + "/status/418")
    assert teapot.status_code == 418
    assert "teapot" in teapot.text
    assert teapot.headers["x-more-info"].endswith("rfc2324")
    unauthorized = session.get(base + "/status/401")
    assert unauthorized.headers["www-authenticate"] == 'Basic realm="Fake Realm"'


def test_status_redirect_is_followed(session: requests.Session, base: str) -> None:
    raw = session.get(base + "/status/302", allow_redirects=False)
    assert raw.headers["location"] == "/redirect/1"
    followed = session.get(base + "/status/302")
    assert followed.status_code == 200
    assert followed.url == base + "/get"


def test_status_random_choice(client: httpx.Client) -> None:
    seen = {client.get("/status/200,201,202").status_code for _ in range(30)}
    assert seen <= {200, 201, 202}
    assert len(seen) > 1


def test_status_weighted_choice(client: httpx.Client) -> None:
    assert {client.get("/status/200:0,503:1").status_code for _ in range(10)} == {503}


@pytest.mark.parametrize("codes", ["abc", "99", "1000", "200:x", "200:0", "200:-1,500"])
def test_status_invalid(client: httpx.Client, codes: str) -> None:
    response = client.get(f"/status/{codes}")
    assert response.status_code == 400
    assert response.json()["detail"]


# --- redirects -------------------------------------------------------------------------


def test_redirect_chain_is_relative(session: requests.Session, base: str) -> None:
    response = session.get(base + "/redirect/3")
    assert response.status_code == 200
    assert response.url == base + "/get"
    locations = [hop.headers["location"] for hop in response.history]
    assert locations == ["/relative-redirect/2", "/relative-redirect/1", "/get"]
    assert all(hop.status_code == 302 for hop in response.history)


def test_redirect_absolute(session: requests.Session, base: str) -> None:
    first = session.get(base + "/redirect/2?absolute=true", allow_redirects=False)
    assert first.headers["location"] == base + "/absolute-redirect/1"
    followed = session.get(base + "/redirect/2?absolute=true")
    assert [hop.headers["location"] for hop in followed.history] == [
        base + "/absolute-redirect/1",
        base + "/get",
    ]


def test_relative_and_absolute_redirect_with_httpx(client: httpx.Client, base: str) -> None:
    relative = client.get("/relative-redirect/2", follow_redirects=True)
    assert relative.url == base + "/get"
    assert len(relative.history) == 2
    absolute = client.get("/absolute-redirect/2", follow_redirects=True)
    assert absolute.url == base + "/get"
    assert absolute.history[0].headers["location"] == base + "/absolute-redirect/1"


def test_redirect_needs_at_least_one_hop(client: httpx.Client) -> None:
    assert client.get("/redirect/0").status_code == 400


def test_redirect_to(session: requests.Session, base: str) -> None:
    target = "/get?x=1&y=two words"
    raw = session.get(base + "/redirect-to", params={"url": target}, allow_redirects=False)
    assert raw.status_code == 302
    assert raw.headers["location"] == "/get?x=1&y=two%20words"
    followed = session.get(base + "/redirect-to", params={"url": target})
    assert followed.json()["args"] == {"x": "1", "y": "two words"}


def test_redirect_to_307_keeps_method_and_body(client: httpx.Client) -> None:
    response = client.post(
        "/redirect-to",
        params={"url": "/anything", "status_code": "307"},
        content=b"kept",
        follow_redirects=True,
    )
    assert response.history[0].status_code == 307
    body = response.json()
    assert body["method"] == "POST"
    assert body["data"] == "kept"


def test_redirect_to_status_and_errors(client: httpx.Client) -> None:
    not_a_redirect = client.get("/redirect-to", params={"url": "/get", "status_code": "200"})
    assert not_a_redirect.status_code == 302
    assert client.get("/redirect-to", params={"url": "/get", "status_code": "x"}).status_code == 400
    assert client.get("/redirect-to").status_code == 400


# --- cookies ---------------------------------------------------------------------------


def test_cookies_round_trip_with_requests(session: requests.Session, base: str) -> None:
    response = session.get(base + "/cookies/set", params={"a": "1", "b": "two"})
    assert response.history[0].status_code == 302
    assert response.history[0].headers["location"] == "/cookies"
    assert response.json() == {"cookies": {"a": "1", "b": "two"}}
    assert session.get(base + "/cookies/set/c/3").json() == {
        "cookies": {"a": "1", "b": "two", "c": "3"}
    }
    assert session.get(base + "/cookies/delete?a").json() == {"cookies": {"b": "two", "c": "3"}}
    assert session.cookies.get("a") is None


def test_cookies_round_trip_with_httpx(client: httpx.Client) -> None:
    response = client.get("/cookies/set/flavour/oat", follow_redirects=True)
    assert response.json() == {"cookies": {"flavour": "oat"}}
    assert client.get("/cookies").json() == {"cookies": {"flavour": "oat"}}
    client.get("/cookies/delete", params={"flavour": ""}, follow_redirects=True)
    assert client.get("/cookies").json() == {"cookies": {}}


def test_set_cookie_attributes(session: requests.Session, base: str) -> None:
    response = session.get(base + "/cookies/set?k=v", allow_redirects=False)
    assert "k=v" in response.headers["set-cookie"]
    assert "Path=/" in response.headers["set-cookie"]
    deleted = session.get(base + "/cookies/delete?k", allow_redirects=False)
    assert "Max-Age=0" in deleted.headers["set-cookie"]


def test_invalid_cookie_name_is_400(client: httpx.Client) -> None:
    assert client.get("/cookies/set/bad%20name/1").status_code == 400


# --- authentication --------------------------------------------------------------------


def test_basic_auth(session: requests.Session, base: str) -> None:
    good = session.get(base + "/basic-auth/user/pa:ss", auth=("user", "pa:ss"))
    assert good.status_code == 200
    assert good.json() == {"authenticated": True, "user": "user"}
    bad = session.get(base + "/basic-auth/user/pa:ss", auth=("user", "nope"))
    assert bad.status_code == 401
    assert bad.headers["www-authenticate"] == 'Basic realm="Fake Realm"'
    missing = session.get(base + "/basic-auth/user/pa:ss")
    assert missing.status_code == 401


def test_basic_auth_with_httpx(client: httpx.Client) -> None:
    assert client.get("/basic-auth/u/p", auth=("u", "p")).json()["authenticated"] is True
    garbage = client.get("/basic-auth/u/p", headers={"authorization": "Basic !!!"})
    assert garbage.status_code == 401


def test_hidden_basic_auth(session: requests.Session, base: str) -> None:
    assert session.get(base + "/hidden-basic-auth/u/p", auth=("u", "x")).status_code == 404
    assert session.get(base + "/hidden-basic-auth/u/p").status_code == 404
    good = session.get(base + "/hidden-basic-auth/u/p", auth=("u", "p"))
    assert good.json() == {"authenticated": True, "user": "u"}


def test_bearer(client: httpx.Client) -> None:
    missing = client.get("/bearer")
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    wrong_scheme = client.get("/bearer", headers={"authorization": "Basic dTpw"})
    assert wrong_scheme.status_code == 401
    good = client.get("/bearer", headers={"authorization": "Bearer abc.def"})
    assert good.json() == {"authenticated": True, "token": "abc.def"}


@needs_curl
def test_basic_auth_with_curl(base: str) -> None:
    good = curl("-u", "alice:secret", base + "/basic-auth/alice/secret")
    assert json.loads(good.stdout) == {"authenticated": True, "user": "alice"}
    bad = curl(
        "-u",
        "alice:wrong",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        base + "/basic-auth/alice/secret",
    )
    assert bad.stdout == b"401"


# --- compression -----------------------------------------------------------------------


def test_gzip_decoded_by_requests(session: requests.Session, base: str) -> None:
    response = session.get(base + "/gzip")
    assert response.headers["content-encoding"] == "gzip"
    body = response.json()
    assert body["gzipped"] is True
    assert body["method"] == "GET"
    assert body["origin"] == "127.0.0.1"
    assert "Accept-Encoding" in body["headers"]


def test_gzip_raw_bytes_are_gzip(session: requests.Session, base: str) -> None:
    with session.get(base + "/gzip", stream=True) as response:
        raw = response.raw.read(decode_content=False)
    assert json.loads(gzip.decompress(raw))["gzipped"] is True


def test_deflate_is_zlib_and_decoded_by_httpx(client: httpx.Client) -> None:
    response = client.get("/deflate")
    assert response.headers["content-encoding"] == "deflate"
    assert response.json()["deflated"] is True
    with client.stream("GET", "/deflate") as streamed:
        raw = b"".join(streamed.iter_raw())
    assert json.loads(zlib.decompress(raw))["deflated"] is True


@pytest.mark.parametrize("use_httpx", [False, True])
def test_brotli_decoded(
    session: requests.Session, client: httpx.Client, base: str, use_httpx: bool
) -> None:
    pytest.importorskip("brotli")
    response = client.get("/brotli") if use_httpx else session.get(base + "/brotli")
    assert response.headers["content-encoding"] == "br"
    assert response.json()["brotli"] is True


def test_brotli_missing_is_501(client: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_formats, "load_brotli", lambda: None)
    response = client.get("/brotli")
    assert response.status_code == 501
    assert "brotli" in response.json()["detail"]


@needs_curl
def test_gzip_with_curl_compressed(base: str) -> None:
    result = curl("--compressed", "-D", "-", base + "/gzip")
    head, _, body = result.stdout.partition(b"\r\n\r\n")
    assert b"content-encoding: gzip" in head.lower()
    assert json.loads(body)["gzipped"] is True


# --- documents -------------------------------------------------------------------------


def test_json_document(client: httpx.Client) -> None:
    body = client.get("/json").json()
    assert body["slideshow"]["title"] == "Sample Slide Show"
    assert len(body["slideshow"]["slides"]) == 2


def test_html(session: requests.Session, base: str) -> None:
    response = session.get(base + "/html")
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "<h1>Herman Melville - Moby-Dick</h1>" in response.text


def test_encoding_utf8(client: httpx.Client) -> None:
    response = client.get("/encoding/utf8")
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.encoding == "utf-8"
    for sample in ("Größenwahn", "你好", "Съешь", "€"):
        assert sample in response.text


# --- response headers ------------------------------------------------------------------


def test_response_headers(session: requests.Session, base: str) -> None:
    params = [("X-Foo", "a"), ("X-Foo", "b"), ("freeform", "hello world")]
    response = session.get(base + "/response-headers", params=params)
    assert response.status_code == 200
    assert response.headers["x-foo"] == "a, b"
    assert response.headers["freeform"] == "hello world"
    body = response.json()
    assert body["X-Foo"] == ["a", "b"]
    assert body["freeform"] == "hello world"
    assert body["Content-Type"] == "application/json"
    assert body["Content-Length"] == str(len(response.content))
    assert response.headers["content-length"] == body["Content-Length"]


def test_response_headers_post_and_content_type(client: httpx.Client) -> None:
    response = client.post("/response-headers", params={"Content-Type": "text/plain"})
    assert response.headers["content-type"] == "text/plain"
    assert response.json()["Content-Type"] == "text/plain"


@pytest.mark.parametrize(
    "params",
    [
        {"Content-Length": "1"},
        {"Transfer-Encoding": "chunked"},
        {"X-Bad": "a\r\nb"},
        {"bad name": "1"},
    ],
)
def test_response_headers_refused(client: httpx.Client, params: dict[str, str]) -> None:
    assert client.get("/response-headers", params=params).status_code == 400


# --- generated and streamed bodies -----------------------------------------------------


def test_bytes(session: requests.Session, base: str) -> None:
    first = session.get(base + "/bytes/1024?seed=42")
    assert first.headers["content-type"] == "application/octet-stream"
    assert len(first.content) == 1024
    assert session.get(base + "/bytes/1024?seed=42").content == first.content
    assert session.get(base + "/bytes/1024").content != session.get(base + "/bytes/1024").content


def test_bytes_limits(client: httpx.Client) -> None:
    assert len(client.get("/bytes/1000000").content) == _dynamic.MAX_BYTES
    assert client.get("/bytes/0").content == b""
    assert client.get("/bytes/10?seed=abc").status_code == 400


def test_stream_bytes_is_chunked_and_seeded(session: requests.Session, base: str) -> None:
    url = base + "/stream-bytes/3000?chunk_size=1000&seed=7"
    with session.get(url, stream=True) as response:
        assert response.headers["transfer-encoding"] == "chunked"
        assert "content-length" not in response.headers
        data = b"".join(response.iter_content(chunk_size=None))
    assert len(data) == 3000
    assert session.get(url).content == data


def test_stream_bytes_with_httpx(client: httpx.Client) -> None:
    with client.stream("GET", "/stream-bytes/500", params={"chunk_size": "1"}) as response:
        data = b"".join(response.iter_bytes())
    assert len(data) == 500
    assert client.get("/stream-bytes/10?chunk_size=x").status_code == 400


def test_stream_lines_with_requests(session: requests.Session, base: str) -> None:
    with session.get(base + "/stream/5?tag=t", stream=True) as response:
        assert response.headers["content-type"] == "application/json"
        assert response.headers["transfer-encoding"] == "chunked"
        lines = [json.loads(line) for line in response.iter_lines()]
    assert [line["id"] for line in lines] == [0, 1, 2, 3, 4]
    for line in lines:
        assert line["args"] == {"tag": "t"}
        assert line["origin"] == "127.0.0.1"
        assert line["url"] == base + "/stream/5?tag=t"
        assert "Host" in line["headers"]


def test_stream_lines_with_httpx_is_capped(client: httpx.Client) -> None:
    with client.stream("GET", "/stream/1000") as response:
        lines = [json.loads(line) for line in response.iter_lines() if line]
    assert len(lines) == _dynamic.MAX_STREAM_LINES


def test_drip(session: requests.Session, base: str) -> None:
    started = time.monotonic()
    with session.get(base + "/drip?duration=0.5&numbytes=5&code=201", stream=True) as response:
        assert response.status_code == 201
        assert response.headers["content-length"] == "5"
        data = b"".join(response.iter_content(chunk_size=1))
    elapsed = time.monotonic() - started
    assert data == b"*****"
    assert 0.35 <= elapsed < 5


def test_drip_delay_with_httpx(client: httpx.Client) -> None:
    started = time.monotonic()
    response = client.get("/drip", params={"duration": "0", "numbytes": "3", "delay": "0.2"})
    assert response.content == b"***"
    assert time.monotonic() - started >= 0.18


def test_big_drip_is_sent_in_batches(client: httpx.Client) -> None:
    started = time.monotonic()
    response = client.get("/drip", params={"duration": "0.3", "numbytes": "200000"})
    assert response.content == b"*" * 200_000
    assert 0.25 <= time.monotonic() - started < 5


def test_drip_plan() -> None:
    assert _dynamic.drip_plan(5, 0.5) == (1, 0.1)
    assert _dynamic.drip_plan(10_000, 1.0) == (100, 0.01)
    assert _dynamic.drip_plan(1_000_000, 0.0) == (64 * 1024, 0.0)


@pytest.mark.parametrize(
    "query", ["numbytes=0", "numbytes=-3", "duration=-1", "code=99", "delay=abc", "duration=nan"]
)
def test_drip_refuses_bad_arguments(client: httpx.Client, query: str) -> None:
    assert client.get(f"/drip?{query}").status_code == 400


def test_delay(session: requests.Session, base: str) -> None:
    started = time.monotonic()
    response = session.get(base + "/delay/0.3?x=1")
    assert time.monotonic() - started >= 0.28
    body = response.json()
    assert set(body) == {"args", "data", "files", "form", "headers", "origin", "url"}
    assert body["args"] == {"x": "1"}


def test_delay_with_a_body_and_any_method(client: httpx.Client) -> None:
    response = client.post("/delay/0", data={"f": "v"})
    assert response.json()["form"] == {"f": "v"}
    assert client.put("/delay/0").status_code == 200


def test_delay_is_capped(client: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_dynamic, "MAX_DELAY", 0.1)
    started = time.monotonic()
    assert client.get("/delay/30").status_code == 200
    assert time.monotonic() - started < 5


# --- flaky -----------------------------------------------------------------------------


def test_flaky_fails_then_succeeds(session: requests.Session, base: str) -> None:
    url = f"{base}/flaky/{flaky_key()}?fail=2&retry_after=7"
    statuses = []
    for _ in range(2):
        failed = session.get(url)
        statuses.append(failed.status_code)
        assert failed.headers["retry-after"] == "7"
    success = session.get(url)
    assert statuses == [503, 503]
    assert success.status_code == 200
    assert "retry-after" not in success.headers
    assert success.json()["calls"] == 3
    assert session.get(url).json()["calls"] == 4


def test_flaky_custom_status_and_methods_share_a_key(client: httpx.Client) -> None:
    key = flaky_key()
    failed = client.post(f"/flaky/{key}", params={"fail": "1", "status": "429"})
    assert failed.status_code == 429
    assert failed.json()["calls"] == 1
    assert "retry-after" not in failed.headers
    assert client.put(f"/flaky/{key}", params={"fail": "1"}).json()["calls"] == 2


def test_flaky_default_fails_once(client: httpx.Client) -> None:
    key = flaky_key()
    assert client.get(f"/flaky/{key}").status_code == 503
    assert client.get(f"/flaky/{key}").status_code == 200


def test_flaky_with_a_retrying_client(base: str) -> None:
    retry = Retry(total=3, status_forcelist=[503], backoff_factor=0, allowed_methods=None)
    with requests.Session() as retrying:
        retrying.trust_env = False
        retrying.mount("http://", HTTPAdapter(max_retries=retry))
        response = retrying.post(f"{base}/flaky/{flaky_key()}?fail=2&retry_after=0")
    assert response.status_code == 200
    assert response.json()["calls"] == 3


def test_flaky_reset(client: httpx.Client) -> None:
    key = flaky_key()
    assert client.get(f"/flaky/{key}?fail=1").status_code == 503
    assert client.get(f"/flaky/{key}?fail=1").status_code == 200
    reset = client.post(f"/flaky/{key}/reset")
    assert reset.json() == {"key": key, "calls": 2, "reset": True}
    assert client.get(f"/flaky/{key}?fail=1").status_code == 503
    assert client.get(f"/flaky/{key}/reset").json()["calls"] == 1


def test_flaky_reset_all(client: httpx.Client) -> None:
    keys = [flaky_key(), flaky_key()]
    for key in keys:
        client.get(f"/flaky/{key}?fail=1")
    cleared = client.delete("/flaky")
    assert cleared.json()["reset"] is True
    assert cleared.json()["keys"] >= 2
    assert all(client.get(f"/flaky/{key}?fail=1").status_code == 503 for key in keys)


@pytest.mark.parametrize(
    "query", ["fail=-1", "fail=x", "status=200", "status=600", "retry_after=a%0D%0Ab"]
)
def test_flaky_bad_arguments_do_not_count(client: httpx.Client, query: str) -> None:
    key = flaky_key()
    assert client.get(f"/flaky/{key}?{query}").status_code == 400
    assert client.get(f"/flaky/{key}?fail=0").json()["calls"] == 1


def test_flaky_key_length_is_bounded(client: httpx.Client) -> None:
    long_key = "k" * (_flaky.MAX_KEY_LENGTH + 1)
    assert client.get(f"/flaky/{long_key}").status_code == 400


def test_flaky_counts_concurrent_calls_exactly(base: str) -> None:
    url = f"{base}/flaky/{flaky_key()}?fail=10"

    def call(_: int) -> int:
        with httpx.Client(trust_env=False) as one_off:
            return one_off.get(url).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(call, range(20)))
    assert statuses.count(503) == 10
    assert statuses.count(200) == 10


def test_flaky_counters_forget_the_least_recently_used() -> None:
    counters = _flaky.FlakyCounters(max_keys=2)
    assert counters.hit("a") == 1
    assert counters.hit("b") == 1
    assert counters.hit("a") == 2  # "a" is now the most recent
    assert counters.hit("c") == 1  # evicts "b"
    assert "b" not in counters
    assert len(counters) == 2
    assert counters.hit("a") == 3
    assert counters.reset("a") == 3
    assert counters.clear() == 1
    with pytest.raises(ValueError, match="max_keys"):
        _flaky.FlakyCounters(max_keys=0)


def test_flaky_bound_over_http() -> None:
    small = _build_app(max_flaky_keys=2)
    with (
        serve_in_thread(small) as running,
        httpx.Client(base_url=running.url, trust_env=False) as small_client,
    ):
        for key in ("a", "b", "c"):  # "a" is forgotten when "c" arrives
            assert small_client.get(f"/flaky/{key}").status_code == 503
        assert small_client.get("/flaky/a").status_code == 503
        assert small_client.get("/flaky/c").status_code == 200


# --- HTTP details that clients rely on -------------------------------------------------


def test_keep_alive_across_endpoints(client: httpx.Client) -> None:
    # One connection answers a mix of fixed, streamed and compressed responses in turn.
    paths = [
        "/get",
        "/stream/2",
        "/gzip",
        "/bytes/10",
        "/status/204",
        "/drip?duration=0&numbytes=2",
    ]
    for _ in range(2):
        for path in paths:
            response = client.get(path)
            assert response.status_code in (200, 204), path


def _json_lines(text: str) -> list[Any]:
    return [json.loads(line) for line in text.splitlines() if line]


def test_stream_lines_body_is_line_delimited(client: httpx.Client) -> None:
    lines = _json_lines(client.get("/stream/3").text)
    assert [line["id"] for line in lines] == [0, 1, 2]
