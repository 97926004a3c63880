"""The ASGI ``lifespan`` scope: one call of the app that lives as long as the server.

Invariants:
- Startup waits for ``lifespan.startup.complete`` or ``.failed``, or for the app to end.
  ``.failed`` raises :class:`LifespanError` (the server does not start). An app that raises
  or returns before answering does not speak lifespan: logged, and the server starts anyway.
- Shutdown is sent only to an app whose startup completed and which is still running; its
  ``.failed`` and its errors are logged, never raised (the server is stopping regardless).
- Messages out of order raise RuntimeError inside the app, as uvicorn does.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from httpy.asgi.scope import ASGI_VERSION, SPEC_VERSION

if TYPE_CHECKING:
    from httpy.asgi.types import ASGIApplication, Message

__all__ = ["Lifespan", "LifespanError"]

error_log = logging.getLogger("httpy.error")

_STARTUP = "startup"
_SHUTDOWN = "shutdown"


class LifespanError(RuntimeError):
    """The app answered ``lifespan.startup.failed``: the server must not serve it."""


class Lifespan:
    def __init__(self, app: ASGIApplication, state: dict[str, Any]) -> None:
        self._app = app
        self._state = state
        self._inbox: asyncio.Queue[Message] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        # Which answer the app owes now (startup, then shutdown); None: none is expected.
        self._expecting: str | None = None
        self._answer: asyncio.Future[Message] | None = None
        self._started = False

    async def startup(self) -> None:
        loop = asyncio.get_running_loop()
        self._answer = loop.create_future()
        self._expecting = _STARTUP
        self._inbox.put_nowait({"type": "lifespan.startup"})
        self._task = loop.create_task(self._main(), name="httpy-asgi-lifespan")
        answer = await self._wait(self._task)
        if answer is None:
            return  # the app does not speak lifespan; reported in _main
        if answer["type"] == "lifespan.startup.failed":
            await self._cancel()
            message = answer.get("message", "")
            raise LifespanError(f"ASGI lifespan startup failed: {message or 'no message'}")
        self._started = True

    async def shutdown(self) -> None:
        task = self._task
        if task is None or task.done() or not self._started:
            return
        self._answer = asyncio.get_running_loop().create_future()
        self._expecting = _SHUTDOWN
        self._inbox.put_nowait({"type": "lifespan.shutdown"})
        answer = await self._wait(task)
        if answer is not None and answer["type"] == "lifespan.shutdown.failed":
            error_log.error("ASGI lifespan shutdown failed: %s", answer.get("message", ""))
        await self._cancel()

    async def _wait(self, task: asyncio.Task[None]) -> Message | None:
        """The app's answer, or None when the app ended without one."""
        answer = self._answer
        assert answer is not None  # noqa: S101
        waiting: set[asyncio.Future[Any]] = {answer, task}
        await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        return answer.result() if answer.done() else None

    async def _cancel(self) -> None:
        task = self._task
        if task is not None and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _main(self) -> None:
        scope = {
            "type": "lifespan",
            "asgi": {"version": ASGI_VERSION, "spec_version": SPEC_VERSION},
            "state": self._state,
        }
        try:
            await self._app(scope, self._receive, self._send)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - whatever the app raises is reported, not raised
            if self._started or self._expecting != _STARTUP:
                error_log.exception("the ASGI app failed in its lifespan")
            else:
                # Frameworks without lifespan support raise on the unknown scope type.
                error_log.info("the ASGI app does not support lifespan (it raised); going on")
        else:
            if self._expecting == _STARTUP:
                error_log.info("the ASGI app returned from lifespan without an answer; going on")

    async def _receive(self) -> Message:
        return await self._inbox.get()

    async def _send(self, message: Message) -> None:
        kind = message.get("type") if isinstance(message, dict) else None
        expecting = self._expecting
        if expecting is None or kind not in {
            f"lifespan.{expecting}.complete",
            f"lifespan.{expecting}.failed",
        }:
            raise RuntimeError(
                f"Unexpected ASGI lifespan message {kind!r}"
                + (f" while lifespan.{expecting} is pending" if expecting else "")
            )
        self._expecting = None
        answer = self._answer
        if answer is not None and not answer.done():
            answer.set_result(message)
