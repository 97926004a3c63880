"""The ASGI 3 callable's shapes, as the server sees them (dicts in, dicts out).

Kept loose on purpose: ASGI messages are plain dicts whose keys depend on their ``type``;
each adapter module checks the keys it reads, with an error that names the message.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = ["ASGIApplication", "Message", "Receive", "Scope", "Send"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApplication = Callable[[Scope, Receive, Send], Awaitable[None]]
