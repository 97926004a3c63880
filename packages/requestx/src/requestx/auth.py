"""Authentication handlers with the API of ``requests.auth``: Basic, Proxy and Digest.

An auth handler is a callable that receives the prepared request and returns it, usually with
an ``Authorization`` header added. Basic auth is one header. Digest auth (RFC 2617 / RFC 7616)
needs the server's challenge first, so it also registers ``response`` hooks: on a 401 carrying
a digest challenge, ``handle_401`` answers it by sending a copy of the request again through
the connection the response came from, and returns that second response.

This module is written against the duck-typed contract of requests' models (the Protocols
below say exactly which attributes are used), so it works with requestx's own models and with
test stand-ins alike.
"""

import hashlib
import importlib
import os
import re
import threading
import warnings
from base64 import b64encode
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any, Final, Protocol, TypeVar, cast

from requestx import compat

__all__ = [
    "CONTENT_TYPE_FORM_URLENCODED",
    "CONTENT_TYPE_MULTI_PART",
    "AuthBase",
    "HTTPBasicAuth",
    "HTTPDigestAuth",
    "HTTPProxyAuth",
]

# requests' models import these two from requests.auth; they are kept here for that reason.
CONTENT_TYPE_FORM_URLENCODED: Final = "application/x-www-form-urlencoded"
CONTENT_TYPE_MULTI_PART: Final = "multipart/form-data"


class _HasHeaders(Protocol):
    @property
    def headers(self) -> MutableMapping[str, str]: ...


class _DigestRequest(_HasHeaders, Protocol):
    @property
    def method(self) -> str | None: ...

    @property
    def url(self) -> str | None: ...

    @property
    def body(self) -> object: ...

    def register_hook(self, event: str, hook: Callable[..., Any]) -> None: ...


class _ResendableRequest(_DigestRequest, Protocol):
    # The cookie jar the request was prepared with (requests keeps it private, and so does
    # requestx); the 401 flow adds the challenge response's cookies to it.
    @property
    def _cookies(self) -> Any: ...

    def copy(self) -> "_ResendableRequest": ...

    def prepare_cookies(self, cookies: Any) -> None: ...


class _ChallengeResponse(Protocol):
    @property
    def status_code(self) -> int: ...

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def request(self) -> _ResendableRequest: ...

    @property
    def content(self) -> object: ...

    @property
    def raw(self) -> Any: ...

    # The adapter that sent the request; its send(prep, **kwargs) sends the retry.
    @property
    def connection(self) -> Any: ...

    @property
    def is_redirect(self) -> bool: ...

    def close(self) -> None: ...


_RequestT = TypeVar("_RequestT", bound=_HasHeaders)
_DigestRequestT = TypeVar("_DigestRequestT", bound=_DigestRequest)
_ResponseT = TypeVar("_ResponseT", bound=_ChallengeResponse)


def _basic_auth_str(username: object, password: object) -> str:
    """The ``Authorization`` value for Basic auth: ``"Basic " + base64(user:password)``.

    ``str`` credentials are encoded as latin-1 (RFC 7617's historical default, and what
    requests does, so a non-latin-1 ``str`` raises ``UnicodeEncodeError``); pass ``bytes`` to
    choose another encoding, e.g. UTF-8. Other types are converted with ``str()`` after a
    ``DeprecationWarning``, as in requests.
    """
    # Non-string credentials (ints, mostly) work only because requests kept them working; the
    # warning matches requests' so the same filters apply. The password's warning names only
    # its type, never its value.
    if not isinstance(username, str | bytes):
        warnings.warn(
            "Non-string usernames will no longer be supported in Requests 3.0.0. Please "
            f"convert the object you've passed in ({username!r}) to a string or bytes object "
            "in the near future to avoid problems.",
            category=DeprecationWarning,
            stacklevel=2,
        )
        username = str(username)
    if not isinstance(password, str | bytes):
        warnings.warn(
            "Non-string passwords will no longer be supported in Requests 3.0.0. Please "
            f"convert the object you've passed in ({type(password)!r}) to a string or bytes "
            "object in the near future to avoid problems.",
            category=DeprecationWarning,
            stacklevel=2,
        )
        password = str(password)

    user = username.encode("latin1") if isinstance(username, str) else username
    secret = password.encode("latin1") if isinstance(password, str) else password
    return "Basic " + b64encode(user + b":" + secret).decode("ascii")


class AuthBase:
    """The base class of every auth handler: a callable that takes and returns a request."""

    # Any, not a concrete request type: subclasses written for requests annotate `r` with their
    # own PreparedRequest, and a narrower base type would make every such override an error.
    def __call__(self, r: Any) -> Any:
        raise NotImplementedError("Auth hooks must be callable.")


class HTTPBasicAuth(AuthBase):
    """Adds HTTP Basic authentication (an ``Authorization`` header) to the request."""

    username: str | bytes
    password: str | bytes

    def __init__(self, username: str | bytes, password: str | bytes) -> None:
        self.username = username
        self.password = password

    # Equality is by credentials only, whatever the other object's class, as in requests: an
    # HTTPBasicAuth equals an HTTPDigestAuth with the same username and password.
    def __eq__(self, other: object) -> bool:
        return bool(
            self.username == getattr(other, "username", None)
            and self.password == getattr(other, "password", None)
        )

    def __ne__(self, other: object) -> bool:
        return not self == other

    # Mutable and compared by value, so not hashable (as in requests).
    __hash__ = None  # type: ignore[assignment]

    def __call__(self, r: _RequestT) -> _RequestT:
        r.headers["Authorization"] = _basic_auth_str(self.username, self.password)
        return r


class HTTPProxyAuth(HTTPBasicAuth):
    """Adds HTTP Basic authentication for the proxy (a ``Proxy-Authorization`` header)."""

    def __call__(self, r: _RequestT) -> _RequestT:
        r.headers["Proxy-Authorization"] = _basic_auth_str(self.username, self.password)
        return r


# Digest ------------------------------------------------------------------------------------

# RFC 7616 §3.3 algorithm names (upper-cased) -> hashlib names. "<name>-SESS" variants use the
# same hash with the session form of A1.
_DIGEST_HASHES: Final[Mapping[str, str]] = {
    "MD5": "md5",
    "SHA": "sha1",
    "SHA-256": "sha256",
    "SHA-512": "sha512",
}
_SESSION_SUFFIX: Final = "-SESS"
# requests strips the first "digest " (any case) from the header and parses the rest.
_DIGEST_SCHEME = re.compile(r"digest ", flags=re.IGNORECASE)


def _make_cnonce() -> str:
    """A fresh client nonce: 16 hex digits, as requests sends."""
    return os.urandom(8).hex()


def _credential_text(value: str | bytes) -> str:
    # The digest is computed over the UTF-8 text of "user:realm:password" and the username is
    # sent as text. requests formats bytes credentials with str(), which yields "b'user'" and
    # can never authenticate; decoding them as UTF-8 makes bytes and str credentials agree.
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _unquote(value: str) -> str:
    # Browser-style unquoting (after werkzeug, as requests does): drop one pair of surrounding
    # quotes, then undo backslash escapes. Unquoted values are returned unchanged.
    if value and value[0] == value[-1] == '"':
        return value[1:-1].replace("\\\\", "\\").replace('\\"', '"')
    return value


def _parse_challenge(value: str) -> dict[str, str | None]:
    """Parse ``key=value, key="quoted, value", flag`` into a dict (``flag`` maps to ``None``)."""
    params: dict[str, str | None] = {}
    for item in compat.parse_http_list(value):
        if "=" not in item:
            params[item] = None
            continue
        name, raw = item.split("=", 1)
        if raw[:1] == raw[-1:] == '"':
            raw = _unquote(raw[1:-1])
        params[name] = raw
    return params


class _DigestState(threading.local):
    """What one thread remembers between requests: the challenge, nonce use and 401 count.

    A ``threading.local`` subclass runs ``__init__`` the first time each thread touches it, so
    every thread starts from these defaults without an explicit initialisation step.
    """

    init: bool
    last_nonce: str | None
    nonce_count: int
    chal: dict[str, str | None]
    pos: int | None
    num_401_calls: int

    def __init__(self) -> None:
        self.init = True
        self.last_nonce = ""
        self.nonce_count = 0
        self.chal = {}
        # Where the request body stood before sending, to rewind it for the retry.
        self.pos = None
        # 1 means "the next digest 401 may be answered"; a second one in a row is returned as is.
        self.num_401_calls = 1


class HTTPDigestAuth(AuthBase):
    """HTTP Digest authentication (RFC 2617, RFC 7616).

    Supports the MD5, MD5-sess, SHA (SHA-1), SHA-256 and SHA-512 algorithms (and the "-sess"
    form of each) with ``qop="auth"`` or no qop; ``auth-int`` is not supported. After the first
    challenge the nonce is reused, with the nonce count increasing, so later requests on the
    same thread authenticate without another 401 round trip. State is kept per thread, so one
    instance can be shared by threads.
    """

    username: str | bytes
    password: str | bytes
    _thread_local: _DigestState

    def __init__(self, username: str | bytes, password: str | bytes) -> None:
        self.username = username
        self.password = password
        self._thread_local = _DigestState()

    def init_per_thread_state(self) -> None:
        """Make sure this thread's state exists.

        Kept because requests has it; the state now creates itself per thread on first use,
        so this only touches it.
        """
        _ = self._thread_local.init

    def build_digest_header(self, method: str, url: str) -> str | None:
        """The ``Authorization`` value answering the stored challenge, for ``method url``.

        Returns ``None`` when the challenge asks for an unsupported algorithm or qop. Each call
        counts one use of the nonce (the ``nc`` parameter).
        """
        state = self._thread_local
        realm = state.chal["realm"]
        nonce = state.chal["nonce"]
        qop = state.chal.get("qop")
        algorithm = state.chal.get("algorithm")
        opaque = state.chal.get("opaque")

        # No algorithm parameter means MD5 (RFC 2617 §3.2.1); it is then omitted in the reply.
        name = "MD5" if algorithm is None else algorithm.upper()
        is_session = name.endswith(_SESSION_SUFFIX)
        hash_name = _DIGEST_HASHES.get(name.removesuffix(_SESSION_SUFFIX))
        if hash_name is None:
            return None

        def digest(text: str) -> str:
            data = text.encode("utf-8")
            return hashlib.new(hash_name, data, usedforsecurity=False).hexdigest()

        # RFC 7616 §3.4: the uri is the request target, never empty, with its query. urlsplit,
        # not requests' urlparse: urlparse cuts ";params" off the path, so the uri would no
        # longer match the request line and servers reject it (psf/requests#6990).
        parsed = compat.urlsplit(url)
        uri = parsed.path or "/"
        if parsed.query:
            uri += f"?{parsed.query}"

        username = _credential_text(self.username)
        password = _credential_text(self.password)
        ha1 = digest(f"{username}:{realm}:{password}")
        ha2 = digest(f"{method}:{uri}")

        state.nonce_count = state.nonce_count + 1 if nonce == state.last_nonce else 1
        nc = f"{state.nonce_count:08x}"
        cnonce = _make_cnonce()
        if is_session:
            ha1 = digest(f"{ha1}:{nonce}:{cnonce}")

        if not qop:
            response = digest(f"{ha1}:{nonce}:{ha2}")
        elif "auth" in {option.strip() for option in qop.split(",")}:
            response = digest(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")
        else:
            # Only auth-int (integrity over the body) is offered; not supported.
            return None

        # Remember the nonce only once it has been answered, so the count starts right.
        state.last_nonce = nonce

        header = (
            f'username="{username}", realm="{realm}", nonce="{nonce}", '
            f'uri="{uri}", response="{response}"'
        )
        if opaque:
            header += f', opaque="{opaque}"'
        if algorithm:
            header += f', algorithm="{algorithm}"'
        if qop:
            header += f', qop="auth", nc={nc}, cnonce="{cnonce}"'
        return f"Digest {header}"

    def handle_redirect(self, r: _ChallengeResponse, **kwargs: Any) -> None:
        """Response hook: a redirect starts a new exchange, which may answer one 401 again."""
        if r.is_redirect:
            self._thread_local.num_401_calls = 1

    def handle_401(self, r: _ResponseT, **kwargs: Any) -> _ResponseT:
        """Response hook: answer a digest challenge once, by resending the request.

        Any 4xx response carrying a ``WWW-Authenticate: Digest`` challenge gets one retry with
        an ``Authorization`` header, sent through ``r.connection.send(prep, **kwargs)``. The
        retry's response is returned with ``r`` in its history; otherwise ``r`` is returned.
        """
        state = self._thread_local
        if not 400 <= r.status_code < 500:
            state.num_401_calls = 1
            return r

        # The body was read when sending; rewind a file-like body so the retry sends it all.
        if state.pos is not None:
            seek = getattr(r.request.body, "seek", None)
            if seek is not None:
                seek(state.pos)

        challenge = r.headers.get("www-authenticate", "")
        if "digest" not in challenge.lower() or state.num_401_calls >= 2:
            state.num_401_calls = 1
            return r

        state.num_401_calls += 1
        state.chal = _parse_challenge(_DIGEST_SCHEME.sub("", challenge, count=1))

        # Read the body and release the connection, so the retry can reuse it.
        _ = r.content
        r.close()

        prep = r.request.copy()
        # Imported here: requestx.cookies depends on the models, which depend on this module,
        # and only the 401 path needs it.
        cookies = importlib.import_module("requestx.cookies")
        cookies.extract_cookies_to_jar(prep._cookies, r.request, r.raw)
        prep.prepare_cookies(prep._cookies)

        header = self.build_digest_header(prep.method or "", prep.url or "")
        if header:
            prep.headers["Authorization"] = header
        retry = r.connection.send(prep, **kwargs)
        retry.history.append(r)
        retry.request = prep
        return cast("_ResponseT", retry)

    def __call__(self, r: _DigestRequestT) -> _DigestRequestT:
        state = self._thread_local
        # With a nonce from an earlier challenge, answer up front and skip the 401 round trip.
        if state.last_nonce:
            header = self.build_digest_header(r.method or "", r.url or "")
            if header:
                r.headers["Authorization"] = header
        state.pos = _body_position(r.body)
        r.register_hook("response", self.handle_401)
        r.register_hook("response", self.handle_redirect)
        state.num_401_calls = 1
        return r

    # Same credential-only equality as HTTPBasicAuth, as in requests.
    def __eq__(self, other: object) -> bool:
        return bool(
            self.username == getattr(other, "username", None)
            and self.password == getattr(other, "password", None)
        )

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None  # type: ignore[assignment]


def _body_position(body: object) -> int | None:
    """Where a file-like body stands now, or ``None`` when it cannot say.

    requests lets ``OSError`` from ``tell()`` escape (a pipe, a socket); such a body cannot be
    rewound for a retry anyway, so it is treated like a body without ``tell``.
    """
    tell = getattr(body, "tell", None)
    if tell is None:
        return None
    try:
        position = tell()
    except OSError:
        return None
    return position if isinstance(position, int) else None
