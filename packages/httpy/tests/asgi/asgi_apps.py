"""Raw ASGI 3 apps for the adapter's tests: each path exercises one part of the spec.

`Recorder` keeps what the app saw (messages, errors) for the test to check afterwards; the
app signals with `threading.Event`s since the server runs in another thread.
"""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from httpy.asgi.types import Message, Receive, Scope, Send


@dataclass
class Recorder:
    messages: list[Message] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    lifespan: list[str] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)

    def reset(self) -> None:
        self.messages.clear()
        self.errors.clear()
        self.done.clear()


RECORDER = Recorder()


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    return value


async def _json(send: Send, payload: Any, status: int = 200) -> None:
    body = json.dumps(payload).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _read_all(receive: Receive) -> tuple[bytes, list[Message]]:
    messages = []
    body = b""
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] == "http.disconnect":
            break
        body += message.get("body", b"")
        if not message.get("more_body", False):
            break
    return body, messages


async def lifespan(scope: Scope, receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            scope["state"]["greeting"] = "hello from startup"
            RECORDER.lifespan.append("startup")
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            RECORDER.lifespan.append("shutdown")
            await send({"type": "lifespan.shutdown.complete"})
            return


async def app(scope: Scope, receive: Receive, send: Send) -> None:  # noqa: PLR0912, PLR0915 - one path per case
    if scope["type"] == "lifespan":
        await lifespan(scope, receive, send)
        return
    # Routing on the path below the mount point, as frameworks do.
    path = scope["path"].removeprefix(scope["root_path"])
    if path.endswith("/scope"):
        shown = {key: value for key, value in scope.items() if key not in {"state", "extensions"}}
        shown["state"] = dict(scope["state"])
        shown["extensions"] = sorted(scope["extensions"])
        await _json(send, _jsonable(shown))
    elif path == "/state":
        seen = dict(scope["state"])
        scope["state"]["touched"] = True  # this request's copy only
        await _json(send, seen)
    elif path == "/echo":
        body, messages = await _read_all(receive)
        flags = [message.get("more_body", False) for message in messages]
        await _json(send, {"length": len(body), "more_body": flags, "body": body.decode()})
    elif path == "/sink":
        # Reads the body, records every message, answers with their count.
        body, messages = await _read_all(receive)
        RECORDER.messages.extend(messages)
        await _json(send, {"length": len(body)})
        RECORDER.done.set()
    elif path == "/stream":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for index in range(3):
            await send(
                {"type": "http.response.body", "body": b"part %d\n" % index, "more_body": True}
            )
        await send({"type": "http.response.body", "body": b""})
    elif path == "/after":
        # http.disconnect comes once the response is done.
        await _read_all(receive)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})
        RECORDER.messages.append(await receive())
        RECORDER.done.set()
    elif path == "/wait-disconnect":
        # Long poll: the response head goes out, then the app waits for the client to leave.
        await _read_all(receive)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"waiting\n", "more_body": True})
        try:
            message = await receive()
        except asyncio.CancelledError as cancelled:
            # HTTP/2: a reset stream cancels its handler (the server's rule for every app).
            RECORDER.errors.append(cancelled)
            RECORDER.done.set()
            raise
        RECORDER.messages.append(message)
        try:
            await send({"type": "http.response.body", "body": b"too late"})
        except OSError as error:
            RECORDER.errors.append(error)
        RECORDER.done.set()
    elif path == "/trailers":
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"trailer", b"x-sum")],
                "trailers": True,
            }
        )
        await send({"type": "http.response.body", "body": b"abc", "more_body": True})
        await send({"type": "http.response.body", "body": b"def"})
        await send(
            {"type": "http.response.trailers", "headers": [(b"x-sum", b"6")], "more_trailers": True}
        )
        await send({"type": "http.response.trailers", "headers": [(b"x-more", b"yes")]})
    elif path == "/push":
        if "http.response.push" in scope["extensions"]:
            await send({"type": "http.response.push", "path": "/pushed/style.css", "headers": []})
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"page"})
    elif path.startswith("/pushed/"):
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/css")],
            }
        )
        await send({"type": "http.response.body", "body": b"body{}"})
    elif path == "/raise-before":
        raise RuntimeError("failed before the response")
    elif path == "/raise-after":
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"100")]}
        )
        await send({"type": "http.response.body", "body": b"half", "more_body": True})
        raise RuntimeError("failed in the middle of the response")
    elif path == "/start-then-raise":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        raise RuntimeError("failed after the start message, before any body")
    elif path == "/return-without-response":
        return
    elif path.startswith("/out-of-order/"):
        case = path.rsplit("/", 1)[1]
        try:
            if case == "body-first":
                await send({"type": "http.response.body", "body": b"x"})
            elif case == "double-start":
                await send({"type": "http.response.start", "status": 200})
                await send({"type": "http.response.start", "status": 200})
            elif case == "after-complete":
                await send({"type": "http.response.start", "status": 204})
                await send({"type": "http.response.body"})
                await send({"type": "http.response.body", "body": b"more"})
            elif case == "trailers-unannounced":
                await send({"type": "http.response.start", "status": 200})
                await send({"type": "http.response.body", "body": b"x", "more_body": True})
                await send({"type": "http.response.trailers", "headers": []})
            elif case == "unknown":
                await send({"type": "http.response.nonsense"})
            elif case == "bad-status":
                await send({"type": "http.response.start", "status": "200"})
            elif case == "bool-status":
                await send({"type": "http.response.start", "status": True})
            elif case == "str-headers":
                await send({"type": "http.response.start", "status": 200, "headers": [("a", "b")]})
        except (RuntimeError, TypeError) as error:
            RECORDER.errors.append(error)
            RECORDER.done.set()
            raise
    elif path == "/enum-status":
        await send({"type": "http.response.start", "status": HTTPStatus.ACCEPTED})
        await send({"type": "http.response.body", "body": b"accepted"})
    elif path == "/inject":
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"x", b"a\r\nb: c")]}
        )
        await send({"type": "http.response.body", "body": b"never"})
    elif path == "/headers":
        # Pairs as lists, a mixed-case name, a bytearray body: all valid ASGI.
        await send(
            {
                "type": "http.response.start",
                "status": 201,
                "headers": [[b"X-Custom", b"v"], (b"content-type", b"text/plain")],
            }
        )
        await send({"type": "http.response.body", "body": bytearray(b"made")})
    else:
        await _json(send, {"detail": "not found"}, status=404)


async def no_lifespan(scope: Scope, receive: Receive, send: Send) -> None:
    """An app from before lifespan existed: it refuses any scope but http."""
    assert scope["type"] == "http", "only http"
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"plain"})


async def failing_startup(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        message = await receive()
        assert message["type"] == "lifespan.startup"
        await send({"type": "lifespan.startup.failed", "message": "the database is down"})
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b""})


async def failing_shutdown(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        await receive()
        await send({"type": "lifespan.startup.complete"})
        await receive()
        RECORDER.lifespan.append("shutdown-failed")
        await send({"type": "lifespan.shutdown.failed", "message": "could not flush"})
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b""})


async def strict_lifespan(scope: Scope, receive: Receive, send: Send) -> None:
    """Answers startup with a shutdown message first (refused), then correctly."""
    if scope["type"] == "lifespan":
        await receive()
        try:
            await send({"type": "lifespan.shutdown.complete"})
        except RuntimeError as error:
            RECORDER.errors.append(error)
        await send({"type": "lifespan.startup.complete"})
        await receive()
        await send({"type": "lifespan.shutdown.complete"})
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"strict"})
