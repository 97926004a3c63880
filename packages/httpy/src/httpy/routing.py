"""Path templates compiled once into a lookup: static paths by dict, the rest by regex.

Templates look like ``/users/{user_id:int}``; converters are ``str`` (default, one
segment), ``int``, ``float``, ``path`` (the rest, slashes included) and ``uuid``.
"""

from __future__ import annotations

import inspect
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Match", "Route", "Router", "RoutingError"]


@dataclass(frozen=True, slots=True)
class _Converter:
    pattern: str
    convert: Callable[[str], Any]


CONVERTERS: dict[str, _Converter] = {
    "str": _Converter(r"[^/]+", str),
    "int": _Converter(r"-?[0-9]+", int),
    "float": _Converter(r"-?[0-9]+(?:\.[0-9]+)?", float),
    "path": _Converter(r".*", str),
    "uuid": _Converter(
        r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
        uuid.UUID,
    ),
}
_PARAM = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(?::([a-zA-Z_][a-zA-Z0-9_]*))?}")


class RoutingError(ValueError):
    """A route template or registration is invalid."""


@dataclass(slots=True)
class Route:
    path: str
    methods: frozenset[str]
    endpoint: Callable[..., Any]
    name: str
    #: Largest request body this route accepts; None uses the server's default.
    max_body_size: int | None = None
    is_async: bool = field(init=False)
    regex: re.Pattern[str] | None = field(init=False, default=None)
    converters: dict[str, Callable[[str], Any]] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        if not self.path.startswith("/"):
            raise RoutingError(f"route paths start with '/': {self.path!r}")
        # An object with an `async def __call__` is awaited too, not sent to the thread pool.
        endpoint = self.endpoint
        self.is_async = inspect.iscoroutinefunction(endpoint) or (
            not inspect.isroutine(endpoint) and inspect.iscoroutinefunction(type(endpoint).__call__)
        )
        pattern = ["^"]
        position = 0
        for param in _PARAM.finditer(self.path):
            name, kind = param.group(1), param.group(2) or "str"
            if kind not in CONVERTERS:
                raise RoutingError(f"unknown converter {kind!r} in {self.path!r}")
            if name in self.converters:
                raise RoutingError(f"parameter {name!r} appears twice in {self.path!r}")
            _check_literal(self.path, self.path[position : param.start()])
            pattern.append(re.escape(self.path[position : param.start()]))
            pattern.append(f"(?P<{name}>{CONVERTERS[kind].pattern})")
            self.converters[name] = CONVERTERS[kind].convert
            position = param.end()
        _check_literal(self.path, self.path[position:])
        if self.converters:
            pattern.append(re.escape(self.path[position:]))
            pattern.append("$")
            self.regex = re.compile("".join(pattern))

    @property
    def shape(self) -> str:
        """The template with parameter names erased: equal shapes match the same paths."""
        return _PARAM.sub(lambda param: "{:" + (param.group(2) or "str") + "}", self.path)

    def match(self, path: str) -> dict[str, Any] | None:
        if self.regex is None:
            return {} if path == self.path else None
        found = self.regex.match(path)
        if found is None:
            return None
        try:
            return {name: self.converters[name](value) for name, value in found.groupdict().items()}
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class Match:
    route: Route | None
    params: dict[str, Any]
    #: Methods the path answers to (for 405's Allow and automatic OPTIONS).
    allowed: frozenset[str]


class Router:
    def __init__(self) -> None:
        self._routes: list[Route] = []
        self._static: dict[str, dict[str, Route]] = {}
        self._dynamic: list[Route] = []

    @property
    def routes(self) -> list[Route]:
        return list(self._routes)

    def add(self, route: Route) -> None:
        shape = route.shape
        for existing in self._routes:
            # `/u/{a}` after `/u/{b}` could never answer: refuse it like an exact duplicate.
            if existing.shape == shape and existing.methods & route.methods:
                overlap = ", ".join(sorted(existing.methods & route.methods))
                raise RoutingError(f"{overlap} {route.path} is already routed")
        self._routes.append(route)
        if route.regex is None:
            by_method = self._static.setdefault(route.path, {})
            for method in route.methods:
                by_method[method] = route
        else:
            self._dynamic.append(route)

    def static_route(self, method: str, path: str) -> Route | None:
        """The route registered for exactly `method` on the template-free `path`, if any: the
        common lookup, without a Match. None says nothing more: `match` decides the rest
        (parameters, HEAD answered by GET, 405)."""
        by_method = self._static.get(path)
        return None if by_method is None else by_method.get(method)

    def match(self, method: str, path: str) -> Match:
        """The route for `method` on `path`; HEAD falls back to GET."""
        allowed: set[str] = set()
        static = self._static.get(path)
        if static is not None:
            route = static.get(method) or (static.get("GET") if method == "HEAD" else None)
            if route is not None:
                return Match(route, {}, frozenset())
            allowed.update(static)
        for route in self._dynamic:
            params = route.match(path)
            if params is None:
                continue
            if method in route.methods or (method == "HEAD" and "GET" in route.methods):
                return Match(route, params, frozenset())
            allowed |= route.methods
        return Match(None, {}, _allowed_from(allowed) if allowed else frozenset())


def _check_literal(template: str, literal: str) -> None:
    # A brace left outside a well-formed `{name}` / `{name:kind}` is a typo, not a path.
    if "{" in literal or "}" in literal:
        raise RoutingError(
            f"malformed parameter in {template!r}: use {{name}} or {{name:converter}}"
        )


def _allowed_from(methods: set[str]) -> frozenset[str]:
    if "GET" in methods:
        methods = methods | {"HEAD"}
    return frozenset(methods | {"OPTIONS"})
