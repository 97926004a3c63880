"""/digest-auth on httpy's httpbin app, driven by real Digest clients (requests, curl) on loopback.

The first six tests are requests' own digest tests (tests/test_requests.py in psf/requests),
restated against httpy's httpbin: they pass against the reference httpbin app and must pass
here. Proxy variables are removed from the environment, as requests' conftest does, so the
module-level ``requests.get`` goes straight to 127.0.0.1.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from collections.abc import Callable, Iterator

import pytest
import requests
from requests.auth import HTTPDigestAuth

from httpy.httpbin import app
from httpy.httpbin._digest import parse_digest_credentials
from httpy.testing import RunningServer, serve_in_thread

CURL = shutil.which("curl")
needs_curl = pytest.mark.skipif(CURL is None, reason="curl is not installed")
ALGORITHMS = ("MD5", "SHA-256", "SHA-512")
PROXY_VARIABLES = ("http_proxy", "https_proxy", "no_proxy", "ftp_proxy", "all_proxy")


@pytest.fixture(scope="module")
def server() -> Iterator[RunningServer]:
    with serve_in_thread(app) as running:
        yield running


@pytest.fixture(autouse=True)
def no_proxy_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.fixture
def httpbin(server: RunningServer) -> Callable[..., str]:
    """requests' own fixture shape: httpbin("digest-auth", "auth", ...) is a URL."""

    def url(*parts: str) -> str:
        return server.url + "/" + "/".join(parts)

    return url


def challenge_params(response: requests.Response) -> dict[str, str]:
    params = parse_digest_credentials(response.headers["www-authenticate"])
    assert params is not None
    return params


# --- requests' digest tests ------------------------------------------------------------


def test_digest_http_200_ok_get(httpbin: Callable[..., str]) -> None:
    for authtype in ALGORITHMS:
        auth = HTTPDigestAuth("user", "pass")
        url = httpbin("digest-auth", "auth", "user", "pass", authtype, "never")

        r = requests.get(url, auth=auth, timeout=30)
        assert r.status_code == 200

        r = requests.get(url, timeout=30)
        assert r.status_code == 401

        with requests.session() as s:
            s.auth = HTTPDigestAuth("user", "pass")
            r = s.get(url, timeout=30)
            assert r.status_code == 200


def test_digest_auth_returns_cookie(httpbin: Callable[..., str]) -> None:
    for authtype in ALGORITHMS:
        url = httpbin("digest-auth", "auth", "user", "pass", authtype)
        auth = HTTPDigestAuth("user", "pass")
        r = requests.get(url, timeout=30)
        assert r.cookies["fake"] == "fake_value"

        r = requests.get(url, auth=auth, timeout=30)
        assert r.status_code == 200


def test_digest_auth_sets_session_cookies(httpbin: Callable[..., str]) -> None:
    for authtype in ALGORITHMS:
        url = httpbin("digest-auth", "auth", "user", "pass", authtype)
        auth = HTTPDigestAuth("user", "pass")
        with requests.Session() as s:
            s.get(url, auth=auth, timeout=30)
            assert s.cookies["fake"] == "fake_value"


def test_digest_stream(httpbin: Callable[..., str]) -> None:
    for authtype in ALGORITHMS:
        auth = HTTPDigestAuth("user", "pass")
        url = httpbin("digest-auth", "auth", "user", "pass", authtype)

        with requests.get(url, auth=auth, stream=True, timeout=30) as r:
            assert r.raw.read() != b""

        r = requests.get(url, auth=auth, stream=False, timeout=30)
        assert r.raw.read() == b""


def test_digestauth_wrong_http_401_get(httpbin: Callable[..., str]) -> None:
    for authtype in ALGORITHMS:
        auth = HTTPDigestAuth("user", "wrongpass")
        url = httpbin("digest-auth", "auth", "user", "pass", authtype)

        r = requests.get(url, auth=auth, timeout=30)
        assert r.status_code == 401

        r = requests.get(url, timeout=30)
        assert r.status_code == 401

        with requests.session() as s:
            s.auth = auth
            r = s.get(url, timeout=30)
            assert r.status_code == 401


def test_digestauth_quotes_qop_value(httpbin: Callable[..., str]) -> None:
    for authtype in ALGORITHMS:
        auth = HTTPDigestAuth("user", "pass")
        url = httpbin("digest-auth", "auth", "user", "pass", authtype)

        r = requests.get(url, auth=auth, timeout=30)
        assert '"auth"' in r.request.headers["Authorization"]


# --- the challenge and httpbin's cookie dance --------------------------------------------


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_challenge_names_the_route_algorithm_and_qop(
    httpbin: Callable[..., str], algorithm: str
) -> None:
    r = requests.get(httpbin("digest-auth", "auth-int", "user", "pass", algorithm), timeout=30)
    assert r.status_code == 401
    params = challenge_params(r)
    assert params["realm"] == "me@kennethreitz.com"
    assert params["qop"] == "auth-int"
    assert params["algorithm"] == algorithm
    assert params["stale"] == "FALSE"
    # Nonce and opaque are fresh digests of the route's algorithm, as httpbin's are.
    digest_length = hashlib.new(algorithm.replace("-", "").lower()).digest_size * 2
    assert len(params["nonce"]) == len(params["opaque"]) == digest_length
    assert r.cookies["stale_after"] == "never"
    assert r.cookies["fake"] == "fake_value"


def test_unknown_qop_offers_both_and_unknown_algorithm_is_md5(
    httpbin: Callable[..., str],
) -> None:
    url = httpbin("digest-auth", "whatever", "user", "pass", "SHA-1")
    params = challenge_params(requests.get(url, timeout=30))
    assert params["qop"] == "auth, auth-int"
    assert params["algorithm"] == "MD5"
    # requests picks "auth" from the two offered.
    assert requests.get(url, auth=HTTPDigestAuth("user", "pass"), timeout=30).status_code == 200


def test_md5_is_the_default_algorithm(httpbin: Callable[..., str]) -> None:
    url = httpbin("digest-auth", "auth", "user", "pass")
    assert challenge_params(requests.get(url, timeout=30))["algorithm"] == "MD5"
    r = requests.get(url, auth=HTTPDigestAuth("user", "pass"), timeout=30)
    assert r.json() == {"authenticated": True, "user": "user"}


def test_stale_after_counts_logins_then_answers_stale(httpbin: Callable[..., str]) -> None:
    url = httpbin("digest-auth", "auth", "user", "pass", "MD5", "1")
    with requests.Session() as s:
        s.auth = HTTPDigestAuth("user", "pass")
        first = s.get(url, timeout=30)
        assert first.status_code == 200
        assert s.cookies["stale_after"] == "0"
        # requests reuses the nonce it has, and the server calls it stale. requests' retry
        # keeps the Cookie header of the stale request, so it is told "stale" once more.
        second = s.get(url, timeout=30)
        assert second.status_code == 401
        assert challenge_params(second)["stale"] == "TRUE"
        assert s.cookies["stale_after"] == "1"  # the count starts over
        third = s.get(url, timeout=30)
        assert third.status_code == 200
        assert s.cookies["stale_after"] == "0"


def test_replayed_nonce_after_a_failure_is_stale(httpbin: Callable[..., str]) -> None:
    url = httpbin("digest-auth", "auth", "user", "pass")
    with requests.Session() as s:
        s.auth = HTTPDigestAuth("user", "wrong")
        failed = s.get(url, timeout=30)
        assert failed.status_code == 401
        sent = failed.request.headers["Authorization"]
        assert isinstance(sent, str)
        used = parse_digest_credentials(sent)
        assert used is not None
        assert s.cookies["last_nonce"] == used["nonce"]
        assert challenge_params(failed)["stale"] == "FALSE"
        # The same nonce again: stale, before the password is even looked at.
        s.auth = None
        replay = s.get(url, headers={"Authorization": sent}, timeout=30)
        assert replay.status_code == 401
        assert challenge_params(replay)["stale"] == "TRUE"


def test_require_cookie_refuses_a_client_without_cookies(httpbin: Callable[..., str]) -> None:
    url = httpbin("digest-auth", "auth", "user", "pass") + "?require-cookie=true"
    with requests.Session() as s:
        s.auth = HTTPDigestAuth("user", "pass")
        assert s.get(url, timeout=30).status_code == 200
        # A client that sends cookies, but not the one the challenge set: 403.
        s.cookies.clear()
        s.cookies.set("other", "1")
        refused = s.get(url, timeout=30)
        assert refused.status_code == 403
        assert refused.json() == {"errors": ["missing cookie set on challenge"]}
        assert refused.cookies["fake"] == "fake_value"


def test_wrong_username_with_the_right_password_is_refused(httpbin: Callable[..., str]) -> None:
    # httpbin hashes the username the client sends, so it would let this one in.
    url = httpbin("digest-auth", "auth", "user", "pass")
    assert requests.get(url, auth=HTTPDigestAuth("other", "pass"), timeout=30).status_code == 401


# --- curl --digest ------------------------------------------------------------------------


def curl_digest(url: str, credentials: str, *extra: str) -> tuple[int, bytes]:
    assert CURL is not None
    command = [CURL, "-q", "--silent", "--show-error", "--noproxy", "*", "--max-time", "30"]
    command += ["--digest", "--user", credentials, "--write-out", "\n%{http_code}", *extra, url]
    done = subprocess.run(command, capture_output=True, check=True, timeout=60)
    body, _, status = done.stdout.rpartition(b"\n")
    return int(status), body


@needs_curl
@pytest.mark.parametrize("qop", ["auth", "auth-int"])
@pytest.mark.parametrize("algorithm", ["MD5", "SHA-256"])  # curl 7.88 has no SHA-512 digest
def test_curl_digest(httpbin: Callable[..., str], qop: str, algorithm: str) -> None:
    url = httpbin("digest-auth", qop, "user", "pass", algorithm) + "?x=1"
    status, body = curl_digest(url, "user:pass")
    assert status == 200
    assert body == b'{"authenticated":true,"user":"user"}'
    status, _ = curl_digest(url, "user:nope")
    assert status == 401


# --- the Authorization header's syntax ----------------------------------------------------


def test_parse_digest_credentials() -> None:
    parsed = parse_digest_credentials(
        'Digest username="a\\"b", Realm="r, s" ,nc=00000001,qop=auth, response="x"'
    )
    assert parsed == {
        "username": 'a"b',
        "realm": "r, s",
        "nc": "00000001",
        "qop": "auth",
        "response": "x",
    }


@pytest.mark.parametrize(
    "value",
    [
        "Basic dXNlcjpwYXNz",
        "Digest",
        'Digest username="a", username="b"',
        'Digest username="unterminated',
        "Digest username=a b",
        "Digest =a",
        'Digest username="a",, realm="b"',
    ],
)
def test_parse_digest_credentials_refuses(value: str) -> None:
    assert parse_digest_credentials(value) is None


def test_unparseable_credentials_get_a_challenge(httpbin: Callable[..., str]) -> None:
    url = httpbin("digest-auth", "auth", "user", "pass")
    duplicated = 'Digest username="user", username="x"'
    r = requests.get(url, headers={"Authorization": duplicated}, timeout=30)
    assert r.status_code == 401
    assert "last_nonce" not in r.cookies  # refused before any nonce was looked at
