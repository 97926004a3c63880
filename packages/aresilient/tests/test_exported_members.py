"""The public API of aresilient is exactly the names listed here, so it cannot drift silently."""

import types

import httpx

import aresilient

OWN_EXPORTS = {
    "__version__",
    "AsyncClient",
    "AsyncResilientClient",
    "AsyncRetryTransport",
    "BackoffStrategy",
    "Bulkhead",
    "BulkheadFullError",
    "CircuitBreaker",
    "CircuitBreakerError",
    "CircuitState",
    "Client",
    "ConstantBackoff",
    "DEFAULT_MAX_RETRIES",
    "DEFAULT_MAX_RETRY_AFTER",
    "DEFAULT_MAX_RETRY_TIME",
    "DEFAULT_RETRY_METHODS",
    "DEFAULT_STATUS_FORCELIST",
    "DecorrelatedJitterBackoff",
    "ExponentialBackoff",
    "FailureInfo",
    "FibonacciBackoff",
    "Hedging",
    "FullJitterBackoff",
    "HttpRequestError",
    "LinearBackoff",
    "RateLimitExceeded",
    "RateLimiter",
    "RequestInfo",
    "ResilientClient",
    "ResponseInfo",
    "RetryInfo",
    "RetryBudget",
    "RetryOptions",
    "RetryPolicy",
    "RetryTransport",
    "parse_retry_after",
    "testing",
}
FUNCTIONS = {"request", "get", "options", "head", "post", "put", "patch", "delete"}
OWN_EXPORTS |= FUNCTIONS
OWN_EXPORTS |= {f"{name}_async" for name in FUNCTIONS}
OWN_EXPORTS |= {f"{name}_with_automatic_retry" for name in FUNCTIONS}
OWN_EXPORTS |= {f"{name}_with_automatic_retry_async" for name in FUNCTIONS}
# httpx's public names, re-exported unchanged (its metadata strings describe httpx, not us).
HTTPX_EXPORTS = set(httpx.__all__) - {"__title__", "__description__"} - OWN_EXPORTS
EXPECTED_EXPORTS = OWN_EXPORTS | HTTPX_EXPORTS


def test_all_lists_the_expected_names() -> None:
    assert set(aresilient.__all__) == EXPECTED_EXPORTS
    assert len(aresilient.__all__) == len(EXPECTED_EXPORTS)
    assert all(hasattr(aresilient, name) for name in aresilient.__all__)


def test_no_public_attribute_is_left_out_of_all() -> None:
    public = {
        name
        for name, value in vars(aresilient).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public <= set(aresilient.__all__)


def test_submodules_list_their_names() -> None:
    from aresilient import exceptions, testing  # noqa: PLC0415

    assert set(exceptions.__all__) == {
        "BulkheadFullError",
        "CircuitBreakerError",
        "HttpRequestError",
        "RateLimitExceeded",
    }
    assert set(testing.__all__) == {"NO_WAIT_ENV", "no_wait"}
