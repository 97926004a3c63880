"""One round in-process (`run_job`) and in a subprocess: counting, checking, errors by type."""

from __future__ import annotations

import socket

import pytest

from http_benchmark.models import HTTPRequest
from http_benchmark.runner import run_worker_process
from http_benchmark.worker import WorkerJob, run_job
from httpy.testing import RunningServer


def _job(url: str, **changes: object) -> WorkerJob:
    values: dict[str, object] = {
        "client": "urllib3",
        "mode": "sync",
        "request": HTTPRequest(url=url, expected_length=64),
        "concurrency": 2,
        "requests": 60,
        "warmup": 5,
    }
    values.update(changes)
    return WorkerJob.model_validate(values)


@pytest.mark.parametrize(
    ("client", "mode", "concurrency"),
    [("urllib3", "sync", 1), ("requests", "sync", 4), ("httpx", "async", 4),
     ("aiohttp", "async", 1), ("requestx", "async", 3)],
)  # fmt: skip
def test_counts_exactly_the_requests_asked(
    bench_server: RunningServer, client: str, mode: str, concurrency: int
) -> None:
    job = _job(bench_server.url + "/payload/64", client=client, mode=mode, concurrency=concurrency)
    outcome = run_job(job)
    assert outcome.status == "ok", outcome.reason
    sample = outcome.sample
    assert sample is not None
    assert (sample.ok, sample.errors) == (60, {})
    assert sample.requests_per_second == pytest.approx(60 / sample.elapsed)
    assert sample.latency is not None
    assert 0 < sample.latency.p50 <= sample.latency.p99 <= sample.latency.max
    assert sample.resources.cpu_us_per_request > 0
    assert sample.resources.rss_peak >= sample.resources.rss_start > 0


def test_wrong_status_is_an_error_by_type_never_throughput(httpbin: RunningServer) -> None:
    job = _job(httpbin.url + "/status/503", request=HTTPRequest(url=httpbin.url + "/status/503"))
    sample = run_job(job).sample
    assert sample is not None
    assert sample.ok == 0
    assert sample.errors == {"status-503": 60}
    assert sample.requests_per_second == 0
    assert sample.latency is None


def test_wrong_body_length_is_an_error(bench_server: RunningServer) -> None:
    job = _job(bench_server.url + "/payload/65")  # expects 64
    sample = run_job(job).sample
    assert sample is not None
    assert (sample.ok, sample.errors) == (0, {"body-length": 60})


def test_half_failing_server_counts_only_the_good_half(httpbin: RunningServer) -> None:
    # httpbin picks 200 or 500 at random per request; only the 200s are throughput.
    request = HTTPRequest(url=httpbin.url + "/status/200,500")
    sample = run_job(_job("", request=request, requests=200)).sample
    assert sample is not None
    assert sample.ok + sample.errors["status-500"] == 200
    assert 40 < sample.ok < 160
    assert sample.requests_per_second == pytest.approx(sample.ok / sample.elapsed)


def test_connection_refused_is_counted_by_exception_type() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = HTTPRequest(url=f"http://127.0.0.1:{port}/")
    sample = run_job(_job("", request=request, requests=5, warmup=0, client="httpx")).sample
    assert sample is not None
    assert sample.ok == 0
    assert sample.errors == {"ConnectError": 5}


def test_duration_mode_runs_for_the_duration(bench_server: RunningServer) -> None:
    job = _job(bench_server.url + "/payload/64", requests=None, duration=0.3)
    sample = run_job(job).sample
    assert sample is not None
    assert 0.3 <= sample.elapsed < 1.5
    assert sample.ok > 0


def test_unsupported_mode_is_an_unavailable_outcome(bench_server: RunningServer) -> None:
    outcome = run_job(_job(bench_server.url + "/payload/64", client="requests", mode="async"))
    assert outcome.status == "unavailable"
    assert outcome.reason == "requests has no async mode (it supports: sync)"


def test_subprocess_worker_returns_the_same_record(bench_server: RunningServer) -> None:
    outcome = run_worker_process(_job(bench_server.url + "/payload/64", round=3), pin=False)
    assert outcome.status == "ok", outcome.reason
    assert outcome.sample is not None
    assert (outcome.sample.round, outcome.sample.ok) == (3, 60)
