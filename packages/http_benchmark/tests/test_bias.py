"""The biases issue #18 names, each fixed and checked: probe sessions, the harness's own cost,
--retries, run names, credentials in the database, and clients that fail fast."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import urllib3

from http_benchmark import worker
from http_benchmark.adapters.httpx_adapter import HttpxAdapter
from http_benchmark.adapters.requests_adapter import connect_only_retry
from http_benchmark.config import BenchmarkConfiguration
from http_benchmark.metrics import summarize
from http_benchmark.models import CellKey, HTTPRequest, ResourceMetrics, RoundSample, Verdict
from http_benchmark.redaction import redact_headers
from http_benchmark.runner import Runner, measure_harness_overhead
from http_benchmark.server import ExternalServer
from http_benchmark.storage import Storage
from http_benchmark.worker import WorkerJob, run_job
from httpy.testing import RunningServer


def test_throwaway_sessions_run_after_the_timed_part(
    bench_server: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The connect-time and protocol probes open sessions of their own; whatever memory they
    # leave in the allocator must not be in the timed part's RSS and peak.
    events: list[str] = []

    def logged(name: str, original: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            events.append(name)
            return original(*args, **kwargs)

        return wrapper

    monkeypatch.setattr(worker._Meter, "start", logged("meter start", worker._Meter.start))
    monkeypatch.setattr(worker._Meter, "stop", logged("meter stop", worker._Meter.stop))
    for method in ("connect_ms_sync", "http_version_sync"):
        monkeypatch.setattr(HttpxAdapter, method, logged(method, getattr(HttpxAdapter, method)))
    request = HTTPRequest(url=bench_server.url + "/payload/64", expected_length=64)
    outcome = run_job(WorkerJob(client="httpx", mode="sync", request=request, concurrency=1,
                                requests=10, warmup=2, timeout=10))  # fmt: skip
    assert outcome.status == "ok", outcome.reason
    assert events[:2] == ["meter start", "meter stop"]
    assert set(events[2:]) == {"connect_ms_sync", "http_version_sync"}


def test_harness_overhead_is_measured_in_a_fresh_pinned_worker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    commands: list[list[str]] = []
    real_run = subprocess.run

    def spy(command: list[str], *args: Any, **kwargs: Any) -> Any:
        commands.append(list(command))
        return real_run(command, *args, **kwargs)

    monkeypatch.setattr("http_benchmark.runner.subprocess.run", spy)
    monkeypatch.setattr("http_benchmark.runner.pinned", lambda c, cpu, enabled: ["taskset", "-c",
                        str(cpu), *c] if enabled else c)  # fmt: skip
    overhead = measure_harness_overhead(["sync"], [1])
    assert set(overhead) == {"sync/c1"}
    assert overhead["sync/c1"] > 0
    (command,) = commands
    assert command[:3] == ["taskset", "-c", "1"]
    assert command[-2:] == ["-m", "http_benchmark.worker"]


def test_retries_mean_connect_only_where_a_client_can_and_are_marked_elsewhere(
    bench_server: RunningServer, tmp_path: Path
) -> None:
    retry = connect_only_retry(urllib3.Retry, 3)
    assert (retry.total, retry.connect, retry.read, retry.status, retry.redirect) == (3, 3, 0, 0, 0)
    assert connect_only_retry(urllib3.Retry, 0) == 0
    config = BenchmarkConfiguration.load(
        url=bench_server.url + "/payload/8", clients=["httpx", "aiohttp", "aresilient",
        "requests"], modes=["sync", "async"], retries=2, db=tmp_path / "r.db",
    )  # fmt: skip
    with Storage(config.db) as storage:
        cells = Runner(config, storage, server=ExternalServer(bench_server.url)).plan(
            bench_server.url
        )
    notes = {cell.key.client: cell.note for cell in cells}
    assert notes == {
        "httpx": None,
        "requests": None,
        "aiohttp": "no retries (client has none)",
        "aresilient": "retries answers 429/5xx and errors, with backoff",
    }


def test_credentials_in_headers_are_not_stored_in_clear(
    bench_server: RunningServer, tmp_path: Path
) -> None:
    secret = "Bearer s3cr3t-t0ken-value"  # noqa: S105 - a fake credential to look for
    config = BenchmarkConfiguration.load(
        url=bench_server.url + "/payload/8", clients=["httpx"], rounds=1, requests=5,
        warmup=1, ceiling="off", pin_cpus=False, db=tmp_path / "runs.db",
        headers=[f"Authorization: {secret}", "X-Api-Key: k3y-value", "X-Trace: visible"],
    )  # fmt: skip
    with Storage(config.db) as storage:
        run = Runner(config, storage, server=ExternalServer(bench_server.url)).run()
    assert run.results[0].status == "ok"
    headers = run.run.configuration["headers"]
    assert headers["Authorization"] == f"<redacted: {len(secret)} characters>"
    assert headers["X-Trace"] == "visible"
    for path in tmp_path.iterdir():  # the database, its WAL and anything else written
        data = path.read_bytes()
        assert b"s3cr3t" not in data
        assert b"k3y-value" not in data
    assert redact_headers({"Cookie": "a=b", "Accept": "*/*"}) == {
        "Cookie": "<redacted: 3 characters>",
        "Accept": "*/*",
    }


def _round(ok: int, errors: dict[str, int], rps: float) -> RoundSample:
    return RoundSample(
        round=1, ok=ok, errors=errors, elapsed=1.0, requests_per_second=rps, latency=None,
        resources=ResourceMetrics(cpu_us_per_request=1, rss_start=1, rss_peak=1,
                                  rss_growth=0, rss_peak_method="t"),
    )  # fmt: skip


def test_a_client_cannot_look_faster_by_failing() -> None:
    key = CellKey(scenario="s", client="c", mode="sync", concurrency=1)
    samples = [_round(900, {"ReadTimeout": 100}, 9000.0) for _ in range(3)]
    result = summarize(key, samples, rounds_planned=3, ceiling=None)
    assert result.error_rate == pytest.approx(0.1)
    assert result.verdict is Verdict.ERRORS
    clean = summarize(key, [_round(1000, {}, 1000.0 + i) for i in range(3)], rounds_planned=3,
                      ceiling=None)  # fmt: skip
    assert clean.error_rate == 0.0
    assert clean.verdict is not Verdict.ERRORS


def test_failed_requests_keep_their_time_to_failure() -> None:
    import socket  # noqa: PLC0415

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = HTTPRequest(url=f"http://127.0.0.1:{port}/")
    sample = run_job(WorkerJob(client="httpx", mode="sync", request=request, concurrency=1,
                               requests=4, warmup=0, timeout=5)).sample  # fmt: skip
    assert sample is not None
    assert sample.errors == {"ConnectError": 4}
    assert sample.error_rate == 1.0
    assert sample.failure_latency is not None
    assert 0 < sample.failure_latency.p50 <= sample.failure_latency.max
