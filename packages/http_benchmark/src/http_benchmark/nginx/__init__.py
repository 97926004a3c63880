"""Client benchmarks against Debian's nginx, moved here from requestx's and aresilient's own
benchmark folders: `http-benchmark nginx-clients` (requestx vs requests, httpx, urllib3,
pycurl, aiohttp), `http-benchmark instructions` (callgrind's instructions per GET) and
`http-benchmark retry-overhead` (aresilient vs bare httpx and other retry layers).

Each module is a command of its own (argparse, printed tables with the issue targets); nothing
is imported here, so a worker started with `python -m http_benchmark.nginx.worker` loads only
what it measures.
"""

__all__: list[str] = []
