"""One client, one scenario, one fresh process: `python -m http_benchmark.nginx.worker '<Job>'`.

Each client is a context manager that opens one session (one pool, sized by the job) and
yields `fetch(url) -> (status, body)`; the runners below are shared, so warm-up, timing and
the check of every response are the same code for every client. Over TLS every client is
given the job's CA file and verifies nginx's certificate; h2-threads asks each for HTTP/2 and
calls one `fetch` from many threads. A client library is imported
inside its own function: a missing one makes this run "skipped", not a crash.

The last line on stdout is the `Outcome` as JSON. A wrong status or body length raises, the
process exits non-zero, and the parent records an error instead of throughput.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import io
import re
import resource
import ssl
import sys
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import (
    AbstractAsyncContextManager,
    AbstractContextManager,
    asynccontextmanager,
    contextmanager,
)
from pathlib import Path
from typing import Any

from http_benchmark.nginx.protocol import (
    ECHO_PATH,
    HEADERS,
    LARGE_PATH,
    LARGE_SIZE,
    SMALL_BODY,
    SMALL_PATH,
    SYNC_SCENARIOS,
    TIMEOUT,
    TLS_SCENARIOS,
    Job,
    Outcome,
)

__all__ = ["BadResponseError", "main", "run"]

Fetch = Callable[[str], tuple[int, bytes]]
AsyncFetch = Callable[[str], Awaitable[tuple[int, bytes]]]
SyncClient = Callable[[Job], AbstractContextManager[Fetch]]
AsyncClient = Callable[[Job], AbstractAsyncContextManager[AsyncFetch]]


class BadResponseError(Exception):
    """A response with the wrong status or body length: the run is an error."""


def _check(status: int, body: bytes, expected_length: int) -> None:
    if status != 200 or len(body) != expected_length:
        raise BadResponseError(
            f"expected 200 with {expected_length} bytes, got {status} with {len(body)} bytes"
        )


def _verify(job: Job) -> bool | str:
    """What requests-style clients take as `verify=`: the CA file over TLS."""
    return job.ca_file if job.scenario in TLS_SCENARIOS and job.ca_file else True


def _ssl_context(job: Job) -> ssl.SSLContext:
    """A verifying context trusting only the job's CA (for httpx and aiohttp)."""
    return ssl.create_default_context(cafile=job.ca_file)


# --- sync clients -------------------------------------------------------------------------


@contextmanager
def _requestx_sync(job: Job) -> Iterator[Fetch]:
    import requestx
    from requestx.adapters import HTTPAdapter

    verify = _verify(job)
    with requestx.Session() as session:
        # No proxy or .netrc lookups from the environment, for every requests-style client.
        session.trust_env = False
        session.headers.clear()
        session.headers.update(HEADERS)
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=job.pool_size)
        session.mount("http://", adapter)
        # HTTP/2 is offered by ALPN by default: the HTTP/1.1-only server answers HTTP/1.1.
        session.mount("https://", adapter)

        def fetch(url: str) -> tuple[int, bytes]:
            # verify per request: a session's verify loses to REQUESTS_CA_BUNDLE.
            response = session.get(url, timeout=TIMEOUT, verify=verify)
            return response.status_code, response.content

        yield fetch


@contextmanager
def _requests_sync(job: Job) -> Iterator[Fetch]:
    import requests
    from requests.adapters import HTTPAdapter

    verify = _verify(job)
    with requests.Session() as session:
        session.trust_env = False
        session.headers.clear()
        session.headers.update(HEADERS)
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=job.pool_size)
        session.mount("http://", adapter)
        session.mount("https://", adapter)

        def fetch(url: str) -> tuple[int, bytes]:
            response = session.get(url, timeout=TIMEOUT, verify=verify)
            return response.status_code, response.content

        yield fetch


def _httpx_limits(pool_size: int) -> Any:
    import httpx

    return httpx.Limits(max_connections=pool_size, max_keepalive_connections=pool_size)


@contextmanager
def _httpx_sync(job: Job) -> Iterator[Fetch]:
    import httpx

    with httpx.Client(
        headers=HEADERS,
        limits=_httpx_limits(job.pool_size),
        timeout=TIMEOUT,
        trust_env=False,
        verify=_ssl_context(job) if job.scenario in TLS_SCENARIOS else True,
        http2=job.scenario == "h2-threads",
    ) as client:

        def fetch(url: str) -> tuple[int, bytes]:
            response = client.get(url)
            return response.status_code, response.content

        yield fetch


@contextmanager
def _urllib3_sync(job: Job) -> Iterator[Fetch]:
    import urllib3

    # retries=False: like every other client here, one attempt per request.
    with urllib3.PoolManager(
        num_pools=1,
        maxsize=job.pool_size,
        headers=HEADERS,
        retries=False,
        timeout=urllib3.Timeout(TIMEOUT),
        ca_certs=job.ca_file if job.scenario in TLS_SCENARIOS else None,
    ) as manager:

        def fetch(url: str) -> tuple[int, bytes]:
            response = manager.request("GET", url)
            return response.status, response.data

        yield fetch


def _curl_handle(pycurl: Any, job: Job) -> Any:
    curl = pycurl.Curl()
    curl.setopt(pycurl.NOSIGNAL, 1)
    curl.setopt(pycurl.PROXY, "")  # never a proxy from the environment
    curl.setopt(pycurl.MAXCONNECTS, job.pool_size)
    curl.setopt(pycurl.TIMEOUT_MS, int(TIMEOUT * 1000))
    curl.setopt(pycurl.USERAGENT, HEADERS["User-Agent"])
    # Sends the header and decodes what it names, as the other clients do.
    curl.setopt(pycurl.ACCEPT_ENCODING, HEADERS["Accept-Encoding"])
    # User-Agent and Accept-Encoding have options of their own (above).
    other_headers = {"Accept", "Connection"}
    curl.setopt(
        pycurl.HTTPHEADER,
        [f"{name}: {value}" for name, value in HEADERS.items() if name in other_headers],
    )
    if job.scenario in TLS_SCENARIOS:
        curl.setopt(pycurl.CAINFO, job.ca_file)  # verification is on by default
        # HTTP/2 where ALPN gives it (libcurl's own default since 7.62), stated.
        curl.setopt(pycurl.HTTP_VERSION, pycurl.CURL_HTTP_VERSION_2TLS)
    return curl


@contextmanager
def _pycurl_sync(job: Job) -> Iterator[Fetch]:
    # pycurl ships no py.typed marker, so mypy would reject a plain import without stubs.
    pycurl: Any = importlib.import_module("pycurl")
    # An easy handle is not to be used by two threads at once: h2-threads gives each thread
    # its own, with its own connection (libcurl multiplexes HTTP/2 only inside one multi
    # handle, which one thread drives; per-thread handles let 16 threads wait in parallel).
    local = threading.local()
    handles: list[Any] = []
    lock = threading.Lock()

    def handle() -> Any:
        curl = getattr(local, "curl", None)
        if curl is None:
            curl = local.curl = _curl_handle(pycurl, job)
            with lock:
                handles.append(curl)
        return curl

    try:

        def fetch(url: str) -> tuple[int, bytes]:
            curl = handle()
            buffer = io.BytesIO()  # pycurl's documented way to collect a body
            curl.setopt(pycurl.URL, url)
            curl.setopt(pycurl.WRITEDATA, buffer)
            curl.perform()
            return int(curl.getinfo(pycurl.RESPONSE_CODE)), buffer.getvalue()

        yield fetch
    finally:
        for curl in handles:
            curl.close()


# --- async clients ------------------------------------------------------------------------


@asynccontextmanager
async def _requestx_async(job: Job) -> AsyncIterator[AsyncFetch]:
    import requestx
    from requestx.adapters import HTTPAdapter

    verify = _verify(job)
    async with requestx.Session() as session:
        session.trust_env = False
        session.headers.clear()
        session.headers.update(HEADERS)
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=job.pool_size)
        session.mount("http://", adapter)
        session.mount("https://", adapter)

        async def fetch(url: str) -> tuple[int, bytes]:
            response = await session.get(url, timeout=TIMEOUT, verify=verify)
            return response.status_code, response.content

        yield fetch


@asynccontextmanager
async def _aiohttp_async(job: Job) -> AsyncIterator[AsyncFetch]:
    import aiohttp

    connector = aiohttp.TCPConnector(
        limit=job.pool_size,
        limit_per_host=job.pool_size,
        ssl=_ssl_context(job) if job.scenario in TLS_SCENARIOS else True,
    )
    async with aiohttp.ClientSession(
        connector=connector,
        headers=HEADERS,
        timeout=aiohttp.ClientTimeout(total=TIMEOUT),
        trust_env=False,
    ) as session:

        async def fetch(url: str) -> tuple[int, bytes]:
            async with session.get(url) as response:
                return response.status, await response.read()

        yield fetch


@asynccontextmanager
async def _httpx_async(job: Job) -> AsyncIterator[AsyncFetch]:
    import httpx

    async with httpx.AsyncClient(
        headers=HEADERS,
        limits=_httpx_limits(job.pool_size),
        timeout=TIMEOUT,
        trust_env=False,
        verify=_ssl_context(job) if job.scenario in TLS_SCENARIOS else True,
    ) as client:

        async def fetch(url: str) -> tuple[int, bytes]:
            response = await client.get(url)
            return response.status_code, response.content

        yield fetch


SYNC_CLIENTS: dict[str, SyncClient] = {
    "requestx": _requestx_sync,
    "requests": _requests_sync,
    "httpx": _httpx_sync,
    "urllib3": _urllib3_sync,
    "pycurl": _pycurl_sync,
}
ASYNC_CLIENTS: dict[str, AsyncClient] = {
    "requestx": _requestx_async,
    "aiohttp": _aiohttp_async,
    "httpx": _httpx_async,
}


# --- memory -------------------------------------------------------------------------------

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def _status_kib(key: str) -> int:
    match = re.search(rf"^{key}:\s+(\d+) kB", _STATUS.read_text(encoding="ascii"), re.MULTILINE)
    if match is None:
        raise OSError(f"no {key} in {_STATUS}")
    return int(match.group(1)) * 1024


def _maxrss() -> int:
    # Linux reports KiB, macOS bytes.
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


class PeakRss:
    """RSS now and the peak since `start()`.

    On Linux, writing 5 to /proc/self/clear_refs resets the peak (VmHWM) to the current RSS,
    so the peak is the download's own. Elsewhere the ru_maxrss delta is a lower bound: a peak
    reached earlier (while importing) hides any smaller one.
    """

    def __init__(self) -> None:
        self.before = 0
        self.method = ""
        self._reset = False

    def start(self) -> None:
        gc.collect()
        try:
            _CLEAR_REFS.write_text("5", encoding="ascii")
            self.before = _status_kib("VmRSS")
            self._reset, self.method = True, "VmHWM after reset"
        except OSError:
            self.before = _maxrss()
            self._reset, self.method = False, "ru_maxrss delta (lower bound)"

    def peak(self) -> int:
        return _status_kib("VmHWM") if self._reset else _maxrss()


# --- runners ------------------------------------------------------------------------------


def _parse_echo(body: bytes) -> dict[str, str]:
    lines = body.decode("latin-1").splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line)


def _sequentially(fetch: Fetch, url: str, total: int) -> None:
    for _ in range(total):
        status, body = fetch(url)
        _check(status, body, len(SMALL_BODY))


def _threaded(pool: ThreadPoolExecutor, fetch: Fetch, url: str, total: int, threads: int) -> None:
    """`total` requests from `threads` of `pool`'s threads sharing `fetch`; the first failure
    re-raised. The pool's threads live through warm-up and timed part, so a client that
    keeps a handle (and connection) per thread opens it once, in the warm-up."""
    remaining = total
    lock = threading.Lock()
    failures: list[BaseException] = []

    def worker() -> None:
        nonlocal remaining
        try:
            while not failures:
                with lock:
                    if remaining <= 0:
                        return
                    remaining -= 1
                status, body = fetch(url)
                _check(status, body, len(SMALL_BODY))
        except BaseException as error:  # noqa: BLE001 - handed to the main thread
            failures.append(error)

    # Each worker runs until the requests are all taken, so `threads` of them run at once,
    # one per pool thread.
    for running in [pool.submit(worker) for _ in range(threads)]:
        running.result()
    if failures:
        raise failures[0]


def _run_sync(job: Job, client: SyncClient) -> Outcome:
    small_url = job.base_url + SMALL_PATH
    outcome = Outcome()
    with client(job) as fetch, ThreadPoolExecutor(max_workers=job.concurrency) as pool:
        status, echo = fetch(job.base_url + ECHO_PATH)
        _check(status, echo, len(echo))
        outcome.echoed_headers = _parse_echo(echo)
        if job.scenario == "h2-threads":
            # Every thread warms up too, so the timed part starts with its connection open.
            def load(total: int) -> None:
                _threaded(pool, fetch, small_url, total, job.concurrency)
        else:

            def load(total: int) -> None:
                _sequentially(fetch, small_url, total)

        load(job.warmup)
        outcome.sent = 1 + job.warmup
        if job.scenario == "download-sync":
            peak = PeakRss()
            peak.start()
            status, body = fetch(job.base_url + LARGE_PATH)
            outcome.rss_peak = peak.peak()
            _check(status, body, LARGE_SIZE)
            outcome.rss_before, outcome.rss_method = peak.before, peak.method
            outcome.sent += 1
            return outcome
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        load(job.requests)
        outcome.seconds = time.perf_counter() - wall_start
        outcome.cpu_seconds = time.process_time() - cpu_start
        outcome.requests = job.requests
        outcome.sent += job.requests
    return outcome


async def _concurrently(fetch: AsyncFetch, url: str, total: int, concurrency: int) -> None:
    remaining = total

    async def task() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            status, body = await fetch(url)
            _check(status, body, len(SMALL_BODY))

    await asyncio.gather(*(task() for _ in range(concurrency)))


async def _run_async(job: Job, client: AsyncClient) -> Outcome:
    small_url = job.base_url + SMALL_PATH
    outcome = Outcome()
    async with client(job) as fetch:
        status, echo = await fetch(job.base_url + ECHO_PATH)
        _check(status, echo, len(echo))
        outcome.echoed_headers = _parse_echo(echo)
        # Concurrent warm-up, so the timed part starts with the pool's connections open.
        await _concurrently(fetch, small_url, job.warmup, job.concurrency)
        outcome.sent = 1 + job.warmup
        if job.scenario == "download-async":
            peak = PeakRss()
            peak.start()
            status, body = await fetch(job.base_url + LARGE_PATH)
            outcome.rss_peak = peak.peak()
            _check(status, body, LARGE_SIZE)
            outcome.rss_before, outcome.rss_method = peak.before, peak.method
            outcome.sent += 1
            return outcome
        cpu_start, wall_start = time.process_time(), time.perf_counter()
        await _concurrently(fetch, small_url, job.requests, job.concurrency)
        outcome.seconds = time.perf_counter() - wall_start
        outcome.cpu_seconds = time.process_time() - cpu_start
        outcome.requests = job.requests
        outcome.sent += job.requests
    return outcome


def run(job: Job) -> Outcome:
    """Run one job in this process; a missing client library gives a skipped outcome."""
    try:
        if job.scenario in SYNC_SCENARIOS:
            return _run_sync(job, SYNC_CLIENTS[job.client])
        return asyncio.run(_run_async(job, ASYNC_CLIENTS[job.client]))
    except ModuleNotFoundError as error:
        return Outcome(skipped=f"{error.name or job.client} is not installed")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the subprocess: one Job in (argv[1]), one Outcome out (stdout)."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        sys.stderr.write("usage: python -m http_benchmark.nginx.worker '<job as JSON>'\n")
        return 2
    outcome = run(Job.from_json(args[0]))
    sys.stdout.write(outcome.to_json() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
