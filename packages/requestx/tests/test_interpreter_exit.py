"""The engine's threads must never outlive the interpreter: exit is clean after async work."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import pytest

from httpy.httpbin import app
from httpy.testing import serve_in_thread

SCRIPT = """
import asyncio, sys
import requestx

async def main():
    for _ in range(10):
        responses = await asyncio.gather(*(requestx.get(sys.argv[1]) for _ in range(32)))
        assert all(r.status_code == 200 for r in responses)
    # Left in flight on purpose: exit must still be clean.
    asyncio.ensure_future(requestx.get(sys.argv[1] + "delay/1"))

asyncio.run(main())
"""


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with serve_in_thread(app) as server:
        yield server.url + "/"


@pytest.mark.parametrize("attempt", range(3))
def test_exit_after_concurrent_async_requests_is_clean(url: str, attempt: int) -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, url], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
