"""The names ``requests.compat`` exposes, for code and tests that import them from there.

requests keeps this module from its Python 2 days; users still write
``from requests.compat import urlparse, cookielib, MutableMapping``. requestx offers the same
names with the same values on Python 3, so such imports survive the switch.

Unlike requests, the heavier imports behind some names (``urllib.request``, ``http.cookiejar``,
``http.cookies`` and the optional character-detection packages) run on first use rather than
when this module is imported: requestx imports this module on its common path, and most
programs never touch those names.
"""

import builtins
import importlib
import json
import sys
from collections import OrderedDict
from collections.abc import Callable, Mapping, MutableMapping
from io import StringIO
from types import ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import (
    quote,
    quote_plus,
    unquote,
    unquote_plus,
    urldefrag,
    urlencode,
    urljoin,
    urlparse,
    urlsplit,
    urlunparse,
)

if TYPE_CHECKING:
    # Bound lazily by __getattr__ below; these give type checkers the real types.
    import http.cookiejar as cookielib
    from http.cookies import Morsel
    from urllib.request import (
        getproxies,
        getproxies_environment,
        parse_http_list,
        proxy_bypass,
    )

    # urllib.request defines it on every platform, but typeshed omits it
    # (python/cpython#145331), so its signature is spelled out here.
    def proxy_bypass_environment(host: str, proxies: Mapping[str, str] | None = None) -> bool: ...

    chardet: ModuleType | None
    charset_normalizer: ModuleType | None

__all__ = [
    "Callable",
    "JSONDecodeError",
    "Mapping",
    "Morsel",
    "MutableMapping",
    "OrderedDict",
    "StringIO",
    "basestring",
    "builtin_str",
    "bytes",
    "chardet",
    "charset_normalizer",
    "cookielib",
    "getproxies",
    "getproxies_environment",
    "has_simplejson",
    "integer_types",
    "is_py2",
    "is_py3",
    "is_urllib3_1",
    "json",
    "numeric_types",
    "parse_http_list",
    "proxy_bypass",
    "proxy_bypass_environment",
    "quote",
    "quote_plus",
    "str",
    "unquote",
    "unquote_plus",
    "urldefrag",
    "urlencode",
    "urljoin",
    "urlparse",
    "urlsplit",
    "urlunparse",
]

#: Always false: requestx runs on Python 3 only.
is_py2: bool = sys.version_info[0] == 2
#: Always true, for the same reason.
is_py3: bool = sys.version_info[0] == 3

# requests decodes JSON with simplejson when it is installed. requestx always decodes with its
# own engine or the standard library, so the error users catch is always json's.
has_simplejson: bool = False
JSONDecodeError = json.JSONDecodeError

# requests switches behaviour on urllib3 1.x versus 2.x. requestx has no urllib3 at all; false
# sends code that branches on this flag down the modern (urllib3 2) path.
is_urllib3_1: bool = False

# The Python 2 spellings requests still exports. Taken from `builtins` because a module-level
# `str = str` reads as a mistake.
builtin_str = builtins.str
str = builtins.str
bytes = builtins.bytes
basestring: tuple[type, ...] = (builtins.str, builtins.bytes)
numeric_types: tuple[type, ...] = (int, float)
integer_types: tuple[type, ...] = (int,)

# name -> (module, attribute in it, or None for the module itself).
_LAZY_IMPORTS: dict[builtins.str, tuple[builtins.str, builtins.str | None]] = {
    "cookielib": ("http.cookiejar", None),
    "Morsel": ("http.cookies", "Morsel"),
    "getproxies": ("urllib.request", "getproxies"),
    "getproxies_environment": ("urllib.request", "getproxies_environment"),
    "parse_http_list": ("urllib.request", "parse_http_list"),
    "proxy_bypass": ("urllib.request", "proxy_bypass"),
    "proxy_bypass_environment": ("urllib.request", "proxy_bypass_environment"),
}
_CHARACTER_DETECTION = ("chardet", "charset_normalizer")


def _optional_module(name: builtins.str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _resolve_character_detection() -> ModuleType | None:
    # requests prefers chardet and falls back to charset_normalizer; `compat.chardet` is
    # whichever was found (or None), whatever its real name.
    for name in _CHARACTER_DETECTION:
        module = _optional_module(name)
        if module is not None:
            return module
    return None


# Hidden from type checkers: they see the TYPE_CHECKING declarations above, and a visible module
# __getattr__ would make every misspelt name type-check as Any.
if not TYPE_CHECKING:

    def __getattr__(name: builtins.str) -> Any:
        if name == "chardet":
            value: Any = _resolve_character_detection()
        elif name == "charset_normalizer":
            value = _optional_module("charset_normalizer")
        elif name in _LAZY_IMPORTS:
            module_name, attribute = _LAZY_IMPORTS[name]
            module = importlib.import_module(module_name)
            value = module if attribute is None else getattr(module, attribute)
        else:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        # Bind it as a module global, so later lookups never come back here.
        globals()[name] = value
        return value

    def __dir__() -> list[builtins.str]:
        return sorted({*globals(), *_LAZY_IMPORTS, *_CHARACTER_DETECTION})
