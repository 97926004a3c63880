"""Servers on loopback for the tests: httpbin and the benchmark app, each in a thread."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from http_benchmark.server_app import app as bench_app
from httpy.httpbin import app as httpbin_app
from httpy.testing import RunningServer, serve_in_thread


@pytest.fixture(scope="session")
def httpbin() -> Iterator[RunningServer]:
    with serve_in_thread(httpbin_app) as server:
        yield server


@pytest.fixture(scope="session")
def bench_server() -> Iterator[RunningServer]:
    with serve_in_thread(bench_app) as server:
        yield server


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # Test traffic goes to 127.0.0.1 only, whatever the machine's proxy settings say.
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
