"""`Session.get`'s native plain path (`PlainGate`, rust/requestx/src/gate.rs) decides as
Python's own rule does, and what it sends and answers is what the Python path would.

The gate repeats `Session.get` → `_plain` → `_request_plain`'s checks natively. Each case
below changes one thing a user (or a mocking library) can change, and checks that the gate
admits the call exactly when `python_rule` (the Python conditions, spelled out from
sessions.py) does; end-to-end tests then check the gate's answers on a real server.
"""

from __future__ import annotations

import asyncio
import collections
import socket
from collections.abc import Callable, Iterator
from typing import Any
from unittest import mock

import pytest

import requestx
from httpy.httpbin import app
from httpy.testing import serve_in_thread
from requestx import _mode, _requestx, sessions
from requestx.adapters import HTTPAdapter, _is_stock
from requestx.sessions import Session


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with serve_in_thread(app) as server:
        yield server.url


def python_rule(session: Session, url: Any, options: dict[str, Any]) -> bool:
    """Whether the Python path would send `session.get(url, **options)` the plainest way
    (`_request_plain`'s sync, whole-body, no-retries branch)."""
    if not (
        isinstance(url, str)
        and sessions._PLAIN_GET_OPTIONS.issuperset(options)
        and type(session).request is sessions._OWN_REQUEST
        and "request" not in session.__dict__
        and session._plain()
    ):
        return False
    verify = options.get("verify")
    if session.trust_env:
        verify = session._environment_verify(url, verify)
        if verify is sessions._NOT_PLAIN:
            return False
    target, has_credentials = sessions._prepared_url(url)
    adapter = session.get_adapter(target)
    if has_credentials or not _is_stock(adapter) or session._plain_headers() is None:
        return False
    stream = options.get("stream")
    stream = session.stream if stream is None else stream
    if _mode.wants_async(session.mode):
        return False
    return not stream and adapter._no_retries()


class _OwnAdapter(HTTPAdapter):
    pass


def _unchanged(session: Session) -> None:
    """A fresh session as it is."""


# (name, change to a fresh session, url suffix, options)
CASES: list[tuple[str, Callable[[Session], Any], str, dict[str, Any]]] = [
    ("plain", _unchanged, "/get", {}),
    ("timeout", _unchanged, "/get", {"timeout": 5}),
    ("timeout pair", _unchanged, "/get", {"timeout": (3, 5)}),
    (
        "all options",
        _unchanged,
        "/get",
        {"timeout": 5, "allow_redirects": False, "stream": False, "verify": True},
    ),
    ("unknown option", _unchanged, "/get", {"headers": {"a": "b"}}),
    ("stream option", _unchanged, "/get", {"stream": True}),
    ("session stream", lambda s: setattr(s, "stream", True), "/get", {}),
    ("auth", lambda s: setattr(s, "auth", ("u", "p")), "/get", {}),
    ("proxies", lambda s: s.proxies.update(http="http://127.0.0.1:9"), "/get", {}),
    ("params", lambda s: s.params.update(a="1"), "/get", {}),
    ("cert", lambda s: setattr(s, "cert", "/nonexistent.pem"), "/get", {}),
    ("a cookie", lambda s: s.cookies.set("a", "1"), "/get", {}),
    ("response hook", lambda s: s.hooks["response"].append(print), "/get", {}),
    ("another hook", lambda s: s.hooks.update(other=[]), "/get", {}),
    ("send on the session", lambda s: setattr(s, "send", s.send), "/get", {}),
    ("request on the session", lambda s: setattr(s, "request", s.request), "/get", {}),
    ("get_adapter on the session", lambda s: setattr(s, "get_adapter", s.get_adapter), "/get", {}),
    ("own adapter", lambda s: s.mount("http://", _OwnAdapter()), "/get", {}),
    ("retries", lambda s: s.mount("http://", HTTPAdapter(max_retries=2)), "/get", {}),
    ("async mode", lambda s: setattr(s, "mode", "async"), "/get", {}),
    ("sync mode", lambda s: setattr(s, "mode", "sync"), "/get", {}),
    ("credentials", _unchanged, "/get", {"_credentials": True}),
    ("header changed", lambda s: s.headers.update({"X-Gate": "1"}), "/get", {}),
    ("headers of another type", lambda s: setattr(s, "headers", dict(s.headers)), "/get", {}),
    ("trust_env off", lambda s: setattr(s, "trust_env", False), "/get", {}),
]


@pytest.mark.parametrize(
    ("change", "suffix", "options"), [case[1:] for case in CASES], ids=[case[0] for case in CASES]
)
def test_the_gate_admits_what_python_would_send_plainly(
    url: str,
    change: Callable[[Session], Any],
    suffix: str,
    options: dict[str, Any],
) -> None:
    options = dict(options)
    target = url + suffix
    if options.pop("_credentials", False):
        target = target.replace("http://", "http://user:secret@")
    with Session() as session:
        change(session)
        expected = python_rule(session, target, options)
        assert sessions._GATE.admits(session, target, options) is expected
        assert sessions._GATE.admits(session, target.encode(), options) is False


@pytest.mark.parametrize(
    "patched", ["send", "prepare_request", "merge_environment_settings", "request", "get_adapter"]
)
def test_a_patched_session_method_turns_the_gate_away(url: str, patched: str) -> None:
    with Session() as session, mock.patch.object(Session, patched, autospec=True):
        assert sessions._GATE.admits(session, f"{url}/get", {}) is False


@pytest.mark.parametrize("patched", ["send", "build_response"])
def test_a_patched_adapter_method_turns_the_gate_away(url: str, patched: str) -> None:
    with Session() as session, mock.patch.object(HTTPAdapter, patched, autospec=True):
        assert python_rule(session, f"{url}/get", {}) is False
        assert sessions._GATE.admits(session, f"{url}/get", {}) is False


def test_a_default_mode_of_async_turns_the_gate_away(url: str) -> None:
    with Session() as session:
        requestx.set_default_mode("async")
        try:
            assert sessions._GATE.admits(session, f"{url}/get", {}) is False
        finally:
            requestx.set_default_mode("auto")
        assert sessions._GATE.admits(session, f"{url}/get", {}) is True


def test_inside_a_running_loop_the_gate_leaves_the_call_to_python(url: str) -> None:
    async def inside() -> tuple[bool, int]:
        with Session() as session:
            admitted = sessions._GATE.admits(session, f"{url}/get", {})
            response = await session.get(f"{url}/get")
            return admitted, response.status_code

    assert asyncio.run(inside()) == (False, 200)


def test_a_new_mount_is_seen_by_the_adapter_memo(url: str) -> None:
    with Session() as session:
        assert session.get(f"{url}/get").status_code == 200
        session.mount("http://", _OwnAdapter())
        assert sessions._GATE.admits(session, f"{url}/get", {}) is False
        session.mount("http://", HTTPAdapter())
        assert sessions._GATE.admits(session, f"{url}/get", {}) is True


def _mount_own_adapter_behind_a_longer_prefix(session: Session, url: str) -> None:
    session.mount("http://", _OwnAdapter())
    session.mount(url, HTTPAdapter())


# Changes made after the gate's caches were filled (a first `get`): the gate must see each
# of them as `get_adapter` and `_plain_headers` do, whichever way the mapping was changed.
CHANGED_AFTER_USE: list[tuple[str, Callable[[Session, str], Any]]] = [
    ("nothing", lambda _s, _u: None),
    # The own adapter's prefix moved ahead of the longer one: `get_adapter` now finds it.
    ("mounts reordered", lambda s, u: s.adapters.move_to_end(u)),
    ("mounts as a dict", lambda s, _u: setattr(s, "adapters", dict(s.adapters))),
    (
        "mounts as a UserDict",
        lambda s, _u: setattr(s, "adapters", collections.UserDict(s.adapters)),
    ),
    ("a mount replaced in place", lambda s, u: s.adapters.__setitem__(u, _OwnAdapter())),
    ("a mount removed", lambda s, u: s.adapters.pop(u)),
    (
        "headers reordered",
        lambda s, _u: s.headers.__setitem__("User-Agent", s.headers.pop("User-Agent")),
    ),
    ("a header value replaced", lambda s, _u: s.headers.__setitem__("Accept", "text/plain")),
]


@pytest.mark.parametrize(
    "change", [case[1] for case in CHANGED_AFTER_USE], ids=[case[0] for case in CHANGED_AFTER_USE]
)
def test_a_change_after_use_is_seen_by_the_gates_caches(
    url: str, change: Callable[[Session, str], Any]
) -> None:
    with Session() as session:
        _mount_own_adapter_behind_a_longer_prefix(session, url)
        assert session.get(f"{url}/get").status_code == 200  # fills the caches
        change(session, url)
        expected = python_rule(session, f"{url}/get", {})
        assert sessions._GATE.admits(session, f"{url}/get", {}) is expected
        if expected:
            assert session.get(f"{url}/get").status_code == 200
            # The headers were encoded again from their present order and values.
            cached = session._plain_headers_cache
            assert cached is not None
            assert cached[0] == list(session.headers._store.values())


def test_reordered_mounts_send_through_the_adapter_now_first(url: str) -> None:
    with Session() as session:
        _mount_own_adapter_behind_a_longer_prefix(session, url)
        assert sessions._GATE.admits(session, f"{url}/get", {}) is True
        session.get(f"{url}/get")
        session.adapters.move_to_end(url)
        assert isinstance(session.get_adapter(f"{url}/get"), _OwnAdapter)
        assert sessions._GATE.admits(session, f"{url}/get", {}) is False


def test_the_gates_response_is_the_python_paths(url: str) -> None:
    with Session() as session:
        session.trust_env = False
        by_gate = session.get(f"{url}/get?x=1", timeout=5)
        session.send = session.send  # type: ignore[method-assign]  # the general path
        assert sessions._GATE.admits(session, f"{url}/get?x=1", {}) is False
        by_python = session.get(f"{url}/get?x=1", timeout=5)
    for response in (by_gate, by_python):
        assert response.status_code == 200
        assert response.reason == "OK"
        assert response.url == f"{url}/get?x=1"
        assert response.request.url == f"{url}/get?x=1"
        assert response.request.method == "GET"
        assert response.json()["args"] == {"x": "1"}
        assert response.connection is session.get_adapter(f"{url}/get")
        assert response.history == []
    assert by_gate.headers["Content-Type"] == by_python.headers["Content-Type"]
    assert dict(by_gate.request.headers) == dict(by_python.request.headers)


def test_a_changed_session_header_is_sent_by_the_gate(url: str) -> None:
    with Session() as session:
        assert "X-Gate" not in session.get(f"{url}/headers").json()["headers"]
        session.headers["X-Gate"] = "one"
        assert sessions._GATE.admits(session, f"{url}/headers", {}) is True
        assert session.get(f"{url}/headers").json()["headers"]["X-Gate"] == "one"
        session.headers["X-Gate"] = "two"
        assert session.get(f"{url}/headers").json()["headers"]["X-Gate"] == "two"


def test_cookies_set_by_a_gate_response_reach_the_session(url: str) -> None:
    with Session() as session:
        response = session.get(f"{url}/cookies/set?flavour=ginger")
        assert session.cookies.get("flavour") == "ginger"
        assert response.history[0].status_code == 302
        assert response.json()["cookies"] == {"flavour": "ginger"}


def test_redirects_from_the_gate_are_followed_or_not_as_asked(url: str) -> None:
    with Session() as session:
        followed = session.get(f"{url}/redirect/2")
        assert followed.status_code == 200
        assert [hop.status_code for hop in followed.history] == [302, 302]
        kept = session.get(f"{url}/redirect/1", allow_redirects=False)
        assert kept.status_code == 302
        assert kept.history == []
        assert kept.next is not None


def test_a_connection_error_from_the_gate_carries_the_request() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with Session() as session:
        session.trust_env = False
        assert sessions._GATE.admits(session, f"http://127.0.0.1:{port}/", {}) is True
        with pytest.raises(requestx.ConnectionError) as raised:
            session.get(f"http://127.0.0.1:{port}/", timeout=5)
    assert raised.value.request is not None
    assert raised.value.request.url == f"http://127.0.0.1:{port}/"


def test_the_gate_refuses_a_missing_or_unknown_definition() -> None:
    with pytest.raises(TypeError, match="by name"):
        _requestx.PlainGate()
    definitions = dict(sessions._GATE_DEFINITIONS)
    del definitions["kit"]
    with pytest.raises(TypeError, match="needs kit"):
        _requestx.PlainGate(**definitions)
    with pytest.raises(TypeError, match="22 definitions, 23"):
        _requestx.PlainGate(**sessions._GATE_DEFINITIONS, extra=None)
