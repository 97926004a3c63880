"""`_requestx.Call`: the one prepared-request object every engine entry takes.

Its parts are checked when Python makes it (a bad method, header or timeout is a typed error
before anything is sent), and one Call can be sent again, as a retry does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

import requestx
from httpy.httpbin import app
from httpy.testing import serve_in_thread
from requestx import _requestx


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with serve_in_thread(app) as server:
        yield server.url


def test_bad_parts_are_typed_errors_when_the_call_is_made() -> None:
    with pytest.raises(requestx.exceptions.InvalidURL, match="method"):
        _requestx.Call("GE T", "http://127.0.0.1/", [])
    with pytest.raises(requestx.exceptions.InvalidHeader, match="X-Bad"):
        _requestx.Call("GET", "http://127.0.0.1/", [(b"X-Bad", b"a\r\nb")])
    with pytest.raises(ValueError, match="non-negative"):
        _requestx.Call("GET", "http://127.0.0.1/", [], None, -1.0)


def test_a_call_shows_what_a_retry_decision_reads() -> None:
    call = _requestx.Call("POST", "http://127.0.0.1/x", [(b"A", b"1")], b"body", 2.0, 1.0)
    assert (call.method, call.url, call.body) == ("POST", "http://127.0.0.1/x", b"body")
    lines = _requestx.HeaderLines([(b"A", b"1")])
    assert _requestx.Call("GET", "http://127.0.0.1/", lines).body is None


def test_one_call_is_sent_again_and_by_each_entry(url: str) -> None:
    client = _requestx.Client()
    headers = [(b"X-Sent", b"again")]
    call = _requestx.Call("POST", f"{url}/post", headers, b"payload", 5.0, 5.0)
    for _ in range(2):  # the sync entry, twice with the same call (as a retry sends it)
        raw = client.send(call)
        assert raw.status == 200
        assert b'"data":"payload"' in raw.take_content().replace(b" ", b"")
    streamed = client.send(call, True)
    assert streamed.is_streamed

    async def main() -> int:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[_requestx.RawResponse] = loop.create_future()
        completions = _requestx.Completions()
        loop.add_reader(completions.fileno(), completions.drain)
        try:
            client.submit(completions, future, call)
            return (await future).status
        finally:
            loop.remove_reader(completions.fileno())

    assert asyncio.run(main()) == 200
    streamed.close()
