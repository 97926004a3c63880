"""Servers on loopback for the tests (httpbin and the benchmark app, each in a thread), and
stored runs with known numbers (`store_run`)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from http_benchmark.metrics import summarize
from http_benchmark.models import CellKey, CellMode, ResourceMetrics, RoundSample
from http_benchmark.server_app import app as bench_app
from http_benchmark.storage import Storage
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


ENVIRONMENT: dict[str, Any] = {
    "cpu": "Test CPU @ 2.80GHz",
    "cpus": 2,
    "memory_bytes": 4 * 2**30,
    "implementation": "CPython",
    "server": {"kind": "local httpy process", "url": "http://127.0.0.1:1"},
    "clients": {"requests": {"version": "2.32.5"}, "httpx": {"version": "0.28.1"}},
}


def _store_run(
    storage: Storage,
    name: str,
    medians: dict[str, float],
    *,
    environment: dict[str, Any] | None = None,
    configuration: dict[str, Any] | None = None,
    mode: CellMode = "sync",
    scenario: str = "sweep",
) -> int:
    """A finished run with one cell per client, 5 rounds within 2 % of its median."""
    run_id = storage.create_run(
        name, {"rounds": 5, **(configuration or {})}, environment or ENVIRONMENT, "abc1234"
    )
    for client, median in medians.items():
        key = CellKey(scenario=scenario, client=client, mode=mode, concurrency=1)
        cell = storage.add_cell(run_id, key, 5)
        samples = [
            RoundSample(
                round=n, ok=100, elapsed=1, requests_per_second=median * (1 + 0.01 * (n - 3)),
                latency=None,
                resources=ResourceMetrics(cpu_us_per_request=1, rss_start=1, rss_peak=1,
                                          rss_growth=0, rss_peak_method="test"),
            )
            for n in range(1, 6)
        ]  # fmt: skip
        for sample in samples:
            storage.add_sample(cell, sample)
        storage.finish_cell(cell, summarize(key, samples, rounds_planned=5, ceiling=None))
    storage.finish_run(run_id, "finished")
    return run_id


@pytest.fixture
def store_run() -> Callable[..., int]:
    """Writes a finished run through Storage, as a real run does: see `_store_run`."""
    return _store_run
