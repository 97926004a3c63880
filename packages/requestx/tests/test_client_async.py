"""requestx inside a running asyncio loop: the same names return awaitables."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

import pytest

import requestx
from httpy.httpbin import app
from httpy.testing import serve_in_thread

T = TypeVar("T")


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with serve_in_thread(app) as server:
        yield server.url


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


def test_module_functions_are_awaitable_inside_a_loop(url: str) -> None:
    async def main() -> requestx.Response:
        pending = requestx.get(f"{url}/get", params={"q": "async"})
        assert asyncio.iscoroutine(pending)
        response: requestx.Response = await pending
        return response

    response = run(main())
    assert isinstance(response, requestx.Response)
    assert response.json()["args"] == {"q": "async"}


def test_outside_a_loop_the_same_call_is_synchronous(url: str) -> None:
    assert isinstance(requestx.get(f"{url}/get"), requestx.Response)


def test_many_requests_run_concurrently_on_one_session(url: str) -> None:
    async def main() -> tuple[list[int], float]:
        async with requestx.Session() as session:
            started = time.monotonic()
            responses = await asyncio.gather(*(session.get(f"{url}/delay/0.5") for _ in range(8)))
            return [r.status_code for r in responses], time.monotonic() - started

    statuses, elapsed = run(main())
    assert statuses == [200] * 8
    # Eight half-second requests, concurrent: far less than the four seconds of a queue.
    assert elapsed < 3


def test_async_post_redirects_and_cookies(url: str) -> None:
    async def main() -> None:
        async with requestx.Session() as session:
            posted = await session.post(f"{url}/post", json={"x": 1})
            assert posted.json()["json"] == {"x": 1}
            redirected = await session.get(f"{url}/redirect/2")
            assert [r.status_code for r in redirected.history] == [302, 302]
            await session.get(f"{url}/cookies/set", params={"k": "v"})
            assert (await session.get(f"{url}/cookies")).json()["cookies"] == {"k": "v"}

    run(main())


def test_async_streaming(url: str) -> None:
    async def main() -> int:
        response = await requestx.get(f"{url}/stream-bytes/30000", stream=True)
        total = 0
        async for chunk in response.aiter_content(chunk_size=1000):
            total += len(chunk)
        await response.aclose()
        return total

    assert run(main()) == 30000


def test_async_errors_are_the_same_exceptions(url: str) -> None:
    async def main() -> None:
        with pytest.raises(requestx.ReadTimeout):
            await requestx.get(f"{url}/delay/2", timeout=0.3)
        session = requestx.Session()
        session.max_redirects = 1
        with pytest.raises(requestx.TooManyRedirects):
            await session.get(f"{url}/redirect/3")

    run(main())


def test_cancelling_an_awaited_request(url: str) -> None:
    async def main() -> None:
        async with requestx.Session() as session:
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(session.get(f"{url}/delay/3"), timeout=0.3)
            # The session still works after a cancelled request.
            assert (await session.get(f"{url}/get")).status_code == 200

    started = time.monotonic()
    run(main())
    assert time.monotonic() - started < 2.5


def test_sync_namespace_forces_a_response_inside_a_loop(url: str) -> None:
    async def main() -> requestx.Response:
        return requestx.sync.get(f"{url}/get")  # type: ignore[no-any-return]

    assert isinstance(run(main()), requestx.Response)


def test_aio_namespace_forces_an_awaitable(url: str) -> None:
    pending = requestx.aio.get(f"{url}/get")
    assert asyncio.iscoroutine(pending)
    response = run(pending)
    assert isinstance(response, requestx.Response)
    assert isinstance(requestx.sync.Session().get(f"{url}/get"), requestx.Response)
