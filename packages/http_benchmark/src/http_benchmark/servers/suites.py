"""The server suites: one protocol each, its load tool, its servers and the ones it compares to.

A suite knows how to check that a server answers correctly (before any round) and how to
measure one server for some seconds; the runner does the rest the same way for every suite.
"""

from __future__ import annotations

import http.client
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from http_benchmark.servers.apps import ECHO_PATH, JSON_BODY
from http_benchmark.servers.h2load import check_h2, h2load_missing, measure_h2load
from http_benchmark.servers.http3 import check_h3, h3_client_missing, measure_h3
from http_benchmark.servers.measurement import LoadSettings, Measurement
from http_benchmark.servers.processes import Running
from http_benchmark.servers.websocket import check_echo, measure_echo, ws_client_missing
from http_benchmark.servers.wrk import WRK_REPORT, run_wrk, wrk_missing

__all__ = ["SUITES", "SUITE_NAMES", "Suite", "get_suite"]


@dataclass(frozen=True)
class Suite:
    name: str
    description: str
    tool: str
    servers: tuple[str, ...]
    #: Every server's ratio to each of these is printed (the targets: the usual Python server
    #: of that protocol, and a ceiling).
    baselines: tuple[str, ...]
    tls: bool
    unit: str
    default_connections: int
    default_streams: int
    missing_tool: Callable[[], str | None]

    def url(self, port: int) -> str:
        scheme = {"ws": "ws"}.get(self.name, "https" if self.tls else "http")
        return f"{scheme}://127.0.0.1:{port}"

    def connections(self, load: LoadSettings) -> int:
        return load.connections or self.default_connections

    def streams(self, load: LoadSettings) -> int:
        return load.streams or self.default_streams

    def concurrency(self, load: LoadSettings) -> int:
        """What the stored cell's concurrency is: requests in flight at once."""
        if self.name in ("h2c", "h2"):
            return self.connections(load) * self.streams(load)
        if self.name == "h3":
            return self.streams(load)
        return self.connections(load)

    def load_label(self, load: LoadSettings) -> str:
        connections, streams = self.connections(load), self.streams(load)
        return {
            "h1": f"wrk -t1 -c{connections}",
            "h2c": f"h2load -c{connections} -m{streams}, cleartext (prior knowledge)",
            "h2": f"h2load -c{connections} -m{streams}, TLS (ALPN h2)",
            "ws": f"{connections} sockets x 64-byte text round trips, "
            f"{load.ws_processes} load processes",
            "h3": f"one aioquic connection, {self.streams(load)} requests in flight",
        }[self.name]

    def check(self, server: Running, load: LoadSettings) -> None:
        """Raise RuntimeError unless the server answers one request exactly as expected."""
        if self.name == "h1":
            _check_http11(server.spec.name, server.url)
        elif self.name in ("h2c", "h2"):
            check_h2(server.spec.name, server.url, expected_body=JSON_BODY, cpu=load.client_cpu)
        elif self.name == "ws":
            check_echo(server.spec.name, server.url + ECHO_PATH)
        else:
            check_h3(server.spec.name, server.url, load.client_cpu)

    def measure(
        self, server: Running, seconds: float, load: LoadSettings, workdir: Path
    ) -> Measurement:
        cpu = load.client_cpu
        if self.name == "h1":
            script = workdir / "wrk_report.lua"
            if not script.exists():
                script.write_text(WRK_REPORT, encoding="utf-8")
            return run_wrk(
                server.url, connections=self.connections(load), seconds=seconds,
                script=script, cpu=cpu,
            )  # fmt: skip
        if self.name in ("h2c", "h2"):
            return measure_h2load(
                server.url, connections=self.connections(load), streams=self.streams(load),
                seconds=seconds, cpu=cpu,
            )  # fmt: skip
        if self.name == "ws":
            return measure_echo(
                server.url + ECHO_PATH, sockets=self.connections(load),
                processes=load.ws_processes, seconds=seconds,
                server_pid=server.process.pid, cpu=cpu,
            )  # fmt: skip
        return measure_h3(server.url, streams=self.streams(load), seconds=seconds, cpu=cpu)


def _check_http11(name: str, url: str) -> None:
    host, port = url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request("GET", "/")
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    if response.status != 200 or body != JSON_BODY:
        raise RuntimeError(
            f"{name} at {url}: expected 200 with {JSON_BODY!r}, got {response.status} {body!r}"
        )


_H1_SERVERS = ("httpy", "httpy-asgi", "uvicorn", "hypercorn", "granian")
_H2_SERVERS = ("httpy", "httpy-asgi", "hypercorn", "granian")

SUITES: dict[str, Suite] = {
    suite.name: suite
    for suite in (
        Suite("h1", "HTTP/1.1 keep-alive, JSON route", "wrk", _H1_SERVERS,
              ("uvicorn", "granian"), tls=False, unit="req/s", default_connections=64,
              default_streams=1, missing_tool=wrk_missing),
        Suite("h2c", "HTTP/2 cleartext by prior knowledge", "h2load", _H2_SERVERS,
              ("hypercorn", "granian"), tls=False, unit="req/s", default_connections=16,
              default_streams=10, missing_tool=h2load_missing),
        Suite("h2", "HTTP/2 over TLS (ALPN)", "h2load", _H2_SERVERS,
              ("hypercorn", "granian"), tls=True, unit="req/s", default_connections=16,
              default_streams=10, missing_tool=h2load_missing),
        Suite("ws", "WebSocket echo round trips", "ws_client",
              ("httpy", "uvicorn", "uvicorn-sansio", "hypercorn", "raw-echo"),
              ("uvicorn", "uvicorn-sansio", "raw-echo"), tls=False, unit="msg/s",
              default_connections=16, default_streams=1, missing_tool=ws_client_missing),
        Suite("h3", "HTTP/3 over QUIC", "aioquic", ("httpy", "hypercorn"), ("hypercorn",),
              tls=True, unit="req/s", default_connections=1, default_streams=10,
              missing_tool=h3_client_missing),
    )
}  # fmt: skip
SUITE_NAMES = tuple(SUITES)


def get_suite(name: str) -> Suite:
    try:
        return SUITES[name]
    except KeyError:
        raise ValueError(f"unknown suite {name!r} (known: {', '.join(SUITE_NAMES)})") from None
