"""`requests.packages` compatibility: the vendored-module aliases old code reaches for.

requests exposes urllib3, idna and chardet as `requests.packages.*`. requestx does not use
urllib3; when it is installed anyway, the alias points at it so old imports keep working.
"""

from __future__ import annotations

import importlib
import sys

__all__: list[str] = []

for _name in ("urllib3", "idna", "chardet", "charset_normalizer"):
    try:
        _module = importlib.import_module(_name)
    except ImportError:
        continue
    globals()[_name] = _module
    # `import requestx.packages.urllib3.util` style imports resolve through sys.modules.
    for _key, _value in list(sys.modules.items()):
        if _key == _name or _key.startswith(_name + "."):
            sys.modules[f"{__name__}.{_key}"] = _value
    __all__.append(_name)

if "chardet" not in globals() and "charset_normalizer" in globals():
    # requests aliases chardet to charset_normalizer when only the latter is installed.
    chardet = globals()["charset_normalizer"]
    for _key, _value in list(sys.modules.items()):
        if _key == "charset_normalizer" or _key.startswith("charset_normalizer."):
            sys.modules[f"{__name__}.chardet{_key[len('charset_normalizer') :]}"] = _value
    __all__.append("chardet")
