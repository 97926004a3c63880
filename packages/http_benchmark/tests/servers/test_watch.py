"""ProcessWatch reads a real process tree's CPU time and memory over a window."""

from __future__ import annotations

import subprocess
import sys

from http_benchmark.servers.watch import ProcessWatch

# Busy for a fixed amount of work (not time), holding 64 MiB, then waits to be stopped.
_WORK = """
import sys
block = b"x" * (64 * 2**20)  # written, so resident
total = 0
for i in range(3_000_000):
    total += i
print("done", flush=True)
sys.stdin.read()
"""


def test_cpu_and_peak_memory_of_a_child() -> None:
    with subprocess.Popen(
        [sys.executable, "-c", _WORK], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    ) as child:
        try:
            with ProcessWatch(child.pid, interval=0.01) as watch:
                assert child.stdout is not None
                assert child.stdout.readline().strip() == "done"
        finally:
            child.kill()
    result = watch.result
    assert result is not None
    assert result.cpu_seconds > 0
    assert result.rss_peak >= result.rss_end >= 64 * 2**20
    assert result.rss_peak >= result.rss_start


def test_a_gone_process_reads_as_zero() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    with ProcessWatch(child.pid) as watch:
        pass
    assert watch.result is not None
    assert (watch.result.cpu_seconds, watch.result.rss_peak) == (0.0, 0)
