"""The module functions (httpx's names, `*_async`, `*_with_automatic_retry`), on loopback."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

import aresilient
from aresilient.testing import no_wait
from httpy.testing import RunningServer

VERBS = ["get", "options", "head", "post", "put", "patch", "delete"]


@pytest.fixture(autouse=True)
def _instant_retries() -> Any:
    with no_wait():
        yield


def calls(httpbin: RunningServer, key: str) -> int:
    return int(httpx.get(f"{httpbin.url}/flaky/{key}/reset").json()["calls"])


@pytest.mark.parametrize("verb", VERBS)
def test_every_verb_sends_its_method(verb: str, httpbin: RunningServer) -> None:
    response = getattr(aresilient, verb)(f"{httpbin.url}/anything")
    assert response.is_success  # 204 for OPTIONS
    if verb not in {"head", "options"}:
        assert response.json()["method"] == verb.upper()
    async_response = asyncio.run(getattr(aresilient, f"{verb}_async")(f"{httpbin.url}/anything"))
    assert async_response.is_success


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_functions_retry_then_return_or_raise_when_asked(
    flavour: str, httpbin: RunningServer, key: str
) -> None:
    url = f"{httpbin.url}/flaky/{key}?fail=1"
    if flavour == "sync":
        assert aresilient.get(url).status_code == 200
        last = aresilient.request("GET", url + "0")  # fail=10
    else:
        assert asyncio.run(aresilient.get_async(url)).status_code == 200
        last = asyncio.run(aresilient.request_async("GET", url + "0"))
    assert last.status_code == 503  # as httpx.request would return it

    def exhausted() -> object:
        if flavour == "sync":
            return aresilient.put(url + "00", raise_on_failure=True)
        return asyncio.run(aresilient.put_async(url + "00", raise_on_failure=True))

    with pytest.raises(aresilient.HttpRequestError) as caught:
        exhausted()
    assert (caught.value.method, caught.value.status_code) == ("PUT", 503)


def test_the_function_not_the_client_decides_whether_to_raise(
    httpbin: RunningServer, key: str
) -> None:
    with aresilient.ResilientClient(base_url=httpbin.url) as client:
        assert aresilient.get(f"/flaky/{key}?fail=10", client=client).status_code == 503
        with pytest.raises(aresilient.HttpRequestError):
            client.get(f"/flaky/{key}x?fail=10")  # the client alone raises
    with (
        aresilient.Client(base_url=httpbin.url) as client,
        pytest.raises(aresilient.HttpRequestError),
    ):
        aresilient.get_with_automatic_retry(f"/flaky/{key}y?fail=10", client=client)


@pytest.mark.parametrize("flavour", ["sync", "async"])
def test_with_automatic_retry_raises_when_retries_run_out(
    flavour: str, httpbin: RunningServer, key: str
) -> None:
    url = f"{httpbin.url}/flaky/{key}?fail=10"

    def call() -> object:
        if flavour == "sync":
            return aresilient.get_with_automatic_retry(url, max_retries=1)
        return asyncio.run(aresilient.get_with_automatic_retry_async(url, max_retries=1))

    with pytest.raises(aresilient.HttpRequestError) as caught:
        call()
    assert caught.value.status_code == 503
    assert calls(httpbin, key) == 2


@pytest.mark.parametrize("verb", VERBS)
def test_every_with_automatic_retry_name_exists(verb: str, httpbin: RunningServer) -> None:
    sync_function = getattr(aresilient, f"{verb}_with_automatic_retry")
    async_function = getattr(aresilient, f"{verb}_with_automatic_retry_async")
    assert sync_function(f"{httpbin.url}/anything").is_success
    assert asyncio.run(async_function(f"{httpbin.url}/anything")).is_success


def test_request_with_automatic_retry(httpbin: RunningServer) -> None:
    response = aresilient.request_with_automatic_retry("POST", f"{httpbin.url}/post", json={"a": 1})
    assert response.json()["json"] == {"a": 1}
    response = asyncio.run(
        aresilient.request_with_automatic_retry_async("PUT", f"{httpbin.url}/put", content=b"x")
    )
    assert response.json()["data"] == "x"


def test_the_given_client_is_used_and_left_open(httpbin: RunningServer, key: str) -> None:
    with aresilient.Client(base_url=httpbin.url, headers={"x-from": "client"}) as client:
        response = aresilient.get(f"/flaky/{key}?fail=1", client=client)
        assert response.status_code == 200
        assert not client.is_closed
        echoed = aresilient.get("/headers", client=client).json()["headers"]
        assert echoed["X-From"] == "client"


def test_the_given_async_client_is_used_and_left_open(httpbin: RunningServer) -> None:
    async def main() -> None:
        async with aresilient.AsyncClient(base_url=httpbin.url) as client:
            response = await aresilient.post_async("/post", json=[1], client=client)
            assert response.json()["json"] == [1]
            assert not client.is_closed

    asyncio.run(main())


def test_client_level_settings_are_refused_with_a_client(httpbin: RunningServer) -> None:
    with aresilient.Client() as client, pytest.raises(ValueError, match="verify"):
        aresilient.get(f"{httpbin.url}/get", client=client, verify=False)


def test_functions_close_the_client_they_open(
    httpbin: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[aresilient.Client] = []
    original_init = aresilient.Client.__init__

    def spy(self: aresilient.Client, **kwargs: Any) -> None:
        original_init(self, **kwargs)
        opened.append(self)

    monkeypatch.setattr(aresilient.Client, "__init__", spy)
    aresilient.get(f"{httpbin.url}/get")
    assert len(opened) == 1
    assert opened[0].is_closed


def test_function_arguments_reach_the_request(httpbin: RunningServer) -> None:
    response = aresilient.get(
        f"{httpbin.url}/get",
        params={"q": "1"},
        headers={"x-test": "yes"},
        timeout=5.0,
    )
    body = response.json()
    assert body["args"] == {"q": "1"}
    assert body["headers"]["X-Test"] == "yes"
    redirected = aresilient.get(f"{httpbin.url}/redirect/1", follow_redirects=True)
    assert redirected.status_code == 200
    assert aresilient.get(f"{httpbin.url}/redirect/1").status_code == 302
