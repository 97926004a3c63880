"""The App: routes, conversions, errors, middleware, lifecycle and limits, end to end."""

from __future__ import annotations

import asyncio
import functools
import logging
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import requests

from httpy import App, HTTPException, JSONResponse, Request, Response, TextResponse
from httpy.routing import RoutingError
from httpy.testing import RunningServer, serve_in_thread

app = App()

# --- handlers --------------------------------------------------------------------------


@app.get("/return/dict")
async def return_dict(request: Request) -> dict[str, Any]:
    return {"kind": "dict", "nested": {"ok": True}}


@app.get("/return/list")
async def return_list(request: Request) -> list[int]:
    return [1, 2, 3]


@app.get("/return/str")
async def return_str(request: Request) -> str:
    return "héllo"


@app.get("/return/bytes")
async def return_bytes(request: Request) -> bytes:
    return b"\x00\x01binary"


@app.get("/return/none")
async def return_none(request: Request) -> None:
    return None


@app.get("/return/response")
async def return_response(request: Request) -> Response:
    return TextResponse("made", status_code=202, headers={"x-made": "yes"})


@app.get("/return/tuple")
async def return_tuple(request: Request) -> Any:
    return ("not", "convertible")


@app.get("/params/{i:int}/{f:float}/{u:uuid}/{s}/{rest:path}")
async def params(request: Request, *, i: int, f: float, u: uuid.UUID, s: str, rest: str) -> Any:
    values = {"i": i, "f": f, "u": u, "s": s, "rest": rest}
    return {
        "values": {name: str(value) for name, value in values.items()},
        "types": {name: type(value).__name__ for name, value in values.items()},
        "same_as_path_params": request.path_params == values,
    }


@app.route("/methods", methods=["get", "POST"])
async def methods(request: Request) -> str:
    return request.method


@app.route("/only-post", methods="POST")
async def only_post(request: Request) -> str:
    return "posted"


@app.put("/verbs")
async def verb_put(request: Request) -> str:
    return "put"


@app.patch("/verbs")
async def verb_patch(request: Request) -> str:
    return "patch"


@app.delete("/verbs")
async def verb_delete(request: Request) -> str:
    return "delete"


@app.route("/custom-options", methods=["GET", "OPTIONS"])
async def custom_options(request: Request) -> Response:
    return Response(status_code=200, headers={"x-own-options": request.method})


class Teapot(Exception):  # noqa: N818 - named like the status it becomes
    """A domain error with its own handler."""


class SmallTeapot(Teapot):
    """Handled by Teapot's handler through the MRO."""


class SpecialTeapot(Teapot):
    """Has a handler of its own, which wins over Teapot's."""


class BrokenHandlerError(Exception):
    """Its handler fails."""


@app.exception_handler(Teapot)
async def handle_teapot(request: Request, error: Exception) -> Response:
    return JSONResponse({"teapot": type(error).__name__}, status_code=418)


@app.exception_handler(SpecialTeapot)
def handle_special(request: Request, error: Exception) -> str:
    return f"special {error}"


@app.exception_handler(BrokenHandlerError)
async def handle_broken(request: Request, error: Exception) -> Response:
    raise RuntimeError("the handler itself fails")


@app.exception_handler(LookupError)
async def handle_lookup(request: Request, error: Exception) -> Response:
    # A broad handler: KeyError and IndexError land here.
    return JSONResponse({"lookup": type(error).__name__}, status_code=422)


@app.get("/raise/{kind}")
async def raise_kind(request: Request, kind: str) -> None:
    errors: dict[str, Exception] = {
        "teapot": Teapot(),
        "small": SmallTeapot(),
        "special": SpecialTeapot("one"),
        "broken": BrokenHandlerError(),
        "key": KeyError("k"),
        "index": IndexError("i"),
        "http": HTTPException(409, "already there", headers={"x-conflict": "1"}),
        "http-default": HTTPException(403),
        "boom": ZeroDivisionError("boom"),
    }
    raise errors[kind]


@app.get("/threads/async")
async def thread_async(request: Request) -> dict[str, str]:
    return {"thread": threading.current_thread().name}


@app.route("/threads/sync", methods=["GET", "POST"])
def thread_sync(request: Request) -> dict[str, Any]:
    return {
        "thread": threading.current_thread().name,
        "content": request.content.decode(),
        "method": request.method,
    }


@app.get("/sync-raises")
def sync_raises(request: Request) -> None:
    raise HTTPException(418, "from a thread")


@app.post("/limited", max_body_size=10)
async def limited(request: Request) -> dict[str, int]:
    return {"length": len(await request.body())}


@app.post("/limited-sync", max_body_size=10)
def limited_sync(request: Request) -> dict[str, int]:
    return {"length": len(request.content)}


@app.post("/unlimited")
async def unlimited(request: Request) -> dict[str, int]:
    return {"length": len(await request.body())}


@app.get("/head-me")
async def head_me(request: Request) -> Response:
    return TextResponse("twelve bytes", headers={"x-seen-method": request.method})


@app.get("/state")
async def state(request: Request) -> dict[str, Any]:
    return {"state": request.state}


class AsyncEndpoint:
    async def __call__(self, request: Request) -> str:
        return f"awaited object {request.method}"


app.get("/object")(AsyncEndpoint())


@app.get("/sync-wrapper")
def sync_wrapper(request: Request) -> Any:
    return return_str(request)  # a plain def handing back a coroutine: awaited, not a 500


app.get("/partial")(functools.partial(return_str))


# --- middleware ------------------------------------------------------------------------


@app.before_request
async def block(request: Request) -> Response | None:
    if request.headers.get("x-block") == "yes":
        return JSONResponse({"blocked": True}, status_code=403)
    if request.headers.get("x-refuse"):
        raise HTTPException(401, "refused by a hook")
    return None


@app.before_request
def remember(request: Request) -> None:
    request.state["seen_by"] = "before"


@app.after_request
def add_header(request: Request, response: Response) -> None:
    response.headers["x-after"] = f"{request.method} {response.status_code}"


@app.after_request
async def replace(request: Request, response: Response) -> Response | None:
    if request.headers.get("x-replace") == "yes":
        return TextResponse("replaced", status_code=200)
    if request.headers.get("x-after-fails") == "yes":
        raise RuntimeError("after hook failed")
    return None


# --- fixtures --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with serve_in_thread(app) as running:
        yield running


@pytest.fixture
def client(server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url) as http:
        yield http


# --- return values -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status", "content_type", "body"),
    [
        ("/return/dict", 200, "application/json", b'{"kind":"dict","nested":{"ok":true}}'),
        ("/return/list", 200, "application/json", b"[1,2,3]"),
        ("/return/str", 200, "text/plain; charset=utf-8", "héllo".encode()),
        ("/return/bytes", 200, "application/octet-stream", b"\x00\x01binary"),
        ("/return/response", 202, "text/plain; charset=utf-8", b"made"),
    ],
)
def test_return_value_conversion(
    client: httpx.Client, path: str, status: int, content_type: str, body: bytes
) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"] == content_type
    assert response.headers["content-length"] == str(len(body))
    assert response.content == body


def test_none_is_204_without_body(client: httpx.Client) -> None:
    response = client.get("/return/none")
    assert response.status_code == 204
    assert response.content == b""
    assert "content-type" not in response.headers
    assert "content-length" not in response.headers


def test_response_headers_are_kept(client: httpx.Client) -> None:
    assert client.get("/return/response").headers["x-made"] == "yes"


def test_unconvertible_return_is_500_and_logged(
    client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="httpy.error"):
        response = client.get("/return/tuple")
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal Server Error"}
    [record] = [r for r in caplog.records if r.name == "httpy.error"]
    assert record.getMessage() == "unhandled error in GET /return/tuple"
    assert record.exc_info is not None
    assert record.exc_info[0] is TypeError
    assert "a handler returned tuple" in str(record.exc_info[1])


# --- path parameters -------------------------------------------------------------------


def test_path_params_are_converted_kwargs(client: httpx.Client) -> None:
    oid = uuid.UUID("0e9f4b1c-8f2a-4d1e-9c3b-2a1b0c9d8e7f")
    response = client.get(f"/params/-12/2.5/{oid}/word/a/b/c.txt")
    assert response.status_code == 200
    assert response.json() == {
        "values": {"i": "-12", "f": "2.5", "u": str(oid), "s": "word", "rest": "a/b/c.txt"},
        "types": {"i": "int", "f": "float", "u": "UUID", "s": "str", "rest": "str"},
        "same_as_path_params": True,
    }


@pytest.mark.parametrize(
    "path",
    [
        "/params/abc/2.5/0e9f4b1c-8f2a-4d1e-9c3b-2a1b0c9d8e7f/w/r",
        "/params/1/x/0e9f4b1c-8f2a-4d1e-9c3b-2a1b0c9d8e7f/w/r",
        "/params/1/2/not-a-uuid/w/r",
    ],
)
def test_unconvertible_path_params_are_404(client: httpx.Client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.json() == {"detail": "Not Found"}


# --- methods, HEAD, OPTIONS, 404, 405 ---------------------------------------------------


def test_methods_route_and_verbs(client: httpx.Client) -> None:
    assert client.get("/methods").text == "GET"
    assert client.post("/methods").text == "POST"
    assert client.post("/only-post").text == "posted"
    assert client.put("/verbs").text == "put"
    assert client.patch("/verbs").text == "patch"
    assert client.delete("/verbs").text == "delete"


def test_404_is_json(client: httpx.Client) -> None:
    response = client.get("/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"detail": "Not Found"}
    assert "allow" not in response.headers


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("POST", "/return/dict", "GET, HEAD, OPTIONS"),
        ("DELETE", "/methods", "GET, HEAD, OPTIONS, POST"),
        ("GET", "/only-post", "OPTIONS, POST"),
        ("POST", "/verbs", "DELETE, OPTIONS, PATCH, PUT"),
        ("PUT", "/params/1/2.0/0e9f4b1c-8f2a-4d1e-9c3b-2a1b0c9d8e7f/s/r", "GET, HEAD, OPTIONS"),
    ],
)
def test_405_is_json_with_allow(client: httpx.Client, method: str, path: str, allow: str) -> None:
    response = client.request(method, path)
    assert response.status_code == 405
    assert response.json() == {"detail": "Method Not Allowed"}
    assert response.headers["allow"] == allow


def test_automatic_options(client: httpx.Client) -> None:
    response = client.options("/methods")
    assert response.status_code == 204
    assert response.headers["allow"] == "GET, HEAD, OPTIONS, POST"
    assert response.content == b""
    assert client.options("/nowhere").status_code == 404


def test_explicit_options_route_wins(client: httpx.Client) -> None:
    response = client.options("/custom-options")
    assert response.status_code == 200
    assert response.headers["x-own-options"] == "OPTIONS"


def test_head_on_get_route(client: httpx.Client) -> None:
    get = client.get("/head-me")
    head = client.head("/head-me")
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == get.headers["content-length"] == "12"
    assert head.headers["content-type"] == "text/plain; charset=utf-8"
    assert head.headers["x-seen-method"] == "HEAD"
    assert get.text == "twelve bytes"


def test_head_on_sync_and_json_routes(client: httpx.Client) -> None:
    head = client.head("/return/dict")
    assert head.headers["content-length"] == "36"
    assert head.content == b""
    sync_head = client.head("/threads/sync")
    assert sync_head.status_code == 200
    assert int(sync_head.headers["content-length"]) > 0
    assert sync_head.content == b""


def test_head_over_curl_keeps_the_connection_usable(server: RunningServer) -> None:
    import subprocess  # noqa: PLC0415 - only this test shells out

    completed = subprocess.run(
        [
            "curl",
            "-sS",
            "--max-time",
            "10",
            "-I",
            server.url + "/head-me",
            "--next",
            "-sS",
            "--max-time",
            "10",
            server.url + "/return/str",
        ],
        capture_output=True,
        check=True,
    )
    head, _, body = completed.stdout.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"content-length: 12\r\n" in head.lower() + b"\r\n"
    assert body == "héllo".encode()


def test_callable_object_and_partial_endpoints(client: httpx.Client) -> None:
    assert client.get("/object").text == "awaited object GET"
    assert client.get("/partial").text == "héllo"
    assert client.get("/sync-wrapper").text == "héllo"
    names = {route.path: route.name for route in app.router.routes}
    assert (names["/object"], names["/partial"]) == ("AsyncEndpoint", "partial")


# --- errors ----------------------------------------------------------------------------


def test_http_exception_status_detail_headers(client: httpx.Client) -> None:
    response = client.get("/raise/http")
    assert response.status_code == 409
    assert response.json() == {"detail": "already there"}
    assert response.headers["x-conflict"] == "1"
    default = client.get("/raise/http-default")
    assert default.status_code == 403
    assert default.json() == {"detail": "Forbidden"}


def test_http_exception_needs_an_error_status() -> None:
    with pytest.raises(ValueError, match="needs an error status"):
        HTTPException(302)
    assert repr(HTTPException(404)) == "HTTPException(status_code=404, detail='Not Found')"


@pytest.mark.parametrize(
    ("kind", "status", "body"),
    [
        ("teapot", 418, b'{"teapot":"Teapot"}'),
        ("small", 418, b'{"teapot":"SmallTeapot"}'),
        ("special", 200, b"special one"),
        ("key", 422, b'{"lookup":"KeyError"}'),
        ("index", 422, b'{"lookup":"IndexError"}'),
    ],
)
def test_exception_handlers_by_mro(
    client: httpx.Client, kind: str, status: int, body: bytes
) -> None:
    response = client.get(f"/raise/{kind}")
    assert response.status_code == status
    assert response.content == body
    assert response.headers["x-after"] == f"GET {status}"


def test_broken_exception_handler_is_500_and_logged(
    client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="httpy.error"):
        response = client.get("/raise/broken")
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal Server Error"}
    [record] = [r for r in caplog.records if r.name == "httpy.error"]
    assert record.getMessage() == "error handler for BrokenHandlerError failed"
    assert record.exc_info is not None
    assert str(record.exc_info[1]) == "the handler itself fails"


def test_unhandled_exception_is_500_json_and_logged(
    client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="httpy.error"):
        response = client.get("/raise/boom")
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"detail": "Internal Server Error"}
    assert "boom" not in response.text  # no internals leak to the client
    [record] = [r for r in caplog.records if r.name == "httpy.error"]
    assert record.levelno == logging.ERROR
    assert record.getMessage() == "unhandled error in GET /raise/boom"
    assert record.exc_info is not None
    assert record.exc_info[0] is ZeroDivisionError


def test_http_exception_from_a_sync_handler(client: httpx.Client) -> None:
    response = client.get("/sync-raises")
    assert response.status_code == 418
    assert response.json() == {"detail": "from a thread"}


def test_catch_all_handler_keeps_http_errors() -> None:
    """A handler for Exception is for failures; 404/405/HTTPException keep their answer."""
    catch_all = App()
    seen: list[str] = []

    @catch_all.exception_handler(Exception)
    async def everything(request: Request, error: Exception) -> Response:
        seen.append(type(error).__name__)
        return JSONResponse({"caught": type(error).__name__}, status_code=500)

    @catch_all.get("/fails")
    async def fails(request: Request) -> None:
        raise ValueError("bad")

    @catch_all.get("/gone")
    async def gone(request: Request) -> None:
        raise HTTPException(410)

    with serve_in_thread(catch_all) as running, httpx.Client(base_url=running.url) as client:
        assert client.get("/fails").json() == {"caught": "ValueError"}
        missing = client.get("/missing")
        assert (missing.status_code, missing.json()) == (404, {"detail": "Not Found"})
        wrong = client.post("/fails")
        assert (wrong.status_code, wrong.headers["allow"]) == (405, "GET, HEAD, OPTIONS")
        assert client.get("/gone").status_code == 410
    assert seen == ["ValueError"]


def test_handler_for_http_exception_replaces_the_default() -> None:
    custom = App()

    @custom.exception_handler(HTTPException)
    async def as_text(request: Request, error: Exception) -> Response:
        assert isinstance(error, HTTPException)
        return TextResponse(
            f"{error.status_code}: {error.detail}",
            status_code=error.status_code,
            headers=error.headers,
        )

    with serve_in_thread(custom) as running, httpx.Client(base_url=running.url) as client:
        response = client.get("/nothing")
    assert (response.status_code, response.text) == (404, "404: Not Found")


# --- middleware ------------------------------------------------------------------------


def test_before_request_short_circuits(client: httpx.Client) -> None:
    response = client.get("/return/dict", headers={"x-block": "yes"})
    assert response.status_code == 403
    assert response.json() == {"blocked": True}
    assert response.headers["x-after"] == "GET 403"  # after hooks still run
    blocked_404 = client.get("/nowhere", headers={"x-block": "yes"})
    assert blocked_404.status_code == 403  # before routing


def test_before_request_may_raise(client: httpx.Client) -> None:
    response = client.get("/return/dict", headers={"x-refuse": "1"})
    assert response.status_code == 401
    assert response.json() == {"detail": "refused by a hook"}
    assert response.headers["x-after"] == "GET 401"


def test_before_request_state_reaches_the_handler(client: httpx.Client) -> None:
    assert client.get("/state").json() == {"state": {"seen_by": "before"}}


def test_after_request_injects_headers_everywhere(client: httpx.Client) -> None:
    assert client.get("/return/dict").headers["x-after"] == "GET 200"
    assert client.get("/nowhere").headers["x-after"] == "GET 404"
    assert client.post("/return/dict").headers["x-after"] == "POST 405"
    assert client.get("/raise/boom").headers["x-after"] == "GET 500"
    assert client.options("/methods").headers["x-after"] == "OPTIONS 204"


def test_after_request_may_replace_or_fail(
    client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    replaced = client.get("/return/dict", headers={"x-replace": "yes"})
    assert (replaced.status_code, replaced.text) == (200, "replaced")
    with caplog.at_level(logging.ERROR, logger="httpy.error"):
        failed = client.get("/return/dict", headers={"x-after-fails": "yes"})
    assert failed.status_code == 500
    assert failed.json() == {"detail": "Internal Server Error"}
    assert [r.getMessage() for r in caplog.records if r.name == "httpy.error"] == [
        "unhandled error in GET /return/dict"
    ]


# --- sync handlers ---------------------------------------------------------------------


def test_sync_handler_runs_in_a_worker_thread(client: httpx.Client) -> None:
    loop_thread = client.get("/threads/async").json()["thread"]
    worker = client.post("/threads/sync", content=b"payload \xc3\xa9").json()
    assert loop_thread == "httpy-test-server"
    assert worker["thread"] != loop_thread
    assert worker["thread"].startswith("httpy-handler")
    assert worker["content"] == "payload é"
    assert worker["method"] == "POST"


def test_sync_handler_sees_a_chunked_body(client: httpx.Client) -> None:
    response = client.post("/threads/sync", content=iter([b"a" * 5000, b"b" * 5000]))
    assert response.json()["content"] == "a" * 5000 + "b" * 5000


def test_sync_handler_with_requests(server: RunningServer) -> None:
    with requests.Session() as session:
        response = session.get(server.url + "/threads/sync", timeout=10)
    assert response.json()["content"] == ""
    assert response.json()["method"] == "GET"


# --- body limits -----------------------------------------------------------------------


def test_route_limit_by_content_length(client: httpx.Client, server: RunningServer) -> None:
    assert client.post("/limited", content=b"0123456789").json() == {"length": 10}
    response = client.post("/limited", content=b"x" * 11)
    assert response.status_code == 413
    with requests.Session() as session:
        via_requests = session.post(server.url + "/limited-sync", data=b"y" * 100, timeout=10)
    assert via_requests.status_code == 413


@pytest.mark.parametrize("path", ["/limited", "/limited-sync"])
def test_route_limit_by_chunked_upload(client: httpx.Client, path: str) -> None:
    fits = client.post(path, content=iter([b"12345", b"67890"]))
    assert fits.json() == {"length": 10}
    response = client.post(path, content=iter([b"12345678", b"12345678", b"12345678"]))
    assert response.status_code == 413
    assert response.json() == {"detail": "request body too large"}


def test_other_routes_keep_the_default_limit(client: httpx.Client) -> None:
    assert client.post("/unlimited", content=b"z" * 100_000).json() == {"length": 100_000}


def test_app_wide_limit() -> None:
    small = App(max_body_size=5)

    @small.post("/echo")
    async def echo(request: Request) -> bytes:
        return await request.body()

    @small.post("/bigger", max_body_size=50)
    async def bigger(request: Request) -> bytes:
        return await request.body()

    with serve_in_thread(small) as running, httpx.Client(base_url=running.url) as client:
        assert client.post("/echo", content=b"12345").content == b"12345"
        assert client.post("/echo", content=b"123456").status_code == 413
        assert client.post("/bigger", content=b"x" * 50).content == b"x" * 50
        assert client.post("/bigger", content=b"x" * 51).status_code == 413


# --- lifecycle -------------------------------------------------------------------------


def test_startup_and_shutdown_hooks_run_in_order() -> None:
    events: list[str] = []
    lifecycle = App()

    @lifecycle.on_startup
    def first_start() -> None:
        events.append("start sync")

    @lifecycle.on_startup
    async def second_start() -> None:
        await asyncio.sleep(0)
        events.append("start async")

    @lifecycle.on_shutdown
    async def failing_stop() -> None:
        events.append("stop failing")
        raise RuntimeError("cannot stop cleanly")

    @lifecycle.on_shutdown
    def last_stop() -> None:
        events.append("stop sync")

    @lifecycle.get("/")
    async def index(request: Request) -> list[str]:
        return list(events)

    with serve_in_thread(lifecycle) as running, httpx.Client(base_url=running.url) as client:
        assert client.get("/").json() == ["start sync", "start async"]
    assert events == ["start sync", "start async", "stop failing", "stop sync"]


def test_failing_startup_hook_stops_the_server() -> None:
    broken = App()

    @broken.on_startup
    def refuse() -> None:
        raise OSError("database unreachable")

    with pytest.raises(RuntimeError, match="failed to start") as caught, serve_in_thread(broken):
        pass
    assert isinstance(caught.value.__cause__, OSError)


# --- registration ----------------------------------------------------------------------


def test_registration_errors() -> None:
    fresh = App()

    @fresh.get("/x")
    async def x(request: Request) -> None:
        return None

    with pytest.raises(RoutingError, match="GET /x is already routed"):
        fresh.get("/x")(x)
    with pytest.raises(ValueError, match="at least one method"):
        fresh.route("/y", methods=[])
    with pytest.raises(RoutingError, match="unknown converter"):
        fresh.get("/z/{a:date}")(x)


def test_decorators_return_the_function() -> None:
    fresh = App()

    async def handler(request: Request) -> None:
        return None

    assert fresh.post("/p", name="named")(handler) is handler
    assert fresh.before_request(handler) is handler
    [route] = fresh.router.routes
    assert (route.name, route.methods, route.max_body_size) == ("named", frozenset({"POST"}), None)


def test_handle_without_a_server() -> None:
    """``App.handle`` is the whole contract: it always gives a Response."""
    direct = App()

    @direct.get("/hi/{n:int}")
    async def hi(request: Request, n: int) -> dict[str, int]:
        return {"n": n}

    async def call(method: str, target: bytes) -> Response:
        return await direct.handle(Request(method, target, []))

    ok = asyncio.run(call("GET", b"/hi/4"))
    assert (ok.status_code, ok.body) == (200, b'{"n":4}')
    missing = asyncio.run(call("GET", b"/hi/x"))
    assert (missing.status_code, missing.body) == (404, b'{"detail":"Not Found"}')
    options = asyncio.run(call("OPTIONS", b"/hi/1"))
    assert (options.status_code, options.headers["allow"]) == (204, "GET, HEAD, OPTIONS")
