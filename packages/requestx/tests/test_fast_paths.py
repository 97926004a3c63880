"""The lean paths skip work whose answer cannot have changed; these check it really cannot.

A plain call (`session.get(url)`) keeps the session's encoded headers, each prepared URL,
the environment's proxy names and the netrc lookup between calls, runs on the calling
thread's own engine (sync) or resolves through the loop's completion socket (async). Each
test changes what a cache depends on between two calls and checks the second call sees it.
"""

from __future__ import annotations

import asyncio
import copy
import datetime
import os
import pickle
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

import requestx
from httpy.httpbin import app
from httpy.testing import serve_in_thread


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with serve_in_thread(app) as server:
        yield server.url


def _dead_proxy() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No proxy or netrc from the machine; HOME is an empty folder of the test's own."""
    for name in list(os.environ):
        if name.lower().endswith("_proxy"):
            monkeypatch.delenv(name)
    monkeypatch.delenv("NETRC", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


def test_a_proxy_variable_set_between_calls_is_used(
    url: str, clean_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with requestx.Session() as session:
        assert session.get(f"{url}/get").status_code == 200
        monkeypatch.setenv("HTTP_PROXY", _dead_proxy())
        with pytest.raises(requestx.exceptions.ProxyError):
            session.get(f"{url}/get", timeout=5)
        monkeypatch.delenv("HTTP_PROXY")
        assert session.get(f"{url}/get").status_code == 200


def test_no_proxy_alone_keeps_calls_direct(
    url: str, clean_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_PROXY", "example.invalid")
    assert requestx.get(f"{url}/get").status_code == 200


def test_a_netrc_written_between_calls_is_used(url: str, clean_environment: Path) -> None:
    host_only = url.removeprefix("http://").split(":")[0]
    with requestx.Session() as session:
        first = session.get(f"{url}/headers").json()["headers"]
        assert "Authorization" not in first
        (clean_environment / ".netrc").write_text(
            f"machine {host_only} login user password pass\n", encoding="utf-8"
        )
        second = session.get(f"{url}/headers").json()["headers"]
        assert second["Authorization"] == "Basic dXNlcjpwYXNz"
        (clean_environment / ".netrc").unlink()
        third = session.get(f"{url}/headers").json()["headers"]
        assert "Authorization" not in third


def test_a_ca_bundle_variable_changed_between_calls_is_used(
    url: str, clean_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with requestx.Session() as session:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(clean_environment / "missing.pem"))
        https_url = url.replace("http://", "https://")
        # The bundle is read for https only; a missing one is an error requests raises too.
        with pytest.raises(OSError, match=r"missing\.pem"):
            session.get(f"{https_url}/get")
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(clean_environment / "other.pem"))
        with pytest.raises(OSError, match=r"other\.pem"):
            session.get(f"{https_url}/get")


def test_session_header_changes_reach_the_next_call(url: str) -> None:
    with requestx.Session() as session:
        assert "X-Extra" not in session.get(f"{url}/headers").json()["headers"]
        session.headers["X-Extra"] = "one"
        assert session.get(f"{url}/headers").json()["headers"]["X-Extra"] == "one"
        session.headers["x-extra"] = "two"  # same field, other case
        assert session.get(f"{url}/headers").json()["headers"]["X-Extra"] == "two"
        del session.headers["X-Extra"]
        assert "X-Extra" not in session.get(f"{url}/headers").json()["headers"]
        session.headers["X-Bad"] = "line\r\nbreak"
        with pytest.raises(requestx.exceptions.InvalidHeader):
            session.get(f"{url}/headers")


def test_plain_and_general_paths_prepare_the_same_request(url: str) -> None:
    with requestx.Session() as session:
        plain = session.get(f"{url}/get?q=1")
        general = session.get(f"{url}/get?q=1", headers={})  # any header argument: general
    for response in (plain, general):
        assert response.status_code == 200
    assert plain.request.method == general.request.method == "GET"
    assert plain.request.url == general.request.url
    assert dict(plain.request.headers) == dict(general.request.headers)
    assert plain.request.body is general.request.body is None
    assert plain.json()["headers"] == general.json()["headers"]
    assert dict(plain.headers).keys() == dict(general.headers).keys()
    assert plain.encoding == general.encoding == "utf-8"


def test_redirects_and_their_cookies_on_the_plain_path(url: str) -> None:
    with requestx.Session() as session:
        response = session.get(f"{url}/cookies/set?flavour=oat")
        assert [hop.status_code for hop in response.history] == [302]
        assert session.cookies["flavour"] == "oat"
        not_followed = session.get(f"{url}/redirect/2", allow_redirects=False)
        assert not_followed.is_redirect
        assert not_followed.next is not None
        assert not_followed.next.url == f"{url}/relative-redirect/1"


def test_many_threads_share_one_session(url: str) -> None:
    with requestx.Session() as session:

        def fetch(index: int) -> int:
            return len(session.get(f"{url}/bytes/{index}").content)

        with ThreadPoolExecutor(max_workers=8) as pool:
            sizes = list(pool.map(fetch, range(200)))
        assert sizes == list(range(200))
        # Those threads and their engines are gone; the session goes on.
        assert session.get(f"{url}/get").status_code == 200


def test_a_thread_that_used_the_engine_can_end(url: str) -> None:
    results: list[int] = []

    def one_request() -> None:
        results.append(requestx.get(f"{url}/get").status_code)

    for _ in range(20):
        thread = threading.Thread(target=one_request)
        thread.start()
        thread.join(30)
        assert not thread.is_alive()
    assert results == [200] * 20


def test_a_body_generator_may_itself_send_requests(url: str) -> None:
    """Python code the engine calls may use requestx on the same thread (re-entrant)."""

    def body() -> Iterator[bytes]:
        yield requestx.get(f"{url}/bytes/3").content[:0] + b"first,"
        yield b"second"

    echoed = requestx.post(f"{url}/post", data=body()).json()["data"]
    assert echoed == "first,second"


def test_concurrent_awaits_all_complete(url: str) -> None:
    """Results arrive through one wake-up socket per loop; none may be left waiting."""

    async def main() -> list[int]:
        statuses: list[int] = []
        async with requestx.Session() as session:
            for _ in range(15):
                batch = await asyncio.gather(*(session.get(f"{url}/get") for _ in range(64)))
                statuses.extend(response.status_code for response in batch)
        return statuses

    assert asyncio.run(main()) == [200] * 15 * 64


def test_each_loop_gets_its_results(url: str) -> None:
    """Two loops in two threads at once: each result resolves in its own loop."""

    def run_loop(offset: int) -> list[int]:
        async def main() -> list[int]:
            responses = await asyncio.gather(
                *(requestx.get(f"{url}/bytes/{offset + i}") for i in range(40))
            )
            return [len(response.content) for response in responses]

        return asyncio.run(main())

    with ThreadPoolExecutor(max_workers=2) as pool:
        first, second = pool.map(run_loop, (0, 100))
    assert first == list(range(40))
    assert second == list(range(100, 140))


def test_async_plain_path_sees_environment_changes(
    url: str, clean_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def main() -> None:
        async with requestx.Session() as session:
            assert (await session.get(f"{url}/get")).status_code == 200
            monkeypatch.setenv("HTTP_PROXY", _dead_proxy())
            with pytest.raises(requestx.exceptions.ProxyError):
                await session.get(f"{url}/get", timeout=5)

    asyncio.run(main())


IO_THREADS_SCRIPT = """
import asyncio, pathlib, sys
import requestx

async def main():
    await requestx.get(sys.argv[1])

asyncio.run(main())

def io_threads():
    count = 0
    for comm in pathlib.Path("/proc/self/task").glob("*/comm"):
        try:
            count += comm.read_text().startswith("requestx-io")
        except OSError:  # a thread that ended between listing and reading
            pass
    return count

# A new thread names itself once it runs: on a loaded machine a worker may exist before
# its name does. Read until the count holds still for half a second (10 s at most).
import time
seen, since, deadline = io_threads(), time.monotonic(), time.monotonic() + 10
while time.monotonic() - since < 0.5 and time.monotonic() < deadline:
    time.sleep(0.05)
    now = io_threads()
    if now != seen:
        seen, since = now, time.monotonic()
print(seen)
"""


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux's /proc")
@pytest.mark.parametrize(("setting", "expected"), [(None, 1), ("3", 3), ("not a number", 1)])
def test_io_threads_knob(url: str, setting: str | None, expected: int) -> None:
    environment = {k: v for k, v in os.environ.items() if k != "REQUESTX_IO_THREADS"}
    if setting is not None:
        environment["REQUESTX_IO_THREADS"] = setting
    result = subprocess.run(
        [sys.executable, "-c", IO_THREADS_SCRIPT, f"{url}/get"],
        capture_output=True, text=True, timeout=60, check=True, env=environment,
    )  # fmt: skip
    assert int(result.stdout) == expected


def test_plain_responses_make_lazy_parts_on_first_use(url: str) -> None:
    """Headers, cookies, elapsed and the request's cookie jar are made when first read:
    they must read, compare, copy and pickle as the plain attributes requests has."""
    with requestx.Session() as session:
        response = session.get(f"{url}/response-headers?X-Flavour=oat")
    assert isinstance(response.headers, requestx.structures.CaseInsensitiveDict)
    assert response.headers["x-flavour"] == "oat"
    assert response.headers["Content-Type"] == "application/json"
    headers_copy = copy.deepcopy(response.headers)
    assert type(headers_copy) is requestx.structures.CaseInsensitiveDict
    assert headers_copy == response.headers
    assert type(response.headers.copy()) is requestx.structures.CaseInsensitiveDict
    assert response.encoding == "utf-8"
    assert isinstance(response.elapsed, datetime.timedelta)
    assert response.elapsed > datetime.timedelta(0)
    assert isinstance(response.cookies, requestx.cookies.RequestsCookieJar)
    assert len(response.cookies) == 0
    assert isinstance(response.request._cookies, requestx.cookies.RequestsCookieJar)
    revived = pickle.loads(pickle.dumps(response))  # noqa: S301 - our own bytes
    assert revived.headers == response.headers
    assert revived.elapsed == response.elapsed
    assert revived.json() == response.json()
    jar = requestx.cookies.RequestsCookieJar()
    response.cookies = jar
    assert response.cookies is jar
    request_copy = pickle.loads(pickle.dumps(session.get(f"{url}/get").request))  # noqa: S301
    assert isinstance(request_copy._cookies, requestx.cookies.RequestsCookieJar)


def test_patched_session_and_adapter_methods_are_still_called(url: str) -> None:
    """A test double patched onto Session or HTTPAdapter must see plain calls too."""
    with requestx.Session() as session:
        real_send = requestx.adapters.HTTPAdapter.send
        with mock.patch.object(
            requestx.adapters.HTTPAdapter, "send", autospec=True, side_effect=real_send
        ) as send:
            assert session.get(f"{url}/get").status_code == 200
        assert send.call_count == 1
        with mock.patch.object(
            requestx.adapters.HTTPAdapter, "build_response", autospec=True,
            side_effect=requestx.adapters.HTTPAdapter.build_response,
        ) as build:  # fmt: skip
            assert session.get(f"{url}/get").status_code == 200
        assert build.call_count == 1
        with mock.patch.object(
            requestx.Session, "request", autospec=True, side_effect=requestx.Session.request
        ) as request:
            assert session.get(f"{url}/get").status_code == 200
        assert request.call_count == 1


def test_a_patched_session_send_sees_plain_calls(url: str) -> None:
    """requests-mock replaces `Session.send`, on the class or on one session: a plain
    `session.get(url)` (and a module-level `requestx.get`) must go through it."""
    real_send = requestx.Session.send
    with mock.patch.object(requestx.Session, "send", autospec=True, side_effect=real_send) as send:
        with requestx.Session() as session:
            assert session.get(f"{url}/get").status_code == 200
            assert session.head(f"{url}/get").status_code == 200
        assert requestx.get(f"{url}/get").status_code == 200
    assert send.call_count == 3
    with requestx.Session() as session:
        calls: list[str] = []

        def recording_send(request: requestx.PreparedRequest, **kwargs: object) -> object:
            calls.append(request.url or "")
            return real_send(session, request, **kwargs)

        session.send = recording_send  # type: ignore[method-assign]
        assert session.get(f"{url}/get").status_code == 200
        assert session.request("GET", f"{url}/get").status_code == 200
        assert calls == [f"{url}/get", f"{url}/get"]
        del session.send
        assert session.get(f"{url}/get").status_code == 200
        assert len(calls) == 2


def test_awaited_calls_go_through_a_patched_adapter_send(url: str) -> None:
    """responses patches `HTTPAdapter.send`: an awaited call must not go round it."""

    async def main() -> int:
        async with requestx.Session(mode="async") as session:
            response = await session.get(f"{url}/get")
            return int(response.status_code)

    real_send = requestx.adapters.HTTPAdapter.send
    with mock.patch.object(
        requestx.adapters.HTTPAdapter, "send", autospec=True, side_effect=real_send
    ) as send:
        assert asyncio.run(main()) == 200
    assert send.call_count == 1


def test_an_awaited_send_keeps_the_adapter_chosen_during_the_call(url: str) -> None:
    """requests-mock patches `get_adapter` only while `Session.send` runs; an awaited send
    returns before its request goes out, and must keep the adapter it was given then."""

    class Canned(requestx.adapters.BaseAdapter):
        def send(self, request: requestx.PreparedRequest, *_: Any, **__: Any) -> requestx.Response:
            response = requestx.Response()
            response.status_code = 299
            response._content = b"canned"
            response.request = request
            return response

        def close(self) -> None:
            pass

    session = requestx.Session(mode="async")
    canned = Canned()

    def send_with_canned_adapter(request: requestx.PreparedRequest, **kwargs: object) -> object:
        session.get_adapter = lambda url: canned  # type: ignore[method-assign]  # noqa: ARG005
        try:
            return requestx.Session.send(session, request, **kwargs)
        finally:
            del session.get_adapter

    session.send = send_with_canned_adapter  # type: ignore[method-assign]

    async def main() -> requestx.Response:
        response: requestx.Response = await session.get(f"{url}/get")
        return response

    response = asyncio.run(main())
    assert (response.status_code, response.text) == (299, "canned")


def test_plain_calls_make_raw_and_request_parts_on_first_use(url: str) -> None:
    """The engine leaves a plain Response's `raw` and `headers`, and its request's
    `headers` and `hooks`, to be made when first read: they must then behave as the plain
    attributes requests sets, each object with its own."""
    with requestx.Session() as session:
        session.headers["X-Session"] = "kept"
        response = session.get(f"{url}/get", timeout=5)  # a keyword still takes the plain path
        assert "raw" not in vars(response)  # not made yet: this is the lazy path
        raw = response.raw
        assert raw is response.raw
        assert (raw.status, raw.reason) == (200, "OK")
        assert raw.read() == b""  # the body was read whole into `content`
        assert raw.headers["content-type"] == "application/json"
        response.raw = None
        assert response.raw is None

        request = response.request
        assert "headers" not in vars(request)
        assert request.headers["X-Session"] == "kept"
        assert request.hooks == {"response": []}
        request.headers["X-Session"] = "changed on the sent request"
        request.hooks["response"].append(print)
        assert session.headers["X-Session"] == "kept"
        again = session.get(f"{url}/get")
        assert again.request.headers["X-Session"] == "kept"
        assert again.request.hooks == {"response": []}
        assert again.json()["headers"]["X-Session"] == "kept"

        duplicate = again.request.copy()
        duplicate.headers["X-Other"] = "1"
        assert "X-Other" not in again.request.headers
        revived = pickle.loads(pickle.dumps(session.get(f"{url}/get").request))  # noqa: S301
        assert revived.headers["X-Session"] == "kept"

    # Objects made by hand have the attributes requests gives them from the start.
    assert requestx.models.Response().raw is None
    assert requestx.models.Response().headers == {}
    assert requestx.models.PreparedRequest().headers is None
    assert requestx.models.PreparedRequest().hooks == {"response": []}
    revived_response = pickle.loads(pickle.dumps(response))  # noqa: S301
    del revived_response.raw
    with pytest.raises(AttributeError, match="raw"):
        revived_response.raw  # noqa: B018 - reading it is the test


def test_engine_made_and_general_responses_have_the_same_attributes(url: str) -> None:
    """`Response._from_engine` (called by the engine for a body read whole) and
    `Response()` + `build_response` (the general path) name the same attributes: a field
    added to one and not the other would make the two paths' responses differ."""
    with requestx.Session() as session:
        plain = session.get(f"{url}/cookies/set?flavour=oat", allow_redirects=False)
        assert "_engine" in vars(plain)  # made by the engine's kit
        # A streamed response is built by `Response()` and `build_response`.
        general = session.get(f"{url}/cookies/set?flavour=oat", allow_redirects=False, stream=True)
        assert "_engine" not in vars(general)
        assert general.content == plain.content
    plain.raw  # noqa: B018 - made on first read, as the general path sets it at once
    plain.headers  # noqa: B018
    plain_fields = set(vars(plain)) - {"_engine"}
    general_fields = set(vars(general))
    assert plain_fields == general_fields
    assert plain.cookies["flavour"] == general.cookies["flavour"] == "oat"
    assert (plain.status_code, plain.reason, plain.encoding, plain.url) == (
        general.status_code,
        general.reason,
        general.encoding,
        general.url,
    )
    assert plain.connection is general.connection
