"""The public API of http_benchmark is exactly the names listed here; it cannot drift silently."""

import types

import http_benchmark

EXPECTED_EXPORTS = {
    "SCENARIOS",
    "BenchmarkConfiguration",
    "BenchmarkResult",
    "CellComparison",
    "CellKey",
    "Change",
    "ClientAdapter",
    "ClientUnavailableError",
    "ConfigurationError",
    "DockerHttpyServer",
    "DockerUnavailableError",
    "ExternalServer",
    "FairSettings",
    "HTTPRequest",
    "ImageMissingError",
    "LatencySummary",
    "LocalHttpyServer",
    "OpenLoopRound",
    "PROTOCOLS",
    "TlsMaterial",
    "UnsupportedProtocolError",
    "ResourceMetrics",
    "RoundSample",
    "RunError",
    "Runner",
    "Scenario",
    "ServerChoice",
    "ServerError",
    "ServerProvider",
    "Spread",
    "Storage",
    "StoredRun",
    "UnsupportedModeError",
    "Verdict",
    "__version__",
    "compare_runs",
    "get_adapter",
    "measure_harness_overhead",
    "remove_leftovers",
    "render_html",
    "select_server",
}


def test_all_lists_the_expected_names() -> None:
    assert set(http_benchmark.__all__) == EXPECTED_EXPORTS
    assert all(hasattr(http_benchmark, name) for name in http_benchmark.__all__)


def test_no_public_attribute_is_left_out_of_all() -> None:
    public = {
        name
        for name, value in vars(http_benchmark).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public <= set(http_benchmark.__all__)
