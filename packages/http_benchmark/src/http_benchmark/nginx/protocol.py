"""What `nginx-clients` and each client's subprocess (`nginx.worker`) agree on.

A `Job` goes to the subprocess as one JSON argument; an `Outcome` comes back as the last line
of its stdout. Both sides share the request headers, paths and body sizes defined here, so
every client asks for the same thing and is checked against the same expectation.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, get_args

__all__ = [
    "ECHO_PATH",
    "HEADERS",
    "LARGE_PATH",
    "LARGE_SIZE",
    "SCENARIOS",
    "SCENARIO_CLIENTS",
    "SMALL_BODY",
    "SMALL_PATH",
    "STATUS_PATH",
    "SYNC_SCENARIOS",
    "TIMEOUT",
    "TLS_SCENARIOS",
    "Job",
    "Outcome",
    "Scenario",
    "expected_echo",
]

Scenario = Literal[
    "sync",
    "async",
    "https-sync",
    "https-async",
    "h2-threads",
    "download-sync",
    "download-async",
]
SCENARIOS: tuple[Scenario, ...] = get_args(Scenario)
# Over TLS 1.3 (the job carries the CA file): HTTP/1.1, or HTTP/2 for h2-threads.
TLS_SCENARIOS: frozenset[Scenario] = frozenset({"https-sync", "https-async", "h2-threads"})
# Run from one thread each; h2-threads runs `concurrency` threads; the rest are asyncio.
SYNC_SCENARIOS: frozenset[Scenario] = frozenset(
    {"sync", "https-sync", "download-sync", "h2-threads"}
)

# Which clients take part in which scenario, in table order.
SCENARIO_CLIENTS: dict[Scenario, tuple[str, ...]] = {
    "sync": ("requestx", "requests", "httpx", "urllib3", "pycurl"),
    "async": ("requestx", "aiohttp", "httpx"),
    "https-sync": ("requestx", "requests", "httpx", "urllib3", "pycurl"),
    "https-async": ("requestx", "aiohttp", "httpx"),
    # Not httpx: its HTTP/2 connection shared by 16 threads fails within a few thousand
    # requests (h2 state errors, nginx's GOAWAY with PROTOCOL_ERROR), in most rounds.
    "h2-threads": ("requestx", "pycurl"),
    "download-sync": ("requestx", "requests", "httpx", "urllib3", "pycurl"),
    "download-async": ("requestx", "aiohttp", "httpx"),
}

# Every client sends exactly these (plus Host); nginx echoes them back once per run
# (ECHO_PATH) so the parent can see that no client sends something different.
HEADERS: dict[str, str] = {
    "User-Agent": "requestx-benchmark",
    "Accept": "*/*",
    "Accept-Encoding": "gzip, deflate",
    "Connection": "keep-alive",
}


def expected_echo(scenario: Scenario) -> dict[str, str]:
    """The headers nginx should echo back: HEADERS, but HTTP/2 carries no `Connection`."""
    expected = {name.lower(): value for name, value in HEADERS.items()}
    if scenario == "h2-threads":
        expected["connection"] = ""
    return expected


SMALL_PATH = "/small.json"
SMALL_BODY = b'{"hello":"world","items":[1,2,3],"ok":true}'
LARGE_PATH = "/large.bin"
LARGE_SIZE = 1 << 20
ECHO_PATH = "/echo-headers"
STATUS_PATH = "/nginx-status"
# Seconds; every client gets the same one so none of them waits forever on a broken run.
TIMEOUT = 30.0


@dataclass(frozen=True)
class Job:
    """One client running one scenario in a fresh process (`concurrency` is the number of
    tasks, or of threads for h2-threads)."""

    scenario: Scenario
    client: str
    base_url: str
    requests: int
    warmup: int
    concurrency: int
    pool_size: int
    # The CA that signed nginx's certificate, for TLS scenarios (verification stays on).
    ca_file: str | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Job:
        data: dict[str, Any] = json.loads(text)
        scenario = data["scenario"]
        if scenario not in SCENARIOS:
            raise ValueError(f"unknown scenario {scenario!r}")
        return cls(
            scenario=scenario,
            client=str(data["client"]),
            base_url=str(data["base_url"]),
            requests=int(data["requests"]),
            warmup=int(data["warmup"]),
            concurrency=int(data["concurrency"]),
            pool_size=int(data["pool_size"]),
            ca_file=None if data.get("ca_file") is None else str(data["ca_file"]),
        )


@dataclass
class Outcome:
    """What one run measured; `skipped` or `error` set means nothing else counts."""

    skipped: str | None = None
    error: str | None = None
    # Timed requests, wall seconds and process CPU seconds (every thread) spent on them.
    requests: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    # Every request the run sent (warm-up, header echo, timed), to compare with nginx's count.
    sent: int = 0
    echoed_headers: dict[str, str] = field(default_factory=dict)
    # Download scenarios: RSS before the download and the peak while it ran, in bytes.
    rss_before: int = 0
    rss_peak: int = 0
    rss_method: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Outcome:
        data: dict[str, Any] = json.loads(text)
        return cls(**data)
