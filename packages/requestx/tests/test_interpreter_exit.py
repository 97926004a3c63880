"""The engine's threads must never outlive the interpreter: exit is clean after async work."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
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


INTERRUPTED = """
import sys, time
import requestx

print("ready", flush=True)
try:
    requestx.get(sys.argv[1] + "delay/5")
except KeyboardInterrupt:
    print("interrupted", flush=True)
"""


def test_ctrl_c_interrupts_a_waiting_request(url: str) -> None:
    process = subprocess.Popen(
        [sys.executable, "-c", INTERRUPTED, url], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    time.sleep(0.5)  # the request is waiting on the server now
    process.send_signal(signal.SIGINT)
    try:
        # The server answers after 5 s: finishing before that means the wait was interrupted.
        output, _ = process.communicate(timeout=3)
    finally:
        process.kill()
    assert output.strip() == "interrupted"
