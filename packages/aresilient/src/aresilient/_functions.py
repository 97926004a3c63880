"""Module-level sync functions: `aresilient.get(url)` as `httpx.get(url)`, with retries.

Each call opens a client of its own and closes it before returning, as httpx's functions do,
unless `client=` is given: then that client sends (with its settings, pool and cookies) and
stays open. When retries run out on a retryable status they raise `HttpRequestError` (as
upstream aresilient's functions do, and unlike `Client`, which returns the last response as
httpx would); `raise_on_failure=False` returns that response instead. The
`*_with_automatic_retry` names are upstream aresilient's, kept for its users: they
behave exactly like the httpx names.

Generated from one template so the 16 functions cannot drift; edit them together.
"""

from __future__ import annotations

import ssl
from typing import Any, Unpack

import httpx

from aresilient._client import Client
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
    "delete",
    "delete_with_automatic_retry",
    "get",
    "get_with_automatic_retry",
    "head",
    "head_with_automatic_retry",
    "options",
    "options_with_automatic_retry",
    "patch",
    "patch_with_automatic_retry",
    "post",
    "post_with_automatic_retry",
    "put",
    "put_with_automatic_retry",
    "request",
    "request_with_automatic_retry",
]

USE_CLIENT_DEFAULT = httpx.USE_CLIENT_DEFAULT


def _send(
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
    client: Client | None,
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
        return client.request(
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
    with Client(
        cookies=cookies,
        proxy=proxy,
        verify=verify,
        timeout=DEFAULT_TIMEOUT_CONFIG if isinstance(timeout, UseClientDefault) else timeout,
        trust_env=trust_env,
        **overrides,
    ) as own_client:
        return own_client.request(
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


def request(
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
    client: Client | None = None,
    **overrides: Unpack[RetryOptions],
) -> httpx.Response:
    """`httpx.request` with retries; raises HttpRequestError if they run out on a retryable
    status (`raise_on_failure=False`: returns that last response)."""
    return _send(
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


def get(
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
    client: Client | None = None,
    **overrides: Unpack[RetryOptions],
) -> httpx.Response:
    """`httpx.get` with retries; raises HttpRequestError if they run out on a retryable
    status (`raise_on_failure=False`: returns that last response)."""
    return _send(
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


def options(
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
    client: Client | None = None,
    **overrides: Unpack[RetryOptions],
) -> httpx.Response:
    """`httpx.options` with retries; raises HttpRequestError if they run out on a retryable
    status (`raise_on_failure=False`: returns that last response)."""
    return _send(
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


def head(
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
    client: Client | None = None,
    **overrides: Unpack[RetryOptions],
) -> httpx.Response:
    """`httpx.head` with retries; raises HttpRequestError if they run out on a retryable
    status (`raise_on_failure=False`: returns that last response)."""
    return _send(
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


def post(
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
    client: Client | None = None,
    **overrides: Unpack[RetryOptions],
) -> httpx.Response:
    """`httpx.post` with retries; raises HttpRequestError if they run out on a retryable
    status (`raise_on_failure=False`: returns that last response)."""
    return _send(
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


def put(
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
    client: Client | None = None,
    **overrides: Unpack[RetryOptions],
) -> httpx.Response:
    """`httpx.put` with retries; raises HttpRequestError if they run out on a retryable
    status (`raise_on_failure=False`: returns that last response)."""
    return _send(
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


def patch(
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
    client: Client | None = None,
    **overrides: Unpack[RetryOptions],
) -> httpx.Response:
    """`httpx.patch` with retries; raises HttpRequestError if they run out on a retryable
    status (`raise_on_failure=False`: returns that last response)."""
    return _send(
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


def delete(
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
    client: Client | None = None,
    **overrides: Unpack[RetryOptions],
) -> httpx.Response:
    """`httpx.delete` with retries; raises HttpRequestError if they run out on a retryable
    status (`raise_on_failure=False`: returns that last response)."""
    return _send(
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
request_with_automatic_retry = request
get_with_automatic_retry = get
options_with_automatic_retry = options
head_with_automatic_retry = head
post_with_automatic_retry = post
put_with_automatic_retry = put
patch_with_automatic_retry = patch
delete_with_automatic_retry = delete
