"""The public API of httpy is exactly the names listed here, so it cannot drift silently."""

import types

import httpy

EXPECTED_EXPORTS = {
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
}


def test_all_lists_the_expected_names() -> None:
    assert set(httpy.__all__) == EXPECTED_EXPORTS
    assert all(hasattr(httpy, name) for name in httpy.__all__)


def test_no_public_attribute_is_left_out_of_all() -> None:
    public = {
        name
        for name, value in vars(httpy).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public <= set(httpy.__all__)
