"""`Session`: settings and cookies kept across requests, redirects followed as requests does.

Every request method works in both worlds: called where no asyncio loop runs, it returns a
`Response`; called inside a running loop, it returns an awaitable of one (see `_mode`).
Both paths share every decision (merging settings, preparing each redirect hop); only the
waiting differs.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from datetime import timedelta
from http.cookiejar import CookieJar
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, cast
from urllib.parse import urljoin, urlparse

from requestx import _mode, _requestx
from requestx._mode import Mode, check_mode, track_auto, wants_async
from requestx._proxy_utils import environment_ca_bundle, no_proxy_variables
from requestx.adapters import (
    _OWN_BUILD_RESPONSE,
    BaseAdapter,
    Http2Setting,
    HTTPAdapter,
    _async_send_of,
    _is_stock,
    _response_kit,
    _wire_headers,
    _with_request,
)
from requestx.adapters import _OWN_SEND as _OWN_ADAPTER_SEND
from requestx.auth import _basic_auth_str
from requestx.cookies import (
    RequestsCookieJar,
    cookiejar_from_dict,
    extract_cookies_to_jar,
    merge_cookies,
)
from requestx.exceptions import (
    ChunkedEncodingError,
    ConnectionError,
    ContentDecodingError,
    InvalidSchema,
    ReadTimeout,
    TooManyRedirects,
)
from requestx.hooks import default_hooks, dispatch_hook
from requestx.models import (
    _FRESH_JAR,
    DEFAULT_REDIRECT_LIMIT,
    REDIRECT_STATI,
    PreparedRequest,
    Request,
)
from requestx.status_codes import codes
from requestx.structures import CaseInsensitiveDict
from requestx.utils import (
    DEFAULT_PORTS,
    default_headers,
    get_auth_from_url,
    get_environ_proxies,
    get_netrc_auth,
    requote_uri,
    resolve_proxies,
    rewind_body,
    to_key_val_list,
)

if TYPE_CHECKING:
    from requestx.models import Response

__all__ = ["Session", "SessionRedirectMixin", "merge_hooks", "merge_setting", "session"]

preferred_clock = time.perf_counter

# URL -> (prepared URL, whether it carries credentials), for the lean path: preparing a URL
# (IDNA, requoting) is a pure function of it. Cleared when full (a cheap bound, no LRU needed).
_PREPARED_URLS: dict[str, tuple[str, bool]] = {}
_PREPARED_URLS_MAX = 1024
# The lean path's shortest form: body-less methods, which get no Content-Length.
_BODYLESS_METHODS = frozenset({"GET", "HEAD"})
# The engine's Response builder (one per process, shared with the adapters).
_KIT = _response_kit()
# The keyword arguments `Session.get` may pass straight to the plain path (as named by
# `Session._request_plain`).
_PLAIN_GET_OPTIONS = frozenset({"timeout", "allow_redirects", "stream", "verify"})
# Bound on the URLs whose adapter a Session remembers (emptied when full).
_ADAPTER_MEMO_MAX = 256
# Returned by Session._request_plain when a call needs the general path after all.
_NOT_PLAIN: Any = object()


class _PlainHeaders(NamedTuple):
    """A session's headers in the forms the plain path sends and records them."""

    lines: list[tuple[bytes, bytes]]  # for the engine's general send
    block: _requestx.HeaderLines  # the same, checked and encoded once (fetch_whole)
    prepared: CaseInsensitiveDict[Any]  # what PreparedRequest.headers starts from


def _plain_settings(stream: bool, timeout: Any, verify: bool | str) -> dict[str, Any]:
    """The send settings of a plain call, as merge_environment_settings would give them."""
    return {"stream": stream, "timeout": timeout, "verify": verify, "cert": None, "proxies": {}}


def _sets_cookies(response: Response) -> bool:
    """Whether the response set a cookie, asked without making a `raw` not made yet."""
    engine = response.__dict__.get("_engine")  # see Response.__getattr__
    return bool((response.raw if engine is None else engine).sets_cookies)


def _no_cookies(jar: Any) -> bool:
    # CookieJar keeps {domain: {path: {name: cookie}}}; len() would walk it all. An empty
    # top level is enough to know (a cleared jar may keep empty levels: then it walks).
    store = getattr(jar, "_cookies", None)
    if isinstance(jar, CookieJar) and isinstance(store, dict) and not store:
        return True
    return len(jar) == 0


def _prepared_url(url: str) -> tuple[str, bool]:
    """The URL as `PreparedRequest.prepare_url` makes it, and whether it has credentials."""
    known = _PREPARED_URLS.get(url)
    if known is None:
        prep = PreparedRequest()
        prep.prepare_url(url, None)
        prepared = prep.url or ""
        known = (prepared, any(get_auth_from_url(prepared)))
        if len(_PREPARED_URLS) >= _PREPARED_URLS_MAX:
            _PREPARED_URLS.clear()
        _PREPARED_URLS[url] = known
    return known


def merge_setting(
    request_setting: Any,
    session_setting: Any,
    dict_class: Callable[..., Any] = OrderedDict,
) -> Any:
    """A request's setting over the session's; a None value in the request removes the key."""
    if session_setting is None:
        return request_setting
    if request_setting is None:
        return session_setting
    if not (isinstance(session_setting, Mapping) and isinstance(request_setting, Mapping)):
        return request_setting
    merged = dict_class(to_key_val_list(session_setting))
    merged.update(to_key_val_list(request_setting))
    for key in [key for key, value in merged.items() if value is None]:
        del merged[key]
    return merged


def merge_hooks(
    request_hooks: Any,
    session_hooks: Any,
    dict_class: Callable[..., Any] = OrderedDict,
) -> Any:
    """Hooks merge like settings, except that an empty response-hook list counts as unset."""
    if session_hooks is None or session_hooks.get("response") == []:
        return request_hooks
    if request_hooks is None or request_hooks.get("response") == []:
        return session_hooks
    return merge_setting(request_hooks, session_hooks, dict_class)


class SessionRedirectMixin:
    """Redirect handling with requests' rules (RFC 7231 method rewriting, auth stripping)."""

    max_redirects: int
    trust_env: bool
    cookies: RequestsCookieJar
    proxies: dict[str, str]

    def send(self, request: PreparedRequest, **kwargs: Any) -> Any:  # pragma: no cover
        raise NotImplementedError

    def get_redirect_target(self, resp: Response) -> str | None:
        """The Location of a redirect response, re-decoded as UTF-8 when it was sent so."""
        if not resp.is_redirect:
            return None
        location = resp.headers["location"]
        # Header values come decoded as latin-1; servers mostly send UTF-8 bytes.
        try:
            return location.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return location

    def should_strip_auth(self, old_url: str, new_url: str) -> bool:
        """Drop Authorization when a redirect leaves the host (http→https on one host keeps it)."""
        old, new = urlparse(old_url), urlparse(new_url)
        if old.hostname != new.hostname:
            return True
        if (
            old.scheme == "http"
            and old.port in (80, None)
            and new.scheme == "https"
            and new.port in (443, None)
        ):
            return False
        changed_port = old.port != new.port
        changed_scheme = old.scheme != new.scheme
        default_port = (DEFAULT_PORTS.get(old.scheme, None), None)
        if not changed_scheme and old.port in default_port and new.port in default_port:
            return False
        return changed_port or changed_scheme

    def resolve_redirects(
        self,
        resp: Response,
        req: PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
        yield_requests: bool = False,
        **adapter_kwargs: Any,
    ) -> Iterator[Any]:
        """Follow redirects from `resp`: yields each response (or each request, when asked)."""
        history: list[Response] = []
        target = self.get_redirect_target(resp)
        previous_fragment = urlparse(req.url or "").fragment
        while target:
            history.append(resp)
            resp.history = history[1:]
            self._finish_hop(resp)
            hop, proxies, previous_fragment = self._prepare_hop(
                resp, req, target, proxies, previous_fragment
            )
            req = hop
            if yield_requests:
                yield req
                continue
            resp = self.send(
                req,
                stream=stream,
                timeout=timeout,
                verify=verify,
                cert=cert,
                proxies=proxies,
                allow_redirects=False,
                **adapter_kwargs,
            )
            extract_cookies_to_jar(self.cookies, req, resp.raw)
            target = self.get_redirect_target(resp)
            yield resp

    async def _resolve_redirects_async(
        self,
        resp: Response,
        req: PreparedRequest,
        proxies: Mapping[str, str] | None,
        send_kwargs: dict[str, Any],
    ) -> AsyncIterator[Response]:
        """`resolve_redirects` for a running loop: the same hops, awaited."""
        history: list[Response] = []
        target = self.get_redirect_target(resp)
        previous_fragment = urlparse(req.url or "").fragment
        while target:
            history.append(resp)
            resp.history = history[1:]
            if not resp._content_consumed:
                await resp.aread()
            self._finish_hop(resp)
            req, proxies, previous_fragment = self._prepare_hop(
                resp, req, target, proxies, previous_fragment
            )
            resp = await self.send(
                req, **{**send_kwargs, "proxies": proxies, "allow_redirects": False}
            )
            extract_cookies_to_jar(self.cookies, req, resp.raw)
            target = self.get_redirect_target(resp)
            yield resp

    def _finish_hop(self, resp: Response) -> None:
        """Read the redirect's body (so its connection is reused) and check the limit."""
        try:
            resp.content  # noqa: B018 - reading it releases the connection
        except (ChunkedEncodingError, ContentDecodingError, RuntimeError):
            resp.raw.read(decode_content=False)
        if len(resp.history) >= self.max_redirects:
            raise TooManyRedirects(f"Exceeded {self.max_redirects} redirects.", response=resp)
        resp.close()

    def _prepare_hop(
        self,
        resp: Response,
        req: PreparedRequest,
        target: str,
        proxies: Mapping[str, str] | None,
        previous_fragment: str,
    ) -> tuple[PreparedRequest, Mapping[str, str] | None, str]:
        """The request for the next hop, from the previous request and the redirect."""
        hop = req.copy()
        if target.startswith("//"):
            target = f"{urlparse(resp.url).scheme}:{target}"
        parsed = urlparse(target)
        if parsed.fragment == "" and previous_fragment:
            parsed = parsed._replace(fragment=previous_fragment)
        elif parsed.fragment:
            previous_fragment = parsed.fragment
        url = parsed.geturl()
        # Relative Locations are allowed (RFC 7231 §7.1.2): resolve against the response URL.
        url = urljoin(resp.url, requote_uri(url)) if not parsed.netloc else requote_uri(url)
        hop.url = url
        self.rebuild_method(hop, resp)
        if resp.status_code not in (codes.temporary_redirect, codes.permanent_redirect):
            # The method became GET: the body and what describes it go.
            for header in ("Content-Length", "Content-Type", "Transfer-Encoding"):
                hop.headers.pop(header, None)
            hop.body = None
        hop.headers.pop("Cookie", None)
        # Cookies are evaluated again for the new URL, with what this hop's response set.
        jar = hop._cookies if hop._cookies is not None else RequestsCookieJar()
        extract_cookies_to_jar(jar, req, resp.raw)
        merge_cookies(jar, self.cookies)
        hop.prepare_cookies(jar)
        proxies = self.rebuild_proxies(hop, proxies)
        self.rebuild_auth(hop, resp)
        rewindable = hop._body_position is not None and (
            "Content-Length" in hop.headers or "Transfer-Encoding" in hop.headers
        )
        if rewindable:
            rewind_body(hop)
        return hop, proxies, previous_fragment

    def rebuild_auth(self, prepared_request: PreparedRequest, response: Response) -> None:
        headers = prepared_request.headers
        url = prepared_request.url or ""
        if "Authorization" in headers and self.should_strip_auth(response.request.url or "", url):
            del headers["Authorization"]
        new_auth = get_netrc_auth(url) if self.trust_env else None
        if new_auth is not None:
            prepared_request.prepare_auth(new_auth)

    def rebuild_proxies(
        self, prepared_request: PreparedRequest, proxies: Mapping[str, str] | None
    ) -> dict[str, str]:
        headers = prepared_request.headers
        scheme = urlparse(prepared_request.url or "").scheme
        new_proxies = resolve_proxies(prepared_request, proxies, self.trust_env)
        if "Proxy-Authorization" in headers:
            del headers["Proxy-Authorization"]
        try:
            username, password = get_auth_from_url(new_proxies[scheme])
        except KeyError:
            username, password = None, None
        # HTTPS goes through a CONNECT tunnel: its proxy credentials are the tunnel's business.
        if not scheme.startswith("https") and username and password:
            headers["Proxy-Authorization"] = _basic_auth_str(username, password)
        return new_proxies

    def rebuild_method(self, prepared_request: PreparedRequest, response: Response) -> None:
        """303 turns everything but HEAD into GET; 302 and 301 turn POST into GET (browsers)."""
        method = prepared_request.method
        if response.status_code == codes.see_other and method != "HEAD":
            method = "GET"
        if response.status_code in (codes.found, codes.moved) and method == "POST":
            method = "GET"
        prepared_request.method = method


class Session(SessionRedirectMixin):
    """A requests-compatible Session; `mode` forces sync or async ("auto" by default);
    `http2=False` keeps its HTTPS connections on HTTP/1.1 (h2 is offered by ALPN else);
    `http2="prior_knowledge"` also speaks HTTP/2 on http:// from the first byte (h2c)."""

    __attrs__: ClassVar[list[str]] = [
        "headers",
        "cookies",
        "auth",
        "proxies",
        "hooks",
        "params",
        "verify",
        "cert",
        "adapters",
        "stream",
        "trust_env",
        "max_redirects",
        "mode",
    ]

    def __init__(self, *, mode: Mode = "auto", http2: Http2Setting = True) -> None:
        self.mode: Mode = check_mode(mode)
        self.headers: CaseInsensitiveDict[Any] = default_headers()
        self.auth: Any = None
        self.proxies: dict[str, str] = {}
        self.hooks: dict[str, list[Any]] = default_hooks()
        self.params: Any = {}
        self.stream = False
        self.verify: bool | str = True
        self.cert: Any = None
        self.max_redirects = DEFAULT_REDIRECT_LIMIT
        self.trust_env = True
        self.cookies: RequestsCookieJar = cookiejar_from_dict({})
        self.adapters: OrderedDict[str, BaseAdapter] = OrderedDict()
        self.mount("https://", HTTPAdapter(http2=http2))
        self.mount("http://", HTTPAdapter(http2=http2))

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()

    async def __aenter__(self) -> Session:
        return self

    async def __aexit__(self, *args: object) -> None:
        self.close()

    def prepare_request(self, request: Request) -> PreparedRequest:
        cookies = request.cookies or {}
        # Any CookieJar is used as it is (requests' rule); only mappings are converted.
        if not isinstance(cookies, CookieJar):
            cookies = cookiejar_from_dict(cookies)
        merged_cookies = merge_cookies(merge_cookies(RequestsCookieJar(), self.cookies), cookies)
        auth = request.auth
        if self.trust_env and not auth and not self.auth:
            auth = get_netrc_auth(request.url)
        prepared = PreparedRequest()
        prepared.prepare(
            method=request.method.upper() if request.method else request.method,
            url=request.url,
            files=request.files,
            data=request.data,
            json=request.json,
            headers=merge_setting(request.headers, self.headers, dict_class=CaseInsensitiveDict),
            params=merge_setting(request.params, self.params),
            auth=merge_setting(auth, self.auth),
            cookies=merged_cookies,
            hooks=merge_hooks(request.hooks, self.hooks),
        )
        return prepared

    def request(
        self,
        method: str | bytes,
        url: str | bytes,
        params: Any = None,
        data: Any = None,
        headers: Any = None,
        cookies: Any = None,
        files: Any = None,
        auth: Any = None,
        timeout: Any = None,
        allow_redirects: bool = True,
        proxies: Any = None,
        hooks: Any = None,
        stream: bool | None = None,
        verify: bool | str | None = None,
        cert: Any = None,
        json: Any = None,
    ) -> Any:
        """Build, prepare and send a request: a Response, or an awaitable inside a loop."""
        if (
            auth is None
            and cookies is None
            and files is None
            and hooks is None
            and not proxies
            and cert is None
            and isinstance(method, str)
            and isinstance(url, str)
            and self._plain()
        ):
            upper_method = method.upper()
            if (
                headers is None
                and not params
                and not data
                and json is None
                and upper_method in _BODYLESS_METHODS
            ):
                response = self._request_plain(
                    upper_method, url, timeout, allow_redirects, stream, verify
                )
                if response is not _NOT_PLAIN:
                    return response
            lean = self._lean_prepare(method, url, params, data, headers, json, verify)
            if lean is not None:
                prep, verify = lean
                return self.send(
                    prep,
                    timeout=timeout,
                    allow_redirects=allow_redirects,
                    proxies={},
                    stream=self.stream if stream is None else stream,
                    verify=verify,
                    cert=self.cert,
                )
        req = Request(
            method=method.upper() if isinstance(method, str) else method.decode().upper(),
            url=url,
            headers=headers,
            files=files,
            data=data or {},
            json=json,
            params=params or {},
            auth=auth,
            cookies=cookies,
            hooks=hooks,
        )
        prep = self.prepare_request(req)
        settings = self.merge_environment_settings(prep.url, proxies or {}, stream, verify, cert)
        return self.send(prep, timeout=timeout, allow_redirects=allow_redirects, **settings)

    # --- the lean path -----------------------------------------------------------------
    #
    # A plain call (no auth, cookies, files, hooks or proxies, on a session that adds none)
    # needs none of requests' merging machinery: the same PreparedRequest is built directly.
    # Anything that could make the two paths differ sends the call the long way.

    def _plain(self) -> bool:
        # Compared with the functions as defined here, so that a patched or overridden one
        # (mock.patch.object(Session, ...) included) is always called. `send` is patched by
        # mocking libraries (requests-mock), on the class or on one session.
        cls = type(self)
        return (
            cls.prepare_request is _OWN_PREPARE_REQUEST
            and cls.merge_environment_settings is _OWN_MERGE_ENVIRONMENT_SETTINGS
            and cls.send is _OWN_SEND
            and "send" not in self.__dict__
            and self.auth is None
            and not self.proxies
            and not self.params
            and self.cert is None
            and _no_cookies(self.cookies)
            and len(self.hooks) == 1
            and not self.hooks.get("response")
        )

    def _request_plain(
        self,
        method: str,
        url: str,
        timeout: Any = None,
        allow_redirects: bool = True,
        stream: bool | None = None,
        verify: bool | str | None = None,
    ) -> Any:
        """A body-less call that brings nothing but its URL: the shortest way through.

        The same PreparedRequest, adapter call and Response as the general path; skipped is
        only work whose answer cannot have changed since the last call (the session's headers
        validated and encoded once per change, each URL prepared once). `_NOT_PLAIN` when
        the call needs the general path after all.
        """
        if self.trust_env:
            verify = self._environment_verify(url, verify)
            if verify is _NOT_PLAIN:
                return _NOT_PLAIN
        target, has_credentials = _PREPARED_URLS.get(url) or _prepared_url(url)
        adapter = self.get_adapter(target)
        plain_headers = self._plain_headers()
        if has_credentials or not _is_stock(adapter) or plain_headers is None:
            return _NOT_PLAIN
        header_lines, header_block, prepared_headers = plain_headers
        # What PreparedRequest() and the prepare_* steps would leave, set at once.
        prep = PreparedRequest.__new__(PreparedRequest)
        prep.__dict__ = {
            "method": method,
            "url": target,
            # `headers` (a copy of these) and `hooks` are made when first read: see
            # PreparedRequest.__getattr__.
            "_headers_from": prepared_headers,
            "_cookie_jar": _FRESH_JAR,
            "body": None,
            "_body_position": None,
        }
        stream = self.stream if stream is None else stream
        verify = self.verify if verify is None else verify
        if wants_async(self.mode):
            settings = _plain_settings(stream, timeout, verify)
            return track_auto(
                self.mode,
                self._finish_plain_async(adapter, prep, header_lines, settings, allow_redirects),
            )
        if not stream and adapter._no_retries():
            # The commonest call: one send, the body read whole, the Response built by the
            # engine (HTTPAdapter.send's whole work, and `elapsed` measured there).
            client, read_timeout, connect_timeout = adapter._plain_pool(prep, timeout, verify)
            try:
                call = _requestx.Call(
                    method, target, header_block, None, read_timeout, connect_timeout
                )
                response = client.fetch_whole(_KIT, prep, adapter, target, call)
            except (ConnectionError, ReadTimeout) as error:
                raise _with_request(error, prep) from None
        else:
            start = preferred_clock()
            response = adapter._send_plain(prep, header_lines, timeout, verify, stream)
            response._elapsed = preferred_clock() - start
        return self._settle_plain(prep, response, stream, timeout, verify, allow_redirects)

    def _settle_plain(
        self,
        prep: PreparedRequest,
        response: Response,
        stream: bool,
        timeout: Any,
        verify: bool | str,
        allow_redirects: bool,
    ) -> Response:
        """The end of a plain sync call: cookies kept, redirects followed, the body read
        (also called by the engine's `PlainGate` when a response sets a cookie or redirects)."""
        # The request has no hooks and the session none (see _plain): nothing to dispatch.
        if _sets_cookies(response):
            extract_cookies_to_jar(self.cookies, prep, response.raw)
        if response.status_code in REDIRECT_STATI and "location" in response.headers:
            settings = _plain_settings(stream, timeout, verify)
            history: list[Response] = []
            if allow_redirects:
                history = list(self.resolve_redirects(response, prep, **settings))
            response = self._finish(prep, response, history, settings, allow_redirects)
        if not stream and not response._content_consumed:
            response.content  # noqa: B018 - stream=False reads the body now
        return response

    async def _finish_plain_async(
        self,
        adapter: HTTPAdapter,
        prep: PreparedRequest,
        header_lines: list[tuple[bytes, bytes]],
        settings: dict[str, Any],
        allow_redirects: bool,
    ) -> Response:
        """The rest of `_request_plain` inside a running loop."""
        start = preferred_clock()
        response = await adapter._send_plain_async(
            prep, header_lines, settings["timeout"], settings["verify"], settings["stream"]
        )
        response = self._after_send(prep, response, start, settings)
        history: list[Response] = []
        if allow_redirects and response.is_redirect:
            history = [
                hop
                async for hop in self._resolve_redirects_async(
                    response, prep, settings["proxies"], settings
                )
            ]
        response = self._finish(prep, response, history, settings, allow_redirects)
        if not settings["stream"] and not response._content_consumed:
            await response.aread()
        return response

    @staticmethod
    def _environment_verify(url: str, verify: bool | str | None) -> Any:
        """`verify` as the environment would make it, or `_NOT_PLAIN` when the environment
        brings what the lean paths leave out (a proxy, netrc credentials)."""
        if not no_proxy_variables() or get_netrc_auth(url) is not None:
            return _NOT_PLAIN
        if verify is True or verify is None:
            return environment_ca_bundle() or verify
        return verify

    # The session headers as `_request_plain` sends them, and the snapshot they were made
    # from: validated and encoded again only when the headers change.
    _plain_headers_cache: tuple[list[tuple[str, Any]], _PlainHeaders] | None = None

    def _plain_headers(self) -> _PlainHeaders | None:
        headers = self.headers
        if type(headers) is not CaseInsensitiveDict:
            return None  # a user's own mapping type: no cheap snapshot of it
        snapshot = list(headers._store.values())
        cached = self._plain_headers_cache
        if cached is not None and cached[0] == snapshot:
            return cached[1]
        prep = PreparedRequest()
        prep.prepare_headers(headers.copy())  # the validation the general path does
        lines = _wire_headers(prep.headers)
        plain = _PlainHeaders(lines, _requestx.HeaderLines(lines), prep.headers)
        self._plain_headers_cache = (snapshot, plain)
        return plain

    def _lean_prepare(
        self,
        method: str,
        url: str,
        params: Any,
        data: Any,
        headers: Any,
        json: Any,
        verify: bool | str | None,
    ) -> tuple[PreparedRequest, bool | str] | None:
        """The PreparedRequest `prepare_request` would build, or None to take the long way."""
        if self.trust_env:
            verify = self._environment_verify(url, verify)
            if verify is _NOT_PLAIN:
                return None
        prep = PreparedRequest()
        prep.prepare_method(method.upper())
        if params:
            prep.prepare_url(url, params)
        else:
            prep.url = _prepared_url(url)[0]
        merged = self.headers.copy()
        if headers:
            for name, value in headers.items():
                if value is None:
                    merged.pop(name, None)
                else:
                    merged[name] = value
        prep.prepare_headers(merged)
        prep._cookies = RequestsCookieJar()
        prep.prepare_body(data or {}, None, json)
        prep.prepare_auth(None, url)  # credentials written in the URL still count
        return prep, self.verify if verify is None else verify

    def get(self, url: str | bytes, **kwargs: Any) -> Any:
        # The commonest call, `session.get(url)` on a plain session, made whole by the
        # engine: the same checks as below, made natively (see rust/requestx/src/gate.rs).
        response = _GATE.get(self, url, kwargs)
        if response is not None:
            return response
        if (
            isinstance(url, str)
            and _PLAIN_GET_OPTIONS.issuperset(kwargs)
            and type(self).request is _OWN_REQUEST
            and "request" not in self.__dict__
            and self._plain()
        ):
            # `session.get(url)`, perhaps with a timeout, the commonest call: straight to
            # the plain path when it applies (a subclass's own `request` is always called).
            response = self._request_plain("GET", url, **kwargs)
            if response is not _NOT_PLAIN:
                return response
        kwargs.setdefault("allow_redirects", True)
        return self.request("GET", url, **kwargs)

    def options(self, url: str | bytes, **kwargs: Any) -> Any:
        kwargs.setdefault("allow_redirects", True)
        return self.request("OPTIONS", url, **kwargs)

    def head(self, url: str | bytes, **kwargs: Any) -> Any:
        kwargs.setdefault("allow_redirects", False)
        return self.request("HEAD", url, **kwargs)

    def post(self, url: str | bytes, data: Any = None, json: Any = None, **kwargs: Any) -> Any:
        return self.request("POST", url, data=data, json=json, **kwargs)

    def put(self, url: str | bytes, data: Any = None, **kwargs: Any) -> Any:
        return self.request("PUT", url, data=data, **kwargs)

    def patch(self, url: str | bytes, data: Any = None, **kwargs: Any) -> Any:
        return self.request("PATCH", url, data=data, **kwargs)

    def delete(self, url: str | bytes, **kwargs: Any) -> Any:
        return self.request("DELETE", url, **kwargs)

    def send(self, request: PreparedRequest, **kwargs: Any) -> Any:
        """Send a PreparedRequest: a Response, or an awaitable inside a running loop."""
        if isinstance(cast("object", request), Request):
            raise ValueError("You can only send PreparedRequests.")
        kwargs.setdefault("stream", self.stream)
        kwargs.setdefault("verify", self.verify)
        kwargs.setdefault("cert", self.cert)
        if "proxies" not in kwargs:
            kwargs["proxies"] = resolve_proxies(request, self.proxies, self.trust_env)
        if wants_async(self.mode):
            # The adapter is chosen now, in send() as requests chooses it: requests-mock
            # patches get_adapter for the length of this call only.
            adapter = self.get_adapter(url=request.url or "")
            return track_auto(self.mode, self._send_async(request, kwargs, adapter))
        return self._send_sync(request, kwargs)

    def _send_sync(self, request: PreparedRequest, kwargs: dict[str, Any]) -> Response:
        allow_redirects = kwargs.pop("allow_redirects", True)
        adapter = self.get_adapter(url=request.url or "")
        start = preferred_clock()
        response = adapter.send(request, **kwargs)
        response = self._after_send(request, response, start, kwargs)
        if allow_redirects and response.is_redirect:
            history = list(self.resolve_redirects(response, request, **kwargs))
        else:
            history = []
        response = self._finish(request, response, history, kwargs, allow_redirects)
        if not kwargs.get("stream"):
            response.content  # noqa: B018 - stream=False reads the body now
        return response

    async def _send_async(
        self, request: PreparedRequest, kwargs: dict[str, Any], adapter: BaseAdapter
    ) -> Response:
        allow_redirects = kwargs.pop("allow_redirects", True)
        start = preferred_clock()
        send_async = _async_send_of(adapter)
        if send_async is not None:
            response = await send_async(request, **kwargs)
        else:
            # A custom (sync) adapter, or a patched send: run it off the loop's thread.
            response = await asyncio.to_thread(adapter.send, request, **kwargs)
        response = self._after_send(request, response, start, kwargs)
        history: list[Response] = []
        if allow_redirects and response.is_redirect:
            proxies = kwargs.get("proxies")
            history = [
                hop
                async for hop in self._resolve_redirects_async(response, request, proxies, kwargs)
            ]
        response = self._finish(request, response, history, kwargs, allow_redirects)
        if not kwargs.get("stream") and not response._content_consumed:
            await response.aread()
        return response

    def _after_send(
        self, request: PreparedRequest, response: Response, start: float, kwargs: dict[str, Any]
    ) -> Response:
        response.elapsed = timedelta(seconds=preferred_clock() - start)
        response = dispatch_hook("response", request.hooks, response, **kwargs)
        for earlier in response.history:
            extract_cookies_to_jar(self.cookies, earlier.request, earlier.raw)
        extract_cookies_to_jar(self.cookies, request, response.raw)
        return response

    def _finish(
        self,
        request: PreparedRequest,
        response: Response,
        history: list[Response],
        kwargs: dict[str, Any],
        allow_redirects: bool,
    ) -> Response:
        if history:
            history.insert(0, response)
            response = history.pop()
            response.history = history
        if not allow_redirects and response.is_redirect:
            with contextlib.suppress(StopIteration):
                response._next = next(
                    self.resolve_redirects(response, request, yield_requests=True, **kwargs)
                )
        return response

    def merge_environment_settings(
        self,
        url: str | None,
        proxies: Mapping[str, str],
        stream: bool | None,
        verify: bool | str | None,
        cert: Any,
    ) -> dict[str, Any]:
        proxies = dict(proxies)
        if self.trust_env:
            no_proxy = proxies.get("no_proxy")
            for key, value in get_environ_proxies(url or "", no_proxy=no_proxy).items():
                proxies.setdefault(key, value)
            if verify is True or verify is None:
                verify = (
                    os.environ.get("REQUESTS_CA_BUNDLE")
                    or os.environ.get("CURL_CA_BUNDLE")
                    or verify
                )
        return {
            "proxies": merge_setting(proxies, self.proxies),
            "stream": merge_setting(stream, self.stream),
            "verify": merge_setting(verify, self.verify),
            "cert": merge_setting(cert, self.cert),
        }

    # The adapter found for each URL, and the mounts it was found among: a URL's adapter
    # is looked up once while the mounts stay the same (comparing them is a few identity
    # checks; the prefix walk lowers and compares every prefix).
    _adapter_memo: tuple[tuple[tuple[str, BaseAdapter], ...], dict[str, BaseAdapter]] | None = None

    def get_adapter(self, url: str) -> BaseAdapter:
        mounted = tuple(self.adapters.items())
        memo = self._adapter_memo
        if memo is None or memo[0] != mounted:
            memo = self._adapter_memo = (mounted, {})
        else:
            known = memo[1].get(url)
            if known is not None:
                return known
        lowered = url.lower()
        for prefix, adapter in mounted:
            if lowered.startswith(prefix.lower()):
                found = memo[1]
                if len(found) >= _ADAPTER_MEMO_MAX:
                    found.clear()
                found[url] = adapter
                return adapter
        raise InvalidSchema(f"No connection adapters were found for {url!r}")

    def close(self) -> None:
        for adapter in self.adapters.values():
            adapter.close()

    def mount(self, prefix: str, adapter: BaseAdapter) -> None:
        """Register `adapter` for URLs starting with `prefix`; longer prefixes win."""
        self.adapters[prefix] = adapter
        for key in [k for k in self.adapters if len(k) < len(prefix)]:
            self.adapters[key] = self.adapters.pop(key)

    def __getstate__(self) -> dict[str, Any]:
        return {attr: getattr(self, attr, None) for attr in self.__attrs__}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for attr, value in state.items():
            setattr(self, attr, value)
        if getattr(self, "mode", None) is None:
            self.mode = "auto"


# Session's own methods, as defined above: the plain path applies only while they are the
# ones a session would call.
_OWN_REQUEST = Session.request
_OWN_SEND = Session.send
_OWN_PREPARE_REQUEST = Session.prepare_request
_OWN_MERGE_ENVIRONMENT_SETTINGS = Session.merge_environment_settings
_OWN_GET_ADAPTER = Session.get_adapter

# `Session.get`'s native plain path, handed the definitions its checks compare with.
_GATE_DEFINITIONS: dict[str, Any] = {
    "session_type": Session,
    "own_request": _OWN_REQUEST,
    "own_send": _OWN_SEND,
    "own_prepare_request": _OWN_PREPARE_REQUEST,
    "own_merge_environment_settings": _OWN_MERGE_ENVIRONMENT_SETTINGS,
    "own_get_adapter": _OWN_GET_ADAPTER,
    "adapter_type": HTTPAdapter,
    "own_adapter_send": _OWN_ADAPTER_SEND,
    "own_build_response": _OWN_BUILD_RESPONSE,
    "headers_type": CaseInsensitiveDict,
    "cookie_jar_type": CookieJar,
    "no_cookies": _no_cookies,
    "prepared_type": PreparedRequest,
    "fresh_jar": _FRESH_JAR,
    "prepared_urls": _PREPARED_URLS,
    "prepare_url": _prepared_url,
    "not_plain": _NOT_PLAIN,
    "mode_module": _mode,
    "running_loop": asyncio._get_running_loop,
    "redirect_statuses": REDIRECT_STATI,
    "request_errors": (ConnectionError, ReadTimeout),
    "kit": _KIT,
}
_GATE = _requestx.PlainGate(**_GATE_DEFINITIONS)


def session() -> Session:
    """A new Session (requests' deprecated alias, kept for old code)."""
    return Session()
