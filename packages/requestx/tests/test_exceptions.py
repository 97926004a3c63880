"""requestx.exceptions has requests' names, bases and MROs, and behaves the same when raised."""

import builtins
import inspect
import json
import pickle
import warnings
from typing import Any

import pytest
import requests
import requests.exceptions

from requestx import exceptions
from requestx.exceptions import (
    ChunkedEncodingError,
    ConnectionError,
    ConnectTimeout,
    ContentDecodingError,
    FileModeWarning,
    HTTPError,
    InvalidJSONError,
    InvalidURL,
    JSONDecodeError,
    MissingSchema,
    ReadTimeout,
    RequestException,
    RequestsWarning,
    StreamConsumedError,
    Timeout,
)

# requests 2.32's hierarchy as documented in its exceptions module, written out by hand so a
# change on either side shows up here rather than being copied over silently.
DOCUMENTED_BASES: dict[str, tuple[str, ...]] = {
    "RequestException": ("OSError",),
    "InvalidJSONError": ("RequestException",),
    "JSONDecodeError": ("InvalidJSONError", "JSONDecodeError"),
    "HTTPError": ("RequestException",),
    "ConnectionError": ("RequestException",),
    "ProxyError": ("ConnectionError",),
    "SSLError": ("ConnectionError",),
    "Timeout": ("RequestException",),
    "ConnectTimeout": ("ConnectionError", "Timeout"),
    "ReadTimeout": ("Timeout",),
    "URLRequired": ("RequestException",),
    "TooManyRedirects": ("RequestException",),
    "MissingSchema": ("RequestException", "ValueError"),
    "InvalidSchema": ("RequestException", "ValueError"),
    "InvalidURL": ("RequestException", "ValueError"),
    "InvalidHeader": ("RequestException", "ValueError"),
    "InvalidProxyURL": ("InvalidURL",),
    "ChunkedEncodingError": ("RequestException",),
    # requests adds urllib3.exceptions.HTTPError here; requestx has no urllib3.
    "ContentDecodingError": ("RequestException",),
    "StreamConsumedError": ("RequestException", "TypeError"),
    "RetryError": ("RequestException",),
    "UnrewindableBodyError": ("RequestException",),
    "RequestsWarning": ("Warning",),
    "FileModeWarning": ("RequestsWarning", "DeprecationWarning"),
    "RequestsDependencyWarning": ("RequestsWarning",),
}


def _requests_classes() -> dict[str, type]:
    return {
        name: value
        for name, value in vars(requests.exceptions).items()
        if inspect.isclass(value) and value.__module__ == "requests.exceptions"
    }


def _portable_mro(cls: type, drop_module_prefix: str | None = None) -> list[str]:
    """The MRO as names, with requests' and requestx's own classes under one spelling."""
    names = []
    for klass in cls.__mro__:
        if drop_module_prefix and klass.__module__.startswith(drop_module_prefix):
            continue
        if klass.__module__ in {"requests.exceptions", "requestx.exceptions"}:
            names.append(f"<own>.{klass.__qualname__}")
        else:
            names.append(f"{klass.__module__}.{klass.__qualname__}")
    return names


class FakeResponse:
    def __init__(self, request: object = None) -> None:
        if request is not None:
            self.request = request


def test_the_names_are_exactly_those_of_requests() -> None:
    assert set(exceptions.__all__) == set(_requests_classes())
    assert set(exceptions.__all__) == set(DOCUMENTED_BASES)


def test_all_lists_every_class_the_module_defines() -> None:
    defined = {
        name
        for name, value in vars(exceptions).items()
        if inspect.isclass(value) and value.__module__ == exceptions.__name__
    }
    assert defined == set(exceptions.__all__)


@pytest.mark.parametrize(("name", "bases"), DOCUMENTED_BASES.items())
def test_direct_bases_match_the_documented_hierarchy(name: str, bases: tuple[str, ...]) -> None:
    cls = getattr(exceptions, name)
    assert tuple(base.__name__ for base in cls.__bases__) == bases


@pytest.mark.parametrize("name", sorted(DOCUMENTED_BASES))
def test_mro_matches_the_installed_requests(name: str) -> None:
    ours = _portable_mro(getattr(exceptions, name))
    theirs = _portable_mro(_requests_classes()[name], drop_module_prefix="urllib3")
    assert ours == theirs


def test_content_decoding_error_differs_from_requests_only_by_urllib3() -> None:
    theirs = _portable_mro(requests.exceptions.ContentDecodingError)
    ours = _portable_mro(ContentDecodingError)
    assert [name for name in theirs if not name.startswith("urllib3.")] == ours
    assert any(name.startswith("urllib3.") for name in theirs)


def test_json_decode_error_bases_on_the_standard_library_error() -> None:
    assert issubclass(JSONDecodeError, json.JSONDecodeError)
    assert json.JSONDecodeError in JSONDecodeError.__bases__


def test_second_bases_make_builtin_catches_work() -> None:
    with pytest.raises(ValueError, match="no scheme"):
        raise MissingSchema("no scheme")
    with pytest.raises(ValueError, match="bad"):
        raise InvalidURL("bad")
    with pytest.raises(TypeError):
        raise StreamConsumedError
    with pytest.raises(OSError, match="boom"):
        raise ChunkedEncodingError("boom")


def test_connect_timeout_is_both_a_connection_error_and_a_timeout() -> None:
    for catch in (ConnectionError, Timeout, RequestException):
        with pytest.raises(catch):
            raise ConnectTimeout
    assert not issubclass(ReadTimeout, ConnectionError)


def test_connection_error_is_not_the_builtin_one() -> None:
    # Same name, different class: requests' ConnectionError does not catch socket errors.
    assert ConnectionError.__module__ == "requestx.exceptions"
    assert not issubclass(ConnectionError, builtins.ConnectionError)


def test_file_mode_warning_is_a_deprecation_warning() -> None:
    assert issubclass(FileModeWarning, DeprecationWarning)
    assert issubclass(FileModeWarning, RequestsWarning)
    with pytest.warns(DeprecationWarning, match="text mode"):
        warnings.warn("text mode", FileModeWarning, stacklevel=1)


def test_response_and_request_default_to_none() -> None:
    error = HTTPError()
    assert error.response is None
    assert error.request is None
    assert error.args == ()


def test_request_comes_from_the_response_when_not_given() -> None:
    request = object()
    response = FakeResponse(request)
    error = HTTPError("message", response=response)
    assert error.response is response
    assert error.request is request
    assert str(error) == "message"
    assert error.args == ("message",)


def test_an_explicit_request_wins_over_the_responses() -> None:
    mine, theirs = object(), object()
    error = RequestException(response=FakeResponse(theirs), request=mine)
    assert error.request is mine


def test_a_falsy_request_is_replaced_like_requests_does() -> None:
    from_response = object()
    ours = RequestException(response=FakeResponse(from_response), request="")
    reference = requests.exceptions.RequestException(
        response=FakeResponse(from_response), request=""
    )
    assert ours.request is from_response
    assert reference.request is from_response


def test_a_response_without_request_leaves_request_none() -> None:
    error = RequestException(response=FakeResponse())
    assert error.request is None


def test_unknown_keyword_arguments_are_rejected_like_oserror() -> None:
    with pytest.raises(TypeError):
        RequestException(unexpected=1)
    with pytest.raises(TypeError):
        requests.exceptions.RequestException(unexpected=1)


DOC = '{"responseCode":["706"],"data":null}{"responseCode":["706"],"data":null}'


def test_json_decode_error_keeps_json_fields_and_one_message() -> None:
    error = JSONDecodeError("Extra data", DOC, 36)
    assert error.msg == "Extra data"
    assert error.doc == DOC
    assert error.pos == 36
    assert (error.lineno, error.colno) == (1, 37)
    assert error.args == ("Extra data: line 1 column 37 (char 36)",)
    assert str(error) == "Extra data: line 1 column 37 (char 36)"
    # Not misread as OSError(errno, strerror, filename).
    assert error.errno is None
    assert error.filename is None


def test_json_decode_error_matches_requests_output() -> None:
    ours = JSONDecodeError("Expecting value", "nope", 0)
    theirs = requests.exceptions.JSONDecodeError("Expecting value", "nope", 0)
    assert (str(ours), ours.args, repr(ours)) == (str(theirs), theirs.args, repr(theirs))


def test_json_decode_error_takes_response_and_request() -> None:
    request = object()
    error = JSONDecodeError("Expecting value", "", 0, response=FakeResponse(request))
    assert error.request is request
    assert isinstance(error, InvalidJSONError)


def test_json_decode_error_is_caught_as_the_standard_library_error() -> None:
    with pytest.raises(json.JSONDecodeError):
        raise JSONDecodeError("Expecting value", "x", 0)
    with pytest.raises(ValueError, match="Expecting value"):
        raise JSONDecodeError("Expecting value", "x", 0)


def test_json_decode_error_pickles_from_its_json_arguments() -> None:
    error = JSONDecodeError("Extra data", DOC, 36)
    restored = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own object
    assert type(restored) is JSONDecodeError
    assert repr(restored) == repr(error)
    assert (restored.msg, restored.doc, restored.pos) == ("Extra data", DOC, 36)


@pytest.mark.parametrize(
    "name", sorted(name for name in DOCUMENTED_BASES if not name.endswith("Warning"))
)
def test_every_error_pickles_with_its_message(name: str) -> None:
    cls: Any = getattr(exceptions, name)
    error = cls("Expecting value", "x", 0) if cls is JSONDecodeError else cls("message")
    restored = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own object
    assert type(restored) is cls
    assert str(restored) == str(error)


def test_requests_own_http_error_checks_pass() -> None:
    # requests' test_http_error, against requestx's class and a stand-in response.
    error = HTTPError()
    assert not error.response
    response = FakeResponse()
    error = HTTPError(response=response)
    assert error.response == response
    error = HTTPError("message", response=response)
    assert str(error) == "message"
    assert error.response == response
