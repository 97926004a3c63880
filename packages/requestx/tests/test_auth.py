"""Basic, proxy and digest auth: RFC vectors, parity with requests, and the 401 retry flow.

The 401 flow runs against stand-ins with the attributes of requests' models (the engine and
models are not part of this module) and a small digest "server" that checks every answer with
the RFC 7616 formulas, computed here independently of requestx.auth.
"""

# Test credentials and nonces are not secrets.
# ruff: noqa: S106, S107

import hashlib
import io
import re
import sys
import threading
import types
from collections.abc import Callable
from typing import Any

import pytest
import requests.auth

from requestx import auth
from requestx.auth import (
    CONTENT_TYPE_FORM_URLENCODED,
    CONTENT_TYPE_MULTI_PART,
    AuthBase,
    HTTPBasicAuth,
    HTTPDigestAuth,
    HTTPProxyAuth,
    _basic_auth_str,
)
from requestx.hooks import default_hooks, dispatch_hook
from requestx.structures import CaseInsensitiveDict

# Stand-ins for the models ------------------------------------------------------------------


class FakeRequest:
    """The parts of requests' PreparedRequest that auth handlers use."""

    def __init__(
        self, method: str = "GET", url: str = "http://127.0.0.1/dir/index.html", body: Any = None
    ) -> None:
        self.method = method
        self.url = url
        self.body = body
        self.headers: CaseInsensitiveDict[str] = CaseInsensitiveDict()
        self.hooks: dict[str, list[Callable[..., Any]]] = default_hooks()
        self._cookies: object = object()
        self.prepared_cookies: list[object] = []
        self.copied_from: FakeRequest | None = None

    def register_hook(self, event: str, hook: Callable[..., Any]) -> None:
        self.hooks[event].append(hook)

    def copy(self) -> "FakeRequest":
        twin = FakeRequest(self.method, self.url, self.body)
        twin.headers = self.headers.copy()
        twin.hooks = {event: list(hooks) for event, hooks in self.hooks.items()}
        twin._cookies = self._cookies
        twin.copied_from = self
        return twin

    def prepare_cookies(self, cookies: object) -> None:
        self.prepared_cookies.append(cookies)


class FakeResponse:
    """The parts of requests' Response that the digest hooks use."""

    def __init__(
        self,
        status_code: int,
        request: FakeRequest,
        headers: dict[str, str] | None = None,
        connection: "FakeAdapter | None" = None,
        *,
        is_redirect: bool = False,
    ) -> None:
        self.status_code = status_code
        self.request = request
        self.headers: CaseInsensitiveDict[str] = CaseInsensitiveDict(headers or {})
        self.connection = connection
        self.is_redirect = is_redirect
        self.history: list[FakeResponse] = []
        self.raw = object()
        self.content_reads = 0
        self.closed = False

    @property
    def content(self) -> bytes:
        self.content_reads += 1
        return b"denied"

    def close(self) -> None:
        self.closed = True


class FakeAdapter:
    """Records what the retry sends and answers through a callback."""

    def __init__(self, respond: Callable[[FakeRequest], FakeResponse]) -> None:
        self.respond = respond
        self.sent: list[tuple[FakeRequest, dict[str, Any]]] = []
        self.body_positions: list[int] = []

    def send(self, request: FakeRequest, **kwargs: Any) -> FakeResponse:
        self.sent.append((request, kwargs))
        if isinstance(request.body, io.BytesIO):
            self.body_positions.append(request.body.tell())
            request.body.read()
        return self.respond(request)


def _params(header: str) -> dict[str, str]:
    """The name=value pairs of a digest header (quoted or not), for the checks below."""
    return {
        name: quoted or bare
        for name, quoted, bare in re.findall(r'(\w+)=(?:"([^"]*)"|([^\s,]*))', header)
    }


def _h(hash_name: str, text: str) -> str:
    return hashlib.new(hash_name, text.encode(), usedforsecurity=False).hexdigest()


def expected_response(
    *,
    hash_name: str,
    username: str,
    password: str,
    realm: str,
    nonce: str,
    method: str,
    uri: str,
    qop: str | None,
    nc: str = "",
    cnonce: str = "",
    session: bool = False,
) -> str:
    """RFC 7616 §3.4.1 (and RFC 2069 without qop), written out independently of requestx."""
    ha1 = _h(hash_name, f"{username}:{realm}:{password}")
    if session:
        ha1 = _h(hash_name, f"{ha1}:{nonce}:{cnonce}")
    ha2 = _h(hash_name, f"{method}:{uri}")
    if qop is None:
        return _h(hash_name, f"{ha1}:{nonce}:{ha2}")
    return _h(hash_name, f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}")


SERVER_HASHES = {"MD5": "md5", "SHA-256": "sha256", "SHA-512": "sha512"}


class DigestServer:
    """Challenges requests without a valid answer; accepts answers that verify."""

    def __init__(
        self, username: str = "user", password: str = "pass", algorithm: str = "MD5"
    ) -> None:
        self.username = username
        self.password = password
        self.algorithm = algorithm
        self.realm = "me@127.0.0.1"
        self.nonce = "6bf1ab3d0e5f4c1aa7d2"
        self.opaque = "c0ffee"
        self.adapter = FakeAdapter(self.handle)
        self.verified: list[dict[str, str]] = []

    @property
    def challenge(self) -> str:
        return (
            f'Digest realm="{self.realm}", qop="auth,auth-int", nonce="{self.nonce}", '
            f'opaque="{self.opaque}", algorithm={self.algorithm}, stale=FALSE'
        )

    def handle(self, request: FakeRequest) -> FakeResponse:
        header = request.headers.get("Authorization", "")
        if header.startswith("Digest ") and self._verifies(request, _params(header)):
            return FakeResponse(200, request, connection=self.adapter)
        return FakeResponse(
            401, request, {"WWW-Authenticate": self.challenge}, connection=self.adapter
        )

    def _verifies(self, request: FakeRequest, params: dict[str, str]) -> bool:
        expected = expected_response(
            hash_name=SERVER_HASHES[self.algorithm],
            username=self.username,
            password=self.password,
            realm=self.realm,
            nonce=self.nonce,
            method=request.method,
            uri=params["uri"],
            qop=params.get("qop"),
            nc=params.get("nc", ""),
            cnonce=params.get("cnonce", ""),
        )
        ok = (
            params["response"] == expected
            and params["username"] == self.username
            and params["opaque"] == self.opaque
        )
        if ok:
            self.verified.append(params)
        return ok


@pytest.fixture
def cookie_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[object, ...]]:
    """Stands in for requestx.cookies (another module's job) and records its use."""
    calls: list[tuple[object, ...]] = []
    stub = types.ModuleType("requestx.cookies")

    def extract_cookies_to_jar(jar: object, request: object, response: object) -> None:
        calls.append((jar, request, response))

    vars(stub)["extract_cookies_to_jar"] = extract_cookies_to_jar
    monkeypatch.setitem(sys.modules, "requestx.cookies", stub)
    return calls


@pytest.fixture
def fixed_cnonce(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    def use(value: str) -> None:
        monkeypatch.setattr(auth, "_make_cnonce", lambda: value)

    return use


def _with_challenge(digest: HTTPDigestAuth, **challenge: str) -> HTTPDigestAuth:
    digest._thread_local.chal = dict(challenge)
    return digest


# Module surface ----------------------------------------------------------------------------


def test_all() -> None:
    assert set(auth.__all__) == {
        "AuthBase",
        "HTTPBasicAuth",
        "HTTPProxyAuth",
        "HTTPDigestAuth",
        "CONTENT_TYPE_FORM_URLENCODED",
        "CONTENT_TYPE_MULTI_PART",
    }


def test_content_type_constants_match_requests() -> None:
    assert CONTENT_TYPE_FORM_URLENCODED == requests.auth.CONTENT_TYPE_FORM_URLENCODED
    assert CONTENT_TYPE_MULTI_PART == requests.auth.CONTENT_TYPE_MULTI_PART


def test_class_hierarchy_matches_requests() -> None:
    for name in ("HTTPBasicAuth", "HTTPProxyAuth", "HTTPDigestAuth"):
        ours = [cls.__name__ for cls in getattr(auth, name).__mro__]
        theirs = [cls.__name__ for cls in getattr(requests.auth, name).__mro__]
        assert ours == theirs


def test_auth_base_must_be_overridden() -> None:
    with pytest.raises(NotImplementedError, match="Auth hooks must be callable"):
        AuthBase()(FakeRequest())


def test_a_custom_auth_subclass_works() -> None:
    class TokenAuth(AuthBase):
        def __call__(self, r: FakeRequest) -> FakeRequest:
            r.headers["X-Token"] = "t"
            return r

    assert TokenAuth()(FakeRequest()).headers["x-token"] == "t"


# Basic -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("username", "password", "expected"),
    [
        ("test", "test", "Basic dGVzdDp0ZXN0"),
        # requests' own vector: UTF-8 bytes are sent as given.
        ("имя".encode(), "пароль".encode(), "Basic 0LjQvNGPOtC/0LDRgNC+0LvRjA=="),
        # RFC 7617 §2 example.
        ("Aladdin", "open sesame", "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="),
        # str is latin-1: "ñ" is one byte 0xF1, not UTF-8's two.
        ("ñ", "", "Basic 8To="),
        ("", "", "Basic Og=="),
        ("user:colon", "p", "Basic dXNlcjpjb2xvbjpw"),
    ],
)
def test_basic_auth_str(username: str | bytes, password: str | bytes, expected: str) -> None:
    value = _basic_auth_str(username, password)
    assert type(value) is str
    assert value == expected
    assert value == requests.auth._basic_auth_str(username, password)


def test_basic_auth_str_rejects_str_outside_latin1() -> None:
    with pytest.raises(UnicodeEncodeError):
        _basic_auth_str("имя", "pass")


def test_non_string_username_warns_and_is_converted() -> None:
    with pytest.warns(DeprecationWarning, match=r"Non-string usernames.*\(123\)"):
        value = _basic_auth_str(123, "pass")
    assert value == "Basic MTIzOnBhc3M="


def test_non_string_password_warning_does_not_show_the_password() -> None:
    with pytest.warns(DeprecationWarning, match="Non-string passwords") as caught:
        value = _basic_auth_str("user", 987654)
    assert value == "Basic dXNlcjo5ODc2NTQ="
    assert "987654" not in str(caught[0].message)
    assert "<class 'int'>" in str(caught[0].message)


def test_basic_auth_sets_the_authorization_header() -> None:
    request = FakeRequest()
    assert HTTPBasicAuth("user", "pass")(request) is request
    assert request.headers["Authorization"] == "Basic dXNlcjpwYXNz"
    assert "Proxy-Authorization" not in request.headers


def test_proxy_auth_sets_only_the_proxy_header() -> None:
    request = FakeRequest()
    proxy = HTTPProxyAuth("user", "pass")
    assert isinstance(proxy, HTTPBasicAuth)
    assert proxy(request) is request
    assert request.headers["Proxy-Authorization"] == "Basic dXNlcjpwYXNz"
    assert "Authorization" not in request.headers


def test_basic_auth_equality_is_by_credentials() -> None:
    first = HTTPBasicAuth("user", "pass")
    assert first == HTTPBasicAuth("user", "pass")
    assert not first != HTTPBasicAuth("user", "pass")  # noqa: SIM202 - __ne__ is under test
    assert first != HTTPBasicAuth("user", "other")
    assert first != HTTPBasicAuth("other", "pass")
    assert first != object()
    assert first != ("user", "pass")
    # Class does not matter, as in requests.
    assert first == HTTPProxyAuth("user", "pass")
    assert first == HTTPDigestAuth("user", "pass")
    assert (first == requests.auth.HTTPBasicAuth("user", "pass")) is (
        requests.auth.HTTPBasicAuth("user", "pass") == HTTPBasicAuth("user", "pass")
    )


def test_auth_objects_are_not_hashable_like_requests() -> None:
    with pytest.raises(TypeError):
        hash(HTTPBasicAuth("u", "p"))
    with pytest.raises(TypeError):
        hash(HTTPDigestAuth("u", "p"))


# Digest: the header -----------------------------------------------------------------------


def test_rfc_2617_section_3_5_example(fixed_cnonce: Callable[[str], None]) -> None:
    fixed_cnonce("0a4f113b")
    digest = _with_challenge(
        HTTPDigestAuth("Mufasa", "Circle Of Life"),
        realm="testrealm@host.com",
        qop="auth,auth-int",
        nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093",
        opaque="5ccc069c403ebaf9f0171e9517f40e41",
    )
    header = digest.build_digest_header("GET", "http://www.nowhere.org/dir/index.html")
    assert header == (
        'Digest username="Mufasa", realm="testrealm@host.com", '
        'nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", '
        'response="6629fae49393a05397450978507c4ef1", '
        'opaque="5ccc069c403ebaf9f0171e9517f40e41", qop="auth", nc=00000001, cnonce="0a4f113b"'
    )


@pytest.mark.parametrize(
    ("algorithm", "response"),
    [
        ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
        ("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
    ],
)
def test_rfc_7616_section_3_9_1_examples(
    fixed_cnonce: Callable[[str], None], algorithm: str, response: str
) -> None:
    fixed_cnonce("f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ")
    digest = _with_challenge(
        HTTPDigestAuth("Mufasa", "Circle of Life"),
        realm="http-auth@example.org",
        qop="auth, auth-int",
        algorithm=algorithm,
        nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
        opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS",
    )
    header = digest.build_digest_header("GET", "http://www.example.org/dir/index.html")
    assert header is not None
    params = _params(header)
    assert params["response"] == response
    assert params["algorithm"] == algorithm
    assert (params["qop"], params["nc"]) == ("auth", "00000001")
    assert params["cnonce"] == "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
    assert params["opaque"] == "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"


@pytest.mark.parametrize(
    ("algorithm", "hash_name", "session"),
    [
        ("MD5", "md5", False),
        ("MD5-sess", "md5", True),
        ("SHA", "sha1", False),
        ("SHA-256", "sha256", False),
        ("SHA-512", "sha512", False),
        ("sha-512", "sha512", False),
        # Beyond requests: RFC 7616's session variants of the other hashes.
        ("SHA-256-sess", "sha256", True),
        ("SHA-512-SESS", "sha512", True),
    ],
)
def test_every_algorithm_against_the_rfc_formula(
    fixed_cnonce: Callable[[str], None], algorithm: str, hash_name: str, *, session: bool
) -> None:
    fixed_cnonce("a1b2c3d4e5f60718")
    digest = _with_challenge(
        HTTPDigestAuth("user", "pass"), realm="r", nonce="n0nce", qop="auth", algorithm=algorithm
    )
    header = digest.build_digest_header("POST", "http://127.0.0.1/path/x?q=1&r=2")
    assert header is not None
    params = _params(header)
    assert params["uri"] == "/path/x?q=1&r=2"
    assert params["algorithm"] == algorithm  # echoed as the server spelled it
    assert params["response"] == expected_response(
        hash_name=hash_name,
        username="user",
        password="pass",
        realm="r",
        nonce="n0nce",
        method="POST",
        uri="/path/x?q=1&r=2",
        qop="auth",
        nc="00000001",
        cnonce="a1b2c3d4e5f60718",
        session=session,
    )


def test_without_qop_the_rfc_2069_form_is_used() -> None:
    digest = _with_challenge(HTTPDigestAuth("user", "pass"), realm="r", nonce="abc")
    header = digest.build_digest_header("GET", "http://127.0.0.1/")
    assert header is not None
    params = _params(header)
    assert set(params) == {"username", "realm", "nonce", "uri", "response"}
    assert params["response"] == expected_response(
        hash_name="md5",
        username="user",
        password="pass",
        realm="r",
        nonce="abc",
        method="GET",
        uri="/",
        qop=None,
    )


@pytest.mark.parametrize(
    ("url", "uri"),
    [
        ("http://127.0.0.1", "/"),
        ("http://127.0.0.1/", "/"),
        ("http://127.0.0.1?x=1", "/?x=1"),
        ("http://127.0.0.1/a/b?x=1#frag", "/a/b?x=1"),
        # Unlike requests (psf/requests#6990): ";params" stay, as in the request line.
        ("http://127.0.0.1/a/b;p?x=1", "/a/b;p?x=1"),
        ("http://127.0.0.1/r/u1;u2;u3?fmt=json", "/r/u1;u2;u3?fmt=json"),
    ],
)
def test_the_digest_uri_is_the_request_target(url: str, uri: str) -> None:
    digest = _with_challenge(HTTPDigestAuth("u", "p"), realm="r", nonce="n", qop="auth")
    header = digest.build_digest_header("GET", url)
    assert header is not None
    assert _params(header)["uri"] == uri


@pytest.mark.parametrize(
    "challenge",
    [
        {"qop": "auth-int"},
        {"algorithm": "SHA-512-256"},
        {"algorithm": "unknown"},
        {"algorithm": ""},
    ],
)
def test_unsupported_challenges_give_no_header(challenge: dict[str, str]) -> None:
    digest = _with_challenge(HTTPDigestAuth("u", "p"), realm="r", nonce="n", **challenge)
    assert digest.build_digest_header("GET", "http://127.0.0.1/") is None
    # An unanswered nonce is not remembered.
    assert digest._thread_local.last_nonce == ""


def test_qop_lists_are_read_token_by_token() -> None:
    for qop in ("auth", "auth,auth-int", "auth-int,auth", "auth-int, auth"):
        digest = _with_challenge(HTTPDigestAuth("u", "p"), realm="r", nonce="n", qop=qop)
        header = digest.build_digest_header("GET", "http://127.0.0.1/")
        assert header is not None, qop
        assert _params(header)["qop"] == "auth"


def test_the_nonce_count_increases_per_use_and_restarts_per_nonce() -> None:
    digest = _with_challenge(HTTPDigestAuth("u", "p"), realm="r", nonce="first", qop="auth")
    counts = []
    for _ in range(3):
        header = digest.build_digest_header("GET", "http://127.0.0.1/")
        assert header is not None
        counts.append(_params(header)["nc"])
    digest._thread_local.chal["nonce"] = "second"
    header = digest.build_digest_header("GET", "http://127.0.0.1/")
    assert header is not None
    counts.append(_params(header)["nc"])
    assert counts == ["00000001", "00000002", "00000003", "00000001"]


def test_each_header_has_a_fresh_client_nonce() -> None:
    digest = _with_challenge(HTTPDigestAuth("u", "p"), realm="r", nonce="n", qop="auth")
    cnonces = set()
    for _ in range(5):
        header = digest.build_digest_header("GET", "http://127.0.0.1/")
        assert header is not None
        cnonces.add(_params(header)["cnonce"])
    assert len(cnonces) == 5
    assert all(re.fullmatch(r"[0-9a-f]{16}", cnonce) for cnonce in cnonces)


def test_bytes_credentials_answer_like_str_ones(fixed_cnonce: Callable[[str], None]) -> None:
    fixed_cnonce("0a4f113b")
    challenge = {"realm": "r", "nonce": "n", "qop": "auth"}
    text = _with_challenge(HTTPDigestAuth("Mufasa", "Circle Of Life"), **challenge)
    raw = _with_challenge(HTTPDigestAuth(b"Mufasa", b"Circle Of Life"), **challenge)
    url = "http://127.0.0.1/"
    assert raw.build_digest_header("GET", url) == text.build_digest_header("GET", url)


# requests' header for the same challenge, with its random client nonce copied over.
PARITY_CHALLENGES = [
    {"realm": "r", "nonce": "n1", "qop": "auth"},
    {"realm": "r", "nonce": "n1", "qop": "auth", "opaque": "o"},
    {"realm": "r", "nonce": "n1", "qop": "auth,auth-int", "algorithm": "MD5"},
    {"realm": "r", "nonce": "n1", "qop": "auth", "algorithm": "MD5-sess"},
    {"realm": "r", "nonce": "n1", "qop": "auth", "algorithm": "SHA"},
    {"realm": "r", "nonce": "n1", "qop": "auth", "algorithm": "SHA-256", "opaque": "o"},
    {"realm": "r", "nonce": "n1", "qop": "auth", "algorithm": "sha-512"},
    {"realm": "r", "nonce": "n1"},
    {"realm": "r", "nonce": "n1", "algorithm": "SHA-256"},
    {"realm": "r", "nonce": "n1", "qop": "auth-int"},
    {"realm": "r", "nonce": "n1", "algorithm": "bogus"},
]


@pytest.mark.parametrize("challenge", PARITY_CHALLENGES)
@pytest.mark.parametrize(
    "url", ["http://127.0.0.1/", "http://127.0.0.1/a?b=c", "https://h:8443/x/y", "http://h"]
)
def test_headers_equal_requests_headers(
    fixed_cnonce: Callable[[str], None], challenge: dict[str, str], url: str
) -> None:
    theirs = requests.auth.HTTPDigestAuth("user", "pass")
    theirs.init_per_thread_state()
    theirs._thread_local.chal = dict(challenge)
    ours = _with_challenge(HTTPDigestAuth("user", "pass"), **challenge)
    for method in ("GET", "POST", "GET"):  # three uses: the nonce count must agree too
        expected = theirs.build_digest_header(method, url)
        found = re.search(r'cnonce="([0-9a-f]+)"', expected or "")
        fixed_cnonce(found.group(1) if found else "unused")
        assert ours.build_digest_header(method, url) == expected


# Digest: thread-local state -----------------------------------------------------------------


def test_state_is_per_thread() -> None:
    digest = _with_challenge(HTTPDigestAuth("u", "p"), realm="r", nonce="n", qop="auth")
    digest.build_digest_header("GET", "http://127.0.0.1/")
    seen: dict[str, object] = {}

    def other_thread() -> None:
        state = digest._thread_local
        seen.update(last_nonce=state.last_nonce, chal=dict(state.chal), count=state.nonce_count)

    worker = threading.Thread(target=other_thread)
    worker.start()
    worker.join()
    assert seen == {"last_nonce": "", "chal": {}, "count": 0}
    assert digest._thread_local.last_nonce == "n"
    assert digest._thread_local.nonce_count == 1


def test_init_per_thread_state_keeps_existing_state() -> None:
    digest = _with_challenge(HTTPDigestAuth("u", "p"), realm="r", nonce="n", qop="auth")
    digest.build_digest_header("GET", "http://127.0.0.1/")
    digest.init_per_thread_state()
    assert digest._thread_local.last_nonce == "n"
    assert digest._thread_local.init is True


# Digest: the request hook and the 401 flow ------------------------------------------------


def test_call_registers_both_hooks_and_adds_no_header_before_a_challenge() -> None:
    digest = HTTPDigestAuth("user", "pass")
    request = FakeRequest()
    assert digest(request) is request
    assert request.hooks["response"] == [digest.handle_401, digest.handle_redirect]
    assert "Authorization" not in request.headers
    assert digest._thread_local.num_401_calls == 1
    assert digest._thread_local.pos is None


@pytest.mark.parametrize("algorithm", ["MD5", "SHA-256", "SHA-512"])
def test_a_digest_challenge_is_answered_once(
    cookie_calls: list[tuple[object, ...]], algorithm: str
) -> None:
    server = DigestServer(algorithm=algorithm)
    digest = HTTPDigestAuth("user", "pass")
    request = digest(FakeRequest(url="http://127.0.0.1/protected?page=2"))
    challenged = server.handle(request)
    assert challenged.status_code == 401

    final = dispatch_hook("response", request.hooks, challenged, timeout=5, verify=False)

    assert final.status_code == 200
    assert final.history == [challenged]
    ((retried, kwargs),) = server.adapter.sent
    assert kwargs == {"timeout": 5, "verify": False}
    assert final.request is retried
    assert retried.copied_from is request
    assert "Authorization" not in request.headers  # the original request is left alone
    params = server.verified[0]
    assert (params["uri"], params["nc"], params["algorithm"]) == (
        "/protected?page=2",
        "00000001",
        algorithm,
    )
    # The challenge response is read and released before the retry.
    assert challenged.content_reads == 1
    assert challenged.closed
    # Cookies set by the 401 travel with the retry.
    assert cookie_calls == [(request._cookies, request, challenged.raw)]
    assert retried.prepared_cookies == [request._cookies]


def test_later_requests_answer_up_front_with_the_next_nonce_count(
    cookie_calls: list[tuple[object, ...]],
) -> None:
    server = DigestServer()
    digest = HTTPDigestAuth("user", "pass")
    first = digest(FakeRequest())
    dispatch_hook("response", first.hooks, server.handle(first))

    second = digest(FakeRequest(method="POST", url="http://127.0.0.1/other"))
    assert second.headers["Authorization"].startswith("Digest ")
    response = dispatch_hook("response", second.hooks, server.handle(second))

    assert response.status_code == 200
    assert len(server.adapter.sent) == 1  # no second 401 round trip
    assert [params["nc"] for params in server.verified] == ["00000001", "00000002"]
    assert server.verified[1]["uri"] == "/other"


def test_a_wrong_password_gets_one_retry_only(cookie_calls: list[tuple[object, ...]]) -> None:
    server = DigestServer(password="right")
    digest = HTTPDigestAuth("user", "wrong")
    request = digest(FakeRequest())
    final = dispatch_hook("response", request.hooks, server.handle(request))
    assert final.status_code == 401
    assert len(server.adapter.sent) == 1
    # Were the hooks run on the second 401 too, it would be handed back, not retried.
    assert digest.handle_401(final) is final
    assert len(server.adapter.sent) == 1
    # ... and the counter is reset for the next exchange.
    assert digest._thread_local.num_401_calls == 1


@pytest.mark.parametrize(
    ("status", "headers"),
    [
        (200, {}),
        (302, {"Location": "/"}),
        (500, {"WWW-Authenticate": 'Digest realm="r", nonce="n"'}),
        (401, {"WWW-Authenticate": 'Basic realm="r"'}),
        (401, {}),
    ],
)
def test_responses_without_a_digest_challenge_pass_through(
    status: int, headers: dict[str, str]
) -> None:
    digest = HTTPDigestAuth("user", "pass")
    request = digest(FakeRequest())
    adapter = FakeAdapter(lambda r: FakeResponse(200, r))
    response = FakeResponse(status, request, headers, adapter)
    digest._thread_local.num_401_calls = 2
    assert digest.handle_401(response) is response
    assert adapter.sent == []
    assert not response.closed
    assert digest._thread_local.num_401_calls == 1


def test_any_4xx_with_a_digest_challenge_is_answered(
    cookie_calls: list[tuple[object, ...]],
) -> None:
    # As requests does (psf/requests#3772): the check is 4xx plus a digest challenge.
    digest = HTTPDigestAuth("user", "pass")
    request = digest(FakeRequest())
    adapter = FakeAdapter(lambda r: FakeResponse(200, r))
    challenge = {"WWW-Authenticate": 'Digest realm="r", nonce="n", qop="auth"'}
    final = digest.handle_401(FakeResponse(403, request, challenge, adapter))
    assert final.status_code == 200
    assert len(adapter.sent) == 1


def test_the_challenge_is_parsed_with_quotes_and_case(
    cookie_calls: list[tuple[object, ...]],
) -> None:
    digest = HTTPDigestAuth("user", "pass")
    request = digest(FakeRequest())
    adapter = FakeAdapter(lambda r: FakeResponse(200, r))
    challenge = 'DIGEST realm="a, \\"quoted\\" realm", nonce="n", qop="auth", stale'
    digest.handle_401(FakeResponse(401, request, {"www-authenticate": challenge}, adapter))
    assert digest._thread_local.chal == {
        "realm": 'a, "quoted" realm',
        "nonce": "n",
        "qop": "auth",
        "stale": None,
    }


def test_an_unsupported_challenge_still_retries_without_a_header(
    cookie_calls: list[tuple[object, ...]],
) -> None:
    digest = HTTPDigestAuth("user", "pass")
    request = digest(FakeRequest())
    adapter = FakeAdapter(lambda r: FakeResponse(401, r))
    challenge = {"WWW-Authenticate": 'Digest realm="r", nonce="n", algorithm=SHA-512-256'}
    final = digest.handle_401(FakeResponse(401, request, challenge, adapter))
    ((retried, _),) = adapter.sent
    assert "Authorization" not in retried.headers
    assert final.status_code == 401


def test_a_file_body_is_rewound_for_the_retry(cookie_calls: list[tuple[object, ...]]) -> None:
    server = DigestServer()
    digest = HTTPDigestAuth("user", "pass")
    body = io.BytesIO(b"xxpayload")
    body.seek(2)  # the body starts where the caller left the file
    request = digest(FakeRequest(method="PUT", body=body))
    assert digest._thread_local.pos == 2
    body.read()  # sending consumed it
    final = dispatch_hook("response", request.hooks, server.handle(request))
    assert final.status_code == 200
    assert server.adapter.body_positions == [2]


def test_a_body_that_cannot_tell_is_not_rewound(cookie_calls: list[tuple[object, ...]]) -> None:
    class Pipe:
        def tell(self) -> int:
            raise OSError("illegal seek")

        def seek(self, position: int) -> int:  # pragma: no cover - must not be called
            raise AssertionError(f"seek({position}) on an unseekable body")

    digest = HTTPDigestAuth("user", "pass")
    request = digest(FakeRequest(method="POST", body=Pipe()))
    assert digest._thread_local.pos is None
    server = DigestServer()
    assert dispatch_hook("response", request.hooks, server.handle(request)).status_code == 200


def test_reusing_the_auth_forgets_an_earlier_body_position() -> None:
    digest = HTTPDigestAuth("user", "pass")
    digest(FakeRequest(body=io.BytesIO(b"abc")))
    assert digest._thread_local.pos == 0
    digest(FakeRequest(body=b"bytes body"))
    assert digest._thread_local.pos is None


def test_a_redirect_allows_a_new_challenge() -> None:
    digest = HTTPDigestAuth("user", "pass")
    request = digest(FakeRequest())
    digest._thread_local.num_401_calls = 2
    digest.handle_redirect(FakeResponse(200, request))
    assert digest._thread_local.num_401_calls == 2
    digest.handle_redirect(FakeResponse(301, request, is_redirect=True))
    assert digest._thread_local.num_401_calls == 1


def test_digest_equality_is_by_credentials() -> None:
    assert HTTPDigestAuth("u", "p") == HTTPDigestAuth("u", "p")
    assert HTTPDigestAuth("u", "p") != HTTPDigestAuth("u", "q")
    assert not HTTPDigestAuth("u", "p") != HTTPDigestAuth("u", "p")  # noqa: SIM202
    assert HTTPDigestAuth("u", "p") == HTTPBasicAuth("u", "p")
    assert HTTPDigestAuth("u", "p") != "u:p"
