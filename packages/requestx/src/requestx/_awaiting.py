"""Awaiting the engine from asyncio: one wake-up socket per loop delivers finished requests.

The engine finishes requests on its own threads. Each running loop gets one `Completions`
(its socket registered with `loop.add_reader`); a finished request resolves its future from
the loop's own thread when the loop drains them, many per wake-up under concurrency. A loop
that cannot watch sockets (Windows' proactor loop) uses the engine's generic awaitable.
"""

from __future__ import annotations

import asyncio
import weakref

from requestx import _requestx

__all__ = ["send_awaitable"]

_COMPLETIONS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _requestx.Completions | None]
_COMPLETIONS = weakref.WeakKeyDictionary()


def _completions_for(loop: asyncio.AbstractEventLoop) -> _requestx.Completions | None:
    try:
        return _COMPLETIONS[loop]
    except KeyError:
        pass
    completions: _requestx.Completions | None = _requestx.Completions()
    try:
        loop.add_reader(completions.fileno(), completions.drain)  # type: ignore[union-attr]
    except NotImplementedError:
        completions = None
    _COMPLETIONS[loop] = completions
    return completions


async def send_awaitable(
    client: _requestx.Client,
    call: _requestx.Call,
    stream: bool,
) -> _requestx.RawResponse:
    """The engine's response to `call`; cancelling the awaiting task cancels the request."""
    loop = asyncio.get_running_loop()
    completions = _completions_for(loop)
    if completions is None:
        return await client.send_async(call, stream)
    future: asyncio.Future[_requestx.RawResponse] = loop.create_future()
    submitted = client.submit(completions, future, call, stream)
    try:
        return await future
    except asyncio.CancelledError:
        submitted.cancel()  # drops the Rust future: its connection is not reused
        raise
