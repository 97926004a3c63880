"""`python -m http_benchmark ...`: the same as the `http-benchmark` command."""

from http_benchmark.cli import app

app(prog_name="http-benchmark")
