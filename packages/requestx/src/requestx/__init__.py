"""requestx: the requests API on a Rust (hyper) engine, sync and async under the same names.

    >>> import requestx
    >>> r = requestx.get("https://example.org/")          # doctest: +SKIP
    >>> r.status_code, r.headers["content-type"]           # doctest: +SKIP

Inside a running asyncio loop the same calls return awaitables; `requestx.sync` and
`requestx.aio` force one mode, `requestx.set_default_mode` (or `REQUESTX_MODE`) sets it for
the whole process. `requestx.install()` makes `import requests` give requestx, so libraries
built on requests run on it unmodified.
"""

import atexit as _atexit
import os as _os

from requestx import _requestx, aio, sync, utils
from requestx._install import install, uninstall
from requestx._mode import get_default_mode, set_default_mode
from requestx._requestx import __version__
from requestx.api import delete, get, head, options, patch, post, put, request
from requestx.exceptions import (
    ConnectionError,
    ConnectTimeout,
    FileModeWarning,
    HTTPError,
    JSONDecodeError,
    ReadTimeout,
    RequestException,
    Timeout,
    TooManyRedirects,
    URLRequired,
)
from requestx.models import PreparedRequest, Request, Response
from requestx.sessions import Session, session
from requestx.status_codes import codes

# Stop the engine's threads before the interpreter finalizes (see runtime.rs).
_atexit.register(_requestx.shutdown)
# The engine keeps the process id rather than asking on every request; a forked child
# refreshes it before it can make one (see process.rs). Windows has no fork.
if hasattr(_os, "register_at_fork"):
    _os.register_at_fork(after_in_child=_requestx.forked)

__all__ = [
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
]
