"""The network side of httpy: sockets, TLS, processes, signals; one module per wire protocol."""

from httpy.server.serve import Server, ServerState, load_app, run

__all__ = ["Server", "ServerState", "load_app", "run"]
