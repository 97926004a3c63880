"""http_benchmark: fair, repeatable benchmarks of Python HTTP clients.

The runner, adapters, storage and CLI arrive with their own issue.
"""

from importlib.metadata import version as _distribution_version

# Read from the installed distribution so the version is written only in pyproject.toml.
__version__ = _distribution_version("http-benchmark")

__all__ = ["__version__"]
