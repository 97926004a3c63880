"""Server benchmarks: httpy against uvicorn, hypercorn and granian, per protocol.

`ServerRunner` runs the suites (`SUITES`: h1 under wrk, h2c and h2 under h2load, ws echo,
h3 under aioquic) in interleaved rounds and stores them like client runs.
"""

from http_benchmark.servers.measurement import LoadSettings, Measurement
from http_benchmark.servers.runner import ServerRunner, ServerRunSettings
from http_benchmark.servers.suites import SUITE_NAMES, SUITES, Suite, get_suite
from http_benchmark.servers.table import (
    is_server_run,
    ratio_lines,
    server_methodology_lines,
    server_tables,
)

__all__ = [
    "SUITES",
    "SUITE_NAMES",
    "LoadSettings",
    "Measurement",
    "ServerRunSettings",
    "ServerRunner",
    "Suite",
    "get_suite",
    "is_server_run",
    "ratio_lines",
    "server_methodology_lines",
    "server_tables",
]
