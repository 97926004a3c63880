"""requestx.compat offers the names of requests.compat, and the pure modules stay light.

The light part: none of the compatibility modules may import requests or urllib3, and the
heavier names of compat load on first use. Those checks run in a fresh interpreter, since this
test process imports requests itself.
"""

import builtins
import collections
import collections.abc
import http.cookiejar
import http.cookies
import io
import json
import subprocess
import sys
import textwrap
import types
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import requests.compat

from requestx import compat

# Names requests.compat has that requestx deliberately does not: urllib3's version string
# (no urllib3 here) and artefacts of requests' own imports (not meant for users).
NOT_MIRRORED = {"urllib3_version", "annotations", "ModuleType"}


def _public_names(module: types.ModuleType) -> set[str]:
    return {
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    } | {"json", "cookielib", "chardet"}


# The subprocess checks load the modules under test without running requestx/__init__.py:
# what the rest of the package imports is not what these modules are being held to.
_BARE_PACKAGE = """
import sys, types
package = types.ModuleType("requestx")
package.__path__ = [{path!r}]
sys.modules["requestx"] = package
"""


def _run_fresh(code: str) -> None:
    setup = _BARE_PACKAGE.format(path=str(Path(compat.__file__).parent))
    completed = subprocess.run(
        [sys.executable, "-c", setup + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr


def test_every_name_of_requests_compat_exists() -> None:
    missing = _public_names(requests.compat) - NOT_MIRRORED - set(dir(compat))
    assert not missing


def test_all_names_resolve() -> None:
    for name in compat.__all__:
        getattr(compat, name)
    assert set(compat.__all__) >= _public_names(requests.compat) - NOT_MIRRORED


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("urlparse", urllib.parse.urlparse),
        ("urlunparse", urllib.parse.urlunparse),
        ("urljoin", urllib.parse.urljoin),
        ("urlsplit", urllib.parse.urlsplit),
        ("urlencode", urllib.parse.urlencode),
        ("urldefrag", urllib.parse.urldefrag),
        ("quote", urllib.parse.quote),
        ("unquote", urllib.parse.unquote),
        ("quote_plus", urllib.parse.quote_plus),
        ("unquote_plus", urllib.parse.unquote_plus),
        ("getproxies", urllib.request.getproxies),
        ("getproxies_environment", urllib.request.getproxies_environment),
        ("proxy_bypass", urllib.request.proxy_bypass),
        ("proxy_bypass_environment", urllib.request.proxy_bypass_environment),  # type: ignore[attr-defined]
        ("parse_http_list", urllib.request.parse_http_list),
        ("Morsel", http.cookies.Morsel),
        ("cookielib", http.cookiejar),
        ("StringIO", io.StringIO),
        ("OrderedDict", collections.OrderedDict),
        ("Mapping", collections.abc.Mapping),
        ("MutableMapping", collections.abc.MutableMapping),
        ("Callable", collections.abc.Callable),
        ("json", json),
        ("JSONDecodeError", json.JSONDecodeError),
        ("builtin_str", builtins.str),
        ("str", builtins.str),
        ("bytes", builtins.bytes),
    ],
)
def test_values_are_the_standard_library_objects(name: str, expected: object) -> None:
    assert getattr(compat, name) is expected


def test_values_agree_with_requests_compat() -> None:
    for name in _public_names(requests.compat) - NOT_MIRRORED - {"JSONDecodeError", "json"}:
        assert getattr(compat, name) == getattr(requests.compat, name), name


def test_flags_and_type_tuples() -> None:
    assert compat.is_py3 is True
    assert compat.is_py2 is False
    assert compat.has_simplejson is False
    assert compat.is_urllib3_1 is False
    assert compat.basestring == (str, bytes)
    assert compat.numeric_types == (int, float)
    assert compat.integer_types == (int,)


def test_character_detection_matches_what_is_installed() -> None:
    try:
        import charset_normalizer  # noqa: PLC0415 - optional, probed on purpose
    except ImportError:
        assert compat.charset_normalizer is None
    else:
        assert compat.charset_normalizer is charset_normalizer
    # The same resolution as requests: chardet first, then charset_normalizer, else None.
    assert compat.chardet is requests.compat.chardet


def test_character_detection_is_none_without_either_package(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "chardet", None)
    monkeypatch.setitem(sys.modules, "charset_normalizer", None)
    monkeypatch.delitem(vars(compat), "chardet", raising=False)
    monkeypatch.delitem(vars(compat), "charset_normalizer", raising=False)
    assert compat.chardet is None
    assert compat.charset_normalizer is None
    # Leave no cached None behind for the other tests.
    monkeypatch.delitem(vars(compat), "chardet")
    monkeypatch.delitem(vars(compat), "charset_normalizer")


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = compat.no_such_name  # type: ignore[attr-defined]


def test_dir_lists_the_lazy_names() -> None:
    assert {"chardet", "charset_normalizer", "cookielib", "getproxies"} <= set(dir(compat))


def test_star_import_works() -> None:
    namespace: dict[str, object] = {}
    exec("from requestx.compat import *", namespace)  # noqa: S102 - fixed code
    assert namespace["urlparse"] is urllib.parse.urlparse
    assert namespace["Morsel"] is http.cookies.Morsel


def test_the_modules_import_neither_requests_nor_urllib3() -> None:
    _run_fresh(
        """
        import sys
        import requestx.auth, requestx.compat, requestx.exceptions
        import requestx.hooks, requestx.status_codes, requestx.structures
        from requestx.compat import *
        loaded = {name.split(".")[0] for name in sys.modules}
        assert not loaded & {"requests", "urllib3", "simplejson"}, loaded
        """
    )


def test_heavy_names_load_on_first_use() -> None:
    _run_fresh(
        """
        import sys
        heavy = {"charset_normalizer", "chardet", "urllib.request", "http.cookiejar"}
        assert not heavy & set(sys.modules), heavy & set(sys.modules)
        import requestx.compat, requestx.auth
        assert not heavy & set(sys.modules), heavy & set(sys.modules)
        from requestx.compat import getproxies, cookielib
        assert "urllib.request" in sys.modules
        assert "http.cookiejar" in sys.modules
        """
    )
