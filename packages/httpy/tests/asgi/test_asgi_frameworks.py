"""Real apps on httpy: a Starlette app (routing, request body, form, streaming response,
lifespan state, url_for behind root_path) and a FastAPI app (validation, a dependency,
422 and 401), driven by httpx over HTTP/1.1 and HTTP/2 over TLS, and by curl (h2c too)."""

from __future__ import annotations

import json
import ssl
import subprocess
from collections.abc import Generator, Iterator
from pathlib import Path

import httpx
import pytest
from framework_apps import FOREVER_STOPPED, fastapi_app, starlette_app
from tls_material import TLSFiles, issue

from httpy import Config
from httpy.asgi import ASGIApp
from httpy.asgi.types import ASGIApplication
from httpy.testing import serve_in_thread


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TLSFiles:
    return issue(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def tls(tls_files: TLSFiles) -> tuple[Path, Path, ssl.SSLContext]:
    certfile, keyfile, ca_path = tls_files
    return certfile, keyfile, ssl.create_default_context(cafile=ca_path)


@pytest.fixture(scope="module", params=["http1", "http2-tls"])
def starlette_client(
    request: pytest.FixtureRequest, tls: tuple[Path, Path, ssl.SSLContext]
) -> Iterator[httpx.Client]:
    yield from _client(starlette_app, request.param, tls)


@pytest.fixture(scope="module", params=["http1", "http2-tls"])
def fastapi_client(
    request: pytest.FixtureRequest, tls: tuple[Path, Path, ssl.SSLContext]
) -> Iterator[httpx.Client]:
    yield from _client(fastapi_app, request.param, tls)


def _client(
    app: ASGIApplication, mode: str, tls: tuple[Path, Path, ssl.SSLContext]
) -> Generator[httpx.Client]:
    certfile, keyfile, context = tls
    if mode == "http1":
        config = Config(port=0, shutdown_timeout=5)
        options: dict[str, object] = {}
    else:
        config = Config(port=0, certfile=certfile, keyfile=keyfile, shutdown_timeout=5)
        options = {"http2": True, "verify": context}
    with (
        serve_in_thread(ASGIApp(app), config) as server,
        httpx.Client(base_url=server.url, timeout=10, **options) as client,  # type: ignore[arg-type]
    ):
        answer = client.get("/__probe__")
        assert answer.http_version == ("HTTP/2" if mode != "http1" else "HTTP/1.1")
        yield client


# --- Starlette ----------------------------------------------------------------------------------


def test_starlette_routing_and_lifespan_state(starlette_client: httpx.Client) -> None:
    first = starlette_client.get("/").json()
    second = starlette_client.get("/nested/").json()
    assert first["name"] == "starlette on httpy"
    assert second["requests"] == first["requests"] + 1
    assert starlette_client.get("/users/42").text == "user 42"
    assert starlette_client.get("/users/abc").status_code == 404
    assert starlette_client.post("/").status_code == 405


def test_starlette_request_body_streams(starlette_client: httpx.Client) -> None:
    payload = b"z" * 300_000
    assert starlette_client.post("/upload", content=payload).json()["size"] == len(payload)
    pieces = starlette_client.post("/upload", content=iter([b"a" * 10] * 5)).json()
    assert pieces["size"] == 50


def test_starlette_form(starlette_client: httpx.Client) -> None:
    answer = starlette_client.post("/form", data={"name": "ada", "lang": "python"})
    assert answer.json() == {"name": "ada", "lang": "python"}


def test_starlette_streaming_response(starlette_client: httpx.Client) -> None:
    with starlette_client.stream("GET", "/numbers?count=500") as answer:
        lines = [line for line in answer.iter_lines() if line]
    assert lines == [str(number) for number in range(500)]


@pytest.mark.parametrize("mode", ["http1", "http2-tls"])
def test_starlette_stream_stops_when_the_client_leaves(
    mode: str, tls: tuple[Path, Path, ssl.SSLContext]
) -> None:
    FOREVER_STOPPED.clear()
    session = _client(starlette_app, mode, tls)
    client = next(session)
    try:
        with client.stream("GET", "/forever") as answer:
            assert next(answer.iter_lines()) == "tick"
        client.close()  # the connection goes (HTTP/2: with every stream on it)
        # HTTP/1.1: send raises OSError once the client is gone (spec 2.4) and Starlette
        # stops streaming; HTTP/2: the server cancels the streams of a lost connection.
        assert FOREVER_STOPPED.wait(10)
    finally:
        session.close()


def test_starlette_url_for_behind_a_root_path() -> None:
    config = Config(port=0, root_path="/prefix", proxy_headers=True, shutdown_timeout=5)
    with serve_in_thread(ASGIApp.from_config(starlette_app, config), config) as server:
        answer = httpx.get(
            server.url + "/where",
            headers={"x-forwarded-for": "203.0.113.7", "x-forwarded-proto": "https"},
        ).json()
    assert answer["root_path"] == "/prefix"
    assert answer["route"] == "/prefix/users/7"
    assert answer["url"] == f"https://127.0.0.1:{server.port}/prefix/where"
    assert answer["client"] == "203.0.113.7"


def test_starlette_with_curl_over_h2c() -> None:
    with serve_in_thread(ASGIApp(starlette_app), Config(port=0, shutdown_timeout=5)) as server:
        result = subprocess.run(
            ["curl", "-sS", "--max-time", "10", "--http2-prior-knowledge",
             "-w", "\n%{http_version}", f"{server.url}/numbers?count=3"],
            capture_output=True, text=True, check=True, timeout=30,
        )  # fmt: skip
    assert result.stdout == "0\n1\n2\n\n2"


# --- FastAPI ------------------------------------------------------------------------------------


def test_fastapi_validation_and_dependency(fastapi_client: httpx.Client) -> None:
    good = {"name": "pen", "price": 1.5, "tags": ["office"]}
    created = fastapi_client.post("/items", json=good, headers={"x-api-key": "secret"})
    assert created.status_code == 201
    assert created.json() == {"item": good, "key_length": 6}


def test_fastapi_422_on_invalid_body(fastapi_client: httpx.Client) -> None:
    bad = fastapi_client.post(
        "/items", json={"name": "", "price": -1}, headers={"x-api-key": "secret"}
    )
    assert bad.status_code == 422
    fields = {tuple(error["loc"]) for error in bad.json()["detail"]}
    assert fields == {("body", "name"), ("body", "price")}
    not_json = fastapi_client.post(
        "/items", content=b"{", headers={"x-api-key": "secret", "content-type": "application/json"}
    )
    assert not_json.status_code == 422


def test_fastapi_dependency_refuses(fastapi_client: httpx.Client) -> None:
    item = {"name": "pen", "price": 1.5}
    assert (
        fastapi_client.post("/items", json=item, headers={"x-api-key": "nope"}).status_code == 401
    )
    missing = fastapi_client.post("/items", json=item)
    assert missing.status_code == 422  # the header is a required parameter


def test_fastapi_path_and_query_and_sync_routes(fastapi_client: httpx.Client) -> None:
    assert fastapi_client.get("/items/5?q=x").json() == {"item_id": 5, "q": "x"}
    assert fastapi_client.get("/items/five").status_code == 422
    assert fastapi_client.get("/sync").json() == {"ran": "in a thread"}
    assert fastapi_client.get("/openapi.json").json()["paths"]["/items"]["post"]


def test_fastapi_with_curl() -> None:
    with serve_in_thread(ASGIApp(fastapi_app), Config(port=0, shutdown_timeout=5)) as server:
        for extra in ([], ["--http2-prior-knowledge"]):
            result = subprocess.run(
                ["curl", "-sS", "--max-time", "10", *extra, "-H", "x-api-key: secret",
                 "-H", "content-type: application/json", "-d", '{"name": "cup", "price": 3}',
                 "-w", "\n%{http_code} %{http_version}", f"{server.url}/items"],
                capture_output=True, text=True, check=True, timeout=30,
            )  # fmt: skip
            body, _, status = result.stdout.rpartition("\n")
            assert json.loads(body)["item"]["name"] == "cup"
            assert status == ("201 2" if extra else "201 1.1")
