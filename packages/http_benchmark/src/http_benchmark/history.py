"""Each cell across stored runs, oldest first: the numbers behind `history` and the trend plot.

A cell is the same (scenario, client, mode, concurrency) in every run; runs are chosen by
name (every run called `bench`, say) or all of them, and only finished or interrupted runs
with a number for the cell give it a point. Like asv's graphs, a point carries its run, date
and commit, so a step in the line can be traced to the change that made it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from html import escape

from pydantic import BaseModel

from http_benchmark.models import CellKey
from http_benchmark.storage import Storage, StoredRun

__all__ = [
    "CellHistory",
    "HistoryPoint",
    "cell_histories",
    "history_html",
    "history_svg",
    "load_history",
]


class HistoryPoint(BaseModel):
    run_id: int
    run_name: str
    started_at: datetime
    git_commit: str | None
    median: float
    ci_low: float
    ci_high: float


class CellHistory(BaseModel):
    key: CellKey
    points: list[HistoryPoint]

    @property
    def change(self) -> float | None:
        """The last point's median relative to the first's, minus one (None with one point)."""
        if len(self.points) < 2 or not self.points[0].median:
            return None
        return self.points[-1].median / self.points[0].median - 1


def cell_histories(runs: Sequence[StoredRun]) -> list[CellHistory]:
    """Every cell with a number in at least one of `runs`, its points in run order."""
    points: dict[CellKey, list[HistoryPoint]] = defaultdict(list)
    for stored in sorted(runs, key=lambda item: item.run.id):
        if stored.run.status in ("running", "failed"):
            continue
        for result in stored.results:
            spread = result.requests_per_second
            if spread is None:
                continue
            points[result.key].append(
                HistoryPoint(
                    run_id=stored.run.id,
                    run_name=stored.run.name,
                    started_at=stored.run.started_at,
                    git_commit=stored.run.git_commit,
                    median=spread.median,
                    ci_low=spread.ci_low,
                    ci_high=spread.ci_high,
                )
            )
    keys = sorted(points, key=lambda k: (k.scenario, k.mode, k.concurrency, k.client))
    return [CellHistory(key=key, points=points[key]) for key in keys]


def load_history(
    storage: Storage,
    *,
    name: str | None = None,
    last: int | None = None,
    until: int | None = None,
) -> list[CellHistory]:
    """The histories of the runs called `name` (all runs when None), the `last` N of them.

    `until` leaves out runs after that run id (a report of an old run shows its past only).
    """
    records = [
        r
        for r in storage.list_runs()
        if (name is None or r.name == name) and (until is None or r.id <= until)
    ]
    if last is not None:
        records = records[-last:]
    return cell_histories([storage.load_run(record.id) for record in records])


_WIDTH, _HEIGHT, _PAD = 420, 160, 36


def history_svg(history: CellHistory) -> str:
    """A small inline SVG: the median per run (line) and its 95 % interval (band)."""
    points = history.points
    top = max(point.ci_high for point in points) or 1.0
    step = (_WIDTH - 2 * _PAD) / max(1, len(points) - 1)

    def x(index: int) -> float:
        return _PAD + index * step

    def y(value: float) -> float:
        return _HEIGHT - _PAD - (value / top) * (_HEIGHT - 2 * _PAD)

    band = " ".join(f"{x(i):.1f},{y(p.ci_high):.1f}" for i, p in enumerate(points))
    band += " " + " ".join(
        f"{x(i):.1f},{y(p.ci_low):.1f}" for i, p in reversed(list(enumerate(points)))
    )
    line = " ".join(f"{x(i):.1f},{y(p.median):.1f}" for i, p in enumerate(points))
    dots = "".join(
        f'<circle cx="{x(i):.1f}" cy="{y(p.median):.1f}" r="3"><title>run {p.run_id} '
        f"{escape(p.run_name)} {p.started_at:%Y-%m-%d %H:%M} git {(p.git_commit or '?')[:8]}: "
        f"{p.median:,.0f} req/s</title></circle>"
        for i, p in enumerate(points)
    )
    labels = "".join(
        f'<text x="{x(i):.1f}" y="{_HEIGHT - 8}" font-size="10" text-anchor="middle">'
        f"{p.run_id}</text>"
        for i, p in enumerate(points)
    )
    title = escape(history.key.label())
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{_HEIGHT}" '
        f'role="img" aria-label="{title}"><title>{title}</title>'
        f'<text x="{_PAD}" y="14" font-size="12">{title}</text>'
        f'<text x="4" y="{y(top) + 4:.1f}" font-size="10">{top:,.0f}</text>'
        f'<polygon points="{band}" fill="#9ecae1" opacity="0.5"/>'
        f'<polyline points="{line}" fill="none" stroke="#3182bd" stroke-width="2"/>'
        f"{dots}{labels}</svg>"
    )


def history_html(histories: Sequence[CellHistory]) -> str:
    """The report's history section: one trend plot per cell (x: run id, y: req/s)."""
    if not histories:
        return ""
    plots = "\n".join(history_svg(history) for history in histories)
    return (
        '<section id="history"><h2>History</h2>'
        "<p>Each cell across the stored runs of this name: the median requests/s per run "
        "(line) and its bootstrap 95 % interval (band); x is the run id.</p>"
        f"{plots}</section>"
    )
