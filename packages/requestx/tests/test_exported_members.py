"""The public API of requestx is requests' (plus the sync/aio namespaces), so it cannot drift."""

import types

import requestx

EXPECTED_EXPORTS = {
    "ConnectTimeout",
    "ConnectionError",
    "FileModeWarning",
    "HTTPError",
    "JSONDecodeError",
    "PreparedRequest",
    "ReadTimeout",
    "Request",
    "RequestException",
    "Response",
    "Session",
    "Timeout",
    "TooManyRedirects",
    "URLRequired",
    "__version__",
    "aio",
    "codes",
    "delete",
    "get",
    "get_default_mode",
    "head",
    "install",
    "options",
    "patch",
    "post",
    "put",
    "request",
    "session",
    "set_default_mode",
    "sync",
    "uninstall",
    "utils",
}


def test_all_lists_the_expected_names() -> None:
    assert set(requestx.__all__) == EXPECTED_EXPORTS
    assert all(hasattr(requestx, name) for name in requestx.__all__)


def test_no_public_attribute_is_left_out_of_all() -> None:
    public = {
        name
        for name, value in vars(requestx).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public <= set(requestx.__all__)
