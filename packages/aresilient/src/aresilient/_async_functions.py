"""Module-level functions: `aresilient.get_async(url)` as `httpx.get(url)`, with retries.

Each call opens a client of its own and closes it before returning, as httpx's functions do,
unless `client=` is given: then that client sends (with its settings, pool and cookies) and
stays open. When retries run out on a retryable status they raise `HttpRequestError` (as
upstream aresilient's functions do, and unlike `Client`, which returns the last response as
httpx would); `raise_on_failure=False` returns that response instead. The
`*_with_automatic_retry_async` names are upstream aresilient's, kept for its users: they
behave exactly like the httpx names.

One source for sync and async: tools/unasync.py generates the sync module from the async one.
"""

from __future__ import annotations

import ssl
from typing import Any, Unpack

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
    # The functions raise by default (upstream aresilient's contract); a client's own default
    # does not apply to them, so a given client behaves the same way here.
    if "raise_on_failure" not in overrides:
        overrides = {**overrides, "raise_on_failure": True}
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
    """`httpx.request` with retries; raises HttpRequestError if they run out on a retryable
    status (`raise_on_failure=False`: returns that last response)."""
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
    """`httpx.get` with retries; raises HttpRequestError if they run out on a retryable
    status (`raise_on_failure=False`: returns that last response)."""
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
    """`httpx.options` with retries; raises HttpRequestError if they run out on a retryable
    status (`raise_on_failure=False`: returns that last response)."""
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
    """`httpx.head` with retries; raises HttpRequestError if they run out on a retryable
    status (`raise_on_failure=False`: returns that last response)."""
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
    """`httpx.post` with retries; raises HttpRequestError if they run out on a retryable
    status (`raise_on_failure=False`: returns that last response)."""
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
    """`httpx.put` with retries; raises HttpRequestError if they run out on a retryable
    status (`raise_on_failure=False`: returns that last response)."""
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
    """`httpx.patch` with retries; raises HttpRequestError if they run out on a retryable
    status (`raise_on_failure=False`: returns that last response)."""
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
    """`httpx.delete` with retries; raises HttpRequestError if they run out on a retryable
    status (`raise_on_failure=False`: returns that last response)."""
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


# upstream aresilient's names: the same functions (they raise HttpRequestError too).
request_with_automatic_retry_async = request_async
get_with_automatic_retry_async = get_async
options_with_automatic_retry_async = options_async
head_with_automatic_retry_async = head_async
post_with_automatic_retry_async = post_async
put_with_automatic_retry_async = put_async
patch_with_automatic_retry_async = patch_async
delete_with_automatic_retry_async = delete_async
