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
    #: Protocols the scenario is about: the run's protocols among them, or (when the run has
    #: none of them) the first, whose server is then started too.
    protocols: tuple[str, ...] | None = None
    #: Read the body as a stream in chunks, dropping each (time to last byte, flat memory).
    stream: bool = False
    #: Connections the pool may hold, instead of one per request in flight: 1 makes every
    #: request of the cell share one HTTP/2 connection (multiplexing).
    connections: int | None = None
    #: At most this many counted requests per round (and a tenth of it as warm-up): big
    #: bodies make a few requests a long round, and the run's 1000 would take minutes each.
    max_requests: int | None = None


def _download(size: int, label: str) -> Scenario:
    return Scenario(
        name=f"download-{label}",
        description=f"GET of a {label.upper()} body (incompressible bytes), read whole",
        path=f"/payload/{size}",
        response_length=size,
    )


def _upload(size: int, label: str, max_requests: int | None = None) -> Scenario:
    return Scenario(
        name=f"upload-{label}",
        description=f"POST of a {label.upper()} body; the server answers with the count it read",
        path="/upload",
        method="POST",
        body_size=size,
        response_length=len(str(size)),
        max_requests=max_requests,
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
    Scenario(
        name="tls-new-connection",
        description="a new TLS connection per request (`Connection: close`): handshake cost",
        path="/payload/64",
        response_length=64,
        new_connection=True,
        protocols=("h1-tls", "h2"),
    ),
    _download(KIB, "1k"),
    _download(64 * KIB, "64k"),
    _download(MIB, "1m"),
    Scenario(
        name="stream-64m",
        description="streamed GET of 64 MiB read in chunks: time to last byte and peak RSS",
        path=f"/payload/{64 * MIB}",
        response_length=64 * MIB,
        stream=True,
        concurrency=(1,),
        max_requests=20,
    ),
    _upload(64 * KIB, "64k"),
    _upload(MIB, "1m"),
    _upload(16 * MIB, "16m", max_requests=50),
    Scenario(
        name="h2-multiplex",
        description="small GETs, all in flight at once on ONE HTTP/2 connection (streams)",
        path="/payload/64",
        response_length=64,
        concurrency=(16,),
        protocols=("h2", "h2c"),
        connections=1,
    ),
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
