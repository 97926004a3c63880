"""httpy: a fast, strict asyncio HTTP server with decorator routing.

The server and its httpbin app arrive with their own issue.
"""

from importlib.metadata import version as _distribution_version

# Read from the installed distribution so the version is written only in pyproject.toml.
__version__ = _distribution_version("httpy")

__all__ = ["__version__"]
