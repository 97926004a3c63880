"""aresilient's own exceptions; both are httpx exceptions, so `except httpx.HTTPError` sees them."""

from __future__ import annotations

import httpx

__all__ = ["BulkheadFullError", "CircuitBreakerError", "HttpRequestError", "RateLimitExceeded"]


class HttpRequestError(httpx.HTTPStatusError):
    """Retries ran out on a retryable status (or `raise_on_failure` asked for an exception).

    A subclass of `httpx.HTTPStatusError`, so code written for `response.raise_for_status()`
    catches it too. The response's body has been read (unless it was streamed) and the
    response is closed.
    """

    def __init__(self, message: str, *, request: httpx.Request, response: httpx.Response) -> None:
        super().__init__(message, request=request, response=response)
        self.method = request.method
        self.url = request.url
        self.status_code = response.status_code


class CircuitBreakerError(httpx.TransportError):
    """The circuit breaker is open: the request was not sent.

    A transport error because, as with a refused connection, nothing reached the server;
    code that handles `httpx.TransportError` or `httpx.HTTPError` keeps working.
    """


class RateLimitExceeded(httpx.TransportError):
    """The rate limiter's next token is further away than its `max_wait`: not sent.

    A transport error for the same reason as `CircuitBreakerError`: nothing reached the server.
    It is never retried (waiting for the limiter is the limiter's own job).
    """


class BulkheadFullError(httpx.TransportError):
    """Every bulkhead slot is taken and its queue is full (or the queue wait ran out): not sent.

    A transport error for the same reason as `CircuitBreakerError`; never retried.
    """
