"""The objects of ``requests.models``: ``Request``, ``PreparedRequest`` and ``Response``.

A :class:`Request` is what a user describes; :meth:`Request.prepare` turns it into a
:class:`PreparedRequest`, whose ``method``, ``url``, ``headers`` and ``body`` are exactly what
goes on the wire; sending one gives a :class:`Response`. Names, signatures, defaults, error
types and messages follow requests 2.32, so code and tests written against requests' models
keep working.

Invariants:

* ``PreparedRequest.prepare`` runs its steps in requests' order: method, URL, headers,
  cookies, body, auth (last but one, so that an auth handler sees the finished request),
  hooks (last, because an auth handler may register some).
* ``Response`` reads its body only through ``raw`` (see the contract below), once. The
  body is kept in ``_content`` once read; streaming it instead marks it consumed, and a
  second stream raises :class:`~requestx.exceptions.StreamConsumedError`.

The ``raw`` contract: the adapter sets ``Response.raw`` to an object with
``read(amt=None, decode_content=False) -> bytes``, ``stream(amt, decode_content=True)``
(an iterator of bytes), ``astream(amt, decode_content=True)`` (an async iterator of bytes),
``close()``, ``release_conn()`` and ``closed``. Errors it raises (``ChunkedEncodingError``,
``ContentDecodingError``, ``ConnectionError``, ...) reach the caller unchanged. A plain
file-like object (``io.BytesIO``) works too: without ``stream`` the body is read with
``read(chunk_size)`` until it returns nothing. urllib3's errors, from a urllib3 response
set as ``raw`` by hand, are translated to requestx's as requests translates them.

requestx adds asynchronous twins of the body readers, for responses received inside an
event loop: :meth:`Response.aiter_content`, :meth:`Response.aiter_lines`,
:meth:`Response.aread` and :meth:`Response.aclose` (plus ``async with response``).

Body and query-string encoding live in :mod:`requestx._encoding`, URL parsing in
:mod:`requestx._request_url`.
"""

from __future__ import annotations

import datetime
import enum
import json as _json
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from http.cookiejar import CookieJar
from io import UnsupportedOperation
from typing import TYPE_CHECKING, Any, ClassVar, Final, Literal, Self, cast
from urllib.parse import urlencode as urlencode  # noqa: PLC0414 - requests.models re-exports it
from urllib.parse import urlsplit

from requestx import _encoding, _response_body
from requestx._async_body import is_async_body
from requestx._lazy import MadeOnFirstRead
from requestx._raw import RawBody, ResponseHeaders
from requestx._request_url import encode_host, parse_url
from requestx.auth import HTTPBasicAuth
from requestx.cookies import (
    RequestsCookieJar,
    _copy_cookie_jar,
    cookiejar_from_dict,
    extract_cookies_to_jar,
    get_cookie_header,
)
from requestx.exceptions import (
    HTTPError,
    InvalidJSONError,
    InvalidURL,
    JSONDecodeError,
    MissingSchema,
    StreamConsumedError,
)
from requestx.hooks import default_hooks
from requestx.structures import CaseInsensitiveDict
from requestx.utils import (
    check_header_validity,
    get_auth_from_url,
    guess_json_utf,
    iter_slices,
    parse_header_links,
    requote_uri,
    stream_decode_response_unicode,
    super_len,
    to_native_string,
)

__all__ = [
    "CONTENT_CHUNK_SIZE",
    "DEFAULT_REDIRECT_LIMIT",
    "ITER_CHUNK_SIZE",
    "REDIRECT_STATI",
    "PreparedRequest",
    "Request",
    "RequestEncodingMixin",
    "RequestHooksMixin",
    "Response",
]

#: The status codes of redirects a session follows by itself:
#: 301 moved, 302 found, 303 see other, 307 temporary and 308 permanent redirect.
REDIRECT_STATI: Final[tuple[int, ...]] = (301, 302, 303, 307, 308)


class _Pending(enum.Enum):
    """A value made on first use (an enum member: it pickles as itself)."""

    FRESH_JAR = "fresh cookie jar"


_FRESH_JAR: Final = _Pending.FRESH_JAR

# The Response of a body the engine read whole is made by its `ResponseKit` (assemble.rs)
# as ``Response()`` followed by ``HTTPAdapter.build_response`` would leave it, its
# attributes filled in at once. The attributes are named here only: the fields the kit
# fills, in the order it hands their values (the body in one copy, the status, the engine's
# response, the URL, the encoding from its cache, a new history list, the reason, the
# request, the seconds elapsed, the adapter), and those the same in every such Response.
_ENGINE_FIELDS: Final = (
    "_content",
    "status_code",
    "_engine",
    "url",
    "encoding",
    "history",
    "reason",
    "request",
    "_elapsed",
    "connection",
)
_ENGINE_CONSTANTS: Final[dict[str, Any]] = {"_content_consumed": True, "_next": None}
_PERMANENT_REDIRECTS: Final = (301, 308)

#: How many redirects a session follows before it raises ``TooManyRedirects``.
DEFAULT_REDIRECT_LIMIT: Final[int] = 30
#: The chunk size ``Response.content`` reads the body with.
CONTENT_CHUNK_SIZE: Final[int] = 10 * 1024
#: The default chunk size of ``Response.iter_lines``.
ITER_CHUNK_SIZE: Final[int] = 512

# A hook: called with the response (and the send keyword arguments), may return a new one.
_Hook = Callable[..., Any]
# An auth handler, or a (username, password) pair for HTTP Basic auth.
_Auth = tuple[Any, Any] | Callable[..., Any] | None
_Cookies = CookieJar | Mapping[str, str] | None
_Hooks = Mapping[str, _Hook | Iterable[_Hook]] | None


class RequestEncodingMixin:
    """The URL and body encoding steps shared by request objects (``path_url``,
    ``_encode_params``, ``_encode_files``)."""

    url: str | None

    @property
    def path_url(self) -> str:
        """The path and query of ``url``, as sent in the request line (``/`` at least)."""
        parts = urlsplit(self.url or "")
        path = parts.path or "/"
        return f"{path}?{parts.query}" if parts.query else path

    @staticmethod
    def _encode_params(data: Any) -> Any:
        """Form-encode a mapping or ``(key, value)`` pairs; other data passes through."""
        return _encoding.encode_params(data)

    @staticmethod
    def _encode_files(files: Any, data: Any) -> tuple[bytes, str]:
        """A ``multipart/form-data`` body for ``files`` and form ``data``, and its type."""
        return _encoding.encode_multipart(files, data)


class RequestHooksMixin:
    """Registering and removing event hooks on a request."""

    hooks: dict[str, list[_Hook]]

    def register_hook(self, event: str, hook: _Hook | Iterable[_Hook]) -> None:
        """Add ``hook`` (a callable, or an iterable of them) to the hooks of ``event``.

        :raises ValueError: if ``event`` is not a known event (see ``requestx.hooks``).
        """
        if event not in self.hooks:
            raise ValueError(f'Unsupported event specified, with event name "{event}"')
        if callable(hook):
            self.hooks[event].append(hook)
        elif hasattr(hook, "__iter__"):
            # Untyped callers pass anything; non-callables are dropped, as requests does.
            candidates: Iterable[object] = hook
            self.hooks[event].extend(h for h in candidates if callable(h))

    def deregister_hook(self, event: str, hook: _Hook) -> bool:
        """Remove ``hook`` from ``event``; True if it was registered, False if not."""
        try:
            self.hooks[event].remove(hook)
        except ValueError:
            return False
        return True


class Request(RequestHooksMixin):
    """A request as the user describes it; :meth:`prepare` makes it sendable.

    :param method: the HTTP method.
    :param url: the URL.
    :param headers: a mapping of headers.
    :param files: ``{name: file}`` (or pairs) to upload as ``multipart/form-data``; a file is
        a file object, its content, or ``(filename, fileobj[, content_type[, headers]])``.
    :param data: the body: a mapping or ``(key, value)`` pairs (form-encoded), ``str``,
        ``bytes``, a file object or an iterator of chunks (sent chunked).
    :param json: an object sent as a JSON body, when neither ``data`` nor ``files`` is given.
    :param params: query parameters: a mapping, ``(key, value)`` pairs, or a string.
    :param auth: an auth handler, or a ``(user, password)`` pair for Basic auth.
    :param cookies: a mapping or a ``CookieJar`` of cookies to send.
    :param hooks: ``{event: hook or [hooks]}``.

    Usage::

      >>> import requestx
      >>> req = requestx.Request("GET", "https://example.org/get")
      >>> req.prepare()
      <PreparedRequest [GET]>
    """

    def __init__(  # requests' signature
        self,
        method: str | bytes | None = None,
        url: str | bytes | None = None,
        headers: Mapping[str, str | bytes] | None = None,
        files: Any = None,
        data: Any = None,
        params: Any = None,
        auth: _Auth = None,
        cookies: _Cookies = None,
        hooks: _Hooks = None,
        json: Any = None,
    ) -> None:
        self.hooks = default_hooks()
        for event, hook in (hooks or {}).items():
            self.register_hook(event=event, hook=hook)
        self.method = method
        self.url = url
        self.headers: Mapping[str, str | bytes] = {} if headers is None else headers
        self.files: Any = [] if files is None else files
        self.data: Any = [] if data is None else data
        self.json = json
        self.params: Any = {} if params is None else params
        self.auth = auth
        self.cookies = cookies

    def __repr__(self) -> str:
        return f"<Request [{self.method!s}]>"

    def prepare(self) -> PreparedRequest:
        """A :class:`PreparedRequest` built from this request, ready to send."""
        prepared = PreparedRequest()
        prepared.prepare(
            method=self.method,
            url=self.url,
            headers=self.headers,
            files=self.files,
            data=self.data,
            json=self.json,
            params=self.params,
            auth=self.auth,
            cookies=self.cookies,
            hooks=self.hooks,
        )
        return prepared


def _plain_request_headers(fields: dict[str, Any]) -> CaseInsensitiveDict[str]:
    return CaseInsensitiveDict._from_store(dict(fields["_headers_from"]._store))


def _plain_request_hooks(fields: dict[str, Any]) -> dict[str, list[Callable[..., Any]]]:
    fields["_headers_from"]  # only a plain request leaves hooks unset (else KeyError)
    return default_hooks()


def _engine_raw(fields: dict[str, Any]) -> RawBody:
    return RawBody(fields["_engine"], content=b"")


def _engine_headers(fields: dict[str, Any]) -> ResponseHeaders:
    return ResponseHeaders(fields["_engine"])


class PreparedRequest(RequestEncodingMixin, RequestHooksMixin):
    """The exact request that is sent: method, URL, headers and body, all final.

    Made by :meth:`Request.prepare` or ``Session.prepare_request``; each ``prepare_*`` step
    may also be called by hand, in the order :meth:`prepare` uses. Everything stays mutable,
    so adapters, auth handlers and hooks may change the request before it goes out.

    ``headers`` is a :class:`~requestx.structures.CaseInsensitiveDict`; its values are the
    ``str`` or ``bytes`` the user gave (typed ``str``, as requests' own stubs do). ``body``
    is ``None``, ``bytes``, ``str``, a file-like object, or an iterable of chunks.
    """

    method: str | None
    url: str | None
    headers: CaseInsensitiveDict[str]
    body: Any
    # The cookie jar behind `_cookies`; `_FRESH_JAR` until first read on the plain path.
    _cookie_jar: CookieJar | _Pending | None
    # The read position of a file-like body, for rewinding it on a redirect; a bare object()
    # when tell() failed, so that a later rewind can tell "unknown" from "not a file".
    _body_position: int | object | None

    def __init__(self) -> None:
        self.method = None
        self.url = None
        self.headers = None  # type: ignore[assignment]  # set by prepare_headers, as in requests
        self._cookies = None
        self.body = None
        self.hooks = default_hooks()
        self._body_position = None

    # requests keeps the merged cookies in `_cookies`; code outside (auth handlers, redirect
    # logic) reads and sets it. The plain path has none to merge and leaves making the empty
    # jar to the first reader: most never read it.
    @property
    def _cookies(self) -> CookieJar | None:
        jar = self._cookie_jar
        if jar is _FRESH_JAR:
            jar = self._cookie_jar = RequestsCookieJar()
        return jar

    @_cookies.setter
    def _cookies(self, jar: CookieJar | None) -> None:
        self._cookie_jar = jar

    # The plain path (Session._request_plain) leaves `headers` (a copy of the session's
    # prepared headers, `_headers_from`) and `hooks` to be made when first read: most
    # requests never have them read again. Every other request sets both in __init__.
    if not TYPE_CHECKING:  # typed above as the plain attributes they read as
        headers = MadeOnFirstRead(_plain_request_headers)
        hooks = MadeOnFirstRead(_plain_request_hooks)

    def prepare(  # requests' signature
        self,
        method: str | bytes | None = None,
        url: str | bytes | None = None,
        headers: Mapping[str, str | bytes] | None = None,
        files: Any = None,
        data: Any = None,
        params: Any = None,
        auth: _Auth = None,
        cookies: _Cookies = None,
        hooks: _Hooks = None,
        json: Any = None,
    ) -> None:
        """Prepare everything at once, in the order the steps depend on each other."""
        self.prepare_method(method)
        self.prepare_url(url, params)
        self.prepare_headers(headers)
        self.prepare_cookies(cookies)
        self.prepare_body(data, files, json)
        # Auth comes after the body so that signing schemes (OAuth) see the final request,
        # and hooks come after auth because auth handlers (Digest) register hooks.
        self.prepare_auth(auth, url)
        self.prepare_hooks(hooks)

    def __repr__(self) -> str:
        return f"<PreparedRequest [{self.method}]>"

    def copy(self) -> PreparedRequest:
        """A copy to send again: own headers and cookie jar; body and hooks are shared."""
        duplicate = PreparedRequest()
        duplicate.method = self.method
        duplicate.url = self.url
        headers = cast("CaseInsensitiveDict[str] | None", self.headers)  # None before prepare
        duplicate.headers = headers.copy() if headers is not None else None  # type: ignore[assignment]
        duplicate._cookies = _copy_cookie_jar(self._cookies)
        duplicate.body = self.body
        duplicate.hooks = self.hooks
        duplicate._body_position = self._body_position
        return duplicate

    def prepare_method(self, method: str | bytes | None) -> None:
        """Set the method, upper-cased (``bytes`` are decoded as ASCII)."""
        self.method = None if method is None else to_native_string(method.upper())

    def prepare_url(self, url: object, params: Any) -> None:
        """Check, normalise and requote ``url``, and append the encoded ``params``.

        Any object is accepted through its ``str()`` (``bytes`` are decoded as UTF-8).
        URLs with another scheme than http(s), such as ``mailto:`` or ``data:``, are kept
        exactly as given, and ``params`` are then ignored.

        :raises MissingSchema: if the URL has no scheme.
        :raises InvalidURL: if it has no host, a malformed host or port, or an invalid
            (IDNA) host label.
        """
        text = url.decode("utf8") if isinstance(url, bytes) else str(url)
        text = text.lstrip()
        # requests only understands http(s) URLs; anything else that looks like it has a
        # scheme is left for its adapter.
        if ":" in text and not text.lower().startswith("http"):
            self.url = text
            return

        scheme, auth, host, port, path, query, fragment = parse_url(text)
        if not scheme:
            raise MissingSchema(
                f"Invalid URL {text!r}: No scheme supplied. Perhaps you meant https://{text}?"
            )
        if not host:
            raise InvalidURL(f"Invalid URL {text!r}: No host supplied")
        # http(s) hosts are IDNA-encoded by parse_url already; this catches the others, and
        # wildcard or empty first labels, which would otherwise pass as plain ASCII.
        if not host.isascii():
            try:
                host = encode_host(host)
            except UnicodeError:
                raise InvalidURL("URL has an invalid label.") from None
        elif host.startswith(("*", ".")):
            raise InvalidURL("URL has an invalid label.")

        netloc = f"{auth}@{host}" if auth else host
        if port:
            netloc += f":{port}"
        if not path.startswith("/"):
            path = "/" + path

        if isinstance(params, str | bytes):
            params = to_native_string(params)
        encoded_params = self._encode_params(params) if params is not None else ""
        if encoded_params:
            query = f"{query}&{encoded_params}" if query else encoded_params

        prepared = f"{scheme}://{netloc}{path}"
        if query:
            prepared += f"?{query}"
        if fragment:
            prepared += f"#{fragment}"
        self.url = requote_uri(prepared)

    def prepare_headers(self, headers: Mapping[str, str | bytes] | None) -> None:
        """Copy ``headers`` into a case-insensitive dict, checking every one.

        :raises InvalidHeader: for a name or value that is not str/bytes or could inject
            another header (line breaks, leading whitespace, ``:`` in a name).
        """
        self.headers = CaseInsensitiveDict()
        if headers:
            for header in headers.items():
                check_header_validity(header)
                name, value = header
                self.headers[to_native_string(name)] = cast(str, value)

    def prepare_body(self, data: Any, files: Any, json: Any = None) -> None:
        """Build the body, with ``Content-Type`` and ``Content-Length``/chunked framing.

        ``json`` is used only when ``data`` is empty, and ``files`` wins over both.
        Iterables (generators, file objects) other than str, bytes, lists, tuples and
        mappings are streamed: kept as the body, sent with their length when it is known,
        else with ``Transfer-Encoding: chunked``.

        :raises InvalidJSONError: if ``json`` holds NaN or infinity.
        :raises NotImplementedError: if a streamed body comes with ``files``.
        """
        body: Any = None
        content_type: str | None = None

        if not data and json is not None:
            content_type = "application/json"
            try:
                body = _json.dumps(json, allow_nan=False).encode("utf-8")
            except ValueError as error:
                raise InvalidJSONError(error, request=self) from error

        streamed = hasattr(data, "__iter__") or is_async_body(data)
        if streamed and not isinstance(data, str | bytes | list | tuple | Mapping):
            self._prepare_streamed_body(data, files)
            return

        if files:
            body, content_type = self._encode_files(files, data)
        elif data:
            body = self._encode_params(data)
            # A string or file is sent as given, with no type guessed for it.
            if isinstance(data, str | bytes) or _encoding.is_readable(data):
                content_type = None
            else:
                content_type = "application/x-www-form-urlencoded"
        self.prepare_content_length(body)
        if content_type and "content-type" not in self.headers:
            self.headers["Content-Type"] = content_type
        self.body = body

    def _prepare_streamed_body(self, data: Any, files: Any) -> None:
        try:
            length: int | None = super_len(data)
        except (TypeError, AttributeError, UnsupportedOperation):
            length = None
        if getattr(data, "tell", None) is not None:
            try:
                self._body_position = data.tell()
            except OSError:
                self._body_position = object()
        if files:
            raise NotImplementedError("Streamed bodies and files are mutually exclusive.")
        if length:
            self.headers["Content-Length"] = str(length)
        else:
            self.headers["Transfer-Encoding"] = "chunked"
        self.body = data

    def prepare_content_length(self, body: Any) -> None:
        """Set ``Content-Length`` from the body's size; ``0`` for a bodiless non-GET/HEAD.

        A body whose size cannot be told gets no ``Content-Length`` (it is sent chunked).
        """
        if body is not None:
            length = super_len(body)
            if length:
                self.headers["Content-Length"] = str(length)
        elif self.method not in {"GET", "HEAD"} and self.headers.get("Content-Length") is None:
            # Methods that may carry a body say explicitly that this one has none.
            self.headers["Content-Length"] = "0"

    def prepare_auth(self, auth: _Auth, url: object = "") -> None:  # requests' signature
        """Apply ``auth``, or the ``user:password@`` of the URL when ``auth`` is None.

        A ``(user, password)`` pair means HTTP Basic auth; anything else is called with this
        request and returns it (or a request whose attributes replace this one's).
        """
        if auth is None:
            url_auth = get_auth_from_url(self.url or "")
            auth = url_auth if any(url_auth) else None
        if not auth:
            return
        handler: Callable[[PreparedRequest], Any]
        if isinstance(auth, tuple) and len(auth) == 2:
            handler = HTTPBasicAuth(*auth)
        else:
            handler = cast("Callable[[PreparedRequest], Any]", auth)
        result = handler(self)
        self.__dict__.update(result.__dict__)
        # The handler may have replaced the body (signing schemes do).
        self.prepare_content_length(self.body)

    def prepare_cookies(self, cookies: _Cookies) -> None:
        """Set the ``Cookie`` header from ``cookies`` (a jar, or a mapping made into one).

        The jar never replaces a ``Cookie`` header that is already set, so calling this
        again has no effect unless that header is removed first.
        """
        if isinstance(cookies, CookieJar):
            self._cookies = cookies
        else:
            self._cookies = cookiejar_from_dict(cookies)
        header = get_cookie_header(self._cookies, self)
        if header is not None:
            self.headers["Cookie"] = header

    def prepare_hooks(self, hooks: _Hooks) -> None:
        """Register ``hooks`` (``{event: hook or [hooks]}``) in addition to the current ones."""
        for event, hook in (hooks or {}).items():
            self.register_hook(event, hook)


class Response:
    """A server's response to a request.

    The body is read once, through ``raw``: all at once by :attr:`content` (and
    :attr:`text`, :meth:`json`), or in pieces by :meth:`iter_content` /
    :meth:`iter_lines` for streamed responses. Inside an event loop, use the ``a``-prefixed
    twins (:meth:`aread`, :meth:`aiter_content`, :meth:`aiter_lines`, :meth:`aclose`) so
    that waiting for the body does not block the loop.
    """

    # What pickling keeps (reading the body first); everything else is rebuilt empty.
    __attrs__: ClassVar[list[str]] = [
        "_content",
        "status_code",
        "headers",
        "url",
        "history",
        "encoding",
        "reason",
        "cookies",
        "elapsed",
        "request",
    ]

    _content: bytes | Literal[False] | None
    _content_consumed: bool
    _next: PreparedRequest | None
    #: The status code, e.g. 404.
    status_code: int
    #: The response headers; repeated headers are joined with ", ".
    headers: CaseInsensitiveDict[str]
    #: The body stream (see the module docstring); only for stream=True responses.
    raw: Any
    #: The final URL (after redirects).
    url: str
    #: The encoding :attr:`text` decodes with; from the headers, and settable.
    encoding: str | None
    #: The redirect responses that led here, oldest first.
    history: list[Response]
    #: The reason phrase, e.g. "Not Found".
    reason: str
    # Seconds (a float) until `elapsed` is first read, then the timedelta.
    _elapsed: datetime.timedelta | float
    #: The request this responds to.
    request: PreparedRequest
    #: The adapter that sent the request (set by the adapter).
    connection: Any

    def __init__(self) -> None:
        # The engine's kit sets these same attributes for a body read whole (_ENGINE_FIELDS,
        # _ENGINE_CONSTANTS): the lists
        # change together (tests/test_models_response.py checks that they agree).
        self._content = False
        self._content_consumed = False
        self._next = None
        # None until the adapter fills them in, as in requests; typed for the filled state.
        self.status_code = None  # type: ignore[assignment]
        self.headers = CaseInsensitiveDict()
        self.raw = None
        self.url = None  # type: ignore[assignment]
        self.encoding = None
        self.history = []
        self.reason = None  # type: ignore[assignment]
        self.request = None  # type: ignore[assignment]
        # `cookies` and `elapsed` are made when first read (see their properties).
        self._elapsed = 0.0

    # Most responses set no cookie and nobody reads how long they took: both attributes are
    # made on first use, which a small request's cost notices. They read and assign as the
    # plain attributes requests has.
    @property
    def cookies(self) -> RequestsCookieJar:
        """The cookies the server set."""
        try:
            return self._cookie_jar
        except AttributeError:
            self._cookie_jar: RequestsCookieJar = RequestsCookieJar()
            return self._cookie_jar

    @cookies.setter
    def cookies(self, jar: RequestsCookieJar) -> None:
        self._cookie_jar = jar

    @property
    def elapsed(self) -> datetime.timedelta:
        """From sending the request to parsing the response headers."""
        took = self._elapsed
        if isinstance(took, float):
            took = self._elapsed = datetime.timedelta(seconds=took)
        return took

    @elapsed.setter
    def elapsed(self, took: datetime.timedelta | float) -> None:
        self._elapsed = took

    # A Response made by the engine's kit (see _ENGINE_FIELDS) keeps the engine's response
    # as `_engine` and makes `raw` and `headers` from it when first read: many callers read
    # status and body alone. Every other Response sets both in __init__.
    if not TYPE_CHECKING:  # typed above as the plain attributes they read as
        raw = MadeOnFirstRead(_engine_raw)
        headers = MadeOnFirstRead(_engine_headers)

    @staticmethod
    def _keep_engine_cookies(response: Response) -> None:
        """Called by the engine's kit for a Response whose headers set a cookie."""
        extract_cookies_to_jar(response.cookies, response.request, response.raw)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *args: object) -> None:
        await self.aclose()

    def __getstate__(self) -> dict[str, Any]:
        if not self._content_consumed:
            self.content  # noqa: B018  # reading it loads the body, which pickling keeps
        return {name: getattr(self, name, None) for name in self.__attrs__}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            setattr(self, name, value)
        # An unpickled response has its body and nothing to read it from.
        self._content_consumed = True
        self._next = None
        self.raw = None

    def __repr__(self) -> str:
        return f"<Response [{self.status_code}]>"

    def __bool__(self) -> bool:
        """:attr:`ok`: True unless the status code is 400 or above (not "is it 200")."""
        return self.ok

    def __iter__(self) -> Iterator[bytes]:
        """The body in chunks of 128 bytes."""
        return self.iter_content(128)

    @property
    def ok(self) -> bool:
        """True unless :meth:`raise_for_status` would raise (a 4xx or 5xx status)."""
        try:
            self.raise_for_status()
        except HTTPError:
            return False
        return True

    @property
    def is_redirect(self) -> bool:
        """True for a redirect a session could follow: a redirect status and a Location."""
        return "location" in self.headers and self.status_code in REDIRECT_STATI

    @property
    def is_permanent_redirect(self) -> bool:
        """True for a permanent redirect (301 or 308) with a Location."""
        return "location" in self.headers and self.status_code in _PERMANENT_REDIRECTS

    @property
    def next(self) -> PreparedRequest | None:
        """The next request of a redirect chain that was not followed, if any."""
        return self._next

    @property
    def http_version(self) -> int | None:
        """Which protocol answered: 10, 11, 20 (HTTP/2) or 30, as ``raw.version`` gives it;
        None when the raw response does not say (requestx addition, as in niquests)."""
        engine = self.__dict__.get("_engine")  # without making `raw` (see __getattr__)
        source = engine if engine is not None else self.raw
        version = getattr(source, "version", None)
        return version if isinstance(version, int) else None

    @property
    def apparent_encoding(self) -> str | None:
        """The encoding charset_normalizer (or chardet) detects in the body; else "utf-8"."""
        detector = _response_body.charset_detector()
        if detector is None:
            return "utf-8"
        encoding: str | None = detector.detect(self.content)["encoding"]
        return encoding

    def _check_streamable(self, chunk_size: object) -> None:
        if self._content_consumed and isinstance(self._content, bool):
            raise StreamConsumedError
        if chunk_size is not None and not isinstance(chunk_size, int):
            raise TypeError(f"chunk_size must be an int, it is instead a {type(chunk_size)}.")

    def iter_content(
        self,
        chunk_size: int | None = 1,
        decode_unicode: bool = False,  # requests' signature
    ) -> Iterator[Any]:
        """The body in chunks of (up to) ``chunk_size`` bytes, read as they are needed.

        ``chunk_size=None`` gives the data in the pieces it arrives in (or all at once if
        the body was already read). With ``decode_unicode``, chunks are decoded to ``str``
        with :attr:`encoding`; if that is None, bytes come out.

        :raises StreamConsumedError: if the body was already streamed (not kept).
        :raises TypeError: if ``chunk_size`` is neither an int nor None.
        """
        self._check_streamable(chunk_size)
        chunks: Iterator[Any]
        if self._content_consumed:
            chunks = iter_slices(self._content or b"", chunk_size)
        else:
            chunks = self._stream_raw(chunk_size)
        if decode_unicode:
            chunks = stream_decode_response_unicode(chunks, self)
        return chunks

    def _stream_raw(self, chunk_size: int | None) -> Iterator[bytes]:
        yield from _response_body.stream_raw(self.raw, chunk_size)
        self._content_consumed = True

    def iter_lines(
        self,
        chunk_size: int = ITER_CHUNK_SIZE,
        decode_unicode: bool = False,  # requests' signature
        delimiter: str | bytes | None = None,
    ) -> Iterator[Any]:
        """The body line by line, read ``chunk_size`` bytes at a time; line ends dropped.

        Lines end at ``delimiter`` when given, else at any line break. Not reentrant.
        """
        splitter = _response_body.LineSplitter(delimiter)
        for chunk in self.iter_content(chunk_size=chunk_size, decode_unicode=decode_unicode):
            yield from splitter.feed(chunk)
        yield from splitter.flush()

    @property
    def content(self) -> bytes:
        """The whole body, as bytes (read on first access, then kept).

        :raises RuntimeError: if the body was already consumed by streaming it.
        """
        if self._content is False:
            if self._content_consumed:
                raise RuntimeError("The content for this response was already consumed")
            if self.status_code == 0 or self.raw is None:
                self._content = None
            else:
                self._content = b"".join(self.iter_content(CONTENT_CHUNK_SIZE))
        self._content_consumed = True
        # None only for a response that never had a body source (requests does the same).
        # Not typing.cast: a call on every read of every response's body.
        return self._content  # type: ignore[return-value]

    @property
    def text(self) -> str:
        """The body decoded to ``str``: with :attr:`encoding`, else the apparent encoding.

        Undecodable bytes become U+FFFD; an unknown encoding falls back to UTF-8.
        """
        if not self.content:
            return ""
        encoding = self.encoding if self.encoding is not None else self.apparent_encoding
        try:
            return str(self.content, encoding or "utf-8", errors="replace")
        except (LookupError, TypeError):
            return str(self.content, errors="replace")

    def json(self, **kwargs: Any) -> Any:
        r"""The body decoded as JSON; ``kwargs`` go to :func:`json.loads`.

        Without an encoding, the UTF-8/16/32 variant is detected from the first bytes
        (RFC 4627); a wrong guess falls back to :attr:`text`.

        :raises requestx.exceptions.JSONDecodeError: if the body is not valid JSON.
        """
        content = self.content
        if not self.encoding and content and len(content) > 3:
            encoding = guess_json_utf(content)
            if encoding is not None:
                try:
                    return _json.loads(content.decode(encoding), **kwargs)
                except UnicodeDecodeError:
                    pass  # not really that UTF after all: let text decide
                except _json.JSONDecodeError as error:
                    raise JSONDecodeError(error.msg, error.doc, error.pos) from error
        try:
            return _json.loads(self.text, **kwargs)
        except _json.JSONDecodeError as error:
            raise JSONDecodeError(error.msg, error.doc, error.pos) from error

    @property
    def links(self) -> dict[str, dict[str, str]]:
        """The ``Link`` header's links, keyed by their ``rel`` (or their URL)."""
        header = self.headers.get("link")
        resolved: dict[str, dict[str, str]] = {}
        if header:
            for link in parse_header_links(header):
                key = link.get("rel") or link.get("url")
                if key is not None:
                    resolved[key] = link
        return resolved

    def raise_for_status(self) -> None:
        """Raise :class:`~requestx.exceptions.HTTPError` for a 4xx or 5xx status.

        The message reads ``"404 Client Error: Not Found for url: https://..."``.
        """
        raw_reason: object = self.reason  # typed str, but adapters may set bytes
        reason = raw_reason
        if isinstance(raw_reason, bytes):
            # Some servers localise the reason phrase: try UTF-8, then latin-1.
            try:
                reason = raw_reason.decode("utf-8")
            except UnicodeDecodeError:
                reason = raw_reason.decode("iso-8859-1")
        if 400 <= self.status_code < 500:
            kind = "Client"
        elif 500 <= self.status_code < 600:
            kind = "Server"
        else:
            return
        message = f"{self.status_code} {kind} Error: {reason} for url: {self.url}"
        raise HTTPError(message, response=self)

    def close(self) -> None:
        """Release the connection. The body cannot be read afterwards.

        Not normally needed: reading the whole body releases the connection too.
        """
        raw = self.raw
        if raw is None:
            return
        if not self._content_consumed:
            raw.close()
        release_conn = getattr(raw, "release_conn", None)
        if release_conn is not None:
            release_conn()

    # --- async twins (requestx) -------------------------------------------------------

    def aiter_content(
        self,
        chunk_size: int | None = 1,
        decode_unicode: bool = False,  # as iter_content
    ) -> AsyncIterator[Any]:
        """:meth:`iter_content` for an event loop: ``async for chunk in r.aiter_content()``.

        (requestx addition.) The body is read with ``raw.astream`` without blocking the
        loop; a ``raw`` without ``astream`` is read synchronously. Errors are the same as
        :meth:`iter_content`'s, raised by this call, not by the first iteration.
        """
        self._check_streamable(chunk_size)
        chunks: AsyncIterator[Any]
        if self._content_consumed:
            chunks = _response_body.aiterate(iter_slices(self._content or b"", chunk_size))
        else:
            chunks = self._astream_raw(chunk_size)
        if decode_unicode:
            chunks = _response_body.adecode(chunks, self.encoding)
        return chunks

    async def _astream_raw(self, chunk_size: int | None) -> AsyncIterator[bytes]:
        async for chunk in _response_body.astream_raw(self.raw, chunk_size):
            yield chunk
        self._content_consumed = True

    async def aiter_lines(
        self,
        chunk_size: int = ITER_CHUNK_SIZE,
        decode_unicode: bool = False,  # as iter_lines
        delimiter: str | bytes | None = None,
    ) -> AsyncIterator[Any]:
        """:meth:`iter_lines` for an event loop: ``async for line in r.aiter_lines()``.

        (requestx addition.)
        """
        splitter = _response_body.LineSplitter(delimiter)
        async for chunk in self.aiter_content(chunk_size, decode_unicode):
            for line in splitter.feed(chunk):
                yield line
        for line in splitter.flush():
            yield line

    async def aread(self) -> bytes:
        """Read the whole body without blocking the loop, and return :attr:`content`.

        (requestx addition.) Afterwards :attr:`content`, :attr:`text` and :meth:`json`
        answer at once.

        :raises RuntimeError: if the body was already consumed by streaming it.
        """
        if self._content is False:
            if self._content_consumed:
                raise RuntimeError("The content for this response was already consumed")
            if self.status_code == 0 or self.raw is None:
                self._content = None
            else:
                chunks = [chunk async for chunk in self.aiter_content(CONTENT_CHUNK_SIZE)]
                self._content = b"".join(chunks)
        self._content_consumed = True
        return cast(bytes, self._content)

    async def aclose(self) -> None:
        """:meth:`close` for an event loop (awaits ``raw.aclose()`` when it has one).

        (requestx addition.)
        """
        raw = self.raw
        if raw is None:
            return
        if not self._content_consumed:
            aclose = getattr(raw, "aclose", None)
            if aclose is not None:
                await aclose()
            else:
                raw.close()
        release_conn = getattr(raw, "release_conn", None)
        if release_conn is not None:
            release_conn()
