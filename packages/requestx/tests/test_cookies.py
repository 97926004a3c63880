"""requestx.cookies: the dict-like jar, the CookieJar adapters, and the helper functions.

Where requests defines the behaviour, results are cross-checked against requests itself on
the same inputs. No test touches the network: responses are built from header values.
"""

from __future__ import annotations

import copy
import http.client
import io
import pickle
import time
from collections.abc import Iterator
from http.cookiejar import Cookie, CookieJar, DefaultCookiePolicy, LWPCookieJar
from http.cookies import Morsel
from typing import Any

import pytest
import requests
import requests.cookies

from requestx import cookies
from requestx.cookies import (
    CookieConflictError,
    MockRequest,
    MockResponse,
    RequestsCookieJar,
    cookiejar_from_dict,
    create_cookie,
    extract_cookies_to_jar,
    get_cookie_header,
    merge_cookies,
    morsel_to_cookie,
    remove_cookie_by_name,
)
from requestx.structures import CaseInsensitiveDict

# --- stand-ins for requests and responses -------------------------------------------------


class FakeRequest:
    """The two attributes the cookie code reads from a prepared request."""

    def __init__(self, url: str, headers: dict[str, Any] | None = None) -> None:
        self.url = url
        self.headers: CaseInsensitiveDict[Any] = CaseInsensitiveDict(headers or {})


def http_message(set_cookies: list[str]) -> http.client.HTTPMessage:
    raw = "".join(f"Set-Cookie: {value}\r\n" for value in set_cookies) + "\r\n"
    return http.client.parse_headers(io.BytesIO(raw.encode("latin-1")))


class RequestsStyleRaw:
    """requests' contract: a urllib3 response wrapping an http.client response."""

    def __init__(self, set_cookies: list[str]) -> None:
        self._original_response = type("Original", (), {"msg": http_message(set_cookies)})()


class GetlistHeaders:
    """urllib3's HTTPHeaderDict / werkzeug's Headers shape."""

    def __init__(self, values: dict[str, list[str]]) -> None:
        self._values = {k.lower(): v for k, v in values.items()}

    def getlist(self, name: str) -> list[str]:
        return self._values.get(name.lower(), [])


class GetListHeaders:
    """httpx's Headers shape."""

    def __init__(self, values: dict[str, list[str]]) -> None:
        self._values = {k.lower(): v for k, v in values.items()}

    def get_list(self, name: str) -> list[str]:
        return self._values.get(name.lower(), [])


class GetallHeaders:
    """multidict's (aiohttp's) shape."""

    def __init__(self, values: dict[str, list[str]]) -> None:
        self._values = {k.lower(): v for k, v in values.items()}

    def getall(self, name: str, default: Any = None) -> Any:
        return self._values.get(name.lower(), default)


class WithHeaders:
    def __init__(self, headers: Any) -> None:
        self.headers = headers


def names_and_values(jar: CookieJar) -> list[tuple[str, str | None, str, str]]:
    return sorted((c.name, c.value, c.domain, c.path) for c in jar)


SITE = "http://www.example.com/app/page"


# --- RequestsCookieJar: the dict interface ------------------------------------------------


def test_jar_is_a_cookiejar_and_iterates_over_cookies() -> None:
    jar = RequestsCookieJar()
    jar.set("a", "1")
    assert isinstance(jar, CookieJar)
    assert [type(c) for c in jar] == [Cookie]


def test_set_and_get_with_domain_and_path() -> None:
    jar = RequestsCookieJar()
    jar.set("token", "one", domain="a.example", path="/x")
    jar.set("token", "two", domain="b.example", path="/y")
    assert jar.get("token", domain="a.example") == "one"
    assert jar.get("token", domain="b.example", path="/y") == "two"
    assert jar.get("token", domain="b.example", path="/x") is None
    assert jar.get("missing", "fallback") == "fallback"


def test_ambiguous_name_raises_cookie_conflict_error() -> None:
    jar = RequestsCookieJar()
    jar.set("token", "one", domain="a.example")
    jar.set("token", "two", domain="b.example")
    assert issubclass(CookieConflictError, RuntimeError)
    with pytest.raises(CookieConflictError):
        jar.get("token")
    with pytest.raises(CookieConflictError):
        jar["token"]
    # Ambiguous, but certainly present.
    assert "token" in jar
    assert len(jar.items()) == 2


def test_same_name_different_path_also_conflicts() -> None:
    jar = RequestsCookieJar()
    jar.set("k", "v", path="some_path")
    jar.set("k", "v")
    with pytest.raises(CookieConflictError):
        jar.get("k")


def test_item_access() -> None:
    jar = RequestsCookieJar()
    jar["a"] = "1"
    assert jar["a"] == "1"
    assert "a" in jar
    assert "b" not in jar
    with pytest.raises(KeyError):
        jar["b"]
    del jar["a"]
    assert "a" not in jar
    assert len(jar) == 0


def test_empty_string_value_is_a_value() -> None:
    # requests 2.32 reported "" as missing; 2.33 fixed it and requestx follows the fix.
    jar = RequestsCookieJar()
    jar["empty"] = ""
    assert jar["empty"] == ""
    assert jar.get("empty", "default") == ""


def test_cookie_without_value_counts_as_missing() -> None:
    jar = RequestsCookieJar()
    jar.set_cookie(create_cookie("flag", None))  # type: ignore[arg-type]
    assert jar.get("flag", "default") == "default"
    with pytest.raises(KeyError):
        jar["flag"]


def test_setting_none_deletes_and_honours_domain() -> None:
    jar = RequestsCookieJar()
    jar.set("k", "1", domain="a.example")
    jar.set("k", "2", domain="b.example")
    assert jar.set("k", None, domain="a.example") is None
    assert jar.get_dict() == {"k": "2"}
    jar["k"] = None
    assert len(jar) == 0


def test_set_returns_the_cookie_and_passes_attributes() -> None:
    jar = RequestsCookieJar()
    cookie = jar.set("some_cookie", "v", secure=True, domain="test.com", rest={"HttpOnly": True})
    assert cookie is not None
    assert len(jar) == 1
    assert "some_cookie" in jar
    stored = next(iter(jar))
    assert stored.secure is True
    assert stored.domain == "test.com"
    assert stored._rest["HttpOnly"] is True  # type: ignore[attr-defined]


def test_set_with_a_morsel() -> None:
    morsel: Morsel[str] = Morsel()
    morsel.set("sid", "abc", "abc")
    morsel["domain"] = "example.com"
    morsel["path"] = "/p"
    jar = RequestsCookieJar()
    jar.set("ignored-name", morsel)
    (cookie,) = iter(jar)  # list(jar) would type as list[str], from the Mapping base
    assert (cookie.name, cookie.value, cookie.domain, cookie.path) == (
        "sid",
        "abc",
        "example.com",
        "/p",
    )


def test_keys_values_items_are_reusable_lists() -> None:
    jar = RequestsCookieJar()
    jar.set("a", "1")
    jar.set("b", "2")
    for view in (jar.keys(), jar.values(), jar.items()):
        assert isinstance(view, list)
        assert list(view) == list(view)
    assert jar.keys() == ["a", "b"]
    assert jar.values() == ["1", "2"]
    assert jar.items() == [("a", "1"), ("b", "2")]
    assert list(jar.iterkeys()) == ["a", "b"]
    assert list(jar.itervalues()) == ["1", "2"]
    assert list(jar.iteritems()) == [("a", "1"), ("b", "2")]
    assert dict(jar) == dict(jar.iteritems()) == dict(jar.items()) == {"a": "1", "b": "2"}


def test_list_domains_paths_and_multiple_domains() -> None:
    jar = RequestsCookieJar()
    jar.set("a", "1", domain="one.example", path="/")
    assert not jar.multiple_domains()
    jar.set("b", "2", domain="two.example", path="/x")
    # requests' semantics: True only when a domain repeats.
    assert not jar.multiple_domains()
    jar.set("c", "3", domain="one.example", path="/x")
    assert jar.multiple_domains()
    assert jar.list_domains() == ["one.example", "two.example"]
    assert sorted(jar.list_paths()) == ["/", "/x"]


@pytest.mark.parametrize(
    ("domain", "path"),
    [(None, None), ("one.example", None), (None, "/x"), ("two.example", "/x"), ("nope", None)],
)
def test_get_dict_matches_requests(domain: str | None, path: str | None) -> None:
    ours, theirs = RequestsCookieJar(), requests.cookies.RequestsCookieJar()
    for jar in (ours, theirs):
        jar.set("a", "1", domain="one.example", path="/")
        jar.set("b", "2", domain="two.example", path="/x")
        jar.set("c", "3", domain="one.example", path="/x")
    assert ours.get_dict(domain, path) == theirs.get_dict(domain, path)
    assert ours.list_domains() == theirs.list_domains()
    assert ours.list_paths() == theirs.list_paths()
    assert ours.multiple_domains() == theirs.multiple_domains()


def test_mutable_mapping_helpers_work() -> None:
    jar = RequestsCookieJar()
    jar["a"] = "1"
    assert jar.setdefault("a", "other") == "1"
    assert jar.pop("a") == "1"
    assert len(jar) == 0


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('"plain"', '"plain"'),
        ('"with \\"escaped\\" quotes"', '"with escaped quotes"'),
        ('not "quoted"', 'not "quoted"'),
        ("bare", "bare"),
    ],
)
def test_set_cookie_drops_escaped_quotes_like_requests(raw: str, expected: str) -> None:
    ours, theirs = RequestsCookieJar(), requests.cookies.RequestsCookieJar()
    ours.set_cookie(create_cookie("q", raw))
    theirs.set_cookie(requests.cookies.create_cookie("q", raw))
    assert ours["q"] == theirs["q"] == expected


def test_update_from_jar_copies_cookies_and_from_dict() -> None:
    source = CookieJar()
    source.set_cookie(create_cookie("a", "1", domain="example.com"))
    jar = RequestsCookieJar()
    jar.update(source)
    jar.update({"b": "2"})
    assert jar.get_dict() == {"a": "1", "b": "2"}
    # Copies, not shared objects: changing one jar's cookie leaves the other alone.
    next(c for c in jar if c.name == "a").value = "changed"
    assert next(iter(source)).value == "1"


def test_copy_keeps_policy_and_is_independent() -> None:
    class MyPolicy(DefaultCookiePolicy):
        pass

    jar = RequestsCookieJar()
    jar.set_policy(MyPolicy())
    jar["a"] = "1"
    clone = jar.copy()
    assert isinstance(clone, RequestsCookieJar)
    assert isinstance(clone.get_policy(), MyPolicy)
    clone["b"] = "2"
    assert "b" not in jar
    assert clone.get_dict() == {"a": "1", "b": "2"}


def test_pickle_round_trip_keeps_cookies_and_a_working_lock() -> None:
    jar = RequestsCookieJar()
    jar.set("a", "1", domain="example.com", path="/p")
    restored = pickle.loads(pickle.dumps(jar))  # noqa: S301  # our own data
    assert isinstance(restored, RequestsCookieJar)
    assert restored.get("a", domain="example.com", path="/p") == "1"
    restored["b"] = "2"  # needs the recreated lock
    assert sorted(restored.keys()) == ["a", "b"]
    assert "_cookies_lock" not in jar.__getstate__()


def test_plain_cookiejar_cannot_be_pickled_but_ours_can() -> None:
    with pytest.raises(TypeError):
        pickle.dumps(CookieJar())
    pickle.dumps(RequestsCookieJar())


# --- create_cookie and morsel_to_cookie ---------------------------------------------------


def cookie_attrs(cookie: Cookie) -> dict[str, Any]:
    return dict(vars(cookie))


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"domain": ".example.com"},
        {"domain": "example.com", "path": "/x", "secure": True},
        {"port": "8080", "expires": 2_000_000_000, "discard": False},
        {"path": "", "comment": "c", "comment_url": "http://c", "rest": {"HttpOnly": True}},
        {"version": 1, "rfc2109": True},
    ],
)
def test_create_cookie_matches_requests(kwargs: dict[str, Any]) -> None:
    ours = create_cookie("n", "v", **kwargs)
    theirs = requests.cookies.create_cookie("n", "v", **kwargs)
    assert cookie_attrs(ours) == cookie_attrs(theirs)


def test_create_cookie_defaults_make_a_supercookie() -> None:
    cookie = create_cookie("n", "v")
    assert (cookie.domain, cookie.path, cookie.version) == ("", "/", 0)
    assert not cookie.domain_specified
    assert cookie.path_specified
    assert cookie.discard


def test_create_cookie_rejects_unknown_arguments() -> None:
    with pytest.raises(TypeError, match="unexpected keyword arguments"):
        create_cookie("n", "v", colour="blue")


def test_create_cookie_does_not_share_rest_between_cookies() -> None:
    first, second = create_cookie("a", "1"), create_cookie("b", "2")
    first._rest["HttpOnly"] = True  # type: ignore[attr-defined]
    assert second._rest == {"HttpOnly": None}  # type: ignore[attr-defined]


def make_morsel(**attrs: Any) -> Morsel[str]:
    morsel: Morsel[str] = Morsel()
    morsel.set("name", "value", "value")
    for key, value in attrs.items():
        morsel[key.replace("_", "-")] = value
    return morsel


def test_morsel_expires_in_netscape_form() -> None:
    assert morsel_to_cookie(make_morsel(expires="Thu, 01-Jan-1970 00:00:01 GMT")).expires == 1


def test_morsel_expires_in_rfc1123_form_is_accepted_too() -> None:
    # requests raises ValueError here; it is the form http.cookies writes itself.
    assert morsel_to_cookie(make_morsel(expires="Thu, 01 Jan 1970 00:00:01 GMT")).expires == 1


@pytest.mark.parametrize(("value", "error"), [(100, TypeError), ("woops", ValueError)])
def test_morsel_invalid_expires(value: Any, error: type[Exception]) -> None:
    with pytest.raises(error):
        morsel_to_cookie(make_morsel(expires=value))
    with pytest.raises(error):
        requests.cookies.morsel_to_cookie(make_morsel(expires=value))


def test_morsel_without_expires() -> None:
    assert morsel_to_cookie(make_morsel()).expires is None


def test_morsel_max_age_becomes_an_absolute_time_and_wins() -> None:
    before = int(time.time())
    cookie = morsel_to_cookie(make_morsel(max_age=60, expires="Thu, 01-Jan-1970 00:00:01 GMT"))
    assert isinstance(cookie.expires, int)
    assert before + 60 <= cookie.expires <= int(time.time()) + 60


def test_morsel_invalid_max_age_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        morsel_to_cookie(make_morsel(max_age="woops"))


def test_morsel_attributes_match_requests() -> None:
    morsel = make_morsel(domain="example.com", path="/p", secure=True, httponly=True, comment="c")
    ours, theirs = morsel_to_cookie(morsel), requests.cookies.morsel_to_cookie(morsel)
    ours_attrs, theirs_attrs = cookie_attrs(ours), cookie_attrs(theirs)
    # requests stores bool(comment) as the comment URL; a Morsel has no such URL.
    assert ours_attrs.pop("comment_url") is None
    theirs_attrs.pop("comment_url")
    assert ours_attrs == theirs_attrs


def test_morsel_version_is_an_int_on_the_cookie() -> None:
    assert morsel_to_cookie(make_morsel(version="1")).version == 1
    assert morsel_to_cookie(make_morsel()).version == 0


# --- cookiejar_from_dict, merge_cookies, remove_cookie_by_name ----------------------------


def test_cookiejar_from_dict_makes_a_requests_cookie_jar() -> None:
    jar = cookiejar_from_dict({"a": "1", "b": "2"})
    assert isinstance(jar, RequestsCookieJar)
    assert jar.get_dict() == {"a": "1", "b": "2"}
    assert len(cookiejar_from_dict(None)) == 0


def test_cookiejar_from_dict_fills_a_given_jar_of_any_class() -> None:
    plain = LWPCookieJar()
    assert cookiejar_from_dict({"a": "1"}, plain) is plain
    assert [c.name for c in plain] == ["a"]


def test_cookiejar_from_dict_overwrite_flag() -> None:
    jar = cookiejar_from_dict({"a": "old"})
    cookiejar_from_dict({"a": "new", "b": "2"}, jar, overwrite=False)
    assert jar.get_dict() == {"a": "old", "b": "2"}
    cookiejar_from_dict({"a": "new"}, jar, True)
    assert jar["a"] == "new"


def test_merge_cookies_refuses_non_jars() -> None:
    with pytest.raises(ValueError, match="only merge into CookieJar"):
        merge_cookies({"a": "1"}, {"b": "2"})  # type: ignore[arg-type]


def test_merge_cookies_dict_does_not_overwrite() -> None:
    jar = cookiejar_from_dict({"a": "old"})
    merged = merge_cookies(jar, {"a": "new", "b": "2"})
    assert merged is jar
    assert jar.get_dict() == {"a": "old", "b": "2"}


@pytest.mark.parametrize("target_class", [RequestsCookieJar, CookieJar])
def test_merge_cookies_from_a_jar(target_class: type[CookieJar]) -> None:
    target = target_class()
    target.set_cookie(create_cookie("a", "old"))
    merge_cookies(target, cookiejar_from_dict({"a": "new", "b": "2"}))
    assert {c.name: c.value for c in target} == {"a": "new", "b": "2"}


def test_merge_cookies_with_none_changes_nothing() -> None:
    jar = cookiejar_from_dict({"a": "1"})
    assert merge_cookies(jar, None).get_dict() == {"a": "1"}  # type: ignore[attr-defined]


def test_remove_cookie_by_name_filters_by_domain_and_path() -> None:
    jar = CookieJar()
    for domain, path in [("a.example", "/"), ("a.example", "/x"), ("b.example", "/")]:
        jar.set_cookie(create_cookie("k", "v", domain=domain, path=path))
    jar.set_cookie(create_cookie("other", "v", domain="a.example"))
    remove_cookie_by_name(jar, "k", domain="a.example", path="/x")
    assert len(jar) == 3
    remove_cookie_by_name(jar, "k", domain="a.example")
    assert sorted((c.name, c.domain) for c in jar) == [("k", "b.example"), ("other", "a.example")]
    remove_cookie_by_name(jar, "k")
    assert [c.name for c in jar] == ["other"]


def test_copy_cookie_jar_keeps_class_and_copies_cookies() -> None:
    assert cookies._copy_cookie_jar(None) is None
    ours = cookiejar_from_dict({"a": "1"})
    ours_copy = cookies._copy_cookie_jar(ours)
    assert isinstance(ours_copy, RequestsCookieJar)
    plain = LWPCookieJar("cookies.txt")
    plain.set_cookie(create_cookie("a", "1"))
    plain_copy = cookies._copy_cookie_jar(plain)
    assert isinstance(plain_copy, LWPCookieJar)
    assert plain_copy.filename == "cookies.txt"
    plain_copy.set_cookie(create_cookie("b", "2"))
    next(iter(plain_copy)).value = "changed"
    assert [(c.name, c.value) for c in plain] == [("a", "1")]


# --- MockRequest / MockResponse -----------------------------------------------------------


def test_mock_request_exposes_what_cookiejar_reads() -> None:
    mock = MockRequest(FakeRequest("https://Example.com:8443/a?b=c", {"Accept": "x"}))
    assert mock.type == mock.get_type() == "https"
    assert mock.host == mock.get_host() == "Example.com:8443"
    assert mock.origin_req_host == mock.get_origin_req_host() == "Example.com:8443"
    assert mock.get_full_url() == "https://Example.com:8443/a?b=c"
    assert mock.unverifiable is mock.is_unverifiable() is True
    assert mock.has_header("accept")
    assert not mock.has_header("Cookie")
    assert mock.get_header("Accept") == "x"
    assert mock.get_header("Missing", "d") == "d"
    mock.add_unredirected_header("Cookie", "a=1")
    assert mock.has_header("Cookie")
    assert mock.get_header("Cookie") == "a=1"
    assert mock.get_new_headers() == {"Cookie": "a=1"}
    with pytest.raises(NotImplementedError):
        mock.add_header("Cookie", "a=1")


@pytest.mark.parametrize("host", ["other.example:81", b"other.example:81"])
def test_mock_request_full_url_follows_the_host_header(host: str | bytes) -> None:
    mock = MockRequest(FakeRequest("http://10.0.0.1/p;x?q=1#f", {"Host": host}))
    assert mock.get_full_url() == "http://other.example:81/p;x?q=1#f"
    theirs = requests.cookies.MockRequest(
        requests.Request("GET", "http://10.0.0.1/p;x?q=1#f", headers={"Host": host}).prepare()
    )
    assert mock.get_full_url() == theirs.get_full_url()


def test_mock_response() -> None:
    message = http_message(["a=1", "b=2"])
    mock = MockResponse(message)
    assert mock.info() is message
    assert mock.getheaders("Set-Cookie") == ["a=1", "b=2"]


# --- get_cookie_header --------------------------------------------------------------------


def test_get_cookie_header_applies_domain_path_and_secure_rules() -> None:
    jar = RequestsCookieJar()
    jar.set("everywhere", "1")
    jar.set("scoped", "2", domain="www.example.com", path="/app")
    jar.set("elsewhere", "3", domain="other.example", path="/")
    jar.set("secret", "4", domain="www.example.com", path="/", secure=True)
    header = get_cookie_header(jar, FakeRequest(SITE))
    assert header is not None
    assert sorted(header.split("; ")) == ["everywhere=1", "scoped=2"]
    https_header = get_cookie_header(jar, FakeRequest(SITE.replace("http:", "https:")))
    assert https_header is not None
    assert "secret=4" in https_header.split("; ")
    assert get_cookie_header(RequestsCookieJar(), FakeRequest(SITE)) is None


def test_get_cookie_header_matches_requests() -> None:
    ours, theirs = RequestsCookieJar(), requests.cookies.RequestsCookieJar()
    for jar in (ours, theirs):
        jar.set("a", "1")
        jar.set("b", "2", domain="www.example.com", path="/app")
        jar.set("c", "3", domain=".example.com", path="/")
    prepared = requests.Request("GET", SITE).prepare()
    assert get_cookie_header(ours, FakeRequest(SITE)) == requests.cookies.get_cookie_header(
        theirs, prepared
    )


# --- extract_cookies_to_jar: every response contract --------------------------------------

SET_COOKIES = [
    "session=abc; Path=/; HttpOnly",
    "theme=dark; Expires=Wed, 21 Oct 2037 07:28:00 GMT; Path=/app",
    'quoted="a b"; Domain=example.com',
    "foreign=x; Domain=other.example",  # rejected by the policy: not this site's domain
    "gone=1; Max-Age=0",
]


def expected_from_requests(set_cookies: list[str], url: str = SITE) -> Any:
    jar = requests.cookies.RequestsCookieJar()
    prepared = requests.Request("GET", url).prepare()
    requests.cookies.extract_cookies_to_jar(jar, prepared, RequestsStyleRaw(set_cookies))
    return names_and_values(jar)


def response_shapes(set_cookies: list[str]) -> Iterator[tuple[str, Any]]:
    by_name = {"Set-Cookie": set_cookies}
    yield "requests raw", RequestsStyleRaw(set_cookies)
    yield "list", list(set_cookies)
    yield "tuple", tuple(set_cookies)
    yield "bytes list", [v.encode("latin-1") for v in set_cookies]
    yield "headers.get_all", WithHeaders(http_message(set_cookies))
    yield "headers.getlist", WithHeaders(GetlistHeaders(by_name))
    yield "headers.get_list", WithHeaders(GetListHeaders(by_name))
    yield "headers.getall", WithHeaders(GetallHeaders(by_name))
    yield "plain dict of lists", WithHeaders({"set-cookie": list(set_cookies)})
    yield "CaseInsensitiveDict of lists", WithHeaders(CaseInsensitiveDict(by_name))


@pytest.mark.parametrize(
    ("shape", "response"), list(response_shapes(SET_COOKIES)), ids=lambda v: str(v)[:30]
)
def test_extract_cookies_from_every_response_shape(shape: str, response: Any) -> None:
    jar = RequestsCookieJar()
    extract_cookies_to_jar(jar, FakeRequest(SITE), response)
    assert names_and_values(jar) == expected_from_requests(SET_COOKIES), shape
    assert {c.name for c in jar} == {"session", "theme", "quoted"}


def test_extract_single_value_shapes() -> None:
    for response in ("a=1", b"a=1", WithHeaders({"Set-Cookie": "a=1"})):
        jar = RequestsCookieJar()
        extract_cookies_to_jar(jar, FakeRequest(SITE), response)
        assert jar.get_dict() == {"a": "1"}


def test_extract_ignores_responses_without_headers() -> None:
    jar = RequestsCookieJar()
    for response in (object(), None, WithHeaders(None), WithHeaders(42)):
        extract_cookies_to_jar(jar, FakeRequest(SITE), response)
    assert len(jar) == 0


def test_original_response_wins_over_headers() -> None:
    response = RequestsStyleRaw(["from_original=1"])
    response.headers = GetlistHeaders({"Set-Cookie": ["from_headers=1"]})  # type: ignore[attr-defined]
    jar = RequestsCookieJar()
    extract_cookies_to_jar(jar, FakeRequest(SITE), response)
    assert jar.keys() == ["from_original"]


def test_empty_original_response_falls_back_to_headers() -> None:
    response = WithHeaders(GetlistHeaders({"Set-Cookie": ["a=1"]}))
    response._original_response = None  # type: ignore[attr-defined]
    jar = RequestsCookieJar()
    extract_cookies_to_jar(jar, FakeRequest(SITE), response)
    assert jar.keys() == ["a"]


def test_extract_into_a_plain_cookiejar_and_send_back() -> None:
    jar = CookieJar()
    extract_cookies_to_jar(jar, FakeRequest(SITE), ["a=1; Path=/", "b=2; Path=/app"])
    header = get_cookie_header(jar, FakeRequest("http://www.example.com/app/x"))
    assert header is not None
    assert sorted(header.split("; ")) == ["a=1", "b=2"]
    assert get_cookie_header(jar, FakeRequest("http://www.example.com/")) == "a=1"


@pytest.mark.parametrize(
    "set_cookies",
    [
        ["a=1"],
        ["a=1; Domain=.example.com", "b=2; Domain=www.example.com; Secure"],
        ["a=1; Path=/app/page/deeper", "a=2; Path=/app"],
        ["weird=; Path=/", "noequals"],
        ["x=1; Expires=Thu, 01-Jan-1970 00:00:01 GMT"],
        ['v="quoted \\"inner\\" value"'],
    ],
)
def test_extract_matches_requests(set_cookies: list[str]) -> None:
    jar = RequestsCookieJar()
    extract_cookies_to_jar(jar, FakeRequest(SITE), set_cookies)
    assert names_and_values(jar) == expected_from_requests(set_cookies)


def test_extract_respects_the_host_header() -> None:
    jar = RequestsCookieJar()
    request = FakeRequest("http://10.0.0.1/", {"Host": "www.example.com"})
    extract_cookies_to_jar(jar, request, ["a=1; Domain=example.com"])
    assert jar.list_domains() == [".example.com"]


def test_cookie_objects_survive_deepcopy_of_jar() -> None:
    jar = cookiejar_from_dict({"a": "1"})
    clone = copy.deepcopy(jar)
    clone["a"] = "2"
    assert jar["a"] == "1"
