"""The helpers of ``requests.utils``, for code that imports them from there.

requests uses these internally and users and libraries call many of them directly, so every
name here keeps requests' signature and behaviour (requests 2.32, with the fixes of later
releases: the ``no_proxy`` domain boundary, empty ``.netrc`` entries, unpredictable names for
files extracted from zip archives). The few deliberate differences are noted where they are.

The module is split by topic, and everything is re-exported here:

* ``requestx._url_utils``: ``requote_uri``, ``prepend_scheme_if_needed``, credentials;
* ``requestx._header_utils``: list/dict/Link header parsing, header validity;
* ``requestx._text_utils``: charsets, streaming decode, JSON UTF detection;
* ``requestx._proxy_utils``: IPv4/CIDR checks, ``select_proxy``, the platform lookups.

What stays here reads the environment or the file system (``.netrc``, proxy variables, zip
archives) or builds defaults. The proxy functions look up ``proxy_bypass`` and ``getproxies``
in this module's namespace, so ``mock.patch("requestx.utils.proxy_bypass")`` works as it does
with requests. Nothing here resolves host names.

Importing this module stays cheap: ``certifi`` (behind ``DEFAULT_CA_BUNDLE_PATH``),
``netrc``, ``zipfile``, ``tempfile``, ``socket``, ``urllib.request`` and ``http.cookiejar`` are
imported when first needed.
"""

from __future__ import annotations

import contextlib
import io
import os
import time
import warnings
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final, Protocol, TypeVar, overload

# quote, unquote and urlunparse are unused here: requests.utils happens to expose them (from
# its compat imports) and code in the wild calls requests.utils.quote(...).
from urllib.parse import quote, unquote, urlparse, urlunparse

from requestx import _text_utils
from requestx._header_utils import (
    HEADER_VALIDATORS,
    check_header_validity,
    parse_dict_header,
    parse_header_links,
    parse_list_header,
    unquote_header_value,
)
from requestx._proxy_utils import (
    address_in_network,
    dotted_netmask,
    getproxies,
    is_ipv4_address,
    is_valid_cidr,
    proxy_bypass,
    proxy_bypass_registry,
    select_proxy,
)
from requestx._proxy_utils import host_in_no_proxy as _host_in_no_proxy
from requestx._requestx import __version__
from requestx._text_utils import (
    get_encoding_from_headers,
    get_encodings_from_content,
    get_unicode_from_response,
    guess_json_utf,
    iter_slices,
    stream_decode_response_unicode,
)
from requestx._url_utils import (
    UNRESERVED_SET,
    get_auth_from_url,
    prepend_scheme_if_needed,
    requote_uri,
    unquote_unreserved,
    urldefragauth,
)
from requestx.exceptions import FileModeWarning, UnrewindableBodyError
from requestx.structures import CaseInsensitiveDict

if TYPE_CHECKING:
    from http.cookiejar import CookieJar

    #: certifi's CA bundle, or None without certifi; computed on first access (__getattr__).
    DEFAULT_CA_BUNDLE_PATH: str | None

__all__ = [
    "DEFAULT_ACCEPT_ENCODING",
    "DEFAULT_CA_BUNDLE_PATH",
    "DEFAULT_PORTS",
    "DEFAULT_USER_AGENT",
    "HEADER_VALIDATORS",
    "NETRC_FILES",
    "UNRESERVED_SET",
    "USER_AGENT_NAME",
    "add_dict_to_cookiejar",
    "address_in_network",
    "atomic_open",
    "check_header_validity",
    "default_headers",
    "default_user_agent",
    "dict_from_cookiejar",
    "dict_to_sequence",
    "dotted_netmask",
    "extract_zipped_paths",
    "from_key_val_list",
    "get_auth_from_url",
    "get_encoding_from_headers",
    "get_encodings_from_content",
    "get_environ_proxies",
    "get_netrc_auth",
    "get_unicode_from_response",
    "getproxies",
    "guess_filename",
    "guess_json_utf",
    "is_ipv4_address",
    "is_valid_cidr",
    "iter_slices",
    "parse_dict_header",
    "parse_header_links",
    "parse_list_header",
    "prepend_scheme_if_needed",
    "proxy_bypass",
    "proxy_bypass_registry",
    "quote",
    "requote_uri",
    "resolve_proxies",
    "rewind_body",
    "select_proxy",
    "set_environ",
    "should_bypass_proxies",
    "stream_decode_response_unicode",
    "super_len",
    "to_key_val_list",
    "to_native_string",
    "unquote",
    "unquote_header_value",
    "unquote_unreserved",
    "urldefragauth",
    "urlparse",
    "urlunparse",
]

#: The file names looked for in the home directory when ``NETRC`` is not set.
NETRC_FILES: Final = (".netrc", "_netrc")

#: The port each scheme implies when a URL names none.
DEFAULT_PORTS: Final = {"http": 80, "https": 443}

#: Every content coding the engine decodes, offered in ``Accept-Encoding`` by default.
DEFAULT_ACCEPT_ENCODING: Final = "gzip, deflate, br, zstd"

#: The product name in the default ``User-Agent`` header.
USER_AGENT_NAME: Final = "python-requestx"

#: The default ``User-Agent`` header: ``python-requestx/<version>``.
DEFAULT_USER_AGENT: Final = f"{USER_AGENT_NAME}/{__version__}"


# Hidden from type checkers: they would otherwise type every unknown attribute of this module
# as Any. DEFAULT_CA_BUNDLE_PATH gets its type from the TYPE_CHECKING block above.
if not TYPE_CHECKING:

    def __getattr__(name: str) -> Any:
        # certifi takes tens of milliseconds to import; only code that asks for the bundle
        # path should pay for it. The value is then bound as a global, so this runs once.
        if name == "DEFAULT_CA_BUNDLE_PATH":
            value = _certifi_bundle()
            globals()[name] = value
            return value
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted({*globals(), "DEFAULT_CA_BUNDLE_PATH"})


def _certifi_bundle() -> str | None:
    try:
        import certifi  # noqa: PLC0415  # optional, and slow to import
    except ImportError:
        return None
    return str(certifi.where())


# requests' own test suite imports this private helper from requests.utils.
_parse_content_type_header = _text_utils._parse_content_type_header

_KT = TypeVar("_KT")
_VT = TypeVar("_VT")


def to_native_string(string: str | bytes, encoding: str = "ascii") -> str:
    """``string`` as a ``str``, decoding bytes with ``encoding`` (ASCII by default)."""
    return string if isinstance(string, str) else string.decode(encoding)


def dict_to_sequence(d: Any) -> Any:
    """The ``(key, value)`` pairs of ``d``: ``d.items()`` if it has it, else ``d`` itself."""
    return d.items() if callable(getattr(d, "items", None)) else d


def super_len(o: Any) -> int:
    """How many bytes of ``o`` are left to send: its length minus its read position.

    Works for bytes, str (counted as UTF-8, which is how the engine sends it), objects with
    ``__len__`` or a ``len`` attribute, real files (via ``fstat``) and seekable streams. 0 when
    nothing tells the length; the body is then sent chunked.

    A file opened in text mode triggers :class:`~requestx.exceptions.FileModeWarning`: its
    length is counted in bytes, which may not be what reading it yields.
    """
    total: int | None = None
    position = 0
    if isinstance(o, str):
        o = o.encode("utf-8")

    if hasattr(o, "__len__"):
        total = len(o)
    elif hasattr(o, "len"):
        total = o.len
    elif hasattr(o, "fileno"):
        total = _file_size(o)

    if hasattr(o, "tell"):
        try:
            position = o.tell()
        except OSError:
            # Special files (stdin, pipes) cannot tell; if the size is known, assume it is
            # all consumed, so the body goes out chunked rather than with a wrong length.
            if total is not None:
                position = total
        else:
            if total is None and hasattr(o, "seek"):
                # A stream with no usable fileno (BytesIO, StringIO): measure by seeking
                # to the end, then put the cursor back where the caller left it.
                try:
                    o.seek(0, io.SEEK_END)
                    total = o.tell()
                    o.seek(position or 0)
                except OSError:
                    total = 0

    return max(0, (total or 0) - position)


def _file_size(o: Any) -> int | None:
    """The size of the file behind ``o.fileno()``, or None if it has no usable descriptor."""
    try:
        fileno = o.fileno()
    except (io.UnsupportedOperation, AttributeError):
        # AttributeError: tarfile members claim a fileno they cannot give (psf/requests#5229).
        return None
    mode = getattr(o, "mode", None)
    if isinstance(mode, str) and "b" not in mode:
        warnings.warn(
            "requestx has determined the content-length for this request using the "
            "binary size of the file: however, the file has been opened in text mode "
            "(i.e. without the 'b' flag in the mode). This may lead to an incorrect "
            "content-length. In Requests 3.0, support will be removed for files in "
            "text mode.",
            FileModeWarning,
            stacklevel=3,
        )
    return os.fstat(fileno).st_size


def get_netrc_auth(
    url: str | bytes | None,
    raise_errors: bool = False,  # requests' positional flag
) -> tuple[str, str] | None:
    """The ``(login, password)`` a ``.netrc`` file holds for the host of ``url``, or None.

    The file is ``$NETRC`` if that is set, else ``~/.netrc`` or ``~/_netrc``. Only the host
    name is looked up (never the port or the credentials part of the URL); an entry with an
    empty login uses its account instead. An empty ``default`` entry gives None.

    :param url: the request URL; None (a request not prepared yet) gives None.
    :param raise_errors: raise the file's parse or read errors instead of returning None.
    """
    if url is None:
        return None
    if isinstance(url, bytes):
        url = url.decode("utf-8")
    netrc_file = _find_netrc_file()
    if netrc_file is None:
        return None
    host = urlparse(url).hostname
    if host is None:
        return None

    from netrc import NetrcParseError, netrc  # noqa: PLC0415  # only netrc users pay

    try:
        entry = netrc(netrc_file).authenticators(host)
    except (NetrcParseError, OSError):
        if raise_errors:
            raise
        return None
    if not entry or not any(entry):
        return None
    login, account, password = entry
    return (login or account or "", password or "")


def _find_netrc_file() -> str | None:
    # Runs on every request of a Session with trust_env, so it is kept cheap: the expanded
    # candidates are kept per (NETRC, HOME), and whether one exists is asked again only when
    # their directory changed (one stat instead of one per candidate).
    raw = getattr(os.environ, "_data", None)
    key: tuple[object, object] = (
        (raw.get(b"NETRC"), raw.get(b"HOME"))
        if isinstance(raw, dict)
        else (os.environ.get("NETRC"), os.environ.get("HOME"))
    )
    candidates = _NETRC_CANDIDATES.get(key)
    if candidates is None:
        configured = os.environ.get("NETRC")
        names = (configured,) if configured is not None else tuple(f"~/{n}" for n in NETRC_FILES)
        # A "~" left unexpanded means no home directory (a service account): no netrc there.
        expanded = (os.path.expanduser(name) for name in names)  # noqa: PTH111
        candidates = tuple(path for path in expanded if not path.startswith("~"))
        _NETRC_CANDIDATES.clear()  # one environment at a time is the common case
        _NETRC_CANDIDATES[key] = candidates
    return _first_existing(candidates)


def _first_existing(paths: tuple[str, ...]) -> str | None:
    directory = _NETRC_DIRECTORY.get(paths)
    if directory is None:
        directories = {os.path.dirname(path) for path in paths}  # noqa: PTH120
        directory = directories.pop() if len(directories) == 1 else ""
        _NETRC_DIRECTORY.clear()
        _NETRC_DIRECTORY[paths] = directory
    if not directory:
        return next((path for path in paths if os.path.exists(path)), None)  # noqa: PTH110
    try:
        changed = os.stat(directory).st_mtime_ns  # noqa: PTH116
    except OSError:
        return None  # no directory, no file in it
    known = _NETRC_FOUND.get(paths)
    if known is not None and known[0] == changed:
        return known[1]
    found = next((path for path in paths if os.path.exists(path)), None)  # noqa: PTH110
    # A directory changed in the last seconds may change again within its timestamp's
    # resolution (coarse on some filesystems) without a new mtime: trust only older ones.
    if time.time_ns() - changed > _MTIME_SETTLED_NS:
        _NETRC_FOUND.clear()
        _NETRC_FOUND[paths] = (changed, found)
    return found


_MTIME_SETTLED_NS = 2_000_000_000
# The one directory holding all the candidates, or "" when they are in several.
_NETRC_DIRECTORY: dict[tuple[str, ...], str] = {}
_NETRC_FOUND: dict[tuple[str, ...], tuple[int, str | None]] = {}
_NETRC_CANDIDATES: dict[tuple[object, object], tuple[str, ...]] = {}


def guess_filename(obj: Any) -> str | bytes | None:
    """The base name of ``obj.name`` (a file's), or None if it has no usable name.

    Names such as ``<stdin>`` are pseudo-names, not files, and give None. A bytes name gives
    a bytes result.
    """
    name = getattr(obj, "name", None)
    if not name or not isinstance(name, str | bytes):
        return None
    if isinstance(name, bytes):
        # requests compares bytes items with "<" and ">", which never match; compare bytes.
        if name[:1] == b"<" or name[-1:] == b">":
            return None
    elif name[0] == "<" or name[-1] == ">":
        return None
    return os.path.basename(name)  # noqa: PTH119  # pathlib cannot take bytes names


def extract_zipped_paths(path: str) -> str:
    """``path``, or a temporary copy of the zip member it names if it points into a zip.

    Applications packed as zip archives (zipapp, PyInstaller) see paths like
    ``/app.zip/certifi/cacert.pem`` that do not exist on disk. The member is copied to a new
    temporary file with an unpredictable name (never a shared fixed one, which others could
    plant or read), and that file's path is returned; the caller owns it. Paths that exist,
    and paths that point nowhere, come back unchanged.
    """
    if Path(path).exists():
        return path
    # The longest existing prefix is the archive; the rest is the member, "/"-separated.
    archive, member = os.path.split(path)
    while archive and not Path(archive).exists():
        archive, prefix = os.path.split(archive)
        if not prefix:
            # The split no longer shortens the path (e.g. a UNC root): stop, or loop forever.
            break
        member = f"{prefix}/{member}"

    import zipfile  # noqa: PLC0415  # only this function needs it

    if not zipfile.is_zipfile(archive):
        return path
    with zipfile.ZipFile(archive) as zipped:
        if member not in zipped.namelist():
            return path
        data = zipped.read(member)

    import tempfile  # noqa: PLC0415

    suffix = Path(member.rsplit("/", 1)[-1]).suffix
    descriptor, extracted_path = tempfile.mkstemp(suffix=suffix)
    with os.fdopen(descriptor, "wb") as extracted:
        extracted.write(data)
    return extracted_path


@contextlib.contextmanager
def atomic_open(filename: str) -> Iterator[IO[bytes]]:
    """Open a temporary file for binary writing that replaces ``filename`` on success.

    Readers see either the old file or the complete new one; if the block raises, the
    temporary file is removed and ``filename`` is untouched.
    """
    import tempfile  # noqa: PLC0415

    descriptor, temp_name = tempfile.mkstemp(dir=os.path.dirname(filename))  # noqa: PTH120
    try:
        with os.fdopen(descriptor, "wb") as handle:
            yield handle
        Path(temp_name).replace(filename)
    except BaseException:
        Path(temp_name).unlink()
        raise


def from_key_val_list(value: Any) -> OrderedDict[Any, Any] | None:
    """``value`` (a mapping or ``(key, value)`` pairs) as an ``OrderedDict``; None stays None.

    :raises ValueError: for a str, bytes, bool or int, which are not pairs.
    :rtype: OrderedDict
    """
    if value is None:
        return None
    if isinstance(value, str | bytes | bool | int):
        raise ValueError("cannot encode objects that are not 2-tuples")  # requests' type
    return OrderedDict(value)


@overload
def to_key_val_list(value: None) -> None: ...
@overload
def to_key_val_list(
    value: Mapping[_KT, _VT] | Iterable[tuple[_KT, _VT]],
) -> list[tuple[_KT, _VT]]: ...
def to_key_val_list(
    value: Mapping[_KT, _VT] | Iterable[tuple[_KT, _VT]] | None,
) -> list[tuple[_KT, _VT]] | None:
    """``value`` (a mapping or ``(key, value)`` pairs) as a list of pairs; None stays None.

    :raises ValueError: for a str, bytes, bool or int, which are not pairs.
    :rtype: list
    """
    if value is None:
        return None
    if isinstance(value, str | bytes | bool | int):
        raise ValueError("cannot encode objects that are not 2-tuples")  # requests' type
    if isinstance(value, Mapping) or callable(getattr(value, "items", None)):
        return list(value.items())  # type: ignore[union-attr]  # checked just above
    return list(value)


def dict_from_cookiejar(cj: CookieJar) -> dict[str, str | None]:
    """A dict of the names and values of the cookies in ``cj`` (last one wins on a repeat).

    :rtype: dict
    """
    return {cookie.name: cookie.value for cookie in cj}


def add_dict_to_cookiejar(cj: CookieJar, cookie_dict: Mapping[str, str]) -> CookieJar:
    """Add the names and values of ``cookie_dict`` to ``cj`` as cookies and return ``cj``.

    :rtype: CookieJar
    """
    from requestx.cookies import cookiejar_from_dict  # noqa: PLC0415  # http.cookiejar is heavy

    return cookiejar_from_dict(cookie_dict, cj)


@contextlib.contextmanager
def set_environ(env_name: str, value: str | None) -> Iterator[None]:
    """Set environment variable ``env_name`` to ``value`` for the block, then restore it.

    With ``value`` None, the environment is left alone.
    """
    if value is None:
        yield
        return
    previous = os.environ.get(env_name)
    os.environ[env_name] = value
    try:
        yield
    finally:
        if previous is None:
            del os.environ[env_name]
        else:
            os.environ[env_name] = previous


def _proxy_env(key: str) -> str | None:
    # Lower case first, as curl and wget read them.
    return os.environ.get(key) or os.environ.get(key.upper())


def should_bypass_proxies(url: str, no_proxy: str | None) -> bool:
    """Whether ``url`` must be reached directly, not through a proxy.

    True for URLs without a host (``file:``), for hosts that ``no_proxy`` lists (the
    ``no_proxy``/``NO_PROXY`` variable when the argument is None; see
    ``requestx._proxy_utils.host_in_no_proxy`` for the matching rules), and for hosts the
    platform's settings exempt (:func:`proxy_bypass`).

    :rtype: bool
    """
    no_proxy_arg = no_proxy
    if no_proxy is None:
        no_proxy = _proxy_env("no_proxy")
    parsed = urlparse(url)
    hostname = parsed.hostname
    if hostname is None:
        return True
    if no_proxy and _host_in_no_proxy(hostname, parsed.port, no_proxy):
        return True
    # The platform lookup reads no_proxy from the environment; an explicit argument must
    # win there too.
    with set_environ("no_proxy", no_proxy_arg):
        try:
            return bool(proxy_bypass(hostname))
        except (TypeError, OSError):
            # OSError covers socket.gaierror from macOS's lookup of a name it cannot resolve.
            return False


def get_environ_proxies(url: str, no_proxy: str | None = None) -> dict[str, str]:
    """The platform's proxies (scheme to proxy URL), or ``{}`` if ``url`` bypasses them.

    :rtype: dict
    """
    if should_bypass_proxies(url, no_proxy=no_proxy):
        return {}
    return getproxies()


class _HasURL(Protocol):
    @property
    def url(self) -> str | None: ...


def resolve_proxies(
    request: _HasURL,
    proxies: Mapping[str, str] | None,
    trust_env: bool = True,  # requests' positional flag
) -> dict[str, str]:
    """The proxies to use for ``request``: ``proxies``, plus the environment's if trusted.

    The environment's proxy for the request's scheme (or its ``all`` proxy) is added when
    ``trust_env`` is true, the scheme has no proxy yet, and ``no_proxy`` (from ``proxies``
    or the environment) does not exempt the URL. ``proxies`` itself is not modified.

    :param request: a Request or PreparedRequest (anything with ``url``).
    :param proxies: scheme (or scheme and host) to proxy URL.
    :param trust_env: whether to read proxy settings from the environment.
    :rtype: dict
    """
    resolved = dict(proxies) if proxies is not None else {}
    url = request.url or ""
    scheme = urlparse(url).scheme
    no_proxy = resolved.get("no_proxy")
    if trust_env and not should_bypass_proxies(url, no_proxy=no_proxy):
        environ_proxies = get_environ_proxies(url, no_proxy=no_proxy)
        proxy = environ_proxies.get(scheme, environ_proxies.get("all"))
        if proxy:
            resolved.setdefault(scheme, proxy)
    return resolved


def default_user_agent(name: str = USER_AGENT_NAME) -> str:
    """The default ``User-Agent`` value: ``<name>/<requestx version>``.

    :rtype: str
    """
    return f"{name}/{__version__}"


def default_headers() -> CaseInsensitiveDict[str]:
    """The headers every session starts with: User-Agent, Accept-Encoding, Accept, Connection.

    :rtype: requestx.structures.CaseInsensitiveDict
    """
    return CaseInsensitiveDict(
        {
            "User-Agent": default_user_agent(),
            "Accept-Encoding": DEFAULT_ACCEPT_ENCODING,
            "Accept": "*/*",
            "Connection": "keep-alive",
        }
    )


def rewind_body(prepared_request: Any) -> None:
    """Seek the request's body back to where it started, to send it again after a redirect.

    The start is ``prepared_request._body_position``, recorded when the body was prepared.

    :raises UnrewindableBodyError: if the body cannot seek, no start was recorded, or the
        seek fails.
    """
    body_seek = getattr(prepared_request.body, "seek", None)
    position = getattr(prepared_request, "_body_position", None)
    if body_seek is None or not isinstance(position, int):
        raise UnrewindableBodyError("Unable to rewind request body for redirect.")
    try:
        body_seek(position)
    except OSError:
        raise UnrewindableBodyError(
            "An error occurred when rewinding request body for redirect."
        ) from None
