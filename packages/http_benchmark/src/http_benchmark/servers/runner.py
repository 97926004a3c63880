"""`http-benchmark servers`: every suite's servers measured in interleaved rounds, stored.

Per suite: the servers that can run here start (each one process pinned to the server CPU,
the load tool on the client CPU), each must answer one checked request, each gets a warm-up
run, then every round measures every server once in an order shuffled per round (seeded), so
drift on a noisy machine hits every server alike. Every round is stored as it ends (the same
SQLite schema as client runs: the cell's `client` is the server, its mode is "server"). A
missing load tool or server is stored as an unavailable cell with the reason; a server that
does not start or fails its check is a failed cell; neither stops the run.
"""

from __future__ import annotations

import random
import subprocess
import sys
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from http_benchmark.environment import capture_environment, git_commit
from http_benchmark.metrics import summarize
from http_benchmark.models import BenchmarkResult, CellKey, ResourceMetrics, RoundSample, Verdict
from http_benchmark.protocols import PROTOCOLS
from http_benchmark.servers.apps import write_apps
from http_benchmark.servers.baseline import export_httpy
from http_benchmark.servers.commands import server_command, server_unavailable, server_version
from http_benchmark.servers.measurement import LoadSettings, Measurement
from http_benchmark.servers.processes import (
    CLIENT_CPU,
    SERVER_CPU,
    Running,
    ServerSpec,
    free_port_block,
    log_summary,
    run_servers,
)
from http_benchmark.servers.suites import SUITES, Suite
from http_benchmark.servers.tls import make_tls
from http_benchmark.servers.watch import ProcessWatch
from http_benchmark.servers.wrk import WRK_REPORT, run_wrk
from http_benchmark.storage import Storage, StoredRun

__all__ = ["ServerRunSettings", "ServerRunner", "tool_versions"]

RSS_METHOD = "server tree RSS sampled every 0.1 s (psutil), a lower bound"


@dataclass(frozen=True)
class ServerRunSettings:
    suites: tuple[str, ...] = ("h1", "h2c", "h2", "ws", "h3")
    #: None: every server of each suite.
    servers: tuple[str, ...] | None = None
    rounds: int = 5
    #: Seconds per measured load run (wrk takes whole seconds).
    duration: float = 5.0
    #: Seconds of each server's warm-up run (imports, caches, the accept queue); 0 skips it.
    warmup: float = 1.0
    seed: int = 2024
    pin_cpus: bool = True
    load: LoadSettings = field(default_factory=LoadSettings)
    name: str = "servers"
    #: Also measure httpy as it was at this git ref, as server `httpy@REF` (see baseline.py).
    httpy_baseline: str | None = None
    #: Seconds of a stress run of httpy after the h1 rounds (wrk -t2, `stress_connections`);
    #: 0 skips it. Its errors and httpy's peak RSS are stored with the run.
    stress_duration: float = 0.0
    stress_connections: int = 256

    def __post_init__(self) -> None:
        unknown = [name for name in self.suites if name not in SUITES]
        if unknown or not self.suites:
            known = ", ".join(SUITES)
            raise ValueError(f"unknown suite {', '.join(unknown) or '(none given)'}; of {known}")
        if self.rounds < 1 or self.duration <= 0 or self.warmup < 0:
            raise ValueError("rounds must be >= 1, duration > 0 and warmup >= 0")
        for value in (self.load.connections, self.load.streams):
            if value is not None and value < 1:
                raise ValueError("connections and streams must be >= 1")
        if self.load.ws_processes < 1:
            raise ValueError("ws processes must be >= 1")
        if self.stress_duration < 0 or self.stress_connections < 1:
            raise ValueError("stress duration must be >= 0 and stress connections >= 1")

    def configuration(self) -> dict[str, Any]:
        return {
            "kind": "servers",
            "suites": list(self.suites),
            "servers": None if self.servers is None else list(self.servers),
            "rounds": self.rounds,
            "duration": self.duration,
            "warmup": self.warmup,
            "seed": self.seed,
            "pin_cpus": self.pin_cpus,
            "load": asdict(self.load),
            "httpy_baseline": self.httpy_baseline,
            "stress_duration": self.stress_duration,
            "stress_connections": self.stress_connections,
        }


def tool_versions() -> dict[str, str | None]:
    """The load tools' versions (None: not installed)."""
    versions: dict[str, str | None] = {}
    for tool, flag in (("wrk", "-v"), ("h2load", "--version")):
        try:
            done = subprocess.run(  # noqa: S603 - fixed arguments
                [tool, flag], capture_output=True, text=True, check=False, timeout=10
            )
        except OSError:
            versions[tool] = None
            continue
        lines = (done.stdout or done.stderr).strip().splitlines()
        versions[tool] = lines[0] if lines else tool
    return versions


Echo = Callable[[str], None]


class ServerRunner:
    """One run over the chosen suites; `run()` returns it as stored."""

    def __init__(self, settings: ServerRunSettings, storage: Storage, echo: Echo) -> None:
        self.settings, self.storage, self.echo = settings, storage, echo
        pin = settings.pin_cpus and (_cpus() >= 2)
        self.server_cpu = SERVER_CPU if pin else None
        self.load = LoadSettings(
            connections=settings.load.connections,
            streams=settings.load.streams,
            ws_processes=settings.load.ws_processes,
            client_cpu=CLIENT_CPU if pin else None,
        )
        self.shuffler = random.Random(settings.seed)  # noqa: S311 - an order, not a secret
        self.server_logs: list[str] = []
        self.stress: dict[str, Any] | None = None
        #: httpy's old sources for `httpy@REF`, exported once per run.
        self.baseline_sources: Path | None = None

    def _servers_of(self, suite: Suite) -> list[str]:
        wanted = self.settings.servers
        names = [name for name in suite.servers if wanted is None or name in wanted]
        if self.settings.httpy_baseline is not None and "httpy" in names:
            names.insert(names.index("httpy") + 1, f"httpy@{self.settings.httpy_baseline}")
        return names

    def _environment_of(self, server: str) -> dict[str, str] | None:
        if server.startswith("httpy@") and self.baseline_sources is not None:
            return {"PYTHONPATH": str(self.baseline_sources)}
        return None

    def run(self) -> StoredRun:
        environment = capture_environment()
        environment["servers"] = {
            name: server_version(name) for suite in SUITES.values() for name in suite.servers
        }
        environment["tools"] = tool_versions()
        environment["pinning"] = (
            {"server_cpu": self.server_cpu, "client_cpu": self.load.client_cpu}
            if self.server_cpu is not None
            else None
        )
        run_id = self.storage.create_run(
            self.settings.name, self.settings.configuration(), environment, git_commit()
        )
        status = "failed"
        try:
            with tempfile.TemporaryDirectory(prefix="http-benchmark-baseline-") as folder:
                if self.settings.httpy_baseline is not None:
                    self.baseline_sources = export_httpy(self.settings.httpy_baseline, Path(folder))
                for name in self.settings.suites:
                    self._suite(run_id, SUITES[name])
            status = "finished"
        except KeyboardInterrupt:
            status = "interrupted"
            raise
        finally:
            environment["server_logs"] = self.server_logs
            environment["stress"] = self.stress
            self.storage.update_environment(run_id, environment)
            self.storage.finish_run(run_id, status)  # type: ignore[arg-type]
        return self.storage.load_run(run_id)

    def _suite(self, run_id: int, suite: Suite) -> None:
        names = self._servers_of(suite)
        concurrency = suite.concurrency(self.load)
        cells: dict[str, int] = {}
        runnable: list[str] = []
        tool_reason = suite.missing_tool()
        for server in names:
            key = _cell_key(suite.name, server, concurrency)
            reason = tool_reason or server_unavailable(server, suite.name)
            if reason is not None:
                self.storage.add_cell(run_id, key, 0, status="unavailable", reason=reason)
                self.echo(f"{suite.name} {server}: unavailable: {reason}")
            else:
                cells[server] = self.storage.add_cell(run_id, key, self.settings.rounds)
                runnable.append(server)
        if not runnable:
            return
        self.echo(f"{suite.name}: {suite.load_label(self.load)}, servers {', '.join(runnable)}")
        with tempfile.TemporaryDirectory(prefix=f"http-benchmark-{suite.name}-") as folder:
            workdir = Path(folder)
            write_apps(workdir)
            tls = make_tls(workdir) if suite.tls else None
            port = free_port_block(len(runnable))
            running: dict[str, Running] = {}
            samples: dict[str, list[RoundSample]] = {name: [] for name in runnable}
            with ExitStack() as stack:
                for offset, server in enumerate(runnable):
                    command = server_command(server, suite.name, sys.executable, port + offset, tls)
                    spec = ServerSpec(
                        server, command, suite.url(port + offset), self._environment_of(server)
                    )
                    try:
                        started = stack.enter_context(
                            run_servers([spec], workdir, logs=workdir, cpu=self.server_cpu)
                        )
                        suite.check(started[server], self.load)
                    except (RuntimeError, OSError, subprocess.SubprocessError) as error:
                        self._fail(cells.pop(server), suite, server, concurrency, str(error))
                        continue
                    running[server] = started[server]
                self._rounds(suite, running, cells, samples, workdir)
                if suite.name == "h1" and self.settings.stress_duration > 0 and "httpy" in running:
                    self._stress(running["httpy"], workdir)
            # Read once every server has stopped, so shutdown messages are in too.
            self.server_logs += [f"{suite.name} {line}" for line in log_summary(running)]
        for server, cell_id in cells.items():
            self.storage.finish_cell(cell_id, self._summary(suite, server, concurrency, samples))

    def _stress(self, server: Running, workdir: Path) -> None:
        """Many connections at once on httpy: its errors and peak memory, not its speed."""
        connections, seconds = self.settings.stress_connections, self.settings.stress_duration
        self.echo(f"stress: wrk -t2 -c{connections} -d{seconds:g}s against httpy")
        script = workdir / "wrk_report.lua"
        script.write_text(WRK_REPORT, encoding="utf-8")
        with ProcessWatch(server.process.pid) as watch:
            try:
                # Two wrk threads, unpinned: one core of load cannot open 256 sockets fast.
                result = run_wrk(server.url, connections=connections, seconds=seconds,
                                 script=script, cpu=None, threads=2)  # fmt: skip
            except (RuntimeError, OSError, subprocess.SubprocessError) as error:
                result = Measurement(ok=0, elapsed=seconds, requests_per_second=0.0,
                                     errors={f"tool-{type(error).__name__}": 1})  # fmt: skip
        used = watch.result
        assert used is not None  # noqa: S101 - set on leaving the with block
        self.stress = {
            "server": "httpy", "connections": connections, "seconds": seconds,
            "requests_per_second": result.requests_per_second, "ok": result.ok,
            "errors": result.errors, "rss_start": used.rss_start, "rss_peak": used.rss_peak,
        }  # fmt: skip

    def _fail(self, cell_id: int, suite: Suite, server: str, concurrency: int, reason: str) -> None:
        key = _cell_key(suite.name, server, concurrency)
        first_line = reason.strip().splitlines()[0] if reason.strip() else "failed"
        self.storage.finish_cell(
            cell_id, BenchmarkResult(key=key, status="failed", reason=first_line)
        )
        self.echo(f"{suite.name} {server}: failed: {first_line}")

    def _rounds(
        self,
        suite: Suite,
        running: dict[str, Running],
        cells: dict[str, int],
        samples: dict[str, list[RoundSample]],
        workdir: Path,
    ) -> None:
        order = list(running)
        if self.settings.warmup > 0:
            for server in order:
                self._measure(suite, running[server], self.settings.warmup, workdir, 0)
        for number in range(1, self.settings.rounds + 1):
            self.shuffler.shuffle(order)
            for server in order:
                sample = self._measure(
                    suite, running[server], self.settings.duration, workdir, number
                )
                self.storage.add_sample(cells[server], sample)
                samples[server].append(sample)
                errors = sum(sample.errors.values())
                self.echo(
                    f"round {number}/{self.settings.rounds} {suite.name} {server}: "
                    f"{sample.requests_per_second:,.0f} {suite.unit}, errors {errors}"
                )

    def _measure(
        self, suite: Suite, server: Running, seconds: float, workdir: Path, number: int
    ) -> RoundSample:
        with ProcessWatch(server.process.pid) as watch:
            try:
                measured = suite.measure(server, seconds, self.load, workdir)
            except (RuntimeError, OSError, subprocess.SubprocessError, ValueError) as error:
                # The load tool failed (or the server died): a round of errors, not a crash.
                measured = Measurement(ok=0, elapsed=seconds, requests_per_second=0.0,
                                       errors={f"tool-{type(error).__name__}": 1})  # fmt: skip
        used = watch.result
        assert used is not None  # noqa: S101 - set on leaving the with block
        detail = dict(measured.detail)
        if measured.mean_latency_ms is not None:
            detail["mean_latency_ms"] = measured.mean_latency_ms
        return RoundSample(
            round=number,
            ok=measured.ok,
            errors=measured.errors,
            elapsed=measured.elapsed,
            requests_per_second=measured.requests_per_second,
            latency=measured.latency,
            resources=ResourceMetrics(
                # The server's CPU per answer: what serving one request costs it.
                cpu_us_per_request=used.cpu_seconds / measured.ok * 1e6 if measured.ok else 0.0,
                rss_start=used.rss_start,
                rss_peak=used.rss_peak,
                rss_growth=used.rss_end - used.rss_start,
                rss_peak_method=RSS_METHOD,
            ),
            detail=detail,
        )

    def _summary(
        self, suite: Suite, server: str, concurrency: int, samples: dict[str, list[RoundSample]]
    ) -> BenchmarkResult:
        key = _cell_key(suite.name, server, concurrency)
        result = summarize(key, samples[server], rounds_planned=self.settings.rounds, ceiling=None)
        # "client-bound" says nothing about a server; only "unstable" (rounds disagree) does.
        if result.verdict is not Verdict.UNSTABLE:
            result.verdict = None
        return result


def _cpus() -> int:
    import os  # noqa: PLC0415

    return os.cpu_count() or 1


def _cell_key(suite: str, server: str, concurrency: int) -> CellKey:
    """A server cell: the suite is its scenario, and its wire protocol is the cell's (the
    WebSocket suite runs over HTTP/1.1), so tables and reports title it like client cells."""
    protocol = suite if suite in PROTOCOLS else "h1"
    return CellKey(
        scenario=suite, client=server, mode="server", concurrency=concurrency, protocol=protocol
    )
