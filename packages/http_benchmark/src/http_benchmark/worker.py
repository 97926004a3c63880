"""One round of one cell in a fresh process: `python -m http_benchmark.worker < job.json`.

The process imports only the client it measures, opens one session, measures the connect time
(where the client exposes it) on a separate instrumented session, warms up, then times the
counted requests: `concurrency` threads (sync) or asyncio tasks (async) sharing that session.
Every response is checked; failures are counted by type and never as throughput. The last line
on stdout is a `WorkerOutcome` as JSON.

`run_job` is the same code in-process: the harness-overhead measurement calls it directly.
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import json
import re
import resource
import statistics
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import psutil
from hdrh.histogram import HdrHistogram
from pydantic import BaseModel

from http_benchmark.adapters import (
    AsyncSession,
    ClientAdapter,
    ClientUnavailableError,
    FairSettings,
    SyncSession,
    UnsupportedModeError,
    UnsupportedProtocolError,
    get_adapter,
)
from http_benchmark.latency import latency_summary
from http_benchmark.models import HTTPRequest, Mode, OpenLoopRound, ResourceMetrics, RoundSample
from http_benchmark.open_loop import Schedule, histogram_percentiles, new_histogram
from http_benchmark.protocols import describe, wire_version

__all__ = ["ProtocolMismatchError", "WorkerJob", "WorkerOutcome", "availability", "main", "run_job"]

#: Fresh connections timed per round, where the client exposes connect time.
CONNECT_PROBES = 3


class WorkerJob(BaseModel):
    client: str
    mode: Mode
    request: HTTPRequest
    concurrency: int
    #: Counted requests, or seconds of counted requests (exactly one is set).
    requests: int | None = None
    duration: float | None = None
    warmup: int = 0
    timeout: float = 30.0
    #: True (system CAs), a CA bundle's path (the run's own CA), or False (`--no-verify`).
    verify: bool | str = True
    retries: int = 0
    round: int = 1
    measure_connect: bool = True
    #: Open loop: requests per second on a fixed schedule (None: closed loop, as fast as the
    #: answers come). The round sends `requests`, or `duration` seconds' worth at this rate.
    rate: float | None = None
    #: Check the protocol one response came with against the request's (skipped for `null`).
    check_protocol: bool = True
    #: Connections the pool may hold; None: one per request in flight (`concurrency`).
    connections: int | None = None


class WorkerOutcome(BaseModel):
    status: Literal["ok", "unavailable", "failed"]
    reason: str | None = None
    sample: RoundSample | None = None


class _Tally:
    """One thread's (or the loop's) results; merged after the timed part, so no locking."""

    def __init__(self, request: HTTPRequest, *, record: bool) -> None:
        self.latencies: list[float] = []
        self.failure_latencies: list[float] = []
        self.errors: Counter[str] = Counter()
        self.ok = 0
        self.late = 0
        self.histogram: HdrHistogram | None = None
        self._record = record
        self._status = request.expected_status
        self._length = request.expected_length

    def check(self, status: int, length: int, seconds: float) -> bool:
        """Count the answer; True when it passed (right status, right length)."""
        if status != self._status:
            self._failed(f"status-{status}", seconds)
            return False
        if self._length is not None and length != self._length:
            self._failed("body-length", seconds)
            return False
        self.ok += 1
        if self._record:
            self.latencies.append(seconds)
        return True

    def fail(self, error: BaseException, seconds: float) -> None:
        self._failed(type(error).__name__, seconds)

    def _failed(self, kind: str, seconds: float) -> None:
        # A failure is kept with its time to failure: failing fast is shown, never hidden.
        self.errors[kind] += 1
        if self._record:
            self.failure_latencies.append(seconds)


class _Merged:
    def __init__(self, tallies: list[_Tally]) -> None:
        self.ok = sum(tally.ok for tally in tallies)
        self.late = sum(tally.late for tally in tallies)
        self.errors: Counter[str] = Counter()
        self.latencies: list[float] = []
        self.failure_latencies: list[float] = []
        for tally in tallies:
            self.errors.update(tally.errors)
            self.latencies.extend(tally.latencies)
            self.failure_latencies.extend(tally.failure_latencies)


# --- the request loops ------------------------------------------------------------------------


def _keep_going(total: int | None, deadline: float | None) -> Callable[[], bool]:
    """A ticket dispenser shared by all threads or tasks: count-limited or time-limited."""
    if total is not None:
        counter = itertools.count()  # next() is atomic under the GIL: no lock per request
        return lambda: next(counter) < total
    assert deadline is not None  # noqa: S101 - one of the two is always set
    return lambda: time.perf_counter() < deadline


def _sync_loop(session: SyncSession, tally: _Tally, more: Callable[[], bool]) -> None:
    clock = time.perf_counter
    while more():
        start = clock()
        try:
            status, length = session.send()
        except Exception as error:  # noqa: BLE001 - every failure is counted by its type
            tally.fail(error, clock() - start)
            continue
        tally.check(status, length, clock() - start)


def _sync_open_loop(session: SyncSession, tally: _Tally, schedule: Schedule) -> None:
    """Sends the requests due in turn; latency from each one's *scheduled* time."""
    clock = time.perf_counter
    histogram = tally.histogram = new_histogram()
    while (due := schedule.next_due()) is not None:
        schedule.wait_sync(due)
        if schedule.is_late(due, clock()):
            tally.late += 1
        try:
            status, length = session.send()
        except Exception as error:  # noqa: BLE001 - every failure is counted by its type
            tally.fail(error, clock() - due)
            continue
        seconds = clock() - due
        if tally.check(status, length, seconds):
            histogram.record_value(max(1, round(seconds * 1e6)))


async def _async_loop(session: AsyncSession, tally: _Tally, more: Callable[[], bool]) -> None:
    clock = time.perf_counter
    while more():
        start = clock()
        try:
            status, length = await session.send()
        except Exception as error:  # noqa: BLE001 - every failure is counted by its type
            tally.fail(error, clock() - start)
            continue
        tally.check(status, length, clock() - start)


async def _async_open_loop(session: AsyncSession, tally: _Tally, schedule: Schedule) -> None:
    clock = time.perf_counter
    histogram = tally.histogram = new_histogram()
    while (due := schedule.next_due()) is not None:
        await schedule.wait_async(due)
        if schedule.is_late(due, clock()):
            tally.late += 1
        try:
            status, length = await session.send()
        except Exception as error:  # noqa: BLE001 - every failure is counted by its type
            tally.fail(error, clock() - due)
            continue
        seconds = clock() - due
        if tally.check(status, length, seconds):
            histogram.record_value(max(1, round(seconds * 1e6)))


def _run_sync_phase(
    session: SyncSession,
    request: HTTPRequest,
    concurrency: int,
    more: Callable[[], bool] | Schedule,
    *,
    record: bool,
) -> list[_Tally]:
    tallies = [_Tally(request, record=record) for _ in range(concurrency)]

    def loop(tally: _Tally) -> None:
        if isinstance(more, Schedule):
            _sync_open_loop(session, tally, more)
        else:
            _sync_loop(session, tally, more)

    if concurrency == 1:
        # Sequential: the calling thread, no thread switch in the way.
        loop(tallies[0])
        return tallies
    threads = [threading.Thread(target=loop, args=(tally,), daemon=True) for tally in tallies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tallies


async def _run_async_phase(
    session: AsyncSession,
    request: HTTPRequest,
    concurrency: int,
    more: Callable[[], bool] | Schedule,
    *,
    record: bool,
) -> list[_Tally]:
    tallies = [_Tally(request, record=record) for _ in range(concurrency)]
    if isinstance(more, Schedule):
        schedule = more
        await asyncio.gather(*(_async_open_loop(session, tally, schedule) for tally in tallies))
    else:
        await asyncio.gather(*(_async_loop(session, tally, more) for tally in tallies))
    return tallies


# --- memory -----------------------------------------------------------------------------------

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


class _PeakRss:
    """Peak resident memory during the timed part.

    On Linux, writing 5 to /proc/self/clear_refs resets VmHWM to the current RSS, so the peak
    is the timed part's own. Elsewhere ru_maxrss is the process's peak so far: a lower bound
    that an earlier peak (imports, warm-up) can hide.
    """

    def __init__(self) -> None:
        self.method = "ru_maxrss"
        try:
            _CLEAR_REFS.write_text("5", encoding="ascii")
            self._status_kib("VmHWM")
            self.method = "VmHWM after reset"
        except OSError:
            pass

    @staticmethod
    def _status_kib(key: str) -> int:
        text = _STATUS.read_text(encoding="ascii")
        match = re.search(rf"^{key}:\s+(\d+) kB", text, re.MULTILINE)
        if match is None:
            raise OSError(f"no {key} in {_STATUS}")
        return int(match.group(1)) * 1024

    def peak(self) -> int:
        if self.method == "VmHWM after reset":
            return self._status_kib("VmHWM")
        scale = 1 if sys.platform == "darwin" else 1024  # macOS reports bytes, Linux KiB
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


class _Meter:
    """Wall time, process CPU time (all threads) and memory around the timed part."""

    def __init__(self) -> None:
        self._process = psutil.Process()

    def start(self) -> None:
        gc.collect()
        self.rss_start = self._process.memory_info().rss
        self.peak = _PeakRss()
        self.cpu_start = time.process_time()
        self.wall_start = time.perf_counter()

    def stop(self) -> None:
        self.elapsed = time.perf_counter() - self.wall_start
        self.cpu = time.process_time() - self.cpu_start
        self.rss_peak = max(self.peak.peak(), self.rss_start)
        self.rss_end = self._process.memory_info().rss

    def resources(self, ok: int) -> ResourceMetrics:
        return ResourceMetrics(
            cpu_us_per_request=self.cpu / ok * 1e6 if ok else 0.0,
            rss_start=self.rss_start,
            rss_peak=self.rss_peak,
            rss_growth=self.rss_end - self.rss_start,
            rss_peak_method=self.peak.method,
        )


class ProtocolMismatchError(RuntimeError):
    """A client answered on another protocol than the cell's (e.g. fell back to HTTP/1.1)."""


def _open_loop_round(
    job: WorkerJob, merged: _Merged, tallies: list[_Tally], elapsed: float
) -> OpenLoopRound | None:
    if job.rate is None:
        return None
    histogram = new_histogram()
    for tally in tallies:
        if tally.histogram is not None:
            histogram.add(tally.histogram)
    return OpenLoopRound(
        target_rate=job.rate,
        sent=merged.ok + sum(merged.errors.values()),
        achieved_rate=merged.ok / elapsed if elapsed > 0 else 0.0,
        late=merged.late,
        percentiles=histogram_percentiles(histogram),
        histogram=histogram.encode().decode("ascii"),
    )


def _sample(
    job: WorkerJob, meter: _Meter, tallies: list[_Tally], connect: float | None
) -> RoundSample:
    merged = _Merged(tallies)
    open_loop = _open_loop_round(job, merged, tallies, meter.elapsed)
    latency = latency_summary(merged.latencies)
    if latency is not None and open_loop is not None:
        latency = latency.model_copy(update={"p9999": open_loop.percentiles.get("99.99")})
    return RoundSample(
        round=job.round,
        ok=merged.ok,
        errors=dict(merged.errors),
        elapsed=meter.elapsed,
        requests_per_second=merged.ok / meter.elapsed if meter.elapsed > 0 else 0.0,
        latency=latency,
        resources=meter.resources(merged.ok),
        connect_ms=connect,
        failure_latency=latency_summary(merged.failure_latencies),
        open_loop=open_loop,
    )


def _settings(job: WorkerJob) -> FairSettings:
    return FairSettings(
        pool_size=job.connections or job.concurrency,
        timeout=job.timeout,
        verify=job.verify,
        retries=job.retries,
    )


def _median_connect(values: list[float | None]) -> float | None:
    present = [value for value in values if value is not None]
    return statistics.median(present) if present else None


def _probe(
    measure: Callable[[HTTPRequest, FairSettings], float | None],
    job: WorkerJob,
    settings: FairSettings,
) -> float | None:
    # A failing probe leaves connect time unknown; the timed requests count the failure.
    try:
        return measure(job.request, settings)
    except Exception:  # noqa: BLE001
        return None


async def _aprobe(adapter: ClientAdapter, job: WorkerJob, settings: FairSettings) -> float | None:
    try:
        return await adapter.connect_ms_async(job.request, settings)
    except Exception:  # noqa: BLE001 - as in _probe
        return None


def _version(
    measure: Callable[[HTTPRequest, FairSettings], int | None], job: WorkerJob
) -> int | None:
    # A probe that fails (the server is down...) leaves the version unknown: the timed
    # requests already counted that failure.
    try:
        return measure(job.request, _settings(job))
    except Exception:  # noqa: BLE001
        return None


async def _aversion(adapter: ClientAdapter, job: WorkerJob) -> int | None:
    try:
        return await adapter.http_version_async(job.request, _settings(job))
    except Exception:  # noqa: BLE001 - as in _version
        return None


def _check_version(job: WorkerJob, version: int | None) -> None:
    expected = wire_version(job.request.protocol)
    if version is not None and version != expected:
        raise ProtocolMismatchError(
            f"{job.client} answered over HTTP/{version / 10:g}, not HTTP/{expected / 10:g} "
            f"({describe(job.request.protocol)})"
        )


def _load(job: WorkerJob) -> Callable[[], bool] | Schedule:
    """What the timed part sends: a count or a deadline (closed loop), or a schedule."""
    if job.rate is not None:
        total = job.requests if job.requests is not None else round(job.rate * (job.duration or 0))
        return Schedule(job.rate, max(total, 1))
    deadline = None if job.duration is None else time.perf_counter() + job.duration
    return _keep_going(job.requests, deadline)


# The throwaway sessions (connect time, protocol check) run after the timed part, so the
# memory they leave behind in the allocator is not in the timed part's RSS or peak.


def _run_sync(adapter: ClientAdapter, job: WorkerJob) -> RoundSample:
    settings = _settings(job)
    session = adapter.open_sync(job.request, settings)
    try:
        # Concurrent warm-up, so the timed part starts with the pool's connections open.
        more = _keep_going(job.warmup, None)
        _run_sync_phase(session, job.request, job.concurrency, more, record=False)
        meter = _Meter()
        meter.start()
        tallies = _run_sync_phase(session, job.request, job.concurrency, _load(job), record=True)
        meter.stop()
    finally:
        session.close()
    if job.check_protocol:
        _check_version(job, _version(adapter.http_version_sync, job))
    connect = None
    if job.measure_connect and adapter.exposes_connect_time:
        connect = _median_connect(
            [_probe(adapter.connect_ms_sync, job, settings) for _ in range(CONNECT_PROBES)]
        )
    return _sample(job, meter, tallies, connect)


async def _run_async(adapter: ClientAdapter, job: WorkerJob) -> RoundSample:
    settings = _settings(job)
    session = await adapter.open_async(job.request, settings)
    try:
        more = _keep_going(job.warmup, None)
        await _run_async_phase(session, job.request, job.concurrency, more, record=False)
        meter = _Meter()
        meter.start()
        tallies = await _run_async_phase(
            session, job.request, job.concurrency, _load(job), record=True
        )
        meter.stop()
    finally:
        await session.close()
    if job.check_protocol:
        _check_version(job, await _aversion(adapter, job))
    connect = None
    if job.measure_connect and adapter.exposes_connect_time:
        connect = _median_connect(
            [await _aprobe(adapter, job, settings) for _ in range(CONNECT_PROBES)]
        )
    return _sample(job, meter, tallies, connect)


def run_job(job: WorkerJob) -> WorkerOutcome:
    """Run one round here; an unavailable client or unsupported mode is an outcome, not a crash."""
    try:
        adapter = get_adapter(job.client)
        adapter.check_mode(job.mode)
        adapter.check_protocol(job.request.protocol)
        reason = adapter.unavailable_reason()
        if reason is not None:
            return WorkerOutcome(status="unavailable", reason=reason)
        if job.mode == "sync":
            sample = _run_sync(adapter, job)
        else:
            sample = asyncio.run(_run_async(adapter, job))
    except (
        UnsupportedModeError,
        UnsupportedProtocolError,
        ClientUnavailableError,
        KeyError,
    ) as error:
        return WorkerOutcome(status="unavailable", reason=str(error))
    except Exception as error:  # noqa: BLE001 - the session could not even be opened
        return WorkerOutcome(status="failed", reason=f"{type(error).__name__}: {error}")
    return WorkerOutcome(status="ok", sample=sample)


def availability(client: str) -> dict[str, str | None]:
    """Why `client` cannot run under this interpreter (None if it can) and its version
    (`--check CLIENT`)."""
    try:
        adapter = get_adapter(client)
    except KeyError as error:
        return {"reason": str(error), "version": None}
    reason = adapter.unavailable_reason()
    return {"reason": reason, "version": adapter.version() if reason is None else None}


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        # Asked by the runner of an interpreter given with --client-python: can it run here?
        sys.stdout.write(json.dumps(availability(sys.argv[2])) + "\n")
        return 0
    job = WorkerJob.model_validate_json(sys.stdin.read())
    outcome = run_job(job)
    sys.stdout.write(outcome.model_dump_json() + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
