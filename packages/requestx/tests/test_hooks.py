"""dispatch_hook runs one hook or a list of hooks, each able to replace the data."""

from collections.abc import Callable
from typing import Any

import pytest
import requests.hooks

from requestx import hooks
from requestx.hooks import HOOKS, default_hooks, dispatch_hook


def drop_first(value: str, **kwargs: Any) -> str:
    return value[1:]


def returns_none(value: str, **kwargs: Any) -> None:
    return None


def test_all() -> None:
    assert set(hooks.__all__) == {"HOOKS", "default_hooks", "dispatch_hook"}


def test_the_only_event_is_response() -> None:
    assert HOOKS == ["response"] == requests.hooks.HOOKS


def test_default_hooks_are_fresh_empty_lists() -> None:
    first = default_hooks()
    assert first == {"response": []}
    first["response"].append(drop_first)
    assert default_hooks() == {"response": []}


@pytest.mark.parametrize(
    ("registered", "result"),
    [
        (drop_first, "ata"),
        ([drop_first], "ata"),
        ([drop_first, returns_none, drop_first], "ta"),
        ((drop_first, drop_first, drop_first), "a"),
        ([returns_none], "Data"),
        ([], "Data"),
    ],
)
def test_hooks_chain_and_none_keeps_the_data(registered: Any, result: str) -> None:
    data: Any = "Data"
    assert dispatch_hook("response", {"response": registered}, data) == result
    reference: Any = requests.hooks.dispatch_hook("response", {"response": registered}, data)
    assert reference == result


@pytest.mark.parametrize("registry", [None, {}, {"other": [drop_first]}, {"response": None}])
def test_nothing_registered_returns_the_data_untouched(registry: Any) -> None:
    data = object()
    assert dispatch_hook("response", registry, data) is data


def test_keyword_arguments_reach_every_hook() -> None:
    seen: list[dict[str, Any]] = []

    def record(value: str, **kwargs: Any) -> None:
        seen.append(kwargs)

    dispatch_hook("response", {"response": [record, record]}, "x", timeout=3, verify=False)
    assert seen == [{"timeout": 3, "verify": False}] * 2


def test_a_callable_object_counts_as_one_hook() -> None:
    class Upper:
        def __call__(self, value: str, **_kwargs: Any) -> str:
            return value.upper()

    assert dispatch_hook("response", {"response": Upper()}, "data") == "DATA"


def test_a_hook_sees_the_previous_hooks_result() -> None:
    order: list[str] = []

    def tag(label: str) -> Callable[..., str]:
        def hook(value: str, **kwargs: Any) -> str:
            order.append(f"{label}:{value}")
            return value + label

        return hook

    assert dispatch_hook("response", {"response": [tag("a"), tag("b")]}, "") == "ab"
    assert order == ["a:", "b:a"]


def test_an_exception_in_a_hook_propagates() -> None:
    def fail(value: str, **kwargs: Any) -> None:
        raise RuntimeError("hook failed")

    with pytest.raises(RuntimeError, match="hook failed"):
        dispatch_hook("response", {"response": [fail]}, "x")
