"""Interleaved rounds and the median table shared by httpy's benchmark commands.

Every round measures every server once, in an order shuffled per round (seeded, so a run can
be repeated): drift on a noisy machine then hits every server alike. The table gives each
server's median requests/s (or messages/s) with min-max, median latency, the errors summed
over all rounds (a server cannot look faster by failing) and its ratio to each baseline's
median.
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["Measurement", "Samples", "interleaved_rounds", "print_table"]


class Measurement(Protocol):
    """One load-generator run against one server."""

    @property
    def requests_per_second(self) -> float: ...

    @property
    def latency_ms(self) -> float: ...

    @property
    def errors(self) -> int: ...


@dataclass
class Samples:
    rps: list[float] = field(default_factory=list)
    latency_ms: list[float] = field(default_factory=list)
    errors: int = 0


def interleaved_rounds(  # noqa: PLR0913 - each is one independent knob of the run
    names: list[str],
    measure: Callable[[str, float], Measurement],
    *,
    rounds: int,
    duration: float,
    seed: int,
    warmup: float = 1.0,
    unit: str = "req/s",
) -> dict[str, Samples]:
    """`measure(name, seconds)` for every name, `rounds` times, after one warm-up run each.

    `unit` names what `requests_per_second` counts in the progress lines (`msg/s`...).
    """
    order = list(names)
    shuffler = random.Random(seed)
    samples = {name: Samples() for name in order}
    width = max(9, *(len(name) for name in order))
    for name in order:  # warm-up: imports, caches and the kernel's accept queue
        measure(name, warmup)
    for round_number in range(1, rounds + 1):
        shuffler.shuffle(order)
        for name in order:
            result = measure(name, duration)
            samples[name].rps.append(result.requests_per_second)
            samples[name].latency_ms.append(result.latency_ms)
            samples[name].errors += result.errors
            print(
                f"  round {round_number}/{rounds} {name:{width}}"
                f" {result.requests_per_second:10.0f} {unit}  errors {result.errors}",
                flush=True,
            )
    return samples


def print_table(
    samples: dict[str, Samples],
    title: str,
    baselines: list[str],
    *,
    unit: str = "req/s",
    latency: str = "latency ms",
) -> None:
    """Servers by median rate, with a `vs NAME` ratio column per baseline measured.

    `unit` and `latency` head the rate and latency columns (`msg/s`, `rtt ms`...).
    """
    medians = {name: statistics.median(sample.rps) for name, sample in samples.items()}
    ratios = [name for name in baselines if medians.get(name)]
    print(f"\n{title}, medians of interleaved rounds")
    width = max(10, *(len(name) for name in samples))
    header = f"{'server':{width}} {unit + ' median':>13} {'min-max':>17}"
    header += f" {latency:>11} {'errors':>7}"
    columns = {name: max(11, len(name) + 3) for name in ratios}  # "vs NAME", right-aligned
    header += "".join(f" {'vs ' + name:>{columns[name]}}" for name in ratios)
    print(header)
    for name, sample in sorted(samples.items(), key=lambda item: -medians[item[0]]):
        line = (
            f"{name:{width}} {medians[name]:13.0f} {min(sample.rps):8.0f}-{max(sample.rps):<8.0f}"
            f" {statistics.median(sample.latency_ms):11.2f} {sample.errors:7d}"
        )
        line += "".join(
            f" {medians[name] / medians[base]:{columns[base] - 1}.2f}x" for base in ratios
        )
        print(line)
