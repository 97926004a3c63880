"""Header values that are credentials never reach the database in clear.

The run's configuration is stored with it (so a run says what it measured); request headers
such as `Authorization: Bearer ...` or `Cookie` are replaced by a marker that says the header
was sent and how long its value was, not what it was. The run itself sends the real values:
only the stored copy is redacted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["SENSITIVE_HEADERS", "is_sensitive", "redact_headers", "redacted_configuration"]

#: Headers whose values are credentials (compared case-insensitively), plus any header whose
#: name says token, secret, password, session or key (`X-Api-Key`, `X-Auth-Token`...).
SENSITIVE_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}
)
_SENSITIVE_WORDS = re.compile(r"token|secret|passw|session|api-?key|auth", re.IGNORECASE)


def is_sensitive(name: str) -> bool:
    return name.lower() in SENSITIVE_HEADERS or bool(_SENSITIVE_WORDS.search(name))


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {
        name: f"<redacted: {len(value)} characters>" if is_sensitive(name) else value
        for name, value in headers.items()
    }


def redacted_configuration(configuration: dict[str, Any]) -> dict[str, Any]:
    """A copy of a dumped configuration whose credential headers are redacted."""
    copy = dict(configuration)
    headers = copy.get("headers")
    if isinstance(headers, Mapping):
        copy["headers"] = redact_headers(headers)
    return copy
