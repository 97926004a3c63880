"""Header-value helpers of ``requests.utils``: list, dict and Link parsing, validity checks.

Re-exported by :mod:`requestx.utils`; import them from there. The list and dict parsers
follow what browsers and werkzeug do rather than the letter of RFC 9110 (quoted strings are
unquoted loosely, see :func:`unquote_header_value`), because that is what requests returns
and what code written for it expects.
"""

from __future__ import annotations

import re
from typing import Any, Final, overload

from requestx import compat
from requestx.exceptions import InvalidHeader

__all__ = [
    "HEADER_VALIDATORS",
    "check_header_validity",
    "parse_dict_header",
    "parse_header_links",
    "parse_list_header",
    "unquote_header_value",
]

# A name may not start with whitespace or ":" (that would smuggle a second header or a
# pseudo-header) and holds no ":" or line break; a value holds no line break and does not
# start with whitespace (an obsolete line fold). An empty value is fine.
_VALID_NAME_STR: Final = re.compile(r"[^:\s][^:\r\n]*")
_VALID_NAME_BYTES: Final = re.compile(rb"[^:\s][^:\r\n]*")
_VALID_VALUE_STR: Final = re.compile(r"(?:\S[^\r\n]*)?")
_VALID_VALUE_BYTES: Final = re.compile(rb"(?:\S[^\r\n]*)?")

_STR_VALIDATORS: Final = (_VALID_NAME_STR, _VALID_VALUE_STR)
_BYTES_VALIDATORS: Final = (_VALID_NAME_BYTES, _VALID_VALUE_BYTES)

#: Per type of header part, the (name, value) patterns a part must match in full.
HEADER_VALIDATORS: Final[dict[type, tuple[re.Pattern[Any], re.Pattern[Any]]]] = {
    str: _STR_VALIDATORS,
    bytes: _BYTES_VALIDATORS,
}


@overload
def unquote_header_value(value: str, is_filename: bool = False) -> str: ...
@overload
def unquote_header_value(value: None, is_filename: bool = False) -> None: ...
def unquote_header_value(
    value: str | None, is_filename: bool = False
) -> str | None:  # requests' positional flag
    r"""Remove the double quotes around a header value and its ``\\`` / ``\"`` escapes.

    This is what browsers do, not RFC 9110's unquoting: only those two escapes are undone,
    because Internet Explorer sends Windows paths (``"C:\foo\bar.txt"``) unescaped. With
    ``is_filename``, a quoted UNC path (``"\\server\share"``) keeps its leading ``\\``.
    A value that is not quoted is returned unchanged.
    """
    if not value or not value[0] == value[-1] == '"':
        return value
    inner = value[1:-1]
    if is_filename and inner[:2] == "\\\\":
        return inner
    return inner.replace("\\\\", "\\").replace('\\"', '"')


def parse_list_header(value: str) -> list[str]:
    """Split a comma-separated header value into its items, unquoting quoted items.

    Commas inside quoted strings do not split; items may repeat and keep their case::

        >>> parse_list_header('token, "quoted value"')
        ['token', 'quoted value']

    :rtype: list
    """
    items = []
    for item in compat.parse_http_list(value):
        if item[:1] == item[-1:] == '"':
            items.append(unquote_header_value(item[1:-1]))
        else:
            items.append(item)
    return items


def parse_dict_header(value: str) -> dict[str, str | None]:
    """Parse a comma-separated list of ``key=value`` pairs into a dict.

    Quoted values are unquoted; a key without ``=`` maps to None::

        >>> parse_dict_header('foo="is a fish", bar="as well"')
        {'foo': 'is a fish', 'bar': 'as well'}
        >>> parse_dict_header('key_without_value')
        {'key_without_value': None}

    :rtype: dict
    """
    result: dict[str, str | None] = {}
    for item in compat.parse_http_list(value):
        key, has_value, item_value = item.partition("=")
        if not has_value:
            result[item] = None
        elif item_value[:1] == item_value[-1:] == '"':
            result[key] = unquote_header_value(item_value[1:-1])
        else:
            result[key] = item_value
    return result


# Quotes and spaces around Link targets and parameters are noise; requests drops them all.
_LINK_JUNK: Final = " '\""


def parse_header_links(value: str) -> list[dict[str, str]]:
    """Parse a ``Link`` header into one dict per link: ``url`` plus its parameters.

    ``<http://x/front.jpeg>; rel=front; type="image/jpeg", <http://x/back.jpeg>; rel=back``
    gives ``[{"url": "http://x/front.jpeg", "rel": "front", "type": "image/jpeg"},
    {"url": "http://x/back.jpeg", "rel": "back"}]``. Reading a link's parameters stops at the
    first one that is not a single ``key=value`` pair.

    :rtype: list
    """
    value = value.strip(_LINK_JUNK)
    if not value:
        return []
    links = []
    for chunk in re.split(", *<", value):
        target, _, params = chunk.partition(";")
        link = {"url": target.strip("<> '\"")}
        for param in params.split(";"):
            pair = param.split("=")
            if len(pair) != 2:
                break
            link[pair[0].strip(_LINK_JUNK)] = pair[1].strip(_LINK_JUNK)
        links.append(link)
    return links


def check_header_validity(header: tuple[str | bytes, str | bytes]) -> None:
    """Check a ``(name, value)`` header pair before it is sent.

    :raises InvalidHeader: if a part is neither str nor bytes, if the name is empty, starts
        with whitespace or holds ``:`` or a line break, or if the value starts with
        whitespace or holds a line break (either would let the header inject others).
    """
    name, value = header
    _check_header_part(header, name, 0)
    _check_header_part(header, value, 1)


def _check_header_part(
    header: tuple[str | bytes, str | bytes], part: str | bytes, index: int
) -> None:
    if isinstance(part, str):
        valid = _STR_VALIDATORS[index].fullmatch(part) is not None
    elif isinstance(part, bytes):
        valid = _BYTES_VALIDATORS[index].fullmatch(part) is not None
    else:
        raise InvalidHeader(
            f"Header part ({part!r}) from {header} must be of type str or bytes, not {type(part)}"
        )
    if not valid:
        kind = "name" if index == 0 else "value"
        raise InvalidHeader(
            "Invalid leading whitespace, reserved character(s), or return "
            f"character(s) in header {kind}: {part!r}"
        )
