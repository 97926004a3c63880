"""Integration tests: the clients and the CLI against the httpy image, run by testcontainers."""
