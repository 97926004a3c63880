"""The exceptions and warnings requestx raises, shaped exactly like ``requests.exceptions``.

Code written for requests catches these by class, so every name, base class and MRO matches
requests 2.32: ``except requests.exceptions.Timeout`` keeps working after an import swap to
requestx, and so do the less obvious catches that rely on a second base (``ValueError`` for a
bad URL, ``TypeError`` for a consumed stream, ``json.JSONDecodeError`` for a bad JSON body).

The one deliberate difference: requests also derives ``ContentDecodingError`` from urllib3's
``HTTPError``. requestx has no urllib3 underneath, so that base is absent (see the class).
"""

# The class names are requests' public API, so they cannot take an "Error" suffix.
# ruff: noqa: N818

import json
from typing import Any

__all__ = [
    "ChunkedEncodingError",
    "ConnectTimeout",
    "ConnectionError",
    "ContentDecodingError",
    "FileModeWarning",
    "HTTPError",
    "InvalidHeader",
    "InvalidJSONError",
    "InvalidProxyURL",
    "InvalidSchema",
    "InvalidURL",
    "JSONDecodeError",
    "MissingSchema",
    "ProxyError",
    "ReadTimeout",
    "RequestException",
    "RequestsDependencyWarning",
    "RequestsWarning",
    "RetryError",
    "SSLError",
    "StreamConsumedError",
    "Timeout",
    "TooManyRedirects",
    "URLRequired",
    "UnrewindableBodyError",
]


class RequestException(OSError):  # requests spells the base IOError, which is OSError
    """An error occurred while handling a request; the base of every requestx error.

    ``response`` and ``request`` are keyword-only extras. When only a response is given, the
    request is taken from ``response.request``, so a handler can always look at what was sent.
    """

    # Typed loosely on purpose: the Request/Response models live in other modules, and
    # requests lets callers attach any object here (tests pass stand-ins).
    response: Any
    request: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        response = kwargs.pop("response", None)
        self.response = response
        self.request = kwargs.pop("request", None)
        # requests tests the request for truthiness, not for None; an explicitly passed falsy
        # request is therefore replaced too, and the same holds here.
        if response is not None and not self.request and hasattr(response, "request"):
            self.request = response.request
        super().__init__(*args, **kwargs)


class InvalidJSONError(RequestException):
    """A JSON error occurred (the body could not be encoded, or a response not decoded)."""


class JSONDecodeError(InvalidJSONError, json.JSONDecodeError):
    """The response body could not be decoded as JSON.

    It is both a requestx error and a :class:`json.JSONDecodeError`, so ``except ValueError``
    and ``except json.JSONDecodeError`` written for the standard library keep catching it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # json's constructor turns (msg, doc, pos) into one formatted message and sets msg,
        # doc, pos, lineno and colno. Only that message may reach OSError: handing it three
        # positional arguments would make it an (errno, strerror, filename) error.
        json.JSONDecodeError.__init__(self, *args)
        InvalidJSONError.__init__(self, *self.args, **kwargs)

    def __reduce__(self) -> str | tuple[Any, ...]:
        # OSError comes first in the MRO, and its __reduce__ would rebuild the error from the
        # single formatted message, which json's constructor cannot take. Pickle it the json
        # way, from (msg, doc, pos).
        return json.JSONDecodeError.__reduce__(self)


class HTTPError(RequestException):
    """An HTTP error occurred (raised by ``Response.raise_for_status()``)."""


class ConnectionError(RequestException):  # shadows the builtin on purpose: the requests name
    """A connection error occurred."""


class ProxyError(ConnectionError):
    """A proxy error occurred."""


class SSLError(ConnectionError):
    """An SSL/TLS error occurred."""


class Timeout(RequestException):
    """The request timed out.

    Catching this error catches both :exc:`ConnectTimeout` and :exc:`ReadTimeout`.
    """


class ConnectTimeout(ConnectionError, Timeout):
    """The request timed out while connecting to the remote server.

    Nothing was sent yet, so a request that failed this way is safe to retry.
    """


class ReadTimeout(Timeout):
    """The server did not send any data in the allotted time."""


class URLRequired(RequestException):
    """A valid URL is required to make a request."""


class TooManyRedirects(RequestException):
    """Too many redirects."""


class MissingSchema(RequestException, ValueError):
    """The URL has no scheme (e.g. http or https)."""


class InvalidSchema(RequestException, ValueError):
    """The URL scheme is invalid or unsupported."""


class InvalidURL(RequestException, ValueError):
    """The URL is invalid."""


class InvalidHeader(RequestException, ValueError):
    """A header name or value is invalid."""


class InvalidProxyURL(InvalidURL):
    """The proxy URL is invalid."""


class ChunkedEncodingError(RequestException):
    """The server declared chunked encoding but sent an invalid chunk."""


# requests declares ContentDecodingError(RequestException, urllib3.exceptions.HTTPError), so
# that urllib3's errors and requests' share a catch-all. requestx has no urllib3 dependency:
# importing urllib3 here only to inherit from it would cost every user an import for a base
# nothing in requestx raises, so this class derives from RequestException alone. Code that
# catches urllib3.exceptions.HTTPError to handle it should catch RequestException instead.
class ContentDecodingError(RequestException):
    """The response content could not be decoded (gzip, deflate, brotli, zstd)."""


class StreamConsumedError(RequestException, TypeError):
    """The content of this response was already consumed."""


class RetryError(RequestException):
    """The retry logic gave up."""


class UnrewindableBodyError(RequestException):
    """The request body could not be rewound to send it again."""


# Warnings


class RequestsWarning(Warning):
    """Base of every warning requestx issues (the name requests uses)."""


class FileModeWarning(RequestsWarning, DeprecationWarning):
    """A file was opened in text mode, but its length was counted in bytes."""


class RequestsDependencyWarning(RequestsWarning):
    """An imported dependency does not match the expected version range."""
