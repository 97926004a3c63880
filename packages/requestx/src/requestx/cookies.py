"""Cookie handling shaped like ``requests.cookies``, built on :mod:`http.cookiejar`.

The standard library's :class:`~http.cookiejar.CookieJar` decides which cookies a server may
set and which ones a request carries, but it talks to ``urllib.request`` objects. This module
holds the dict-like :class:`RequestsCookieJar` that ``Session.cookies`` and
``Response.cookies`` are, the functions that move cookies between jars, requests and
responses, and the helpers requests users call (``cookiejar_from_dict``, ``merge_cookies``,
...). The adapters that make requests and responses readable to ``CookieJar``
(:class:`MockRequest`, :class:`MockResponse`) live in ``requestx._cookie_adapters`` and are
re-exported here under their requests names.

Invariants:

* Every function here accepts any :class:`http.cookiejar.CookieJar`, not only
  :class:`RequestsCookieJar`; the dict interface is for users, never needed internally.
* Nothing here imports the Session/Response models: requests and responses are duck-typed
  (see :class:`MockRequest` and :func:`extract_cookies_to_jar` for the exact contracts), so
  the models can import this module without a cycle.
"""

from __future__ import annotations

import calendar
import copy
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from http.cookiejar import Cookie, CookieJar, CookiePolicy, DefaultCookiePolicy
from http.cookies import Morsel
from typing import Any, TypeVar, cast, overload

from requestx._cookie_adapters import (
    MockRequest,
    MockResponse,
    RequestLike,
    response_cookie_headers,
)

__all__ = [
    "CookieConflictError",
    "MockRequest",
    "MockResponse",
    "RequestsCookieJar",
    "cookiejar_from_dict",
    "create_cookie",
    "extract_cookies_to_jar",
    "get_cookie_header",
    "merge_cookies",
    "morsel_to_cookie",
    "remove_cookie_by_name",
]


def extract_cookies_to_jar(jar: CookieJar, request: RequestLike, response: Any) -> None:
    """Store the cookies that ``response`` sets, as the jar's policy allows, into ``jar``.

    :param jar: any ``http.cookiejar.CookieJar`` (not necessarily a ``RequestsCookieJar``).
    :param request: the request that produced ``response``: an object with ``url`` and
        ``headers`` (see :class:`MockRequest`); the policy checks cookie domains against it.
    :param response: where the ``Set-Cookie`` headers are read from. The first of these that
        applies is used:

        1. ``response._original_response.msg`` when ``_original_response`` is set and truthy:
           requests' contract (a urllib3 response wrapping an ``http.client.HTTPResponse``).
           ``msg`` must have ``get_all(name, failobj)``, as ``http.client.HTTPMessage`` does.
        2. ``response`` itself when it is a ``str``/``bytes`` (one ``Set-Cookie`` value) or a
           ``list``/``tuple`` of them (one item per ``Set-Cookie`` header line, unfolded).
        3. ``response.headers``, read with the first of ``get_all``, ``getlist``,
           ``get_list`` or ``getall`` it has; a plain mapping without any of those is read
           with ``get("Set-Cookie")``, whose value is one header line (or a list of lines).
           Comma-folded values are never split, since cookie dates contain commas.

        Bytes are decoded as latin-1. A response offering none of these is ignored, as
        requests ignores a response without ``_original_response``.
    """
    if getattr(response, "sets_cookies", True) is False:
        return  # requestx's RawBody already knows there is no Set-Cookie line
    headers = response_cookie_headers(response)
    if not headers:
        # No Set-Cookie line: nothing to store (and no need to build the mock objects).
        return
    # CookieJar is typed for urllib's Request and HTTPResponse; these adapters provide the
    # part of those interfaces it actually uses.
    jar.extract_cookies(cast(Any, MockResponse(headers)), cast(Any, MockRequest(request)))


def get_cookie_header(jar: CookieJar, request: RequestLike) -> str | None:
    """The ``Cookie`` header value the jar's cookies make for ``request``, or None if none.

    :rtype: str
    """
    mock = MockRequest(request)
    jar.add_cookie_header(cast(Any, mock))
    return mock.get_new_headers().get("Cookie")


def remove_cookie_by_name(
    cookiejar: CookieJar, name: str, domain: str | None = None, path: str | None = None
) -> None:
    """Remove every cookie called ``name``, optionally only for one domain and/or path.

    This walks the whole jar: O(n) in the number of cookies.
    """
    # Collect first: CookieJar.clear() mutates the structure the iteration walks.
    doomed = [
        (cookie.domain, cookie.path, cookie.name)
        for cookie in cookiejar
        if cookie.name == name
        and (domain is None or cookie.domain == domain)
        and (path is None or cookie.path == path)
    ]
    for cookie_domain, cookie_path, cookie_name in doomed:
        cookiejar.clear(cookie_domain, cookie_path, cookie_name)


class CookieConflictError(RuntimeError):
    """More than one cookie in the jar matches the name (and domain/path) asked for.

    Call ``get`` / ``set`` with ``domain`` and ``path`` to say which one is meant.
    """


class RequestsCookieJar(CookieJar, MutableMapping[str, str | None]):
    """A :class:`http.cookiejar.CookieJar` that also offers a dict interface.

    It is the jar requestx creates for sessions and responses that were given none, because
    client code often treats ``session.cookies`` or ``response.cookies`` as a dict. requestx
    itself never relies on the dict interface: any ``CookieJar`` (``LWPCookieJar``,
    ``FileCookieJar``, ...) works wherever a jar is accepted.

    Iterating over the jar yields :class:`~http.cookiejar.Cookie` objects, as with any
    ``CookieJar``; ``keys()``, ``values()`` and ``items()`` (and ``dict(jar)``) give names and
    values. Unlike a plain ``CookieJar``, this class can be pickled.

    .. warning:: dictionary operations that are normally O(1) are O(n) here.
    """

    def __init__(self, policy: CookiePolicy | None = None) -> None:
        # CookieJar.__init__ builds a DefaultCookiePolicy for every jar, and a jar is made for
        # every request and response, most of which never see a cookie: build it when used.
        self._cookies_lock = threading.RLock()
        self._cookies: dict[str, Any] = {}
        if policy is not None:
            self._policy = policy

    @property
    def _policy(self) -> CookiePolicy:
        policy: CookiePolicy | None = self.__dict__.get("_lazy_policy")
        if policy is None:
            policy = self.__dict__["_lazy_policy"] = DefaultCookiePolicy()
        return policy

    @_policy.setter
    def _policy(self, policy: CookiePolicy) -> None:
        self.__dict__["_lazy_policy"] = policy

    def get(  # type: ignore[override]
        self,
        name: str,
        default: str | None = None,
        domain: str | None = None,
        path: str | None = None,
    ) -> str | None:
        """The value of cookie ``name``, or ``default`` if there is none.

        ``domain`` and ``path`` narrow the search when one jar holds cookies of the same name
        for several sites.

        :raises CookieConflictError: if several cookies still match.

        .. warning:: operation is O(n), not O(1).
        """
        try:
            return self._find_no_duplicates(name, domain, path)
        except KeyError:
            return default

    def set(self, name: str, value: str | Morsel[Any] | None, **kwargs: Any) -> Cookie | None:
        """Set cookie ``name``; ``kwargs`` are :func:`create_cookie`'s (``domain``, ``path``...).

        ``value`` may be a :class:`http.cookies.Morsel`, whose attributes are then used. A
        ``None`` value removes the cookie (for the given ``domain``/``path`` if any), since
        client code unsets cookies by assigning None.
        """
        if value is None:
            remove_cookie_by_name(self, name, domain=kwargs.get("domain"), path=kwargs.get("path"))
            return None
        cookie = (
            morsel_to_cookie(value)
            if isinstance(value, Morsel)
            else create_cookie(name, value, **kwargs)
        )
        self.set_cookie(cookie)
        return cookie

    def iterkeys(self) -> Iterator[str]:
        """Iterate over the names of the cookies in the jar."""
        return (cookie.name for cookie in CookieJar.__iter__(self))

    def keys(self) -> list[str]:  # type: ignore[override]
        """The names of the cookies in the jar, as a list (repeated names included)."""
        return list(self.iterkeys())

    def itervalues(self) -> Iterator[str | None]:
        """Iterate over the values of the cookies in the jar."""
        return (cookie.value for cookie in CookieJar.__iter__(self))

    def values(self) -> list[str | None]:  # type: ignore[override]
        """The values of the cookies in the jar, as a list."""
        return list(self.itervalues())

    def iteritems(self) -> Iterator[tuple[str, str | None]]:
        """Iterate over ``(name, value)`` pairs of the cookies in the jar."""
        return ((cookie.name, cookie.value) for cookie in CookieJar.__iter__(self))

    def items(self) -> list[tuple[str, str | None]]:  # type: ignore[override]
        """``(name, value)`` pairs of the cookies in the jar, as a list.

        This is what makes ``dict(jar)`` give a plain dict of names to values.
        """
        return list(self.iteritems())

    def list_domains(self) -> list[str]:
        """The distinct domains of the cookies in the jar, in jar order."""
        return list(dict.fromkeys(cookie.domain for cookie in CookieJar.__iter__(self)))

    def list_paths(self) -> list[str]:
        """The distinct paths of the cookies in the jar, in jar order."""
        return list(dict.fromkeys(cookie.path for cookie in CookieJar.__iter__(self)))

    def multiple_domains(self) -> bool:
        """Whether two cookies in the jar share a domain.

        The name is requests', and so is the behaviour: it answers True only when a domain
        repeats, not whenever more than one domain is present.
        """
        seen: set[str] = set()
        for cookie in CookieJar.__iter__(self):
            if cookie.domain in seen:
                return True
            seen.add(cookie.domain)
        return False

    def get_dict(self, domain: str | None = None, path: str | None = None) -> dict[str, str | None]:
        """A plain dict of the names and values of the cookies matching ``domain`` and ``path``.

        Either filter may be left out. With duplicate names, the last cookie in jar order wins.
        """
        return {
            cookie.name: cookie.value
            for cookie in CookieJar.__iter__(self)
            if (domain is None or cookie.domain == domain) and (path is None or cookie.path == path)
        }

    # CookieJar iterates over Cookie objects while MutableMapping promises keys; requests
    # resolves the clash for CookieJar (iteration yields cookies, keys() gives names), and
    # existing code depends on that, hence the override the type checker objects to.
    def __iter__(self) -> Iterator[Cookie]:  # type: ignore[override]
        return CookieJar.__iter__(self)

    def __contains__(self, name: object) -> bool:
        try:
            return super().__contains__(name)
        except CookieConflictError:
            # Several cookies carry this name: it is certainly in the jar.
            return True

    def __getitem__(self, name: str) -> str | None:
        """The value of cookie ``name``.

        :raises KeyError: if there is no such cookie.
        :raises CookieConflictError: if several cookies have that name; use :meth:`get` with
            ``domain`` and ``path`` then.

        .. warning:: operation is O(n), not O(1).
        """
        return self._find_no_duplicates(name)

    def __setitem__(self, name: str, value: str | Morsel[Any] | None) -> None:
        """Set cookie ``name`` for every domain and path; see :meth:`set` for more control."""
        self.set(name, value)

    def __delitem__(self, name: str) -> None:
        """Remove every cookie called ``name`` (see :func:`remove_cookie_by_name`)."""
        remove_cookie_by_name(self, name)

    def set_cookie(self, cookie: Cookie, *args: Any, **kwargs: Any) -> None:
        # A quoted value with escaped quotes inside ("a\"b") comes from servers that quote
        # cookie values themselves; requests drops the escaped quotes (keeping the outer
        # ones) so that the value is sent back as it was received, and so does requestx.
        value = cookie.value
        if value is not None and value.startswith('"') and value.endswith('"'):
            cookie.value = value.replace('\\"', "")
        super().set_cookie(cookie, *args, **kwargs)

    def update(  # type: ignore[override]
        self, other: CookieJar | Mapping[str, str] | Iterable[tuple[str, str]]
    ) -> None:
        """Add the cookies of another jar (copied, with all attributes) or of a dict."""
        if isinstance(other, CookieJar):
            for cookie in other:
                self.set_cookie(copy.copy(cookie))
        else:
            super().update(other)

    def _find(self, name: str, domain: str | None = None, path: str | None = None) -> str | None:
        """The value of the first cookie matching name (and domain/path), conflicts ignored.

        :raises KeyError: if no cookie matches.
        """
        for cookie in CookieJar.__iter__(self):
            if _matches(cookie, name, domain, path):
                return cookie.value
        raise KeyError(f"name={name!r}, domain={domain!r}, path={path!r}")

    def _find_no_duplicates(
        self, name: str, domain: str | None = None, path: str | None = None
    ) -> str:
        """The value of the one cookie matching name (and domain/path).

        :raises KeyError: if no cookie matches.
        :raises CookieConflictError: if more than one does.
        """
        found: str | None = None
        for cookie in CookieJar.__iter__(self):
            if _matches(cookie, name, domain, path):
                if found is not None:
                    raise CookieConflictError(f"There are multiple cookies with name, {name!r}")
                found = cookie.value
        # A matching cookie whose value is None (a Netscape cookie without "=") counts as
        # missing, as in requests, since a str is promised.
        if found is None:
            raise KeyError(f"name={name!r}, domain={domain!r}, path={path!r}")
        return found

    def __getstate__(self) -> dict[str, Any]:
        """The jar's state without its lock, which cannot be pickled."""
        state = self.__dict__.copy()
        state.pop("_cookies_lock", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restore the state and give the jar a fresh lock."""
        state = dict(state)
        # A jar pickled by CookieJar's own layout keeps its policy under this name.
        if "_policy" in state:
            state["_lazy_policy"] = state.pop("_policy")
        self.__dict__.update(state)
        if "_cookies_lock" not in self.__dict__:
            self._cookies_lock = threading.RLock()

    def copy(self) -> RequestsCookieJar:
        """A new jar with copies of these cookies and the same policy object."""
        new_jar = RequestsCookieJar()
        new_jar.set_policy(self.get_policy())
        new_jar.update(self)
        return new_jar

    def get_policy(self) -> CookiePolicy:
        """The :class:`http.cookiejar.CookiePolicy` this jar applies."""
        return self._policy


def _matches(cookie: Cookie, name: str, domain: str | None, path: str | None) -> bool:
    return (
        cookie.name == name
        and (domain is None or cookie.domain == domain)
        and (path is None or cookie.path == path)
    )


def _copy_cookie_jar(jar: CookieJar | None) -> CookieJar | None:
    """A copy of ``jar`` of the same class, for copying prepared requests."""
    if jar is None:
        return None
    if callable(copy_method := getattr(jar, "copy", None)):
        # RequestsCookieJar, or a user's jar that knows how to copy itself.
        return cast(CookieJar, copy_method())
    # A generic CookieJar: clone the object (keeping its class, policy and file name), drop
    # the cookie dict the clone shares with the original (clear() rebinds it), and give the
    # clone copies of the cookies so that the two jars never share a Cookie.
    new_jar = copy.copy(jar)
    new_jar.clear()
    for cookie in jar:
        new_jar.set_cookie(copy.copy(cookie))
    return new_jar


# The attributes create_cookie fills in when not given; every other Cookie argument is derived.
# ("rest" is added per call: a shared dict would leak one cookie's changes into the next.)
_COOKIE_DEFAULTS: dict[str, Any] = {
    "version": 0,
    "port": None,
    "domain": "",
    "path": "/",
    "secure": False,
    "expires": None,
    "discard": True,
    "comment": None,
    "comment_url": None,
    "rfc2109": False,
}


def create_cookie(name: str, value: str, **kwargs: Any) -> Cookie:
    """Make a :class:`http.cookiejar.Cookie` from a name, a value and optional attributes.

    Accepted keyword arguments: ``version``, ``port``, ``domain``, ``path``, ``secure``,
    ``expires``, ``discard``, ``comment``, ``comment_url``, ``rest`` and ``rfc2109``. With the
    defaults the cookie has the domain ``""`` and the path ``"/"``, which makes it match every
    request (a "supercookie").

    :raises TypeError: for any other keyword argument.
    """
    unexpected = set(kwargs) - set(_COOKIE_DEFAULTS) - {"name", "value", "rest"}
    if unexpected:
        raise TypeError(f"create_cookie() got unexpected keyword arguments: {sorted(unexpected)}")
    attrs: dict[str, Any] = {
        **_COOKIE_DEFAULTS,
        "rest": {"HttpOnly": None},
        "name": name,
        "value": value,
        **kwargs,
    }
    return Cookie(
        version=attrs["version"],
        name=attrs["name"],
        value=attrs["value"],
        port=attrs["port"],
        port_specified=bool(attrs["port"]),
        domain=attrs["domain"],
        domain_specified=bool(attrs["domain"]),
        domain_initial_dot=attrs["domain"].startswith("."),
        path=attrs["path"],
        path_specified=bool(attrs["path"]),
        secure=attrs["secure"],
        expires=attrs["expires"],
        discard=attrs["discard"],
        comment=attrs["comment"],
        comment_url=attrs["comment_url"],
        rest=attrs["rest"],
        rfc2109=attrs["rfc2109"],
    )


# requests parses Morsel expiry dates in the dashed Netscape form only; the RFC 1123 form
# (spaces) is what http.cookies itself writes, so it is accepted too.
_EXPIRES_FORMATS = ("%a, %d-%b-%Y %H:%M:%S GMT", "%a, %d %b %Y %H:%M:%S GMT")


def _parse_expires(expires: str) -> int:
    for layout in _EXPIRES_FORMATS[:-1]:
        try:
            return calendar.timegm(time.strptime(expires, layout))
        except ValueError:
            continue
    # The last layout raises its ValueError (or TypeError for a non-str) to the caller.
    return calendar.timegm(time.strptime(expires, _EXPIRES_FORMATS[-1]))


def morsel_to_cookie(morsel: Morsel[Any]) -> Cookie:
    """Convert an :class:`http.cookies.Morsel` into a :class:`~http.cookiejar.Cookie`.

    ``max-age`` wins over ``expires``, as in RFC 6265, and becomes an absolute time.

    :raises TypeError: if ``max-age`` is not an integer, or ``expires`` is not a string.
    :raises ValueError: if ``expires`` is not a cookie date.
    """
    expires: int | None = None
    if morsel["max-age"]:
        try:
            expires = int(time.time() + int(morsel["max-age"]))
        except ValueError:
            raise TypeError(f"max-age: {morsel['max-age']} must be integer") from None
    elif morsel["expires"]:
        expires = _parse_expires(morsel["expires"])
    return create_cookie(
        name=morsel.key,
        value=morsel.value,
        version=morsel["version"] or 0,
        port=None,
        domain=morsel["domain"],
        path=morsel["path"],
        secure=bool(morsel["secure"]),
        expires=expires,
        discard=False,
        comment=morsel["comment"],
        # A Morsel has no comment URL (requests puts a bool here, which no reader expects).
        comment_url=None,
        rest={"HttpOnly": morsel["httponly"]},
        rfc2109=False,
    )


_JarT = TypeVar("_JarT", bound=CookieJar)


@overload
def cookiejar_from_dict(
    cookie_dict: Mapping[str, str] | None,
    cookiejar: None = None,
    overwrite: bool = True,  # requests' positional signature
) -> RequestsCookieJar: ...


@overload
def cookiejar_from_dict(
    cookie_dict: Mapping[str, str] | None,
    cookiejar: _JarT,
    overwrite: bool = True,
) -> _JarT: ...


def cookiejar_from_dict(
    cookie_dict: Mapping[str, str] | None,
    cookiejar: CookieJar | None = None,
    overwrite: bool = True,
) -> CookieJar:
    """Put the name/value pairs of ``cookie_dict`` into a jar and return the jar.

    :param cookie_dict: names and values of the cookies to add (``None`` adds nothing).
    :param cookiejar: the jar to add them to; a new :class:`RequestsCookieJar` by default.
    :param overwrite: if False, a name already in the jar keeps its cookie.
    :rtype: CookieJar
    """
    if cookiejar is None:
        cookiejar = RequestsCookieJar()
    if cookie_dict is not None:
        present = {cookie.name for cookie in cookiejar}
        for name, value in cookie_dict.items():
            if overwrite or name not in present:
                cookiejar.set_cookie(create_cookie(name, value))
    return cookiejar


def merge_cookies(cookiejar: CookieJar, cookies: Mapping[str, str] | CookieJar | None) -> CookieJar:
    """Add ``cookies`` (a dict or a jar) to ``cookiejar`` and return ``cookiejar``.

    Names from a dict never replace cookies already in the jar; cookies from a jar do.

    :raises ValueError: if ``cookiejar`` is not a ``CookieJar``.
    :rtype: CookieJar
    """
    if not isinstance(cookiejar, CookieJar):
        raise ValueError("You can only merge into CookieJar")  # requests' type
    if isinstance(cookies, CookieJar):
        if callable(update := getattr(cookiejar, "update", None)):
            update(cookies)
        else:
            for cookie in cookies:
                cookiejar.set_cookie(cookie)
    elif isinstance(cookies, Mapping):
        cookiejar = cookiejar_from_dict(cookies, cookiejar=cookiejar, overwrite=False)
    return cookiejar
