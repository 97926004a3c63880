"""`HTTPAdapter(max_retries=...)`: urllib3's retry rules, against servers that fail on purpose.

httpy's `/flaky/{key}?fail=N` answers N failures (503 unless `status=` says otherwise,
with `Retry-After` when `retry_after=` is given) before a 200 that reports the call count;
a raw socket server drops the connection after reading a request, for read errors.
"""

from __future__ import annotations

import asyncio
import itertools
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import urllib3

import requestx
from httpy.httpbin import app
from httpy.testing import serve_in_thread
from requestx.adapters import HTTPAdapter, Retry
from requestx.exceptions import ConnectionError, RetryError

_keys = itertools.count()


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with serve_in_thread(app) as server:
        yield server.url


def _flaky(url: str, **query: object) -> str:
    arguments = "&".join(f"{name}={value}" for name, value in query.items())
    return f"{url}/flaky/retry-test-{next(_keys)}?{arguments}"


def _session(retries: object) -> requestx.Session:
    session = requestx.Session()
    session.mount("http://", HTTPAdapter(max_retries=retries))  # type: ignore[arg-type]
    return session


def test_a_listed_status_is_tried_again_until_it_succeeds(url: str) -> None:
    with _session(Retry(total=3, status_forcelist=[503])) as session:
        response = session.get(_flaky(url, fail=2))
    assert response.status_code == 200
    assert response.json()["calls"] == 3


def test_running_out_raises_retry_error_or_returns_the_last_response(url: str) -> None:
    with (
        _session(Retry(total=2, status_forcelist=[503])) as session,
        pytest.raises(RetryError, match="too many 503 error responses"),
    ):
        session.get(_flaky(url, fail=5))
    with _session(Retry(total=2, status_forcelist=[503], raise_on_status=False)) as session:
        response = session.get(_flaky(url, fail=5))
    assert response.status_code == 503
    assert response.json()["calls"] == 3  # the first try and two retries


def test_post_is_not_retried_unless_allowed(url: str) -> None:
    with _session(Retry(total=3, status_forcelist=[503])) as session:
        assert session.post(_flaky(url, fail=1)).status_code == 503
    allowed = Retry(total=3, status_forcelist=[503], allowed_methods=None)
    with _session(allowed) as session:
        response = session.post(_flaky(url, fail=1), data=b"body")
    assert response.status_code == 200
    assert response.json()["calls"] == 2


def test_a_generator_body_is_sent_once(url: str) -> None:
    allowed = Retry(total=3, status_forcelist=[503], allowed_methods=None, raise_on_status=False)
    with _session(allowed) as session:
        response = session.post(_flaky(url, fail=1), data=iter([b"a", b"b"]))
    assert response.status_code == 503
    assert response.json()["calls"] == 1


def test_retry_after_is_honoured_with_a_plain_count(url: str) -> None:
    with _session(2) as session:
        # A count alone retries no status, but 503 with Retry-After is one (urllib3's rule).
        assert session.get(_flaky(url, fail=1)).status_code == 503
        response = session.get(_flaky(url, fail=1, retry_after=0))
    assert response.status_code == 200
    assert response.json()["calls"] == 2


def test_urllib3_retry_objects_are_accepted(url: str) -> None:
    with _session(urllib3.Retry(total=2, status_forcelist=[500])) as session:
        with pytest.raises(RetryError):
            session.get(_flaky(url, fail=5, status=500))
        assert session.get(_flaky(url, fail=1, status=500)).status_code == 200


def test_max_retries_of_another_type_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="max_retries"):
        HTTPAdapter(max_retries="3")  # type: ignore[arg-type]


def test_async_status_retries(url: str) -> None:
    async def main() -> tuple[int, int]:
        async with _session(Retry(total=3, status_forcelist=[503])) as session:
            response = await session.get(_flaky(url, fail=2))
            return response.status_code, response.json()["calls"]

    assert asyncio.run(main()) == (200, 3)


class DropsFirstConnections:
    """Reads each request, then closes without answering for the first `drops` connections."""

    def __init__(self, drops: int) -> None:
        self.drops = drops
        self.requests = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}/"
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            with connection:
                head = b""
                while b"\r\n\r\n" not in head:
                    chunk = connection.recv(65536)
                    if not chunk:
                        break
                    head += chunk
                self.requests += 1
                if self.requests <= self.drops:
                    continue  # closed without an answer: a read error for the client
                connection.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
                )

    def close(self) -> None:
        self._listener.close()


@pytest.fixture
def drops_one() -> Iterator[DropsFirstConnections]:
    server = DropsFirstConnections(drops=1)
    yield server
    server.close()


def test_a_read_error_is_retried_for_get(drops_one: DropsFirstConnections) -> None:
    with _session(1) as session:
        assert session.get(drops_one.url).text == "ok"
    assert drops_one.requests == 2


def test_a_read_error_is_not_retried_for_post(drops_one: DropsFirstConnections) -> None:
    with _session(1) as session, pytest.raises(ConnectionError):
        session.post(drops_one.url, data=b"x")
    assert drops_one.requests == 1


def test_without_retries_a_read_error_is_raised(drops_one: DropsFirstConnections) -> None:
    with pytest.raises(ConnectionError):
        requestx.get(drops_one.url)


def test_backoff_doubles_and_is_capped() -> None:
    state = Retry(total=10, backoff_factor=0.5, backoff_max=3).new_state()
    waits = []
    for _ in range(5):
        next_state = state.after_connect_error()
        assert next_state is not None
        state = next_state
        waits.append(state.wait_seconds())
    assert waits == [0.0, 1.0, 2.0, 3.0, 3.0]


def test_retry_after_forms() -> None:
    state = Retry(total=1).new_state()
    assert state.wait_seconds("7") == 7.0
    past = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() - 3600))
    assert state.wait_seconds(past) == 0.0
    future = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 30))
    assert 25 < state.wait_seconds(future) <= 30
    ignoring = Retry(total=1, respect_retry_after_header=False).new_state()
    assert ignoring.wait_seconds("7") == 0.0


# --- urllib3's Retry interface (is_retry, increment), as responses drives it ------------

_BUDGETS = ("total", "connect", "read", "redirect", "status", "other")


def _counters(retry: object) -> tuple[object, ...]:
    return tuple(getattr(retry, name) for name in _BUDGETS)


def _raw(status: int, location: str | None = None) -> urllib3.HTTPResponse:
    headers = {"Location": location} if location else {}
    return urllib3.HTTPResponse(body=b"", headers=headers, status=status, preload_content=False)


@pytest.mark.parametrize("allowed", [None, ["GET"], frozenset({"POST"})])
@pytest.mark.parametrize("total", [None, 0, 2])
def test_is_retry_answers_as_urllib3s(allowed: object, total: int | None) -> None:
    settings = {"total": total, "status_forcelist": [500], "allowed_methods": allowed}
    ours, theirs = Retry(**settings), urllib3.Retry(**settings)  # type: ignore[arg-type]
    for method, status, retry_after in itertools.product(
        ("GET", "post"), (200, 413, 429, 500, 503), (False, True)
    ):
        assert ours.is_retry(method, status, retry_after) == theirs.is_retry(
            method, status, retry_after
        ), (method, status, retry_after)


def _steps() -> list[tuple[str, object]]:
    """One try's outcome per step, as a (kind, urllib3-style argument) pair: twice over,
    enough for every setting below to run out."""
    return 2 * [
        ("response", 500),
        ("response", 302),
        ("error", urllib3.exceptions.ReadTimeoutError(None, "/", "slow")),  # type: ignore[arg-type]
        ("error", urllib3.exceptions.ConnectTimeoutError("refused")),
        ("error", urllib3.exceptions.ProtocolError("reset")),
        ("error", ValueError("anything else")),
        ("response", 503),
    ]


@pytest.mark.parametrize(
    "settings",
    [
        {"total": 10},
        {"total": 3},
        {"total": None, "status": 1},
        {"total": None, "redirect": 0, "connect": 2},
        {"total": 10, "read": False},
        {"total": 10, "other": 0},
        {"total": 10, "allowed_methods": ["POST"]},
        {"total": False},
    ],
)
def test_increment_spends_and_runs_out_as_urllib3s(settings: dict[str, object]) -> None:
    ours: Retry = Retry(**settings)  # type: ignore[arg-type]
    theirs: urllib3.Retry = urllib3.Retry(**settings)  # type: ignore[arg-type]
    for kind, outcome in _steps():
        arguments: dict[str, object] = {"method": "GET", "url": "/x"}
        if kind == "response":
            location = "/elsewhere" if outcome == 302 else None
            arguments["response"] = _raw(int(outcome), location)  # type: ignore[call-overload]
        else:
            arguments["error"] = outcome
        results: list[object] = []
        for retry in (ours, theirs):
            try:
                results.append(retry.increment(**arguments))  # type: ignore[arg-type]
            except Exception as error:  # noqa: BLE001 - compared below, whatever it is
                results.append(error)
        mine, reference = results
        if isinstance(reference, Exception):
            assert isinstance(mine, Exception), (kind, outcome, mine)
            assert type(mine).__name__ == type(reference).__name__
            assert str(mine) == str(reference)
            return
        assert isinstance(mine, Retry), mine
        assert isinstance(reference, urllib3.Retry), reference
        assert _counters(mine) == _counters(reference), (kind, outcome)
        assert len(mine.history) == len(reference.history)
        assert mine.history[-1].status == reference.history[-1].status
        assert mine.history[-1].redirect_location == reference.history[-1].redirect_location
        ours, theirs = mine, reference
    pytest.fail("every setting above runs out within the steps")  # else the test is too short


def test_max_retry_error_is_requests_adapters_own() -> None:
    """responses imports it from requests.adapters and catches it around increment()."""
    from requestx.adapters import MaxRetryError  # noqa: PLC0415 - the import is the test

    with pytest.raises(MaxRetryError) as raised:
        Retry(total=0, status_forcelist=[500]).increment("GET", "/x", response=_raw(500))
    assert raised.value.url == "/x"
    assert "too many 500 error responses" in str(raised.value.reason)


def test_a_requestx_error_spends_the_matching_budget() -> None:
    refused = requestx.exceptions.ConnectTimeout("refused")
    after_connect = Retry(total=5, connect=2, read=2).increment("GET", "/", error=refused)
    assert (after_connect.connect, after_connect.read) == (1, 2)
    dropped = requestx.exceptions.ConnectionError("dropped after sending")
    after_read = Retry(total=5, connect=2, read=2).increment("GET", "/", error=dropped)
    assert (after_read.connect, after_read.read) == (2, 1)
    with pytest.raises(requestx.exceptions.ConnectionError):
        Retry(total=5).increment("POST", "/", error=dropped)  # a read error, method not allowed
