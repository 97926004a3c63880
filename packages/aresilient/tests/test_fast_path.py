"""The success path stays cheap: no per-request policy copy, no `Run`, no callback records."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

import aresilient
from aresilient import _async_client, _client
from aresilient._engine import Run
from aresilient._policy import RetryPolicy
from httpy.testing import RunningServer


def forbid_slow_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on (the clients are built), building any bookkeeping fails the test."""

    def forbidden(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the success path built bookkeeping it does not need")

    monkeypatch.setattr(_client, "Run", forbidden)
    monkeypatch.setattr(_async_client, "Run", forbidden)
    monkeypatch.setattr(RetryPolicy, "replace", forbidden)
    monkeypatch.setattr(aresilient.RequestInfo, "__init__", forbidden)
    monkeypatch.setattr(aresilient.ResponseInfo, "__init__", forbidden)


def test_sync_success_builds_nothing(
    httpbin: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with aresilient.Client(base_url=httpbin.url, on_retry=print) as client:
        forbid_slow_path(monkeypatch)
        for _ in range(3):
            assert client.get("/get").status_code == 200
        assert client.post("/post", json={}).status_code == 200
        assert client.get("/status/404").status_code == 404  # not retryable: no bookkeeping


def test_async_success_builds_nothing(
    httpbin: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def main() -> None:
        async with aresilient.AsyncClient(base_url=httpbin.url) as client:
            forbid_slow_path(monkeypatch)
            for _ in range(3):
                assert (await client.get("/get")).status_code == 200

    asyncio.run(main())


def test_the_slow_path_is_taken_when_needed(
    httpbin: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The guard above is meaningful: a retryable status does reach Run.
    built: list[object] = []
    original = Run

    def spy(*args: Any, **kwargs: Any) -> Any:
        run = original(*args, **kwargs)
        built.append(run)
        return run

    monkeypatch.setattr(_client, "Run", spy)
    with aresilient.Client(base_url=httpbin.url, max_retries=0) as client:
        assert client.get("/status/503").status_code == 503
    assert len(built) == 1
