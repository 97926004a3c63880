"""Finding the app to serve from a ``"module:attribute"`` string, and `httpy.run`."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from httpy.application import App
from httpy.config import Config
from httpy.server import serve

__all__ = ["load_app", "run"]


def load_app(target: str) -> App:
    """Import ``"package.module:attribute"`` and return the App it names."""
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
    if not isinstance(app, App):
        raise TypeError(f"{target} is a {type(app).__name__}, not an httpy.App")
    return app


def run(app: App | str, config: Config | None = None) -> None:
    """Serve `app` (or ``"module:app"``) until SIGTERM/SIGINT, in ``config.workers`` processes."""
    serve.run(load_app(app) if isinstance(app, str) else app, config)
