"""Text-decoding helpers of ``requests.utils``: charsets from headers and bodies, JSON UTFs.

Re-exported by :mod:`requestx.utils`; import them from there. Responses are duck-typed: the
functions that take one read only ``encoding``, ``headers`` and ``content`` from it.
"""

from __future__ import annotations

import codecs
import re
import warnings
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Final, Protocol, overload

__all__ = [
    "encoding_of_content_type",
    "get_encoding_from_headers",
    "get_encodings_from_content",
    "get_unicode_from_response",
    "guess_json_utf",
    "iter_slices",
    "stream_decode_response_unicode",
]


class _HasEncoding(Protocol):
    @property
    def encoding(self) -> str | None: ...


class _HasContent(Protocol):
    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def content(self) -> bytes | None: ...


# The three places a document declares its charset, in the order requests reports them.
_META_CHARSET: Final = re.compile(r"""<meta.*?charset=["']*(.+?)["'>]""", re.IGNORECASE)
_META_PRAGMA: Final = re.compile(r"""<meta.*?content=["']*;?charset=(.+?)["'>]""", re.IGNORECASE)
_XML_DECLARATION: Final = re.compile(r"""^<\?xml.*?encoding=["']*(.+?)["'>]""")

_DEPRECATED: Final = (
    "{name} is deprecated: requests will remove it in 3.0 and requestx follows "
    "(see psf/requests#2266). (This warning should only appear once.)"
)


def get_encodings_from_content(content: str) -> list[str]:
    """The charsets an HTML or XML document declares: ``<meta charset>``, the
    ``http-equiv`` pragma, then the XML declaration.

    Deprecated, as in requests: it warns with :class:`DeprecationWarning`.

    :param content: the document, already decoded to text.
    """
    warnings.warn(
        _DEPRECATED.format(name="get_encodings_from_content"), DeprecationWarning, stacklevel=2
    )
    return [
        *_META_CHARSET.findall(content),
        *_META_PRAGMA.findall(content),
        *_XML_DECLARATION.findall(content),
    ]


# Whitespace and either quote may wrap a Content-Type parameter's name or value.
_PARAM_JUNK: Final = "\"' "


def _parse_content_type_header(header: str) -> tuple[str, dict[str, Any]]:
    """Split a Content-Type value into the media type and a dict of its parameters.

    Parameter names are lower-cased; quotes and spaces around names and values are dropped.
    A parameter without ``=`` maps to True, as in requests 2.32 (the release we mirror).

    :return: ``(media type, parameters)``.
    """
    media_type, *params = header.split(";")
    parsed: dict[str, Any] = {}
    for param in params:
        key, has_value, value = param.strip().partition("=")
        name = key.strip(_PARAM_JUNK).lower()
        if has_value:
            parsed[name] = value.strip(_PARAM_JUNK)
        elif name:
            parsed[name] = True
    return media_type.strip(), parsed


def get_encoding_from_headers(headers: Mapping[str, str]) -> str | None:
    """The charset a response's headers give its body, or None if they give none.

    The ``charset`` parameter of Content-Type wins. Without one, ``text/*`` means ISO-8859-1
    (RFC 2616's default, which requests keeps) and ``application/json`` means UTF-8
    (RFC 4627).

    :param headers: a case-insensitive mapping of the response headers.
    :rtype: str
    """
    return encoding_of_content_type(headers.get("content-type"))


def encoding_of_content_type(content_type: str | None) -> str | None:
    """`get_encoding_from_headers` for the Content-Type value alone (None if absent)."""
    if not content_type:
        return None
    # Every response asks, and a client sees few distinct Content-Types: remember answers.
    try:
        return _ENCODING_BY_CONTENT_TYPE[content_type]
    except (KeyError, TypeError):
        pass
    encoding = _encoding_of(content_type)
    if isinstance(content_type, str):
        if len(_ENCODING_BY_CONTENT_TYPE) >= _ENCODING_CACHE_MAX:
            _ENCODING_BY_CONTENT_TYPE.clear()
        _ENCODING_BY_CONTENT_TYPE[content_type] = encoding
    return encoding


_ENCODING_BY_CONTENT_TYPE: dict[str, str | None] = {}
_ENCODING_CACHE_MAX = 256


def _encoding_of(content_type: str) -> str | None:
    media_type, params = _parse_content_type_header(content_type)
    charset = params.get("charset")
    if isinstance(charset, str):  # a bare `charset` without `=` names no charset
        return charset.strip("'\"")
    if "text" in media_type:
        return "ISO-8859-1"
    if "application/json" in media_type:
        return "utf-8"
    return None


def stream_decode_response_unicode(
    iterator: Iterable[bytes], r: _HasEncoding
) -> Iterator[str | bytes]:
    """Decode a stream of byte chunks with ``r.encoding``; pass them through if it is None.

    The decoder is incremental, so a character split between chunks comes out whole, and
    undecodable bytes become U+FFFD instead of raising.
    """
    if r.encoding is None:
        yield from iterator
        return
    decoder = codecs.getincrementaldecoder(r.encoding)(errors="replace")
    for chunk in iterator:
        if text := decoder.decode(chunk):
            yield text
    if tail := decoder.decode(b"", final=True):
        yield tail


@overload
def iter_slices(string: str, slice_length: int | None) -> Iterator[str]: ...
@overload
def iter_slices(string: bytes, slice_length: int | None) -> Iterator[bytes]: ...
def iter_slices(string: str | bytes, slice_length: int | None) -> Iterator[str | bytes]:
    """Iterate over ``string`` in slices of ``slice_length``; all at once if that is None or
    not positive."""
    if slice_length is None or slice_length <= 0:
        slice_length = len(string)
    for start in range(0, len(string), max(slice_length, 1)):
        yield string[start : start + slice_length]


def get_unicode_from_response(r: _HasContent) -> str | bytes | None:
    """The body of ``r`` as text: decoded with the headers' charset, else as UTF-8, with
    undecodable bytes replaced.

    Deprecated, as in requests: it warns with :class:`DeprecationWarning`. Use
    ``Response.text``.

    :rtype: str
    """
    warnings.warn(
        _DEPRECATED.format(name="get_unicode_from_response"), DeprecationWarning, stacklevel=2
    )
    content = r.content
    if content is None:
        return None
    encoding = get_encoding_from_headers(r.headers)
    if encoding:
        try:
            return str(content, encoding)
        except UnicodeError:
            pass
        except LookupError:
            # A charset Python does not know: fall back to UTF-8 instead of failing.
            encoding = None
    try:
        return str(content, encoding or "utf-8", errors="replace")
    except TypeError:
        # Not bytes after all (a stand-in response); hand it back untouched, as requests does.
        return content


# Byte order marks, longest first: the UTF-32 LE mark begins with the UTF-16 LE one. The
# codecs named keep the BOM-aware form, so decoding strips the mark.
_BOMS: Final = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Which of the first bytes are zero, for JSON whose first two characters are ASCII. Three
# bytes are enough to tell the big-endian forms apart, so shorter documents match too.
_ZERO_PATTERNS: Final = {
    (True, False, True, False): "utf-16-be",
    (True, False, True): "utf-16-be",
    (False, True, False, True): "utf-16-le",
    (True, True, True, False): "utf-32-be",
    (True, True, True): "utf-32-be",
    (False, True, True, True): "utf-32-le",
}


def guess_json_utf(data: bytes) -> str | None:
    """The UTF encoding a JSON document is in, from its first four bytes.

    A byte order mark names the encoding (the result then keeps the BOM-aware codec:
    ``utf-8-sig``, ``utf-16``, ``utf-32``). Without one, JSON's first two characters are
    ASCII, so where the zero bytes sit tells UTF-16 and UTF-32 and their byte order apart.
    None if the pattern fits no UTF.

    :rtype: str
    """
    head = data[:4]
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding
    zeros = tuple(byte == 0 for byte in head)
    if not any(zeros):
        return "utf-8"
    return _ZERO_PATTERNS.get(zeros)
