"""A run from start to end: server, reference request, harness overhead, ceilings, rounds.

Every (scenario, client, mode, concurrency) cell runs once per round in a fresh worker process
pinned away from the server; each round visits the cells in a new seeded random order, so a
slow minute on a shared machine spreads over all clients instead of landing on one. Each sample
is stored when its round ends and each cell when its last round ends.
"""

from __future__ import annotations

import gzip
import http.client
import json
import random
import shutil
import subprocess
import sys
import zlib
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from loguru import logger

from http_benchmark.adapters import (
    HARNESS_CLIENT,
    get_adapter,
    protocol_gap,
    request_headers,
    ssl_context,
)
from http_benchmark.ceiling import CeilingProbe
from http_benchmark.config import BenchmarkConfiguration
from http_benchmark.endpoints import Endpoints, start_endpoints
from http_benchmark.environment import capture_environment, git_commit
from http_benchmark.metrics import summarize
from http_benchmark.models import CellKey, HTTPRequest, Mode, RoundSample, client_mode
from http_benchmark.protocols import TlsMaterial, describe
from http_benchmark.redaction import redacted_configuration
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
from http_benchmark.storage import Storage, StoredRun, ceiling_key
from http_benchmark.worker import WorkerJob, WorkerOutcome

__all__ = [
    "PlannedCell",
    "RunError",
    "RunObserver",
    "Runner",
    "check_interpreter",
    "interpreter_client",
    "measure_harness_overhead",
    "run_worker_process",
]

#: Requests the no-I/O client sends to measure the harness's own cost per request.
OVERHEAD_REQUESTS = 20_000
#: Clients that cannot share an environment with the others (niquests' urllib3-future
#: replaces urllib3): they run under an interpreter given by `--client-python`.
SIDE_ENVIRONMENT_CLIENTS = frozenset({"niquests"})


def check_interpreter(python: Path, client: str) -> str | None:
    """Why `client` cannot run under `python` (None if it can), asked of that interpreter."""
    return interpreter_client(python, client)[0]


def interpreter_client(python: Path, client: str) -> tuple[str | None, str | None]:
    """(why `client` cannot run under `python` or None, its version there), asked of it."""
    try:
        result = subprocess.run(  # noqa: S603 - an interpreter the user named, our module
            [str(python), "-m", "http_benchmark.worker", "--check", client],
            capture_output=True,
            text=True,
            timeout=60,
            env=clean_environment(),
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"{python} does not run: {error}", None
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines:
        tail = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return f"{python} cannot run http_benchmark's worker: {tail}", None
    answer = json.loads(lines[-1])
    reason: str | None = answer["reason"]
    version: str | None = answer.get("version")
    return (None if reason is None else f"{reason} (under {python})"), version


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
    note: str | None = None
    connections: int | None = None
    max_requests: int | None = None
    cell_id: int = 0
    samples: list[RoundSample] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)


def _worker_timeout(job: WorkerJob) -> float:
    # Generous: a run at 100 req/s fits ten times over. A hung worker fails its round instead
    # of stalling the run.
    if job.duration is not None:
        return 120 + job.duration * 2
    scheduled = (job.requests or 0) / job.rate if job.rate else 0.0  # an open loop's length
    return 120 + scheduled * 2 + ((job.requests or 0) + job.warmup) / 10


def run_worker_process(
    job: WorkerJob, *, pin: bool = True, python: Path | str | None = None
) -> WorkerOutcome:
    """One round in a fresh `python -m http_benchmark.worker` (pinned to the client CPU),
    under `python` when the client has an interpreter of its own (`--client-python`)."""
    interpreter = str(python) if python is not None else sys.executable
    command = pinned([interpreter, "-m", "http_benchmark.worker"], CLIENT_CPU, enabled=pin)
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


def measure_harness_overhead(
    modes: list[Mode],
    levels: list[int],
    *,
    run_worker: Callable[[WorkerJob], WorkerOutcome] = run_worker_process,
) -> dict[str, float]:
    """Microseconds per request the harness itself costs, with the no-I/O client.

    Measured like every client: in a fresh worker process pinned to the clients' CPU (an
    in-process figure would be taken warm, unpinned, in the parent). Keys are `sync/c1`,
    `async/c64`...: the wall time per request when the client costs nothing, i.e. the floor
    under every real client's latency in that mode and concurrency.
    """
    overhead: dict[str, float] = {}
    for mode in modes:
        for level in sorted({1, max(levels)}):
            outcome = run_worker(
                WorkerJob(
                    client=HARNESS_CLIENT,
                    mode=mode,
                    request=HTTPRequest(url="http://127.0.0.1/", expected_length=0),
                    concurrency=level,
                    requests=OVERHEAD_REQUESTS,
                    warmup=100,
                    measure_connect=False,
                    check_protocol=False,
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


def reference_request(
    request: HTTPRequest, *, timeout: float, verify: bool | str
) -> tuple[int, int]:
    """Status and decoded body length of one request with the stdlib, before any client.

    It speaks HTTP/1.1 (over TLS for https), which the benchmark's servers serve beside h2,
    h2c and h3: the answer's status and length are the protocol's too.
    """
    parts = urlsplit(request.url)
    host = parts.hostname or ""
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        context = ssl_context(verify)
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
        tls_server: tuple[ServerProvider, TlsMaterial] | None = None,
    ) -> None:
        self.configuration = configuration
        self.storage = storage
        self.observer: RunObserver = observer or _Silent()
        self.pin = configuration.pin_cpus and can_pin()
        self.tls_server = tls_server
        self.verify: bool | str = configuration.verify
        self._availability: dict[str, str | None] = {}
        # Clients under their own interpreter: their version there, for the environment.
        self._versions: dict[str, dict[str, str | None]] = {}
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

    def _request(self, scenario: Scenario, base_url: str, protocol: str = "h1") -> HTTPRequest:
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
                protocol=protocol,
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
            protocol=protocol,
            stream=scenario.stream,
        )

    def _checked(self, request: HTTPRequest) -> HTTPRequest:
        """The request with its expected length, after one stdlib request proves the target."""
        config = self.configuration
        status, length = reference_request(request, timeout=config.timeout, verify=self.verify)
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

    def _protocols(self, scenario: Scenario) -> list[str]:
        chosen = self.configuration.protocols
        if scenario.protocols is None:
            return list(chosen)
        # The scenario's own protocol when the run measures none of them (tls-new-connection
        # in a cleartext run measures h1-tls): a scenario asked for by name is never skipped.
        return [name for name in chosen if name in scenario.protocols] or [scenario.protocols[0]]

    def all_protocols(self) -> list[str]:
        """Every protocol some scenario of the run measures: the servers to start."""
        found = [name for scenario in self._scenarios() for name in self._protocols(scenario)]
        return list(dict.fromkeys(found))

    def availability(self, client: str) -> str | None:
        """Why `client` cannot run (None if it can): here, or under its own interpreter."""
        if client not in self._availability:
            python = self.configuration.client_python.get(client)
            if python is None:
                reason = get_adapter(client).unavailable_reason()
                if reason is not None and client in SIDE_ENVIRONMENT_CLIENTS:
                    reason += " here (give it an interpreter: --client-python NAME=PYTHON)"
            else:
                reason, version = interpreter_client(python, client)
                self._versions[client] = {"version": version, "reason": reason,
                                          "python": str(python)}  # fmt: skip
            self._availability[client] = reason
        return self._availability[client]

    def _retries_note(self, client: str, retries: int) -> str | None:
        if not retries:
            return None
        meaning = get_adapter(client).retries
        if meaning is None:
            return "no retries (client has none)"
        if meaning != "connect":
            return f"retries {meaning}"
        return None

    def plan(self, endpoints: Endpoints | str) -> list[PlannedCell]:
        config = self.configuration
        if isinstance(endpoints, str):
            endpoints = Endpoints(
                urls=dict.fromkeys(config.protocols, endpoints), verify=self.verify
            )
        self.verify = endpoints.verify
        cells = []
        for scenario in self._scenarios():
            clients = [
                name
                for name in config.clients
                if scenario.clients is None or name in scenario.clients
            ]
            protocols = self._protocols(scenario)
            if not clients or not protocols:
                logger.warning(
                    "scenario {} has none of the clients or protocols asked for", scenario.name
                )
                continue
            retries = config.retries if scenario.retries is None else scenario.retries
            for protocol in protocols:
                request = self._checked(self._request(scenario, endpoints.urls[protocol], protocol))
                for mode in config.modes:
                    for client in clients:
                        cells += self._cells(scenario, protocol, mode, client, request, retries)
        if not any(cell.unavailable is None for cell in cells):
            raise RunError("nothing to measure: every client asked for is unavailable here")
        return cells

    def _cells(  # noqa: PLR0913, PLR0917 - one cell's coordinates
        self,
        scenario: Scenario,
        protocol: str,
        mode: Mode,
        client: str,
        request: HTTPRequest,
        retries: int,
    ) -> list[PlannedCell]:
        adapter = get_adapter(client)
        reason = self.availability(client)
        if mode not in adapter.modes:
            reason = f"no {mode} mode"
        elif protocol not in adapter.protocols:
            reason = f"no {protocol_gap(protocol)}"
        elif scenario.connections is not None and not adapter.multiplexes:
            reason = "no multiplexing on one connection"
        note = self._retries_note(client, retries)
        return [
            PlannedCell(
                CellKey(
                    scenario=scenario.name,
                    client=client,
                    mode=mode,
                    concurrency=level,
                    protocol=protocol,
                ),
                request,
                retries,
                unavailable=reason,
                note=note,
                connections=scenario.connections,
                max_requests=scenario.max_requests,
            )
            for level in self._levels(scenario)
        ]

    # --- running ----------------------------------------------------------------------------

    def _job(self, cell: PlannedCell, round_number: int) -> WorkerJob:
        config = self.configuration
        requests, warmup = config.requests, config.warmup
        if cell.max_requests is not None:
            requests = None if requests is None else min(requests, cell.max_requests)
            warmup = min(warmup, max(1, cell.max_requests // 10))
        return WorkerJob(
            client=cell.key.client,
            mode=client_mode(cell.key.mode),
            request=cell.request,
            concurrency=cell.key.concurrency,
            requests=requests,
            duration=config.duration,
            warmup=max(warmup, cell.key.concurrency) if warmup else 0,
            timeout=config.timeout,
            verify=self.verify,
            retries=cell.retries,
            round=round_number,
            rate=config.rate,
            connections=cell.connections,
        )

    def _default_name(self) -> str:
        return ", ".join(self.configuration.scenarios or ["request"])

    def run(self) -> StoredRun:
        config = self.configuration
        with ExitStack() as stack:
            endpoints = start_endpoints(
                config, stack, self.server, self.tls_server, protocols=self.all_protocols()
            )
            cells = self.plan(endpoints)
            environment = capture_environment()
            environment["server"] = endpoints.servers[0]
            environment["servers"] = endpoints.servers
            environment["protocols"] = {name: describe(name) for name in config.protocols}
            environment["client_python"] = {
                name: str(path) for name, path in config.client_python.items()
            }
            environment.setdefault("clients", {}).update(self._versions)
            environment["pinned"] = self.pin
            run_id = self.storage.create_run(
                config.name or self._default_name(),
                redacted_configuration(config.model_dump(mode="json")),
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
        # The ceiling is wrk's (or a client's) over HTTP/1.1: measured for h1 cells, and for
        # h1-tls ones when wrk does it; HTTP/2 and HTTP/3 cells have none to compare with.
        probed = [c for c in runnable if c.key.protocol == "h1" or (
            c.key.protocol == "h1-tls" and config.ceiling in {"auto", "wrk"}
            and shutil.which("wrk") is not None)]  # fmt: skip
        probes = sorted(
            {
                (ceiling_key(c.key.scenario, c.key.protocol), c.key.concurrency): c.request
                for c in probed
            }.items()
        )
        probe_steps = 0 if config.ceiling == "off" else len(probes) * config.rounds
        self.observer.started(1 + probe_steps + len(runnable) * config.rounds)

        self.observer.step("harness overhead (no-I/O client)")
        levels = sorted({cell.key.concurrency for cell in runnable})
        environment["harness_overhead_us"] = measure_harness_overhead(
            config.modes, levels, run_worker=lambda job: run_worker_process(job, pin=self.pin)
        )
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
                outcome = run_worker_process(
                    self._job(cell, round_number),
                    pin=self.pin,
                    python=config.client_python.get(cell.key.client),
                )
                self.observer.done(self._record(cell, outcome, round_number))
                if round_number == config.rounds or cell.unavailable is not None:
                    key = ceiling_key(cell.key.scenario, cell.key.protocol)
                    self._finish(cell, ceilings.get((key, cell.key.concurrency)))

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
                max_error_rate=config.max_error_rate,
                note=cell.note,
            )
        self.storage.finish_cell(cell.cell_id, result)
