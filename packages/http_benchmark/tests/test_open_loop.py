"""Open loop: a fixed schedule, latency from the scheduled time, HDR histograms."""

from __future__ import annotations

import time

import pytest

from http_benchmark.models import HTTPRequest
from http_benchmark.open_loop import (
    Schedule,
    decode_histogram,
    histogram_percentiles,
    new_histogram,
    percentile_curve,
)
from http_benchmark.worker import WorkerJob, _run_sync_phase, run_job
from httpy.testing import RunningServer


def test_the_schedule_hands_out_due_times_at_the_rate() -> None:
    now = [10.0]
    schedule = Schedule(rate=4, total=3, clock=lambda: now[0])
    assert [schedule.next_due(), schedule.next_due(), schedule.next_due()] == [10.0, 10.25, 10.5]
    assert schedule.next_due() is None
    assert schedule.is_late(10.25, 10.6)  # more than one interval (0.25 s) behind
    assert not schedule.is_late(10.25, 10.4)
    with pytest.raises(ValueError, match="more than 0"):
        Schedule(rate=0, total=1)


class _SlowSession:
    """Answers after 50 ms: slower than the schedule's 10 ms interval."""

    def send(self) -> tuple[int, int]:
        time.sleep(0.05)
        return 200, 0

    def close(self) -> None:
        return None


def test_latency_counts_from_the_scheduled_time_not_the_send() -> None:
    # 20 requests due every 10 ms on one sender that needs 50 ms each: request i cannot start
    # before i * 50 ms but was due at i * 10 ms, so its latency is at least i * 40 + 50 ms.
    # A closed loop would report 50 ms for all of them (coordinated omission).
    request = HTTPRequest(url="http://127.0.0.1/", expected_length=0)
    schedule = Schedule(rate=100, total=20)
    (tally,) = _run_sync_phase(_SlowSession(), request, 1, schedule, record=True)
    assert tally.ok == 20
    assert tally.histogram is not None
    assert tally.histogram.get_total_count() == 20
    assert tally.histogram.get_max_value() >= (19 * 40 + 50) * 1000  # microseconds
    assert tally.late >= 15  # all but the first few started more than 10 ms late


def test_histogram_percentiles_and_curve() -> None:
    histogram = new_histogram()
    for value in range(1, 10_001):  # 1 us .. 10 ms, uniformly
        histogram.record_value(value)
    points = histogram_percentiles(histogram)
    assert list(points) == ["50", "90", "99", "99.9", "99.99", "100"]
    assert points["50"] == pytest.approx(5.0, rel=0.01)
    assert points["99.99"] == pytest.approx(10.0, rel=0.01)
    curve = percentile_curve(histogram)
    assert curve[0][0] == 0.0
    assert curve[-1][0] == 100.0
    assert curve[-1][1] == pytest.approx(10.0, rel=0.01)
    assert [ms for _, ms in curve] == sorted(ms for _, ms in curve)
    assert histogram_percentiles(new_histogram()) == {}


def test_an_open_loop_round_against_a_server(bench_server: RunningServer) -> None:
    request = HTTPRequest(url=bench_server.url + "/payload/64", expected_length=64)
    job = WorkerJob(client="httpx", mode="async", request=request, concurrency=4, requests=60,
                    warmup=5, timeout=10, rate=300)  # fmt: skip
    outcome = run_job(job)
    assert outcome.status == "ok", outcome.reason
    sample = outcome.sample
    assert sample is not None
    assert sample.open_loop is not None
    assert sample.open_loop.target_rate == 300
    assert sample.open_loop.sent == 60
    assert sample.ok == 60
    assert set(sample.open_loop.percentiles) == {"50", "90", "99", "99.9", "99.99", "100"}
    assert decode_histogram(sample.open_loop.histogram).get_total_count() == 60
    assert sample.latency is not None
    assert sample.latency.p9999 == sample.open_loop.percentiles["99.99"]


def test_an_open_loop_sync_round_by_duration(bench_server: RunningServer) -> None:
    request = HTTPRequest(url=bench_server.url + "/payload/64", expected_length=64)
    job = WorkerJob(client="requests", mode="sync", request=request, concurrency=2,
                    duration=0.2, warmup=2, timeout=10, rate=100)  # fmt: skip
    sample = run_job(job).sample
    assert sample is not None
    assert sample.open_loop is not None
    assert sample.open_loop.sent == 20  # 0.2 s at 100/s, whatever the answers did


def test_an_open_loop_round_gets_the_time_its_schedule_needs() -> None:
    from http_benchmark.runner import _worker_timeout  # noqa: PLC0415 - the rule itself

    request = HTTPRequest(url="http://127.0.0.1/")
    slow = WorkerJob(client="httpx", mode="sync", request=request, concurrency=1,
                     requests=1000, rate=1)  # fmt: skip
    assert _worker_timeout(slow) > 1000  # 1000 requests at 1/s take 1000 s by definition
