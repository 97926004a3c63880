"""The httpy app the local server runs: cheap fixed payloads and uploads, httpbin for the rest.

httpbin's `/bytes/{n}` draws fresh random bytes per request and stops at 100 KiB, so a download
benchmark on it would measure the server's random generator. Here payloads are made once per
size and served from memory, and `/upload` only counts what it reads. Every other path (`/get`,
`/status/503`, `/delay/1`...) is answered by `httpy.httpbin`.

    httpy run http_benchmark.server_app:app --host 127.0.0.1 --port 8080
"""

from __future__ import annotations

import random
from functools import lru_cache

from httpy import App, Request, Response
from httpy.httpbin import app as httpbin

__all__ = ["MAX_PAYLOAD", "app", "payload"]

#: Largest payload and upload served: the 64 MiB streamed download is the largest scenario.
MAX_PAYLOAD = 64 * 1024 * 1024
_OURS = ("/payload/", "/upload")

app = App(max_body_size=MAX_PAYLOAD)


@lru_cache(maxsize=8)
def payload(size: int) -> bytes:
    """`size` pseudo-random bytes, the same for a size every time (incompressible)."""
    return random.Random(size).randbytes(size)  # noqa: S311 - filler bytes, not secrets


@app.route("/", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
async def index(request: Request) -> Response:
    # The body (if any) is read, so a POST here costs what an upload costs.
    await request.body()
    return Response(b"ok\n", media_type="text/plain")


@app.get("/payload/{size:int}")
async def payload_route(request: Request, size: int) -> Response:  # noqa: ARG001 - httpy passes it
    if not 0 <= size <= MAX_PAYLOAD:
        return Response(f"size must be 0..{MAX_PAYLOAD}\n", status_code=400)
    return Response(payload(size), media_type="application/octet-stream")


@app.route("/upload", methods=["POST", "PUT"])
async def upload(request: Request) -> Response:
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
    return Response(str(received).encode(), media_type="text/plain")


@app.before_request
async def httpbin_for_the_rest(request: Request) -> Response | None:
    if request.path == "/" or request.path.startswith(_OURS):
        return None
    return await httpbin.handle(request)
