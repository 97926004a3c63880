"""A server run as tables (one per suite) and the target ratios the old commands printed."""

from __future__ import annotations

import statistics
from collections import defaultdict

from rich.table import Table

from http_benchmark.models import BenchmarkResult
from http_benchmark.servers.suites import SUITES
from http_benchmark.storage import StoredRun

__all__ = ["is_server_run", "ratio_lines", "server_methodology_lines", "server_tables"]


def is_server_run(stored: StoredRun) -> bool:
    return stored.run.configuration.get("kind") == "servers"


def server_methodology_lines(stored: StoredRun) -> list[str]:
    """How a server run was measured, for `show` and the HTML report."""
    run, configuration, environment = stored.run, stored.run.configuration, stored.run.environment
    pinning = environment.get("pinning")
    where = (
        f"servers on CPU {pinning['server_cpu']}, load tools on CPU {pinning['client_cpu']}"
        if pinning
        else "not pinned"
    )
    tools = environment.get("tools") or {}
    return [
        (
            f"run {run.id} '{run.name}' ({run.status}), {run.started_at:%Y-%m-%d %H:%M} UTC, "
            f"git {(run.git_commit or '?')[:12]}"
        ),
        (
            f"server run: {configuration.get('rounds')} rounds x {configuration.get('duration')} s "
            f"per server (+{configuration.get('warmup')} s warm-up), servers in an order shuffled "
            f"per round (seed {configuration.get('seed')}); each server checked with one request "
            "first; only 2xx answers with the route's body (or exact echoes) count"
        ),
        f"one process per server, {where}; server CPU and RSS are its process tree's",
        (
            f"machine: {environment.get('cpu')} x{environment.get('cpus')}, Python "
            f"{environment.get('python')}, {environment.get('platform')}"
        ),
        "tools: "
        + ", ".join(f"{name} {version or 'not installed'}" for name, version in tools.items()),
    ]


def _median(result: BenchmarkResult) -> float | None:
    return None if result.requests_per_second is None else result.requests_per_second.median


def _mean_latency(result: BenchmarkResult) -> str:
    values = [s.detail["mean_latency_ms"] for s in result.samples if "mean_latency_ms" in s.detail]
    return f"{statistics.median(values):.2f}" if values else "-"


def _baselines(named: tuple[str, ...], medians: dict[str, float | None]) -> list[str]:
    """The suite's baselines, then httpy@REF (httpy at a git ref) when it was measured."""
    return [*named, *(name for name in medians if name.startswith("httpy@"))]


def _by_suite(stored: StoredRun) -> dict[str, list[BenchmarkResult]]:
    groups: dict[str, list[BenchmarkResult]] = defaultdict(list)
    for result in stored.results:
        groups[result.key.scenario].append(result)
    return groups


def server_tables(stored: StoredRun) -> list[Table]:
    """Servers by median rate, fastest first, with a `vs NAME` column per suite baseline."""
    tables = []
    for suite_name, results in _by_suite(stored).items():
        suite = SUITES.get(suite_name)
        unit = suite.unit if suite else "req/s"
        medians = {r.key.client: _median(r) for r in results}
        wanted = _baselines(suite.baselines if suite else (), medians)
        baselines = [name for name in wanted if medians.get(name)]
        description = suite.description if suite else ""
        title = f"{suite_name} · {description} (conc {results[0].key.concurrency})"
        table = Table(title=title, title_justify="left")
        columns = ["server", f"{unit} median", "min-max", "p50 ms", "p99 ms", "mean ms",
                   "server cpu us/req", "server RSS MiB", "errors", "verdict"]  # fmt: skip
        columns += [f"vs {name}" for name in baselines]
        for column in columns:
            table.add_column(column, justify="left" if column == "server" else "right")
        ordered = sorted(results, key=lambda r: -(_median(r) or -1.0))
        for result in ordered:
            errors = str(sum(result.errors.values()))
            spread = result.requests_per_second
            if spread is None:
                table.add_row(result.key.client, f"{result.status}: {result.reason or ''}",
                              *[""] * (len(columns) - 3), errors)  # fmt: skip
                continue
            latency = result.latency
            row = [
                result.key.client,
                f"{spread.median:,.0f}",
                f"{spread.minimum:,.0f}-{spread.maximum:,.0f}",
                "-" if latency is None else f"{latency.p50:.2f}",
                "-" if latency is None else f"{latency.p99:.2f}",
                _mean_latency(result),
                "-" if result.cpu_us_per_request is None else f"{result.cpu_us_per_request:.0f}",
                "-" if result.rss_peak is None else f"{result.rss_peak / 2**20:.1f}",
                errors,
                result.verdict.value if result.verdict else "",
            ]
            row += [f"{spread.median / (medians[b] or 1):.2f}x" for b in baselines]
            table.add_row(*row)
        tables.append(table)
    return tables


def ratio_lines(stored: StoredRun, server: str = "httpy") -> list[str]:
    """`httpy over h2c: 1.10x hypercorn, 0.40x granian`: medians of interleaved rounds."""
    lines = []
    for suite_name, results in _by_suite(stored).items():
        suite = SUITES.get(suite_name)
        medians = {r.key.client: _median(r) for r in results}
        own = medians.get(server)
        if suite is None or not own:
            continue
        ratios = [
            f"{own / base:.2f}x {name}"
            for name in _baselines(suite.baselines, medians)
            if (base := medians.get(name))
        ]
        if ratios:
            lines.append(f"{server} over {suite_name}: {', '.join(ratios)}")
    return lines
