"""`requestx.install()`: `import requests` anywhere in the program gives requestx, sync.

Each test runs a fresh interpreter (install() changes `sys.modules` and the process-wide
mode): it calls install() and then imports a small "library" written for requests, which
talks to a loopback httpbin served by this process.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from httpy.httpbin import app
from httpy.testing import serve_in_thread

# A third-party library as it would be written for requests: it knows nothing of requestx.
LIBRARY = '''
import asyncio

import requests
from requests.adapters import HTTPAdapter
from requests.exceptions import HTTPError


def fetch_json(url):
    response = requests.get(url, timeout=5)
    response.raise_for_status()
    return response.json()


def fetch_or_report(url, timeout=5):
    """What libraries do: catch requests' exceptions by requests' names."""
    try:
        response = requests.get(url, timeout=timeout)
        response.raise_for_status()
    except requests.exceptions.Timeout as error:
        return "timeout", type(error).__module__
    except requests.ConnectionError as error:
        return "connection", type(error).__module__
    except HTTPError as error:
        return "http %d" % error.response.status_code, type(error).__module__
    except requests.RequestException as error:
        return "other", type(error).__module__
    return "ok", None


def from_a_running_loop(url):
    async def main():
        # A sync library called from async code: requests would block and return.
        return requests.get(url, timeout=5)
    return asyncio.run(main())


def session_with_adapter():
    session = requests.Session()
    session.mount("http://", HTTPAdapter(max_retries=2))
    return session
'''


def _run(tmp_path: Path, script: str, *args: str) -> str:
    """Run ``script`` in a new interpreter that can import LIBRARY as `library`; its stdout."""
    (tmp_path / "library.py").write_text(LIBRARY, encoding="utf-8")
    env = dict(os.environ)
    # The child imports requestx from wherever this process does, and the library from tmp.
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), *sys.path])
    env.pop("REQUESTX_MODE", None)
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with serve_in_thread(app) as server:
        yield server.url


def _refused_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/get"


def test_a_library_importing_requests_gets_requestx(tmp_path: Path, url: str) -> None:
    out = _run(
        tmp_path,
        """
        import sys
        import requestx
        requestx.install()
        import library, requests
        import requests.adapters, requests.exceptions, requests.models
        print(requests is requestx)
        print(library.requests is requestx)
        print(requests.adapters is requestx.adapters)
        print(requests.Session is requestx.sessions.Session)
        print(sys.modules["requests.structures"] is requestx.structures)
        print(library.fetch_json(sys.argv[1] + "/get?lib=yes")["args"])
        """,
        url,
    )
    assert out.splitlines() == ["True"] * 5 + ["{'lib': 'yes'}"]


def test_every_requests_submodule_is_requestx_own(tmp_path: Path) -> None:
    out = _run(
        tmp_path,
        """
        import importlib
        import requestx
        requestx.install()
        names = ["adapters", "api", "auth", "certs", "compat", "cookies", "exceptions",
                 "help", "hooks", "models", "packages", "sessions", "status_codes",
                 "structures", "utils", "_internal_utils"]
        for name in names:
            module = importlib.import_module("requests." + name)
            assert module is importlib.import_module("requestx." + name), name
            assert getattr(importlib.import_module("requests"), name) is module, name
        # Not one of requests' names: still the same module, never a second copy.
        import requests.sync, requests._retry
        assert requests.sync is requestx.sync
        assert requests._retry.Retry is requestx.adapters.Retry
        from requests.certs import where
        print(where().endswith(".pem"))
        try:
            import requests.no_such_module
        except ModuleNotFoundError:
            print("missing")
        """,
    )
    assert out.splitlines() == ["True", "missing"]


def test_exceptions_are_caught_by_requests_names(tmp_path: Path, url: str) -> None:
    out = _run(
        tmp_path,
        """
        import sys
        import requestx
        requestx.install()
        import library
        base, refused = sys.argv[1], sys.argv[2]
        print(library.fetch_or_report(base + "/get"))
        print(library.fetch_or_report(base + "/status/418"))
        print(library.fetch_or_report(refused))
        print(library.fetch_or_report(base + "/delay/3", timeout=0.3))
        """,
        url,
        _refused_url(),
    )
    assert out.splitlines() == [
        "('ok', None)",
        "('http 418', 'requestx.exceptions')",
        "('connection', 'requestx.exceptions')",
        "('timeout', 'requestx.exceptions')",
    ]


def test_install_makes_calls_sync_even_inside_a_running_loop(tmp_path: Path, url: str) -> None:
    out = _run(
        tmp_path,
        """
        import sys
        import requestx
        print(requestx.get_default_mode())
        requestx.install()
        print(requestx.get_default_mode())
        import library
        response = library.from_a_running_loop(sys.argv[1] + "/get")
        print(type(response).__name__, response.status_code)
        print(library.session_with_adapter().get(sys.argv[1] + "/get").status_code)
        """,
        url,
    )
    assert out.splitlines() == ["auto", "sync", "Response 200", "200"]


def test_uninstall_restores_what_was_there(tmp_path: Path) -> None:
    out = _run(
        tmp_path,
        """
        import sys, types, warnings
        # Stands in for the real requests, imported before install().
        earlier = types.ModuleType("requests")
        sys.modules["requests"] = earlier
        import requestx
        requestx.set_default_mode("async")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            requestx.install()
            requestx.install()  # a second call changes nothing, and warns no more
        print(len(caught), caught[0].category.__name__, "imported" in str(caught[0].message))
        import requests
        print(requests is requestx, requestx.get_default_mode())
        requestx.uninstall()
        print(sys.modules["requests"] is earlier, requestx.get_default_mode())
        print(any(name.startswith("requests.") for name in sys.modules))
        del sys.modules["requests"]
        try:  # the real requests if it is installed, else nothing: never requestx
            import requests.adapters
            print(requests.adapters.__name__)
        except ImportError:
            print("requests.adapters")
        requestx.uninstall()  # not installed: nothing to do
        """,
    )
    assert out.splitlines() == [
        "1 RuntimeWarning True",
        "True sync",
        "True async",
        "False",
        "requests.adapters",
    ]
