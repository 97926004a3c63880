"""Request bodies and query strings, encoded as requests encodes them.

* :func:`encode_params`: a mapping or ``(key, value)`` pairs become
  ``application/x-www-form-urlencoded`` text (a list value repeats its key, ``None`` values
  are left out); strings, bytes and readable objects pass through untouched.
* :func:`encode_multipart`: form fields and files become one ``multipart/form-data`` body
  (RFC 7578) in memory, with a random boundary. Each part carries a ``Content-Disposition``
  with its name (and filename for files), then the part's ``Content-Type`` if one was given,
  then any custom headers. Parameter values are quoted the way browsers (HTML5) quote them:
  ``"``, CR and LF are percent-encoded and other characters are sent as UTF-8.

Nothing here touches the network or the request object; :mod:`requestx.models` calls these.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any, Final
from urllib.parse import urlencode

from requestx.utils import guess_filename, to_key_val_list

__all__ = ["encode_multipart", "encode_params", "is_readable"]

_CRLF: Final = b"\r\n"
# The characters an HTML5 form submission escapes inside a quoted parameter value.
_PARAM_ESCAPES: Final = str.maketrans({"\n": "%0A", "\r": "%0D", '"': "%22"})


def is_readable(obj: object) -> bool:
    """Whether ``obj`` is a file-like object to be read (it has ``read``)."""
    return hasattr(obj, "read")


def _is_single_value(value: object) -> bool:
    # A field value is a list of values unless it is a string or not iterable at all.
    return isinstance(value, str | bytes) or not hasattr(value, "__iter__")


def _utf8(value: Any) -> Any:
    return value.encode("utf-8") if isinstance(value, str) else value


def encode_params(data: Any) -> Any:
    """``data`` as form-encoded text, or unchanged if it is a string, bytes or readable.

    Order is kept for pairs; for a mapping it is the mapping's own order. Objects that are
    none of these (an ``int``, say) are returned unchanged, as requests does.
    """
    if isinstance(data, str | bytes) or is_readable(data):
        return data
    if not hasattr(data, "__iter__"):
        return data
    pairs: list[tuple[Any, Any]] = []
    for key, values in to_key_val_list(data):
        group = [values] if _is_single_value(values) else values
        pairs.extend((_utf8(key), _utf8(value)) for value in group if value is not None)
    return urlencode(pairs, doseq=True)


def encode_multipart(files: Any, data: Any) -> tuple[bytes, str]:
    """The multipart body for form ``data`` plus ``files``, and its ``Content-Type``.

    ``files`` maps (or pairs) field names to a file object, to the file's content (``str``
    or ``bytes``), or to a tuple ``(filename, fileobj)``, ``(filename, fileobj,
    content_type)`` or ``(filename, fileobj, content_type, headers)``. Without a tuple the
    filename is the file object's base name, else the field name. A ``None`` file is left
    out. Data fields come first, in their order, then the files.

    :raises ValueError: if ``files`` is empty, or ``data`` is a string.
    """
    if not files:
        raise ValueError("Files must be provided.")
    if isinstance(data, str | bytes):
        raise ValueError("Data must not be a string.")  # requests' type

    boundary = os.urandom(16).hex()
    body = bytearray()

    def add_part(
        name: Any,
        content: Any,
        filename: Any = None,
        content_type: Any = None,
        headers: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
    ) -> None:
        body.extend(f"--{boundary}\r\n".encode("ascii"))
        body.extend(_part_headers(name, filename, content_type, headers).encode("utf-8"))
        if isinstance(content, int):
            content = str(content)
        body.extend(content.encode("utf-8") if isinstance(content, str) else content)
        body.extend(_CRLF)

    for name, values in to_key_val_list(data or {}):
        for value in [values] if _is_single_value(values) else values:
            if value is None:
                continue
            field_value = value if isinstance(value, bytes) else str(value).encode("utf-8")
            field_name = name.decode("utf-8") if isinstance(name, bytes) else name
            add_part(field_name, field_value)

    for name, spec in to_key_val_list(files):
        filename, fileobj, content_type, headers = _file_spec(name, spec)
        if isinstance(fileobj, str | bytes | bytearray):
            content = fileobj
        elif is_readable(fileobj):
            content = fileobj.read()
        elif fileobj is None:
            continue
        else:
            content = fileobj
        add_part(name, content, filename, content_type, headers)

    body.extend(f"--{boundary}--\r\n".encode("ascii"))
    return bytes(body), f"multipart/form-data; boundary={boundary}"


def _file_spec(name: Any, spec: Any) -> tuple[Any, Any, Any, Any]:
    """``(filename, fileobj, content_type, headers)`` from one ``files`` entry."""
    if isinstance(spec, tuple | list):
        if not 2 <= len(spec) <= 4:
            raise ValueError(
                "A file tuple is (filename, fileobj[, content_type[, headers]]); "
                f"this one has {len(spec)} items"
            )
        filename, fileobj, content_type, headers = (*spec, None, None)[:4]
        return filename, fileobj, content_type, headers
    return guess_filename(spec) or name, spec, None, None


def _quote_param(name: str, value: str | bytes) -> str:
    text = value.decode("utf-8") if isinstance(value, bytes) else value
    return f'{name}="{text.translate(_PARAM_ESCAPES)}"'


def _part_headers(
    name: Any,
    filename: Any,
    content_type: Any,
    headers: Mapping[str, Any] | Iterable[tuple[str, Any]] | None,
) -> str:
    """The header block of one part, ending with the blank line that closes it."""
    disposition = "form-data; " + _quote_param("name", name)
    if filename is not None:
        disposition += "; " + _quote_param("filename", filename)
    # Content-Disposition and Content-Type come first, in this order, and replace custom
    # headers of the same (exact) name; a custom Content-Location is dropped, as urllib3
    # drops it, and so are headers with empty values.
    fixed = {"Content-Disposition": disposition, "Content-Type": content_type}
    custom = dict(headers or {})
    lines = [f"{key}: {value}" for key, value in fixed.items() if value]
    custom_names = (key for key in custom if key not in {*fixed, "Content-Location"})
    lines.extend(f"{key}: {custom[key]}" for key in custom_names if custom[key])
    return "".join(line + "\r\n" for line in lines) + "\r\n"
