"""The warning requests gives (through urllib3) for each HTTPS request made with
``verify=False``.

Code written for requests silences it with ``urllib3.disable_warnings()`` or a filter on
``urllib3.exceptions.InsecureRequestWarning``: when urllib3 is installed, that very class is
warned with, so those keep working. Without urllib3, requestx's own class of the same name
stands in (a ``Warning``, as urllib3's is).
"""

from __future__ import annotations

import importlib
import warnings
from urllib.parse import urlsplit

__all__ = ["InsecureRequestWarning", "insecure_request_warning", "warn_unverified"]


class InsecureRequestWarning(Warning):
    """An HTTPS request was made without verifying the server's certificate."""


def insecure_request_warning() -> type[Warning]:
    """urllib3's InsecureRequestWarning when urllib3 is installed, else requestx's own."""
    try:
        urllib3_exceptions = importlib.import_module("urllib3.exceptions")
    except ImportError:
        return InsecureRequestWarning
    theirs = getattr(urllib3_exceptions, "InsecureRequestWarning", None)
    if isinstance(theirs, type) and issubclass(theirs, Warning):
        return theirs
    return InsecureRequestWarning


def warn_unverified(url: str) -> None:
    """Warn, as urllib3 does, that ``url`` is fetched without certificate verification."""
    host = urlsplit(url).hostname or url
    warnings.warn(
        f"Unverified HTTPS request is being made to host '{host}'. Adding certificate "
        "verification is strongly advised. See: "
        "https://urllib3.readthedocs.io/en/latest/advanced-usage.html#tls-warnings",
        insecure_request_warning(),
        stacklevel=4,
    )
