"""pytest plugin: `import requests` (and its submodules) resolves to requestx.

Loaded with `-p requests_alias` by `nox -s compat`, which runs requests' own test suite
against requestx. It must run before any test module imports requests.
"""

from __future__ import annotations

import importlib
import sys

import requestx

# requests' modules that requestx mirrors; `requests.X` becomes `requestx.X`.
MIRRORED = [
    "_internal_utils",
    "adapters",
    "api",
    "auth",
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
]


def alias_requests() -> None:
    sys.modules["requests"] = requestx
    for name in MIRRORED:
        module = importlib.import_module(f"requestx.{name}")
        sys.modules[f"requests.{name}"] = module
        # `requests.help` etc. must also work as attributes of the package.
        setattr(requestx, name, module)
    # `import requests.packages.urllib3.x` resolves through sys.modules entries.
    for key, module in list(sys.modules.items()):
        if key.startswith("requestx.packages."):
            sys.modules["requests.packages." + key.removeprefix("requestx.packages.")] = module


alias_requests()
