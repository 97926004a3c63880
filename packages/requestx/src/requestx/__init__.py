"""requestx: the requests API on a Rust (hyper) engine.

The HTTP client itself arrives with its own issue; today the package loads its
native module and reports the release version.
"""

from requestx._requestx import __version__

__all__ = ["__version__"]
