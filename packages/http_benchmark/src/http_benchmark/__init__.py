"""http_benchmark: fair, repeatable benchmarks of Python HTTP clients.

Eight clients (requests, requestx, httpx, aiohttp, urllib3, pycurl, aresilient, niquests)
behind one adapter interface, over HTTP/1.1, TLS, HTTP/2 and HTTP/3, closed or open loop, each
round of each cell in a fresh process, interleaved rounds, every response checked, a
server-ceiling probe, results in SQLite, comparisons and HTML reports.
The server is the httpy Docker image (run by testcontainers), a local httpy process, or any URL.
The `http-benchmark` command drives it all; this module exposes the same pieces to Python.
"""

from importlib import import_module as _import_module
from importlib.metadata import version as _distribution_version
from typing import TYPE_CHECKING as _TYPE_CHECKING
from typing import Any as _Any

from loguru import logger as _logger

if _TYPE_CHECKING:
    from http_benchmark.adapters import (
        ClientAdapter,
        ClientUnavailableError,
        FairSettings,
        UnsupportedModeError,
        UnsupportedProtocolError,
        get_adapter,
    )
    from http_benchmark.compare import CellComparison, Change, compare_runs
    from http_benchmark.config import BenchmarkConfiguration, ConfigurationError
    from http_benchmark.docker_engine import DockerUnavailableError, ImageMissingError
    from http_benchmark.docker_server import DockerHttpyServer, remove_leftovers
    from http_benchmark.models import (
        BenchmarkResult,
        CellKey,
        HTTPRequest,
        LatencySummary,
        OpenLoopRound,
        ResourceMetrics,
        RoundSample,
        Spread,
        Verdict,
    )
    from http_benchmark.protocols import PROTOCOLS, TlsMaterial
    from http_benchmark.report import render_html
    from http_benchmark.runner import RunError, Runner, measure_harness_overhead
    from http_benchmark.scenarios import SCENARIOS, Scenario
    from http_benchmark.server import ExternalServer, LocalHttpyServer, ServerError, ServerProvider
    from http_benchmark.server_selection import ServerChoice, select_server
    from http_benchmark.storage import Storage, StoredRun

# Read from the installed distribution so the version is written only in pyproject.toml.
__version__ = _distribution_version("htk-http-benchmark")

# A library stays quiet unless its program asks (the CLI enables it), as loguru recommends.
_logger.disable("http_benchmark")

# Imported on first use: every worker process imports this package, and a round should not
# wait for the CLI's and the report's modules to load.
_LAZY = {
    "ClientAdapter": "adapters", "ClientUnavailableError": "adapters", "FairSettings": "adapters",
    "UnsupportedModeError": "adapters", "UnsupportedProtocolError": "adapters",
    "get_adapter": "adapters",
    "CellComparison": "compare", "Change": "compare", "compare_runs": "compare",
    "BenchmarkConfiguration": "config", "ConfigurationError": "config",
    "DockerUnavailableError": "docker_engine", "ImageMissingError": "docker_engine",
    "DockerHttpyServer": "docker_server", "remove_leftovers": "docker_server",
    "BenchmarkResult": "models", "CellKey": "models", "HTTPRequest": "models",
    "LatencySummary": "models", "ResourceMetrics": "models", "RoundSample": "models",
    "Spread": "models", "Verdict": "models", "OpenLoopRound": "models",
    "PROTOCOLS": "protocols", "TlsMaterial": "protocols",
    "render_html": "report",
    "Runner": "runner", "RunError": "runner", "measure_harness_overhead": "runner",
    "SCENARIOS": "scenarios", "Scenario": "scenarios",
    "ExternalServer": "server", "LocalHttpyServer": "server", "ServerProvider": "server",
    "ServerError": "server",
    "ServerChoice": "server_selection", "select_server": "server_selection",
    "Storage": "storage", "StoredRun": "storage",
}  # fmt: skip


def __getattr__(name: str) -> _Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'http_benchmark' has no attribute {name!r}")
    value = getattr(_import_module(f"http_benchmark.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "PROTOCOLS",
    "SCENARIOS",
    "BenchmarkConfiguration",
    "BenchmarkResult",
    "CellComparison",
    "CellKey",
    "Change",
    "ClientAdapter",
    "ClientUnavailableError",
    "ConfigurationError",
    "DockerHttpyServer",
    "DockerUnavailableError",
    "ExternalServer",
    "FairSettings",
    "HTTPRequest",
    "ImageMissingError",
    "LatencySummary",
    "LocalHttpyServer",
    "OpenLoopRound",
    "ResourceMetrics",
    "RoundSample",
    "RunError",
    "Runner",
    "Scenario",
    "ServerChoice",
    "ServerError",
    "ServerProvider",
    "Spread",
    "Storage",
    "StoredRun",
    "TlsMaterial",
    "UnsupportedModeError",
    "UnsupportedProtocolError",
    "Verdict",
    "__version__",
    "compare_runs",
    "get_adapter",
    "measure_harness_overhead",
    "remove_leftovers",
    "render_html",
    "select_server",
]
