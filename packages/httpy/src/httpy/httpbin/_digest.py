"""/digest-auth: HTTP Digest authentication (RFC 7616) the way httpbin answers it.

``/digest-auth/{qop}/{user}/{passwd}[/{algorithm}[/{stale_after}]]``: `qop` is ``auth`` or
``auth-int`` (anything else offers both), `algorithm` ``MD5``, ``SHA-256`` or ``SHA-512``
(anything else is MD5), `stale_after` ``never`` or a count of successful logins after which
the next one is answered ``stale=TRUE``.

Like httpbin, the server keeps no state: nonces are random and not remembered, and what it
must recall travels in cookies. Every challenge sets ``fake=fake_value`` and
``stale_after``; a failed attempt also sets ``last_nonce``, and a client that retries with that
same nonce is told it is stale. ``?require-cookie=true`` refuses a client that does not send
the cookies back (403 once it has credentials). The response is computed with the algorithm
the client names (MD5 when it names none) over the request target as received.

Stricter than httpbin, on purpose: the username and realm in the credentials must be the
route's (httpbin hashes whatever username and realm the client sends, so any username
passed), a `qop` the route did not offer is refused, and a header that repeats a parameter or
does not parse is no credentials at all. Other differences: ``stale`` is spelled ``TRUE`` /
``FALSE`` as in RFC 7616 (httpbin writes ``True`` / ``False``; clients compare without case),
and a URL with a query string works (httpbin 0.10 on werkzeug 3 answers it 500).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re

from httpy.application import App
from httpy.requests import Request
from httpy.responses import JSONResponse, Response

__all__ = ["parse_digest_credentials", "register"]

REALM = "me@kennethreitz.com"  # httpbin's, so a client's recorded exchanges stay comparable
_ALGORITHMS = {
    "MD5": hashlib.md5,
    "SHA-256": hashlib.sha256,
    "SHA-512": hashlib.sha512,
}
_QOPS = ("auth", "auth-int")
_TRUE_WORDS = frozenset({"1", "t", "true"})
# auth-param = token BWS "=" BWS ( token / quoted-string ), one per comma (RFC 9110 §11.2).
_PARAM = re.compile(
    r"""[ \t]*([!#$%&'*+.^_`|~0-9A-Za-z-]+)[ \t]*=[ \t]*"""
    r"""(?:"((?:[^"\\]|\\.)*)"|([!#$%&'*+.^_`|~0-9A-Za-z-]+))[ \t]*(?:,|$)"""
)
_ESCAPE = re.compile(r"\\(.)")


def parse_digest_credentials(value: str) -> dict[str, str] | None:
    """The parameters of an ``Authorization: Digest ...`` value (lower-case names), or None."""
    scheme, _, rest = value.strip().partition(" ")
    if scheme.lower() != "digest":
        return None
    params: dict[str, str] = {}
    position, end = 0, len(rest)
    while position < end:
        match = _PARAM.match(rest, position)
        if match is None or match.end() == position:
            return None
        name, quoted, token = match.groups()
        name = name.lower()
        if name in params:
            return None  # which of two would count is a guess: refuse both
        params[name] = token if quoted is None else _ESCAPE.sub(r"\1", quoted)
        position = match.end()
    return params or None


def _hash(data: bytes, algorithm: str | None) -> str:
    # An unknown name hashes as MD5, as httpbin does: the response then simply fails to match.
    constructor = _ALGORITHMS.get(algorithm or "MD5", hashlib.md5)
    return constructor(data, usedforsecurity=False).hexdigest()


def _expected_response(
    credentials: dict[str, str], passwd: str, method: str, uri: str, body: bytes
) -> str | None:
    """The `response` a client that knows `passwd` computes; None for an unusable header."""
    algorithm = credentials.get("algorithm")
    qop = credentials.get("qop")
    username, realm = credentials.get("username", ""), credentials.get("realm", "")
    ha1 = _hash(f"{username}:{realm}:{passwd}".encode(), algorithm)
    if qop == "auth-int":
        a2 = f"{method}:{uri}:{_hash(body, algorithm)}"
    elif qop in {None, "auth"}:
        a2 = f"{method}:{uri}"
    else:
        return None
    ha2 = _hash(a2.encode(), algorithm)
    nonce = credentials.get("nonce", "")
    if qop is None:
        # RFC 2069 compatibility, which httpbin keeps: no nonce count, no client nonce.
        return _hash(f"{ha1}:{nonce}:{ha2}".encode(), algorithm)
    if "nc" not in credentials or "cnonce" not in credentials:
        return None
    parts = (ha1, nonce, credentials["nc"], credentials["cnonce"], qop, ha2)
    return _hash(":".join(parts).encode(), algorithm)


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


async def _authenticated(
    request: Request, credentials: dict[str, str], user: str, passwd: str, offered: tuple[str, ...]
) -> bool:
    qop = credentials.get("qop")
    if qop is not None and qop not in offered:
        return False
    uri = request.raw_path.decode("latin-1")
    if request.query_string:
        uri += "?" + request.query_string.decode("latin-1")
    body = await request.body() if qop == "auth-int" else b""
    expected = _expected_response(credentials, passwd, request.method, uri, body)
    if expected is None:
        return False
    # All three compared, always, so the timing does not tell which one was wrong.
    checks = (
        _same(credentials.get("username", ""), user),
        _same(credentials.get("realm", ""), REALM),
        _same(credentials.get("response", ""), expected),
    )
    return all(checks)


def _challenge(algorithm: str, offered: tuple[str, ...], *, stale: bool) -> Response:
    nonce = _hash(os.urandom(16), algorithm)
    opaque = _hash(os.urandom(16), algorithm)
    value = (
        f'Digest realm="{REALM}", nonce="{nonce}", opaque="{opaque}", '
        f'qop="{", ".join(offered)}", algorithm={algorithm}, stale={"TRUE" if stale else "FALSE"}'
    )
    return Response(status_code=401, headers={"www-authenticate": value})


def _next_stale_after(value: str) -> str:
    try:
        return str(int(value) - 1)
    except ValueError:
        return "never"


def _set(response: Response, name: str, value: str) -> None:
    # Plain cookies, as httpbin sets them: path=/ and nothing else.
    response.set_cookie(name, value, samesite=None)


async def digest_auth(  # noqa: PLR0913 - the route's path parameters
    request: Request,
    *,
    qop: str,
    user: str,
    passwd: str,
    algorithm: str = "MD5",
    stale_after: str = "never",
) -> Response:
    if algorithm not in _ALGORITHMS:
        algorithm = "MD5"
    offered = (qop,) if qop in _QOPS else _QOPS
    require_cookie = request.query.get("require-cookie", "").lower() in _TRUE_WORDS
    header = request.headers.get("authorization")
    credentials = parse_digest_credentials(header) if header else None
    if credentials is None or (require_cookie and "cookie" not in request.headers):
        response = _challenge(algorithm, offered, stale=False)
        _set(response, "stale_after", stale_after)
        _set(response, "fake", "fake_value")
        return response
    cookies = request.cookies
    if require_cookie and cookies.get("fake") != "fake_value":
        response = JSONResponse({"errors": ["missing cookie set on challenge"]}, status_code=403)
        _set(response, "fake", "fake_value")
        return response
    nonce = credentials.get("nonce", "")
    stale_cookie = cookies.get("stale_after")
    if cookies.get("last_nonce") == nonce or stale_cookie == "0":
        response = _challenge(algorithm, offered, stale=True)
    elif not await _authenticated(request, credentials, user, passwd, offered):
        response = _challenge(algorithm, offered, stale=False)
    else:
        response = JSONResponse({"authenticated": True, "user": user})
        _set(response, "fake", "fake_value")
        if stale_cookie:
            _set(response, "stale_after", _next_stale_after(stale_cookie))
        return response
    _set(response, "stale_after", stale_after)
    _set(response, "last_nonce", nonce)
    _set(response, "fake", "fake_value")
    return response


def register(app: App) -> None:
    app.get("/digest-auth/{qop}/{user}/{passwd}")(digest_auth)
    app.get("/digest-auth/{qop}/{user}/{passwd}/{algorithm}")(digest_auth)
    app.get("/digest-auth/{qop}/{user}/{passwd}/{algorithm}/{stale_after}")(digest_auth)
