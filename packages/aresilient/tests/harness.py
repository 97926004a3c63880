"""Run one scenario with `aresilient.Client` or `aresilient.AsyncClient`, recording the waits.

Every behaviour test takes the `flavour` fixture ("sync" or "async") and calls
`harness.request(...)`: the same assertions then hold for both clients.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

import aresilient


class Harness:
    def __init__(self, flavour: str) -> None:
        self.flavour = flavour
        self.sleeps: list[float] = []

    def record_sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    async def record_sleep_async(self, seconds: float) -> None:
        self.sleeps.append(seconds)

    def client_kwargs(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        sleep = self.record_sleep if self.flavour == "sync" else self.record_sleep_async
        return {"sleep": sleep, **kwargs}

    def request(
        self,
        method: str,
        url: str,
        *,
        resilient: bool = False,
        client: dict[str, Any] | None = None,
        **request_kwargs: Any,
    ) -> httpx.Response:
        """One request on a fresh client (closed afterwards); the body is read."""
        kwargs = self.client_kwargs(client or {})
        if self.flavour == "sync":
            sync_class = aresilient.ResilientClient if resilient else aresilient.Client
            with sync_class(**kwargs) as sync_client:
                return sync_client.request(method, url, **request_kwargs)

        async def main() -> httpx.Response:
            async_class = aresilient.AsyncResilientClient if resilient else aresilient.AsyncClient
            async with async_class(**kwargs) as async_client:
                return await async_client.request(method, url, **request_kwargs)

        return asyncio.run(main())

    def stream_status(
        self, url: str, *, client: dict[str, Any] | None = None, **request_kwargs: Any
    ) -> int:
        """GET through `client.stream(...)`; the status of the response it yields."""
        kwargs = self.client_kwargs(client or {})
        if self.flavour == "sync":
            with (
                aresilient.Client(**kwargs) as sync_client,
                sync_client.stream("GET", url, **request_kwargs) as response,
            ):
                response.read()
                return response.status_code

        async def main() -> int:
            async with (
                aresilient.AsyncClient(**kwargs) as async_client,
                async_client.stream("GET", url, **request_kwargs) as response,
            ):
                await response.aread()
                return response.status_code

        return asyncio.run(main())
