"""A run from start to end: server, reference request, harness overhead, ceilings, rounds.

Every (scenario, client, mode, concurrency) cell runs once per round in a fresh worker process
pinned away from the server; each round visits the cells in a new seeded random order, so a
slow minute on a shared machine spreads over all clients instead of landing on one. Each sample
is stored when its round ends and each cell when its last round ends.
"""

from __future__ import annotations

import gzip
import http.client
import random
import ssl
import subprocess
import sys
import zlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from loguru import logger

from http_benchmark.adapters import HARNESS_CLIENT, get_adapter, request_headers
from http_benchmark.ceiling import CeilingProbe
from http_benchmark.config import BenchmarkConfiguration
from http_benchmark.environment import capture_environment, git_commit
from http_benchmark.metrics import summarize
from http_benchmark.models import CellKey, HTTPRequest, Mode, RoundSample, client_mode
from http_benchmark.scenarios import AD_HOC, SCENARIOS, Scenario
from http_benchmark.server import (
    CLIENT_CPU,
    ServerProvider,
    can_pin,
    child_options,
    clean_environment,
    pinned,
)
from http_benchmark.server_selection import select_server
from http_benchmark.storage import Storage, StoredRun
from http_benchmark.worker import WorkerJob, WorkerOutcome, run_job

__all__ = [
    "PlannedCell",
    "RunError",
    "RunObserver",
    "Runner",
    "measure_harness_overhead",
    "run_worker_process",
]

#: Requests the no-I/O client sends to measure the harness's own cost per request.
OVERHEAD_REQUESTS = 20_000


class RunError(RuntimeError):
    """The run cannot start (the target does not answer as expected, nothing to measure...)."""


class RunObserver(Protocol):
    """Progress of a run, for the CLI's progress bar (or a test's log)."""

    def started(self, total_steps: int) -> None: ...

    def step(self, description: str) -> None: ...

    def done(self, message: str) -> None: ...


class _Silent:
    def started(self, total_steps: int) -> None:  # noqa: ARG002 - nobody is watching
        return None

    def step(self, description: str) -> None:  # noqa: ARG002
        return None

    def done(self, message: str) -> None:  # noqa: ARG002
        return None


@dataclass
class PlannedCell:
    key: CellKey
    request: HTTPRequest
    retries: int
    unavailable: str | None = None
    cell_id: int = 0
    samples: list[RoundSample] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)


def _worker_timeout(job: WorkerJob) -> float:
    # Generous: a run at 100 req/s fits ten times over. A hung worker fails its round instead
    # of stalling the run.
    if job.duration is not None:
        return 120 + job.duration * 2
    return 120 + ((job.requests or 0) + job.warmup) / 10


def run_worker_process(job: WorkerJob, *, pin: bool = True) -> WorkerOutcome:
    """One round in a fresh `python -m http_benchmark.worker` (pinned to the client CPU)."""
    command = pinned([sys.executable, "-m", "http_benchmark.worker"], CLIENT_CPU, enabled=pin)
    try:
        result = subprocess.run(  # noqa: S603 - our own interpreter and module
            command,
            input=job.model_dump_json(),
            capture_output=True,
            text=True,
            timeout=_worker_timeout(job),
            env=clean_environment(),
            check=False,
            **child_options(),
        )
    except subprocess.TimeoutExpired:
        return WorkerOutcome(status="failed", reason="worker-timeout")
    lines = result.stdout.strip().splitlines()
    if result.returncode == 0 and lines:
        return WorkerOutcome.model_validate_json(lines[-1])
    tail = result.stderr.strip().splitlines()[-1:] or [f"exit status {result.returncode}"]
    return WorkerOutcome(status="failed", reason=f"worker-crash: {tail[0]}")


def measure_harness_overhead(modes: list[Mode], levels: list[int]) -> dict[str, float]:
    """Microseconds per request the harness itself costs, with the no-I/O client, in-process.

    Keys are `sync/c1`, `async/c64`...: the wall time per request when the client costs
    nothing, i.e. the floor under every real client's latency in that mode and concurrency.
    """
    overhead: dict[str, float] = {}
    for mode in modes:
        for level in sorted({1, max(levels)}):
            outcome = run_job(
                WorkerJob(
                    client=HARNESS_CLIENT,
                    mode=mode,
                    request=HTTPRequest(url="http://127.0.0.1/", expected_length=0),
                    concurrency=level,
                    requests=OVERHEAD_REQUESTS,
                    warmup=100,
                    measure_connect=False,
                )
            )
            if outcome.sample is not None and outcome.sample.requests_per_second > 0:
                overhead[f"{mode}/c{level}"] = 1e6 / outcome.sample.requests_per_second
    return overhead


def _decode(body: bytes, encoding: str | None) -> bytes:
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "deflate":
        try:
            return zlib.decompress(body)
        except zlib.error:  # raw deflate, as some servers send it
            return zlib.decompress(body, -zlib.MAX_WBITS)
    return body


def reference_request(request: HTTPRequest, *, timeout: float, verify: bool) -> tuple[int, int]:
    """Status and decoded body length of one request with the stdlib, before any client."""
    parts = urlsplit(request.url)
    host = parts.hostname or ""
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        context = ssl.create_default_context()
        if not verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        connection = http.client.HTTPSConnection(host, parts.port, timeout=timeout, context=context)
    else:
        connection = http.client.HTTPConnection(host, parts.port, timeout=timeout)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    try:
        connection.request(
            request.method, target, body=request.body, headers=request_headers(request)
        )
        response = connection.getresponse()
        body = _decode(response.read(), response.getheader("content-encoding"))
        return response.status, len(body)
    except OSError as error:
        raise RunError(f"{request.method} {request.url} failed: {error}") from error
    finally:
        connection.close()


class Runner:
    """Runs a `BenchmarkConfiguration` and stores it; `run()` returns the stored run."""

    def __init__(
        self,
        configuration: BenchmarkConfiguration,
        storage: Storage,
        *,
        server: ServerProvider | None = None,
        observer: RunObserver | None = None,
    ) -> None:
        self.configuration = configuration
        self.storage = storage
        self.observer: RunObserver = observer or _Silent()
        self.pin = configuration.pin_cpus and can_pin()
        if server is None:
            choice = select_server(configuration)
            if choice.note is not None:
                logger.warning(choice.note)
            server = choice.provider
        self.server: ServerProvider = server

    # --- planning ---------------------------------------------------------------------------

    def _scenarios(self) -> list[Scenario]:
        return [SCENARIOS[name] for name in self.configuration.scenarios] or [AD_HOC]

    def _levels(self, scenario: Scenario) -> list[int]:
        chosen = "concurrency" in self.configuration.model_fields_set
        if scenario.concurrency and (scenario.fixed_concurrency or not chosen):
            return list(scenario.concurrency)
        return list(self.configuration.concurrency)

    def _request(self, scenario: Scenario, base_url: str) -> HTTPRequest:
        config = self.configuration
        if scenario.path is None:  # the ad-hoc request
            url = config.url or base_url + "/"
            return HTTPRequest(
                method=config.method,
                url=url,
                headers=config.headers,
                body=config.request_body(),
                expected_status=config.expected_status,
                expected_length=config.expected_length,
            )
        body = None
        if scenario.body_size is not None:
            body = random.Random(scenario.body_size).randbytes(scenario.body_size)  # noqa: S311
        return HTTPRequest(
            method=scenario.method,
            url=base_url + scenario.path,
            headers=config.headers,
            body=body,
            expected_status=200,
            expected_length=scenario.response_length,
            new_connection=scenario.new_connection,
        )

    def _checked(self, request: HTTPRequest) -> HTTPRequest:
        """The request with its expected length, after one stdlib request proves the target."""
        config = self.configuration
        status, length = reference_request(request, timeout=config.timeout, verify=config.verify)
        if status != request.expected_status:
            raise RunError(
                f"{request.method} {request.url} answered {status}, expected "
                f"{request.expected_status} (scenario paths need http_benchmark.server_app; "
                "--expected-status sets another status)"
            )
        if request.expected_length is not None and length != request.expected_length:
            raise RunError(
                f"{request.method} {request.url} answered {length} body bytes, expected "
                f"{request.expected_length}"
            )
        if request.expected_length is None and config.check_length:
            return request.model_copy(update={"expected_length": length})
        return request

    def plan(self, base_url: str) -> list[PlannedCell]:
        config = self.configuration
        cells = []
        for scenario in self._scenarios():
            clients = [
                name
                for name in config.clients
                if scenario.clients is None or name in scenario.clients
            ]
            if not clients:
                logger.warning("scenario {} has none of the clients asked for", scenario.name)
                continue
            request = self._checked(self._request(scenario, base_url))
            retries = config.retries if scenario.retries is None else scenario.retries
            for mode in config.modes:
                for client in clients:
                    adapter = get_adapter(client)
                    reason = adapter.unavailable_reason()
                    if mode not in adapter.modes:
                        reason = f"no {mode} mode"
                    for level in self._levels(scenario):
                        key = CellKey(
                            scenario=scenario.name, client=client, mode=mode, concurrency=level
                        )
                        cells.append(PlannedCell(key, request, retries, unavailable=reason))
        if not any(cell.unavailable is None for cell in cells):
            raise RunError("nothing to measure: every client asked for is unavailable here")
        return cells

    # --- running ----------------------------------------------------------------------------

    def _job(self, cell: PlannedCell, round_number: int) -> WorkerJob:
        config = self.configuration
        return WorkerJob(
            client=cell.key.client,
            mode=client_mode(cell.key.mode),
            request=cell.request,
            concurrency=cell.key.concurrency,
            requests=config.requests,
            duration=config.duration,
            warmup=max(config.warmup, cell.key.concurrency) if config.warmup else 0,
            timeout=config.timeout,
            verify=config.verify,
            retries=cell.retries,
            round=round_number,
        )

    def _default_name(self) -> str:
        return ", ".join(self.configuration.scenarios or ["request"])

    def run(self) -> StoredRun:
        config = self.configuration
        with self.server as base_url:
            cells = self.plan(base_url)
            environment = capture_environment()
            environment["server"] = self.server.describe()
            environment["pinned"] = self.pin
            run_id = self.storage.create_run(
                config.name or self._default_name(),
                config.model_dump(mode="json"),
                environment,
                git_commit(),
            )
            try:
                self._measure(run_id, cells, environment)
            except KeyboardInterrupt:
                self.storage.finish_run(run_id, "interrupted")
                raise
            except BaseException:
                self.storage.finish_run(run_id, "failed")
                raise
            self.storage.finish_run(run_id, "finished")
        return self.storage.load_run(run_id)

    def _measure(self, run_id: int, cells: list[PlannedCell], environment: dict[str, Any]) -> None:
        config = self.configuration
        for cell in cells:
            status = "pending" if cell.unavailable is None else "unavailable"
            cell.cell_id = self.storage.add_cell(
                run_id, cell.key, config.rounds, status=status, reason=cell.unavailable
            )
        runnable = [cell for cell in cells if cell.unavailable is None]
        probes = sorted({(c.key.scenario, c.key.concurrency): c.request for c in runnable}.items())
        probe_steps = 0 if config.ceiling == "off" else len(probes) * config.rounds
        self.observer.started(1 + probe_steps + len(runnable) * config.rounds)

        self.observer.step("harness overhead (no-I/O client)")
        levels = sorted({cell.key.concurrency for cell in runnable})
        environment["harness_overhead_us"] = measure_harness_overhead(config.modes, levels)
        self.storage.update_environment(run_id, environment)
        self.observer.done(
            "harness overhead: "
            + ", ".join(
                f"{k} {v:.1f} us/req" for k, v in environment["harness_overhead_us"].items()
            )
        )

        ceilings: dict[tuple[str, int], float | None] = {}
        probe = None
        if config.ceiling != "off":
            probe = CeilingProbe(
                tool=config.ceiling,
                duration=config.ceiling_duration,
                timeout=config.timeout,
                pin=self.pin,
                run_worker=lambda job: run_worker_process(job, pin=self.pin),
            )
        seen: dict[tuple[str, int], list[float]] = {}

        shuffler = random.Random(config.seed)  # noqa: S311 - orders rounds, not secrets
        for round_number in range(1, config.rounds + 1):
            if probe is not None:
                # Once per round: on a shared machine the server's capacity drifts, and the
                # highest of the probes is the best estimate of what it can do.
                for (scenario, level), request in probes:
                    self.observer.step(f"round {round_number}: server ceiling {scenario} c{level}")
                    ceiling = probe.measure(scenario, request, level)
                    values = seen.setdefault((scenario, level), [])
                    if ceiling.requests_per_second:
                        values.append(ceiling.requests_per_second)
                    best = max(values, default=None)
                    ceilings[scenario, level] = best
                    notes = [f"rounds: {', '.join(f'{v:.0f}' for v in values)}"]
                    if ceiling.detail:
                        notes.append(ceiling.detail)
                    self.storage.add_ceiling(
                        run_id,
                        ceiling.model_copy(
                            update={"requests_per_second": best, "detail": "; ".join(notes)}
                        ),
                    )
                    rate = ceiling.requests_per_second
                    self.observer.done(
                        f"ceiling {scenario} c{level}: "
                        + (f"{rate:,.0f} req/s" if rate else "unknown")
                        + f" ({ceiling.tool})"
                    )
            order = list(runnable)
            shuffler.shuffle(order)
            for cell in order:
                if cell.unavailable is not None:
                    continue
                self.observer.step(f"round {round_number}/{config.rounds} {cell.key.label()}")
                outcome = run_worker_process(self._job(cell, round_number), pin=self.pin)
                self.observer.done(self._record(cell, outcome, round_number))
                if round_number == config.rounds or cell.unavailable is not None:
                    self._finish(cell, ceilings.get((cell.key.scenario, cell.key.concurrency)))

    def _record(self, cell: PlannedCell, outcome: WorkerOutcome, round_number: int) -> str:
        label = f"round {round_number} {cell.key.label()}"
        if outcome.status == "unavailable":
            cell.unavailable = outcome.reason or "unavailable"
            return f"{label}: unavailable ({cell.unavailable})"
        if outcome.sample is None:
            reason = outcome.reason or "failed"
            cell.errors[reason.split(":", 1)[0]] += 1
            self.storage.set_cell_errors(cell.cell_id, dict(cell.errors))
            logger.warning("{}: {}", label, reason)
            return f"{label}: FAILED ({reason})"
        cell.samples.append(outcome.sample)
        self.storage.add_sample(cell.cell_id, outcome.sample)
        sample = outcome.sample
        errors = sum(sample.errors.values())
        return f"{label}: {sample.requests_per_second:,.0f} req/s" + (
            f", {errors} errors" if errors else ""
        )

    def _finish(self, cell: PlannedCell, ceiling: float | None) -> None:
        config = self.configuration
        if cell.key.client == HARNESS_CLIENT:
            ceiling = None  # it never talks to the server: no ceiling applies
        if cell.unavailable is not None and not cell.samples:
            result = summarize(cell.key, [], rounds_planned=config.rounds, ceiling=None)
            result.status, result.reason = "unavailable", cell.unavailable
        else:
            result = summarize(
                cell.key,
                cell.samples,
                rounds_planned=config.rounds,
                ceiling=ceiling,
                extra_errors=dict(cell.errors),
                server_bound_fraction=config.server_bound_fraction,
                unstable_spread=config.unstable_spread,
                seed=config.seed,
            )
        self.storage.finish_cell(cell.cell_id, result)
