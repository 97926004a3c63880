"""The samples clients.py collects per (scenario, client), and the tables it prints."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from http_benchmark.nginx.protocol import LARGE_PATH, LARGE_SIZE, SMALL_BODY, SMALL_PATH

__all__ = ["Samples", "print_download_table", "print_throughput_table"]

MIB = float(1 << 20)


@dataclass
class Samples:
    """One client in one scenario, over all rounds; errored rounds add no numbers."""

    rps: list[float] = field(default_factory=list)
    cpu_us: list[float] = field(default_factory=list)
    connections: list[int] = field(default_factory=list)
    rss_growth: list[int] = field(default_factory=list)
    rss_method: str = ""
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    skipped: str | None = None


def _median(values: Sequence[float]) -> float:
    return statistics.median(values)


def _span(values: Sequence[float], digits: int = 0) -> str:
    return f"{min(values):.{digits}f}-{max(values):.{digits}f}"


def _connections(values: Sequence[int]) -> str:
    return str(values[0]) if min(values) == max(values) else f"{min(values)}-{max(values)}"


def _ratio(value: float, baseline: float | None) -> str:
    return f"{value / baseline:.2f}x" if baseline else "-"


def _verdict(met: bool) -> str:  # noqa: FBT001 - a yes/no is all it formats
    return "met" if met else "NOT met"


def _print_problems(samples: dict[str, Samples]) -> None:
    for name, sample in samples.items():
        if sample.skipped:
            print(f"  skipped {name}: {sample.skipped}")
        for error in dict.fromkeys(sample.errors):
            count = sample.errors.count(error)
            print(f"  ERROR {name} ({count} round{'s' * (count > 1)}): {error}")
        for note in dict.fromkeys(sample.notes):
            print(f"  note {name}: {note}")


def print_throughput_table(
    title: str,
    samples: dict[str, Samples],
    baseline: str,
    target_rps: float,
    target_cpu: float | None,
) -> None:
    """req/s and CPU µs/req per client, medians with min-max, ratios to `baseline`.

    The target line states requestx's ratio to the baseline against the issue's goal (at least
    `target_rps` times its req/s; at most `target_cpu` times its CPU per request).
    """
    measured = {name: sample for name, sample in samples.items() if sample.rps}
    print(f"\n{title}")
    print(f"  (SMALL: GET {SMALL_PATH}, {len(SMALL_BODY)} B JSON; medians of rounds, min-max)")
    base = measured.get(baseline) or measured.get("requestx")
    base_name = baseline if baseline in measured else "requestx"
    base_rps = _median(base.rps) if base else None
    base_cpu = _median(base.cpu_us) if base else None
    rps_head, cpu_head = f"req/s vs {base_name}", f"cpu vs {base_name}"
    print(
        f"{'client':9} {'req/s median':>12} {'min-max':>13} {'cpu us/req':>10} {'min-max':>13}"
        f" {'conns':>5} {rps_head:>18} {cpu_head:>16}"
    )
    for name, sample in sorted(measured.items(), key=lambda item: -_median(item[1].rps)):
        rps, cpu = _median(sample.rps), _median(sample.cpu_us)
        print(
            f"{name:9} {rps:12.0f} {_span(sample.rps):>13} {cpu:10.1f}"
            f" {_span(sample.cpu_us, 0):>13} {_connections(sample.connections):>5}"
            f" {_ratio(rps, base_rps):>18} {_ratio(cpu, base_cpu):>16}"
        )
    requestx = measured.get("requestx")
    if requestx and base_rps and base_cpu and base_name == baseline:
        rps_ratio = _median(requestx.rps) / base_rps
        line = (
            f"  target: requestx req/s {rps_ratio:.2f}x {baseline}"
            f" (>= {target_rps:.2f}x: {_verdict(rps_ratio >= target_rps)})"
        )
        if target_cpu is not None:
            cpu_ratio = _median(requestx.cpu_us) / base_cpu
            line += (
                f"; cpu us/req {cpu_ratio:.2f}x {baseline}"
                f" (<= {target_cpu:.2f}x: {_verdict(cpu_ratio <= target_cpu)})"
            )
        print(line)
    elif "requestx" in samples:
        print(f"  target: not judged ({baseline} or requestx has no numbers)")
    _print_problems(samples)


def print_download_table(title: str, samples: dict[str, Samples], target: float) -> None:
    """Peak RSS growth per client while downloading LARGE, in MiB and in body sizes."""
    measured = {name: sample for name, sample in samples.items() if sample.rss_growth}
    methods = sorted({sample.rss_method for sample in measured.values()})
    print(f"\n{title}")
    print(
        f"  (LARGE: GET {LARGE_PATH}, {LARGE_SIZE / MIB:.2f} MiB, body kept as bytes;"
        f" growth = peak RSS - RSS before, by {', '.join(methods) or '-'})"
    )
    print(f"{'client':16} {'growth MiB median':>17} {'min-max':>11} {'x body':>7}")
    for name, sample in sorted(measured.items(), key=lambda item: _median(item[1].rss_growth)):
        growth = _median(sample.rss_growth)
        print(
            f"{name:16} {growth / MIB:17.2f} {_span([g / MIB for g in sample.rss_growth], 2):>11}"
            f" {growth / LARGE_SIZE:6.2f}x"
        )
    for name, sample in measured.items():
        if name.startswith("requestx"):
            ratio = _median(sample.rss_growth) / LARGE_SIZE
            print(
                f"  target: {name} peak RSS growth {ratio:.2f}x body"
                f" (<= {target:.2f}x: {_verdict(ratio <= target)})"
            )
    _print_problems(samples)
