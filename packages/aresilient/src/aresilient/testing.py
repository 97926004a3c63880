"""Help for the test suites of aresilient's users: retries that do not wait.

    from aresilient.testing import no_wait

    with no_wait():
        client.get(url)  # retried as configured, without sleeping between attempts

Setting the environment variable ARESILIENT_NO_WAIT=1 does the same for a whole test run.
Only aresilient's default sleeps are skipped; a `sleep=` given to a client is always called.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from aresilient._waiting import NO_WAIT_ENV, disable_waiting, enable_waiting

__all__ = ["NO_WAIT_ENV", "no_wait"]


@contextmanager
def no_wait() -> Iterator[None]:
    """Within the block, in every thread and task, retries follow each other without waiting."""
    disable_waiting()
    try:
        yield
    finally:
        enable_waiting()
