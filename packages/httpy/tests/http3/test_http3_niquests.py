"""httpy over HTTP/3 with niquests (its QUIC stack is qh3, independent of aioquic).

niquests lives in the `test-http3` dependency group, not `test` (its urllib3-future
overwrites urllib3 in the environment): these tests run where that group is installed
(`nox -s tests_http3`) and skip elsewhere.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from h3_server import ThreadedServer

niquests: Any = pytest.importorskip("niquests")

MIB = 1024 * 1024


@pytest.fixture
def session(h3_server: ThreadedServer) -> Iterator[Any]:
    """A niquests session told that the server speaks HTTP/3 (no TCP at all)."""
    with niquests.Session(disable_http1=True, disable_http2=True) as session:
        session.quic_cache_layer.add_domain("127.0.0.1", h3_server.quic_port)
        yield session


def test_get(session: Any, h3_server: ThreadedServer, ca_file: Path) -> None:
    # verify per request: niquests does not use a session-level verify for QUIC.
    url = f"https://127.0.0.1:{h3_server.port}/version"
    response = session.get(url, verify=str(ca_file), timeout=20)
    assert (response.status_code, response.http_version) == (200, 30)
    assert response.json()["http_version"] == "3"


def test_post_of_one_mebibyte(session: Any, h3_server: ThreadedServer, ca_file: Path) -> None:
    body = bytes(range(256)) * 4096
    url = f"https://127.0.0.1:{h3_server.port}/digest"
    response = session.post(url, data=body, verify=str(ca_file), timeout=30)
    assert response.http_version == 30
    assert response.json() == {"size": MIB, "sha256": hashlib.sha256(body).hexdigest()}


def test_streamed_response(session: Any, h3_server: ThreadedServer, ca_file: Path) -> None:
    url = f"https://127.0.0.1:{h3_server.port}/stream/32"
    response = session.get(url, verify=str(ca_file), stream=True, timeout=30)
    received = b"".join(response.iter_content(16384))
    assert response.http_version == 30
    assert received == b"".join(bytes([65 + n % 26]) * 16384 for n in range(32))


def test_multiplexed_requests(h3_server: ThreadedServer, ca_file: Path) -> None:
    with niquests.Session(disable_http1=True, disable_http2=True, multiplexed=True) as session:
        session.quic_cache_layer.add_domain("127.0.0.1", h3_server.quic_port)
        base = f"https://127.0.0.1:{h3_server.port}"
        responses = [
            session.post(f"{base}/echo", data=b"%d" % n * 1000, verify=str(ca_file), timeout=30)
            for n in range(20)
        ]
        session.gather()
        assert [r.status_code for r in responses] == [200] * 20
        assert [r.content for r in responses] == [b"%d" % n * 1000 for n in range(20)]
        assert {r.http_version for r in responses} == {30}


def test_alt_svc_upgrades_a_plain_session(h3_server: ThreadedServer, ca_file: Path) -> None:
    """No hint given: the first answer (HTTP/2) advertises h3, and niquests moves to it."""
    url = f"https://127.0.0.1:{h3_server.port}/version"
    with niquests.Session() as session:
        first = session.get(url, verify=str(ca_file), timeout=20)
        assert first.http_version == 20
        assert first.headers["alt-svc"] == f'h3=":{h3_server.quic_port}"; ma=86400'
        second = session.get(url, verify=str(ca_file), timeout=20)
        assert second.http_version == 30
        assert json.loads(second.content)["http_version"] == "3"
