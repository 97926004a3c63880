"""Finding the app to serve from a ``"module:attribute"`` string, and `httpy.run`.

An attribute may be an :class:`~httpy.App`, an ASGI 3 callable (wrapped in
:class:`~httpy.asgi.ASGIApp` with the Config's ASGI knobs) or any other StreamApp (an
``ASGIApp`` built by hand). ``interface`` forces the choice when detection would guess wrong.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Literal, cast

from httpy.application import App
from httpy.asgi import ASGIApp, is_asgi3_app
from httpy.config import Config
from httpy.server import serve

if TYPE_CHECKING:
    from httpy.asgi.types import ASGIApplication
    from httpy.server.stream import StreamApp

__all__ = ["INTERFACES", "Interface", "as_stream_app", "load_app", "run"]

Interface = Literal["auto", "asgi", "httpy"]
INTERFACES: tuple[Interface, ...] = ("auto", "asgi", "httpy")


def load_app(target: str, interface: Interface = "auto", config: Config | None = None) -> StreamApp:
    """Import ``"package.module:attribute"`` and return what the server runs for it."""
    module_name, _, attribute = target.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"expected MODULE:APP (like 'httpy.httpbin:app'), got {target!r}")
    cwd = str(Path.cwd())
    if cwd not in sys.path:
        sys.path.insert(0, cwd)  # like `python -m`: modules next to the caller are found
    module = importlib.import_module(module_name)
    try:
        app = getattr(module, attribute)
    except AttributeError:
        raise ValueError(f"module {module_name!r} has no attribute {attribute!r}") from None
    return as_stream_app(app, interface, config, name=target)


def as_stream_app(
    app: object,
    interface: Interface = "auto",
    config: Config | None = None,
    *,
    name: str = "the app",
) -> StreamApp:
    """`app` as the server runs it; TypeError when it is not the `interface` asked for."""
    if interface not in INTERFACES:
        raise ValueError(f"interface must be one of {', '.join(INTERFACES)}, got {interface!r}")
    if isinstance(app, App) or (interface != "asgi" and _is_stream_app(app)):
        if interface == "asgi":
            raise TypeError(f"{name} is an httpy.App, not an ASGI app (drop --interface asgi)")
        return cast("StreamApp", app)
    if interface == "httpy":
        raise TypeError(f"{name} is a {type(app).__name__}, not an httpy.App")
    if interface == "asgi" and callable(app) and not isinstance(app, type):
        pass  # forced: trusted to be ASGI 3 even if it does not look like a coroutine function
    elif not is_asgi3_app(app):
        raise TypeError(
            f"{name} is a {type(app).__name__}: neither an httpy.App nor an ASGI 3 app "
            "(an async callable taking scope, receive, send; ASGI 2 classes are not served)"
        )
    return ASGIApp.from_config(cast("ASGIApplication", app), config or Config())


def _is_stream_app(app: object) -> bool:
    return callable(getattr(app, "serve_stream", None)) and hasattr(app, "startup")


def run(
    app: App | StreamApp | ASGIApplication | str,
    config: Config | None = None,
    *,
    interface: Interface = "auto",
) -> None:
    """Serve `app` (or ``"module:app"``) until SIGTERM/SIGINT, in ``config.workers`` processes.

    `app` may be an :class:`~httpy.App` or an ASGI 3 application (Starlette, FastAPI, ...).
    """
    config = config or Config()
    if isinstance(app, str):
        stream_app = load_app(app, interface, config)
    else:
        stream_app = as_stream_app(app, interface, config)
    serve.run(stream_app, config)
