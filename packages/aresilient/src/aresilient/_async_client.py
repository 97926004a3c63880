"""`aresilient.AsyncClient`: an `httpx.AsyncClient` whose requests are retried as its policy says.

Every httpx constructor argument is accepted with httpx's default; the resilience arguments
come on top, and any request may override them (`await client.get(url, max_retries=5)`).

The success path is httpx's own plus: a test of the per-request overrides in the verb,
`request` and `send` (each passes them on only when there are some), one frame (`send`), one
clock read (for `max_retry_time`), one set lookup of the status code. Everything else (the
`Run` bookkeeping, callbacks, the breaker, budget, limiter, bulkhead, hedging, the sync
transports' interruptible streams) is entered only when a policy needs it or an attempt failed.

One source for sync and async: tools/unasync.py generates the sync module from the async one.
"""

from __future__ import annotations

import ssl
import time
import warnings
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import Any, Unpack

import httpx

from aresilient import _waiting
from aresilient._async_loop import run_attempts
from aresilient._backoff import BackoffStrategy
from aresilient._bulkhead import Bulkhead
from aresilient._callbacks import OnFailure, OnRequest, OnRetry, OnSuccess
from aresilient._circuit_breaker import CircuitBreaker
from aresilient._deadline import DeadlineStream, send_within_deadline_async
from aresilient._engine import Run
from aresilient._hedging import Hedging, hedge_async
from aresilient._interrupt import make_interruptible_async
from aresilient._policy import (
    DEFAULT_MAX_RETRIES,
    DEFAULT_MAX_RETRY_AFTER,
    DEFAULT_MAX_RETRY_TIME,
    DEFAULT_RETRY_METHODS,
    DEFAULT_STATUS_FORCELIST,
    RetryOptions,
    RetryPolicy,
    RetryPredicate,
)
from aresilient._rate_limiter import RateLimiter
from aresilient._retry_budget import RetryBudget
from aresilient._types import (
    DEFAULT_LIMITS,
    DEFAULT_MAX_REDIRECTS,
    DEFAULT_TIMEOUT_CONFIG,
    AuthTypes,
    CertTypes,
    CookieTypes,
    EventHook,
    HeaderTypes,
    ProxyTypes,
    QueryParamTypes,
    RequestContent,
    RequestData,
    RequestExtensions,
    RequestFiles,
    TimeoutTypes,
    UseClientDefault,
)
from aresilient._waiting import AsyncSleep

__all__ = ["AsyncClient", "AsyncResilientClient"]

_USE_CLIENT_DEFAULT = httpx.USE_CLIENT_DEFAULT
_httpx_send = httpx.AsyncClient.send
_COOKIE_WARNING = (
    "Setting per-request cookies=<...> is being deprecated, because the expected behaviour on "
    "cookie persistence is ambiguous. Set cookies directly on the client instance instead."
)


class AsyncClient(httpx.AsyncClient):
    """`httpx.AsyncClient` with retries, backoff, Retry-After, a time budget and a circuit breaker.

    When retries run out on a retryable status the last response is returned, as httpx
    would return it (`raise_on_failure=True` raises `HttpRequestError` instead); when they
    run out on an exception, that exception is raised. `sleep` and `clock` are injectable.
    """

    _raise_on_failure_default = False

    def __init__(
        self,
        *,
        auth: AuthTypes | None = None,
        params: QueryParamTypes | None = None,
        headers: HeaderTypes | None = None,
        cookies: CookieTypes | None = None,
        verify: ssl.SSLContext | str | bool = True,
        cert: CertTypes | None = None,
        trust_env: bool = True,
        http1: bool = True,
        http2: bool = False,
        proxy: ProxyTypes | None = None,
        mounts: Mapping[str, httpx.AsyncBaseTransport | None] | None = None,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT_CONFIG,
        follow_redirects: bool = False,
        limits: httpx.Limits = DEFAULT_LIMITS,
        max_redirects: int = DEFAULT_MAX_REDIRECTS,
        event_hooks: Mapping[str, list[EventHook]] | None = None,
        base_url: httpx.URL | str = "",
        transport: httpx.AsyncBaseTransport | None = None,
        default_encoding: str | Callable[[bytes], str] = "utf-8",
        max_retries: int = DEFAULT_MAX_RETRIES,
        backoff_strategy: BackoffStrategy | None = None,
        jitter_factor: float = 0.0,
        status_forcelist: Iterable[int] = DEFAULT_STATUS_FORCELIST,
        retry_if: RetryPredicate | None = None,
        max_total_time: float | None = None,
        max_retry_time: float | None = DEFAULT_MAX_RETRY_TIME,
        max_wait_time: float | None = None,
        max_retry_after: float | None = DEFAULT_MAX_RETRY_AFTER,
        retry_methods: Iterable[str] = DEFAULT_RETRY_METHODS,
        circuit_breaker: CircuitBreaker | None = None,
        retry_budget: RetryBudget | None = None,
        rate_limiter: RateLimiter | None = None,
        bulkhead: Bulkhead | None = None,
        hedging: Hedging | None = None,
        on_request: OnRequest | None = None,
        on_retry: OnRetry | None = None,
        on_success: OnSuccess | None = None,
        on_failure: OnFailure | None = None,
        raise_on_failure: bool | None = None,
        sleep: AsyncSleep | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        # Validated before httpx opens anything, so a bad argument leaks no transport.
        self._policy = RetryPolicy(
            max_retries=max_retries,
            backoff_strategy=backoff_strategy,
            jitter_factor=jitter_factor,
            status_forcelist=status_forcelist,
            retry_if=retry_if,
            max_total_time=max_total_time,
            max_retry_time=max_retry_time,
            max_wait_time=max_wait_time,
            max_retry_after=max_retry_after,
            retry_methods=retry_methods,
            circuit_breaker=circuit_breaker,
            retry_budget=retry_budget,
            rate_limiter=rate_limiter,
            bulkhead=bulkhead,
            hedging=hedging,
            on_request=on_request,
            on_retry=on_retry,
            on_success=on_success,
            on_failure=on_failure,
            raise_on_failure=(
                self._raise_on_failure_default if raise_on_failure is None else raise_on_failure
            ),
        )
        # Streams are not retried unless a request asks: their body is read after we return.
        self._stream_policy = self._policy.replace({"max_retries": 0})
        self._sleep: AsyncSleep = sleep or _waiting.async_sleep
        self._clock = clock
        super().__init__(
            auth=auth,
            params=params,
            headers=headers,
            cookies=cookies,
            verify=verify,
            cert=cert,
            trust_env=trust_env,
            http1=http1,
            http2=http2,
            proxy=proxy,
            mounts=mounts,
            timeout=timeout,
            follow_redirects=follow_redirects,
            limits=limits,
            max_redirects=max_redirects,
            event_hooks=event_hooks,
            base_url=base_url,
            transport=transport,
            default_encoding=default_encoding,
        )
        self._interruptible = False
        if self._policy.max_total_time is not None or self._policy.hedging is not None:
            self._make_interruptible()

    def _make_interruptible(self) -> None:
        """So that a sync read can be held to max_total_time and a hedge's losing copy be
        stopped (see _interrupt); an async one is ended by cancellation, needing nothing.
        Only where a policy asks: the wrapper costs every read a frame."""
        for mounted in (self._transport, *self._mounts.values()):
            make_interruptible_async(mounted)
        self._interruptible = True

    @property
    def retry_policy(self) -> RetryPolicy:
        """The client's resilience settings (requests may override them)."""
        return self._policy

    # -- sending -----------------------------------------------------------------------------

    async def send(
        self,
        request: httpx.Request,
        *,
        stream: bool = False,
        auth: AuthTypes | UseClientDefault | None = _USE_CLIENT_DEFAULT,
        follow_redirects: bool | UseClientDefault = _USE_CLIENT_DEFAULT,
        **overrides: Unpack[RetryOptions],
    ) -> httpx.Response:
        """Send `request`, retrying as the client's policy (with `overrides`) says."""
        policy = self._policy.replace(overrides) if overrides else self._policy
        # `_send_with`'s body, inlined: every request comes here, and a call less is a frame
        # less (async: a coroutine less, resumed at each of the request's I/O waits).
        if not policy.plain:
            return await self._retrying(
                policy, request, stream, auth, follow_redirects, None, None, None
            )
        started = self._clock()
        try:
            response = await _httpx_send(
                self, request, stream=stream, auth=auth, follow_redirects=follow_redirects
            )
        except Exception as error:  # noqa: BLE001 - the policy decides which ones to retry
            return await self._retrying(
                policy, request, stream, auth, follow_redirects, error, None, started
            )
        if policy.retry_if is None and response.status_code not in policy.status_forcelist:
            return response
        return await self._retrying(
            policy, request, stream, auth, follow_redirects, None, response, started
        )

    async def _send_with(
        self,
        policy: RetryPolicy,
        request: httpx.Request,
        stream: bool,
        auth: AuthTypes | UseClientDefault | None,
        follow_redirects: bool | UseClientDefault,
    ) -> httpx.Response:
        """`send` with a policy of the caller's choosing (`stream()`'s): the attempt loop
        only when the policy needs it or the first attempt asks for a retry."""
        if not policy.plain:
            return await self._retrying(
                policy, request, stream, auth, follow_redirects, None, None, None
            )
        # `max_retry_time` counts from the start of the first attempt.
        started = self._clock()
        try:
            response = await _httpx_send(
                self, request, stream=stream, auth=auth, follow_redirects=follow_redirects
            )
        except Exception as error:  # noqa: BLE001 - the policy decides which ones to retry
            return await self._retrying(
                policy, request, stream, auth, follow_redirects, error, None, started
            )
        if policy.retry_if is None and response.status_code not in policy.status_forcelist:
            return response
        return await self._retrying(
            policy, request, stream, auth, follow_redirects, None, response, started
        )

    async def _retrying(
        self,
        policy: RetryPolicy,
        request: httpx.Request,
        stream: bool,
        auth: AuthTypes | UseClientDefault | None,
        follow_redirects: bool | UseClientDefault,
        error: Exception | None,
        response: httpx.Response | None,
        started: float | None,
    ) -> httpx.Response:
        """The attempt loop; `error` or `response` is the outcome of a first attempt already
        made by the fast path at `started` (both None: no attempt made yet)."""
        if not self._interruptible and (
            policy.max_total_time is not None or policy.hedging is not None
        ):
            self._make_interruptible()  # a request's own deadline or hedging: from now on
        made = 0 if error is None and response is None else 1
        run = Run(policy, request, self._clock, self.timeout, attempts_made=made, started=started)

        async def attempt() -> httpx.Response:
            return await self._attempt(run, stream, auth, follow_redirects)

        return await run_attempts(run, attempt, self._sleep, error, response)

    async def _attempt(
        self,
        run: Run,
        stream: bool,
        auth: AuthTypes | UseClientDefault | None,
        follow_redirects: bool | UseClientDefault,
    ) -> httpx.Response:
        """One attempt: in copies if the policy hedges this request, else one send."""
        policy = run.policy
        if policy.may_hedge(run.request, stream):
            assert policy.hedging is not None  # noqa: S101 - may_hedge checked it
            return await hedge_async(
                policy.hedging,
                lambda: self._send_once(run, stream, auth, follow_redirects),
                policy.is_acceptable,
            )
        return await self._send_once(run, stream, auth, follow_redirects)

    async def _send_once(
        self,
        run: Run,
        stream: bool,
        auth: AuthTypes | UseClientDefault | None,
        follow_redirects: bool | UseClientDefault,
    ) -> httpx.Response:
        """One send. With `max_total_time`, the head is awaited and the body read here, under
        the deadline: httpx's per-read timeouts alone let a trickling server run past it."""
        request = run.request
        if run.deadline is None:
            return await _httpx_send(
                self, request, stream=stream, auth=auth, follow_redirects=follow_redirects
            )
        response = await send_within_deadline_async(
            run.deadline,
            run.clock,
            request,
            lambda: _httpx_send(
                self, request, stream=True, auth=auth, follow_redirects=follow_redirects
            ),
        )
        response.stream = DeadlineStream(response.stream, run.deadline, run.clock, request)
        if not stream:
            try:
                await response.aread()
            except BaseException:
                await response.aclose()
                raise
        return response

    async def request(
        self,
        method: str,
        url: httpx.URL | str,
        *,
        content: RequestContent | None = None,
        data: RequestData | None = None,
        files: RequestFiles | None = None,
        json: Any | None = None,
        params: QueryParamTypes | None = None,
        headers: HeaderTypes | None = None,
        cookies: CookieTypes | None = None,
        auth: AuthTypes | UseClientDefault | None = _USE_CLIENT_DEFAULT,
        follow_redirects: bool | UseClientDefault = _USE_CLIENT_DEFAULT,
        timeout: TimeoutTypes | UseClientDefault = _USE_CLIENT_DEFAULT,
        extensions: RequestExtensions | None = None,
        **overrides: Unpack[RetryOptions],
    ) -> httpx.Response:
        """Build and send a request, with retries (`overrides` change them for this one)."""
        if cookies is not None:
            warnings.warn(_COOKIE_WARNING, DeprecationWarning, stacklevel=2)
        request = self.build_request(
            method=method,
            url=url,
            content=content,
            data=data,
            files=files,
            json=json,
            params=params,
            headers=headers,
            cookies=cookies,
            timeout=timeout,
            extensions=extensions,
        )
        # Through send(), as httpx does, so a subclass that overrides send() sees every request.
        if overrides:
            return await self.send(
                request, auth=auth, follow_redirects=follow_redirects, **overrides
            )
        return await self.send(request, auth=auth, follow_redirects=follow_redirects)

    @asynccontextmanager
    async def stream(
        self,
        method: str,
        url: httpx.URL | str,
        *,
        content: RequestContent | None = None,
        data: RequestData | None = None,
        files: RequestFiles | None = None,
        json: Any | None = None,
        params: QueryParamTypes | None = None,
        headers: HeaderTypes | None = None,
        cookies: CookieTypes | None = None,
        auth: AuthTypes | UseClientDefault | None = _USE_CLIENT_DEFAULT,
        follow_redirects: bool | UseClientDefault = _USE_CLIENT_DEFAULT,
        timeout: TimeoutTypes | UseClientDefault = _USE_CLIENT_DEFAULT,
        extensions: RequestExtensions | None = None,
        **overrides: Unpack[RetryOptions],
    ) -> AsyncIterator[httpx.Response]:
        """Stream the response body. No retries unless `max_retries` is given: once the body
        is handed over, a failure while reading it cannot be replayed."""
        request = self.build_request(
            method=method,
            url=url,
            content=content,
            data=data,
            files=files,
            json=json,
            params=params,
            headers=headers,
            cookies=cookies,
            timeout=timeout,
            extensions=extensions,
        )
        if not overrides:
            policy = self._stream_policy
        elif "max_retries" in overrides:
            policy = self._policy.replace(overrides)
        else:
            policy = self._stream_policy.replace(overrides)
        response = await self._send_with(policy, request, True, auth, follow_redirects)  # noqa: FBT003
        try:
            yield response
        finally:
            await response.aclose()

    # -- the verbs: httpx's signatures plus the per-request overrides -----------------------
    # Each passes `**overrides` on only when there are some: a call that unpacks a mapping
    # (even an empty one) builds a dict of every keyword argument and parses it again in the
    # callee: about 0.25% of a whole request's instructions apiece, on the success path.

    async def get(
        self,
        url: httpx.URL | str,
        *,
        params: QueryParamTypes | None = None,
        headers: HeaderTypes | None = None,
        cookies: CookieTypes | None = None,
        auth: AuthTypes | UseClientDefault | None = _USE_CLIENT_DEFAULT,
        follow_redirects: bool | UseClientDefault = _USE_CLIENT_DEFAULT,
        timeout: TimeoutTypes | UseClientDefault = _USE_CLIENT_DEFAULT,
        extensions: RequestExtensions | None = None,
        **overrides: Unpack[RetryOptions],
    ) -> httpx.Response:
        if overrides:
            return await self.request(
                "GET",
                url,
                params=params,
                headers=headers,
                cookies=cookies,
                auth=auth,
                follow_redirects=follow_redirects,
                timeout=timeout,
                extensions=extensions,
                **overrides,
            )
        return await self.request(
            "GET",
            url,
            params=params,
            headers=headers,
            cookies=cookies,
            auth=auth,
            follow_redirects=follow_redirects,
            timeout=timeout,
            extensions=extensions,
        )

    async def options(
        self,
        url: httpx.URL | str,
        *,
        params: QueryParamTypes | None = None,
        headers: HeaderTypes | None = None,
        cookies: CookieTypes | None = None,
        auth: AuthTypes | UseClientDefault = _USE_CLIENT_DEFAULT,
        follow_redirects: bool | UseClientDefault = _USE_CLIENT_DEFAULT,
        timeout: TimeoutTypes | UseClientDefault = _USE_CLIENT_DEFAULT,
        extensions: RequestExtensions | None = None,
        **overrides: Unpack[RetryOptions],
    ) -> httpx.Response:
        if overrides:
            return await self.request(
                "OPTIONS",
                url,
                params=params,
                headers=headers,
                cookies=cookies,
                auth=auth,
                follow_redirects=follow_redirects,
                timeout=timeout,
                extensions=extensions,
                **overrides,
            )
        return await self.request(
            "OPTIONS",
            url,
            params=params,
            headers=headers,
            cookies=cookies,
            auth=auth,
            follow_redirects=follow_redirects,
            timeout=timeout,
            extensions=extensions,
        )

    async def head(
        self,
        url: httpx.URL | str,
        *,
        params: QueryParamTypes | None = None,
        headers: HeaderTypes | None = None,
        cookies: CookieTypes | None = None,
        auth: AuthTypes | UseClientDefault = _USE_CLIENT_DEFAULT,
        follow_redirects: bool | UseClientDefault = _USE_CLIENT_DEFAULT,
        timeout: TimeoutTypes | UseClientDefault = _USE_CLIENT_DEFAULT,
        extensions: RequestExtensions | None = None,
        **overrides: Unpack[RetryOptions],
    ) -> httpx.Response:
        if overrides:
            return await self.request(
                "HEAD",
                url,
                params=params,
                headers=headers,
                cookies=cookies,
                auth=auth,
                follow_redirects=follow_redirects,
                timeout=timeout,
                extensions=extensions,
                **overrides,
            )
        return await self.request(
            "HEAD",
            url,
            params=params,
            headers=headers,
            cookies=cookies,
            auth=auth,
            follow_redirects=follow_redirects,
            timeout=timeout,
            extensions=extensions,
        )

    async def post(
        self,
        url: httpx.URL | str,
        *,
        content: RequestContent | None = None,
        data: RequestData | None = None,
        files: RequestFiles | None = None,
        json: Any | None = None,
        params: QueryParamTypes | None = None,
        headers: HeaderTypes | None = None,
        cookies: CookieTypes | None = None,
        auth: AuthTypes | UseClientDefault = _USE_CLIENT_DEFAULT,
        follow_redirects: bool | UseClientDefault = _USE_CLIENT_DEFAULT,
        timeout: TimeoutTypes | UseClientDefault = _USE_CLIENT_DEFAULT,
        extensions: RequestExtensions | None = None,
        **overrides: Unpack[RetryOptions],
    ) -> httpx.Response:
        if overrides:
            return await self.request(
                "POST",
                url,
                content=content,
                data=data,
                files=files,
                json=json,
                params=params,
                headers=headers,
                cookies=cookies,
                auth=auth,
                follow_redirects=follow_redirects,
                timeout=timeout,
                extensions=extensions,
                **overrides,
            )
        return await self.request(
            "POST",
            url,
            content=content,
            data=data,
            files=files,
            json=json,
            params=params,
            headers=headers,
            cookies=cookies,
            auth=auth,
            follow_redirects=follow_redirects,
            timeout=timeout,
            extensions=extensions,
        )

    async def put(
        self,
        url: httpx.URL | str,
        *,
        content: RequestContent | None = None,
        data: RequestData | None = None,
        files: RequestFiles | None = None,
        json: Any | None = None,
        params: QueryParamTypes | None = None,
        headers: HeaderTypes | None = None,
        cookies: CookieTypes | None = None,
        auth: AuthTypes | UseClientDefault = _USE_CLIENT_DEFAULT,
        follow_redirects: bool | UseClientDefault = _USE_CLIENT_DEFAULT,
        timeout: TimeoutTypes | UseClientDefault = _USE_CLIENT_DEFAULT,
        extensions: RequestExtensions | None = None,
        **overrides: Unpack[RetryOptions],
    ) -> httpx.Response:
        if overrides:
            return await self.request(
                "PUT",
                url,
                content=content,
                data=data,
                files=files,
                json=json,
                params=params,
                headers=headers,
                cookies=cookies,
                auth=auth,
                follow_redirects=follow_redirects,
                timeout=timeout,
                extensions=extensions,
                **overrides,
            )
        return await self.request(
            "PUT",
            url,
            content=content,
            data=data,
            files=files,
            json=json,
            params=params,
            headers=headers,
            cookies=cookies,
            auth=auth,
            follow_redirects=follow_redirects,
            timeout=timeout,
            extensions=extensions,
        )

    async def patch(
        self,
        url: httpx.URL | str,
        *,
        content: RequestContent | None = None,
        data: RequestData | None = None,
        files: RequestFiles | None = None,
        json: Any | None = None,
        params: QueryParamTypes | None = None,
        headers: HeaderTypes | None = None,
        cookies: CookieTypes | None = None,
        auth: AuthTypes | UseClientDefault = _USE_CLIENT_DEFAULT,
        follow_redirects: bool | UseClientDefault = _USE_CLIENT_DEFAULT,
        timeout: TimeoutTypes | UseClientDefault = _USE_CLIENT_DEFAULT,
        extensions: RequestExtensions | None = None,
        **overrides: Unpack[RetryOptions],
    ) -> httpx.Response:
        if overrides:
            return await self.request(
                "PATCH",
                url,
                content=content,
                data=data,
                files=files,
                json=json,
                params=params,
                headers=headers,
                cookies=cookies,
                auth=auth,
                follow_redirects=follow_redirects,
                timeout=timeout,
                extensions=extensions,
                **overrides,
            )
        return await self.request(
            "PATCH",
            url,
            content=content,
            data=data,
            files=files,
            json=json,
            params=params,
            headers=headers,
            cookies=cookies,
            auth=auth,
            follow_redirects=follow_redirects,
            timeout=timeout,
            extensions=extensions,
        )

    async def delete(
        self,
        url: httpx.URL | str,
        *,
        params: QueryParamTypes | None = None,
        headers: HeaderTypes | None = None,
        cookies: CookieTypes | None = None,
        auth: AuthTypes | UseClientDefault = _USE_CLIENT_DEFAULT,
        follow_redirects: bool | UseClientDefault = _USE_CLIENT_DEFAULT,
        timeout: TimeoutTypes | UseClientDefault = _USE_CLIENT_DEFAULT,
        extensions: RequestExtensions | None = None,
        **overrides: Unpack[RetryOptions],
    ) -> httpx.Response:
        if overrides:
            return await self.request(
                "DELETE",
                url,
                params=params,
                headers=headers,
                cookies=cookies,
                auth=auth,
                follow_redirects=follow_redirects,
                timeout=timeout,
                extensions=extensions,
                **overrides,
            )
        return await self.request(
            "DELETE",
            url,
            params=params,
            headers=headers,
            cookies=cookies,
            auth=auth,
            follow_redirects=follow_redirects,
            timeout=timeout,
            extensions=extensions,
        )


class AsyncResilientClient(AsyncClient):
    """The name earlier aresilient releases used. Unlike `AsyncClient`, it raises `HttpRequestError`
    when retries run out on a retryable status (`raise_on_failure=False` returns it instead)."""

    _raise_on_failure_default = True
