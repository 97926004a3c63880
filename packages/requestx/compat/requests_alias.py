"""pytest plugin: `import requests` (and its submodules) resolves to requestx.

Loaded with `-p requests_alias` by `nox -s compat` (requests' own test suite) and
`nox -s compat_mocking` (the suites of responses and requests-mock), which run against
requestx. It must run before any test module imports requests: it is what a program does
with `requestx.install()` (which also makes sync the default mode, as requests is).
"""

from __future__ import annotations

import requestx

requestx.install()
