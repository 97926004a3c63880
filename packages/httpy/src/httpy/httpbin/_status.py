"""/status/{codes}: answer with a given status, or one drawn from a weighted list.

``/status/503`` answers 503; ``/status/200,500`` picks either with equal odds;
``/status/200:0.9,500:0.1`` weighs the draw. A few statuses carry what a client expects
of them, as httpbin sends: redirects a Location, 401 a challenge, 418 a teapot.
"""

from __future__ import annotations

import json
import random

from httpy.application import App
from httpy.exceptions import HTTPException
from httpy.httpbin._echo import ANY_METHOD
from httpy.requests import Request
from httpy.responses import Response

__all__ = ["parse_choices", "register", "status_response"]

_REDIRECT = {"location": "/redirect/1"}
_TEAPOT = """\
I'm a teapot (RFC 2324): short and stout.
       ____
    __/    \\__
   (  '----'  )==
    \\________/
"""
_EXTRAS: dict[int, tuple[str, dict[str, str]]] = {
    301: ("", _REDIRECT),
    302: ("", _REDIRECT),
    303: ("", _REDIRECT),
    305: ("", _REDIRECT),
    307: ("", _REDIRECT),
    401: ("", {"www-authenticate": 'Basic realm="Fake Realm"'}),
    406: (
        json.dumps(
            {
                "message": "Client did not request a supported media type.",
                "accept": ["image/webp", "image/svg+xml", "image/jpeg", "image/png", "image/*"],
            }
        ),
        {"content-type": "application/json"},
    ),
    407: ("", {"proxy-authenticate": 'Basic realm="Fake Realm"'}),
    418: (_TEAPOT, {"x-more-info": "http://tools.ietf.org/html/rfc2324"}),
}


def _status(text: str) -> int:
    try:
        code = int(text)
    except ValueError:
        raise HTTPException(400, f"Invalid status code: {text!r}") from None
    # 1xx are not final answers; the response line carries three digits.
    if not 200 <= code <= 999:
        raise HTTPException(400, f"Invalid status code: {code} (use 200-999)")
    return code


def parse_choices(codes: str) -> tuple[list[int], list[float]]:
    statuses: list[int] = []
    weights: list[float] = []
    for choice in codes.split(","):
        code, sep, weight = choice.strip().partition(":")
        statuses.append(_status(code))
        try:
            weights.append(float(weight) if sep else 1.0)
        except ValueError:
            raise HTTPException(400, f"Invalid weight in {choice!r}") from None
    if any(not 0 <= weight < float("inf") for weight in weights) or sum(weights) <= 0:
        raise HTTPException(400, "weights must be non-negative numbers, not all zero")
    return statuses, weights


def status_response(code: int) -> Response:
    body, headers = _EXTRAS.get(code, ("", {}))
    return Response(body, code, headers, media_type="text/html; charset=utf-8")


async def status(request: Request, codes: str) -> Response:  # noqa: ARG001
    statuses, weights = parse_choices(codes)
    code = statuses[0] if len(statuses) == 1 else random.choices(statuses, weights)[0]  # noqa: S311
    return status_response(code)


def register(app: App) -> None:
    app.route("/status/{codes}", ANY_METHOD)(status)
