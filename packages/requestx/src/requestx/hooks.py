"""The event hooks of requests: which events exist, and how their callbacks are run.

One event exists, ``response``: its hooks receive the response of a request (and the keyword
arguments the request was sent with). A hook that returns something other than ``None``
replaces the response for the hooks after it and for the caller; returning ``None`` keeps it.

Hooks are the slow path: a request without hooks never calls into this module.
"""

from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = ["HOOKS", "default_hooks", "dispatch_hook"]

#: The events a hook can be registered for.
HOOKS: list[str] = ["response"]

# A hook takes the event's data plus keyword arguments and may return a replacement.
_Hook = Callable[..., Any]


def default_hooks() -> dict[str, list[_Hook]]:
    """A fresh ``{event: []}`` mapping, one empty list per event in :data:`HOOKS`."""
    return {event: [] for event in HOOKS}


def dispatch_hook(
    key: str,
    hooks: Mapping[str, _Hook | Iterable[_Hook]] | None,
    hook_data: Any,
    **kwargs: Any,
) -> Any:
    """Run the hooks registered for event ``key`` on ``hook_data`` and return the result.

    ``hooks[key]`` may be one callable or an iterable of them (requests accepts both, and
    users pass both). Each hook is called as ``hook(data, **kwargs)``; a non-``None`` return
    value becomes the data handed to the next hook and, in the end, to the caller.
    """
    registered = (hooks or {}).get(key)
    # An empty list (the default) and a missing key both mean: nothing to run.
    if not registered:
        return hook_data
    chain: Iterable[_Hook] = [registered] if callable(registered) else registered
    for hook in chain:
        result = hook(hook_data, **kwargs)
        if result is not None:
            hook_data = result
    return hook_data
