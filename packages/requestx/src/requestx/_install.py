"""`install()`: make `import requests`, anywhere in the program, give requestx (sync mode).

A library built on requests then runs on the engine unmodified, and the exceptions it
catches (`except requests.RequestException`, `requests.exceptions.Timeout`, ...) are the
ones requestx raises, because `requests` *is* requestx: `sys.modules["requests"]` and
`sys.modules["requests.<name>"]` point at requestx's modules, and a finder first on
`sys.meta_path` answers any other `requests.<name>` with `requestx.<name>`, so that no
requestx module is ever loaded a second time under the other name.

Limits (say so in the README too):

- Only imports made after `install()` are redirected. A module that imported requests
  before keeps the real one; `install()` warns when requests was imported already.
- The process-wide default mode becomes "sync" (calls return a Response even on a thread
  running an event loop, as requests' do). Code that wants awaitables uses `requestx.aio`
  or `Session(mode="async")`.
- `requests.__version__` is requestx's version, and installed-package metadata
  (`importlib.metadata.version("requests")`) still describes the real requests, if any.
- Only requests' own API is there: urllib3 objects that requests exposes (its pool managers,
  `HTTPResponse` as `Response.raw`, urllib3's exceptions inside requestx's) are not.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import threading
import warnings
from collections.abc import Sequence
from types import ModuleType

from requestx._mode import Mode, get_default_mode, set_default_mode

__all__ = ["MIRRORED", "install", "installed", "uninstall"]

ALIAS = "requests"
TARGET = "requestx"

# requests' public submodules: aliased at once, so that `requests.<name>` works as an
# attribute without an import, as it does on requests (whose package imports them all).
MIRRORED = (
    "_internal_utils",
    "adapters",
    "api",
    "auth",
    "certs",
    "compat",
    "cookies",
    "exceptions",
    "help",
    "hooks",
    "models",
    "packages",
    "sessions",
    "status_codes",
    "structures",
    "utils",
)


class _AliasFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Answers `import requests.<name>` with the module `requestx.<name>` itself.

    Without it, Python would find `<name>.py` on requestx's path (the `requests` package's
    path, now) and run it again as a second module, with classes of its own.
    """

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if not fullname.startswith(ALIAS + "."):
            return None
        real_name = TARGET + fullname[len(ALIAS) :]
        if importlib.util.find_spec(real_name) is None:
            return None  # the usual ModuleNotFoundError follows
        return importlib.util.spec_from_loader(fullname, self)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return importlib.import_module(TARGET + spec.name[len(ALIAS) :])

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run: the module was imported under its own name."""


class _Installation:
    """What `install()` changed, so that `uninstall()` can put it back."""

    def __init__(self, finder: _AliasFinder, replaced: dict[str, ModuleType], mode: Mode) -> None:
        self.finder = finder
        self.replaced = replaced  # the sys.modules entries that were there before
        self.mode = mode


_lock = threading.Lock()
_installation: _Installation | None = None


def install() -> None:
    """Make `import requests` (and `requests.<submodule>`) give requestx from now on.

    Every later import of requests in the program, third-party libraries' included, gets
    requestx; the default mode becomes "sync" (see :func:`requestx.set_default_mode`).
    Calling it again does nothing. Warns (``RuntimeWarning``) when the real requests was
    imported already: modules that hold it keep it. :func:`uninstall` undoes it.
    """
    global _installation  # noqa: PLW0603 - one installation per process
    with _lock:
        if _installation is not None:
            return
        already = sys.modules.get(ALIAS)
        if already is not None and already is not sys.modules[TARGET]:
            warnings.warn(
                "requestx.install() was called after requests was imported: modules that "
                "imported requests before keep the real one. Call install() first thing.",
                RuntimeWarning,
                stacklevel=2,
            )
        replaced = {
            name: module
            for name, module in sys.modules.items()
            if name == ALIAS or name.startswith(ALIAS + ".")
        }
        finder = _AliasFinder()
        _installation = _Installation(finder, replaced, get_default_mode())
        for name in replaced:
            del sys.modules[name]
        sys.meta_path.insert(0, finder)
        _alias_modules()
        set_default_mode("sync")


def _alias_modules() -> None:
    package = importlib.import_module(TARGET)
    sys.modules[ALIAS] = package
    for name in MIRRORED:
        sys.modules[f"{ALIAS}.{name}"] = importlib.import_module(f"{TARGET}.{name}")
    # `requests.packages.urllib3...`: requestx.packages registered its aliases of whatever
    # is installed under its own name; give each the requests spelling too.
    prefix = f"{TARGET}.packages."
    for key, module in list(sys.modules.items()):
        if key.startswith(prefix):
            sys.modules[f"{ALIAS}.packages.{key[len(prefix) :]}"] = module


def uninstall() -> None:
    """Undo :func:`install`: later imports of requests find the real one again (or fail,
    when it is not installed), the default mode is what it was, and any requests modules
    imported before `install()` are put back. Modules that imported requests meanwhile
    keep requestx. Does nothing when not installed."""
    global _installation  # noqa: PLW0603
    with _lock:
        if _installation is None:
            return
        with_requests_name = [
            name for name in sys.modules if name == ALIAS or name.startswith(ALIAS + ".")
        ]
        for name in with_requests_name:
            del sys.modules[name]
        sys.modules.update(_installation.replaced)
        if _installation.finder in sys.meta_path:
            sys.meta_path.remove(_installation.finder)
        set_default_mode(_installation.mode)
        _installation = None


def installed() -> bool:
    """Whether :func:`install` is in effect."""
    return _installation is not None
