"""Request and PreparedRequest: every prepare step, checked against requests on the same input."""

import base64
import io
import json
import pickle
import random
import sys
from collections.abc import Iterator
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from http.cookiejar import CookieJar
from typing import Any, cast

import pytest
import requests
import requests.models

from requestx import models
from requestx.cookies import RequestsCookieJar, create_cookie
from requestx.exceptions import InvalidHeader, InvalidJSONError, InvalidURL, MissingSchema
from requestx.models import PreparedRequest, Request
from requestx.structures import CaseInsensitiveDict


def prepare(**kwargs: Any) -> PreparedRequest:
    kwargs.setdefault("method", "GET")
    return Request(**kwargs).prepare()


def outcome(module: Any, url: Any, params: Any = None) -> tuple[str, str | None]:
    """(error class name or "ok", message or the prepared URL) of prepare_url."""
    prepared = module.PreparedRequest()
    try:
        prepared.prepare_url(url, params)
    except Exception as error:  # noqa: BLE001  # the error is the result being compared
        return type(error).__name__, str(error)
    return "ok", prepared.url


# --- module surface -----------------------------------------------------------------------


def test_constants_match_requests() -> None:
    assert models.REDIRECT_STATI == requests.models.REDIRECT_STATI
    assert models.DEFAULT_REDIRECT_LIMIT == requests.models.DEFAULT_REDIRECT_LIMIT == 30
    assert models.CONTENT_CHUNK_SIZE == requests.models.CONTENT_CHUNK_SIZE == 10 * 1024
    assert models.ITER_CHUNK_SIZE == requests.models.ITER_CHUNK_SIZE == 512


def test_all_names_exist() -> None:
    assert all(hasattr(models, name) for name in models.__all__)
    assert issubclass(PreparedRequest, models.RequestEncodingMixin)
    assert issubclass(PreparedRequest, models.RequestHooksMixin)
    assert issubclass(Request, models.RequestHooksMixin)


def test_reprs() -> None:
    assert repr(Request("get", "http://example.com/")) == "<Request [get]>"
    assert repr(prepare(url="http://example.com/")) == "<PreparedRequest [GET]>"
    assert repr(PreparedRequest()) == "<PreparedRequest [None]>"


def test_request_defaults() -> None:
    request = Request()
    assert request.method is None
    assert request.url is None
    assert request.headers == {}
    assert request.files == []
    assert request.data == []
    assert request.params == {}
    assert request.json is None
    assert request.auth is None
    assert request.cookies is None
    assert request.hooks == {"response": []}


# --- method -------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "expected"), [("get", "GET"), (b"post", "POST"), (None, None)])
def test_method_is_upper_cased_native_string(method: Any, expected: str | None) -> None:
    prepared = PreparedRequest()
    prepared.prepare_method(method)
    assert prepared.method == expected


# --- URL ----------------------------------------------------------------------------------

URLS: list[str | bytes] = [
    "http://example.com",
    "HTTP://Example.COM:80/a/../b?x=1#frag",
    "http://example.com:0/",
    "http://example.com:000080/path",
    "https://example.com/?a=1&b=%20c+d",
    "http://example.com/?",
    "http://example.com/#",
    "  http://example.com/leading-space",
    "http://example.com/./a/./b/../../c/",
    "http://example.com/..",
    "http://ex..ample.com/",
    "http://example.com/a b/[c]{d}|e",
    "http://example.com/%zz",
    "http://example.com/%2f%7e",
    "http://EXAMPLE.com/%e2%98%83",
    "http://example.com/\u00e4\u00f6?q=\u00fc#\u00df",
    "http://example.com\\backslash",
    "http://example.com/path;params?q",
    "http://user:pass@example.com/",
    "http://us er:p%zz@example.com/",
    "http://a@b@c.com/",
    "http://[::1]:8080/x",
    "http://[FE80::1%25eth0]/",
    "http://[::ffff:1.2.3.4]/",
    "http://1.2.3.4:1/",
    "http://ex%41mple.com/",
    "http+unix://%2Fvar%2Frun%2Fsocket/path%7E",
    b"http+unix://%2Fvar%2Frun%2Fsocket/path%7E",
    "http://localhost:-1",
    # IDNA
    "http://\u2603.net/",
    "http://xn--n3h.net/",
    "http://\u00c9XAMPLE.com/\u00fc",
    "http://bücher.de/",
    "http://straße.de/",
    "http://例え.テスト/",
    "httpx://Ünicode.com/path",
    # Non-HTTP schemes pass through untouched, whatever they hold.
    "mailto:user@example.org",
    "data:text/plain;base64,SGVsbG8=",
    b"data:SSDimaUgUHl0aG9uIQ==",
    "magnet:?xt=urn:btih:be08f00302bc2d1d3cfa3af02024fa647a271431",
    "file:///etc/hosts",
    "localhost:3128",
    "10.122.1.1:3128/",
    # Errors
    "http://",
    "http:foo",
    "http:/foo",
    "example.com",
    "//example.com/x",
    "hiwpefhipowhefopw",
    "http://*.google.com",
    "http://.example.com",
    "http://\u2603*.net/",
    "http://example.com:99999/",
    "http://example.com:655360/",
    "http://example.com:abc/",
    "http://[::1/",
    "http://[zzz]/",
    "http://exa mple.com/",
    "http://h%0a.com/",
]


@pytest.mark.parametrize("url", URLS)
def test_prepare_url_matches_requests(url: str | bytes) -> None:
    assert outcome(models, url) == outcome(requests.models, url)


@pytest.mark.parametrize(
    "params",
    [
        None,
        {},
        {"a": "b"},
        {"a": ["1", "2"], "c": None, "d": 3},
        [("k", "\u00fc"), ("k", "v")],
        (("x", "y"),),
        "x=y&z",
        b"z=1",
        {"space": "a b", "amp": "&", "plus": "+"},
        {b"bytes-key": b"bytes-value"},
    ],
)
@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/path",
        "http://example.com/p?existing=1",
        "http://example.com/#frag",
        "http+unix://%2Fvar%2Frun%2Fsocket/path",
    ],
)
def test_params_are_encoded_and_merged_like_requests(url: str, params: Any) -> None:
    assert outcome(models, url, params) == outcome(requests.models, url, params)


def test_params_append_to_existing_query_and_keep_fragment() -> None:
    prepared = prepare(url="http://example.com/p?a=1#top", params={"b": "2"})
    assert prepared.url == "http://example.com/p?a=1&b=2#top"


def test_params_are_ignored_for_non_http_schemes() -> None:
    prepared = prepare(url="mailto:someone@example.org", params={"a": "b"})
    assert prepared.url == "mailto:someone@example.org"


def test_missing_schema_message() -> None:
    with pytest.raises(MissingSchema) as caught:
        prepare(url="example.com/path")
    assert str(caught.value) == (
        "Invalid URL 'example.com/path': No scheme supplied. "
        "Perhaps you meant https://example.com/path?"
    )
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://", "Invalid URL 'http://': No host supplied"),
        ("http://*.example.com", "URL has an invalid label."),
        ("http://.example.com", "URL has an invalid label."),
        ("http://example.com:70000/", "Failed to parse: http://example.com:70000/"),
        ("http://\u2603*.net/", "Failed to parse: Name '\u2603*' is not a valid IDNA label"),
        ("httpx://\u2603*.net/", "URL has an invalid label."),
    ],
)
def test_invalid_urls(url: str, message: str) -> None:
    with pytest.raises(InvalidURL) as caught:
        prepare(url=url)
    assert str(caught.value) == message


def test_idna_hosts_are_encoded() -> None:
    assert prepare(url="http://B\u00dcCHER.de/x").url == "http://xn--bcher-kva.de/x"
    assert (
        prepare(url="http://\u4f8b\u3048.\u30c6\u30b9\u30c8/").url
        == "http://xn--r8jz45g.xn--zckzah/"
    )
    # IDNA 2008 (the idna package) refuses symbols such as the snowman, as requests does.
    with pytest.raises(InvalidURL, match="not a valid IDNA label"):
        prepare(url="http://\u2603.net/")


def test_url_objects_and_bytes_are_accepted() -> None:
    class Stringly:
        def __str__(self) -> str:
            return "http://example.com/obj"

    assert prepare(url=Stringly()).url == "http://example.com/obj"
    assert prepare(url=b"http://example.com/b\xc3\xa4").url == "http://example.com/b%C3%A4"
    with pytest.raises(MissingSchema, match="'None'"):
        prepare(url=None)


def test_idna_without_the_idna_package(monkeypatch: pytest.MonkeyPatch) -> None:
    # A None entry makes `import idna` raise ImportError: the built-in codec takes over. It
    # implements IDNA 2003, which (unlike IDNA 2008) accepts symbols such as the snowman.
    monkeypatch.setitem(sys.modules, "idna", None)
    assert prepare(url="http://B\u00dcCHER.de/x").url == "http://xn--bcher-kva.de/x"
    assert prepare(url="http://\u2603.net/").url == "http://xn--n3h.net/"
    assert prepare(url="httpx://\u2603.net/").url == "httpx://xn--n3h.net/"
    with pytest.raises(InvalidURL):
        prepare(url="http://\u2603*.net/")
    with pytest.raises(InvalidURL, match="invalid label"):
        prepare(url="httpx://\u2603*.net/")


def random_urls(count: int) -> Iterator[str]:
    rng = random.Random(20240601)  # noqa: S311  # reproducible test data, not secrets
    pieces = [*"aZ09-._~!$&'()*+,;=:@/?#[]% \t\\\"<>{}|^`", "%41", "%7e", "%2F", "%zz", "ü"]
    pieces += ["\u2603", "..", ".", "%00", "ß", "%25", "\x7f"]
    hosts = ["example.com", "EXAMPLE.com", "ex%41mple.com", "\u2603.net", "[::1]", "[FE80::1%25e]"]
    hosts += ["1.2.3.4", "", "a..b", "*.x", ".x", "bücher.de", "ex ample", "h%0a", "[::1"]
    for _ in range(count):
        scheme = rng.choice(["http://", "https://", "HTTP://", "httpx://", "", "http:"])
        auth = rng.choice(["", "u:p@", "ü:%zz@", "a b@"])
        port = rng.choice(["", ":80", ":", ":0", ":65536", ":00443", ":x", ":1234567"])
        tail = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 10)))
        yield scheme + auth + rng.choice(hosts) + port + rng.choice(["/", ""]) + tail


def test_prepare_url_agrees_with_requests_on_random_urls() -> None:
    mismatches = [
        (url, ours, theirs)
        for url in random_urls(3000)
        if (ours := outcome(models, url)) != (theirs := outcome(requests.models, url))
    ]
    assert mismatches == []


# --- headers ------------------------------------------------------------------------------


def test_headers_are_case_insensitive_and_keep_values() -> None:
    prepared = prepare(url="http://x.org/", headers={"X-Token": "abc", b"X-Bytes": b"raw"})
    assert isinstance(prepared.headers, CaseInsensitiveDict)
    assert prepared.headers["x-token"] == "abc"
    # Values keep the type they were given (typed str, as in requests' stubs).
    assert cast(Any, prepared.headers)["X-BYTES"] == b"raw"
    assert list(prepared.headers) == ["X-Token", "X-Bytes"]


@pytest.mark.parametrize(
    "headers",
    [
        {"foo": "bar\r\nbaz: qux"},
        {"foo": " leading"},
        {"fo:o": "bar"},
        {"": "empty"},
        {"foo": 1},
    ],
)
def test_invalid_headers_raise(headers: dict[str, Any]) -> None:
    with pytest.raises(InvalidHeader):
        prepare(url="http://x.org/", headers=headers)


def test_no_headers_gives_an_empty_dict() -> None:
    assert prepare(url="http://x.org/").headers == {}


# --- body ---------------------------------------------------------------------------------


def both(**kwargs: Any) -> tuple[Any, Any]:
    kwargs.setdefault("method", "POST")
    kwargs.setdefault("url", "http://example.com/post")
    return Request(**kwargs).prepare(), requests.Request(**kwargs).prepare()


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"method": "GET"},
        {"method": "HEAD"},
        {"method": "OPTIONS"},
        {"data": {"a": "1", "b": ["2", "3"], "c": None}},
        {"data": [("a", "1"), ("a", "2")]},
        {"data": (("k", "ü"),)},
        {"data": {"a": "1"}, "headers": {"Content-Type": "text/plain"}},
        {"data": "raw text ü"},
        {"data": b"raw bytes"},
        {"data": ""},
        {"data": {}},
        {"json": {"a": [1, 2.5, None, True], "ü": "é"}},
        {"json": []},
        {"json": "string"},
        {"json": {"a": 1}, "data": {"b": 2}},
        {"json": {"a": 1}, "data": {}},
        {"json": {"a": 1}, "headers": {"content-type": "application/vnd.x+json"}},
        {"data": {"a": 1}, "headers": {"Content-Length": "5"}},
        {"method": "GET", "data": "x"},
    ],
)
def test_body_matches_requests(kwargs: dict[str, Any]) -> None:
    ours, theirs = both(**kwargs)
    assert ours.body == theirs.body
    assert dict(ours.headers) == dict(theirs.headers)


def test_json_body_is_compact_utf8_bytes() -> None:
    prepared = prepare(method="POST", url="http://x.org/", json={"k": "\u00e9"})
    assert prepared.body == json.dumps({"k": "\u00e9"}).encode("utf-8")
    assert prepared.headers["Content-Type"] == "application/json"
    assert prepared.headers["Content-Length"] == str(len(prepared.body))


@pytest.mark.parametrize("value", [float("nan"), float("inf"), [float("-inf")]])
def test_json_with_nan_raises_invalid_json_error(value: Any) -> None:
    request = Request("POST", "http://x.org/", json=value)
    with pytest.raises(InvalidJSONError) as caught:
        request.prepare()
    assert isinstance(caught.value.request, PreparedRequest)
    assert isinstance(caught.value.__cause__, ValueError)


def test_json_that_cannot_be_serialised_raises_type_error() -> None:
    with pytest.raises(TypeError):
        prepare(method="POST", url="http://x.org/", json={1, 2})


def test_generator_body_is_sent_chunked() -> None:
    def chunks() -> Iterator[bytes]:
        yield b"one"
        yield b"two"

    generator = chunks()
    prepared = prepare(method="POST", url="http://x.org/", data=generator)
    assert prepared.body is generator
    assert prepared.headers["Transfer-Encoding"] == "chunked"
    assert "Content-Length" not in prepared.headers
    assert "Content-Type" not in prepared.headers


def test_iterator_with_length_is_sent_with_content_length() -> None:
    class Sized:
        def __iter__(self) -> Iterator[bytes]:
            return iter([b"abc", b"de"])

        def __len__(self) -> int:
            return 5

    prepared = prepare(method="POST", url="http://x.org/", data=Sized())
    assert prepared.headers["Content-Length"] == "5"
    assert "Transfer-Encoding" not in prepared.headers


def test_file_body_is_streamed_with_its_remaining_length_and_position() -> None:
    stream = io.BytesIO(b"0123456789")
    stream.seek(4)
    ours, theirs = both(data=stream)
    assert ours.body is stream
    assert ours.headers["Content-Length"] == "6" == theirs.headers["Content-Length"]
    assert ours._body_position == 4 == theirs._body_position


def test_empty_file_body_is_sent_chunked() -> None:
    prepared = prepare(method="POST", url="http://x.org/", data=io.BytesIO(b""))
    assert prepared.headers["Transfer-Encoding"] == "chunked"


def test_body_position_marks_a_failed_tell() -> None:
    class Pipe(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def tell(self) -> int:
            raise OSError("not seekable")

    prepared = prepare(method="POST", url="http://x.org/", data=Pipe())
    assert prepared._body_position is not None
    assert not isinstance(prepared._body_position, int)
    assert prepared.headers["Transfer-Encoding"] == "chunked"


def test_readable_object_without_iter_is_sent_as_is() -> None:
    class Reader:
        def read(self, size: int = -1) -> bytes:  # noqa: ARG002
            return b""

        def __len__(self) -> int:
            return 3

    reader = Reader()
    prepared = prepare(method="POST", url="http://x.org/", data=reader)
    assert prepared.body is reader
    assert prepared.headers["Content-Length"] == "3"
    assert "Content-Type" not in prepared.headers


def test_streamed_body_and_files_are_exclusive() -> None:
    with pytest.raises(NotImplementedError, match="mutually exclusive"):
        prepare(method="POST", url="http://x.org/", data=iter([b"x"]), files={"f": b"y"})


def test_files_with_string_data_raise() -> None:
    with pytest.raises(ValueError, match=r"Data must not be a string\."):
        prepare(method="POST", url="http://x.org/", data="a=b", files={"f": b"y"})
    with pytest.raises(ValueError, match=r"Files must be provided\."):
        PreparedRequest._encode_files({}, {})


def test_encode_params_passthrough_and_pairs() -> None:
    encode = PreparedRequest._encode_params
    assert encode("a=b") == "a=b"
    assert encode(b"a=b") == b"a=b"
    stream = io.BytesIO(b"x")
    assert encode(stream) is stream
    assert encode({"a": ["1", "2"], "b": None}) == "a=1&a=2"
    assert encode([("ü", "é")]) == "%C3%BC=%C3%A9"
    assert encode(5) == 5
    with pytest.raises(ValueError, match="not enough values to unpack"):
        encode(["ab", "c"])


# --- multipart ----------------------------------------------------------------------------


def parse_multipart(body: bytes, content_type: str) -> list[Message]:
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    assert message.is_multipart()
    return list(message.iter_parts())


def with_boundary(body: bytes, content_type: str, boundary: str) -> tuple[bytes, str]:
    own = content_type.partition("boundary=")[2]
    return body.replace(own.encode(), boundary.encode()), content_type.replace(own, boundary)


FILE_SHAPES: list[Any] = [
    {"file": ("report.csv", io.BytesIO(b"a,b\n1,2\n"))},
    {"file": ("report.csv", b"raw bytes", "text/csv")},
    {"file": ("r.bin", "text content ü", "application/octet-stream", {"X-Extra": "1"})},
    {"file": (None, b"no filename")},
    {"file": ("", b"empty filename")},
    {"file": b"just bytes"},
    {"file": "just text"},
    {"file": ('quote"d\r\nname.txt', b"x")},
    {"f\u00fcle": ("\u00fcml\u00e4ut.txt", b"x")},
    [("multi", ("a.txt", b"A")), ("multi", ("b.txt", b"B"))],
    {"file": ("a.txt", b"A", None, {"Content-Type": "ignored/x", "X-Empty": ""})},
    {"file": ("a.txt", b"A", "text/plain", {"Content-Location": "dropped"})},
    {"skipped": None, "kept": ("k.txt", b"K")},
    {"n": ("n.txt", 42)},
]


@pytest.mark.parametrize("files", FILE_SHAPES)
@pytest.mark.parametrize(
    "data",
    [None, {"field": "value", "num": 3, "many": ["1", "2"], "none": None}, [(b"b", b"\xff")]],
)
def test_multipart_is_byte_identical_to_requests_up_to_the_boundary(files: Any, data: Any) -> None:
    def fresh(value: Any) -> Any:
        # File objects are read while encoding; give each side its own copy.
        if isinstance(value, dict):
            return {key: fresh(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(fresh(item) for item in value)
        if isinstance(value, io.BytesIO):
            return io.BytesIO(value.getvalue())
        return value

    ours = PreparedRequest._encode_files(fresh(files), data)
    theirs = requests.models.PreparedRequest._encode_files(fresh(files), data)
    assert with_boundary(*ours, "B") == with_boundary(*theirs, "B")


def test_multipart_parts_parse_back() -> None:
    upload = io.BytesIO(b"\x00\x01binary\r\n--not-a-boundary\r\n")
    prepared = prepare(
        method="POST",
        url="http://x.org/",
        data={"title": "Gr\u00fc\u00dfe", "tags": ["a", "b"]},
        files={
            "upload": ("data.bin", upload, "application/octet-stream", {"X-Part": "yes"}),
            "notes": ("notes.txt", "line one\nline two"),
        },
    )
    content_type = prepared.headers["Content-Type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    assert prepared.headers["Content-Length"] == str(len(prepared.body))
    parts = parse_multipart(prepared.body, content_type)
    summary = [
        (part.get_param("name", header="content-disposition"), part.get_filename())
        for part in parts
    ]
    assert summary == [
        ("title", None),
        ("tags", None),
        ("tags", None),
        ("upload", "data.bin"),
        ("notes", "notes.txt"),
    ]
    payloads = [part.get_payload(decode=True) for part in parts]
    assert payloads[0] == "Gr\u00fc\u00dfe".encode()
    assert payloads[3] == b"\x00\x01binary\r\n--not-a-boundary\r\n"
    assert payloads[4] == b"line one\nline two"
    assert parts[3]["Content-Type"] == "application/octet-stream"
    assert parts[3]["X-Part"] == "yes"
    assert parts[4]["Content-Type"] is None


def test_multipart_filename_is_guessed_from_the_file_name(tmp_path: Any) -> None:
    path = tmp_path / "upload.txt"
    path.write_bytes(b"hello")
    with path.open("rb") as handle:
        prepared = prepare(method="POST", url="http://x.org/", files={"f": handle})
    parts = parse_multipart(prepared.body, prepared.headers["Content-Type"])
    assert parts[0].get_filename() == "upload.txt"
    assert parts[0].get_payload(decode=True) == b"hello"


@pytest.mark.parametrize("spec", [("only-a-name",), ("a", b"b", "c", {}, "extra")])
def test_multipart_file_tuples_have_two_to_four_items(spec: tuple[Any, ...]) -> None:
    with pytest.raises(ValueError, match="A file tuple is"):
        prepare(method="POST", url="http://x.org/", files={"f": spec})


def test_multipart_boundaries_are_random() -> None:
    first = prepare(method="POST", url="http://x.org/", files={"f": b"x"})
    second = prepare(method="POST", url="http://x.org/", files={"f": b"x"})
    assert first.headers["Content-Type"] != second.headers["Content-Type"]


def test_multipart_keeps_an_explicit_content_type() -> None:
    prepared = prepare(
        method="POST",
        url="http://x.org/",
        files={"f": b"x"},
        headers={"Content-Type": "multipart/related; boundary=own"},
    )
    assert prepared.headers["Content-Type"] == "multipart/related; boundary=own"


# --- auth ---------------------------------------------------------------------------------


def test_basic_auth_from_tuple() -> None:
    ours, theirs = both(url="http://x.org/", auth=("user", "p\u00e4ss"))
    assert ours.headers["Authorization"] == theirs.headers["Authorization"]
    assert ours.headers["Authorization"].startswith("Basic ")


def test_basic_auth_from_the_url() -> None:
    ours, theirs = both(url="http://us%40er:p%3Ass@x.org/")
    assert ours.headers["Authorization"] == theirs.headers["Authorization"]
    expected = "Basic " + base64.b64encode(b"us@er:p:ss").decode()
    assert ours.headers["Authorization"] == expected


def test_explicit_auth_wins_over_url_credentials() -> None:
    prepared = prepare(url="http://a:b@x.org/", auth=("c", "d"))
    assert prepared.headers["Authorization"] == "Basic Yzpk"


def test_auth_callable_runs_last_and_content_length_is_recomputed() -> None:
    seen: dict[str, Any] = {}

    def signer(request: PreparedRequest) -> PreparedRequest:
        seen["body"] = request.body
        seen["content-type"] = request.headers.get("Content-Type")
        request.body = "signed:" + request.body
        request.headers["X-Signature"] = "sig"
        return request

    prepared = prepare(method="POST", url="http://x.org/", data={"a": "b"}, auth=signer)
    assert seen == {"body": "a=b", "content-type": "application/x-www-form-urlencoded"}
    assert prepared.headers["X-Signature"] == "sig"
    assert prepared.headers["Content-Length"] == str(len(b"signed:a=b"))


def test_auth_may_return_another_request_whose_state_is_taken() -> None:
    def replacing(request: PreparedRequest) -> PreparedRequest:
        other = request.copy()
        other.headers["X-Replaced"] = "1"
        return other

    prepared = prepare(url="http://x.org/", auth=replacing)
    assert prepared.headers["X-Replaced"] == "1"


def test_auth_handlers_can_register_hooks() -> None:
    def hook(response: Any, **kwargs: Any) -> None:
        return None

    def auth(request: PreparedRequest) -> PreparedRequest:
        request.register_hook("response", hook)
        return request

    def user_hook(response: Any, **kwargs: Any) -> None:
        return None

    prepared = prepare(url="http://x.org/", auth=auth, hooks={"response": user_hook})
    assert prepared.hooks["response"] == [hook, user_hook]


# --- cookies ------------------------------------------------------------------------------


def test_cookies_from_a_dict() -> None:
    ours, theirs = both(url="http://x.org/", cookies={"a": "1", "b": "2"})
    assert ours.headers["Cookie"] == theirs.headers["Cookie"] == "a=1; b=2"
    assert isinstance(ours._cookies, RequestsCookieJar)


def test_cookies_from_a_jar_respect_domain_and_path() -> None:
    jar = CookieJar()
    jar.set_cookie(create_cookie("here", "1", domain="x.org", path="/"))
    jar.set_cookie(create_cookie("elsewhere", "2", domain="other.org", path="/"))
    jar.set_cookie(create_cookie("deeper", "3", domain="x.org", path="/deep"))
    prepared = prepare(url="http://x.org/", cookies=jar)
    assert prepared.headers["Cookie"] == "here=1"
    assert prepared._cookies is jar


def test_existing_cookie_header_is_not_replaced() -> None:
    prepared = prepare(url="http://x.org/", headers={"Cookie": "mine=1"}, cookies={"jar": "2"})
    assert prepared.headers["Cookie"] == "mine=1"


def test_no_cookies_no_header() -> None:
    prepared = prepare(url="http://x.org/")
    assert "Cookie" not in prepared.headers
    assert isinstance(prepared._cookies, RequestsCookieJar)
    assert len(prepared._cookies) == 0


# --- hooks --------------------------------------------------------------------------------


def hook_a(response: Any, **kwargs: Any) -> None:
    return None


def hook_b(response: Any, **kwargs: Any) -> None:
    return None


def test_hooks_given_to_request_reach_the_prepared_request() -> None:
    hooks: Any = {"response": [hook_a, "not callable", hook_b]}
    request = Request("GET", "http://x.org/", hooks=hooks)
    assert request.hooks["response"] == [hook_a, hook_b]
    assert request.prepare().hooks["response"] == [hook_a, hook_b]


def test_register_and_deregister_hook() -> None:
    prepared = PreparedRequest()
    prepared.register_hook("response", hook_a)
    prepared.register_hook("response", (hook_b,))
    assert prepared.hooks["response"] == [hook_a, hook_b]
    assert prepared.deregister_hook("response", hook_a) is True
    assert prepared.deregister_hook("response", hook_a) is False
    assert prepared.hooks["response"] == [hook_b]


def test_unknown_hook_event_raises() -> None:
    with pytest.raises(ValueError, match='Unsupported event specified, with event name "nope"'):
        Request(hooks={"nope": hook_a})


# --- copy, path_url, pickling -------------------------------------------------------------


def test_copy_has_own_headers_and_cookies_but_shares_body_and_hooks() -> None:
    body = io.BytesIO(b"data")
    prepared = prepare(
        method="POST",
        url="http://x.org/",
        data=body,
        cookies={"c": "1"},
        hooks={"response": hook_a},
    )
    duplicate = prepared.copy()
    assert (duplicate.method, duplicate.url, duplicate.body) == ("POST", "http://x.org/", body)
    assert duplicate.headers == prepared.headers
    assert duplicate.headers is not prepared.headers
    assert duplicate._cookies is not prepared._cookies
    assert isinstance(duplicate._cookies, RequestsCookieJar)
    assert duplicate._cookies.get_dict() == {"c": "1"}
    assert duplicate.hooks is prepared.hooks
    assert duplicate._body_position == prepared._body_position == 0
    duplicate.headers["X-New"] = "1"
    assert "X-New" not in prepared.headers


def test_copy_of_an_unprepared_request() -> None:
    duplicate = PreparedRequest().copy()
    assert cast(Any, duplicate.headers) is None
    assert duplicate._cookies is None


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("http://x.org", "/"),
        ("http://x.org/a/b", "/a/b"),
        ("http://x.org/a?b=c", "/a?b=c"),
        ("http://x.org/a?b=c#frag", "/a?b=c"),
        ("http://x.org?q", "/?q"),
    ],
)
def test_path_url(url: str, path: str) -> None:
    prepared = PreparedRequest()
    prepared.url = url
    assert prepared.path_url == path


def test_prepared_request_pickles() -> None:
    prepared = prepare(method="POST", url="http://x.org/", data={"a": "b"}, cookies={"c": "d"})
    restored = pickle.loads(pickle.dumps(prepared))  # noqa: S301  # our own data
    assert (restored.method, restored.url, restored.body) == (
        prepared.method,
        prepared.url,
        prepared.body,
    )
    assert restored.headers == prepared.headers


def test_prepare_steps_can_be_run_by_hand() -> None:
    prepared = PreparedRequest()
    prepared.prepare_method("put")
    prepared.prepare_url("http://x.org/r", {"q": "1"})
    prepared.prepare_headers({"Accept": "*/*"})
    prepared.prepare_cookies(None)
    prepared.prepare_body({"a": "b"}, None)
    prepared.prepare_auth(None)
    prepared.prepare_hooks(None)
    assert prepared.url == "http://x.org/r?q=1"
    assert prepared.body == "a=b"
    assert prepared.headers == {
        "Accept": "*/*",
        "Content-Length": "3",
        "Content-Type": "application/x-www-form-urlencoded",
    }
