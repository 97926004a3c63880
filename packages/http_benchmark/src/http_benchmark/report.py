"""A self-contained HTML report: inline SVG plots and tables, nothing fetched from anywhere.

At a glance first (a client per row, a protocol per column: `summary.py`), then throughput per
client and concurrency (bars with the rounds' min-max and the server's ceiling),
latency percentiles on a log axis, and a methodology header (machine, versions, rounds,
ceilings, harness overhead), so the file alone says what was measured and how.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from html import escape

from http_benchmark.adapters import CLIENT_NAMES
from http_benchmark.models import BenchmarkResult
from http_benchmark.open_loop import decode_histogram, percentile_curve
from http_benchmark.storage import StoredRun
from http_benchmark.summary import summary_html
from http_benchmark.tables import group_title, methodology_lines

__all__ = ["latency_svg", "percentile_svg", "render_html", "throughput_svg"]

# One colour per client, the same in every plot (colour-blind-safe Okabe-Ito palette).
_PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999")
COLOURS = dict(zip(CLIENT_NAMES, _PALETTE, strict=False))
_PERCENTILES = (("p50", "p50"), ("p90", "p90"), ("p99", "p99"), ("p999", "p99.9"), ("max", "max"))
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 760, 300, 70, 150, 20, 40


def _colour(client: str) -> str:
    return COLOURS.get(client, "#444")


def _nice_max(value: float) -> float:
    """A round axis maximum at or above `value` (1, 2, 5 x 10^n)."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return float(step * power)
    return 10.0 * power


def _legend(clients: Sequence[str]) -> str:
    items = []
    for index, client in enumerate(clients):
        y = TOP + 14 + index * 18
        x = WIDTH - RIGHT + 16
        items.append(
            f'<rect x="{x}" y="{y - 10}" width="12" height="12" fill="{_colour(client)}"/>'
            f'<text x="{x + 18}" y="{y}" font-size="12">{escape(client)}</text>'
        )
    return "".join(items)


def throughput_svg(
    results: Sequence[BenchmarkResult], ceilings: dict[int, float | None], title: str
) -> str:
    """Bars of median req/s per client, grouped by concurrency, min-max whiskers, ceilings."""
    measured = [r for r in results if r.requests_per_second is not None]
    levels = sorted({r.key.concurrency for r in measured})
    clients = [name for name in CLIENT_NAMES if any(r.key.client == name for r in measured)]
    if not levels or not clients:
        return "<p>No throughput to plot.</p>"
    peak = max(r.requests_per_second.maximum for r in measured if r.requests_per_second)
    peak = max([peak, *(value for value in ceilings.values() if value)])
    top = _nice_max(peak * 1.05)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    group_w = plot_w / len(levels)
    bar_w = group_w * 0.8 / len(clients)

    def y_of(value: float) -> float:
        return TOP + plot_h * (1 - value / top)

    parts = [_svg_open(title)]
    for tick in range(6):
        value = top * tick / 5
        y = y_of(value)
        parts.append(
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">'
            f"{value:,.0f}</text>"
        )
    for group, level in enumerate(levels):
        x0 = LEFT + group * group_w + group_w * 0.1
        for index, client in enumerate(clients):
            result = next(
                (r for r in measured if r.key.client == client and r.key.concurrency == level),
                None,
            )
            if result is None or result.requests_per_second is None:
                continue
            spread = result.requests_per_second
            x = x0 + index * bar_w
            y = y_of(spread.median)
            middle = x + bar_w / 2
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w * 0.9:.1f}" '
                f'height="{TOP + plot_h - y:.1f}" fill="{_colour(client)}">'
                f"<title>{escape(client)} c{level}: {spread.median:,.0f} req/s "
                f"(min {spread.minimum:,.0f}, max {spread.maximum:,.0f})</title></rect>"
                f'<line x1="{middle - bar_w * 0.05:.1f}" x2="{middle - bar_w * 0.05:.1f}" '
                f'y1="{y_of(spread.minimum):.1f}" y2="{y_of(spread.maximum):.1f}" '
                'stroke="#222" stroke-width="1.5"/>'
            )
        ceiling = ceilings.get(level)
        if ceiling:
            y = y_of(ceiling)
            parts.append(
                f'<line x1="{x0:.1f}" x2="{x0 + group_w * 0.8:.1f}" y1="{y:.1f}" y2="{y:.1f}" '
                'stroke="#c00" stroke-dasharray="5,3" stroke-width="1.5">'
                f"<title>server ceiling c{level}: {ceiling:,.0f} req/s</title></line>"
            )
        parts.append(
            f'<text x="{x0 + group_w * 0.4:.1f}" y="{HEIGHT - BOTTOM + 16}" font-size="12" '
            f'text-anchor="middle">concurrency {level}</text>'
        )
    parts.append(
        f'<text x="14" y="{TOP + plot_h / 2}" font-size="12" '
        f'transform="rotate(-90 14 {TOP + plot_h / 2})" text-anchor="middle">requests/s</text>'
    )
    parts.append(_legend(clients))
    parts.append(
        f'<text x="{WIDTH - RIGHT + 16}" y="{TOP + 14 + len(clients) * 18 + 8}" font-size="11" '
        'fill="#c00">- - server ceiling</text></svg>'
    )
    return "".join(parts)


def latency_svg(results: Sequence[BenchmarkResult], title: str) -> str:
    """Latency percentiles (median over rounds) per client, log-scaled milliseconds."""
    measured = [r for r in results if r.latency is not None]
    if not measured:
        return "<p>No latency to plot.</p>"
    values = [getattr(r.latency, field) for r in measured for field, _ in _PERCENTILES if r.latency]
    positive = [value for value in values if value > 0] or [1e-3]
    low = 10 ** math.floor(math.log10(min(positive)))
    high = 10 ** math.ceil(math.log10(max(positive)))
    if high <= low:
        high = low * 10
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / (len(_PERCENTILES) - 1)

    def y_of(value: float) -> float:
        value = max(value, low)
        share = (math.log10(value) - math.log10(low)) / (math.log10(high) - math.log10(low))
        return TOP + plot_h * (1 - share)

    parts = [_svg_open(title)]
    decade = low
    while decade <= high * 1.0001:
        y = y_of(decade)
        parts.append(
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">'
            f"{decade:g} ms</text>"
        )
        decade *= 10
    for index, (_, label) in enumerate(_PERCENTILES):
        parts.append(
            f'<text x="{LEFT + index * step:.1f}" y="{HEIGHT - BOTTOM + 16}" font-size="12" '
            f'text-anchor="middle">{label}</text>'
        )
    clients = []
    for result in measured:
        assert result.latency is not None  # noqa: S101 - filtered above
        clients.append(result.key.client)
        points = " ".join(
            f"{LEFT + index * step:.1f},{y_of(getattr(result.latency, field)):.1f}"
            for index, (field, _) in enumerate(_PERCENTILES)
        )
        colour = _colour(result.key.client)
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2">'
            f"<title>{escape(result.key.client)}</title></polyline>"
        )
        for index, (field, label) in enumerate(_PERCENTILES):
            value = getattr(result.latency, field)
            parts.append(
                f'<circle cx="{LEFT + index * step:.1f}" cy="{y_of(value):.1f}" r="3" '
                f'fill="{colour}"><title>{escape(result.key.client)} {label}: '
                f"{value:.3f} ms</title></circle>"
            )
    parts.append(_legend(clients))
    parts.append("</svg>")
    return "".join(parts)


def _merged_curve(result: BenchmarkResult) -> list[tuple[float, float]]:
    """The latency-by-percentile curve of all of a cell's open-loop rounds together."""
    histogram = None
    for sample in result.samples:
        if sample.open_loop is None:
            continue
        decoded = decode_histogram(sample.open_loop.histogram)
        if histogram is None:
            histogram = decoded
        else:
            histogram.add(decoded)
    if histogram is None or histogram.get_total_count() == 0:
        return []
    return percentile_curve(histogram)


def _nines(percentile: float) -> float:
    """x position of a percentile on a "number of nines" axis: 0 -> 0, 90 -> 1, 99 -> 2..."""
    return -math.log10(max(1e-6, 1 - percentile / 100))


def percentile_svg(results: Sequence[BenchmarkResult], title: str) -> str:
    """Latency (ms, log) by percentile (a log-of-nines axis, to p99.99 and beyond), one line
    per client, from the open-loop rounds' HDR histograms: the wrk2 / HdrHistogram plot."""
    curves = [(r.key.client, _merged_curve(r)) for r in results]
    curves = [(client, points) for client, points in curves if points]
    if not curves:
        return ""
    values = [ms for _, points in curves for _, ms in points if ms > 0] or [1e-3]
    low = 10 ** math.floor(math.log10(min(values)))
    high = 10 ** math.ceil(math.log10(max(values)))
    if high <= low:
        high = low * 10
    right = max(_nines(p) for _, points in curves for p, _ in points[:-1])
    right = max(4.0, math.ceil(right))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x_of(percentile: float) -> float:
        return LEFT + plot_w * min(_nines(percentile), right) / right

    def y_of(value: float) -> float:
        share = (math.log10(max(value, low)) - math.log10(low)) / (
            math.log10(high) - math.log10(low)
        )
        return TOP + plot_h * (1 - share)

    parts = [_svg_open(title)]
    decade = low
    while decade <= high * 1.0001:
        y = y_of(decade)
        parts.append(
            f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end">'
            f"{decade:g} ms</text>"
        )
        decade *= 10
    for nines in range(int(right) + 1):
        percentile = 100 * (1 - 10**-nines)
        label = f"p{percentile:.{max(0, nines - 2)}f}" if nines else "p0"
        x = LEFT + plot_w * nines / right
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" font-size="12" '
            f'text-anchor="middle">{label}</text>'
        )
    for client, points in curves:
        path = " ".join(f"{x_of(p):.1f},{y_of(ms):.1f}" for p, ms in points[:-1])
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{_colour(client)}" '
            f'stroke-width="2"><title>{escape(client)}</title></polyline>'
        )
    parts.append(_legend([client for client, _ in curves]))
    parts.append("</svg>")
    return "".join(parts)


def _svg_open(title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>"
    )


def _cell_table(results: Sequence[BenchmarkResult]) -> str:
    rows = []
    # Fastest first at each concurrency, as in the terminal; cells without a number last.
    for r in sorted(results, key=lambda r: (r.key.concurrency, -_median(r), r.key.client)):
        t, lat = r.requests_per_second, r.latency
        rate = "-" if r.error_rate is None else f"{r.error_rate:.1%}"
        if t is None:
            rows.append(
                f"<tr><td>{r.key.concurrency}</td><td>{escape(r.key.client)}</td>"
                f'<td colspan="8">{escape(r.status)}: {escape(r.reason or "")}</td>'
                f"<td>{rate}</td></tr>"
            )
            continue
        errors = ", ".join(f"{k} {v}" for k, v in r.errors.items()) or "0"
        rows.append(
            f"<tr><td>{r.key.concurrency}</td><td>{escape(r.key.client)}</td>"
            f"<td>{t.median:,.0f}</td><td>{t.minimum:,.0f}-{t.maximum:,.0f}</td>"
            f"<td>{t.ci_low:,.0f}-{t.ci_high:,.0f}</td>"
            f"<td>{lat.p50 if lat else 0:.2f} / {lat.p99 if lat else 0:.2f} / "
            f"{lat.p999 if lat else 0:.2f}</td>"
            f"<td>{r.cpu_us_per_request or 0:.0f}</td>"
            f"<td>{(r.rss_peak or 0) / 2**20:.1f}</td>"
            f"<td>{escape(errors)}</td><td>{escape(r.verdict.value if r.verdict else '-')}</td>"
            f"<td>{rate}</td></tr>"
        )
    return (
        "<table><tr><th>conc</th><th>client</th><th>req/s median</th><th>min-max</th>"
        "<th>95% CI</th><th>p50 / p99 / p99.9 ms</th><th>cpu us/req</th>"
        "<th>peak RSS MiB</th><th>errors</th><th>verdict</th><th>error rate</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _median(result: BenchmarkResult) -> float:
    return result.requests_per_second.median if result.requests_per_second else -1.0


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 980px; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 13px; }
td, th { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
td:nth-child(2), th:nth-child(2) { text-align: left; }
.method li { margin: 0.2em 0; }
h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2em; }
h3 { margin: 1em 0 0.3em; font-size: 15px; }
table.glance td { min-width: 8em; text-align: right; }
table.glance td:first-child { min-width: 0; text-align: left; }
td.na { color: #999; }
p.absent { color: #777; font-size: 13px; margin-top: -1em; }
"""


def render_html(stored: StoredRun) -> str:
    """The whole report as one HTML document (no external resources)."""
    run = stored.run
    environment = run.environment
    method = "".join(f"<li>{escape(line)}</li>" for line in methodology_lines(stored))
    measured = {result.key.client for result in stored.results}
    versions = "".join(
        f"<tr><td>{escape(name)}</td><td>{escape(info.get('version') or '-')}</td>"
        f"<td>{escape(info.get('reason') or '')}</td></tr>"
        for name, info in environment.get("clients", {}).items()
        if name in measured  # not the harness's own no-I/O client
    )
    ceilings = "".join(
        f"<tr><td>{escape(c.scenario)}</td><td>{c.concurrency}</td>"
        f"<td>{'-' if c.requests_per_second is None else f'{c.requests_per_second:,.0f}'}</td>"
        f"<td>{escape(c.tool)}</td><td>{escape(c.detail or '')}</td></tr>"
        for c in stored.ceilings
    )
    sections = []
    groups: dict[tuple[str, str, str], list[BenchmarkResult]] = defaultdict(list)
    for result in stored.results:
        groups[result.key.scenario, result.key.protocol, result.key.mode].append(result)
    for (scenario, protocol, mode), results in groups.items():
        title = group_title(scenario, protocol, mode)
        level_ceilings = {
            level: stored.ceiling_for(scenario, level, protocol)
            for level in {r.key.concurrency for r in results}
        }
        parts = [
            f"<h2>{escape(title)}</h2>",
            throughput_svg(results, level_ceilings, f"{title}: requests per second"),
        ]
        for level in sorted(level_ceilings):
            at_level = [r for r in results if r.key.concurrency == level]
            parts.append(latency_svg(at_level, f"{title} c{level}: latency percentiles (log)"))
            parts.append(
                percentile_svg(
                    at_level, f"{title} c{level}: open-loop latency by percentile (log-log)"
                )
            )
        parts.append(_cell_table(results))
        sections.append("".join(parts))
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>http-benchmark run {run.id}: {escape(run.name)}</title>"
        f"<style>{_STYLE}</style></head><body>"
        f"<h1>http-benchmark run {run.id}: {escape(run.name)}</h1>"
        f"<h2>At a glance</h2>{summary_html(stored)}"
        f'<h2>Methodology</h2><ul class="method">{method}</ul>'
        "<table><tr><th>client</th><th>version</th><th>note</th></tr>"
        f"{versions}</table>"
        "<table><tr><th>scenario</th><th>conc</th><th>server ceiling req/s</th><th>tool</th>"
        f"<th>note</th></tr>{ceilings}</table>" + "".join(sections) + "</body></html>\n"
    )
