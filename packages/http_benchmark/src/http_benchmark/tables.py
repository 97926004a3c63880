"""Terminal tables (rich): a run's cells with ratios to a baseline, runs, comparisons."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from http_benchmark.compare import CellComparison, Change
from http_benchmark.models import BenchmarkResult, Verdict
from http_benchmark.protocols import describe
from http_benchmark.stats import ratio_ci
from http_benchmark.storage import RunRecord, StoredRun

__all__ = [
    "comparison_table",
    "group_title",
    "methodology_lines",
    "ratio_text",
    "run_tables",
    "runs_table",
    "samples_table",
]

_VERDICT_STYLE = {
    Verdict.CLIENT_BOUND: "green",
    Verdict.SERVER_BOUND: "yellow",
    Verdict.UNSTABLE: "red",
    Verdict.ERRORS: "bold red",
}
_CHANGE_STYLE = {
    Change.IMPROVED: "green",
    Change.REGRESSED: "bold red",
    Change.UNCHANGED: "",
    Change.UNSTABLE: "yellow",
    Change.MISSING: "dim",
}


def _short_commit(commit: str | None) -> str:
    if commit is None:
        return "unknown"
    return commit[:12] + ("+dirty" if commit.endswith("+dirty") else "")


def _mib(value: int | None) -> str:
    return "-" if value is None else f"{value / 2**20:.1f}"


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _counted(result: BenchmarkResult) -> list[float]:
    return [sample.requests_per_second for sample in result.samples if sample.ok > 0]


def ratio_text(result: BenchmarkResult, baseline: BenchmarkResult | None, *, seed: int = 0) -> str:
    """Ratio of the medians, with the bootstrap 95 % interval of that ratio (scipy)."""
    mine = _counted(result)
    theirs = _counted(baseline) if baseline is not None else []
    if not mine or not theirs or not statistics.median(theirs):
        return "-"
    ratio, low, high = ratio_ci(mine, theirs, seed=seed)
    return f"{ratio:.2f}x ({low:.2f}-{high:.2f})"


def _errors(result: BenchmarkResult) -> str:
    if not result.errors:
        return "0"
    return ", ".join(f"{name} {count}" for name, count in sorted(result.errors.items()))


def _error_rate(result: BenchmarkResult) -> str:
    if result.error_rate is None:
        return "-"
    text = f"{result.error_rate:.1%}" if result.error_rate else "0%"
    if result.failure_latency is not None:
        text += f" (fail p50 {result.failure_latency.p50:.2f} ms)"
    return text


def _open_loop(result: BenchmarkResult, point: str) -> str:
    values = result.open_loop_percentiles or {}
    return _ms(values.get(point))


def group_title(scenario: str, protocol: str, mode: str) -> str:
    return f"{scenario} · {describe(protocol)} · {mode}"


def run_tables(stored: StoredRun, *, baseline: str = "requests") -> RenderableType:
    """One table per (scenario, protocol, mode): rows by concurrency, fastest first; ratios
    to the baseline with the bootstrap interval of the ratio."""
    groups: dict[tuple[str, str, str], list[BenchmarkResult]] = defaultdict(list)
    for result in stored.results:
        groups[result.key.scenario, result.key.protocol, result.key.mode].append(result)
    open_loop = stored.run.configuration.get("rate") is not None
    seed = int(stored.run.configuration.get("seed", 0))
    tables: list[RenderableType] = []
    for (scenario, protocol, mode), results in groups.items():
        title = group_title(scenario, protocol, mode)
        table = Table(title=title, title_justify="left", show_lines=False)
        latency_columns = (
            (("p50 ms", "right"), ("p99 ms", "right"), ("p99.99 ms", "right"))
            if open_loop
            else (("p50 ms", "right"), ("p99 ms", "right"), ("p99.9 ms", "right"))
        )
        for column, justify in (
            ("conc", "right"),
            ("client", "left"),
            ("req/s median", "right"),
            ("min-max", "right"),
            (f"vs {baseline} (95% CI)", "right"),
            *latency_columns,
            ("cpu us/req", "right"),
            ("peak RSS MiB", "right"),
            ("connect ms", "right"),
            ("error rate", "right"),
            ("errors", "right"),
            ("verdict", "left"),
        ):
            table.add_column(column, justify=justify)  # type: ignore[arg-type]
        by_level: dict[int, list[BenchmarkResult]] = defaultdict(list)
        for result in results:
            by_level[result.key.concurrency].append(result)
        for level in sorted(by_level):
            cells = by_level[level]
            reference = next((r for r in cells if r.key.client == baseline), None)
            cells.sort(
                key=lambda r: -(r.requests_per_second.median if r.requests_per_second else -1)
            )
            ceiling = stored.ceiling_for(scenario, level, protocol)
            for result in cells:
                table.add_row(*_row(result, reference, level, open_loop=open_loop, seed=seed))
            if ceiling:
                table.add_row(
                    str(level), Text("server ceiling", style="dim"),
                    Text(f"{ceiling:,.0f}", style="dim"), *[""] * 11,
                )  # fmt: skip
            table.add_section()
        tables.append(table)
    return Group(*tables)


def _row(
    result: BenchmarkResult,
    reference: BenchmarkResult | None,
    level: int,
    *,
    open_loop: bool = False,
    seed: int = 0,
) -> list[str | Text]:
    client = result.key.client + (f" ({result.note})" if result.note else "")
    if result.requests_per_second is None:
        status = result.status + (f": {result.reason}" if result.reason else "")
        return [str(level), client, Text(status, style="dim"), *[""] * 8,
                _error_rate(result), _errors(result), ""]  # fmt: skip
    throughput = result.requests_per_second
    latency = result.latency
    verdict = result.verdict.value if result.verdict else "-"
    if result.status == "partial":
        verdict += f" (partial: {result.rounds} rounds)"
    if open_loop:
        tail = [_open_loop(result, "50"), _open_loop(result, "99"), _open_loop(result, "99.99")]
    else:
        tail = [
            _ms(latency.p50 if latency else None),
            _ms(latency.p99 if latency else None),
            _ms(latency.p999 if latency else None),
        ]
    return [
        str(level),
        client,
        f"{throughput.median:,.0f}",
        f"{throughput.minimum:,.0f}-{throughput.maximum:,.0f}",
        ratio_text(result, reference, seed=seed),
        *tail,
        "-" if result.cpu_us_per_request is None else f"{result.cpu_us_per_request:.0f}",
        _mib(result.rss_peak),
        _ms(result.connect_ms),
        _error_rate(result),
        _errors(result),
        Text(verdict, style=_VERDICT_STYLE.get(result.verdict, "") if result.verdict else ""),
    ]


def methodology_lines(stored: StoredRun) -> list[str]:
    """What the numbers mean and how they were taken, in a few lines under the tables."""
    if stored.run.configuration.get("kind") == "servers":
        # A server run (`http-benchmark servers`) is measured another way: it says how.
        from http_benchmark.servers.table import server_methodology_lines  # noqa: PLC0415

        return server_methodology_lines(stored)
    run, environment = stored.run, stored.run.environment
    configuration = run.configuration
    amount = (
        f"{configuration.get('requests')} requests"
        if configuration.get("requests")
        else f"{configuration.get('duration')} s"
    )
    servers = environment.get("servers") or [environment.get("server", {})]
    pinning = "pinned to CPU 1, server to CPU 0" if environment.get("pinned") else "not pinned"
    rate = configuration.get("rate")
    load = (
        f"open loop: {rate:g} requests/s on a fixed schedule, latency from each scheduled "
        "send time (HDR histogram)"
        if rate
        else "closed loop: each sender sends its next request when the last one is answered"
    )
    lines = [
        (
            f"run {run.id} '{run.name}' ({run.status}), {run.started_at:%Y-%m-%d %H:%M} UTC, "
            f"git {_short_commit(run.git_commit)}"
        ),
        (
            f"{configuration.get('rounds')} rounds x {amount} per cell "
            f"(+{configuration.get('warmup')} warm-up), each round a fresh process, cells in "
            f"seeded random order (seed {configuration.get('seed')}); every response checked "
            "(status, body length, and the protocol one response came with)"
        ),
        load,
        *(
            f"server: {server.get('kind', '?')} {server.get('url', '')}; clients {pinning}"
            for server in servers
        ),
        (
            f"machine: {environment.get('cpu')} x{environment.get('cpus')}, Python "
            f"{environment.get('python')}, {environment.get('platform')}"
        ),
    ]
    overhead = environment.get("harness_overhead_us")
    if overhead:
        lines.append(
            "harness overhead (no-I/O client): "
            + ", ".join(f"{key} {value:.1f} us/req" for key, value in overhead.items())
        )
    tools = sorted({ceiling.tool for ceiling in stored.ceilings})
    if tools:
        lines.append(f"server ceiling measured with {', '.join(tools)}")
    protocols = environment.get("protocols")
    if protocols:
        lines.append("protocols: " + ", ".join(f"{k} = {v}" for k, v in protocols.items()))
    if configuration.get("retries"):
        lines.append(
            f"retries: {configuration['retries']} more attempts after a failed connection, "
            "nothing else, for every client that can; other meanings are marked by the client"
        )
    lines.append(
        f"errors: a failed request counts with its time to failure, never as throughput; "
        f"verdict 'errors' above {configuration.get('max_error_rate', 0.01):.0%} failed"
    )
    lines.append(
        "verdict: server-bound >= "
        f"{configuration.get('server_bound_fraction', 0.85):.0%} of the ceiling; unstable when "
        f"the 95% CI is wider than {configuration.get('unstable_spread', 0.15):.0%} of the "
        "median or fewer than 3 rounds; else client-bound"
    )
    return lines


def runs_table(runs: Sequence[RunRecord]) -> Table:
    table = Table(title="runs")
    for column in ("id", "name", "status", "started (UTC)", "git", "clients", "scenarios"):
        table.add_column(column)
    for run in runs:
        configuration = run.configuration
        table.add_row(
            str(run.id),
            run.name,
            run.status,
            f"{run.started_at:%Y-%m-%d %H:%M}",
            _short_commit(run.git_commit),
            ",".join(configuration.get("clients", [])),
            ",".join(configuration.get("scenarios", [])) or "request",
        )
    return table


def samples_table(stored: StoredRun) -> Table:
    table = Table(title="raw samples (one per round)")
    for column in ("cell", "round", "ok", "req/s", "p50 ms", "p99 ms", "cpu us/req", "errors"):
        table.add_column(column)
    for result in stored.results:
        for sample in result.samples:
            table.add_row(
                result.key.label(),
                str(sample.round),
                str(sample.ok),
                f"{sample.requests_per_second:,.0f}",
                _ms(sample.latency.p50 if sample.latency else None),
                _ms(sample.latency.p99 if sample.latency else None),
                f"{sample.resources.cpu_us_per_request:.0f}",
                ", ".join(f"{k} {v}" for k, v in sample.errors.items()) or "0",
            )
    return table


def comparison_table(comparisons: Sequence[CellComparison], a: str, b: str) -> Table:
    table = Table(title=f"{a} -> {b}")
    for column in ("scenario", "mode", "conc", "client", "A req/s", "B req/s", "change", "p"):
        table.add_column(
            column, justify="left" if column in {"scenario", "mode", "client"} else "right"
        )
    table.add_column("verdict")
    for item in comparisons:
        key = item.key
        table.add_row(
            key.scenario,
            key.mode,
            str(key.concurrency),
            key.client,
            "-" if item.median_a is None else f"{item.median_a:,.0f}",
            "-" if item.median_b is None else f"{item.median_b:,.0f}",
            "-" if item.relative is None else f"{item.relative:+.1%}",
            "-" if item.p_value is None else f"{item.p_value:.3f}",
            Text(item.change.value + (f" ({item.note})" if item.note else ""),
                 style=_CHANGE_STYLE[item.change]),
        )  # fmt: skip
    return table
