"""The real CLI in a subprocess, for end-to-end tests of startup, signals and workers."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).parent
# `--workers N` forks its workers; Windows has no fork() (httpy says so and exits, see the
# README's "Run it"): the tests of several workers run where fork exists.
needs_fork = pytest.mark.skipif(
    not hasattr(os, "fork"), reason="--workers forks its workers: this platform has no fork()"
)
_LISTENING = re.compile(r"(?:serving on https?://|workers on )[\d.]+:(\d+)")


@dataclass
class ServerProcess:
    process: subprocess.Popen[str]
    port: int
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8")

    def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM (graceful shutdown), then the exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)


@contextmanager
def running_cli(
    tmp_path: Path, *args: str, startup_timeout: float = 15.0
) -> Iterator[ServerProcess]:
    """`python -m httpy run ... --port 0`, up once its log names the port; killed at the end."""
    log_path = tmp_path / f"server-{time.monotonic_ns()}.log"
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "httpy", "run", *args, "--host", "127.0.0.1", "--port", "0"],
            cwd=HERE,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            yield ServerProcess(
                process, _wait_for_port(process, log_path, startup_timeout), log_path
            )
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()


def _wait_for_port(process: subprocess.Popen[str], log_path: Path, timeout: float) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = _LISTENING.search(log_path.read_text(encoding="utf-8"))
        if found:
            return int(found.group(1))
        if process.poll() is not None:
            break
        time.sleep(0.05)
    raise RuntimeError(f"server did not start:\n{log_path.read_text(encoding='utf-8')}")
