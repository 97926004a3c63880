"""The run at a glance: one grid per (scenario, mode, concurrency), a client per row and a
protocol per column, each cell the median req/s and its ratio to the baseline client.

`run_tables` gives every figure of every cell; a run over four protocols makes sixteen of those
tables. This view answers the question most readers bring (which client is fastest on which
protocol) in a screenful, for the terminal (`show --summary`, `summary_tables`) and at the top
of the HTML report (`summary_html`); the spread, latency, CPU, memory and verdicts behind each
number stay in the full tables.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from http_benchmark.models import BenchmarkResult
from http_benchmark.protocols import PROTOCOLS
from http_benchmark.storage import StoredRun

__all__ = ["SummaryGrid", "summary_cell", "summary_grids", "summary_html", "summary_tables"]

_ASYNC_REFERENCE = "aiohttp"
# Short labels: the column headers of a screen-wide table.
_COLUMN = {
    "h1": "HTTP/1.1",
    "h1-tls": "HTTP/1.1+TLS",
    "h2": "HTTP/2+TLS",
    "h2c": "h2c",
    "h3": "HTTP/3",
}


@dataclass(frozen=True)
class SummaryGrid:
    """One (scenario, mode, concurrency): `cells[client][protocol]`, None where not run."""

    scenario: str
    mode: str
    concurrency: int
    protocols: tuple[str, ...]
    #: Clients with at least one number, fastest first.
    clients: tuple[str, ...]
    cells: dict[str, dict[str, BenchmarkResult]]
    #: Clients without any number here, by the reason (`no async mode`): a line, not rows.
    absent: dict[str, tuple[str, ...]]

    def absent_line(self) -> str:
        return "; ".join(f"{', '.join(names)}: {why}" for why, names in self.absent.items())

    def title(self, baseline: str | None) -> str:
        versus = f" (vs {baseline})" if baseline else ""
        return (
            f"{self.scenario} · {self.mode} · {self.concurrency} in flight — req/s median{versus}"
        )

    def baseline(self, preferred: str) -> str | None:
        """`preferred` where it has a number in this grid; else aiohttp, the usual async
        reference (requests has no async mode); else no ratios."""
        for client in (preferred, _ASYNC_REFERENCE):
            if any(result.requests_per_second for result in self.cells.get(client, {}).values()):
                return client
        return None

    def cell(self, client: str, protocol: str) -> BenchmarkResult | None:
        return self.cells.get(client, {}).get(protocol)

    def fastest(self, protocol: str) -> float:
        """The highest median in a column (0 when none was measured)."""
        medians = [
            result.requests_per_second.median
            for row in self.cells.values()
            if (result := row.get(protocol)) is not None and result.requests_per_second
        ]
        return max(medians, default=0.0)


def summary_grids(stored: StoredRun) -> list[SummaryGrid]:
    """The grids of a run, in the order its cells were planned; clients fastest first on
    the first protocol, then the next; protocols in the order of `PROTOCOLS`."""
    groups: dict[tuple[str, str, int], dict[str, dict[str, BenchmarkResult]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for result in stored.results:
        key = result.key
        groups[key.scenario, key.mode, key.concurrency][key.client][key.protocol] = result
    grids = []
    for (scenario, mode, concurrency), cells in groups.items():
        protocols = tuple(p for p in PROTOCOLS if any(p in row for row in cells.values()))
        measured = [c for c in cells if any(r.requests_per_second for r in cells[c].values())]
        clients = tuple(sorted(measured, key=lambda client: _sort_key(cells[client], protocols)))
        absent: dict[str, list[str]] = defaultdict(list)
        for client, row in cells.items():
            if client not in measured:
                reasons = sorted({_missing(result) for result in row.values()})
                absent[", ".join(reasons)].append(client)
        grids.append(
            SummaryGrid(
                scenario, mode, concurrency, protocols, clients, dict(cells),
                {why: tuple(names) for why, names in absent.items()},
            )
        )  # fmt: skip
    return grids


def _sort_key(row: dict[str, BenchmarkResult], protocols: Sequence[str]) -> tuple[float, ...]:
    """Fastest first on the first protocol, then the next; unmeasured cells last."""
    key: list[float] = []
    for protocol in protocols:
        result = row.get(protocol)
        rate = result.requests_per_second if result is not None else None
        key.append(-rate.median if rate is not None else 0.0)
    return tuple(key)


def _reference_cell(
    grid: SummaryGrid, reference: str | None, protocol: str
) -> BenchmarkResult | None:
    return grid.cell(reference, protocol) if reference else None


def _cell_text(result: BenchmarkResult | None, baseline: BenchmarkResult | None) -> str | None:
    """`12,345 (2.10x)`, or None when the cell has no number (see `_missing`)."""
    if result is None or result.requests_per_second is None:
        return None
    median = result.requests_per_second.median
    text = f"{median:,.0f}"
    reference = baseline.requests_per_second if baseline is not None else None
    if reference is not None and reference.median > 0:
        text += f" ({median / reference.median:.2f}x)"
    return text


def _missing(result: BenchmarkResult | None) -> str:
    """Why a cell has no number: `no HTTP/2`, `failed`...; `-` when it was not planned."""
    if result is None:
        return "-"
    return (result.reason or result.status).removeprefix("unavailable: ")


def summary_cell(result: BenchmarkResult | None, baseline: BenchmarkResult | None) -> Text:
    """A grid cell for the terminal: the number, red when requests failed; or why not, dim."""
    text = _cell_text(result, baseline)
    if text is None:
        return Text(_missing(result), style="dim")
    return Text(text, style="red" if result is not None and result.error_rate else "")


def summary_tables(stored: StoredRun, *, baseline: str = "requests") -> RenderableType:
    """Every grid of the run as a rich table."""
    tables: list[RenderableType] = []
    for grid in summary_grids(stored):
        reference = grid.baseline(baseline)
        table = Table(title=grid.title(reference), title_justify="left")
        table.add_column("client")
        for protocol in grid.protocols:
            table.add_column(_COLUMN.get(protocol, protocol), justify="right")
        for client in grid.clients:
            cells = [
                summary_cell(grid.cell(client, p), _reference_cell(grid, reference, p))
                for p in grid.protocols
            ]
            table.add_row(client, *cells)
        if grid.absent:
            table.caption = grid.absent_line()
            table.caption_justify = "left"
        tables.append(table)
    return Group(*tables)


def summary_html(stored: StoredRun, *, baseline: str = "requests") -> str:
    """Every grid as an HTML table; a cell's shade says how close it is to the fastest client
    of its column (darkest: the fastest), so the winners stand out in a screenshot."""
    parts = []
    for grid in summary_grids(stored):
        reference = grid.baseline(baseline)
        head = "".join(f"<th>{escape(_COLUMN.get(p, p))}</th>" for p in grid.protocols)
        rows = []
        for client in grid.clients:
            cells = []
            for protocol in grid.protocols:
                result = grid.cell(client, protocol)
                text = _cell_text(result, _reference_cell(grid, reference, protocol))
                if text is None or result is None or result.requests_per_second is None:
                    cells.append(f'<td class="na">{escape(_missing(result))}</td>')
                    continue
                fastest = grid.fastest(protocol)
                share = result.requests_per_second.median / fastest if fastest else 0.0
                alpha = 0.08 + 0.5 * share
                cells.append(f'<td style="background: rgba(0, 114, 178, {alpha:.2f})">{text}</td>')
            rows.append(f"<tr><td>{escape(client)}</td>{''.join(cells)}</tr>")
        parts.append(
            f'<h3>{escape(grid.title(reference))}</h3><table class="glance">'
            f"<tr><th>client</th>{head}</tr>{''.join(rows)}</table>"
        )
        if grid.absent:
            parts.append(f'<p class="absent">{escape(grid.absent_line())}</p>')
    return "".join(parts)
