"""What a server process (with its children: hypercorn serves from a worker) spent in a window.

CPU time is read before and after; resident memory is sampled every `interval` seconds on a
thread, so the peak is a lower bound of the true one (a spike shorter than the interval can
be missed) and is labelled so.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from types import TracebackType
from typing import Self

import psutil

__all__ = ["ProcessWatch", "WatchResult"]


@dataclass(frozen=True)
class WatchResult:
    cpu_seconds: float
    rss_start: int
    rss_peak: int
    rss_end: int


def _tree(pid: int) -> list[psutil.Process]:
    try:
        process = psutil.Process(pid)
        return [process, *process.children(recursive=True)]
    except psutil.Error:
        return []


def _cpu(processes: list[psutil.Process]) -> float:
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue  # a child that ended: its time is gone with it
        total += times.user + times.system
    return total


def _rss(processes: list[psutil.Process]) -> int:
    total = 0
    for process in processes:
        try:
            total += process.memory_info().rss
        except psutil.Error:
            continue
    return total


class ProcessWatch:
    """`with ProcessWatch(pid) as watch: ...` then `watch.result`."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self._pid, self._interval = pid, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._processes: list[psutil.Process] = []
        self._cpu_start = 0.0
        self._rss_start = self._peak = 0
        self.result: WatchResult | None = None

    def _sample(self) -> None:
        while not self._stop.wait(self._interval):
            self._peak = max(self._peak, _rss(self._processes))

    def __enter__(self) -> Self:
        self._processes = _tree(self._pid)
        self._cpu_start = _cpu(self._processes)
        self._rss_start = self._peak = _rss(self._processes)
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        end = _rss(self._processes)
        self.result = WatchResult(
            cpu_seconds=_cpu(self._processes) - self._cpu_start,
            rss_start=self._rss_start,
            rss_peak=max(self._peak, end),
            rss_end=end,
        )
