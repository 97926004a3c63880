"""The public API of aresilient is exactly the names listed here, so it cannot drift silently."""

import types

import aresilient

EXPECTED_EXPORTS = {"__version__"}


def test_all_lists_the_expected_names() -> None:
    assert set(aresilient.__all__) == EXPECTED_EXPORTS
    assert all(hasattr(aresilient, name) for name in aresilient.__all__)


def test_no_public_attribute_is_left_out_of_all() -> None:
    public = {
        name
        for name, value in vars(aresilient).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public <= set(aresilient.__all__)
