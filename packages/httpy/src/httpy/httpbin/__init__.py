"""An httpbin.org look-alike served by httpy, for tests and benchmarks on loopback.

Serve it with ``httpy run httpy.httpbin:app`` or, in tests, ``serve_in_thread(app)``. JSON
shapes and field names follow httpbin: ``args`` and ``form`` values are a string for a key
seen once and a list for a repeated key; header names are Title-Cased.

Request inspection
    ``/``                              a tiny plain-text answer (for load tests)
    ``/get``                           {"args", "headers", "origin", "url"}
    ``/post`` ``/put`` ``/patch`` ``/delete``
                                       /get's keys plus "data", "files", "form", "json"
    ``/anything``, ``/anything/{path}`` any method; /post's keys plus "method"
    ``/headers`` ``/ip`` ``/user-agent`` one part of the request each

Status codes and redirects
    ``/status/{codes}``                 ``503``, ``200,500`` (random pick) or ``200:0.9,500:0.1``
    ``/redirect/{n}``                   n 302s ending at /get; ``?absolute=true`` for full URLs
    ``/relative-redirect/{n}`` ``/absolute-redirect/{n}``
    ``/redirect-to?url=...&status_code=307``  any method
    ``/flaky/{key}?fail=N&status=503&retry_after=S``
                                       the first N calls for `key` fail with `status` (default
                                       N=1, 503; ``Retry-After: S`` when given), later calls
                                       answer 200 with {"calls", "fail", "key"}. Counters are
                                       per process, kept for the 10,000 most recent keys.
                                       Reset one key with ``POST /flaky/{key}/reset`` (or GET),
                                       every key with ``DELETE /flaky``.

Cookies and authentication
    ``/cookies``                        {"cookies": {...}}
    ``/cookies/set?name=value``         sets them, then 302 to /cookies
    ``/cookies/set/{name}/{value}``     the same for one cookie
    ``/cookies/delete?name``            expires them, then 302 to /cookies
    ``/basic-auth/{user}/{passwd}``     401 with a Basic challenge when wrong
    ``/hidden-basic-auth/{user}/{passwd}``  404 when wrong
    ``/bearer``                         401 with ``WWW-Authenticate: Bearer`` without a token
    ``/digest-auth/{qop}/{user}/{passwd}``  Digest auth (qop ``auth`` or ``auth-int``), MD5
    ``/digest-auth/{qop}/{user}/{passwd}/{algorithm}``  ``MD5``, ``SHA-256`` or ``SHA-512``
    ``/digest-auth/{qop}/{user}/{passwd}/{algorithm}/{stale_after}``
                                       ``stale=TRUE`` after that many logins; with httpbin's
                                       cookies (``fake``, ``stale_after``, ``last_nonce``)

Bodies
    ``/bytes/{n}``                      n random bytes (at most 100 KiB); ``?seed=`` repeats them
    ``/stream-bytes/{n}``               the same, chunked (``chunk_size``, ``seed``)
    ``/stream/{n}``                     n JSON lines (at most 100), each /get's dict plus "id"
    ``/drip?duration=2&numbytes=10&code=200&delay=0``  bytes paced over `duration` seconds
    ``/delay/{seconds}``                answers after the delay (at most 10 s), any method
    ``/gzip`` ``/deflate`` ``/brotli``  compressed JSON ("gzipped", "deflated", "brotli": true);
                                       /brotli needs the ``brotli`` package, else 501
    ``/json`` ``/html`` ``/encoding/utf8``  fixed documents
    ``/response-headers?Name=value``    GET or POST: query arguments become response headers,
                                       and the JSON body lists the headers sent

Every answer but ``/`` carries httpbin's CORS headers. As in httpbin, leading slashes are
dropped (``//get`` is ``/get``) and a path that matches a route only once its repeated
slashes are merged gets a 308 to the merged path.
"""

from __future__ import annotations

from httpy.application import App
from httpy.httpbin import (
    _auth,
    _cookies,
    _digest,
    _dynamic,
    _echo,
    _flaky,
    _formats,
    _paths,
    _redirects,
    _status,
)
from httpy.requests import Request
from httpy.responses import Response

__all__ = ["app"]

_CORS_METHODS = "GET, POST, PUT, DELETE, PATCH, OPTIONS"


def _add_cors_headers(request: Request, response: Response) -> None:
    if request.path == "/":
        return  # the load-test endpoint stays as small as it can be
    headers = response.headers
    headers["access-control-allow-origin"] = request.headers.get("origin", "*")
    headers["access-control-allow-credentials"] = "true"
    if request.method == "OPTIONS":
        headers["access-control-allow-methods"] = _CORS_METHODS
        headers["access-control-max-age"] = "3600"
        asked = request.headers.get("access-control-request-headers")
        if asked is not None:
            headers["access-control-allow-headers"] = asked


def _build_app(*, max_flaky_keys: int = 10_000) -> App:
    """A new httpbin App with its own /flaky counters."""
    httpbin = App()
    _paths.register(httpbin)
    _echo.register(httpbin)
    _status.register(httpbin)
    _redirects.register(httpbin)
    _flaky.register(httpbin, _flaky.FlakyCounters(max_flaky_keys))
    _cookies.register(httpbin)
    _auth.register(httpbin)
    _digest.register(httpbin)
    _dynamic.register(httpbin)
    _formats.register(httpbin)
    httpbin.after_request(_add_cors_headers)
    return httpbin


app = _build_app()
