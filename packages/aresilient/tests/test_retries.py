"""Retry behaviour against real loopback servers that fail on purpose, for both clients.

Every test runs twice (`flavour`: sync and async). Waits go to an injected sleep that records
them, so the suite checks the backoff without waiting for it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from aresilient_harness import Harness, ResetServer

import aresilient
from httpy.testing import RunningServer


@pytest.fixture(params=["sync", "async"])
def harness(request: pytest.FixtureRequest) -> Harness:
    return Harness(request.param)


def calls(httpbin: RunningServer, key: str) -> int:
    """How many requests /flaky/{key} received (and forget them)."""
    return int(httpx.get(f"{httpbin.url}/flaky/{key}/reset").json()["calls"])


# -- retryable statuses ----------------------------------------------------------------------


def test_503_then_200_is_retried_once(harness: Harness, httpbin: RunningServer, key: str) -> None:
    response = harness.request("GET", f"{httpbin.url}/flaky/{key}?fail=1")
    assert response.status_code == 200
    assert response.json()["calls"] == 2
    assert harness.sleeps == [0.3]  # ExponentialBackoff(0.3), the default


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_every_default_status_is_retried(
    harness: Harness, httpbin: RunningServer, key: str, status: int
) -> None:
    response = harness.request("GET", f"{httpbin.url}/flaky/{key}?fail=2&status={status}")
    assert response.status_code == 200
    assert harness.sleeps == [0.3, 0.6]


def test_other_errors_are_not_retried(harness: Harness, httpbin: RunningServer, key: str) -> None:
    response = harness.request("GET", f"{httpbin.url}/flaky/{key}?fail=1&status=404")
    assert response.status_code == 404
    assert calls(httpbin, key) == 1
    assert harness.sleeps == []


def test_client_returns_the_last_response_when_retries_run_out(
    harness: Harness, httpbin: RunningServer, key: str
) -> None:
    response = harness.request("GET", f"{httpbin.url}/flaky/{key}?fail=10")
    assert response.status_code == 503
    assert response.json()["calls"] == 4  # the first attempt and max_retries=3 more
    assert harness.sleeps == [0.3, 0.6, 1.2]


def test_resilient_client_raises_http_request_error(
    harness: Harness, httpbin: RunningServer, key: str
) -> None:
    url = f"{httpbin.url}/flaky/{key}?fail=10&status=502"
    with pytest.raises(aresilient.HttpRequestError) as caught:
        harness.request("GET", url, resilient=True, client={"max_retries": 2})
    error = caught.value
    assert (error.method, error.status_code, str(error.url)) == ("GET", 502, url)
    assert error.response.json()["calls"] == 3
    assert isinstance(error, httpx.HTTPStatusError)
    assert "after 3 attempts" in str(error)
    assert error.response.is_closed  # read, then closed: its connection is back in the pool


def test_raise_on_failure_makes_client_raise(
    harness: Harness, httpbin: RunningServer, key: str
) -> None:
    with pytest.raises(aresilient.HttpRequestError):
        harness.request(
            "GET", f"{httpbin.url}/flaky/{key}?fail=10", client={"raise_on_failure": True}
        )


def test_resilient_client_can_return_instead(
    harness: Harness, httpbin: RunningServer, key: str
) -> None:
    response = harness.request(
        "GET",
        f"{httpbin.url}/flaky/{key}?fail=10",
        resilient=True,
        client={"raise_on_failure": False, "max_retries": 1},
    )
    assert response.status_code == 503


def test_status_forcelist_is_configurable(
    harness: Harness, httpbin: RunningServer, key: str
) -> None:
    response = harness.request(
        "GET", f"{httpbin.url}/flaky/{key}?fail=1&status=409", client={"status_forcelist": [409]}
    )
    assert response.status_code == 200
    response = harness.request(
        "GET", f"{httpbin.url}/flaky/{key}x?fail=1&status=503", client={"status_forcelist": []}
    )
    assert response.status_code == 503


def test_retry_if_decides(harness: Harness, httpbin: RunningServer, key: str) -> None:
    seen: list[tuple[int | None, type[Exception] | None]] = []

    def retry_if(response: httpx.Response | None, error: Exception | None) -> bool:
        seen.append((response.status_code if response else None, type(error) if error else None))
        return response is not None and response.status_code == 418

    response = harness.request(
        "GET", f"{httpbin.url}/flaky/{key}?fail=2&status=418", client={"retry_if": retry_if}
    )
    assert response.status_code == 200
    assert seen == [(418, None), (418, None), (200, None)]


# -- methods and bodies ----------------------------------------------------------------------


def test_post_is_not_retried_by_default(harness: Harness, httpbin: RunningServer, key: str) -> None:
    response = harness.request("POST", f"{httpbin.url}/flaky/{key}?fail=1", json={"a": 1})
    assert response.status_code == 503
    assert calls(httpbin, key) == 1


@pytest.mark.parametrize("method", ["POST", "PATCH"])
def test_post_and_patch_opt_in(
    harness: Harness, httpbin: RunningServer, key: str, method: str
) -> None:
    response = harness.request(
        method,
        f"{httpbin.url}/flaky/{key}?fail=1",
        content=b"payload",
        client={"retry_methods": ["GET", method]},
    )
    assert response.status_code == 200
    assert calls(httpbin, key) == 2


@pytest.mark.parametrize("method", ["PUT", "DELETE"])
def test_idempotent_methods_are_retried(
    harness: Harness, httpbin: RunningServer, key: str, method: str
) -> None:
    assert harness.request(method, f"{httpbin.url}/flaky/{key}?fail=1").status_code == 200
    assert calls(httpbin, key) == 2


def test_a_body_that_cannot_be_replayed_is_sent_once(
    harness: Harness, failing_server: RunningServer, key: str
) -> None:
    if harness.flavour == "sync":

        def chunks() -> Iterator[bytes]:
            yield b"one "
            yield b"two"

        body: Any = chunks()
    else:

        async def async_chunks() -> Any:
            yield b"one "
            yield b"two"

        body = async_chunks()
    response = harness.request("PUT", f"{failing_server.url}/read-then-503/{key}", content=body)
    assert response.json() == {"received": "one two"}
    assert httpx.get(f"{failing_server.url}/calls/{key}").json() == {"calls": 1}
    assert harness.sleeps == []


def test_a_bytes_body_is_replayed(harness: Harness, httpbin: RunningServer, key: str) -> None:
    response = harness.request("PUT", f"{httpbin.url}/flaky/{key}?fail=2", content=b"again")
    assert response.status_code == 200
    assert calls(httpbin, key) == 3


# -- Retry-After -------------------------------------------------------------------------------


def test_retry_after_seconds_is_honoured(
    harness: Harness, httpbin: RunningServer, key: str
) -> None:
    response = harness.request("GET", f"{httpbin.url}/flaky/{key}?fail=1&retry_after=7")
    assert response.status_code == 200
    assert harness.sleeps == [7.0]


def test_retry_after_date_is_honoured(harness: Harness, httpbin: RunningServer, key: str) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    response = harness.request(
        "GET", f"{httpbin.url}/flaky/{key}?fail=1", params={"retry_after": when}
    )
    assert response.status_code == 200
    assert 27 < harness.sleeps[0] <= 30


def test_retry_after_date_in_the_past_means_no_wait(
    harness: Harness, httpbin: RunningServer, key: str
) -> None:
    response = harness.request(
        "GET",
        f"{httpbin.url}/flaky/{key}?fail=1",
        params={"retry_after": "Wed, 21 Oct 2015 07:28:00 GMT"},
    )
    assert response.status_code == 200
    assert harness.sleeps == [0.0]


def test_max_wait_time_caps_retry_after_and_backoff(
    harness: Harness, httpbin: RunningServer, key: str
) -> None:
    response = harness.request(
        "GET",
        f"{httpbin.url}/flaky/{key}?fail=1&retry_after=50",  # under the 60 s max_retry_after
        client={"max_wait_time": 0.5},
    )
    assert response.status_code == 200
    response = harness.request(
        "GET",
        f"{httpbin.url}/flaky/{key}b?fail=3",
        client={"max_wait_time": 0.5, "jitter_factor": 1.0},
    )
    assert response.status_code == 200
    assert harness.sleeps[0] == 0.5
    assert all(wait <= 0.5 for wait in harness.sleeps[1:])
    assert harness.sleeps[-1] == 0.5  # 1.2 s plus jitter, capped


# -- backoff strategies --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("strategy", "expected"),
    [
        (aresilient.LinearBackoff(0.5), [0.5, 1.0, 1.5]),
        (aresilient.FibonacciBackoff(1.0), [1.0, 1.0, 2.0]),
        (aresilient.ConstantBackoff(0.25), [0.25, 0.25, 0.25]),
        (aresilient.ExponentialBackoff(0.1, multiplier=3), [0.1, 0.3, 0.9]),
    ],
)
def test_backoff_strategy_paces_the_retries(
    harness: Harness,
    httpbin: RunningServer,
    key: str,
    strategy: aresilient.BackoffStrategy,
    expected: list[float],
) -> None:
    response = harness.request(
        "GET", f"{httpbin.url}/flaky/{key}?fail=3", client={"backoff_strategy": strategy}
    )
    assert response.status_code == 200
    assert harness.sleeps == pytest.approx(expected)


def test_jitter_adds_up_to_its_factor(harness: Harness, httpbin: RunningServer, key: str) -> None:
    response = harness.request(
        "GET", f"{httpbin.url}/flaky/{key}?fail=3", client={"jitter_factor": 0.5}
    )
    assert response.status_code == 200
    for wait, base in zip(harness.sleeps, [0.3, 0.6, 1.2], strict=True):
        assert base <= wait <= base * 1.5


# -- exceptions: resets, refused connections, timeouts ------------------------------------------


@pytest.mark.resets(2)
def test_connection_reset_is_retried(harness: Harness, reset_server: ResetServer) -> None:
    response = harness.request("GET", reset_server.url)
    assert (response.status_code, response.text) == (200, "ok")
    assert reset_server.requests == 3
    assert len(harness.sleeps) == 2


@pytest.mark.resets(10)
def test_resets_that_outlast_the_retries_raise_the_httpx_error(
    harness: Harness, reset_server: ResetServer
) -> None:
    with pytest.raises((httpx.ReadError, httpx.RemoteProtocolError)):
        harness.request("GET", reset_server.url)
    assert reset_server.requests == 4


@pytest.mark.resets(1)
def test_a_post_that_reached_the_server_is_not_retried(
    harness: Harness, reset_server: ResetServer
) -> None:
    with pytest.raises(httpx.TransportError):
        harness.request("POST", reset_server.url, content=b"order #1")
    assert reset_server.requests == 1


def test_connect_failure_is_retried_for_any_method(harness: Harness, refused_url: str) -> None:
    attempts: list[int] = []
    with pytest.raises(httpx.ConnectError):
        harness.request(
            "POST",
            refused_url,
            content=b"x",
            client={"on_request": lambda info: attempts.append(info.attempt)},
        )
    assert attempts == [1, 2, 3, 4]
    assert harness.sleeps == [0.3, 0.6, 1.2]


def test_read_timeout_is_retried(harness: Harness, failing_server: RunningServer, key: str) -> None:
    response = harness.request(
        "GET",
        f"{failing_server.url}/slow-first/{key}?delay=2",
        client={"timeout": httpx.Timeout(5.0, read=0.2)},
    )
    assert response.json() == {"calls": 2}
    assert len(harness.sleeps) == 1


def test_timeouts_that_outlast_the_retries_raise_a_timeout_exception(
    harness: Harness, failing_server: RunningServer
) -> None:
    with pytest.raises(httpx.TimeoutException) as caught:
        harness.request(
            "GET",
            f"{failing_server.url}/slow/1.0",
            client={"timeout": httpx.Timeout(5.0, read=0.05), "max_retries": 1},
        )
    assert isinstance(caught.value, httpx.ReadTimeout)
    assert harness.sleeps == [0.3]


def test_max_total_time_shrinks_the_attempt_timeout(
    harness: Harness, failing_server: RunningServer
) -> None:
    # The server answers after 3 s, well within the 10 s read timeout: only that timeout
    # shortened to the 0.4 s left in the budget makes this a ReadTimeout. No retry fits after.
    with pytest.raises(httpx.ReadTimeout):
        harness.request(
            "GET",
            f"{failing_server.url}/slow/3.0",
            client={"timeout": 10.0, "max_total_time": 0.4},
        )
    assert harness.sleeps == []


def test_max_total_time_stops_waits_past_the_deadline(
    harness: Harness, httpbin: RunningServer, key: str
) -> None:
    response = harness.request(
        "GET",
        f"{httpbin.url}/flaky/{key}?fail=5&retry_after=60",
        client={"max_total_time": 30.0},
    )
    assert response.status_code == 503
    assert calls(httpbin, key) == 1
    assert harness.sleeps == []


# -- per-request overrides, streams -------------------------------------------------------------


def test_per_request_override(harness: Harness, httpbin: RunningServer, key: str) -> None:
    response = harness.request("GET", f"{httpbin.url}/flaky/{key}?fail=1", max_retries=0)
    assert response.status_code == 503
    response = harness.request(
        "GET",
        f"{httpbin.url}/flaky/{key}b?fail=5",
        client={"max_retries": 0},
        max_retries=5,
        backoff_strategy=aresilient.ConstantBackoff(0.01),
    )
    assert response.status_code == 200
    assert harness.sleeps == [0.01] * 5


def test_unknown_override_is_refused(harness: Harness, httpbin: RunningServer) -> None:
    with pytest.raises(TypeError, match="max_retires"):
        harness.request("GET", f"{httpbin.url}/get", max_retires=2)


def test_stream_is_not_retried_by_default(
    harness: Harness, httpbin: RunningServer, key: str
) -> None:
    assert harness.stream_status(f"{httpbin.url}/flaky/{key}?fail=1") == 503
    assert calls(httpbin, key) == 1
    assert harness.stream_status(f"{httpbin.url}/flaky/{key}?fail=1", max_retries=2) == 200
    assert calls(httpbin, key) == 2


# -- callbacks ------------------------------------------------------------------------------


def test_callbacks_see_every_step(harness: Harness, httpbin: RunningServer, key: str) -> None:
    events: list[Any] = []
    url = f"{httpbin.url}/flaky/{key}?fail=2"
    response = harness.request(
        "GET",
        url,
        client={
            "on_request": events.append,
            "on_retry": events.append,
            "on_success": events.append,
            "on_failure": events.append,
        },
    )
    assert [type(event).__name__ for event in events] == [
        "RequestInfo",
        "RetryInfo",
        "RequestInfo",
        "RetryInfo",
        "RequestInfo",
        "ResponseInfo",
    ]
    first_retry = events[1]
    assert isinstance(first_retry, aresilient.RetryInfo)
    assert (first_retry.attempt, first_retry.wait_time, first_retry.status_code) == (1, 0.3, 503)
    assert str(first_retry.url) == url
    assert first_retry.error is None
    success = events[-1]
    assert isinstance(success, aresilient.ResponseInfo)
    assert (success.attempt, success.status_code, success.max_retries) == (3, 200, 3)
    assert success.response is response
    assert success.total_time >= 0


def test_on_failure_reports_the_final_error(harness: Harness, refused_url: str) -> None:
    failures: list[aresilient.FailureInfo] = []
    retries: list[aresilient.RetryInfo] = []
    with pytest.raises(httpx.ConnectError):
        harness.request(
            "GET",
            refused_url,
            client={"max_retries": 1, "on_failure": failures.append, "on_retry": retries.append},
        )
    assert len(failures) == 1
    assert failures[0].attempt == 2
    assert isinstance(failures[0].error, httpx.ConnectError)
    assert isinstance(retries[0].error, httpx.ConnectError)


def test_on_failure_reports_the_final_status(
    harness: Harness, httpbin: RunningServer, key: str
) -> None:
    failures: list[aresilient.FailureInfo] = []
    harness.request(
        "GET",
        f"{httpbin.url}/flaky/{key}?fail=9",
        client={"max_retries": 2, "on_failure": failures.append},
    )
    assert [(f.attempt, f.status_code, f.error) for f in failures] == [(3, 503, None)]


def test_callback_info_is_frozen() -> None:
    info = aresilient.RequestInfo(httpx.URL("http://127.0.0.1/"), "GET", 1, 3)
    with pytest.raises(AttributeError):
        info.attempt = 2  # type: ignore[misc]


# -- discarded responses ------------------------------------------------------------------------


def test_discarded_responses_are_closed(harness: Harness, httpbin: RunningServer, key: str) -> None:
    seen: list[httpx.Response] = []
    if harness.flavour == "sync":
        hooks: dict[str, list[Any]] = {"response": [seen.append]}
    else:

        async def record(response: httpx.Response) -> None:
            seen.append(response)

        hooks = {"response": [record]}
    response = harness.request(
        "GET", f"{httpbin.url}/flaky/{key}?fail=2", client={"event_hooks": hooks}
    )
    assert len(seen) == 3
    assert seen[-1] is response
    assert all(discarded.is_closed for discarded in seen[:-1])


def test_discarded_stream_responses_are_closed(
    harness: Harness, httpbin: RunningServer, key: str
) -> None:
    seen: list[httpx.Response] = []
    if harness.flavour == "sync":
        hooks: dict[str, list[Any]] = {"response": [seen.append]}
    else:

        async def record(response: httpx.Response) -> None:
            seen.append(response)

        hooks = {"response": [record]}
    status = harness.stream_status(
        f"{httpbin.url}/flaky/{key}?fail=2", client={"event_hooks": hooks}, max_retries=3
    )
    assert status == 200
    assert len(seen) == 3
    assert all(discarded.is_closed for discarded in seen[:-1])
