"""The application: routes, middleware, error handlers and lifecycle hooks.

``App.handle(request)`` turns a request into a :class:`~httpy.responses.Response` (errors
included), whatever protocol carried it. ``App.serve_stream(stream)`` is what the server calls:
it builds the request from the server's stream, handles it and writes the response back.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from httpy.exceptions import HTTPException
from httpy.forms import FormLimits
from httpy.requests import Request
from httpy.responses import JSON_CONTENT_TYPE, JSONResponse, Response, TextResponse, json_body
from httpy.routing import Route, Router
from httpy.websocket import WebSocket, WebSocketEndpoint

if TYPE_CHECKING:
    from httpy.protocol.events import RequestReceived
    from httpy.server.stream import Stream
    from httpy.server.websocket import WebSocketSession

__all__ = ["App"]

error_log = logging.getLogger("httpy.error")

Handler = Callable[..., Any]
H = TypeVar("H", bound=Handler)
BeforeHook = Callable[[Request], Any]
AfterHook = Callable[[Request, Response], Any]
ErrorHandler = Callable[[Request, Exception], Any]
LifecycleHook = Callable[[], Any]


class App:
    """Decorator routing on top of httpy's server.

    Handlers take the request first, then the path parameters by name::

        app = App()

        @app.get("/users/{user_id:int}")
        async def user(request: Request, user_id: int) -> dict[str, int]:
            return {"id": user_id}

    A handler may return a Response, a dict or list (sent as JSON), a str (text), bytes
    (octet-stream) or None (204). Plain ``def`` handlers run in a thread pool, with the body
    already read (``request.content``).
    """

    def __init__(
        self,
        *,
        max_body_size: int | None = None,
        form_limits: FormLimits | None = None,
    ) -> None:
        self.router = Router()
        #: WebSocket routes, matched apart from HTTP ones (the same path may serve both).
        self.websocket_router = Router()
        #: Default body limit for this app's routes; None defers to the server's Config.
        self.max_body_size = max_body_size
        self.form_limits = form_limits or FormLimits()
        self._before: list[BeforeHook] = []
        self._after: list[AfterHook] = []
        self._error_handlers: dict[type[BaseException], ErrorHandler] = {}
        self._startup: list[LifecycleHook] = []
        self._shutdown: list[LifecycleHook] = []
        self._custom_body_limits = max_body_size is not None

    # --- registration ------------------------------------------------------------------

    def route(
        self,
        path: str,
        methods: Iterable[str] = ("GET",),
        *,
        name: str | None = None,
        max_body_size: int | None = None,
    ) -> Callable[[H], H]:
        if isinstance(methods, str):
            methods = (methods,)  # `methods="POST"` means POST, not {"P", "O", "S", "T"}
        normalized = frozenset(method.upper() for method in methods)
        if not normalized:
            raise ValueError("a route needs at least one method")

        def register(endpoint: H) -> H:
            limit = max_body_size if max_body_size is not None else self.max_body_size
            # Callable objects and partials have no __name__; their class names them.
            default_name = getattr(endpoint, "__name__", type(endpoint).__name__)
            self.router.add(
                Route(path, normalized, endpoint, name or default_name, max_body_size=limit)
            )
            if max_body_size is not None:
                self._custom_body_limits = True
            return endpoint

        return register

    def get(self, path: str, **options: Any) -> Callable[[H], H]:
        return self.route(path, ("GET",), **options)

    def post(self, path: str, **options: Any) -> Callable[[H], H]:
        return self.route(path, ("POST",), **options)

    def put(self, path: str, **options: Any) -> Callable[[H], H]:
        return self.route(path, ("PUT",), **options)

    def patch(self, path: str, **options: Any) -> Callable[[H], H]:
        return self.route(path, ("PATCH",), **options)

    def delete(self, path: str, **options: Any) -> Callable[[H], H]:
        return self.route(path, ("DELETE",), **options)

    def websocket(self, path: str, *, name: str | None = None) -> Callable[[H], H]:
        """A WebSocket route: ``async def handler(ws: WebSocket, **path_params)``, or a
        :class:`~httpy.WebSocketEndpoint` subclass (its ``on_*`` methods per event)."""

        def register(endpoint: H) -> H:
            default_name = getattr(endpoint, "__name__", type(endpoint).__name__)
            self.websocket_router.add(Route(path, _WEBSOCKET, endpoint, name or default_name))
            return endpoint

        return register

    def before_request(self, hook: BeforeHook) -> BeforeHook:
        """Runs before routing's handler; returning a response answers without the handler."""
        self._before.append(hook)
        return hook

    def after_request(self, hook: AfterHook) -> AfterHook:
        """Runs on every response; may return a replacement (None keeps the response)."""
        self._after.append(hook)
        return hook

    def exception_handler(
        self, exception_type: type[BaseException]
    ) -> Callable[[ErrorHandler], ErrorHandler]:
        def register(handler: ErrorHandler) -> ErrorHandler:
            self._error_handlers[exception_type] = handler
            return handler

        return register

    def on_startup(self, hook: LifecycleHook) -> LifecycleHook:
        self._startup.append(hook)
        return hook

    def on_shutdown(self, hook: LifecycleHook) -> LifecycleHook:
        self._shutdown.append(hook)
        return hook

    # --- lifecycle ---------------------------------------------------------------------

    async def startup(self) -> None:
        for hook in self._startup:
            await _call(hook)

    async def shutdown(self) -> None:
        for hook in self._shutdown:
            try:
                await _call(hook)
            except Exception:  # noqa: BLE001 - one failing hook must not stop the others
                error_log.exception("shutdown hook %r failed", hook)

    # --- serving -----------------------------------------------------------------------

    def body_limit_for(self, method: str, path: str, default: int) -> int:
        """The body limit of the route that will answer; the protocol checks it early."""
        if not self._custom_body_limits:
            return default
        route = self.router.match(method, path).route
        if route is None or route.max_body_size is None:
            return default
        return route.max_body_size

    @property
    def has_custom_body_limits(self) -> bool:
        return self._custom_body_limits

    def body_limit_for_request(self, head: RequestReceived, default: int) -> int:
        """`body_limit_for` of the request `head` starts (the server asks before the body)."""
        path = Request(head.method, head.target, head.headers).path
        return self.body_limit_for(head.method, path, default)

    async def serve_stream(self, stream: Stream) -> None:  # noqa: PLR0912 - one frame per request
        """The server's entry point: the request on `stream` handled, its response written."""
        head = stream.head
        request = Request(
            head.method,
            head.target,
            head.headers,
            head.http_version,
            stream.scheme,
            stream.client,
            stream.server,
            stream.body,
        )
        try:
            response: Response | bytes
            if self._after:  # after-request hooks take a Response: `handle` makes one
                response = await self.handle(request)
            else:
                # `handle` without the after hooks, in this frame (a coroutine less per
                # request); and a handler's plain dict or list comes back as its encoded JSON
                # body: the most common answer then costs no Response object.
                request.form_limits = self.form_limits
                try:
                    # A static route and no before hooks (the common case): the handler
                    # straight, without `_dispatch`'s coroutine and the Match it builds.
                    route = (
                        None
                        if self._before
                        else self.router.static_route(request.method, request.path)
                    )
                    if route is not None and route.is_async:
                        result = await route.endpoint(request)
                    else:
                        result = await self._dispatch(request)
                    kind = type(result)
                    if kind is dict or kind is list:
                        response = json_body(result)  # a value JSON cannot encode: a 500
                    else:
                        response = to_response(result)
                except Exception as error:  # noqa: BLE001 - every failure must become a response
                    response = await self._handle_error(request, error)
            if type(response) is bytes:
                # A handler's dict or list, already encoded: a 200 with the JSON content type.
                stream.send_response(200, [JSON_CONTENT_TYPE], response, True)  # noqa: FBT003
                return
            assert isinstance(response, Response)  # noqa: S101 - for the type checker
            if response.pushes:
                for path, headers in response.pushes:
                    stream.push(path, headers)
            if not response.streaming:
                stream.send_response(
                    response.status_code,
                    response.headers.raw,
                    response.body,
                    True,  # noqa: FBT003
                )
            else:
                await _stream_response(response, stream)
        finally:
            request.close()  # uploaded files spooled to disk go now, not at GC

    async def serve_websocket(self, session: WebSocketSession) -> None:
        """The server's entry point for a WebSocket request: route it, run its handler."""
        websocket = WebSocket(session, {})
        match = self.websocket_router.match("WEBSOCKET", websocket.path)
        route = match.route
        if route is None:
            session.deny(
                404, [(b"content-type", b"text/plain; charset=utf-8")], b"no WebSocket here\n"
            )
            return
        websocket.path_params = match.params
        endpoint: Any = route.endpoint
        if isinstance(endpoint, type) and issubclass(endpoint, WebSocketEndpoint):
            await endpoint().run(websocket)
        else:
            await endpoint(websocket, **match.params)

    async def handle(self, request: Request) -> Response:
        request.form_limits = self.form_limits
        try:
            response = to_response(await self._dispatch(request))
        except Exception as error:  # noqa: BLE001 - every failure must become a response
            response = await self._handle_error(request, error)
        for hook in self._after:
            try:
                replaced = await _call(hook, request, response)
            except Exception as error:  # noqa: BLE001
                return await self._handle_error(request, error)
            if replaced is not None:
                response = to_response(replaced)
        return response

    async def _dispatch(self, request: Request) -> Any:
        """Run the before hooks and the route; what the hook or handler returned, as is
        (`to_response` makes it a Response)."""
        for hook in self._before:
            early = await _call(hook, request)
            if early is not None:
                return early
        match = self.router.match(request.method, request.path)
        route = match.route
        if route is None:
            if match.allowed:
                allow = ", ".join(sorted(match.allowed))
                if request.method == "OPTIONS":
                    return Response(status_code=204, headers={"allow": allow})
                raise HTTPException(405, headers={"allow": allow})
            raise HTTPException(404)
        request.path_params = match.params
        if route.is_async:
            result = await route.endpoint(request, **match.params)
        else:
            await request.body()
            call = functools.partial(route.endpoint, request, **match.params)
            result = await asyncio.get_running_loop().run_in_executor(None, call)
            if inspect.isawaitable(result):  # a sync wrapper around a coroutine function
                result = await result
        return result

    async def _handle_error(self, request: Request, error: Exception) -> Response:
        for klass in type(error).__mro__:
            handler = self._error_handlers.get(klass)
            if handler is not None:
                try:
                    return to_response(await _call(handler, request, error))
                except Exception:  # noqa: BLE001 - a broken error handler still gets a 500
                    error_log.exception("error handler for %s failed", klass.__name__)
                    return _internal_error()
            if klass is HTTPException:
                # A catch-all handler for Exception is for failures: 404, 405 (with its Allow)
                # and the handler's own HTTPExceptions keep their status.
                break
        if isinstance(error, HTTPException):
            return JSONResponse(
                {"detail": error.detail}, status_code=error.status_code, headers=error.headers
            )
        error_log.exception(
            "unhandled error in %s %s", request.method, request.path, exc_info=error
        )
        return _internal_error()


_WEBSOCKET = frozenset({"WEBSOCKET"})


async def _stream_response(response: Response, stream: Stream) -> None:
    stream.start_response(response.status_code, response.headers.raw)
    if stream.head.method == "HEAD":
        stream.end_response()  # the head says what a GET would send; no body is made
        return
    chunks = response.stream_body()  # type: ignore[attr-defined]
    try:
        async for chunk in chunks:
            if stream.disconnected:
                return
            if chunk:
                await stream.send_data(chunk)
    finally:
        await chunks.aclose()
    trailers = response.trailers.raw  # type: ignore[attr-defined]
    stream.end_response(trailers or None)


def _internal_error() -> Response:
    return JSONResponse({"detail": "Internal Server Error"}, status_code=500)


def to_response(result: Any) -> Response:
    if isinstance(result, Response):
        return result
    if isinstance(result, dict | list):
        return JSONResponse(result)
    if isinstance(result, str):
        return TextResponse(result)
    if isinstance(result, bytes):
        return Response(result, media_type="application/octet-stream")
    if result is None:
        return Response(status_code=204)
    raise TypeError(
        f"a handler returned {type(result).__name__}; return a Response, dict, list, str, "
        "bytes or None"
    )


async def _call(function: Callable[..., Any], *args: Any) -> Any:
    result = function(*args)
    if inspect.isawaitable(result):
        return await result
    return result
