"""The process-wide mode: `set_default_mode` / `REQUESTX_MODE` decide what "auto" means,
and an auto call's coroutine that is never awaited warns, naming those knobs."""

from __future__ import annotations

import asyncio
import gc
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

import requestx
from httpy.httpbin import app
from httpy.testing import serve_in_thread


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with serve_in_thread(app) as server:
        yield server.url


@pytest.fixture(autouse=True)
def auto_again() -> Iterator[None]:
    yield
    requestx.set_default_mode("auto")


def test_sync_default_gives_responses_on_a_loops_thread(url: str) -> None:
    requestx.set_default_mode("sync")
    assert requestx.get_default_mode() == "sync"

    async def notebook_cell() -> list[int]:
        with requestx.Session() as session:
            return [requestx.get(f"{url}/get").status_code, session.get(f"{url}/get").status_code]

    assert asyncio.run(notebook_cell()) == [200, 200]


def test_async_default_gives_awaitables_without_a_loop(url: str) -> None:
    requestx.set_default_mode("async")
    pending = requestx.get(f"{url}/get")
    assert asyncio.iscoroutine(pending)

    async def wait() -> int:
        response: requestx.Response = await pending
        return response.status_code

    assert asyncio.run(wait()) == 200


def test_an_explicit_mode_still_wins(url: str) -> None:
    requestx.set_default_mode("sync")

    async def main() -> int:
        async with requestx.Session(mode="async") as session:
            response: requestx.Response = await session.get(f"{url}/get")
            return response.status_code

    assert asyncio.run(main()) == 200
    assert requestx.sync.get(f"{url}/get").status_code == 200


def test_a_bad_mode_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="mode must be one of"):
        requestx.set_default_mode("threaded")
    assert requestx.get_default_mode() == "auto"


def test_auto_calls_still_give_coroutines_a_task_can_run(url: str) -> None:
    async def main() -> int:
        task = asyncio.create_task(requestx.get(f"{url}/get"))
        response: requestx.Response = await task
        return response.status_code

    assert asyncio.run(main()) == 200


def test_a_never_awaited_auto_call_warns_and_names_the_knob(url: str) -> None:
    async def forgetful() -> None:
        requestx.get(f"{url}/get")  # a sync habit inside a loop: nothing is sent
        with requestx.Session() as session:
            session.get(f"{url}/get")
        gc.collect()

    with pytest.warns(RuntimeWarning) as caught:
        asyncio.run(forgetful())
    ours = [str(w.message) for w in caught if "set_default_mode('sync')" in str(w.message)]
    assert len(ours) == 2
    assert all("REQUESTX_MODE=sync" in message for message in ours)


def _run_with_mode(value: str, code: str, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "REQUESTX_MODE": value}
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True, text=True, timeout=60, check=False, env=environment,
    )  # fmt: skip


def test_the_environment_variable_sets_the_default(url: str) -> None:
    code = (
        "import asyncio, sys, requestx\n"
        "async def cell():\n"
        "    return requestx.get(sys.argv[1]).status_code\n"
        "print(requestx.get_default_mode(), asyncio.run(cell()))\n"
    )
    result = _run_with_mode("sync", code, f"{url}/get")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["sync", "200"]


def test_a_bad_environment_variable_is_a_clear_error() -> None:
    result = _run_with_mode("turbo", "import requestx")
    assert result.returncode != 0
    assert "REQUESTX_MODE must be one of auto, sync, async; got 'turbo'" in result.stderr
