"""The engine's threads must never outlive the interpreter: exit is clean after async work."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest

import httpy
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


# The child installs Python's own Ctrl-C handler itself: a process started in the background
# by a non-interactive shell (as a CI job may be) inherits SIGINT ignored, and Python then
# leaves it ignored.
INTERRUPTED = """
import signal
import sys
import requestx

signal.signal(signal.SIGINT, signal.default_int_handler)

try:
    requestx.get(sys.argv[1])
except KeyboardInterrupt:
    print("interrupted", flush=True)
"""

# A request that is never answered while the test runs: it arrives (`arrived` is set), then
# waits for `release`. No timing decides the outcome: the client can only finish by being
# interrupted.
arrived = threading.Event()
release = threading.Event()
hanging = httpy.App()


@hanging.get("/hang")
async def hang(request: httpy.Request) -> str:
    arrived.set()
    await asyncio.to_thread(release.wait, 120)  # a thread waits, the server's loop does not
    return "too late"


def test_ctrl_c_interrupts_a_waiting_request() -> None:
    arrived.clear()
    release.clear()
    with serve_in_thread(hanging) as server:
        process = subprocess.Popen(
            [sys.executable, "-c", INTERRUPTED, server.url + "/hang"],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert arrived.wait(60), "the request never reached the server"
            process.send_signal(signal.SIGINT)
            output, _ = process.communicate(timeout=60)
        finally:
            process.kill()
            release.set()
    assert output.strip() == "interrupted"


FORK_SCRIPT = """
import asyncio, os, sys, warnings
import requestx

warnings.simplefilter("ignore", DeprecationWarning)  # fork() with the engine's threads alive
url = sys.argv[1]


async def fetch():
    return await requestx.get(url)


session = requestx.Session()
assert session.get(url).status_code == 200              # this thread's engine and pool
assert asyncio.run(fetch()).status_code == 200  # the shared runtime
pid = os.fork()
if pid == 0:
    try:
        assert session.get(url).status_code == 200
        assert asyncio.run(fetch()).status_code == 200
    except BaseException as error:
        print("child failed:", repr(error), flush=True)
        os._exit(1)
    os._exit(0)
_, status = os.waitpid(pid, 0)
assert session.get(url).status_code == 200  # the parent's pools still work
print("child exit", os.waitstatus_to_exitcode(status))
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork() is POSIX only")
def test_a_forked_child_builds_its_own_engine(url: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", FORK_SCRIPT, f"{url}get"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "child exit 0" in result.stdout, result.stdout + result.stderr
