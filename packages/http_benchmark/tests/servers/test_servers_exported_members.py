"""The public names of http_benchmark.servers are exactly these; they cannot drift silently."""

import types

from http_benchmark import servers

EXPECTED = {
    "SUITES",
    "SUITE_NAMES",
    "LoadSettings",
    "Measurement",
    "ServerRunSettings",
    "ServerRunner",
    "Suite",
    "get_suite",
    "is_server_run",
    "ratio_lines",
    "server_methodology_lines",
    "server_tables",
}


def test_all_lists_the_expected_names() -> None:
    assert set(servers.__all__) == EXPECTED
    assert all(hasattr(servers, name) for name in servers.__all__)


def test_no_public_attribute_is_left_out_of_all() -> None:
    public = {
        name
        for name, value in vars(servers).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public <= set(servers.__all__)
