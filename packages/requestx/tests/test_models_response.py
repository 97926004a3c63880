"""Response: body reading (sync and async), decoding, JSON, links, status checks, pickling."""

import asyncio
import datetime
import io
import json
import pickle
from collections.abc import AsyncIterator, Awaitable, Iterator
from typing import Any, TypeVar

import pytest
import requests
import requests.models

from requestx import _response_body, models
from requestx.cookies import RequestsCookieJar
from requestx.exceptions import (
    ChunkedEncodingError,
    ConnectionError,  # requestx's, as the models raise it
    ContentDecodingError,
    HTTPError,
    InvalidJSONError,
    JSONDecodeError,
    RequestException,
    StreamConsumedError,
)
from requestx.models import PreparedRequest, Request, Response
from requestx.structures import CaseInsensitiveDict

T = TypeVar("T")


def run(awaitable: Awaitable[T]) -> T:
    async def main() -> T:
        return await awaitable

    return asyncio.run(main())


class FakeRaw:
    """The raw body contract of Response.raw: read, stream, astream, close, release_conn.

    The body arrives in ``pieces`` (as a network would deliver it); ``stream`` and ``read``
    re-cut it to the size asked for. ``error`` is raised once the pieces are used up.
    """

    def __init__(self, *pieces: bytes, error: Exception | None = None) -> None:
        self._pieces = list(pieces)
        self._buffer = bytearray()
        self._error = error
        self.closed = False
        self.released = False
        self.calls: list[str] = []

    def _fill(self, amt: int | None) -> None:
        while self._pieces and (amt is None or len(self._buffer) < amt):
            self._buffer += self._pieces.pop(0)
        if not self._pieces and not self._buffer and self._error is not None:
            error, self._error = self._error, None
            raise error

    def read(self, amt: int | None = None, decode_content: bool = False) -> bytes:  # noqa: ARG002
        self.calls.append(f"read({amt})")
        self._fill(amt)
        size = len(self._buffer) if amt is None else amt
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def stream(self, amt: int | None = 65536, decode_content: bool = True) -> Iterator[bytes]:
        self.calls.append(f"stream({amt}, {decode_content})")
        while data := self.read(amt):
            yield data

    async def astream(
        self, amt: int | None = 65536, decode_content: bool = True
    ) -> AsyncIterator[bytes]:
        self.calls.append(f"astream({amt}, {decode_content})")
        while data := self.read(amt):
            await asyncio.sleep(0)
            yield data

    def close(self) -> None:
        self.calls.append("close")
        self.closed = True

    def release_conn(self) -> None:
        self.calls.append("release_conn")
        self.released = True


def make_response(
    *pieces: bytes,
    status: int = 200,
    headers: dict[str, str] | None = None,
    encoding: str | None = None,
    raw: Any = None,
    error: Exception | None = None,
) -> Response:
    response = Response()
    response.status_code = status
    response.reason = "OK"
    response.url = "http://example.com/resource"
    response.headers = CaseInsensitiveDict(headers or {})
    response.encoding = encoding
    response.raw = raw if raw is not None else FakeRaw(*pieces, error=error)
    return response


def requests_response(body: bytes, encoding: str | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code = 200
    response.raw = io.BytesIO(body)
    response.encoding = encoding
    return response


# --- construction and simple properties ---------------------------------------------------


def test_a_fresh_response_matches_requests() -> None:
    ours, theirs = Response(), requests.Response()
    for name in ("status_code", "url", "encoding", "reason", "request", "raw", "history"):
        assert getattr(ours, name) == getattr(theirs, name), name
    assert ours.headers == {}
    assert isinstance(ours.cookies, RequestsCookieJar)
    assert ours.elapsed == datetime.timedelta(0)
    assert ours._content is False
    assert ours._content_consumed is False
    assert ours.next is None
    assert repr(ours) == "<Response [None]>"


def test_repr() -> None:
    assert repr(make_response(status=404)) == "<Response [404]>"


@pytest.mark.parametrize(
    ("status", "location", "redirect", "permanent"),
    [
        (301, True, True, True),
        (302, True, True, False),
        (303, True, True, False),
        (307, True, True, False),
        (308, True, True, True),
        (301, False, False, False),
        (300, True, False, False),
        (200, True, False, False),
    ],
)
def test_redirect_properties(status: int, location: bool, redirect: bool, permanent: bool) -> None:
    headers = {"Location": "/elsewhere"} if location else {}
    response = make_response(status=status, headers=headers)
    assert response.is_redirect is redirect
    assert response.is_permanent_redirect is permanent


def test_next_is_the_pending_redirect_request() -> None:
    response = make_response()
    follow = PreparedRequest()
    response._next = follow
    assert response.next is follow


# --- raise_for_status and ok --------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "reason", "message"),
    [
        (404, "NOT FOUND", "404 Client Error: NOT FOUND for url: http://example.com/resource"),
        (499, "Custom", "499 Client Error: Custom for url: http://example.com/resource"),
        (500, "Oops", "500 Server Error: Oops for url: http://example.com/resource"),
        (599, None, "599 Server Error: None for url: http://example.com/resource"),
        (
            404,
            "\u041d\u0435 \u043d\u0430\u0439\u0434\u0435\u043d\u043e".encode(),
            "404 Client Error: \u041d\u0435 \u043d\u0430\u0439\u0434\u0435\u043d\u043e for url: http://example.com/resource",
        ),
        (500, b"Erreur \xe9", "500 Server Error: Erreur \xe9 for url: http://example.com/resource"),
    ],
)
def test_raise_for_status_messages(status: int, reason: Any, message: str) -> None:
    response = make_response(status=status)
    response.reason = reason
    with pytest.raises(HTTPError) as caught:
        response.raise_for_status()
    assert str(caught.value) == message
    assert caught.value.response is response
    assert not response.ok
    assert not response


@pytest.mark.parametrize("status", [100, 200, 204, 301, 399, 600])
def test_no_error_below_400_or_from_600(status: int) -> None:
    response = make_response(status=status)
    response.raise_for_status()
    assert response.ok
    assert response


def test_raise_for_status_agrees_with_requests() -> None:
    ours, theirs = make_response(status=418), requests.Response()
    theirs.status_code, theirs.reason, theirs.url = 418, "I'M A TEAPOT", ours.url
    ours.reason = "I'M A TEAPOT"
    with pytest.raises(HTTPError) as our_error:
        ours.raise_for_status()
    with pytest.raises(requests.HTTPError) as their_error:
        theirs.raise_for_status()
    assert str(our_error.value) == str(their_error.value)


def test_error_carries_the_request() -> None:
    response = make_response(status=500)
    response.request = Request("GET", "http://example.com/").prepare()
    with pytest.raises(HTTPError) as caught:
        response.raise_for_status()
    assert caught.value.request is response.request


# --- content ------------------------------------------------------------------------------


def test_content_reads_the_raw_stream_once() -> None:
    raw = FakeRaw(b"hello ", b"world")
    response = make_response(raw=raw)
    assert response.content == b"hello world"
    assert response.content == b"hello world"
    assert raw.calls.count(f"stream({models.CONTENT_CHUNK_SIZE}, True)") == 1
    assert response._content_consumed


def test_content_of_a_file_like_raw() -> None:
    response = make_response(raw=io.BytesIO(b"from a file"))
    assert response.content == b"from a file"


def test_content_is_none_without_a_raw_or_with_status_zero() -> None:
    assert Response().content is None
    response = make_response(b"ignored", status=0)
    assert response.content is None


def test_content_after_streaming_raises() -> None:
    response = make_response(b"abc")
    assert list(response.iter_content(2)) == [b"ab", b"c"]
    with pytest.raises(RuntimeError, match="The content for this response was already consumed"):
        _ = response.content


def test_empty_body() -> None:
    response = make_response()
    assert response.content == b""
    assert response.text == ""


def test_stream_errors_propagate() -> None:
    for error in (ChunkedEncodingError("bad chunk"), ContentDecodingError("bad gzip")):
        response = make_response(b"partial", error=error)
        with pytest.raises(type(error)):
            _ = response.content


def test_urllib3_errors_are_translated_like_requests() -> None:
    urllib3_exceptions = pytest.importorskip("urllib3.exceptions")
    cases = [
        (urllib3_exceptions.ProtocolError("broken"), ChunkedEncodingError),
        (urllib3_exceptions.DecodeError("bad"), ContentDecodingError),
        (urllib3_exceptions.ReadTimeoutError(None, "/", "slow"), ConnectionError),
    ]
    for error, expected in cases:
        response = make_response(b"x", error=error)
        with pytest.raises(expected) as caught:
            list(response.iter_content(1))
        assert caught.value.__cause__ is error


def test_other_errors_pass_through_unchanged() -> None:
    response = make_response(b"x", error=KeyError("odd"))
    with pytest.raises(KeyError):
        _ = response.content


# --- iter_content -------------------------------------------------------------------------


def test_iter_content_uses_stream_with_the_chunk_size() -> None:
    raw = FakeRaw(b"abcdefg")
    response = make_response(raw=raw)
    assert list(response.iter_content(3)) == [b"abc", b"def", b"g"]
    assert raw.calls[0] == "stream(3, True)"


def test_iter_content_falls_back_to_read() -> None:
    response = make_response(raw=io.BytesIO(b"abcdefg"))
    assert list(response.iter_content(3)) == [b"abc", b"def", b"g"]
    assert response._content_consumed


def test_iter_content_twice_raises_stream_consumed() -> None:
    response = make_response(b"abc")
    list(response.iter_content())
    with pytest.raises(StreamConsumedError):
        response.iter_content()
    assert issubclass(StreamConsumedError, TypeError)


def test_iter_content_after_content_slices_it() -> None:
    response = make_response(b"abcdef")
    _ = response.content
    assert list(response.iter_content(4)) == [b"abcd", b"ef"]
    assert list(response.iter_content(None)) == [b"abcdef"]
    assert list(response) == [b"abcdef"]


@pytest.mark.parametrize("chunk_size", ["1", 1.5, object()])
def test_iter_content_rejects_non_int_chunk_sizes(chunk_size: Any) -> None:
    response = make_response(b"abc")
    with pytest.raises(TypeError, match="chunk_size must be an int, it is instead a"):
        response.iter_content(chunk_size)


def test_iter_content_none_gives_the_pieces() -> None:
    response = make_response(raw=io.BytesIO(b"all at once"))
    assert list(response.iter_content(None)) == [b"all at once"]


def test_iterating_a_response_gives_128_byte_chunks() -> None:
    response = make_response(bytes(300))
    assert [len(chunk) for chunk in response] == [128, 128, 44]


def test_iter_content_decode_unicode_keeps_split_characters_whole() -> None:
    body = "h\u00e9llo w\u00f6rld \u2603".encode()
    response = make_response(body, encoding="utf-8")
    assert "".join(response.iter_content(1, decode_unicode=True)) == "h\u00e9llo w\u00f6rld \u2603"


def test_iter_content_decode_unicode_without_encoding_gives_bytes() -> None:
    response = make_response(b"abc")
    assert list(response.iter_content(2, decode_unicode=True)) == [b"ab", b"c"]


def test_iter_content_decode_unicode_replaces_bad_bytes() -> None:
    response = make_response(b"ok \xff!", encoding="utf-8")
    assert "".join(response.iter_content(2, decode_unicode=True)) == "ok \ufffd!"


# --- iter_lines ---------------------------------------------------------------------------

LINE_BODIES = [
    b"",
    b"one",
    b"one\ntwo\nthree",
    b"one\ntwo\n",
    b"\n\nempty lines\n\n",
    b"crlf\r\nlines\r\nhere\r\n",
    b"mixed\rendings\n\r\nend",
    b"a;b;;c;",
    "unicode \u2603\nline \u00e9\n".encode(),
]


@pytest.mark.parametrize("body", LINE_BODIES)
@pytest.mark.parametrize("chunk_size", [1, 2, 3, 5, 512])
@pytest.mark.parametrize("delimiter", [None, b";", b"\r\n"])
def test_iter_lines_agrees_with_requests(body: bytes, chunk_size: int, delimiter: Any) -> None:
    ours = make_response(raw=io.BytesIO(body))
    theirs = requests_response(body)
    expected = list(theirs.iter_lines(chunk_size, delimiter=delimiter))
    assert list(ours.iter_lines(chunk_size, delimiter=delimiter)) == expected


@pytest.mark.parametrize("body", LINE_BODIES)
@pytest.mark.parametrize("chunk_size", [1, 4, 512])
def test_iter_lines_decoded_agrees_with_requests(body: bytes, chunk_size: int) -> None:
    ours = make_response(raw=io.BytesIO(body), encoding="utf-8")
    theirs = requests_response(body, encoding="utf-8")
    expected = list(theirs.iter_lines(chunk_size, decode_unicode=True))
    assert list(ours.iter_lines(chunk_size, decode_unicode=True)) == expected


def test_iter_lines_twice_raises_stream_consumed() -> None:
    response = make_response(b"a\nb")
    assert list(response.iter_lines()) == [b"a", b"b"]
    with pytest.raises(StreamConsumedError):
        list(response.iter_lines())


def test_iter_lines_after_content_reads_the_content() -> None:
    response = make_response(b"a\nb")
    _ = response.content
    assert list(response.iter_lines()) == [b"a", b"b"]
    assert list(response.iter_lines()) == [b"a", b"b"]


def test_iter_lines_with_str_delimiter() -> None:
    response = make_response(b"a|b|c", encoding="ascii")
    theirs = requests_response(b"a|b|c", encoding="ascii")
    expected = list(theirs.iter_lines(2, decode_unicode=True, delimiter="|"))
    # requests' quirk, kept: a chunk that ends with the delimiter yields an empty line.
    assert expected == ["a", "", "b", "", "c"]
    assert list(response.iter_lines(2, decode_unicode=True, delimiter="|")) == expected


def test_iter_lines_is_lazy() -> None:
    response = make_response(b"x")
    lines = response.iter_lines()
    assert response.raw.calls == []
    assert list(lines) == [b"x"]


# --- text and encodings -------------------------------------------------------------------


def test_text_uses_the_encoding() -> None:
    body = "caf\u00e9".encode("latin-1")
    assert make_response(body, encoding="latin-1").text == "caf\u00e9"
    assert make_response(body, encoding="utf-8").text == "caf\ufffd"


def test_text_falls_back_for_unknown_encodings() -> None:
    response = make_response("caf\u00e9".encode(), encoding="no-such-codec")
    assert response.text == "caf\u00e9"


def test_text_guesses_the_encoding_when_none_is_set() -> None:
    body = "\u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440! " * 20
    response = make_response(body.encode("utf-8"))
    assert response.text == body
    assert response.encoding is None


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        ("Le caf\u00e9 est tr\u00e8s bon, merci beaucoup pour l'\u00e9t\u00e9. " * 10, "utf-8"),
        (
            "\u041f\u0440\u0438\u0432\u0435\u0442, \u043a\u0430\u043a \u0434\u0435\u043b\u0430? "
            * 10,
            "utf-8",
        ),
        ("plain ascii text only " * 10, "ascii"),
    ],
)
def test_apparent_encoding_detects(text: str, codec: str) -> None:
    response = make_response(text.encode(codec))
    assert response.apparent_encoding == requests_response(response.content).apparent_encoding
    assert response.apparent_encoding is not None
    assert response.content.decode(response.apparent_encoding) == text


def test_apparent_encoding_without_a_detector_is_utf8(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_response_body, "charset_detector", lambda: None)
    response = make_response(b"\xe9t\xe9")
    assert response.apparent_encoding == "utf-8"
    assert response.text == "\ufffdt\ufffd"


def test_detector_prefers_charset_normalizer() -> None:
    detector = _response_body.charset_detector()
    assert detector is not None
    assert detector.__name__ == "charset_normalizer"


# --- json ---------------------------------------------------------------------------------

DOCUMENT = {"name": "caf\u00e9", "items": [1, 2.5, None, True]}


@pytest.mark.parametrize("codec", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"])
def test_json_detects_the_utf_variant(codec: str) -> None:
    body = json.dumps(DOCUMENT).encode(codec)
    assert make_response(body).json() == DOCUMENT
    assert requests_response(body).json() == DOCUMENT


@pytest.mark.parametrize("codec", ["utf-32", "utf-32-le", "utf-32-be"])
def test_json_detects_utf32(codec: str) -> None:
    assert make_response(json.dumps(DOCUMENT).encode(codec)).json() == DOCUMENT


def test_json_uses_a_declared_encoding() -> None:
    body = json.dumps(DOCUMENT, ensure_ascii=False).encode("latin-1")
    assert make_response(body, encoding="latin-1").json() == DOCUMENT


def test_json_passes_keyword_arguments() -> None:
    response = make_response(b'{"n": 1.5}')
    assert response.json(parse_float=str) == {"n": "1.5"}


def test_short_json_bodies() -> None:
    assert make_response(b"1").json() == 1
    assert make_response(b"[]").json() == []


@pytest.mark.parametrize("body", [b"", b"not json", b'{"a": ', b"{\x00\x00\x00"])
def test_invalid_json_raises_the_requestx_error(body: bytes) -> None:
    with pytest.raises(JSONDecodeError) as caught:
        make_response(body).json()
    with pytest.raises(requests.JSONDecodeError) as theirs:
        requests_response(body).json()
    error = caught.value
    assert isinstance(error, json.JSONDecodeError)
    assert isinstance(error, InvalidJSONError)
    assert isinstance(error, RequestException)
    assert isinstance(error, ValueError)
    assert (error.msg, error.doc, error.pos) == (
        theirs.value.msg,
        theirs.value.doc,
        theirs.value.pos,
    )
    assert str(error) == str(theirs.value)
    assert isinstance(error.__cause__, json.JSONDecodeError)


def test_json_decode_error_pickles() -> None:
    with pytest.raises(JSONDecodeError) as caught:
        make_response(b"[1, 2").json()
    restored = pickle.loads(pickle.dumps(caught.value))  # noqa: S301  # our own data
    assert (restored.msg, restored.doc, restored.pos) == ("Expecting ',' delimiter", "[1, 2", 5)


# --- links --------------------------------------------------------------------------------


def test_links() -> None:
    header = (
        '<https://api.example.com/page=2>; rel="next", '
        '<https://api.example.com/page=5>; rel="last", '
        "<https://api.example.com/norel>"
    )
    response = make_response(headers={"Link": header})
    assert response.links == {
        "next": {"url": "https://api.example.com/page=2", "rel": "next"},
        "last": {"url": "https://api.example.com/page=5", "rel": "last"},
        "https://api.example.com/norel": {"url": "https://api.example.com/norel"},
    }
    theirs = requests.Response()
    theirs.headers = requests.structures.CaseInsensitiveDict({"link": header})
    assert response.links == theirs.links


def test_no_links() -> None:
    assert make_response().links == {}


# --- close, context managers --------------------------------------------------------------


def test_close_an_unread_response_closes_and_releases() -> None:
    raw = FakeRaw(b"unread")
    with make_response(raw=raw) as response:
        assert isinstance(response, Response)
    assert raw.calls == ["close", "release_conn"]


def test_close_after_reading_only_releases() -> None:
    raw = FakeRaw(b"read")
    response = make_response(raw=raw)
    _ = response.content
    response.close()
    assert raw.calls[-1] == "release_conn"
    assert "close" not in raw.calls


def test_close_without_raw_or_release_conn() -> None:
    Response().close()
    make_response(raw=io.BytesIO(b"x")).close()


# --- pickling -----------------------------------------------------------------------------


def test_pickling_reads_the_body_and_keeps_the_state() -> None:
    response = make_response(b"pickled body", status=201, headers={"X-A": "1"}, encoding="utf-8")
    response.request = Request("POST", "http://example.com/", data={"a": "b"}).prepare()
    response.history = [make_response(status=301)]
    response.history[0]._content = b""
    response.history[0]._content_consumed = True
    response.history[0].raw = None
    response.cookies.set("session", "abc")
    response.elapsed = datetime.timedelta(seconds=1.5)

    restored = pickle.loads(pickle.dumps(response))  # noqa: S301  # our own data

    assert restored.content == b"pickled body"
    assert restored.text == "pickled body"
    assert restored.status_code == 201
    assert restored.headers == {"x-a": "1"}
    assert restored.url == response.url
    assert restored.encoding == "utf-8"
    assert restored.reason == "OK"
    assert restored.cookies.get("session") == "abc"
    assert restored.elapsed == datetime.timedelta(seconds=1.5)
    assert restored.request.url == "http://example.com/"
    assert restored.request.body == "a=b"
    assert [r.status_code for r in restored.history] == [301]
    assert restored.raw is None
    assert restored.next is None
    assert restored._content_consumed
    assert list(restored.iter_content(6)) == [b"pickle", b"d body"]


def test_pickling_a_streamed_response_keeps_no_body_like_requests() -> None:
    response = make_response(b"gone")
    list(response.iter_content())
    restored = pickle.loads(pickle.dumps(response))  # noqa: S301  # our own data
    assert restored._content is False
    with pytest.raises(RuntimeError, match="already consumed"):
        _ = restored.content


# --- async twins --------------------------------------------------------------------------


def test_aread_loads_the_content() -> None:
    raw = FakeRaw(b"async ", b"body")
    response = make_response(raw=raw)
    assert run(response.aread()) == b"async body"
    assert response.content == b"async body"
    assert raw.calls[0] == f"astream({models.CONTENT_CHUNK_SIZE}, True)"
    assert run(response.aread()) == b"async body"


def test_aread_without_astream_reads_synchronously() -> None:
    assert run(make_response(raw=io.BytesIO(b"file")).aread()) == b"file"


def test_aread_with_no_raw_is_none() -> None:
    assert run(Response().aread()) is None


def test_aread_after_streaming_raises() -> None:
    response = make_response(b"abc")
    list(response.iter_content())
    with pytest.raises(RuntimeError, match="already consumed"):
        run(response.aread())


async def collect(chunks: AsyncIterator[T]) -> list[T]:
    return [chunk async for chunk in chunks]


def test_aiter_content() -> None:
    response = make_response(b"abcdefg")
    assert run(collect(response.aiter_content(3))) == [b"abc", b"def", b"g"]
    assert response._content_consumed
    with pytest.raises(StreamConsumedError):
        response.aiter_content()


def test_aiter_content_after_content_slices_it() -> None:
    response = make_response(b"abcdef")
    _ = response.content
    assert run(collect(response.aiter_content(4))) == [b"abcd", b"ef"]


def test_aiter_content_checks_its_arguments_at_once() -> None:
    with pytest.raises(TypeError, match="chunk_size must be an int"):
        make_response(b"x").aiter_content("3")  # type: ignore[arg-type]


def test_aiter_content_decodes() -> None:
    body = "h\u00e9llo \u2603".encode()
    response = make_response(body, encoding="utf-8")
    assert (
        "".join(run(collect(response.aiter_content(1, decode_unicode=True)))) == "h\u00e9llo \u2603"
    )
    undeclared = make_response(b"raw")
    assert run(collect(undeclared.aiter_content(2, decode_unicode=True))) == [b"ra", b"w"]


def test_aiter_content_propagates_stream_errors() -> None:
    response = make_response(b"partial", error=ChunkedEncodingError("cut"))
    with pytest.raises(ChunkedEncodingError):
        run(collect(response.aiter_content(4)))


def test_aiter_content_with_a_sync_stream_only_raw() -> None:
    class SyncOnly:
        def __init__(self) -> None:
            self.data = io.BytesIO(b"sync stream")

        def stream(self, amt: int, decode_content: bool = True) -> Iterator[bytes]:  # noqa: ARG002
            while chunk := self.data.read(amt):
                yield chunk

    response = make_response(raw=SyncOnly())
    assert run(collect(response.aiter_content(5))) == [b"sync ", b"strea", b"m"]


@pytest.mark.parametrize("body", LINE_BODIES)
@pytest.mark.parametrize("chunk_size", [1, 3, 512])
@pytest.mark.parametrize("delimiter", [None, b";"])
def test_aiter_lines_matches_iter_lines(body: bytes, chunk_size: int, delimiter: Any) -> None:
    expected = list(make_response(body).iter_lines(chunk_size, delimiter=delimiter))
    response = make_response(body)
    assert run(collect(response.aiter_lines(chunk_size, delimiter=delimiter))) == expected


def test_aiter_lines_decoded() -> None:
    response = make_response("a\u00e9\nb\n".encode(), encoding="utf-8")
    assert run(collect(response.aiter_lines(1, decode_unicode=True))) == ["a\u00e9", "b"]


def test_aclose_closes_an_unread_body_and_releases() -> None:
    raw = FakeRaw(b"unread")
    run(make_response(raw=raw).aclose())
    assert raw.calls == ["close", "release_conn"]


def test_aclose_awaits_an_async_close() -> None:
    class AsyncClosing(FakeRaw):
        async def aclose(self) -> None:
            self.calls.append("aclose")

    raw = AsyncClosing(b"x")
    run(make_response(raw=raw).aclose())
    assert raw.calls == ["aclose", "release_conn"]


def test_async_context_manager() -> None:
    raw = FakeRaw(b"body")

    async def use() -> bytes:
        async with make_response(raw=raw) as response:
            return await response.aread()

    assert run(use()) == b"body"
    assert raw.calls[-1] == "release_conn"
    assert "close" not in raw.calls
    run(Response().aclose())
