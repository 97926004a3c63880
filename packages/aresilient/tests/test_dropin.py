"""`import aresilient as httpx` keeps httpx code working: same classes, arguments, names."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import httpx
import pytest

import aresilient
from httpy.testing import RunningServer


def test_clients_are_httpx_clients() -> None:
    with aresilient.Client() as client:
        assert isinstance(client, httpx.Client)
    assert issubclass(aresilient.AsyncClient, httpx.AsyncClient)
    assert issubclass(aresilient.ResilientClient, aresilient.Client)
    assert issubclass(aresilient.AsyncResilientClient, aresilient.AsyncClient)


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (aresilient.Client, httpx.Client),
        (aresilient.AsyncClient, httpx.AsyncClient),
    ],
)
@pytest.mark.parametrize(
    "method",
    [
        "__init__",
        "request",
        "stream",
        "send",
        "get",
        "options",
        "head",
        "post",
        "put",
        "patch",
        "delete",
    ],
)
def test_every_httpx_argument_is_accepted_with_httpx_default(
    ours: type, theirs: type, method: str
) -> None:
    our_parameters = inspect.signature(getattr(ours, method)).parameters
    for name, parameter in inspect.signature(getattr(theirs, method)).parameters.items():
        assert name in our_parameters, f"{method} lacks {name}"
        assert our_parameters[name].default is parameter.default or (
            our_parameters[name].default == parameter.default
        ), f"{method}({name}=...) has another default"
        assert our_parameters[name].kind == parameter.kind


@pytest.mark.parametrize(
    "name",
    ["request", "get", "options", "head", "post", "put", "patch", "delete"],
)
def test_module_functions_accept_httpx_arguments(name: str) -> None:
    ours = inspect.signature(getattr(aresilient, name)).parameters
    for argument, parameter in inspect.signature(getattr(httpx, name)).parameters.items():
        assert argument in ours, f"{name} lacks {argument}"
        if argument not in {"timeout", "follow_redirects"}:  # sentinels: default set later
            assert ours[argument].default == parameter.default, argument


def test_httpx_names_are_re_exported() -> None:
    replaced = {"Client", "AsyncClient", "get", "options", "head", "post", "put", "patch"}
    replaced |= {"delete", "request", "__version__", "__title__", "__description__"}
    for name in httpx.__all__:
        assert name in aresilient.__all__ or name in {"__title__", "__description__"}, name
        if name not in replaced:
            assert getattr(aresilient, name) is getattr(httpx, name), name


def test_the_module_getattr_delegates_only_httpx_public_names() -> None:
    assert aresilient.__getattr__("Timeout") is httpx.Timeout
    with pytest.raises(AttributeError):
        aresilient.__getattr__("_client")
    with pytest.raises(AttributeError):
        aresilient.__getattr__("no_such_name")


def test_properties_behave_as_httpx(httpbin: RunningServer) -> None:
    with aresilient.Client(
        base_url=httpbin.url,
        headers={"x-a": "1"},
        params={"p": "1"},
        cookies={"c": "1"},
        auth=("user", "pass"),
        timeout=7.0,
    ) as client:
        assert client.base_url == httpx.Client(base_url=httpbin.url).base_url
        assert client.headers["x-a"] == "1"
        assert client.params["p"] == "1"
        assert client.cookies["c"] == "1"
        assert isinstance(client.auth, httpx.BasicAuth)
        assert client.timeout == httpx.Timeout(7.0)
        assert client.event_hooks == {"request": [], "response": []}
        client.headers = {"x-b": "2"}
        echoed = client.get("/anything").json()
        assert echoed["headers"]["X-B"] == "2"
        assert echoed["args"] == {"p": "1"}
        assert client.retry_policy.max_retries == 3
        assert not client.is_closed
    assert client.is_closed


def test_build_request_and_send(httpbin: RunningServer, key: str) -> None:
    with aresilient.Client(sleep=lambda _: None) as client:
        request = client.build_request("GET", f"{httpbin.url}/flaky/{key}?fail=1")
        assert client.send(request).status_code == 200
        request = client.build_request("GET", f"{httpbin.url}/flaky/{key}x?fail=1")
        assert client.send(request, max_retries=0).status_code == 503


def test_async_build_request_and_send(httpbin: RunningServer, key: str) -> None:
    async def no_sleep(_: float) -> None:
        return None

    async def main() -> tuple[int, int]:
        async with aresilient.AsyncClient(sleep=no_sleep) as client:
            first = await client.send(
                client.build_request("GET", f"{httpbin.url}/flaky/{key}?fail=1")
            )
            second = await client.send(
                client.build_request("GET", f"{httpbin.url}/flaky/{key}x?fail=1"), max_retries=0
            )
            return first.status_code, second.status_code

    assert asyncio.run(main()) == (200, 503)


def test_a_closed_client_refuses_as_httpx_does() -> None:
    client = aresilient.Client()
    client.close()
    with pytest.raises(RuntimeError, match="closed"):
        client.get("http://127.0.0.1:9/")


def test_subclass_send_override_sees_every_request(httpbin: RunningServer) -> None:
    seen: list[str] = []

    class Tracing(aresilient.Client):
        def send(self, request: httpx.Request, **kwargs: Any) -> httpx.Response:
            seen.append(request.method)
            return super().send(request, **kwargs)

    with Tracing() as client:
        client.get(f"{httpbin.url}/get")
        client.post(f"{httpbin.url}/post")
    assert seen == ["GET", "POST"]


def test_mock_transport_works_as_in_httpx() -> None:
    attempts: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(1)
        return httpx.Response(503 if len(attempts) < 3 else 200, text="done")

    with aresilient.Client(transport=httpx.MockTransport(handler), sleep=lambda _: None) as c:
        response = c.get("http://127.0.0.1/")
    assert (response.status_code, response.text, len(attempts)) == (200, "done", 3)


def test_sync_and_async_clients_take_the_same_arguments() -> None:
    # _async_client.py mirrors _client.py; a resilience argument added to one must reach both.
    for method in ["__init__", "request", "stream", "send", "get", "post", "delete"]:
        sync_parameters = inspect.signature(getattr(aresilient.Client, method)).parameters
        async_parameters = inspect.signature(getattr(aresilient.AsyncClient, method)).parameters
        assert list(sync_parameters) == list(async_parameters), method
        for name, parameter in sync_parameters.items():
            if name not in {"sleep", "transport", "mounts"}:  # their types differ by design
                assert parameter.default == async_parameters[name].default, (method, name)


def test_module_functions_and_their_async_twins_match() -> None:
    for name in ["request", "get", "post", "put", "patch", "delete", "head", "options"]:
        for sync_name in (name, f"{name}_with_automatic_retry"):
            sync_parameters = inspect.signature(getattr(aresilient, sync_name)).parameters
            async_function = getattr(aresilient, f"{sync_name}_async")
            assert inspect.iscoroutinefunction(async_function)
            assert list(sync_parameters) == list(inspect.signature(async_function).parameters)
