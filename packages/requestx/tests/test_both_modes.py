"""The same behaviours through the sync and the async path (requestx.sync / requestx.aio)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

import requestx
from httpy import Config
from httpy.httpbin import app
from httpy.testing import serve_in_thread

if TYPE_CHECKING:
    from conftest import ServerTlsFiles

Fetch = Callable[..., requestx.Response]


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with serve_in_thread(app) as server:
        yield server.url


@pytest.fixture(params=["sync", "async"])
def fetch(request: pytest.FixtureRequest) -> Fetch:
    def sync_fetch(method: str, target: str, **kwargs: Any) -> requestx.Response:
        response: requestx.Response = requestx.sync.request(method, target, **kwargs)
        return response

    def async_fetch(method: str, target: str, **kwargs: Any) -> requestx.Response:
        async def main() -> requestx.Response:
            response: requestx.Response = await requestx.aio.request(method, target, **kwargs)
            return response

        return asyncio.run(main())

    return sync_fetch if request.param == "sync" else async_fetch


@pytest.mark.parametrize(
    ("path", "flag"), [("gzip", "gzipped"), ("deflate", "deflated"), ("brotli", "brotli")]
)
def test_decompression(fetch: Fetch, url: str, path: str, flag: str) -> None:
    assert fetch("GET", f"{url}/{path}").json()[flag] is True


def test_generator_upload(fetch: Fetch, url: str) -> None:
    body = fetch("POST", f"{url}/post", data=(b"%d," % n for n in range(4))).json()
    assert body["data"] == "0,1,2,3,"


def test_multipart_and_json(fetch: Fetch, url: str) -> None:
    files = {"f": ("a.txt", b"file body", "text/plain")}
    assert fetch("POST", f"{url}/post", files=files).json()["files"] == {"f": "file body"}
    assert fetch("PUT", f"{url}/put", json=[1, "two"]).json()["json"] == [1, "two"]


def test_basic_auth_and_head(fetch: Fetch, url: str) -> None:
    assert fetch("GET", f"{url}/basic-auth/u/p", auth=("u", "p")).status_code == 200
    assert fetch("GET", f"{url}/basic-auth/u/p", auth=("u", "x")).status_code == 401
    head = fetch("HEAD", f"{url}/get")
    assert (head.status_code, head.content) == (200, b"")


def test_redirect_rules(fetch: Fetch, url: str) -> None:
    response = fetch(
        "POST", f"{url}/redirect-to", params={"url": f"{url}/anything", "status_code": 303}
    )
    assert response.json()["method"] == "GET"
    assert [r.status_code for r in response.history] == [303]
    kept = fetch(
        "POST",
        f"{url}/redirect-to",
        params={"url": f"{url}/anything", "status_code": 307},
        data=b"x",
    )
    assert (kept.json()["method"], kept.json()["data"]) == ("POST", "x")


def test_errors(fetch: Fetch, url: str) -> None:
    with pytest.raises(requestx.ReadTimeout):
        fetch("GET", f"{url}/delay/2", timeout=0.3)
    with pytest.raises(requestx.exceptions.MissingSchema):
        fetch("GET", "127.0.0.1/nothing")


def test_tls(fetch: Fetch, server_tls_files: ServerTlsFiles) -> None:
    tls = server_tls_files
    with serve_in_thread(app, Config(port=0, certfile=tls.cert, keyfile=tls.key)) as server:
        assert fetch("GET", f"{server.url}/get", verify=str(tls.ca)).status_code == 200
        with pytest.raises(requestx.exceptions.SSLError):
            fetch("GET", f"{server.url}/get")
