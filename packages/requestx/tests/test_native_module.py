"""The wheel carries the compiled engine, and the engine reports the release version."""

from importlib.metadata import version

import requestx
from requestx import _requestx


def test_native_module_is_a_compiled_extension() -> None:
    assert _requestx.__file__ is not None
    assert _requestx.__file__.endswith((".so", ".pyd"))


def test_version_comes_from_the_crate() -> None:
    assert requestx.__version__ == _requestx.__version__ == version("htk-requestx")
