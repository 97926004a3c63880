"""Query arguments as numbers: a bad value is a 400 naming the argument, never a 500."""

from __future__ import annotations

import math

from httpy.exceptions import HTTPException
from httpy.requests import Request

__all__ = ["float_arg", "int_arg"]


def int_arg(
    request: Request,
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise HTTPException(
            400, f"query argument {name!r} must be an integer, got {raw!r}"
        ) from None
    _check_range(name, value, minimum, maximum)
    return value


def float_arg(
    request: Request,
    name: str,
    default: float,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
) -> float:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise HTTPException(400, f"query argument {name!r} must be a number, got {raw!r}")
    _check_range(name, value, minimum, maximum)
    return value


def _check_range(name: str, value: float, minimum: float | None, maximum: float | None) -> None:
    if minimum is not None and value < minimum:
        raise HTTPException(400, f"query argument {name!r} must be at least {minimum}")
    if maximum is not None and value > maximum:
        raise HTTPException(400, f"query argument {name!r} must be at most {maximum}")
