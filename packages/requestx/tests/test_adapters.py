"""`HTTPAdapter.build_response` with a raw response the engine did not make.

Mocking libraries (responses, requests-mock) build a urllib3 `HTTPResponse` and hand it to
`build_response`, as requests lets them; the Response must read its status, headers,
cookies and body from it, as requests' does.
"""

from __future__ import annotations

import io
import json
from typing import Any

import urllib3

import requestx
from requestx.adapters import HTTPAdapter


def _urllib3_response(
    body: bytes, headers: dict[str, str], status: int = 200
) -> urllib3.HTTPResponse:
    return urllib3.HTTPResponse(
        body=io.BytesIO(body),
        headers=urllib3.HTTPHeaderDict(headers),
        status=status,
        reason="I'm a teapot" if status == 418 else "OK",
        preload_content=False,
        decode_content=False,
    )


def _prepared(url: str = "http://mocked.test/path") -> requestx.PreparedRequest:
    return requestx.Request("GET", url).prepare()


def test_a_urllib3_response_becomes_a_response() -> None:
    adapter = HTTPAdapter()
    request = _prepared()
    raw = _urllib3_response(
        json.dumps({"ok": True}).encode(),
        {"Content-Type": "application/json; charset=utf-8", "X-Mixed-Case": "kept"},
        status=418,
    )
    response = adapter.build_response(request, raw)
    assert isinstance(response, requestx.Response)
    assert response.status_code == 418
    assert response.reason == "I'm a teapot"
    assert response.raw is raw
    assert response.request is request
    assert response.connection is adapter
    assert response.url == "http://mocked.test/path"
    assert response.encoding == "utf-8"
    # The names as the raw response spells them, found in any case.
    assert "X-Mixed-Case" in list(response.headers)
    assert response.headers["x-mixed-case"] == "kept"
    assert response.json() == {"ok": True}
    assert not response.ok


def test_its_body_streams_and_its_cookies_are_kept() -> None:
    raw = _urllib3_response(b"line one\nline two\n", {"Set-Cookie": "flavour=oat; Path=/"})
    response = HTTPAdapter().build_response(_prepared(), raw)
    assert response.cookies.get("flavour") == "oat"
    assert list(response.iter_lines()) == [b"line one", b"line two"]


def test_a_session_keeps_what_a_mocking_adapter_returns() -> None:
    """A mounted adapter that answers from memory, as requests-mock's does."""

    class MemoryAdapter(HTTPAdapter):
        def send(self, request: Any, *args: Any, **kwargs: Any) -> requestx.Response:  # noqa: ARG002
            headers = {"Set-Cookie": "session=abc; Path=/", "Content-Type": "text/plain"}
            raw = _urllib3_response(b"from memory", headers)
            return self.build_response(request, raw)

    with requestx.Session() as session:
        session.mount("http://mocked.test/", MemoryAdapter())
        response = session.get("http://mocked.test/page")
        assert response.text == "from memory"
        assert session.cookies.get("session") == "abc"
        streamed = session.get("http://mocked.test/page", stream=True)
        assert b"".join(streamed.iter_content(4)) == b"from memory"
