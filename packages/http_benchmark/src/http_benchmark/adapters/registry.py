"""Client names and their adapters; importing this module imports no client library."""

from __future__ import annotations

import importlib

from http_benchmark.adapters.base import ClientAdapter

__all__ = ["CLIENT_NAMES", "HARNESS_CLIENT", "MEASURED_CLIENTS", "get_adapter"]

# The eight measured clients, in table order, then the harness's own no-I/O client.
CLIENT_NAMES: tuple[str, ...] = (
    "requests",
    "requestx",
    "httpx",
    "aiohttp",
    "urllib3",
    "pycurl",
    "aresilient",
    "niquests",
    "null",
)
#: Does no I/O: its numbers are the harness's own overhead.
HARNESS_CLIENT = "null"
#: What a run measures unless told otherwise.
MEASURED_CLIENTS: tuple[str, ...] = tuple(name for name in CLIENT_NAMES if name != HARNESS_CLIENT)

_MODULES = {
    "requests": ("http_benchmark.adapters.requests_adapter", "RequestsAdapter"),
    "requestx": ("http_benchmark.adapters.requestx_adapter", "RequestxAdapter"),
    "httpx": ("http_benchmark.adapters.httpx_adapter", "HttpxAdapter"),
    "aiohttp": ("http_benchmark.adapters.aiohttp_adapter", "AiohttpAdapter"),
    "urllib3": ("http_benchmark.adapters.urllib3_adapter", "Urllib3Adapter"),
    "pycurl": ("http_benchmark.adapters.pycurl_adapter", "PycurlAdapter"),
    "aresilient": ("http_benchmark.adapters.aresilient_adapter", "AresilientAdapter"),
    "niquests": ("http_benchmark.adapters.niquests_adapter", "NiquestsAdapter"),
    "null": ("http_benchmark.adapters.null_adapter", "NullAdapter"),
}


def get_adapter(name: str) -> ClientAdapter:
    """The adapter called `name`; KeyError names the known ones."""
    try:
        module_name, class_name = _MODULES[name]
    except KeyError:
        raise KeyError(f"unknown client {name!r} (known: {', '.join(CLIENT_NAMES)})") from None
    adapter_class: type[ClientAdapter] = getattr(importlib.import_module(module_name), class_name)
    return adapter_class()
