"""hpack's per-field DEBUG logging is silenced for HTTP/2 connections unless it is wanted."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import hpack.hpack
import pytest

from httpy.protocol.http2 import HTTP2Connection


@pytest.fixture
def hpack_log() -> Iterator[logging.Logger]:
    logger = logging.getLogger("hpack.hpack")
    saved_module_log, saved_level = hpack.hpack.log, logger.level
    hpack.hpack.log = logger
    yield logger
    hpack.hpack.log = saved_module_log
    logger.setLevel(saved_level)


def test_silenced_when_debug_is_off(hpack_log: logging.Logger) -> None:
    hpack_log.setLevel(logging.INFO)
    HTTP2Connection()
    assert hpack.hpack.log is not hpack_log
    hpack.hpack.log.debug("dropped %s", "silently")  # still callable as hpack calls it


def test_kept_when_debug_is_on(hpack_log: logging.Logger, caplog: pytest.LogCaptureFixture) -> None:
    hpack_log.setLevel(logging.DEBUG)
    connection = HTTP2Connection()
    assert hpack.hpack.log is hpack_log
    connection.initiate()
    with caplog.at_level(logging.DEBUG, logger="hpack.hpack"):
        hpack.hpack.Encoder().encode([(b":status", b"200")])
    assert any(record.name == "hpack.hpack" for record in caplog.records)
