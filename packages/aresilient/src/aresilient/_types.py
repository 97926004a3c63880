"""httpx's annotation aliases, gathered here: they live in httpx's private modules.

Only annotations use them; if httpx moves one, the type check fails, not user code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from httpx._client import UseClientDefault
from httpx._config import DEFAULT_LIMITS, DEFAULT_MAX_REDIRECTS, DEFAULT_TIMEOUT_CONFIG
from httpx._types import (
    AuthTypes,
    CertTypes,
    CookieTypes,
    HeaderTypes,
    ProxyTypes,
    QueryParamTypes,
    RequestContent,
    RequestData,
    RequestExtensions,
    RequestFiles,
    TimeoutTypes,
)

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_MAX_REDIRECTS",
    "DEFAULT_TIMEOUT_CONFIG",
    "AuthTypes",
    "CertTypes",
    "CookieTypes",
    "EventHook",
    "HeaderTypes",
    "ProxyTypes",
    "QueryParamTypes",
    "RequestContent",
    "RequestData",
    "RequestExtensions",
    "RequestFiles",
    "TimeoutTypes",
    "UseClientDefault",
]

EventHook = Callable[..., Any]
