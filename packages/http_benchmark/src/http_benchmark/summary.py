"""The run at a glance: one table per (scenario, mode, concurrency), a client per row and a
protocol per column, each cell the median req/s and its ratio to the baseline client.

`run_tables` gives every figure of every cell; a run over four protocols makes sixteen of those
tables. This view answers the question most readers bring (which client is fastest on which
protocol) in a screenful, and points to `show` without `--summary` for the spread, latency,
CPU, memory and verdicts behind each number.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from http_benchmark.models import BenchmarkResult
from http_benchmark.protocols import PROTOCOLS
from http_benchmark.storage import StoredRun

__all__ = ["summary_cell", "summary_tables"]

# Short labels: the column headers of a screen-wide table.
_COLUMN = {
    "h1": "HTTP/1.1",
    "h1-tls": "HTTP/1.1+TLS",
    "h2": "HTTP/2+TLS",
    "h2c": "h2c",
    "h3": "HTTP/3",
}


def summary_cell(result: BenchmarkResult | None, baseline: BenchmarkResult | None) -> Text:
    """`12,345 (2.10x)`: the median req/s and the ratio of medians to the baseline; the
    reason a cell has no number (`no HTTP/2`, `failed`) dimmed; `-` when not measured."""
    if result is None:
        return Text("-", style="dim")
    rate = result.requests_per_second
    if rate is None:
        reason = result.reason or result.status
        return Text(reason.removeprefix("unavailable: "), style="dim")
    text = f"{rate.median:,.0f}"
    reference = baseline.requests_per_second if baseline is not None else None
    if reference is not None and reference.median > 0:
        text += f" ({rate.median / reference.median:.2f}x)"
    style = "red" if result.error_rate else ""
    return Text(text, style=style)


def summary_tables(stored: StoredRun, *, baseline: str = "requests") -> RenderableType:
    """One table per (scenario, mode, concurrency), clients sorted by their first protocol's
    median, fastest first; protocols in the order of `PROTOCOLS`."""
    groups: dict[tuple[str, str, int], dict[tuple[str, str], BenchmarkResult]] = defaultdict(dict)
    for result in stored.results:
        key = result.key
        groups[key.scenario, key.mode, key.concurrency][key.client, key.protocol] = result
    tables: list[RenderableType] = []
    for (scenario, mode, concurrency), cells in groups.items():
        protocols = [p for p in PROTOCOLS if any(protocol == p for _, protocol in cells)]
        clients = sorted(
            {client for client, _ in cells},
            key=lambda client: _sort_key(cells, client, protocols),
        )
        title = f"{scenario} · {mode} · {concurrency} in flight — req/s median (vs {baseline})"
        table = Table(title=title, title_justify="left")
        table.add_column("client")
        for protocol in protocols:
            table.add_column(_COLUMN.get(protocol, protocol), justify="right")
        for client in clients:
            row = [
                summary_cell(cells.get((client, p)), cells.get((baseline, p))) for p in protocols
            ]
            table.add_row(client, *row)
        tables.append(table)
    return Group(*tables)


def _sort_key(
    cells: dict[tuple[str, str], BenchmarkResult], client: str, protocols: Sequence[str]
) -> tuple[float, ...]:
    """Fastest first on the first protocol, then the next; unmeasured cells last."""
    key: list[float] = []
    for protocol in protocols:
        result = cells.get((client, protocol))
        rate = result.requests_per_second if result is not None else None
        key.append(-rate.median if rate is not None else 0.0)
    return tuple(key)
