"""The load tools' outputs read into measurements: counts, errors and latency, nothing lost."""

from __future__ import annotations

import pytest

from http_benchmark.servers.h2load import parse_h2load, read_h2load_log
from http_benchmark.servers.wrk import parse_wrk_report

WRK_OUTPUT = """Running 1s test @ http://127.0.0.1:8000/
  1 threads and 4 connections
{"requests":1000,"duration_us":2000000,"bytes":90000,"connect":0,"read":2,"write":0,\
"status":10,"timeout":1,"mean_us":900.5,"max_us":9000.0,"p50_us":800.0,"p90_us":1500.0,\
"p99_us":4000.0,"p999_us":8000.0}
"""

H2LOAD_OUTPUT = """starting benchmark...
Application protocol: h2c
finished in 2.00s, 495.00 req/s, 40.00KB/s
requests: 1000 total, 1000 started, 1000 done, 990 succeeded, 10 failed, 4 errored, 1 timeout
status codes: 990 2xx, 0 3xx, 5 4xx, 0 5xx
traffic: 80.00KB (81920) total, 10.00KB (10240) headers (space savings 90.00%), 16.83KB (17226) data
                     min         max         mean         sd        +/- sd
time for request:      100us      5.00ms       1.50ms       300us    80.00%
"""


def test_wrk_report_counts_only_served_answers() -> None:
    result = parse_wrk_report(WRK_OUTPUT)
    assert result.ok == 990  # the 10 status errors are not throughput
    assert result.elapsed == 2.0
    assert result.requests_per_second == pytest.approx(495.0)
    assert result.errors == {"wrk-read": 2, "wrk-status": 10, "wrk-timeout": 1}
    assert result.latency is not None
    assert (result.latency.p50, result.latency.p999, result.latency.max) == (0.8, 8.0, 9.0)
    assert result.mean_latency_ms == pytest.approx(0.9005)


def test_wrk_output_without_the_report_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="no report in wrk's output"):
        parse_wrk_report("Running 1s test @ http://127.0.0.1:1/\n")


def test_h2load_summary() -> None:
    result = parse_h2load(H2LOAD_OUTPUT)
    assert (result.ok, result.errors, result.protocol) == (990, 10, "h2c")
    assert result.requests_per_second == pytest.approx(495.0)
    assert result.latency_ms == pytest.approx(1.5)
    assert result.body_bytes == 17226


def test_h2load_log_keeps_only_2xx_durations() -> None:
    log = "1700000000000000\t200\t1500\n1700000000000100\t503\t90\n1700000000000200\t204\t500\n"
    assert read_h2load_log(log) == [0.0015, 0.0005]


def test_unexpected_h2load_output_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="unexpected h2load output"):
        parse_h2load("nothing useful")
