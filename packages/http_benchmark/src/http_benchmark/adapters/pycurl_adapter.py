"""pycurl: sync only; one Curl handle per thread (a handle is not thread-safe).

Each handle keeps one connection (MAXCONNECTS=1), so `pool_size` threads hold `pool_size`
connections: the same pool the other clients get. Sharing one handle across threads, as some
published benchmarks do, is a data race, not a speed-up.
"""

from __future__ import annotations

import importlib
import io
import threading
from typing import Any, ClassVar

from http_benchmark.adapters.base import (
    ClientAdapter,
    FairSettings,
    SyncSession,
    request_headers,
)
from http_benchmark.models import HTTPRequest, Mode

__all__ = ["PycurlAdapter"]


def _pycurl() -> Any:
    # pycurl ships no type information; it is used through Any on purpose.
    return importlib.import_module("pycurl")


def _http_version_option(pycurl: Any, protocol: str) -> int:
    # 2TLS: HTTP/2 by ALPN over TLS; PRIOR_KNOWLEDGE: h2c with no HTTP/1.1 upgrade step.
    if protocol == "h2":
        return int(pycurl.CURL_HTTP_VERSION_2TLS)
    if protocol == "h2c":
        return int(pycurl.CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE)
    return int(pycurl.CURL_HTTP_VERSION_1_1)


def _wire_version(pycurl: Any, curl: Any) -> int | None:
    answer = curl.getinfo(pycurl.INFO_HTTP_VERSION)
    return {
        pycurl.CURL_HTTP_VERSION_1_0: 10,
        pycurl.CURL_HTTP_VERSION_1_1: 11,
        pycurl.CURL_HTTP_VERSION_2_0: 20,
    }.get(answer)


class _Counter:
    """A write callback that counts the body's bytes and keeps none (streamed downloads)."""

    def __init__(self) -> None:
        self.size = 0

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)


def _new_handle(request: HTTPRequest, settings: FairSettings) -> Any:
    pycurl = _pycurl()
    curl = pycurl.Curl()
    headers = request_headers(request)
    curl.setopt(pycurl.URL, request.url)
    curl.setopt(pycurl.NOSIGNAL, 1)
    curl.setopt(pycurl.PROXY, "")  # never a proxy from the environment
    curl.setopt(pycurl.MAXCONNECTS, 1)
    curl.setopt(pycurl.TIMEOUT_MS, int(settings.timeout * 1000))
    curl.setopt(pycurl.SSL_VERIFYPEER, 1 if settings.verify else 0)
    curl.setopt(pycurl.SSL_VERIFYHOST, 2 if settings.verify else 0)
    if isinstance(settings.verify, str):
        curl.setopt(pycurl.CAINFO, settings.verify)
    curl.setopt(pycurl.HTTP_VERSION, _http_version_option(pycurl, request.protocol))
    # ACCEPT_ENCODING sends the header and decodes what it names, like the other clients.
    curl.setopt(pycurl.ACCEPT_ENCODING, headers.pop("Accept-Encoding", ""))
    curl.setopt(pycurl.USERAGENT, headers.pop("User-Agent", ""))
    if request.new_connection:
        curl.setopt(pycurl.FORBID_REUSE, 1)
    if request.body is not None:
        curl.setopt(pycurl.CUSTOMREQUEST, request.method)
        curl.setopt(pycurl.POSTFIELDSIZE_LARGE, len(request.body))
        curl.setopt(pycurl.POSTFIELDS, request.body)
        # curl would send `Expect: 100-continue` for bodies over 1 MiB; no other client does.
        headers["Expect"] = ""
    elif request.method == "HEAD":
        curl.setopt(pycurl.NOBODY, 1)
    elif request.method != "GET":
        curl.setopt(pycurl.CUSTOMREQUEST, request.method)
    curl.setopt(pycurl.HTTPHEADER, [f"{name}: {value}" for name, value in headers.items()])
    return curl


class _Session:
    def __init__(self, request: HTTPRequest, settings: FairSettings) -> None:
        self._request, self._settings = request, settings
        self._local = threading.local()
        self._handles: list[Any] = []
        self._lock = threading.Lock()
        pycurl = _pycurl()
        self._code, self._writedata = pycurl.RESPONSE_CODE, pycurl.WRITEDATA
        self._writefunction, self._stream = pycurl.WRITEFUNCTION, request.stream

    def _handle(self) -> Any:
        curl = getattr(self._local, "curl", None)
        if curl is None:
            curl = _new_handle(self._request, self._settings)
            self._local.curl = curl
            with self._lock:
                self._handles.append(curl)
        return curl

    def send(self) -> tuple[int, int]:
        curl = self._handle()
        if self._stream:
            counter = _Counter()
            curl.setopt(self._writefunction, counter.write)
            curl.perform()
            return int(curl.getinfo(self._code)), counter.size
        buffer = io.BytesIO()
        curl.setopt(self._writedata, buffer)
        curl.perform()
        return int(curl.getinfo(self._code)), buffer.getbuffer().nbytes

    def close(self) -> None:
        with self._lock:
            for curl in self._handles:
                curl.close()
            self._handles.clear()


class PycurlAdapter(ClientAdapter):
    name = "pycurl"
    distribution = "pycurl"
    modes: ClassVar[frozenset[Mode]] = frozenset({"sync"})
    # h2 and h2c need a libcurl built with nghttp2 (Debian's is); HTTP/3 builds are rare.
    protocols: ClassVar[frozenset[str]] = frozenset({"h1", "h1-tls", "h2", "h2c"})
    retries: ClassVar[str | None] = None
    exposes_connect_time = True

    def unavailable_reason(self) -> str | None:
        reason = super().unavailable_reason()
        if reason is not None:
            return reason
        try:
            _pycurl()
        except ImportError as error:  # e.g. a wheel built against a missing libcurl
            return f"pycurl does not import: {error}"
        return None

    def _open_sync(self, request: HTTPRequest, settings: FairSettings) -> SyncSession:
        return _Session(request, settings)

    def connect_ms_sync(self, request: HTTPRequest, settings: FairSettings) -> float | None:
        pycurl = _pycurl()
        curl = _new_handle(request, settings)
        try:
            curl.setopt(pycurl.WRITEDATA, io.BytesIO())
            curl.perform()
            # CONNECT_TIME counts from the start, name lookup included; keep the TCP part.
            seconds = curl.getinfo(pycurl.CONNECT_TIME) - curl.getinfo(pycurl.NAMELOOKUP_TIME)
        finally:
            curl.close()
        return float(seconds) * 1000

    def http_version_sync(self, request: HTTPRequest, settings: FairSettings) -> int | None:
        pycurl = _pycurl()
        curl = _new_handle(request, settings)
        try:
            curl.setopt(pycurl.WRITEDATA, io.BytesIO())
            curl.perform()
            return _wire_version(pycurl, curl)
        finally:
            curl.close()
