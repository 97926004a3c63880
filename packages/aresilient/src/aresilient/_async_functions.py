"""Module-level functions: `aresilient.get_async(url)` as `httpx.get(url)`, with retries.

Each call opens a client of its own and closes it before returning, as httpx's functions do,
unless `client=` is given: then that client sends (with its settings, pool and cookies) and
stays open. httpx's names behave as httpx's functions do (`import aresilient as httpx`):
when retries run out on a retryable status they return that last response, and when they
run out on an exception they raise httpx's exception. The `*_with_automatic_retry_async` names
are upstream aresilient's, kept for its users: the same functions, except that they raise
`HttpRequestError` when retries run out on a status. Either default yields to an explicit
`raise_on_failure=`, and applies with `client=` too (the function decides, not the client).

One source for sync and async: tools/unasync.py generates the sync module from the async one.
"""

from __future__ import annotations

import functools
import ssl
from collections.abc import Callable
from typing import Any, TypeVar, Unpack, cast

import httpx

from aresilient._async_client import AsyncClient
from aresilient._policy import RetryOptions
from aresilient._types import (
    DEFAULT_TIMEOUT_CONFIG,
    AuthTypes,
    CookieTypes,
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

__all__ = [
    "delete_async",
    "delete_with_automatic_retry_async",
    "get_async",
    "get_with_automatic_retry_async",
    "head_async",
    "head_with_automatic_retry_async",
    "options_async",
    "options_with_automatic_retry_async",
    "patch_async",
    "patch_with_automatic_retry_async",
    "post_async",
    "post_with_automatic_retry_async",
    "put_async",
    "put_with_automatic_retry_async",
    "request_async",
    "request_with_automatic_retry_async",
]

USE_CLIENT_DEFAULT = httpx.USE_CLIENT_DEFAULT
_F = TypeVar("_F", bound=Callable[..., Any])


async def _send_async(
    method: str,
    url: httpx.URL | str,
    *,
    params: QueryParamTypes | None,
    content: RequestContent | None,
    data: RequestData | None,
    files: RequestFiles | None,
    json: Any | None,
    headers: HeaderTypes | None,
    cookies: CookieTypes | None,
    auth: AuthTypes | None,
    proxy: ProxyTypes | None,
    timeout: TimeoutTypes | UseClientDefault,
    follow_redirects: bool | UseClientDefault,
    verify: ssl.SSLContext | str | bool,
    trust_env: bool,
    client: AsyncClient | None,
    overrides: RetryOptions,
    extensions: RequestExtensions | None = None,
) -> httpx.Response:
    # httpx's contract (return the response) unless asked: a client's own default does not
    # apply, so a given client behaves the same way here.
    if "raise_on_failure" not in overrides:
        overrides = {**overrides, "raise_on_failure": False}
    if client is not None:
        if proxy is not None or verify is not True or trust_env is not True:
            raise ValueError("with client=, set proxy, verify and trust_env on that client")
        return await client.request(
            method,
            url,
            params=params,
            content=content,
            data=data,
            files=files,
            json=json,
            headers=headers,
            cookies=cookies,
            auth=USE_CLIENT_DEFAULT if auth is None else auth,
            follow_redirects=follow_redirects,
            timeout=timeout,
            extensions=extensions,
            **overrides,
        )
    async with AsyncClient(
        cookies=cookies,
        proxy=proxy,
        verify=verify,
        timeout=DEFAULT_TIMEOUT_CONFIG if isinstance(timeout, UseClientDefault) else timeout,
        trust_env=trust_env,
        **overrides,
    ) as own_client:
        return await own_client.request(
            method,
            url,
            params=params,
            content=content,
            data=data,
            files=files,
            json=json,
            headers=headers,
            auth=auth,
            follow_redirects=(
                False if isinstance(follow_redirects, UseClientDefault) else follow_redirects
            ),
            extensions=extensions,
        )


async def request_async(
    method: str,
    url: httpx.URL | str,
    *,
    params: QueryParamTypes | None = None,
    content: RequestContent | None = None,
    data: RequestData | None = None,
    files: RequestFiles | None = None,
    json: Any | None = None,
    headers: HeaderTypes | None = None,
    cookies: CookieTypes | None = None,
    auth: AuthTypes | None = None,
    proxy: ProxyTypes | None = None,
    timeout: TimeoutTypes | UseClientDefault = USE_CLIENT_DEFAULT,
    follow_redirects: bool | UseClientDefault = USE_CLIENT_DEFAULT,
    verify: ssl.SSLContext | str | bool = True,
    trust_env: bool = True,
    client: AsyncClient | None = None,
    **overrides: Unpack[RetryOptions],
) -> httpx.Response:
    """`httpx.request` with retries; when they run out on a retryable
    status, returns that last response as httpx would (`raise_on_failure=True` raises)."""
    return await _send_async(
        method,
        url,
        params=params,
        content=content,
        data=data,
        files=files,
        json=json,
        headers=headers,
        cookies=cookies,
        auth=auth,
        proxy=proxy,
        timeout=timeout,
        follow_redirects=follow_redirects,
        verify=verify,
        trust_env=trust_env,
        client=client,
        overrides=overrides,
    )


async def get_async(
    url: httpx.URL | str,
    *,
    params: QueryParamTypes | None = None,
    headers: HeaderTypes | None = None,
    cookies: CookieTypes | None = None,
    auth: AuthTypes | None = None,
    proxy: ProxyTypes | None = None,
    timeout: TimeoutTypes | UseClientDefault = USE_CLIENT_DEFAULT,
    follow_redirects: bool | UseClientDefault = USE_CLIENT_DEFAULT,
    verify: ssl.SSLContext | str | bool = True,
    trust_env: bool = True,
    client: AsyncClient | None = None,
    **overrides: Unpack[RetryOptions],
) -> httpx.Response:
    """`httpx.get` with retries; when they run out on a retryable
    status, returns that last response as httpx would (`raise_on_failure=True` raises)."""
    return await _send_async(
        "GET",
        url,
        params=params,
        content=None,
        data=None,
        files=None,
        json=None,
        headers=headers,
        cookies=cookies,
        auth=auth,
        proxy=proxy,
        timeout=timeout,
        follow_redirects=follow_redirects,
        verify=verify,
        trust_env=trust_env,
        client=client,
        overrides=overrides,
    )


async def options_async(
    url: httpx.URL | str,
    *,
    params: QueryParamTypes | None = None,
    headers: HeaderTypes | None = None,
    cookies: CookieTypes | None = None,
    auth: AuthTypes | None = None,
    proxy: ProxyTypes | None = None,
    timeout: TimeoutTypes | UseClientDefault = USE_CLIENT_DEFAULT,
    follow_redirects: bool | UseClientDefault = USE_CLIENT_DEFAULT,
    verify: ssl.SSLContext | str | bool = True,
    trust_env: bool = True,
    client: AsyncClient | None = None,
    **overrides: Unpack[RetryOptions],
) -> httpx.Response:
    """`httpx.options` with retries; when they run out on a retryable
    status, returns that last response as httpx would (`raise_on_failure=True` raises)."""
    return await _send_async(
        "OPTIONS",
        url,
        params=params,
        content=None,
        data=None,
        files=None,
        json=None,
        headers=headers,
        cookies=cookies,
        auth=auth,
        proxy=proxy,
        timeout=timeout,
        follow_redirects=follow_redirects,
        verify=verify,
        trust_env=trust_env,
        client=client,
        overrides=overrides,
    )


async def head_async(
    url: httpx.URL | str,
    *,
    params: QueryParamTypes | None = None,
    headers: HeaderTypes | None = None,
    cookies: CookieTypes | None = None,
    auth: AuthTypes | None = None,
    proxy: ProxyTypes | None = None,
    timeout: TimeoutTypes | UseClientDefault = USE_CLIENT_DEFAULT,
    follow_redirects: bool | UseClientDefault = USE_CLIENT_DEFAULT,
    verify: ssl.SSLContext | str | bool = True,
    trust_env: bool = True,
    client: AsyncClient | None = None,
    **overrides: Unpack[RetryOptions],
) -> httpx.Response:
    """`httpx.head` with retries; when they run out on a retryable
    status, returns that last response as httpx would (`raise_on_failure=True` raises)."""
    return await _send_async(
        "HEAD",
        url,
        params=params,
        content=None,
        data=None,
        files=None,
        json=None,
        headers=headers,
        cookies=cookies,
        auth=auth,
        proxy=proxy,
        timeout=timeout,
        follow_redirects=follow_redirects,
        verify=verify,
        trust_env=trust_env,
        client=client,
        overrides=overrides,
    )


async def post_async(
    url: httpx.URL | str,
    *,
    params: QueryParamTypes | None = None,
    content: RequestContent | None = None,
    data: RequestData | None = None,
    files: RequestFiles | None = None,
    json: Any | None = None,
    headers: HeaderTypes | None = None,
    cookies: CookieTypes | None = None,
    auth: AuthTypes | None = None,
    proxy: ProxyTypes | None = None,
    timeout: TimeoutTypes | UseClientDefault = USE_CLIENT_DEFAULT,
    follow_redirects: bool | UseClientDefault = USE_CLIENT_DEFAULT,
    verify: ssl.SSLContext | str | bool = True,
    trust_env: bool = True,
    client: AsyncClient | None = None,
    **overrides: Unpack[RetryOptions],
) -> httpx.Response:
    """`httpx.post` with retries; when they run out on a retryable
    status, returns that last response as httpx would (`raise_on_failure=True` raises)."""
    return await _send_async(
        "POST",
        url,
        params=params,
        content=content,
        data=data,
        files=files,
        json=json,
        headers=headers,
        cookies=cookies,
        auth=auth,
        proxy=proxy,
        timeout=timeout,
        follow_redirects=follow_redirects,
        verify=verify,
        trust_env=trust_env,
        client=client,
        overrides=overrides,
    )


async def put_async(
    url: httpx.URL | str,
    *,
    params: QueryParamTypes | None = None,
    content: RequestContent | None = None,
    data: RequestData | None = None,
    files: RequestFiles | None = None,
    json: Any | None = None,
    headers: HeaderTypes | None = None,
    cookies: CookieTypes | None = None,
    auth: AuthTypes | None = None,
    proxy: ProxyTypes | None = None,
    timeout: TimeoutTypes | UseClientDefault = USE_CLIENT_DEFAULT,
    follow_redirects: bool | UseClientDefault = USE_CLIENT_DEFAULT,
    verify: ssl.SSLContext | str | bool = True,
    trust_env: bool = True,
    client: AsyncClient | None = None,
    **overrides: Unpack[RetryOptions],
) -> httpx.Response:
    """`httpx.put` with retries; when they run out on a retryable
    status, returns that last response as httpx would (`raise_on_failure=True` raises)."""
    return await _send_async(
        "PUT",
        url,
        params=params,
        content=content,
        data=data,
        files=files,
        json=json,
        headers=headers,
        cookies=cookies,
        auth=auth,
        proxy=proxy,
        timeout=timeout,
        follow_redirects=follow_redirects,
        verify=verify,
        trust_env=trust_env,
        client=client,
        overrides=overrides,
    )


async def patch_async(
    url: httpx.URL | str,
    *,
    params: QueryParamTypes | None = None,
    content: RequestContent | None = None,
    data: RequestData | None = None,
    files: RequestFiles | None = None,
    json: Any | None = None,
    headers: HeaderTypes | None = None,
    cookies: CookieTypes | None = None,
    auth: AuthTypes | None = None,
    proxy: ProxyTypes | None = None,
    timeout: TimeoutTypes | UseClientDefault = USE_CLIENT_DEFAULT,
    follow_redirects: bool | UseClientDefault = USE_CLIENT_DEFAULT,
    verify: ssl.SSLContext | str | bool = True,
    trust_env: bool = True,
    client: AsyncClient | None = None,
    **overrides: Unpack[RetryOptions],
) -> httpx.Response:
    """`httpx.patch` with retries; when they run out on a retryable
    status, returns that last response as httpx would (`raise_on_failure=True` raises)."""
    return await _send_async(
        "PATCH",
        url,
        params=params,
        content=content,
        data=data,
        files=files,
        json=json,
        headers=headers,
        cookies=cookies,
        auth=auth,
        proxy=proxy,
        timeout=timeout,
        follow_redirects=follow_redirects,
        verify=verify,
        trust_env=trust_env,
        client=client,
        overrides=overrides,
    )


async def delete_async(
    url: httpx.URL | str,
    *,
    params: QueryParamTypes | None = None,
    headers: HeaderTypes | None = None,
    cookies: CookieTypes | None = None,
    auth: AuthTypes | None = None,
    proxy: ProxyTypes | None = None,
    timeout: TimeoutTypes | UseClientDefault = USE_CLIENT_DEFAULT,
    follow_redirects: bool | UseClientDefault = USE_CLIENT_DEFAULT,
    verify: ssl.SSLContext | str | bool = True,
    trust_env: bool = True,
    client: AsyncClient | None = None,
    **overrides: Unpack[RetryOptions],
) -> httpx.Response:
    """`httpx.delete` with retries; when they run out on a retryable
    status, returns that last response as httpx would (`raise_on_failure=True` raises)."""
    return await _send_async(
        "DELETE",
        url,
        params=params,
        content=None,
        data=None,
        files=None,
        json=None,
        headers=headers,
        cookies=cookies,
        auth=auth,
        proxy=proxy,
        timeout=timeout,
        follow_redirects=follow_redirects,
        verify=verify,
        trust_env=trust_env,
        client=client,
        overrides=overrides,
    )


def _raising(function: _F, name: str) -> _F:
    """Upstream aresilient's contract: the same function, raising HttpRequestError by default
    when retries run out on a retryable status."""

    @functools.wraps(function)
    async def raising(*args: Any, **kwargs: Any) -> httpx.Response:
        kwargs.setdefault("raise_on_failure", True)
        return await function(*args, **kwargs)  # type: ignore[no-any-return]

    raising.__name__ = raising.__qualname__ = name
    raising.__doc__ = (
        f"`{function.__name__}` raising HttpRequestError when retries run out on a retryable "
        "status (`raise_on_failure=False` returns that last response)."
    )
    return cast("_F", raising)


request_with_automatic_retry_async = _raising(request_async, "request_with_automatic_retry_async")
get_with_automatic_retry_async = _raising(get_async, "get_with_automatic_retry_async")
options_with_automatic_retry_async = _raising(options_async, "options_with_automatic_retry_async")
head_with_automatic_retry_async = _raising(head_async, "head_with_automatic_retry_async")
post_with_automatic_retry_async = _raising(post_async, "post_with_automatic_retry_async")
put_with_automatic_retry_async = _raising(put_async, "put_with_automatic_retry_async")
patch_with_automatic_retry_async = _raising(patch_async, "patch_with_automatic_retry_async")
delete_with_automatic_retry_async = _raising(delete_async, "delete_with_automatic_retry_async")
