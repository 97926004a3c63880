"""Independent HTTP/2 clients (curl and nghttp, both built on nghttp2) against the protocol module
on loopback, through the small server in http2_loopback.py: h2c prior knowledge, uploads and
downloads past every window, trailers, push, and many concurrent streams.
"""

from __future__ import annotations

import asyncio
import hashlib
import re

from http2_loopback import run_client, serving

from httpy.protocol import HTTP2Limits

# Small windows and frames, so that every transfer below crosses them many times.
TIGHT = HTTP2Limits(initial_window_size=65_535, connection_window_size=65_535)


def test_curl_prior_knowledge_get() -> None:
    async def main() -> tuple[int, bytes, bytes]:
        async with serving() as port:
            return await run_client(
                "curl", "-sS", "--http2-prior-knowledge", "-w", "|%{http_version}|%{http_code}",
                f"http://127.0.0.1:{port}/",
            )  # fmt: skip

    code, out, err = asyncio.run(main())
    assert code == 0, err
    assert out == b"hello|2|200"


def test_curl_upload_echoed_through_small_windows() -> None:
    payload = bytes(range(256)) * 2048  # 512 KiB, eight times the windows

    async def main() -> tuple[int, bytes, bytes]:
        async with serving(TIGHT) as port:
            process = await asyncio.create_subprocess_exec(
                "curl", "-sS", "--http2-prior-knowledge", "--data-binary", "@-",
                f"http://127.0.0.1:{port}/echo",
                stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            out, err = await asyncio.wait_for(process.communicate(payload), 60)
            assert process.returncode is not None
            return process.returncode, out, err

    code, out, err = asyncio.run(main())
    assert code == 0, err
    assert hashlib.sha256(out).digest() == hashlib.sha256(payload).digest()


def test_curl_large_download() -> None:
    async def main() -> tuple[int, bytes, bytes]:
        async with serving(TIGHT) as port:
            return await run_client(
                "curl", "-sS", "--http2-prior-knowledge", f"http://127.0.0.1:{port}/big/3000000",
            )  # fmt: skip

    code, out, err = asyncio.run(main())
    assert code == 0, err
    assert out == b"b" * 3_000_000


def test_nghttp_sees_trailers_and_push() -> None:
    async def main() -> tuple[tuple[int, bytes, bytes], tuple[int, bytes, bytes]]:
        async with serving() as port:
            trailers = await run_client("nghttp", "-v", f"http://127.0.0.1:{port}/trailers")
            push = await run_client("nghttp", "-v", f"http://127.0.0.1:{port}/push")
            return trailers, push

    (code, out, err), (push_code, push_out, push_err) = asyncio.run(main())
    assert code == 0, err
    assert b"x-checksum: 42" in out
    assert push_code == 0, push_err
    assert b"recv PUSH_PROMISE frame" in push_out
    assert b":path: /pushed.css" in push_out
    assert b"body{}" in push_out


def test_nghttp_sixty_concurrent_streams() -> None:
    async def main() -> tuple[int, bytes, bytes]:
        async with serving() as port:
            return await run_client("nghttp", "-n", "-s", "-m", "60", f"http://127.0.0.1:{port}/")

    code, out, err = asyncio.run(main())
    assert code == 0, err
    # One statistics line per completed stream: "<id> +..ms +..ms ..ms 200 5 /".
    completed = re.findall(rb"^\s*\d+\s+\+\S+\s+\+\S+\s+\S+\s+200\s+5 /$", out, re.MULTILINE)
    assert len(completed) == 60, out
    assert b"not processed" not in out
