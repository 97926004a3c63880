"""Route templates, converters and the router's lookup, without a server."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from httpy.routing import Route, Router, RoutingError


def endpoint(request: Any, **params: Any) -> None:
    """A stand-in handler; routing never calls it."""


async def async_endpoint(request: Any, **params: Any) -> None:
    """A stand-in coroutine handler."""


def route(path: str, *methods: str) -> Route:
    return Route(path, frozenset(methods or ("GET",)), endpoint, path)


def router_of(*routes: Route) -> Router:
    router = Router()
    for item in routes:
        router.add(item)
    return router


# --- converters ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "path", "expected"),
    [
        ("/u/{name}", "/u/alice", {"name": "alice"}),
        ("/u/{name:str}", "/u/al%20ice", {"name": "al%20ice"}),
        ("/n/{n:int}", "/n/42", {"n": 42}),
        ("/n/{n:int}", "/n/-7", {"n": -7}),
        ("/n/{n:int}", "/n/007", {"n": 7}),
        ("/f/{x:float}", "/f/3.25", {"x": 3.25}),
        ("/f/{x:float}", "/f/-2", {"x": -2.0}),
        ("/files/{p:path}", "/files/a/b/c.txt", {"p": "a/b/c.txt"}),
        ("/files/{p:path}/edit", "/files/a/b/edit", {"p": "a/b"}),
        ("/a/{x:int}/b/{y}", "/a/1/b/two", {"x": 1, "y": "two"}),
    ],
)
def test_converters_match_and_convert(template: str, path: str, expected: dict[str, Any]) -> None:
    params = route(template).match(path)
    assert params == expected
    assert params is not None
    assert [type(value) for value in params.values()] == [type(v) for v in expected.values()]


def test_uuid_converter_gives_a_uuid() -> None:
    value = uuid.UUID("12345678-1234-5678-1234-567812345678")
    params = route("/o/{oid:uuid}").match(f"/o/{value}")
    assert params == {"oid": value}
    assert params is not None
    assert isinstance(params["oid"], uuid.UUID)
    upper = route("/o/{oid:uuid}").match(f"/o/{str(value).upper()}")
    assert upper == {"oid": value}


@pytest.mark.parametrize(
    ("template", "path"),
    [
        ("/n/{n:int}", "/n/abc"),
        ("/n/{n:int}", "/n/1.5"),
        ("/n/{n:int}", "/n/"),
        ("/n/{n:int}", "/n/--1"),
        ("/f/{x:float}", "/f/1e5"),
        ("/f/{x:float}", "/f/nan"),
        ("/f/{x:float}", "/f/1."),
        ("/o/{oid:uuid}", "/o/12345678-1234-5678-1234-56781234567"),
        ("/o/{oid:uuid}", "/o/not-a-uuid"),
        ("/u/{name}", "/u/a/b"),
        ("/u/{name}", "/u/"),
        ("/u/{name}/x", "/u/alice/y"),
        ("/exact", "/exact/"),
    ],
)
def test_converters_refuse(template: str, path: str) -> None:
    assert route(template).match(path) is None


def test_int_too_long_for_python_is_no_match() -> None:
    # int() refuses more than 4300 digits with a ValueError: a 404, not a 500.
    assert route("/n/{n:int}").match("/n/" + "9" * 5000) is None


def test_literal_parts_are_not_regex() -> None:
    dotted = route("/v1.0/{name}")
    assert dotted.match("/v1.0/x") == {"name": "x"}
    assert dotted.match("/v1x0/x") is None
    assert route("/a+b/{n:int}").match("/a+b/3") == {"n": 3}


# --- templates -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("no-slash", "start with '/'"),
        ("/a/{x:nope}", "unknown converter 'nope'"),
        ("/a/{x}/{x:int}", "parameter 'x' appears twice"),
        ("/a/{x", "malformed parameter"),
        ("/a/x}", "malformed parameter"),
        ("/a/{}", "malformed parameter"),
        ("/a/{1x}", "malformed parameter"),
        ("/a/{x:}", "malformed parameter"),
        ("/a/{x y}", "malformed parameter"),
    ],
)
def test_invalid_templates_are_refused(template: str, message: str) -> None:
    with pytest.raises(RoutingError, match=message.replace("(", r"\(")):
        route(template)


def test_routing_error_is_a_value_error() -> None:
    assert issubclass(RoutingError, ValueError)


def test_async_detection() -> None:
    class AsyncCallable:
        async def __call__(self, request: Any) -> None:
            """An endpoint object."""

    class SyncCallable:
        def __call__(self, request: Any) -> None:
            """An endpoint object."""

    assert Route("/", frozenset({"GET"}), async_endpoint, "a").is_async is True
    assert Route("/", frozenset({"GET"}), endpoint, "s").is_async is False
    assert Route("/", frozenset({"GET"}), AsyncCallable(), "ac").is_async is True
    assert Route("/", frozenset({"GET"}), SyncCallable(), "sc").is_async is False


# --- the router ----------------------------------------------------------------------


def test_static_beats_dynamic_whatever_the_order() -> None:
    dynamic = route("/users/{name}")
    static = route("/users/me")
    router = router_of(dynamic, static)
    found = router.match("GET", "/users/me")
    assert found.route is static
    assert found.params == {}
    other = router.match("GET", "/users/bob")
    assert other.route is dynamic
    assert other.params == {"name": "bob"}


def test_dynamic_routes_are_tried_in_registration_order() -> None:
    numeric = route("/items/{n:int}")
    anything = route("/items/{name}")
    router = router_of(numeric, anything)
    assert router.match("GET", "/items/5").route is numeric
    assert router.match("GET", "/items/5").params == {"n": 5}
    assert router.match("GET", "/items/five").route is anything


def test_static_path_with_other_method_falls_through_to_dynamic() -> None:
    static_post = route("/things/new", "POST")
    dynamic_get = route("/things/{name}", "GET")
    router = router_of(static_post, dynamic_get)
    found = router.match("GET", "/things/new")
    assert found.route is dynamic_get
    assert found.params == {"name": "new"}
    assert router.match("POST", "/things/new").route is static_post


def test_head_falls_back_to_get() -> None:
    static = route("/s")
    dynamic = route("/d/{n:int}")
    router = router_of(static, dynamic)
    assert router.match("HEAD", "/s").route is static
    head = router.match("HEAD", "/d/3")
    assert head.route is dynamic
    assert head.params == {"n": 3}


def test_explicit_head_route_wins_over_get() -> None:
    get = route("/s", "GET")
    head = route("/s", "HEAD")
    router = router_of(get, head)
    assert router.match("HEAD", "/s").route is head
    assert router.match("GET", "/s").route is get


def test_static_route_finds_only_exact_static_registrations() -> None:
    # The app's fast path asks it first; None must leave every other case to `match`.
    static = route("/s", "GET")
    static_post = route("/things/new", "POST")
    dynamic = route("/things/{name}", "GET")
    router = router_of(static, static_post, dynamic)
    assert router.static_route("GET", "/s") is static
    assert router.static_route("POST", "/things/new") is static_post
    assert router.static_route("HEAD", "/s") is None  # HEAD answered by GET: `match` says
    assert router.static_route("GET", "/things/new") is None  # the dynamic route answers
    assert router.static_route("GET", "/things/bob") is None
    assert router.static_route("GET", "/missing") is None


def test_no_route_at_all_has_nothing_allowed() -> None:
    found = router_of(route("/a")).match("GET", "/b")
    assert found.route is None
    assert found.params == {}
    assert found.allowed == frozenset()


@pytest.mark.parametrize(
    ("methods", "allowed"),
    [
        (("GET",), {"GET", "HEAD", "OPTIONS"}),
        (("POST",), {"POST", "OPTIONS"}),
        (("PUT", "DELETE"), {"PUT", "DELETE", "OPTIONS"}),
        (("GET", "POST"), {"GET", "HEAD", "POST", "OPTIONS"}),
    ],
)
def test_allow_set_for_405(methods: tuple[str, ...], allowed: set[str]) -> None:
    router = router_of(route("/static", *methods), route("/dyn/{x}", *methods))
    for path in ("/static", "/dyn/1"):
        found = router.match("PATCH", path)
        assert found.route is None
        assert found.allowed == frozenset(allowed)


def test_allow_set_unites_every_route_of_the_path() -> None:
    router = router_of(
        route("/r/special", "POST"),
        route("/r/{name}", "GET"),
        route("/r/{n:int}", "DELETE"),
    )
    found = router.match("PUT", "/r/special")
    assert found.allowed == frozenset({"POST", "GET", "HEAD", "OPTIONS"})
    numeric = router.match("PUT", "/r/5")
    assert numeric.allowed == frozenset({"GET", "HEAD", "DELETE", "OPTIONS"})


def test_duplicate_registration_is_refused() -> None:
    router = router_of(route("/a", "GET", "POST"))
    with pytest.raises(RoutingError, match="POST /a is already routed"):
        router.add(route("/a", "POST"))
    router.add(route("/a", "PUT"))  # another method on the same path is fine
    assert [r.methods for r in router.routes] == [frozenset({"GET", "POST"}), frozenset({"PUT"})]


def test_same_shape_with_other_parameter_names_is_a_duplicate() -> None:
    router = router_of(route("/u/{user_id:int}"))
    with pytest.raises(RoutingError, match="already routed"):
        router.add(route("/u/{other:int}"))
    router.add(route("/v/{x}"))
    with pytest.raises(RoutingError, match="already routed"):
        router.add(route("/v/{y:str}"))  # `str` is the default converter: the same shape
    # Another converter is another shape: it may answer paths the first refuses.
    router.add(route("/u/{name}"))
    assert router.match("GET", "/u/bob").params == {"name": "bob"}


def test_routes_lists_a_copy() -> None:
    router = router_of(route("/a"))
    router.routes.clear()
    assert len(router.routes) == 1
