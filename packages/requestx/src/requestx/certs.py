"""`requests.certs`: where the default CA bundle is (certifi's), for code that asks.

requestx itself verifies against the operating system's roots by default and uses this
bundle only where the system has none (see `HTTPAdapter`); code written for requests that
passes ``verify=requests.certs.where()`` gets certifi's bundle, as with requests.
"""

from __future__ import annotations

from certifi import where

__all__ = ["where"]
