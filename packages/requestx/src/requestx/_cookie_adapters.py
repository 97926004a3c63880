"""Adapters that let :mod:`http.cookiejar` read requestx requests and responses.

``CookieJar`` was written for ``urllib.request``: it asks a ``Request`` for its URL pieces and
headers, and a response for ``info().get_all("Set-Cookie")``. :class:`MockRequest` and
:class:`MockResponse` provide exactly those parts, and :func:`response_cookie_headers` finds
the ``Set-Cookie`` lines of the several response shapes requestx accepts. The public names
are re-exported by :mod:`requestx.cookies`, where requests users look for them.

Nothing here imports the Session/Response models: requests and responses are duck-typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol
from urllib.parse import urlparse, urlunparse

__all__ = ["MockRequest", "MockResponse", "RequestLike", "response_cookie_headers"]


class RequestLike(Protocol):
    """What the cookie code reads from a request: its URL and its headers.

    requestx's ``PreparedRequest`` satisfies it, and so do requests' and any stand-in with
    these two attributes. The protocol uses read-only properties so that plain attributes of a
    narrower type (``url: str``) satisfy it too.
    """

    @property
    def url(self) -> str | None: ...

    @property
    def headers(self) -> Mapping[str, Any]: ...


def _native(value: str | bytes) -> str:
    # Header values may arrive as bytes (set by users, or raw from the wire). HTTP header
    # bytes are latin-1 by definition (RFC 9110), but a Host header set by a user as bytes
    # is normally UTF-8, which is what requests assumes there too.
    return value if isinstance(value, str) else value.decode("utf-8")


class MockRequest:
    """Wraps a prepared request so that ``http.cookiejar`` can read it like a ``urllib`` one.

    ``CookieJar`` needs the URL pieces, a few headers, and a place to put the ``Cookie``
    header it builds. The wrapped request is never modified: the new headers are collected
    here and read back with :meth:`get_new_headers` (see :func:`get_cookie_header`).

    The request only needs ``url`` (a string) and ``headers`` (a mapping, ideally
    case-insensitive).
    """

    type: str

    def __init__(self, request: RequestLike) -> None:
        self._r = request
        self._new_headers: dict[str, str] = {}
        self.type = urlparse(self._url).scheme

    @property
    def _url(self) -> str:
        return self._r.url or ""

    def get_type(self) -> str:
        return self.type

    def get_host(self) -> str:
        return urlparse(self._url).netloc

    def get_origin_req_host(self) -> str:
        return self.get_host()

    def get_full_url(self) -> str:
        """The URL the cookie policy judges: the request URL, with the Host header's host.

        A user who sets ``Host`` talks to one address but means another site; cookies must
        follow the site they meant, so its name replaces the URL's netloc.
        """
        host_header = self._r.headers.get("Host")
        if not host_header:
            return self._url
        parsed = urlparse(self._url)
        return urlunparse(
            (
                parsed.scheme,
                _native(host_header),
                parsed.path,
                parsed.params,
                parsed.query,
                parsed.fragment,
            )
        )

    def is_unverifiable(self) -> bool:
        # RFC 2965 calls a request unverifiable when the user did not ask for it (an image
        # on a page). Every request here is treated that way, as requests does, which only
        # matters for policies that block third-party cookies.
        return True

    def has_header(self, name: str) -> bool:
        return name in self._r.headers or name in self._new_headers

    def get_header(self, name: str, default: str | None = None) -> str | None:
        value = self._r.headers.get(name, self._new_headers.get(name, default))
        return None if value is None else _native(value)

    def add_header(self, key: str, val: str) -> None:
        """Refuse: ``CookieJar`` only ever adds its header with ``add_unredirected_header``."""
        raise NotImplementedError("Cookie headers should be added with add_unredirected_header()")

    def add_unredirected_header(self, name: str, value: str) -> None:
        self._new_headers[name] = value

    def get_new_headers(self) -> dict[str, str]:
        return self._new_headers

    @property
    def unverifiable(self) -> bool:
        return self.is_unverifiable()

    @property
    def origin_req_host(self) -> str:
        return self.get_origin_req_host()

    @property
    def host(self) -> str:
        return self.get_host()


class MockResponse:
    """Wraps response headers so that ``http.cookiejar`` can read them like a ``urllib`` one.

    ``CookieJar.extract_cookies`` calls ``response.info().get_all("Set-Cookie", [])``, so the
    wrapped object needs a ``get_all(name, failobj)`` method, as ``http.client.HTTPMessage``
    has.
    """

    def __init__(self, headers: Any) -> None:
        """Make a MockResponse for ``CookieJar`` to read.

        :param headers: an ``http.client.HTTPMessage`` or any object with ``get_all``.
        """
        self._headers = headers

    def info(self) -> Any:
        return self._headers

    def getheaders(self, name: str) -> Any:
        # requests' version forgets to return the value; returning it is what the name says.
        return self._headers.get_all(name, [])


class _SetCookieHeaders:
    """A ``get_all`` view over already collected ``Set-Cookie`` / ``Set-Cookie2`` values."""

    def __init__(self, values: Mapping[str, list[str]]) -> None:
        self._values = {name.lower(): list(found) for name, found in values.items()}

    def get_all(self, name: str, failobj: Any = None) -> list[str] | Any:
        return self._values.get(name.lower()) or failobj

    def __bool__(self) -> bool:
        # False when no cookie header was sent: callers skip the cookie policy machinery.
        return any(self._values.values())


_COOKIE_HEADER_NAMES = ("Set-Cookie", "Set-Cookie2")


# Multi-value header getters, in the order they are tried, and whether each takes a default.
_MULTI_VALUE_GETTERS = (
    ("get_all", True),
    ("getlist", False),
    ("get_list", False),
    ("getall", True),
)


def _header_values(headers: Any, name: str) -> list[str]:
    """Every value of header ``name`` in ``headers``, whatever multi-value API it offers.

    Set-Cookie values cannot be folded into one comma-joined line (``Expires`` dates contain
    commas), so the separate values must be reachable. The methods are tried in this order:
    ``get_all`` (``http.client.HTTPMessage``), ``getlist`` (urllib3, werkzeug), ``get_list``
    (httpx), ``getall`` (multidict, aiohttp). A plain mapping is read with ``get`` and its value
    taken as one header line, or as several if it is a list or tuple.
    """
    found: Any = None
    for method, takes_default in _MULTI_VALUE_GETTERS:
        if callable(getter := getattr(headers, method, None)):
            found = getter(name, None) if takes_default else getter(name)
            break
    else:
        if not isinstance(headers, Mapping):
            return []
        found = headers.get(name)
        if found is None:
            # A plain dict is case-sensitive, while header names are not.
            wanted = name.lower()
            found = next((v for k, v in headers.items() if str(k).lower() == wanted), None)
    if found is None:
        return []
    if isinstance(found, str | bytes):
        found = [found]
    # Wire bytes are latin-1 (RFC 9110); a str passes through untouched.
    return [v.decode("latin-1") if isinstance(v, bytes) else str(v) for v in found]


def response_cookie_headers(response: Any) -> Any | None:
    """The object to hand ``CookieJar`` as ``response.info()``, or None if there is none."""
    # requests' contract: a urllib3 response whose _original_response is the
    # http.client.HTTPResponse; its .msg already is the HTTPMessage CookieJar expects.
    original = getattr(response, "_original_response", None)
    if original:
        return original.msg
    if isinstance(response, str | bytes):
        response = [response]
    if isinstance(response, list | tuple):
        values = [v.decode("latin-1") if isinstance(v, bytes) else v for v in response]
        return _SetCookieHeaders({"Set-Cookie": values})
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    return _SetCookieHeaders({name: _header_values(headers, name) for name in _COOKIE_HEADER_NAMES})
