"""requestx.utils: the requests.utils helpers, checked on their own and against requests.

Most functions are pure, so besides hand-picked cases each is run on many generated inputs
next to ``requests.utils`` and must give the same answer. Nothing resolves a name or opens a
socket: proxy tests set the environment through ``monkeypatch``, netrc tests write files
under ``tmp_path``, and the Windows registry is a stand-in module.
"""

from __future__ import annotations

import codecs
import filecmp
import io
import itertools
import os
import pickle
import random
import sys
import tarfile
import types
import zipfile
from collections import OrderedDict
from contextlib import AbstractContextManager
from http.cookiejar import CookieJar
from netrc import NetrcParseError
from pathlib import Path
from typing import Any
from unittest import mock
from urllib.parse import quote

import pytest
import requests
import requests.utils as ref  # the reference implementation
from urllib3.exceptions import LocationParseError

from requestx import _requestx, utils
from requestx.cookies import RequestsCookieJar
from requestx.exceptions import FileModeWarning, InvalidHeader, InvalidURL, UnrewindableBodyError
from requestx.structures import CaseInsensitiveDict
from requestx.utils import (
    _parse_content_type_header,
    add_dict_to_cookiejar,
    address_in_network,
    dict_from_cookiejar,
    dotted_netmask,
    extract_zipped_paths,
    get_auth_from_url,
    get_encoding_from_headers,
    get_encodings_from_content,
    get_environ_proxies,
    get_netrc_auth,
    guess_filename,
    guess_json_utf,
    is_ipv4_address,
    is_valid_cidr,
    iter_slices,
    parse_dict_header,
    parse_header_links,
    parse_list_header,
    prepend_scheme_if_needed,
    requote_uri,
    resolve_proxies,
    select_proxy,
    set_environ,
    should_bypass_proxies,
    super_len,
    to_key_val_list,
    to_native_string,
    unquote_header_value,
    unquote_unreserved,
    urldefragauth,
)

PROXY_VARIABLES = ("http_proxy", "https_proxy", "ftp_proxy", "all_proxy", "no_proxy")


@pytest.fixture(autouse=True)
def clean_proxy_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the proxies of the machine it runs on."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.delenv("REQUEST_METHOD", raising=False)


def outcome(function: Any, *args: Any, **kwargs: Any) -> tuple[str, Any]:
    """A function's result, or the kind of error it raised, for comparing two libraries."""
    try:
        return ("ok", function(*args, **kwargs))
    except (requests.exceptions.InvalidURL, InvalidURL):
        return ("invalid url", None)
    except (requests.exceptions.InvalidHeader, InvalidHeader):
        return ("invalid header", None)
    except ValueError:
        return ("value error", None)


def random_strings(alphabet: list[str], count: int, max_length: int, seed: int) -> list[str]:
    rng = random.Random(seed)  # noqa: S311  # fixed seed: the same inputs on every run
    return [
        "".join(rng.choice(alphabet) for _ in range(rng.randint(0, max_length)))
        for _ in range(count)
    ]


# --- module surface -----------------------------------------------------------------------


def test_all_names_exist() -> None:
    assert all(hasattr(utils, name) for name in utils.__all__)


REQUESTS_PUBLIC_HELPERS = [
    "super_len",
    "get_netrc_auth",
    "guess_filename",
    "extract_zipped_paths",
    "atomic_open",
    "from_key_val_list",
    "to_key_val_list",
    "parse_list_header",
    "parse_dict_header",
    "unquote_header_value",
    "dict_from_cookiejar",
    "add_dict_to_cookiejar",
    "get_encodings_from_content",
    "get_encoding_from_headers",
    "stream_decode_response_unicode",
    "iter_slices",
    "get_unicode_from_response",
    "unquote_unreserved",
    "requote_uri",
    "address_in_network",
    "dotted_netmask",
    "is_ipv4_address",
    "is_valid_cidr",
    "set_environ",
    "should_bypass_proxies",
    "get_environ_proxies",
    "select_proxy",
    "resolve_proxies",
    "default_user_agent",
    "default_headers",
    "parse_header_links",
    "guess_json_utf",
    "prepend_scheme_if_needed",
    "get_auth_from_url",
    "check_header_validity",
    "urldefragauth",
    "rewind_body",
    "to_native_string",
    "dict_to_sequence",
    "DEFAULT_CA_BUNDLE_PATH",
    "DEFAULT_PORTS",
    "NETRC_FILES",
    "DEFAULT_ACCEPT_ENCODING",
    "UNRESERVED_SET",
    "HEADER_VALIDATORS",
    "proxy_bypass",
    "getproxies",
    # Accidental re-exports of requests.utils that code in the wild relies on.
    "quote",
    "unquote",
    "urlparse",
    "urlunparse",
]


@pytest.mark.parametrize("name", REQUESTS_PUBLIC_HELPERS)
def test_requests_helpers_are_all_here(name: str) -> None:
    assert hasattr(ref, name)
    assert name in utils.__all__


def test_constants() -> None:
    assert utils.NETRC_FILES == ref.NETRC_FILES
    assert utils.DEFAULT_PORTS == ref.DEFAULT_PORTS
    assert utils.UNRESERVED_SET == ref.UNRESERVED_SET
    assert utils.DEFAULT_ACCEPT_ENCODING == "gzip, deflate, br, zstd"


def test_default_user_agent_and_headers() -> None:
    version = _requestx.__version__
    assert f"python-requestx/{version}" == utils.DEFAULT_USER_AGENT
    assert utils.default_user_agent() == utils.DEFAULT_USER_AGENT
    assert utils.default_user_agent("my-app") == f"my-app/{version}"
    headers = utils.default_headers()
    assert isinstance(headers, CaseInsensitiveDict)
    assert dict(headers) == {
        "User-Agent": utils.DEFAULT_USER_AGENT,
        "Accept-Encoding": "gzip, deflate, br, zstd",
        "Accept": "*/*",
        "Connection": "keep-alive",
    }
    assert headers["user-agent"] == utils.DEFAULT_USER_AGENT
    # Each call gives a new dict: sessions modify theirs.
    assert utils.default_headers() is not headers


def test_default_ca_bundle_path_is_certifis() -> None:
    certifi = pytest.importorskip("certifi")
    assert certifi.where() == utils.DEFAULT_CA_BUNDLE_PATH
    assert utils.DEFAULT_CA_BUNDLE_PATH == utils.DEFAULT_CA_BUNDLE_PATH
    assert "DEFAULT_CA_BUNDLE_PATH" in dir(utils)


def test_default_ca_bundle_path_without_certifi(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "certifi", None)  # makes `import certifi` fail
    assert utils._certifi_bundle() is None


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError):
        _ = utils.NOT_A_THING  # type: ignore[attr-defined]


# --- super_len ----------------------------------------------------------------------------


@pytest.mark.parametrize(("stream", "value"), [(io.StringIO, "Test"), (io.BytesIO, b"Test")])
def test_super_len_io_streams(stream: Any, value: Any) -> None:
    assert super_len(stream()) == 0
    assert super_len(stream(value)) == 4


def test_super_len_partially_read_and_written_streams() -> None:
    written = io.StringIO()
    written.write("foobarbogus")
    assert super_len(written) == 0
    readable = io.StringIO("12345")
    readable.read(2)
    assert super_len(readable) == 3
    # The cursor is left where it was.
    assert readable.read() == "345"


@pytest.mark.parametrize("error", [IOError, OSError])
def test_super_len_tell_failing_with_a_length(error: type[Exception]) -> None:
    class BoomFile:
        def __len__(self) -> int:
            return 5

        def tell(self) -> int:
            raise error

    assert super_len(BoomFile()) == 0


@pytest.mark.parametrize("error", [IOError, OSError])
def test_super_len_tell_failing_without_a_length(error: type[Exception]) -> None:
    class NoLenBoomFile:
        def tell(self) -> int:
            raise error

        def seek(self, offset: int, whence: int) -> None:
            pass

    assert super_len(NoLenBoomFile()) == 0


def test_super_len_seek_failing() -> None:
    class NoSeek(io.RawIOBase):
        def tell(self) -> int:
            return 0

        def seek(self, *_args: int) -> int:
            raise OSError

    assert super_len(NoSeek()) == 0


@pytest.mark.parametrize("text", ["Test", "", "héllo", "日本語", "\U0001f600"])
def test_super_len_counts_str_as_utf8(text: str) -> None:
    assert super_len(text) == len(text.encode("utf-8")) == ref.super_len(text)


def test_super_len_real_files(tmp_path: Path) -> None:
    path = tmp_path / "test.txt"
    path.write_text("Test")
    with path.open("rb") as binary:
        assert super_len(binary) == 4
        binary.read(1)
        assert super_len(binary) == 3
    with path.open("r") as text, pytest.warns(FileModeWarning):
        assert super_len(text) == 4


def test_super_len_binary_file_does_not_warn(tmp_path: Path) -> None:
    path = tmp_path / "test.bin"
    path.write_bytes(b"Test")
    with path.open("rb") as binary:
        assert super_len(binary) == 4  # filterwarnings=error would turn a warning into a failure


def test_super_len_tarfile_member(tmp_path: Path) -> None:
    source = tmp_path / "test.txt"
    source.write_text("Test")
    archive = tmp_path / "test.tar"
    with tarfile.open(archive, "w") as tar:
        tar.add(source, arcname="test.txt")
    with tarfile.open(archive) as tar:
        member = tar.extractfile("test.txt")
        assert super_len(member) == 4


def test_super_len_other_objects() -> None:
    class LenAttribute:
        len = 5

    assert super_len([1, 2, 3, 4]) == 4
    assert super_len(LenAttribute()) == 5
    assert super_len(object()) == 0
    assert super_len(b"") == 0


# --- netrc --------------------------------------------------------------------------------


@pytest.fixture
def netrc_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "netrc"
    monkeypatch.setenv("NETRC", str(path))
    return path


def test_netrc_works(netrc_file: Path) -> None:
    netrc_file.write_text("machine example.com login aaaa password bbbb\n")
    assert get_netrc_auth("http://example.com/thing") == ("aaaa", "bbbb")
    assert get_netrc_auth(b"http://example.com/thing") == ("aaaa", "bbbb")
    # Only the host is looked up: port and credentials in the URL do not matter.
    assert get_netrc_auth("https://someone:pw@example.com:8443/") == ("aaaa", "bbbb")


def test_netrc_not_fooled_by_bad_url_parsing(netrc_file: Path) -> None:
    netrc_file.write_text("machine example.com login aaaa password bbbb\n")
    assert get_netrc_auth("http://example.com:@evil.com/&apos;") is None


def test_netrc_empty_default_entry_is_ignored(netrc_file: Path) -> None:
    netrc_file.write_text("machine example.com login user password pass\ndefault\n")
    assert get_netrc_auth("http://other.example/") is None


def test_netrc_default_entry_applies_to_other_hosts(netrc_file: Path) -> None:
    netrc_file.write_text("default login anon password secret\n")
    assert get_netrc_auth("http://anything.example/") == ("anon", "secret")


def test_netrc_account_stands_in_for_a_missing_login(netrc_file: Path) -> None:
    netrc_file.write_text("machine example.com account acct password pw\n")
    assert get_netrc_auth("http://example.com/") == ("acct", "pw")


def test_netrc_without_match_or_host(netrc_file: Path) -> None:
    netrc_file.write_text("machine example.com login a password b\n")
    assert get_netrc_auth("http://unlisted.example/") is None
    assert get_netrc_auth("file:///etc/passwd") is None
    assert get_netrc_auth(None) is None


def test_netrc_missing_file(netrc_file: Path) -> None:
    assert not netrc_file.exists()
    assert get_netrc_auth("http://example.com/") is None


def test_netrc_parse_errors(netrc_file: Path) -> None:
    netrc_file.write_text("bogus example.com\n")
    assert get_netrc_auth("http://example.com/") is None
    with pytest.raises(NetrcParseError):
        get_netrc_auth("http://example.com/", raise_errors=True)


@pytest.mark.parametrize("name", [".netrc", "_netrc"])
def test_netrc_in_home_directory(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NETRC", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / name).write_text("machine example.com login home password pw\n")
    assert get_netrc_auth("http://example.com/") == ("home", "pw")


@pytest.mark.parametrize(
    "content",
    [
        "machine example.com login aaaa password bbbb\n",
        "machine example.com login aaaa password bbbb\ndefault\n",
        "machine example.com account acct password pw\n",
        "default login anon password secret\n",
        "machine example.com password onlypw\n",
        "machine other.example login x password y\n",
    ],
)
@pytest.mark.parametrize(
    "url", ["http://example.com/", "http://a:b@example.com:81/", "http://other.example", "x"]
)
def test_netrc_matches_requests(netrc_file: Path, content: str, url: str) -> None:
    netrc_file.write_text(content)
    assert get_netrc_auth(url) == ref.get_netrc_auth(url)


# --- key/value lists ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ([("key", "val")], [("key", "val")]),
        ((("key", "val"),), [("key", "val")]),
        ({"key": "val"}, [("key", "val")]),
        (CaseInsensitiveDict({"Key": "val"}), [("Key", "val")]),
        (None, None),
    ],
)
def test_to_key_val_list(value: Any, expected: Any) -> None:
    assert to_key_val_list(value) == expected


@pytest.mark.parametrize("value", ["string", b"bytes", 1, True])
def test_key_val_lists_reject_scalars(value: Any) -> None:
    with pytest.raises(ValueError, match="2-tuples"):
        to_key_val_list(value)
    with pytest.raises(ValueError, match="2-tuples"):
        utils.from_key_val_list(value)


def test_from_key_val_list() -> None:
    result = utils.from_key_val_list([("key", "val")])
    assert isinstance(result, OrderedDict)
    assert result == OrderedDict([("key", "val")])
    assert utils.from_key_val_list({"key": "val"}) == OrderedDict([("key", "val")])
    assert utils.from_key_val_list(None) is None


def test_dict_to_sequence() -> None:
    pairs = [("a", 1)]
    assert list(utils.dict_to_sequence({"a": 1})) == pairs
    assert utils.dict_to_sequence(pairs) is pairs


# --- header values ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", ""),
        ("Test", "Test"),
        ('"Test"', "Test"),
        ('"Test\\\\"', "Test\\"),
        ('"\\\\Comp\\Res"', "\\Comp\\Res"),
        ('"say \\"hi\\""', 'say "hi"'),
        ('"', ""),
    ],
)
def test_unquote_header_value(value: str | None, expected: str | None) -> None:
    assert unquote_header_value(value) == expected


def test_unquote_header_value_keeps_unc_filenames() -> None:
    assert unquote_header_value('"\\\\Comp\\Res"', True) == "\\\\Comp\\Res"
    assert unquote_header_value('"\\\\Comp\\Res"', is_filename=True) == "\\\\Comp\\Res"


HEADER_ALPHABET = ["a", "b", "=", ",", '"', "\\", " ", ";", "é"]


@pytest.mark.parametrize("is_filename", [False, True])
def test_unquote_header_value_matches_requests(is_filename: bool) -> None:
    for value in random_strings(HEADER_ALPHABET, 400, 8, seed=1):
        assert unquote_header_value(value, is_filename) == ref.unquote_header_value(
            value, is_filename
        ), value


def test_parse_list_header() -> None:
    assert parse_list_header('token, "quoted value"') == ["token", "quoted value"]
    assert parse_list_header('a, "b, c", d') == ["a", "b, c", "d"]
    assert parse_list_header("") == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('foo="is a fish", bar="as well"', {"foo": "is a fish", "bar": "as well"}),
        ("key_without_value", {"key_without_value": None}),
        (
            'realm="x", nonce=abc, qop="auth,auth-int"',
            {"realm": "x", "nonce": "abc", "qop": "auth,auth-int"},
        ),
    ],
)
def test_parse_dict_header(value: str, expected: dict[str, str | None]) -> None:
    assert parse_dict_header(value) == expected


def test_list_and_dict_parsers_match_requests() -> None:
    for value in random_strings(HEADER_ALPHABET, 600, 14, seed=2):
        assert parse_list_header(value) == ref.parse_list_header(value), value
        assert parse_dict_header(value) == ref.parse_dict_header(value), value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            '<http:/.../front.jpeg>; rel=front; type="image/jpeg"',
            [{"url": "http:/.../front.jpeg", "rel": "front", "type": "image/jpeg"}],
        ),
        ("<http:/.../front.jpeg>", [{"url": "http:/.../front.jpeg"}]),
        ("<http:/.../front.jpeg>;", [{"url": "http:/.../front.jpeg"}]),
        (
            '<http:/.../front.jpeg>; type="image/jpeg",<http://.../back.jpeg>;',
            [
                {"url": "http:/.../front.jpeg", "type": "image/jpeg"},
                {"url": "http://.../back.jpeg"},
            ],
        ),
        ("", []),
        ("<a>; rel=next; broken; rel2=x", [{"url": "a", "rel": "next"}]),
    ],
)
def test_parse_header_links(value: str, expected: list[dict[str, str]]) -> None:
    assert parse_header_links(value) == expected


def test_parse_header_links_matches_requests() -> None:
    alphabet = ["<", ">", ";", ",", ", ", "=", '"', "'", " ", "a", "rel", "http://x/"]
    for value in random_strings(alphabet, 800, 12, seed=3):
        assert parse_header_links(value) == ref.parse_header_links(value), value


VALID_HEADERS: list[tuple[Any, Any]] = [
    ("Content-Type", "text/html"),
    (b"Content-Type", b"text/html"),
    ("X-Empty", ""),
    ("X-Inner Space", "value with  spaces\tand tabs"),
]
INVALID_HEADERS: list[tuple[Any, Any]] = [
    (" Leading", "v"),
    (":authority", "v"),
    ("Na:me", "v"),
    ("Name\r\n", "v"),
    ("Name", " leading"),
    ("Name", "line\r\nInjected: yes"),
    ("Name", "line\nbreak"),
    (b"Name", b"\tleading"),
    ("", "v"),
]


@pytest.mark.parametrize("header", VALID_HEADERS)
def test_check_header_validity_accepts(header: tuple[Any, Any]) -> None:
    utils.check_header_validity(header)


@pytest.mark.parametrize("header", INVALID_HEADERS)
def test_check_header_validity_rejects(header: tuple[Any, Any]) -> None:
    with pytest.raises(InvalidHeader, match="Invalid leading whitespace"):
        utils.check_header_validity(header)
    with pytest.raises(requests.exceptions.InvalidHeader):
        ref.check_header_validity(header)


@pytest.mark.parametrize("header", [("Name", 1), (None, "v"), ("Name", ["v"])])
def test_check_header_validity_rejects_other_types(header: tuple[Any, Any]) -> None:
    with pytest.raises(InvalidHeader, match="must be of type str or bytes"):
        utils.check_header_validity(header)


def test_check_header_validity_matches_requests() -> None:
    alphabet = ["a", "B", " ", "\t", ":", "\r", "\n", "-", "\x00", "é"]
    parts = random_strings(alphabet, 300, 5, seed=4)
    for name, value in zip(parts, reversed(parts), strict=True):
        for header in [(name, value), (name.encode(), value.encode())]:
            assert outcome(utils.check_header_validity, header) == outcome(
                ref.check_header_validity, header
            ), header


# --- text and encodings -------------------------------------------------------------------


def test_get_encodings_from_content_is_deprecated() -> None:
    with pytest.deprecated_call():
        assert get_encodings_from_content("") == []


@pytest.mark.parametrize(
    "content",
    [
        '<meta charset="UTF-8">',
        '<meta http-equiv="Content-type" content="text/html;charset=UTF-8">',
        '<meta http-equiv="Content-type" content="text/html;charset=UTF-8" />',
        '<?xml version="1.0" encoding="UTF-8"?>',
    ],
)
def test_get_encodings_from_content(content: str) -> None:
    with pytest.deprecated_call():
        assert get_encodings_from_content(content) == ["UTF-8"]


def test_get_encodings_from_content_order() -> None:
    content = (
        '<?xml version="1.0" encoding="XML"?>\n<meta charset="HTML5">\n'
        '<meta http-equiv="Content-type" content="text/html;charset=HTML4" />'
    )
    with pytest.deprecated_call():
        assert get_encodings_from_content(content) == ["HTML5", "HTML4", "XML"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("application/xml", ("application/xml", {})),
        ("application/json ; charset=utf-8", ("application/json", {"charset": "utf-8"})),
        ("application/json ; Charset=utf-8", ("application/json", {"charset": "utf-8"})),
        ("text/plain", ("text/plain", {})),
        (
            "multipart/form-data; boundary = something ; boundary2='something_else' ; no_equals ",
            (
                "multipart/form-data",
                {"boundary": "something", "boundary2": "something_else", "no_equals": True},
            ),
        ),
        (
            'multipart/form-data; boundary = something ; "boundary2=something_else" ; no_equals ',
            (
                "multipart/form-data",
                {"boundary": "something", "boundary2": "something_else", "no_equals": True},
            ),
        ),
        ("application/json ; ; ", ("application/json", {})),
    ],
)
def test_parse_content_type_header(value: str, expected: tuple[str, dict[str, Any]]) -> None:
    assert _parse_content_type_header(value) == expected


def test_parse_content_type_header_matches_requests() -> None:
    """Compared with the installed requests, except where 2.33 changed 2.32's behaviour:
    a parameter without `=` (2.32, which requestx mirrors, maps it to True)."""
    alphabet = ["text/html", ";", "=", " ", '"', "'", "charset", "Charset", "utf-8", "x"]
    for value in random_strings(alphabet, 500, 8, seed=5):
        ours = _parse_content_type_header(value)
        without_flags = (ours[0], {k: v for k, v in ours[1].items() if v is not True})
        assert without_flags == ref._parse_content_type_header(value), value
        headers = CaseInsensitiveDict({"Content-Type": value})
        assert get_encoding_from_headers(headers) == ref.get_encoding_from_headers(
            requests.structures.CaseInsensitiveDict(headers)
        ), value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (CaseInsensitiveDict(), None),
        (CaseInsensitiveDict({"content-type": "application/json; charset=utf-8"}), "utf-8"),
        (CaseInsensitiveDict({"content-type": "application/json"}), "utf-8"),
        (CaseInsensitiveDict({"content-type": "text/plain"}), "ISO-8859-1"),
        (CaseInsensitiveDict({"content-type": "text/html; charset"}), "ISO-8859-1"),
        (CaseInsensitiveDict({"Content-Type": "text/html; charset=\"'UTF-8'\""}), "UTF-8"),
        (CaseInsensitiveDict({"content-type": "image/png"}), None),
    ],
)
def test_get_encoding_from_headers(value: Any, expected: str | None) -> None:
    assert get_encoding_from_headers(value) == expected


class FakeResponse:
    def __init__(
        self, content: Any = b"", headers: dict[str, str] | None = None, encoding: str | None = None
    ) -> None:
        self.content = content
        self.headers = CaseInsensitiveDict(headers or {})
        self.encoding = encoding


def test_stream_decode_response_unicode() -> None:
    chunks = ["héllo wörld".encode()[i : i + 1] for i in range(13)]
    decoded = utils.stream_decode_response_unicode(iter(chunks), FakeResponse(encoding="utf-8"))
    assert "".join(str(part) for part in decoded) == "héllo wörld"
    raw = list(utils.stream_decode_response_unicode(iter(chunks), FakeResponse()))
    assert raw == chunks
    broken = utils.stream_decode_response_unicode(
        iter([b"a\xff", b"\xc3"]), FakeResponse(encoding="utf-8")
    )
    assert list(broken) == ["a\ufffd", "\ufffd"]


@pytest.mark.parametrize(
    ("value", "length"),
    [("", 0), ("T", 1), ("Test", 4), ("Cont", 0), ("Other", -5), ("Content", None)],
)
def test_iter_slices(value: str, length: int | None) -> None:
    if length is None or (length <= 0 and len(value) > 0):
        assert len(list(iter_slices(value, length))) == 1
    else:
        assert len(list(iter_slices(value, 1))) == length


def test_iter_slices_matches_requests() -> None:
    for value, size in itertools.product(
        ["", "a", "abcdefg", b"bytes!"], [None, -1, 0, 1, 2, 3, 50]
    ):
        assert list(iter_slices(value, size)) == list(ref.iter_slices(value, size))  # type: ignore[call-overload]


def test_get_unicode_from_response() -> None:
    with pytest.deprecated_call():
        text = utils.get_unicode_from_response(
            FakeResponse("é".encode("latin-1"), {"Content-Type": "text/plain; charset=latin-1"})
        )
    assert text == "é"
    with pytest.deprecated_call():
        # Invalid in the declared charset: decoded with replacement characters.
        assert (
            utils.get_unicode_from_response(
                FakeResponse(b"\xff", {"Content-Type": "text/plain; charset=utf-8"})
            )
            == "\ufffd"
        )
    with pytest.deprecated_call():
        # No charset: UTF-8 (requests 2.33+; 2.32 handed back the bytes).
        assert utils.get_unicode_from_response(FakeResponse("ü".encode())) == "ü"
    with pytest.deprecated_call():
        # An unknown charset falls back to UTF-8 instead of raising LookupError.
        assert (
            utils.get_unicode_from_response(
                FakeResponse(b"ok", {"Content-Type": "text/plain; charset=no-such-codec"})
            )
            == "ok"
        )
    with pytest.deprecated_call():
        assert utils.get_unicode_from_response(FakeResponse(None)) is None


@pytest.mark.parametrize(
    "encoding",
    ["utf-32", "utf-8-sig", "utf-16", "utf-8", "utf-16-be", "utf-16-le", "utf-32-be", "utf-32-le"],
)
def test_guess_json_utf(encoding: str) -> None:
    assert guess_json_utf("{}".encode(encoding)) == encoding


def test_guess_json_utf_without_pattern() -> None:
    assert guess_json_utf(b"\x00\x00\x00\x00") is None


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("utf-16-be", "utf-16"),
        ("utf-16-le", "utf-16"),
        ("utf-32-be", "utf-32"),
        ("utf-32-le", "utf-32"),
    ],
)
def test_guess_json_utf_by_bom(encoding: str, expected: str) -> None:
    assert guess_json_utf("\ufeff{}".encode(encoding)) == expected


def test_guess_json_utf_matches_requests_on_every_short_prefix() -> None:
    marks = {b for bom in (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) for b in bom}
    alphabet = [0x00, 0x7B, *sorted(marks)]
    for length in range(6):
        for combo in itertools.product(alphabet, repeat=length):
            data = bytes(combo)
            assert guess_json_utf(data) == ref.guess_json_utf(data), data


# --- URLs ---------------------------------------------------------------------------------

USER = PASSWORD = "%!*'();:@&=+$,/?#[] "  # noqa: S105  # reserved characters, not a secret
ENCODED_USER = quote(USER, "")
ENCODED_PASSWORD = quote(PASSWORD, "")


@pytest.mark.parametrize(
    ("url", "auth"),
    [
        (f"http://{ENCODED_USER}:{ENCODED_PASSWORD}@request.com/url.html#test", (USER, PASSWORD)),
        ("http://user:pass@complex.url.com/path?query=yes", ("user", "pass")),
        ("http://user:pass%20pass@complex.url.com/path?query=yes", ("user", "pass pass")),
        ("http://user:pass pass@complex.url.com/path?query=yes", ("user", "pass pass")),
        ("http://user%25user:pass@complex.url.com/path?query=yes", ("user%user", "pass")),
        ("http://user:pass%23pass@complex.url.com/path?query=yes", ("user", "pass#pass")),
        ("http://complex.url.com/path?query=yes", ("", "")),
        ("http://onlyuser@complex.url.com/", ("", "")),
        ("http://:@complex.url.com/", ("", "")),
    ],
)
def test_get_auth_from_url(url: str, auth: tuple[str, str]) -> None:
    assert get_auth_from_url(url) == auth == ref.get_auth_from_url(url)


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("http://example.com/fiz?buz=%25ppicture", "http://example.com/fiz?buz=%25ppicture"),
        ("http://example.com/fiz?buz=%ppicture", "http://example.com/fiz?buz=%25ppicture"),
        ("http://example.com/a b/ü", "http://example.com/a%20b/%C3%BC"),
        ("http://example.com/%7Euser", "http://example.com/~user"),
    ],
)
def test_requote_uri(uri: str, expected: str) -> None:
    assert requote_uri(uri) == expected


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("http://example.com/?a=%--", "http://example.com/?a=%--"),
        ("http://example.com/?a=%300", "http://example.com/?a=00"),
        ("%41%2F%7e", "A%2F~"),
    ],
)
def test_unquote_unreserved(uri: str, expected: str) -> None:
    assert unquote_unreserved(uri) == expected


def test_unquote_unreserved_rejects_bad_escapes() -> None:
    with pytest.raises(InvalidURL, match="Invalid percent-escape sequence: 'zz'"):
        unquote_unreserved("a%zz")


def test_quoting_matches_requests() -> None:
    alphabet = ["%", "2", "5", "A", "f", "G", "z", "7E", "-", "/", "?", " ", "é", "~", "#", "+"]
    for uri in random_strings(alphabet, 800, 10, seed=6):
        assert outcome(unquote_unreserved, uri) == outcome(ref.unquote_unreserved, uri), uri
        assert requote_uri(uri) == ref.requote_uri(uri), uri


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("example.com/path", "http://example.com/path"),
        ("//example.com/path", "http://example.com/path"),
        ("example.com:80", "http://example.com:80"),
        ("http://user:pass@example.com/path?query", "http://user:pass@example.com/path?query"),
        ("http://user@example.com/path?query", "http://user@example.com/path?query"),
        ("HTTPS://Proxy.Example:0443", "https://proxy.example:443"),
        ("socks5h://U:P@Host:1080", "socks5h://U:P@Host:1080"),
        ("localhost:3128", "localhost:///3128"),
    ],
)
def test_prepend_scheme_if_needed(value: str, expected: str) -> None:
    assert prepend_scheme_if_needed(value, "http") == expected


PROXYISH_URLS = [
    "example.com/path",
    "//example.com/path",
    "example.com:80",
    "http://user:pass@example.com/path?query#frag",
    "localhost:3128",
    "HTTP://Example.COM:0080/P?q#f",
    "http:///path",
    "",
    "socks5://h:1",
    "https://[::1]:8080/x",
    "[::1]:3128",
    "host:",
    "user:pw@host:8080",
    "//user@host",
    "/path/only",
    "?q",
    "#f",
    "http://ÉX.com/",
    "mailto:a@b.com",
    "example.com:0",
    "10.0.0.1:8080",
    "proxy.local:3128/",
    "https://USER:PW@Host.EXAMPLE:443",
]


@pytest.mark.parametrize("url", PROXYISH_URLS)
@pytest.mark.parametrize("scheme", ["http", "https"])
def test_prepend_scheme_if_needed_matches_requests(url: str, scheme: str) -> None:
    assert prepend_scheme_if_needed(url, scheme) == ref.prepend_scheme_if_needed(url, scheme)


@pytest.mark.parametrize("url", ["http://h:65536/", "http://h:123456/", "http://ho st%zz/"])
def test_prepend_scheme_if_needed_rejects_bad_authorities(url: str) -> None:
    with pytest.raises(InvalidURL):
        prepend_scheme_if_needed(url, "http")
    with pytest.raises(LocationParseError):
        ref.prepend_scheme_if_needed(url, "http")


@pytest.mark.parametrize(("value", "expected"), [("T", "T"), (b"T", "T"), ("é", "é")])
def test_to_native_string(value: str | bytes, expected: str) -> None:
    assert to_native_string(value) == expected
    assert to_native_string("é".encode(), "utf-8") == "é"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://u:p@example.com/path?a=1#test", "http://example.com/path?a=1"),
        ("http://example.com/path", "http://example.com/path"),
        ("//u:p@example.com/path", "//example.com/path"),
        ("//example.com/path", "//example.com/path"),
        ("example.com/path", "//example.com/path"),
        ("scheme:u:p@example.com/path", "scheme://example.com/path"),
        ("http://u:p@a@example.com/;params", "http://example.com/;params"),
    ],
)
def test_urldefragauth(url: str, expected: str) -> None:
    assert urldefragauth(url) == expected == ref.urldefragauth(url)


# --- IPv4 helpers -------------------------------------------------------------------------


def test_ipv4_helpers() -> None:
    assert is_ipv4_address("8.8.8.8")
    assert not is_ipv4_address("8.8.8.8.8")
    assert not is_ipv4_address("localhost.localdomain")
    assert is_valid_cidr("192.168.1.0/24")
    assert address_in_network("192.168.1.1", "192.168.1.0/24")
    assert not address_in_network("172.16.0.1", "192.168.1.0/24")


@pytest.mark.parametrize(
    "value",
    ["8.8.8.8", "192.168.1.0/a", "192.168.1.0/128", "192.168.1.0/-1", "192.168.1.999/24", "1/2/3"],
)
def test_invalid_cidr(value: str) -> None:
    assert not is_valid_cidr(value)


@pytest.mark.parametrize(
    ("mask", "expected"),
    [
        (0, "0.0.0.0"),  # noqa: S104  # a netmask, not an address to bind
        (8, "255.0.0.0"),
        (24, "255.255.255.0"),
        (25, "255.255.255.128"),
        (32, "255.255.255.255"),
    ],
)
def test_dotted_netmask(mask: int, expected: str) -> None:
    assert dotted_netmask(mask) == expected == ref.dotted_netmask(mask)


@pytest.mark.parametrize("mask", [-1, 33])
def test_dotted_netmask_out_of_range(mask: int) -> None:
    with pytest.raises(ValueError, match="between 0 and 32"):
        dotted_netmask(mask)


def test_ipv4_helpers_match_requests() -> None:
    addresses = [
        "10.0.0.1",
        "10.0.0.255",
        "10.0.1.1",
        "127.1",
        "0x7f.1",
        "255.255.255.255",
        "1.2.3",
        "a.b.c.d",
        "",
        "::1",
    ]
    networks = [
        "10.0.0.0/24",
        "10.0.0.0/8",
        "10.0.0.0/32",
        "0.0.0.0/1",
        "10.0.0.0/0",
        "x/8",
        "10.0.0.0/33",
        "10.0.0.0",
    ]
    for address in addresses:
        assert is_ipv4_address(address) == ref.is_ipv4_address(address), address
    for network in networks:
        assert is_valid_cidr(network) == ref.is_valid_cidr(network), network
    for address, network in itertools.product(addresses, networks):
        if ref.is_ipv4_address(address) and ref.is_valid_cidr(network):
            assert address_in_network(address, network) == ref.address_in_network(address, network)


# --- proxies ------------------------------------------------------------------------------

http_proxies = {"http": "http://http.proxy", "http://some.host": "http://some.host.proxy"}
all_proxies = {"all": "socks5://http.proxy", "all://some.host": "socks5://some.host.proxy"}
mixed_proxies = {
    "http": "http://http.proxy",
    "http://some.host": "http://some.host.proxy",
    "all": "socks5://http.proxy",
}


@pytest.mark.parametrize(
    ("url", "expected", "proxies"),
    [
        ("hTTp://u:p@Some.Host/path", "http://some.host.proxy", http_proxies),
        ("hTTp://u:p@Other.Host/path", "http://http.proxy", http_proxies),
        ("hTTp:///path", "http://http.proxy", http_proxies),
        ("hTTps://Other.Host", None, http_proxies),
        ("file:///etc/motd", None, http_proxies),
        ("hTTp://u:p@Some.Host/path", "socks5://some.host.proxy", all_proxies),
        ("hTTp://u:p@Other.Host/path", "socks5://http.proxy", all_proxies),
        ("hTTp:///path", "socks5://http.proxy", all_proxies),
        ("hTTps://Other.Host", "socks5://http.proxy", all_proxies),
        ("http://u:p@other.host/path", "http://http.proxy", mixed_proxies),
        ("http://u:p@some.host/path", "http://some.host.proxy", mixed_proxies),
        ("https://u:p@other.host/path", "socks5://http.proxy", mixed_proxies),
        ("https://u:p@some.host/path", "socks5://http.proxy", mixed_proxies),
        ("https://", "socks5://http.proxy", mixed_proxies),
        ("file:///etc/motd", "socks5://http.proxy", all_proxies),
        ("http://any.host/", None, None),
    ],
)
def test_select_proxy(url: str, expected: str | None, proxies: dict[str, str] | None) -> None:
    assert select_proxy(url, proxies) == expected == ref.select_proxy(url, proxies)


NO_PROXY_ENV = "192.168.0.0/24,127.0.0.1,localhost.localdomain,172.16.1.1"


class TestGetEnvironProxies:
    @pytest.fixture(autouse=True, params=["no_proxy", "NO_PROXY"])
    def no_proxy(self, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv(request.param, NO_PROXY_ENV)

    @pytest.mark.parametrize(
        "url",
        [
            "http://192.168.0.1:5000/",
            "http://192.168.0.1/",
            "http://172.16.1.1/",
            "http://172.16.1.1:5000/",
            "http://localhost.localdomain:5000/v1.0/",
        ],
    )
    def test_bypass(self, url: str) -> None:
        assert get_environ_proxies(url, no_proxy=None) == {}

    @pytest.mark.parametrize(
        "url", ["http://192.168.1.1:5000/", "http://192.168.1.1/", "http://www.requests.com/"]
    )
    def test_not_bypass(self, url: str) -> None:
        assert get_environ_proxies(url, no_proxy=None) != {}

    @pytest.mark.parametrize(
        "url", ["http://192.168.1.1:5000/", "http://192.168.1.1/", "http://www.requests.com/"]
    )
    def test_bypass_no_proxy_keyword(self, url: str) -> None:
        assert get_environ_proxies(url, no_proxy="192.168.1.1,requests.com") == {}

    @pytest.mark.parametrize(
        "url",
        [
            "http://192.168.0.1:5000/",
            "http://192.168.0.1/",
            "http://172.16.1.1/",
            "http://172.16.1.1:5000/",
            "http://localhost.localdomain:5000/v1.0/",
        ],
    )
    def test_not_bypass_no_proxy_keyword(self, url: str, monkeypatch: pytest.MonkeyPatch) -> None:
        # The no_proxy argument overrides the environment variable.
        monkeypatch.setenv("http_proxy", "http://proxy.example.com:3128/")
        proxies = get_environ_proxies(url, no_proxy="192.168.1.1,requests.com")
        assert proxies["http"] == "http://proxy.example.com:3128/"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://192.168.0.1:5000/", True),
        ("http://192.168.0.1/", True),
        ("http://172.16.1.1/", True),
        ("http://172.16.1.1:5000/", True),
        ("http://localhost.localdomain:5000/v1.0/", True),
        ("http://google.com:6000/", True),
        ("http://172.16.1.12/", False),
        ("http://172.16.1.12:5000/", False),
        ("http://google.com:5000/v1.0/", False),
        ("file:///some/path/on/disk", True),
    ],
)
def test_should_bypass_proxies(url: str, expected: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    value = NO_PROXY_ENV + ", google.com:6000"
    monkeypatch.setenv("no_proxy", value)
    monkeypatch.setenv("NO_PROXY", value)
    assert should_bypass_proxies(url, no_proxy=None) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://172.16.1.1/", "172.16.1.1"),
        ("http://172.16.1.1:5000/", "172.16.1.1"),
        ("http://user:pass@172.16.1.1", "172.16.1.1"),
        ("http://user:pass@172.16.1.1:5000", "172.16.1.1"),
        ("http://hostname/", "hostname"),
        ("http://hostname:5000/", "hostname"),
        ("http://user:pass@hostname", "hostname"),
        ("http://user:pass@hostname:5000", "hostname"),
    ],
)
def test_should_bypass_proxies_passes_only_the_hostname(url: str, expected: str) -> None:
    with mock.patch("requestx.utils.proxy_bypass") as proxy_bypass:
        should_bypass_proxies(url, no_proxy=None)
        proxy_bypass.assert_called_once_with(expected)


def test_should_bypass_proxies_survives_lookup_errors() -> None:
    with mock.patch("requestx.utils.proxy_bypass", side_effect=OSError("no such host")):
        assert should_bypass_proxies("http://unresolvable.invalid/", no_proxy=None) is False
    with mock.patch("requestx.utils.proxy_bypass", side_effect=TypeError):
        assert should_bypass_proxies("http://h/", no_proxy=None) is False


def test_explicit_no_proxy_reaches_the_platform_lookup(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("no_proxy", "env.example")
    seen: list[str | None] = []

    def record(host: str) -> bool:
        seen.append(os.environ.get("no_proxy"))
        return False

    with mock.patch("requestx.utils.proxy_bypass", side_effect=record):
        should_bypass_proxies("http://target.example/", no_proxy="arg.example")
        should_bypass_proxies("http://target.example/", no_proxy=None)
    assert seen == ["arg.example", "env.example"]
    assert os.environ["no_proxy"] == "env.example"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://192.168.0.1:5000/", True),
        ("http://192.168.0.1/", True),
        ("http://172.16.1.1/", True),
        ("http://172.16.1.1:5000/", True),
        ("http://localhost.localdomain:5000/v1.0/", True),
        ("http://172.16.1.12/", False),
        ("http://172.16.1.12:5000/", False),
        ("http://google.com:5000/v1.0/", False),
    ],
)
def test_should_bypass_proxies_no_proxy_argument(url: str, expected: bool) -> None:
    assert should_bypass_proxies(url, no_proxy=NO_PROXY_ENV) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://localhost/", True),
        ("http://anotherdomain.com:8888/", True),
        ("http://newdomain.com:1234/", True),
        ("http://www.newdomain.com:1234/", True),
        ("http://foo.d.o.t/", True),
        ("http://d.o.t/", True),
        ("http://prelocalhost/", False),
        ("http://newdomain.com/", False),
        ("http://newdomain.com:1235/", False),
    ],
)
def test_should_bypass_proxies_respects_domain_boundaries(url: str, expected: bool) -> None:
    no_proxy = "localhost, anotherdomain.com, newdomain.com:1234, .d.o.t"
    assert should_bypass_proxies(url, no_proxy=no_proxy) == expected


NO_PROXY_VALUES = [
    "",
    "*",
    "example.com",
    ".example.com",
    "example.com:8080",
    "10.0.0.0/8, 192.168.1.1",
    "sub.example.com,other",
    "xample.com",
    " example.com , ,10.0.0.1/32",
]
BYPASS_URLS = [
    "http://example.com/",
    "http://www.example.com:8080/",
    "https://badexample.com/",
    "http://10.1.2.3/",
    "http://192.168.1.1:81/",
    "http://[::1]:8080/",
    "http://other/",
    "file:///x",
    "http://EXAMPLE.com/",
]


@pytest.mark.parametrize("no_proxy", NO_PROXY_VALUES)
def test_should_bypass_proxies_matches_requests(no_proxy: str) -> None:
    for url in BYPASS_URLS:
        assert should_bypass_proxies(url, no_proxy) == ref.should_bypass_proxies(url, no_proxy), url


@pytest.mark.parametrize("no_proxy", NO_PROXY_VALUES)
def test_environment_no_proxy_matches_requests(
    no_proxy: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_PROXY", no_proxy)
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.invalid:3128")
    for url in BYPASS_URLS:
        assert should_bypass_proxies(url, None) == ref.should_bypass_proxies(url, None), url
        assert get_environ_proxies(url) == ref.get_environ_proxies(url), url


class FakeRequest:
    def __init__(self, url: str | None) -> None:
        self.url = url


@pytest.mark.parametrize(
    "proxies",
    [None, {}, {"http": "http://given:1"}, {"no_proxy": "example.com"}, {"https": "http://s:2"}],
)
@pytest.mark.parametrize("url", ["http://example.com/", "https://www.other.example/", "ftp://x/"])
@pytest.mark.parametrize("trust_env", [True, False])
def test_resolve_proxies_matches_requests(
    proxies: dict[str, str] | None, url: str, trust_env: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("http_proxy", "http://env-http:3128")
    monkeypatch.setenv("all_proxy", "socks5://env-all:1080")
    given = None if proxies is None else dict(proxies)
    ours = resolve_proxies(FakeRequest(url), given, trust_env)
    theirs = ref.resolve_proxies(requests.Request("GET", url), proxies, trust_env)
    assert ours == theirs
    assert given == proxies  # the argument is not modified


def test_resolve_proxies_details(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("https_proxy", "http://env:3128")
    assert resolve_proxies(FakeRequest("https://a.example/"), None) == {"https": "http://env:3128"}
    assert resolve_proxies(FakeRequest("https://a.example/"), None, trust_env=False) == {}
    given = {"https": "http://mine:1"}
    assert resolve_proxies(FakeRequest("https://a.example/"), given) == given
    assert resolve_proxies(FakeRequest("https://a.example/"), {"no_proxy": "a.example"}) == {
        "no_proxy": "a.example"
    }
    assert resolve_proxies(FakeRequest(None), None) == {}


@pytest.mark.parametrize(
    ("env_name", "value"),
    [
        ("no_proxy", "192.168.0.0/24,127.0.0.1,localhost.localdomain"),
        ("no_proxy", None),
        ("a_new_key", "192.168.0.0/24,127.0.0.1,localhost.localdomain"),
        ("a_new_key", None),
    ],
)
def test_set_environ(env_name: str, value: str | None) -> None:
    before = dict(os.environ)
    with set_environ(env_name, value):
        assert os.environ.get(env_name) == value
    assert dict(os.environ) == before


def fail_inside(context: AbstractContextManager[Any]) -> None:
    with context as entered:
        if entered is not None:
            entered.write(b"partial")
        raise RuntimeError("Expected exception")


def test_set_environ_restores_after_an_exception(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTX_TEST_VAR", "old")
    with pytest.raises(RuntimeError, match="Expected exception"):
        fail_inside(set_environ("REQUESTX_TEST_VAR", "new"))
    assert os.environ["REQUESTX_TEST_VAR"] == "old"
    with pytest.raises(RuntimeError, match="Expected exception"):
        fail_inside(set_environ("REQUESTX_TEST_VAR", None))
    assert os.environ["REQUESTX_TEST_VAR"] == "old"


def test_getproxies_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://secure:1")
    assert utils.getproxies()["https"] == "http://secure:1"


# --- Windows registry (a stand-in winreg module) ------------------------------------------


def fake_winreg(enable: Any, override: Any) -> types.ModuleType:
    module = types.ModuleType("winreg")
    settings = object()

    def open_key(key: Any, subkey: str) -> object:
        assert subkey.endswith("Internet Settings")
        return settings

    def query_value_ex(key: object, name: str) -> list[Any]:
        assert key is settings
        if name == "ProxyEnable":
            return [enable]
        if override is None:
            raise FileNotFoundError(name)
        return [override]

    module.HKEY_CURRENT_USER = 1  # type: ignore[attr-defined]
    module.OpenKey = open_key  # type: ignore[attr-defined]
    module.QueryValueEx = query_value_ex  # type: ignore[attr-defined]
    return module


OVERRIDES = "192.168.*;127.0.0.1;localhost.localdomain;172.16.1.1"


@pytest.mark.parametrize("enable", [1, "1"])
@pytest.mark.parametrize(
    ("host", "expected", "override"),
    [
        ("192.168.0.1", True, OVERRIDES),
        ("172.16.1.1", True, OVERRIDES),
        ("LOCALHOST.localdomain", True, OVERRIDES),
        ("172.16.1.22", False, OVERRIDES),
        ("172.16.1.12", False, OVERRIDES),  # requests matches this by prefix
        ("google.com", False, OVERRIDES),
        ("mylocalhostname", True, "<local>"),
        ("my.host", False, "<local>"),
        ("a.example", True, "*.example;"),
        ("ab.example", True, "a?.example"),
        ("192.168.0.1", False, ""),
        ("example.com", False, "192.168.*;127.0.0.1;<-loopback>;"),
        ("a+b.example", True, "a+b.example"),
    ],
)
def test_proxy_bypass_registry(
    host: str, expected: bool, override: str, enable: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "winreg", fake_winreg(enable, override))
    assert utils.proxy_bypass_registry(host) is expected


@pytest.mark.parametrize(("enable", "override"), [("", OVERRIDES), (0, OVERRIDES), (1, None)])
def test_proxy_bypass_registry_disabled_or_broken(
    enable: Any, override: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "winreg", fake_winreg(enable, override))
    assert utils.proxy_bypass_registry("192.168.0.1") is False


def test_proxy_bypass_registry_without_winreg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "winreg", None)
    assert utils.proxy_bypass_registry("anything") is False


def test_proxy_bypass_on_windows_prefers_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "winreg", fake_winreg(1, "registry.example"))
    monkeypatch.setattr(sys, "platform", "win32")
    assert utils.proxy_bypass("registry.example") is True
    monkeypatch.setenv("http_proxy", "http://proxy:1")
    monkeypatch.setenv("no_proxy", "env.example")
    assert utils.proxy_bypass("registry.example") is False
    assert utils.proxy_bypass("env.example") is True


# --- file helpers -------------------------------------------------------------------------


@pytest.mark.parametrize("value", [1, type("Fake", (), {"name": 1})(), object()])
def test_guess_filename_invalid(value: Any) -> None:
    assert guess_filename(value) is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [("value", "value"), (b"value", b"value"), ("/a/b/c.txt", "c.txt"), (b"/a/b.txt", b"b.txt")],
)
def test_guess_filename_valid(name: str | bytes, expected: str | bytes) -> None:
    result = guess_filename(type("Fake", (), {"name": name})())
    assert result == expected
    assert type(result) is type(expected)


@pytest.mark.parametrize("name", ["<stdin>", b"<stdin>", "", "<fd:3>"])
def test_guess_filename_pseudo_names(name: str | bytes) -> None:
    assert guess_filename(type("Fake", (), {"name": name})()) is None


@pytest.mark.parametrize(
    "path",
    ["/", __file__, pytest.__file__, "/etc/invalid/location", r"\\localhost\invalid\location"],
)
def test_extract_zipped_paths_leaves_other_paths_alone(path: str) -> None:
    assert extract_zipped_paths(path) == path


def test_extract_zipped_paths_extracts_members(tmp_path: Path) -> None:
    archive = tmp_path / "test.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(__file__, arcname="pkg/data/sample.py")
    zipped_path = str(archive / "pkg" / "data" / "sample.py")
    first = extract_zipped_paths(zipped_path)
    second = extract_zipped_paths(zipped_path)
    try:
        assert first != zipped_path
        assert filecmp.cmp(first, __file__, shallow=False)
        assert first.endswith(".py")
        # A fresh, unpredictable file each time: never a shared fixed path.
        assert first != second
        assert Path(first).parent != tmp_path
    finally:
        Path(first).unlink()
        Path(second).unlink()


def test_extract_zipped_paths_missing_member(tmp_path: Path) -> None:
    archive = tmp_path / "test.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("present.txt", "x")
    missing = str(archive / "absent.txt")
    assert extract_zipped_paths(missing) == missing
    not_a_zip = tmp_path / "plain.txt"
    not_a_zip.write_text("x")
    assert extract_zipped_paths(str(not_a_zip / "member")) == str(not_a_zip / "member")


def test_atomic_open(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with utils.atomic_open(str(target)) as handle:
        handle.write(b"new")
        assert target.read_bytes() == b"old"
    assert target.read_bytes() == b"new"
    with pytest.raises(RuntimeError, match="Expected exception"):
        fail_inside(utils.atomic_open(str(target)))
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


# --- cookies ------------------------------------------------------------------------------


@pytest.mark.parametrize("cookiejar", [CookieJar(), RequestsCookieJar()])
def test_add_dict_to_cookiejar(cookiejar: CookieJar) -> None:
    cookie_dict = {"test": "cookies", "good": "cookies"}
    jar = add_dict_to_cookiejar(cookiejar, cookie_dict)
    assert jar is cookiejar
    assert dict_from_cookiejar(jar) == cookie_dict
    assert ref.dict_from_cookiejar(jar) == cookie_dict


# --- rewind_body --------------------------------------------------------------------------


class Prepared:
    def __init__(self, body: Any, position: Any) -> None:
        self.body = body
        self._body_position = position


def test_rewind_body() -> None:
    body = io.BytesIO(b"the data")
    body.read(4)
    prepared = Prepared(body, 4)
    assert body.read() == b"data"
    utils.rewind_body(prepared)
    assert body.read() == b"data"


def test_rewind_body_without_seek_or_position() -> None:
    with pytest.raises(UnrewindableBodyError, match="Unable to rewind request body"):
        utils.rewind_body(Prepared(object(), 0))
    with pytest.raises(UnrewindableBodyError, match="Unable to rewind request body"):
        utils.rewind_body(Prepared(io.BytesIO(), object()))
    with pytest.raises(UnrewindableBodyError, match="Unable to rewind request body"):
        utils.rewind_body(Prepared(io.BytesIO(), None))


def test_rewind_body_failed_seek() -> None:
    class BadSeek:
        def seek(self, *_args: int) -> None:
            raise OSError

    with pytest.raises(UnrewindableBodyError, match="error occurred when rewinding"):
        utils.rewind_body(Prepared(BadSeek(), 0))


def test_utils_module_can_be_pickled_by_reference() -> None:
    # Functions are looked up by module and name, so they must live where they claim.
    for name in ("requote_uri", "should_bypass_proxies", "parse_header_links", "guess_json_utf"):
        function = getattr(utils, name)
        assert pickle.loads(pickle.dumps(function)) is function  # noqa: S301  # our own data
