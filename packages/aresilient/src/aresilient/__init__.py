"""aresilient: retries, backoff, Retry-After and a circuit breaker for httpx.

The resilience engine and the drop-in clients arrive with their own issue.
"""

from importlib.metadata import version as _distribution_version

# Read from the installed distribution so the version is written only in pyproject.toml.
__version__ = _distribution_version("aresilient")

__all__ = ["__version__"]
