"""What `nginx-clients` and each client's subprocess (`nginx.worker`) agree on.

A `Job` goes to the subprocess as one JSON argument; an `Outcome` comes back as the last line
of its stdout. Both sides share the request headers, paths and body sizes defined here, so
every client asks for the same thing and is checked against the same expectation.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

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
    "TIMEOUT",
    "Job",
    "Outcome",
    "Scenario",
]

Scenario = Literal["sync", "async", "download-sync", "download-async"]
SCENARIOS: tuple[Scenario, ...] = ("sync", "async", "download-sync", "download-async")

# Which clients take part in which scenario, in table order.
SCENARIO_CLIENTS: dict[Scenario, tuple[str, ...]] = {
    "sync": ("requestx", "requests", "httpx", "urllib3", "pycurl"),
    "async": ("requestx", "aiohttp", "httpx"),
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
    """One client running one scenario in a fresh process."""

    scenario: Scenario
    client: str
    base_url: str
    requests: int
    warmup: int
    concurrency: int
    pool_size: int

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
