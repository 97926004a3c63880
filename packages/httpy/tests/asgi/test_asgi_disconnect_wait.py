"""A ``receive`` waiting for ``http.disconnect`` wakes when the connection reports the loss
(``Stream.notify_disconnected``), in the same turn of the loop: nothing polls. The server-level
tests (test_asgi_http, test_asgi_http2) show the same with real clients leaving."""

from __future__ import annotations

import asyncio

from httpy.asgi.http import HTTPCycle
from httpy.protocol.events import RequestReceived
from httpy.server.stream import Stream

HEAD = RequestReceived("GET", b"/", [], "1.1", True, False, None)


class _Connection:
    """The least of a Sender: only `disconnected` is read while the app waits."""

    disconnected = False


async def _turns(count: int) -> None:
    for _ in range(count):
        await asyncio.sleep(0)


def test_the_loss_is_heard_at_once() -> None:
    async def scenario() -> list[object]:
        connection = _Connection()
        stream = Stream(HEAD, connection, "http", None, None, None)  # type: ignore[arg-type]
        cycle = HTTPCycle(stream)
        assert await cycle.receive() == {"type": "http.request", "body": b"", "more_body": False}
        waiting = asyncio.ensure_future(cycle.receive())
        await _turns(3)
        assert not waiting.done()  # the client is still there: it waits
        registered = stream.on_disconnect
        assert registered is not None
        connection.disconnected = True
        stream.notify_disconnected()
        await _turns(2)  # no timer: the waiter is woken by the notice itself
        assert waiting.done()
        assert stream.on_disconnect is None, "called once, then forgotten"
        return [waiting.result()]

    assert asyncio.run(scenario()) == [{"type": "http.disconnect"}]


def test_the_app_returning_wakes_a_receive_left_waiting() -> None:
    async def scenario() -> bool:
        stream = Stream(HEAD, _Connection(), "http", None, None, None)  # type: ignore[arg-type]
        cycle = HTTPCycle(stream)
        await cycle.receive()
        waiting = asyncio.ensure_future(cycle.receive())
        await _turns(2)
        cycle.end()
        await _turns(2)
        return waiting.done()

    assert asyncio.run(scenario())
