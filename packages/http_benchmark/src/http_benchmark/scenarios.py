"""Named scenarios: the requests worth comparing clients on, each a preset of one run's cells.

A scenario names a path on the benchmark server (`http_benchmark.server_app`), what a correct
answer looks like (so every response can be checked), and, where the scenario is defined by
them, its concurrency levels or clients.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["AD_HOC", "SCENARIOS", "Scenario"]

KIB = 1024
MIB = 1024 * KIB


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    #: Path on the benchmark server; None for the ad-hoc scenario (the configuration's URL).
    path: str | None
    method: str = "GET"
    #: Bytes uploaded with each request (a fixed pseudo-random body), None for no body.
    body_size: int | None = None
    #: Exact body length of a correct answer; None: learned from a reference request.
    response_length: int | None = None
    new_connection: bool = False
    #: Concurrency levels the scenario is defined by; used unless the run names its own
    #: (`fixed_concurrency` wins even then: "sequential" is one at a time by definition).
    concurrency: tuple[int, ...] | None = None
    fixed_concurrency: bool = False
    #: Clients the scenario is about (others asked for are left out of it).
    clients: tuple[str, ...] | None = None
    #: Retries given to clients that have them, instead of the run's setting.
    retries: int | None = None


def _download(size: int, label: str) -> Scenario:
    return Scenario(
        name=f"download-{label}",
        description=f"GET of a {label.upper()} body (incompressible bytes), read whole",
        path=f"/payload/{size}",
        response_length=size,
    )


def _upload(size: int, label: str) -> Scenario:
    return Scenario(
        name=f"upload-{label}",
        description=f"POST of a {label.upper()} body; the server answers with the count it read",
        path="/upload",
        method="POST",
        body_size=size,
        response_length=len(str(size)),
    )


_ALL = (
    Scenario(
        name="sequential",
        description="one request at a time on one keep-alive session (small body)",
        path="/payload/64",
        response_length=64,
        concurrency=(1,),
        fixed_concurrency=True,
    ),
    Scenario(
        name="concurrent",
        description="16 requests in flight on one session's pool of 16 keep-alive connections",
        path="/payload/64",
        response_length=64,
        concurrency=(16,),
    ),
    Scenario(
        name="new-connection",
        description="`Connection: close` and no reuse: every request opens a TCP connection",
        path="/payload/64",
        response_length=64,
        new_connection=True,
    ),
    Scenario(
        name="sweep",
        description="small GETs at rising concurrency on one pool sized to match",
        path="/payload/64",
        response_length=64,
        concurrency=(1, 4, 16, 64),
    ),
    _download(KIB, "1k"),
    _download(64 * KIB, "64k"),
    _download(MIB, "1m"),
    _upload(64 * KIB, "64k"),
    _upload(MIB, "1m"),
    Scenario(
        name="aresilient-vs-httpx",
        description="the cost of aresilient's retry layer (3 retries, none needed) over httpx",
        path="/payload/64",
        response_length=64,
        clients=("httpx", "aresilient"),
        retries=3,
    ),
)

SCENARIOS: dict[str, Scenario] = {scenario.name: scenario for scenario in _ALL}

#: The run's own request (URL, method, body, headers from the configuration).
AD_HOC = Scenario(name="request", description="the configured request", path=None)
