"""httpy: a fast, strict asyncio HTTP/1.1, HTTP/2, HTTP/3 and WebSocket server with routing.

import httpy

app = httpy.App()

@app.get("/hello/{name}")
async def hello(request: httpy.Request, name: str) -> dict[str, str]:
    return {"hello": name}

httpy.run(app, httpy.Config(port=8000))
"""

from importlib.metadata import version as _distribution_version

from httpy.application import App
from httpy.config import Config
from httpy.datastructures import FormData, Headers, MultiDict, MutableHeaders, UploadFile
from httpy.exceptions import ClientDisconnectedError, HTTPException
from httpy.loading import run
from httpy.protocol.rules import HeaderValueError
from httpy.requests import Request
from httpy.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
    TextResponse,
)
from httpy.server import Server
from httpy.websocket import WebSocket, WebSocketDisconnect, WebSocketEndpoint

# Read from the installed distribution so the version is written only in pyproject.toml.
__version__ = _distribution_version("htk-httpy")

__all__ = [
    "App",
    "ClientDisconnectedError",
    "Config",
    "FileResponse",
    "FormData",
    "HTMLResponse",
    "HTTPException",
    "HeaderValueError",
    "Headers",
    "JSONResponse",
    "MultiDict",
    "MutableHeaders",
    "RedirectResponse",
    "Request",
    "Response",
    "Server",
    "StreamingResponse",
    "TextResponse",
    "UploadFile",
    "WebSocket",
    "WebSocketDisconnect",
    "WebSocketEndpoint",
    "__version__",
    "run",
]
