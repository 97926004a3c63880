"""Transport adapters: `HTTPAdapter` sends prepared requests through the Rust engine.

As in requests, a Session mounts adapters by URL prefix and the adapter owns the connection
pools. Here a pool is an engine `Client`; requests lets `verify`, `cert` and the proxy
change per call, so the adapter keeps one Client per distinct combination.
"""

from __future__ import annotations

import asyncio
import functools
import os
import threading
import time
from collections.abc import Awaitable, Callable, Generator, Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Literal, TypeGuard, cast
from urllib.parse import unquote, urlparse

from requestx import _requestx
from requestx._async_body import AsyncBodyFeed, is_async_body
from requestx._awaiting import send_awaitable
from requestx._insecure import warn_unverified
from requestx._raw import RawBody, ResponseHeaders
from requestx._retry import MaxRetryError, ResponseError, Retry, RetryState
from requestx._text_utils import encoding_of_content_type, get_encoding_from_headers
from requestx.cookies import extract_cookies_to_jar
from requestx.exceptions import (
    ConnectionError,
    InvalidProxyURL,
    ReadTimeout,
    RetryError,
)
from requestx.structures import CaseInsensitiveDict
from requestx.utils import (
    get_auth_from_url,
    prepend_scheme_if_needed,
    select_proxy,
    urldefragauth,
)

if TYPE_CHECKING:
    from requestx.models import PreparedRequest, Response

__all__ = [
    "DEFAULT_POOLBLOCK",
    "DEFAULT_POOLSIZE",
    "DEFAULT_RETRIES",
    "BaseAdapter",
    "HTTPAdapter",
    "MaxRetryError",
    "ResponseError",
    "Retry",
]

# Proxy schemes whose URL names a user id without a password (`socks4://user@host`).
_SOCKS4_SCHEMES = ("socks4://", "socks4a://")


def _proxy_auth(proxy: str) -> tuple[str, str] | None:
    """The credentials in a proxy URL, as requests reads them (`user:password@`), and for
    SOCKS4 also a lone user id (`socks4://user@host`), which has no password."""
    username, password = get_auth_from_url(proxy)
    if not username and proxy.lower().startswith(_SOCKS4_SCHEMES):
        username = unquote(urlparse(proxy).username or "")
    return (username, password) if username else None


DEFAULT_POOLBLOCK = False
DEFAULT_POOLSIZE = 10
DEFAULT_RETRIES = 0

TimeoutArg = float | int | tuple[float | int | None, float | int | None] | None
# One prepared request as the engine takes it (method, URL, header bytes, body, read and
# connect timeouts), checked once when made; a retry sends it again.
_Call = _requestx.Call
# The engine Client for a plain call, and its read and connect timeouts.
_PlainPool = tuple[_requestx.Client, float | None, float | None]

Http2Setting = bool | Literal["prior_knowledge"]
"""The `http2=` knob: True (offer h2 by ALPN on https://), False (HTTP/1.1 only), or
"prior_knowledge" (as True, and h2c from the first byte on http://)."""

HTTP2_SETTINGS: tuple[Http2Setting, ...] = (True, False, "prior_knowledge")


def check_http2(value: object) -> Http2Setting:
    """`value` if it is a setting of the `http2=` knob; ValueError else."""
    for setting in HTTP2_SETTINGS:
        if value is setting or (isinstance(value, str) and value == setting):
            return setting
    raise ValueError(f"http2 must be True, False or 'prior_knowledge', not {value!r}")


# Bound on the plain calls' pool look-ups kept (by scheme, timeout and verify); emptied
# when full: a program with a new timeout per call must not grow it forever.
_PLAIN_POOLS_MAX = 64


class BaseAdapter:
    """The Base Transport Adapter."""

    def send(
        self,
        request: PreparedRequest,
        stream: bool = False,
        timeout: TimeoutArg = None,
        verify: bool | str = True,
        cert: str | tuple[str, str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> Response:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class HTTPAdapter(BaseAdapter):
    """The built-in adapter for http:// and https://, on the Rust engine's pools."""

    __attrs__: ClassVar[list[str]] = [
        "max_retries",
        "config",
        "_pool_connections",
        "_pool_maxsize",
        "_pool_block",
        "http2",
    ]

    def __init__(
        self,
        pool_connections: int = DEFAULT_POOLSIZE,
        pool_maxsize: int = DEFAULT_POOLSIZE,
        max_retries: Retry | int | None = DEFAULT_RETRIES,
        pool_block: bool = DEFAULT_POOLBLOCK,
        *,
        http2: Http2Setting = True,
    ) -> None:
        self.max_retries = Retry.from_int(max_retries)
        # Offer h2 by ALPN on HTTPS (the server picks); False keeps to HTTP/1.1;
        # "prior_knowledge" also speaks h2 on http:// from the first byte (h2c).
        self.http2: Http2Setting = check_http2(http2)
        self.config: dict[str, Any] = {}
        self.proxy_manager: dict[str, Any] = {}
        self._pool_connections = pool_connections
        self._pool_maxsize = pool_maxsize
        self._pool_block = pool_block
        # One Client per TLS and proxy setting; timeouts are per call, not per pool.
        self._clients: dict[tuple[Any, ...], _requestx.Client] = {}
        # (https?, timeout, verify) -> (pool, read, connect timeout), for `_send_plain`.
        self._plain_pools: dict[tuple[Any, ...], _PlainPool] = {}
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        return {attr: getattr(self, attr, None) for attr in self.__attrs__}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.proxy_manager = {}
        self.config = {}
        for attr, value in state.items():
            setattr(self, attr, value)
        if getattr(self, "http2", None) not in HTTP2_SETTINGS:
            self.http2 = True  # pickled before the knob existed, or by requests' adapter
        self._clients = {}
        self._plain_pools = {}
        self._lock = threading.Lock()

    def init_poolmanager(
        self,
        connections: int,
        maxsize: int,
        block: bool = DEFAULT_POOLBLOCK,
        **pool_kwargs: Any,
    ) -> None:
        """requests' hook for pool settings: here they size the engine's pools."""
        self._pool_connections = connections
        self._pool_maxsize = maxsize
        self._pool_block = block
        self.close()

    # --- sending -----------------------------------------------------------------------

    def send(
        self,
        request: PreparedRequest,
        stream: bool = False,
        timeout: TimeoutArg = None,
        verify: bool | str = True,
        cert: str | tuple[str, str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> Response:
        client, call = self._engine_call(request, timeout, verify, cert, proxies)
        return self._send_call(client, call, request, stream)

    def _send_plain(
        self,
        request: PreparedRequest,
        headers: list[tuple[bytes, bytes]],
        timeout: TimeoutArg,
        verify: bool | str,
        stream: bool,
    ) -> Response:
        """`send` for a body-less request without proxy or client certificate.

        The session's lean path calls it with the header bytes it keeps per session; the
        pool for a (scheme, timeout, verify) is looked up once, not worked out per call.
        """
        client, call = self._plain_call(request, headers, timeout, verify)
        if not stream and self._no_retries():  # the commonest call: one send, read whole
            return _whole_response(request, self._send_once(client, call, request, stream), self)
        return self._send_call(client, call, request, stream)

    async def _send_plain_async(
        self,
        request: PreparedRequest,
        headers: list[tuple[bytes, bytes]],
        timeout: TimeoutArg,
        verify: bool | str,
        stream: bool,
    ) -> Response:
        """`_send_plain` for a running asyncio loop."""
        client, call = self._plain_call(request, headers, timeout, verify)
        return await self._send_call_async(client, call, request, stream)

    def _plain_call(
        self,
        request: PreparedRequest,
        headers: list[tuple[bytes, bytes]],
        timeout: TimeoutArg,
        verify: bool | str,
    ) -> tuple[_requestx.Client, _Call]:
        client, read_timeout, connect_timeout = self._plain_pool(request, timeout, verify)
        method, url = request.method or "GET", request.url or ""
        return client, _requestx.Call(method, url, headers, None, read_timeout, connect_timeout)

    def _plain_pool(
        self, request: PreparedRequest, timeout: TimeoutArg, verify: bool | str
    ) -> _PlainPool:
        """The Client and timeouts for a plain call, looked up once per (scheme, timeout,
        verify) rather than worked out per call."""
        # A prepared URL's scheme is in lower case already.
        https = (request.url or "").startswith("https:")
        if https and not verify:
            warn_unverified(request.url or "")
        key: tuple[Any, ...] | None = (https, timeout, verify)
        try:
            pool = self._plain_pools.get(key)  # type: ignore[arg-type]
        except TypeError:  # an unhashable timeout object: the general way
            pool = None
            key = None
        if pool is None:
            client, connect_timeout, read_timeout = self._client_for(
                request, timeout, verify, None, None
            )
            pool = (client, read_timeout, connect_timeout)
            if key is not None:
                if len(self._plain_pools) >= _PLAIN_POOLS_MAX:
                    self._plain_pools.clear()
                self._plain_pools[key] = pool
        return pool

    def _send_call(
        self,
        client: _requestx.Client,
        call: _Call,
        request: PreparedRequest,
        stream: bool,
    ) -> Response:
        if self._no_retries():
            raw = self._send_once(client, call, request, stream)
            if not stream and _is_stock(self):
                return _whole_response(request, raw, self)
            return self.build_response(request, raw, stream=stream)
        attempts = self._attempts(request, call, stream)
        wait = next(attempts)
        while True:
            time.sleep(wait)
            outcome: _requestx.RawResponse | Exception
            try:
                outcome = client.send(call, stream)
            except (ConnectionError, ReadTimeout) as error:
                outcome = error
            try:
                wait = attempts.send(outcome)
            except StopIteration as done:
                return cast("Response", done.value)

    def _no_retries(self) -> bool:
        policy = self.max_retries
        return policy.total == 0 and policy.total is not False  # the default

    @staticmethod
    def _send_once(
        client: _requestx.Client, call: _Call, request: PreparedRequest, stream: bool
    ) -> _requestx.RawResponse:
        try:
            return client.send(call, stream)
        except (ConnectionError, ReadTimeout) as error:
            raise _with_request(error, request) from None

    async def send_async(
        self,
        request: PreparedRequest,
        stream: bool = False,
        timeout: TimeoutArg = None,
        verify: bool | str = True,
        cert: str | tuple[str, str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> Response:
        """`send` for a running asyncio loop (a requestx extension)."""
        client, call = self._engine_call(request, timeout, verify, cert, proxies)
        return await self._send_call_async(client, call, request, stream)

    async def _send_call_async(
        self,
        client: _requestx.Client,
        call: _Call,
        request: PreparedRequest,
        stream: bool,
    ) -> Response:
        if self._no_retries():
            try:
                raw = await send_awaitable(client, call, stream)
            except (ConnectionError, ReadTimeout) as error:
                raise _with_request(error, request) from None
            return self.build_response(request, raw, stream=stream)
        attempts = self._attempts(request, call, stream)
        wait = next(attempts)
        while True:
            await asyncio.sleep(wait)
            outcome: _requestx.RawResponse | Exception
            try:
                outcome = await send_awaitable(client, call, stream)
            except (ConnectionError, ReadTimeout) as error:
                outcome = error
            try:
                wait = attempts.send(outcome)
            except StopIteration as done:
                return cast("Response", done.value)

    def _attempts(
        self, request: PreparedRequest, call: _Call, stream: bool
    ) -> Generator[float, _requestx.RawResponse | Exception, Response]:
        """The retry policy without I/O, shared by the sync and async senders.

        Yields the seconds to wait before each try (0 before the first) and is sent that
        try's engine response or error; returns the Response to keep, or raises.
        """
        state = self.max_retries.new_state()
        wait = 0.0
        while True:
            outcome = yield wait
            if isinstance(outcome, Exception):
                state = self._retry_after_error(outcome, state, request, call)
                wait = state.wait_seconds()
                continue
            response = self.build_response(request, outcome, stream=stream)
            next_state = self._retry_after_status(response, state, request, call)
            if next_state is None:
                return response
            wait = next_state.wait_seconds(response.headers.get("Retry-After"))
            response.close()  # discarded: its connection must not wait for a reader
            state = next_state

    def _engine_call(
        self,
        request: PreparedRequest,
        timeout: TimeoutArg,
        verify: bool | str,
        cert: str | tuple[str, str] | None,
        proxies: Mapping[str, str] | None,
    ) -> tuple[_requestx.Client, _Call]:
        """The pool to use and the arguments of the engine's send, but for `stream`."""
        if not verify and (request.url or "").lower().startswith("https:"):
            warn_unverified(request.url or "")
        client, connect_timeout, read_timeout = self._client_for(
            request, timeout, verify, cert, proxies
        )
        method, url, headers, body = _wire_request(request)
        return client, _requestx.Call(method, url, headers, body, read_timeout, connect_timeout)

    def _retry_after_error(
        self, error: Exception, state: RetryState, request: PreparedRequest, call: _Call
    ) -> RetryState:
        """The state for the next try after `error`, or the error raised: no try is left.

        A failed connect (nothing sent) may be tried again for any method; a failure after
        sending only for the policy's methods, and only with a body that can be sent again.
        """
        if _connect_failed(error):
            retry = state.after_connect_error()
        elif _replayable(call):
            retry = state.after_read_error(call.method)
        else:
            retry = None
        if retry is None:
            raise _with_request(error, request) from None
        return retry

    def _retry_after_status(
        self, response: Response, state: RetryState, request: PreparedRequest, call: _Call
    ) -> RetryState | None:
        """The state for another try on this response's status, or None to keep it.

        When the status asks for a retry but none is left: `RetryError`, or the response
        itself with `raise_on_status=False`, as urllib3 does.
        """
        method = call.method
        has_retry_after = "retry-after" in response.headers
        if not state.wants_status_retry(method, response.status_code, has_retry_after):
            return None
        retry = state.after_status() if _replayable(call) else None
        if retry is None and state.policy.raise_on_status:
            response.close()
            raise RetryError(
                f"Max retries exceeded with url: {request.url} "
                f"(Caused by ResponseError('too many {response.status_code} error responses'))",
                request=request,
            )
        return retry

    def build_response(
        self,
        req: PreparedRequest,
        resp: _requestx.RawResponse | Any,
        *,
        stream: bool = True,
    ) -> Response:
        """The Response for ``req`` from the engine's raw response, or from any raw object
        shaped like urllib3's ``HTTPResponse`` (``status``, ``reason``, ``headers``, ``read``
        / ``stream``), which mocking libraries (responses, requests-mock) build and hand in
        as requests lets them."""
        if not isinstance(resp, _requestx.RawResponse):
            return _foreign_response(self, req, resp)
        if not stream:
            return _whole_response(req, resp, self)
        from requestx.models import Response  # noqa: PLC0415 - models imports adapters' users

        response = Response()
        response.status_code = resp.status
        response.headers = ResponseHeaders(resp)
        response.reason = resp.reason
        response.url = req.url or ""
        response.encoding = encoding_of_content_type(resp.content_type)
        response.raw = RawBody(resp)
        extract_cookies_to_jar(response.cookies, req, response.raw)
        response.request = req
        response.connection = self
        return response

    # --- requests' adapter hooks, kept for subclasses and compatibility ----------------

    def request_url(self, request: PreparedRequest, proxies: Mapping[str, str] | None) -> str:
        """The target written on the request line (the engine builds its own from the URL)."""
        path = request.path_url
        # A path starting "//" would read as an authority: keep a single leading slash.
        return "/" + path.lstrip("/") if path.startswith("//") else path

    def add_headers(self, request: PreparedRequest, **kwargs: Any) -> None:
        """Override to add headers to every request this adapter sends."""

    def proxy_headers(self, proxy: str) -> dict[str, str]:
        from requestx.auth import _basic_auth_str  # noqa: PLC0415

        username, password = get_auth_from_url(proxy)
        if username:
            return {"Proxy-Authorization": _basic_auth_str(username, password)}
        return {}

    def cert_verify(self, conn: object, url: str, verify: bool | str, cert: object) -> None:
        """Checked when the engine Client is built (see `_client_for`)."""

    def close(self) -> None:
        with self._lock:
            self._clients.clear()
            self._plain_pools.clear()
        for manager in self.proxy_manager.values():
            manager.clear()

    # --- internals -----------------------------------------------------------------------

    def _client_for(
        self,
        request: PreparedRequest,
        timeout: TimeoutArg,
        verify: bool | str,
        cert: str | tuple[str, str] | None,
        proxies: Mapping[str, str] | None,
    ) -> tuple[_requestx.Client, float | None, float | None]:
        connect_timeout, read_timeout = _split_timeout(timeout)
        url = request.url or ""
        proxy = select_proxy(url, proxies) if proxies else None
        proxy_auth: tuple[str, str] | None = None
        if proxy:
            proxy = prepend_scheme_if_needed(proxy, "http")
            if not urlparse(proxy).hostname:
                raise InvalidProxyURL(
                    "Please check proxy URL. It is malformed and could be missing the host."
                )
            proxy_auth = _proxy_auth(proxy)
            proxy = urldefragauth(proxy)
        if not url.lower().startswith("https:") and not (proxy or "").startswith("https:"):
            # TLS settings mean nothing to plain HTTP (requests ignores them there too); to
            # an https:// proxy they apply to the hop to the proxy.
            verify, cert = True, None
        # verify=True trusts the platform's roots; a path trusts that bundle instead.
        ca_bundle: str | None = None
        if isinstance(verify, str):
            if not os.path.exists(verify):  # noqa: PTH110 - requests' check, and message
                raise OSError(
                    f"Could not find a suitable TLS CA certificate bundle, invalid path: {verify}"
                )
            ca_bundle = verify
            verify = True
        elif verify and url.lower().startswith("https:"):
            ca_bundle = _fallback_ca_bundle()
        cert_file, key_file = (cert, None) if isinstance(cert, str) else (cert or (None, None))
        if cert_file and not os.path.exists(cert_file):  # noqa: PTH110
            raise OSError(f"Could not find the TLS certificate file, invalid path: {cert_file}")
        if key_file and not os.path.exists(key_file):  # noqa: PTH110
            raise OSError(f"Could not find the TLS key file, invalid path: {key_file}")
        key = (bool(verify), ca_bundle, cert_file, key_file, proxy, proxy_auth)
        client = self._clients.get(key)
        if client is None:
            with self._lock:
                client = self._clients.get(key)
                if client is None:
                    try:
                        client = _requestx.Client(
                            verify=bool(verify),
                            ca_bundle=ca_bundle,
                            cert=cert_file,
                            key=key_file,
                            proxy=proxy,
                            proxy_auth=proxy_auth,
                            pool_maxsize=self._pool_maxsize,
                            http2=self.http2 is not False,
                            http2_prior_knowledge=self.http2 == "prior_knowledge",
                        )
                    except ValueError as error:
                        # The engine's one ValueError here: a proxy URL it cannot speak to.
                        raise InvalidProxyURL(str(error), request=request) from None
                    self._clients[key] = client
        return client, connect_timeout, read_timeout


_MISSING = object()


@functools.cache
def _fallback_ca_bundle() -> str | None:
    """certifi's bundle when the operating system's trust store is empty (a minimal
    container), so that verify=True can still verify; None (the platform's roots) else."""
    if _requestx.platform_roots_available():
        return None
    try:
        import certifi  # noqa: PLC0415 - only where the system has no roots
    except ImportError:  # pragma: no cover - certifi is a dependency
        return None
    where: str = certifi.where()
    return where


def _split_timeout(timeout: TimeoutArg) -> tuple[float | None, float | None]:
    connect_attr = getattr(timeout, "connect_timeout", _MISSING)
    read_attr = getattr(timeout, "read_timeout", _MISSING)
    if connect_attr is not _MISSING and read_attr is not _MISSING:
        # urllib3's Timeout object, which requests accepts too.
        return _seconds(connect_attr), _seconds(read_attr)
    if isinstance(timeout, tuple):
        try:
            connect, read = timeout
        except ValueError:
            raise ValueError(
                f"Invalid timeout {timeout}. Pass a (connect, read) timeout tuple, "
                "or a single float to set both timeouts to the same value."
            ) from None
        return _seconds(connect), _seconds(read)
    value = _seconds(timeout)
    return value, value


def _seconds(value: object) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(
            f"Timeout value must be an int, float or None, got {type(value).__name__}: {value!r}"
        )
    if value < 0:
        raise ValueError(f"Attempted to set timeout to {value}, but it must be >= 0")
    return float(value)


def _wire_request(request: PreparedRequest) -> tuple[str, str, list[tuple[bytes, bytes]], Any]:
    """The prepared request as the engine takes it: method, URL, header bytes, body bytes."""
    headers = _wire_headers(request.headers)
    return request.method or "GET", request.url or "", headers, _engine_body(request.body)


def _wire_headers(headers: Mapping[str, Any]) -> list[tuple[bytes, bytes]]:
    """Header fields as the engine takes them: (name, value) bytes, None values left out."""
    wire: list[tuple[bytes, bytes]] = []
    # Typed as str, but requests lets users put bytes in headers, and so do we.
    items = cast("Iterable[tuple[str | bytes, str | bytes | None]]", headers.items())
    for name, value in items:
        if value is None or name.lower() in ("transfer-encoding", b"transfer-encoding"):
            # The engine frames the body itself: chunked when streamed without a length.
            continue
        name_bytes = name if isinstance(name, bytes) else name.encode("latin-1")
        value_bytes = value if isinstance(value, bytes) else str(value).encode("latin-1")
        wire.append((name_bytes, value_bytes))
    return wire


def _engine_body(body: object) -> Any:
    """The body as the engine takes it: bytes, or an iterator of chunks it streams."""
    if body is None or isinstance(body, bytes | str | bytearray):
        return body
    if isinstance(body, memoryview):
        return bytes(body)
    read = getattr(body, "read", None)
    if callable(read):
        # A file: streamed in pieces, never read whole into memory.
        return iter(lambda: read(_UPLOAD_CHUNK), b"" if _reads_bytes(body) else "")
    if isinstance(body, Iterable):
        return iter(body)
    if is_async_body(body):
        loop = asyncio._get_running_loop()
        if loop is None:
            raise TypeError("an async iterable body can only be sent by an awaited request")
        return AsyncBodyFeed(body, loop)
    raise TypeError(f"cannot send a body of type {type(body).__name__}")


_UPLOAD_CHUNK = 64 * 1024


def _reads_bytes(file: object) -> bool:
    mode = getattr(file, "mode", "b")
    return not isinstance(mode, str) or "b" in mode


def _replayable(call: _Call) -> bool:
    """Whether the request's body can be sent again (an iterator was consumed by the try)."""
    body = call.body
    return body is None or isinstance(body, bytes | str | bytearray)


def _connect_failed(error: Exception) -> bool:
    # Only a failure to connect is safe to repeat: the server never saw the request.
    return bool(getattr(error, "connect_failed", False))


def _with_request(error: Exception, request: PreparedRequest) -> Exception:
    if getattr(error, "request", None) is None:
        error.request = request  # type: ignore[attr-defined]
    return error


# HTTPAdapter's own methods as defined here (see `_is_stock`).
_OWN_SEND = HTTPAdapter.send
_OWN_BUILD_RESPONSE = HTTPAdapter.build_response


def _is_stock(adapter: BaseAdapter) -> TypeGuard[HTTPAdapter]:
    """Whether `adapter` is a plain HTTPAdapter whose `send` and `build_response` are the ones
    defined here: only then may the lean paths skip calling them (a subclass, or a method
    patched by a test's mock, is always called)."""
    return (
        type(adapter) is HTTPAdapter
        and HTTPAdapter.send is _OWN_SEND
        and HTTPAdapter.build_response is _OWN_BUILD_RESPONSE
    )


def _foreign_response(adapter: HTTPAdapter, request: PreparedRequest, raw: Any) -> Response:
    """requests' `build_response`, for a raw response the engine did not make: its body is
    read through ``raw`` when first asked for, as requests reads a urllib3 response."""
    from requestx.models import Response  # noqa: PLC0415 - models imports adapters' users

    response = Response()
    response.status_code = getattr(raw, "status", None)  # type: ignore[assignment]
    response.headers = CaseInsensitiveDict(getattr(raw, "headers", {}))
    response.encoding = get_encoding_from_headers(response.headers)
    response.raw = raw
    response.reason = getattr(raw, "reason", None)  # type: ignore[assignment]
    url: object = request.url
    response.url = url.decode("utf-8") if isinstance(url, bytes) else request.url or ""
    extract_cookies_to_jar(response.cookies, request, raw)
    response.request = request
    response.connection = adapter
    return response


def _async_send_of(adapter: BaseAdapter) -> Callable[..., Awaitable[Response]] | None:
    """The adapter's `send_async` when it is the awaitable twin of the `send` requests would
    call, else None: that `send` must then run (off the loop's thread).

    A `send` patched by a test's mock (responses patches `HTTPAdapter.send`), set on the
    instance, or overridden by a subclass that brings no `send_async` of its own is the one
    requests would call, so it must not be gone round.
    """
    send_async = getattr(adapter, "send_async", None)
    if send_async is None or "send" in vars(adapter):
        return None
    cls = type(adapter)
    send_owner = _defining_class(cls, "send")
    if send_owner is HTTPAdapter:
        return send_async if HTTPAdapter.send is _OWN_SEND else None
    async_owner = _defining_class(cls, "send_async")
    if send_owner is None or async_owner is None or not issubclass(async_owner, send_owner):
        return None
    return cast("Callable[..., Awaitable[Response]]", send_async)


def _defining_class(cls: type, name: str) -> type | None:
    return next((klass for klass in cls.__mro__ if name in vars(klass)), None)


_KIT: _requestx.ResponseKit | None = None


def _response_kit() -> _requestx.ResponseKit:
    """The engine's builder of whole-body Responses (made on first use: models imports us)."""
    global _KIT  # noqa: PLW0603 - a late import, once
    if _KIT is None:
        from requestx.models import (  # noqa: PLC0415
            _ENGINE_CONSTANTS,
            _ENGINE_FIELDS,
            Response,
        )

        _KIT = _requestx.ResponseKit(
            Response,
            _ENGINE_FIELDS,
            _ENGINE_CONSTANTS,
            Response._keep_engine_cookies,
            encoding_of_content_type,
        )
    return _KIT


def _whole_response(
    request: PreparedRequest, raw: _requestx.RawResponse, adapter: HTTPAdapter
) -> Response:
    """`build_response(request, raw, stream=False)`, made by the engine's kit with
    the content and encoding the engine worked out (see its assemble.rs): the same
    attributes, without `Response.__init__`'s defaults that are overwritten at once.

    Only for `HTTPAdapter` itself (a subclass may override `build_response`).
    """
    return cast("Response", _response_kit().build(raw, request, adapter, request.url or "", 0.0))
