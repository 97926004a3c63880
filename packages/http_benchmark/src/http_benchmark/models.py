"""The records a benchmark produces: what was asked, what one round measured, what a cell sums up.

They are pydantic models so that the worker subprocess, SQLite and the CLI all exchange the same
validated JSON.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "BenchmarkResult",
    "CellKey",
    "CellMode",
    "HTTPRequest",
    "LatencySummary",
    "Mode",
    "OpenLoopRound",
    "ResourceMetrics",
    "RoundSample",
    "Spread",
    "Verdict",
    "client_mode",
]

Mode = Literal["sync", "async"]
#: A cell's mode: a client's (sync, async), or "server" for a server benchmark's cell, whose
#: `client` is the server measured (`http-benchmark servers`).
CellMode = Literal["sync", "async", "server"]


def client_mode(mode: CellMode) -> Mode:
    """A cell's mode as a client runs it; a server cell has none (ValueError)."""
    if mode == "server":
        raise ValueError("a server cell is not run by a client worker")
    return mode


class Verdict(StrEnum):
    """What limited a cell's number."""

    #: The client could not go faster than this; the server had room to spare.
    CLIENT_BOUND = "client-bound"
    #: The client came close to the server's own ceiling: the number says more about the server.
    SERVER_BOUND = "server-bound"
    #: The rounds disagree too much (or there were too few) to trust the median.
    UNSTABLE = "unstable"
    #: More requests failed than the run allows (`max_error_rate`): the number is no speed.
    ERRORS = "errors"


class HTTPRequest(BaseModel):
    """The one request a cell sends over and over, identical for every client."""

    # Bodies are arbitrary bytes: base64 in JSON (to the worker), bytes in Python.
    model_config = ConfigDict(frozen=True, ser_json_bytes="base64", val_json_bytes="base64")

    method: str = "GET"
    url: str
    headers: dict[str, str] = Field(default_factory=dict)
    #: The request body; None sends none (and no Content-Length).
    body: bytes | None = None
    #: Every counted response must have this status...
    expected_status: int = 200
    #: ...and exactly this many body bytes (after decompression); None checks only the status.
    expected_length: int | None = None
    #: Send `Connection: close` and refuse connection reuse: every request opens a connection.
    new_connection: bool = False
    #: The wire protocol every client must speak for it (`http_benchmark.protocols`).
    protocol: str = "h1"
    #: Read the body in chunks as it arrives and drop them (a streamed download), instead of
    #: holding the whole body in memory.
    stream: bool = False


class CellKey(BaseModel):
    """One cell of a run's table: a scenario measured with one client, mode and concurrency."""

    model_config = ConfigDict(frozen=True)

    scenario: str
    client: str
    mode: CellMode
    concurrency: int
    #: Runs stored before protocols existed were all HTTP/1.1 on cleartext.
    protocol: str = "h1"

    def label(self) -> str:
        return f"{self.scenario}/{self.protocol}/{self.client}/{self.mode}/c{self.concurrency}"


class LatencySummary(BaseModel):
    """Latency of the counted requests, in milliseconds."""

    avg: float
    p50: float
    p90: float
    p99: float
    p999: float
    max: float
    #: p99.99: from the HDR histogram of open-loop rounds (None where not recorded).
    p9999: float | None = None


class ResourceMetrics(BaseModel):
    """What the client process spent during the timed part of one round."""

    #: Process CPU time (every thread, user + system) per counted request, in microseconds.
    cpu_us_per_request: float
    #: Resident memory when the timed part started, and its peak during it, in bytes.
    rss_start: int
    rss_peak: int
    #: Resident memory at the end minus at the start: what the round kept.
    rss_growth: int
    #: How the peak was read ("VmHWM after reset" is exact; "ru_maxrss" is a lower bound).
    rss_peak_method: str


class OpenLoopRound(BaseModel):
    """A round sent on a fixed schedule (`--rate`), latency counted from each scheduled time."""

    #: Requests per second the schedule asked for, and what was sent and answered.
    target_rate: float
    sent: int
    #: Responses per second that passed the checks, over the round's wall time.
    achieved_rate: float
    #: Requests whose send started later than scheduled by more than one interval (the client
    #: or the machine could not keep up: their waiting time is in the latency).
    late: int
    #: Percentiles of latency from the scheduled send time, ms, keyed "50", "99.99"...
    percentiles: dict[str, float]
    #: The whole HDR histogram of successful requests (microseconds), base64 as hdrhistogram
    #: encodes it: the report's latency-by-percentile plot is drawn from it.
    histogram: str


class RoundSample(BaseModel):
    """One round of one cell, measured in a fresh worker process: the raw sample kept forever."""

    round: int
    #: Responses that passed the checks: the only ones that count as throughput.
    ok: int
    #: Failed requests by error type (exception class name, `status-503`, `body-length`...).
    errors: dict[str, int] = Field(default_factory=dict)
    #: Wall time of the timed part, in seconds.
    elapsed: float
    requests_per_second: float
    latency: LatencySummary | None
    resources: ResourceMetrics
    #: Time to open a TCP connection, in ms (median of a few), where the client exposes it.
    connect_ms: float | None = None
    #: What a load tool measured beyond the fields above (server runs: mean latency in ms,
    #: the load generator's CPU share...), by name.
    detail: dict[str, float] = Field(default_factory=dict)
    #: Time to failure of the failed requests (ms): a client that fails fast is shown so.
    failure_latency: LatencySummary | None = None
    #: Open-loop rounds only: the schedule and what came of it.
    open_loop: OpenLoopRound | None = None

    @property
    def attempted(self) -> int:
        return self.ok + sum(self.errors.values())

    @property
    def error_rate(self) -> float:
        """Failed requests over all requests sent in the timed part (0 when none was sent)."""
        attempted = self.attempted
        return sum(self.errors.values()) / attempted if attempted else 0.0


class Spread(BaseModel):
    """A median with the range of the rounds and a bootstrap confidence interval."""

    median: float
    minimum: float
    maximum: float
    ci_low: float
    ci_high: float

    @property
    def relative_width(self) -> float:
        """The 95 % interval's width relative to the median (0 when the median is 0)."""
        return (self.ci_high - self.ci_low) / self.median if self.median else 0.0


class BenchmarkResult(BaseModel):
    """One cell summed up over its rounds; `samples` keeps every round as it was measured."""

    key: CellKey
    #: "ok", "partial" (a run stopped before all rounds), "unavailable" (client missing or
    #: mode unsupported) or "failed" (no round produced a counted response).
    status: Literal["ok", "partial", "unavailable", "failed"]
    reason: str | None = None
    rounds: int = 0
    requests_per_second: Spread | None = None
    #: Median over the rounds of each round's percentile.
    latency: LatencySummary | None = None
    cpu_us_per_request: float | None = None
    rss_peak: int | None = None
    rss_growth: int | None = None
    connect_ms: float | None = None
    errors: dict[str, int] = Field(default_factory=dict)
    #: Failed over sent requests, all counted rounds together.
    error_rate: float | None = None
    #: Median over the rounds of the failed requests' time to failure.
    failure_latency: LatencySummary | None = None
    #: Open-loop runs: median over the rounds of each percentile (ms, keyed "99.99"...) and
    #: of the achieved rate.
    open_loop_percentiles: dict[str, float] | None = None
    achieved_rate: float | None = None
    #: Why a cell's numbers are not like its neighbours' (e.g. retries it could not do).
    note: str | None = None
    verdict: Verdict | None = None
    samples: list[RoundSample] = Field(default_factory=list)
