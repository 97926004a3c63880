"""Splitting and normalising request URLs, as ``PreparedRequest.prepare_url`` needs them.

requests reads a URL with urllib3's ``parse_url`` before it rebuilds it; requestx has no
urllib3, so :func:`parse_url` gives the same pieces for the same input:

* A URL that starts with neither a scheme nor ``/`` is read as starting with its authority,
  so ``"example.com/x"`` has host ``example.com`` and no scheme.
* The scheme is lower-cased. For http, https and scheme-less URLs (the "normalisable" ones)
  the host is lower-cased and IDNA-encoded label by label, dot segments are removed from the
  path, and characters that may not appear in the user info, path, query or fragment are
  percent-encoded (existing escapes are upper-cased and kept). Other schemes keep their
  pieces as written.
* Escapes in a registered host name are normalised too (``%41`` becomes ``A``), and a host
  holding a space or control character, plain or escaped, is refused.
* A malformed authority (bad port, stray brackets, an invalid IPv6 address, a host label
  IDNA rejects) raises :class:`~requestx.exceptions.InvalidURL` whose message starts with
  ``"Failed to parse: "`` and names the culprit, as requests' (urllib3 2.x) messages do.

:func:`encode_host` is requests' own, second IDNA step (UTS #46 over the whole host), used
for hosts that the first pass left alone.

The ``idna`` package (IDNA 2008) is used when it is installed, and imported only when a host
is not ASCII; without it Python's built-in ``idna`` codec (IDNA 2003) stands in, with the
letters-digits-hyphen rule checked on its output. The two agree on ordinary names; they
differ on a few characters IDNA 2008 changed (``ß`` maps to ``ss`` in IDNA 2003).
"""

from __future__ import annotations

import re
import string
from typing import Final, NamedTuple

from requestx.exceptions import InvalidURL

__all__ = ["URLParts", "encode_host", "parse_url"]


class URLParts(NamedTuple):
    """The pieces of a URL; ``None`` where the URL has no such piece at all."""

    scheme: str | None
    auth: str | None
    host: str | None
    port: int | None
    path: str
    query: str | None
    fragment: str | None


# A scheme ("http:") or a "/" at the start; anything else begins with its authority.
_SCHEME_OR_SLASH: Final = re.compile(r"[a-zA-Z][a-zA-Z0-9+-]*:|/")
# RFC 3986 appendix B, with the scheme's syntax spelled out.
_COMPONENTS: Final = re.compile(
    r"(?:(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*):)?"
    r"(?://(?P<authority>[^\\/?#]*))?"
    r"(?P<path>[^?#]*)"
    r"(?:\?(?P<query>[^#]*))?"
    r"(?:#(?P<fragment>.*))?",
    re.DOTALL,
)
# host[:port]: a bracketed IP literal, or a registered name (escapes must be whole); a port
# has at most five digits after its leading zeros.
_HOST_PORT: Final = re.compile(
    r"(?P<host>\[[^\[\]]*\]|(?:[^\[\]%:/?#]|%[0-9a-fA-F]{2})*)(?::(?P<port>0*[0-9]{0,5}))?",
    re.DOTALL,
)
_IPV4: Final = re.compile(r"(?:[0-9]{1,3}\.){3}[0-9]{1,3}")
_ZONE_ID: Final = re.compile(r"(?:%25|%)(?:[a-zA-Z0-9._~-]|%[0-9a-fA-F]{2})+")
_ESCAPE: Final = re.compile(r"%[0-9a-fA-F]{2}")
_HOST_INVALID_CHAR: Final = re.compile(r"[\x00-\x20\x7f]")
# What a host label may hold once it is ASCII (STD3: letters, digits, hyphens).
_LDH_LABEL: Final = re.compile(r"[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?")

_NORMALISABLE_SCHEMES: Final = frozenset({"http", "https", None})
_MAX_PORT: Final = 65535

# RFC 3986 character classes: what each component may hold unescaped.
_UNRESERVED: Final = frozenset(string.ascii_letters + string.digits + "-._~")
_USERINFO: Final = _UNRESERVED | frozenset("!$&'()*+,;=:")
_PATH: Final = _USERINFO | frozenset("@/")
_QUERY_OR_FRAGMENT: Final = _PATH | frozenset("?")


def parse_url(url: str) -> URLParts:
    """Split ``url`` into its pieces, normalised as described in the module docstring.

    :raises InvalidURL: if the authority is malformed or a host label cannot be encoded.
    """
    if not _SCHEME_OR_SLASH.match(url):
        url = "//" + url
    parts = _COMPONENTS.fullmatch(url)
    if parts is None:  # every string matches; this only tells the type checker so
        raise InvalidURL(f"Failed to parse: {url}")
    scheme = parts["scheme"].lower() if parts["scheme"] else None
    normalise = scheme in _NORMALISABLE_SCHEMES
    auth = host = None
    port = None
    if authority := parts["authority"]:
        userinfo, _, host_port = authority.rpartition("@")
        auth = userinfo or None
        if auth and normalise:
            auth = _escape_invalid(auth, _USERINFO)
        host, port = _split_host_port(host_port)
        if port is not None and port > _MAX_PORT:
            raise InvalidURL(f"Failed to parse: {url}")
        _check_host_characters(host)
        if normalise:
            host = _normalise_host(host)

    path, query, fragment = parts["path"], parts["query"], parts["fragment"]
    if normalise:
        if path:
            path = _escape_invalid(_remove_dot_segments(path), _PATH)
        if query:
            query = _escape_invalid(query, _QUERY_OR_FRAGMENT)
        if fragment:
            fragment = _escape_invalid(fragment, _QUERY_OR_FRAGMENT)
    return URLParts(scheme, auth, host, port, path, query, fragment)


def encode_host(host: str) -> str:
    """``host`` as IDNA ("xn--") labels, after UTS #46 mapping (case folding, width, ...).

    :raises UnicodeError: if some label is not a valid internationalised name.
    """
    return _idna_encode(host, uts46=True)


def _idna_encode(text: str, *, uts46: bool) -> str:
    """IDNA-encode ``text`` with the idna package, or the built-in codec without it.

    Without ``uts46``, ``text`` is one label and the strict STD3 rules apply.

    :raises UnicodeError: (``idna.IDNAError`` is one) if a label cannot be encoded.
    """
    try:
        import idna  # noqa: PLC0415  # only non-ASCII hosts pay for its tables
    except ImportError:  # pragma: no cover - idna is installed wherever the tests run
        return ".".join(_builtin_idna_label(label) for label in text.split("."))
    if uts46:
        return idna.encode(text, uts46=True).decode("ascii")
    return idna.encode(text, strict=True, std3_rules=True).decode("ascii")


def _split_host_port(host_port: str) -> tuple[str, int | None]:
    match = _HOST_PORT.fullmatch(host_port)
    if match is None or (match["host"].startswith("[") and not _is_ip_literal(match["host"])):
        _check_host_characters(host_port)
        raise InvalidURL(f"Failed to parse: {host_port!r} is not a valid host or port")
    digits = match["port"]
    return match["host"], int(digits) if digits else None


def _check_host_characters(host: str) -> None:
    # Control characters and spaces have no place in a host, escaped or not (they could
    # split the request line or a Host header).
    if invalid := _HOST_INVALID_CHAR.search(host):
        raise InvalidURL(
            f"Failed to parse: Host {host!r} contains invalid character {invalid[0]!r}"
        )


def _is_ip_literal(bracketed: str) -> bool:
    address, percent, zone = bracketed[1:-1].partition("%")
    if percent and not _ZONE_ID.fullmatch(percent + zone):
        return False
    import ipaddress  # noqa: PLC0415  # only IP-literal hosts pay for it

    try:
        # ipaddress accepts every RFC 4291 text form (with an embedded IPv4 tail too).
        ipaddress.IPv6Address(address)
    except ValueError:
        return False
    return True


def _normalise_host(host: str) -> str:
    if not host:
        return host
    if host.startswith("["):
        address, percent, zone = host[1:-1].partition("%")
        if not percent:
            return host.lower()
        # RFC 6874 writes the zone's "%" as "%25"; the host keeps a single "%".
        zone = zone[2:] if zone.startswith("25") and zone != "25" else zone
        zone = _ESCAPE.sub(lambda match: _checked_escape(match, host), zone)
        return f"[{address.lower()}%{_escape_invalid(zone, _UNRESERVED)}]"
    if _IPV4.fullmatch(host):
        return host
    if "%" in host:
        host = _ESCAPE.sub(lambda match: _unescape_unreserved(match, host), host)
    return ".".join(_encode_label(label) for label in host.split("."))


def _checked_escape(match: re.Match[str], host: str) -> str:
    """An escape in a host, upper-cased; an escaped control character is refused."""
    char = chr(int(match[0][1:], 16))
    if char < " " or char == "\x7f":
        raise InvalidURL(
            f"Failed to parse: Host {host!r} contains invalid percent-encoded "
            f"control character {match[0]!r}"
        )
    return match[0].upper()


def _unescape_unreserved(match: re.Match[str], host: str) -> str:
    escape = _checked_escape(match, host)
    char = chr(int(escape[1:], 16))
    return char if char in _UNRESERVED else escape


def _encode_label(label: str) -> str:
    """One host label, lower-cased, and IDNA-encoded if it is not ASCII."""
    if label.isascii():
        return _ESCAPE.sub(lambda match: match[0].upper(), label.lower())
    try:
        return _idna_encode(label.lower(), uts46=False)
    except UnicodeError:
        raise InvalidURL(f"Failed to parse: Name '{label}' is not a valid IDNA label") from None


def _builtin_idna_label(label: str) -> str:
    # The standard library codec (IDNA 2003) does not apply the STD3 rules, so a label such
    # as "☃*" would come out with its "*": check the result the way IDNA 2008 would.
    import encodings.idna  # noqa: PLC0415  # only without the idna package

    encoded = encodings.idna.ToASCII(label).decode("ascii")
    if not _LDH_LABEL.fullmatch(encoded):
        raise UnicodeError(f"{label!r} is not a valid host label")
    return encoded


def _escape_invalid(component: str, allowed: frozenset[str]) -> str:
    """Percent-encode what ``allowed`` does not hold, as UTF-8 bytes.

    Existing ``%XX`` escapes are upper-cased. If every ``%`` starts one, they are kept;
    otherwise the component was not encoded before, and each ``%`` is encoded too.
    """
    component, escapes = _ESCAPE.subn(lambda match: match[0].upper(), component)
    data = component.encode("utf-8", "surrogatepass")
    keep_percent = escapes == data.count(b"%")
    pieces = []
    for byte in data:
        char = chr(byte)
        if char in allowed or (keep_percent and char == "%"):
            pieces.append(char)
        else:
            pieces.append(f"%{byte:02X}")
    return "".join(pieces)


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 section 5.2.4: resolve ``.`` and ``..`` segments in an absolute path."""
    output: list[str] = []  # each item is one segment with its leading "/"
    rest = path
    while rest:
        if rest.startswith(("../", "./")):
            rest = rest[rest.index("/") + 1 :]
        elif rest.startswith("/./") or rest == "/.":
            rest = "/" + rest[3:]
        elif rest.startswith("/../") or rest == "/..":
            rest = "/" + rest[4:]
            if output:
                output.pop()
        elif rest in {".", ".."}:
            rest = ""
        else:
            end = rest.find("/", 1)
            end = len(rest) if end == -1 else end
            output.append(rest[:end])
            rest = rest[end:]
    return "".join(output)
