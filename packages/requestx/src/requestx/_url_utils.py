"""URL helpers of ``requests.utils``: re-quoting, credentials, schemes.

Re-exported by :mod:`requestx.utils`; import them from there. These work on strings only and
never touch the network. The engine parses and normalizes URLs itself when it sends them, so
these functions aim at requests' results for the inputs requests users give them, not at a
full RFC 3986 normalizer (see :func:`prepend_scheme_if_needed`).
"""

from __future__ import annotations

import re
import string
from typing import Final
from urllib.parse import quote, unquote, urlparse, urlunparse

from requestx.exceptions import InvalidURL

__all__ = [
    "UNRESERVED_SET",
    "get_auth_from_url",
    "prepend_scheme_if_needed",
    "requote_uri",
    "unquote_unreserved",
    "urldefragauth",
]

#: The characters RFC 3986 (section 2.3) calls unreserved: never need percent-encoding.
UNRESERVED_SET: Final = frozenset(string.ascii_letters + string.digits + "-._~")

# Everything RFC 3986 allows unescaped in a URI except unreserved characters, which quote()
# keeps anyway; with "%" when the URI's escapes are known to be valid, without it otherwise.
_SAFE_WITH_PERCENT: Final = "!#$%&'()*+,/:;=?@[]~"
_SAFE_WITHOUT_PERCENT: Final = "!#$&'()*+,/:;=?@[]~"


def unquote_unreserved(uri: str) -> str:
    """Decode the percent-escapes in ``uri`` that stand for unreserved characters.

    ``%41`` becomes ``A`` and ``%7E`` becomes ``~``; escapes of reserved, illegal or
    non-ASCII bytes stay encoded, and a ``%`` not followed by two alphanumerics is kept as is.

    :raises InvalidURL: if a ``%`` is followed by two alphanumerics that are not hex digits.
    :rtype: str
    """
    first, *escaped = uri.split("%")
    out = [first]
    for chunk in escaped:
        code = chunk[:2]
        if len(code) == 2 and code.isalnum():
            try:
                char = chr(int(code, 16))
            except ValueError:
                raise InvalidURL(f"Invalid percent-escape sequence: '{code}'") from None
            if char in UNRESERVED_SET:
                out.append(char + chunk[2:])
                continue
        out.append("%" + chunk)
    return "".join(out)


def requote_uri(uri: str) -> str:
    """Quote ``uri`` fully and consistently, whether or not it was quoted before.

    Unreserved characters are decoded, then every character that may not appear in a URI is
    encoded; reserved characters and valid escapes are left alone. A ``%`` that does not start
    a valid escape is encoded as ``%25``.

    :rtype: str
    """
    try:
        return quote(unquote_unreserved(uri), safe=_SAFE_WITH_PERCENT)
    except InvalidURL:
        # Some "%" starts no valid escape, so the escapes cannot be trusted: quote every "%".
        return quote(uri, safe=_SAFE_WITHOUT_PERCENT)


def get_auth_from_url(url: str) -> tuple[str, str]:
    """The percent-decoded ``(username, password)`` of ``url``, or ``("", "")``.

    Both parts must be present (``user:pass@``); otherwise the result is ``("", "")``.

    :rtype: (str,str)
    """
    parsed = urlparse(url)
    username, password = parsed.username, parsed.password
    if username is None or password is None:
        return ("", "")
    return (unquote(username), unquote(password))


def urldefragauth(url: str) -> str:
    """``url`` without its fragment and without its ``user:password@`` part.

    :rtype: str
    """
    scheme, netloc, path, params, query, _fragment = urlparse(url)
    # urlparse puts a host into the path when the URL has no "//" ("example.com/path");
    # treat it as the netloc, as prepend_scheme_if_needed does.
    if not netloc:
        netloc, path = path, netloc
    netloc = netloc.rpartition("@")[2]
    return urlunparse((scheme, netloc, path, params, query, ""))


# A URL starts with a scheme or a "/", or is taken to start with an authority ("host:port/").
_SCHEME_OR_SLASH: Final = re.compile(r"^(?:[a-zA-Z][a-zA-Z0-9+-]*:|/)")
# RFC 3986 appendix B, with the scheme and authority syntax tightened.
_URI_PARTS: Final = re.compile(
    r"^(?:(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*):)?"
    r"(?://(?P<authority>[^\\/?#]*))?"
    r"(?P<path>[^?#]*)"
    r"(?:\?(?P<query>[^#]*))?"
    r"(?:#(?P<fragment>.*))?$",
    re.DOTALL,
)
# host[:port] for a registered name, IPv4 address or bracketed IPv6 address. Leading zeros
# of the port are dropped, and at most five significant digits are allowed.
_HOST_PORT: Final = re.compile(
    r"(?P<host>\[[^\[\]]*\]|(?:[^\[\]%:/?#]|%[a-fA-F0-9]{2})*)"
    r"(?::0*?(?P<port>|0|[1-9][0-9]{0,4}))?",
    re.DOTALL,
)
# Hosts of these schemes (None: no scheme, taken as http) are case-insensitive.
_NORMALIZABLE_SCHEMES: Final = ("http", "https", None)


def _split_url(url: str) -> tuple[str | None, str | None, str, str, str, str]:
    """Split ``url`` into scheme, userinfo, netloc, path, query and fragment.

    A URL without a scheme is read as starting with its authority (``example.com:80/x``),
    as browsers and urllib3 do. The scheme is lower-cased, and so is the host for http(s).
    A missing scheme or userinfo is None; the other missing pieces are "".

    :raises InvalidURL: if the authority is not a valid ``host[:port]``.
    """
    if not url:
        return None, None, "", "", "", ""
    if not _SCHEME_OR_SLASH.match(url):
        url = "//" + url
    parts = _URI_PARTS.match(url)
    if parts is None:  # the pattern matches every string; kept for the type checker
        raise InvalidURL(f"Failed to parse: {url!r}")
    scheme = parts["scheme"].lower() if parts["scheme"] else None
    auth: str | None = None
    netloc = ""
    authority = parts["authority"]
    if authority:
        userinfo, _, host_port = authority.rpartition("@")
        auth = userinfo or None
        netloc = _normalize_host_port(host_port, scheme)
    path = parts["path"]
    # A path after an authority or a scheme is absolute; urllib3 adds the missing "/".
    if path and not path.startswith("/"):
        path = "/" + path
    return scheme, auth, netloc, path, parts["query"] or "", parts["fragment"] or ""


def _normalize_host_port(host_port: str, scheme: str | None) -> str:
    match = _HOST_PORT.fullmatch(host_port)
    if match is None:
        raise InvalidURL(f"{host_port!r} is not a valid host or port")
    host, port = match["host"], match["port"]
    if port and int(port) > 65535:
        raise InvalidURL(f"Port out of range in {host_port!r}")
    if scheme in _NORMALIZABLE_SCHEMES:
        host = _normalize_host(host)
    # An empty port ("host:") is dropped; "0" is a port like any other.
    return f"{host}:{int(port)}" if port else host


def _normalize_host(host: str) -> str:
    if host.isascii():
        return host.lower()
    # A non-ASCII name goes on the wire as IDNA "xn--" labels. The standard library's codec
    # (IDNA 2003) stands in for the idna package urllib3 uses; both agree on common names.
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        raise InvalidURL(f"Failed to encode host {host!r} with IDNA") from None


def prepend_scheme_if_needed(url: str, new_scheme: str) -> str:
    """``url`` with ``new_scheme`` added in front if it has no scheme; a scheme is never replaced.

    ``"example.com:80"`` becomes ``"http://example.com:80"`` and ``"//example.com/path"``
    becomes ``"http://example.com/path"``; the scheme and an http(s) host are lower-cased.
    Like requests, something that looks like a scheme is one: ``"localhost:3128"`` reads as
    scheme ``localhost`` and comes back as ``"localhost:///3128"``.

    :raises InvalidURL: if the host or port is malformed.
    :rtype: str
    """
    scheme, auth, netloc, path, query, fragment = _split_url(url)
    # requests keeps an old urlparse workaround: with no authority, the path is taken as the
    # netloc ("localhost:3128" -> scheme "localhost", netloc "3128").
    if not netloc:
        netloc, path = path, netloc
    if auth:
        netloc = f"{auth}@{netloc}"
    return urlunparse((scheme or new_scheme, netloc, path, "", query, fragment))
