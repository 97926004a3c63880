"""Log records on the `aresilient` logger: each retry, each give-up, each breaker transition."""

from __future__ import annotations

import logging

import pytest
from aresilient_harness import Harness

import aresilient
from httpy.testing import RunningServer


@pytest.fixture(params=["sync", "async"])
def harness(request: pytest.FixtureRequest) -> Harness:
    return Harness(request.param)


def records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "aresilient"]


def test_each_retry_is_an_info_record(
    harness: Harness, httpbin: RunningServer, key: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="aresilient")
    url = f"{httpbin.url}/flaky/{key}?fail=2"
    assert harness.request("GET", url).status_code == 200
    logged = records(caplog)
    assert [record.levelno for record in logged] == [logging.INFO, logging.INFO]
    first = logged[0]
    assert (
        first.getMessage() == f"retrying GET {url} in 0.300 s after attempt 1 failed (status 503)"
    )
    assert (first.method, first.url, first.attempt, first.wait, first.status_code) == (  # type: ignore[attr-defined]
        "GET",
        url,
        1,
        0.3,
        503,
    )
    assert logged[1].attempt == 2  # type: ignore[attr-defined]


def test_a_give_up_is_a_warning(
    harness: Harness, httpbin: RunningServer, key: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="aresilient")
    url = f"{httpbin.url}/flaky/{key}?fail=10"
    assert harness.request("GET", url, max_retries=1).status_code == 503
    logged = records(caplog)
    assert [record.levelno for record in logged] == [logging.INFO, logging.WARNING]
    assert logged[1].getMessage() == f"gave up on GET {url} after 2 attempts (status 503)"


def test_a_give_up_on_an_exception_names_it(
    harness: Harness, refused_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="aresilient")
    with pytest.raises(aresilient.ConnectError):
        harness.request("GET", refused_url, max_retries=0)
    (record,) = records(caplog)
    assert record.getMessage().startswith(
        f"gave up on GET {refused_url} after 1 attempt (ConnectError"
    )
    assert isinstance(record.error, aresilient.ConnectError)  # type: ignore[attr-defined]


def test_success_logs_nothing(
    harness: Harness, httpbin: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="aresilient")
    assert harness.request("GET", f"{httpbin.url}/get").status_code == 200
    assert records(caplog) == []


def test_breaker_transitions_are_logged(
    harness: Harness, httpbin: RunningServer, key: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="aresilient")
    breaker = aresilient.CircuitBreaker(failure_threshold=1, name="flaky-api")
    response = harness.request(
        "GET", f"{httpbin.url}/flaky/{key}?fail=5", client={"circuit_breaker": breaker}
    )
    assert response.status_code == 503
    breaker.reset()
    moves = [
        (record.levelno, record.getMessage())
        for record in records(caplog)
        if record.getMessage().startswith("circuit breaker")
    ]
    assert moves == [
        (logging.WARNING, "circuit breaker flaky-api: closed -> open"),
        (logging.INFO, "circuit breaker flaky-api: open -> closed"),
    ]
    assert records(caplog)[-1].new_state == "closed"  # type: ignore[attr-defined]
