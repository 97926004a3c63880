"""The network side of httpy: sockets, TLS, processes, signals; one module per wire protocol.

Nothing here imports the framework: the server runs any :class:`~httpy.server.stream.StreamApp`.
"""

from httpy.server.serve import Server, run
from httpy.server.state import ServerState
from httpy.server.stream import Sender, Stream, StreamApp

__all__ = ["Sender", "Server", "ServerState", "Stream", "StreamApp", "run"]
