"""MultiDict, request Headers, response MutableHeaders, UploadFile and FormData."""

from __future__ import annotations

import pytest

from httpy import FormData, Headers, HeaderValueError, MultiDict, MutableHeaders, UploadFile
from httpy.responses import Response

# --- MultiDict -----------------------------------------------------------------------


def test_multidict_keeps_every_value_in_order() -> None:
    md = MultiDict([("a", "1"), ("b", "2"), ("a", "3")])
    assert md["a"] == "1"
    assert md.get("a") == "1"
    assert md.getlist("a") == ["1", "3"]
    assert md.getlist("missing") == []
    assert list(md) == ["a", "b"]
    assert len(md) == 2
    assert md.multi_items() == [("a", "1"), ("b", "2"), ("a", "3")]
    assert dict(md) == {"a": "1", "b": "2"}
    assert "b" in md
    assert "c" not in md
    with pytest.raises(KeyError):
        md["c"]


def test_multidict_getlist_is_a_copy() -> None:
    md = MultiDict([("a", "1")])
    md.getlist("a").append("2")
    md.multi_items().clear()
    assert md.getlist("a") == ["1"]
    assert md.multi_items() == [("a", "1")]


# --- Headers (request side) ------------------------------------------------------------


def test_headers_are_case_insensitive_and_keep_repeats() -> None:
    headers = Headers([(b"x-a", b"1"), (b"accept", b"text/html"), (b"x-a", b"2")])
    assert headers["X-A"] == "1, 2"
    assert headers.getlist("X-a") == ["1", "2"]
    assert headers["Accept"] == "text/html"
    assert headers.get("ACCEPT") == "text/html"
    assert headers.get("missing", "default") == "default"
    assert "X-A" in headers
    assert "x-b" not in headers
    assert 3 not in headers  # type: ignore[comparison-overlap]
    assert list(headers) == ["x-a", "accept"]
    assert len(headers) == 2
    assert headers.raw == [(b"x-a", b"1"), (b"accept", b"text/html"), (b"x-a", b"2")]


def test_headers_decode_latin1_bytes() -> None:
    headers = Headers([(b"x-name", "café".encode("latin-1"))])
    assert headers["x-name"] == "café"


# --- MutableHeaders (response side) --------------------------------------------------


def test_mutable_headers_set_append_delete() -> None:
    headers = MutableHeaders({"Content-Type": "text/plain"})
    headers.append("Set-Cookie", "a=1")
    headers.append("set-cookie", "b=2")
    assert headers["content-type"] == "text/plain"
    assert headers.getlist("SET-COOKIE") == ["a=1", "b=2"]
    headers["Set-Cookie"] = "c=3"  # replaces every earlier value
    assert headers.getlist("set-cookie") == ["c=3"]
    assert headers.setdefault("x-new", "v") == "v"
    assert headers.setdefault("X-New", "other") == "v"
    del headers["CONTENT-TYPE"]
    assert "content-type" not in headers
    assert headers.get("content-type") is None
    assert headers.items() == [("set-cookie", "c=3"), ("x-new", "v")]
    assert list(headers) == ["set-cookie", "x-new"]
    assert len(headers) == 2
    assert headers.raw == [(b"set-cookie", b"c=3"), (b"x-new", b"v")]
    with pytest.raises(KeyError):
        headers["content-type"]


def test_mutable_headers_from_pairs_and_from_another() -> None:
    headers = MutableHeaders([("a", "1"), ("a", "2")])
    assert headers.getlist("a") == ["1", "2"]
    copy = MutableHeaders(headers)
    assert copy.items() == [("a", "1"), ("a", "2")]
    copy.append("b", "3")
    assert "b" not in headers


def test_mutable_headers_lookup_with_non_ascii_name_is_just_absent() -> None:
    headers = MutableHeaders({"a": "1"})
    assert "é" not in headers
    assert headers.get("é") is None
    assert headers.getlist("é") == []
    del headers["é"]
    assert headers.items() == [("a", "1")]


@pytest.mark.parametrize(
    "value",
    ["a\r\nx-injected: 1", "a\nb", "a\rb", "a\x00b", "a\x7fb", "\r\n\r\nHTTP/1.1 200 OK"],
)
def test_mutable_headers_refuse_control_characters_when_set(value: str) -> None:
    headers = MutableHeaders()
    with pytest.raises(HeaderValueError, match="control characters"):
        headers["x-value"] = value
    with pytest.raises(HeaderValueError):
        headers.append("x-value", value)
    with pytest.raises(HeaderValueError):
        headers.setdefault("x-value", value)
    with pytest.raises(HeaderValueError):
        MutableHeaders({"x-value": value})
    with pytest.raises(HeaderValueError):
        Response(b"", headers={"x-value": value})
    assert len(headers) == 0  # nothing half-set


def test_mutable_headers_allow_tab_and_obs_text() -> None:
    headers = MutableHeaders()
    headers["x-tab"] = "a\tb"
    headers["x-latin"] = "café"
    assert headers.raw == [(b"x-tab", b"a\tb"), (b"x-latin", "café".encode("latin-1"))]


@pytest.mark.parametrize("name", ["bad name", "bad:name", "bad\r\nname", "", "x(y)", "nàme"])
def test_mutable_headers_refuse_bad_names(name: str) -> None:
    with pytest.raises(HeaderValueError):
        MutableHeaders()[name] = "v"


def test_mutable_headers_refuse_unencodable_values() -> None:
    with pytest.raises(HeaderValueError, match="not encodable"):
        MutableHeaders()["x-emoji"] = "\N{SNOWMAN}"


def test_header_value_error_is_a_value_error() -> None:
    assert issubclass(HeaderValueError, ValueError)


def test_cookie_value_cannot_inject_headers() -> None:
    response = Response()
    with pytest.raises(HeaderValueError):
        response.set_cookie("k", "v", path="/\r\nx-injected: 1")
    assert response.headers.getlist("set-cookie") == []


# --- UploadFile and FormData ---------------------------------------------------------


def test_upload_file_spools_and_reads_back() -> None:
    upload = UploadFile("a.bin", "application/octet-stream", {"x": "y"}, max_memory=4)
    upload.write(b"0123")
    upload.write(b"456789")
    assert upload.size == 10
    upload.seek(0)
    assert upload.read(3) == b"012"
    assert upload.read() == b"3456789"
    assert upload.headers == {"x": "y"}
    assert repr(upload) == "UploadFile(filename='a.bin', size=10)"
    upload.close()
    assert upload.file.closed


def test_form_data_close_closes_every_file() -> None:
    first = UploadFile("a.txt", "text/plain")
    second = UploadFile("b.txt", "text/plain")
    form = FormData([("f", first), ("name", "value"), ("f", second)])
    assert form["name"] == "value"
    assert form.getlist("f") == [first, second]
    form.close()
    assert first.file.closed
    assert second.file.closed
